//! Shared HTTP plumbing: request parameters, cookies, CSRF, security headers, page layout
//! and languages. Contexts use it; it depends on none of them.

pub mod api;
pub mod client_addr;
pub mod cookies;
pub mod csrf;
pub mod csv;
pub mod forms;
pub mod headers;
pub mod i18n;
pub mod page;
pub mod params;

/// The whole `source()` chain of an error, for logs (never for responses).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
