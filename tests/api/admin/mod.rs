//! The admin API under `/api/v1`, driven over HTTP with the tokens a portal back-end or a
//! person would hold.

mod audit;
mod openapi;
mod permissions;
mod smoke;
pub mod support;
mod tenancy;
