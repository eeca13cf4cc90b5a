//! trohet: the identity and privacy core under a B2B customer portal.
//!
//! The library holds everything; `main.rs` only parses the command line. Tests build an
//! [`App`] exactly as `trohet serve` does and talk HTTP to it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Page handlers return the response to send instead of going on; boxing it would buy
// nothing on paths that render HTML.
#![allow(clippy::result_large_err)]

mod account;
pub mod admin;
pub mod analytics;
mod api;
mod app;
pub mod audit;
pub mod authz;
mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consent;
mod console;
mod crypto;
mod db;
pub mod identity;
pub mod oidc;
mod ops;
pub mod outbox;
pub mod privacy;
mod web;

#[cfg(test)]
mod store_tests;

pub use app::App;
