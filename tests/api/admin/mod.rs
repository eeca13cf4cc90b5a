//! The admin API under `/api/v1`, driven over HTTP with the tokens a portal back-end or a
//! person would hold.

mod permissions;
mod smoke;
pub mod support;
