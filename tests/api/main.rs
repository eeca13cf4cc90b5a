//! End-to-end tests for trohet: the real server is spawned on port 0 and
//! driven over HTTP. The `openidconnect` crate plays the relying party, so an
//! implementation we did not write checks ours; a cookie-keeping reqwest client
//! plays the browser for the HTML pages.
//!
//! Backend: SQLite in a temporary directory, or a fresh PostgreSQL schema per
//! spawned app when `TROHET_TEST_DATABASE_URL` is set.

mod account;
mod account_email;
mod account_privacy;
mod admin;
mod analytics_health;
mod analytics_ingest;
mod analytics_lifecycle;
mod analytics_privacy;
mod analytics_support;
mod analytics_surveys;
mod app_consent;
mod browser;
mod helpers;
mod receiver;
mod rp;
mod rp_types;

mod chromium;
mod chromium_account_privacy;
mod chromium_consent;
mod chromium_console;
mod chromium_console_health;
mod chromium_console_privacy;
mod cli;
mod cli_admin;
mod cli_analytics;
mod cli_privacy;
mod cli_validation;
mod client_endpoints;
mod code_flow;
mod consent;
mod consent_api;
mod console;
mod console_consent;
mod console_health;
mod console_privacy;
mod discovery;
mod errors;
mod grant_errors;
mod instances;
mod logout;
mod mail;
mod malformed;
mod operations;
mod pages;
mod pairwise;
mod privacy_choices;
mod privacy_erasure;
mod privacy_export;
mod privacy_notifications;
mod privacy_page;
mod privacy_register;
mod privacy_retention;
mod prompts;
mod protection;
mod revocation;
mod smtp;
mod tokens;
