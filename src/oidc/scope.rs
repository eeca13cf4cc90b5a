//! Scopes: the OIDC standard ones plus `customer` (the active customer account) and
//! `roles` (roles and permissions in that account), and the ones a client must be
//! registered with: `admin` and `consent` on a person's token, `consent:read` on a
//! service client's.

use std::collections::BTreeSet;
use std::fmt;

/// The scopes a person's token may carry.
pub const SUPPORTED_SCOPES: [&str; 8] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "customer",
    "roles",
    ADMIN_SCOPE,
    CONSENT_SCOPE,
];

/// The scopes a service client's own (client_credentials) token may carry.
pub const CLIENT_SCOPES: [&str; 4] = [
    CONSENT_READ_SCOPE,
    AUDIENCE_READ_SCOPE,
    ANALYTICS_WRITE_SCOPE,
    SURVEYS_READ_SCOPE,
];

/// The scopes a client may ask for only when registered with them.
pub const REGISTERED_SCOPES: [&str; 6] = [
    ADMIN_SCOPE,
    CONSENT_SCOPE,
    CONSENT_READ_SCOPE,
    AUDIENCE_READ_SCOPE,
    ANALYTICS_WRITE_SCOPE,
    SURVEYS_READ_SCOPE,
];

pub use crate::analytics::routes::{ANALYTICS_WRITE_SCOPE, SURVEYS_READ_SCOPE};
pub use crate::consent::routes::{AUDIENCE_READ_SCOPE, CONSENT_READ_SCOPE, CONSENT_SCOPE};

/// Lets a person's token call the admin API (with that person's own permissions). Only
/// clients registered with it may ask for it, so an ordinary portal app's tokens cannot
/// administer anything.
pub const ADMIN_SCOPE: &str = "admin";

/// The scopes every client may request; the [`REGISTERED_SCOPES`] must be registered.
pub const STANDARD_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "customer",
    "roles",
];

/// A set of scope values, kept sorted so tokens and responses are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(BTreeSet<String>);

impl Scope {
    pub fn parse(text: &str) -> Scope {
        Scope(
            text.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    pub fn contains(&self, value: &str) -> bool {
        self.0.contains(value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn remove(&mut self, value: &str) {
        self.0.remove(value);
    }

    /// Adds every value of `other`.
    pub fn extend(&mut self, other: &Scope) {
        self.0.extend(other.0.iter().cloned());
    }

    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The first value not in `allowed`, if any.
    pub fn first_outside<'a>(&'a self, allowed: &[String]) -> Option<&'a str> {
        self.0
            .iter()
            .find(|value| !allowed.iter().any(|a| a == *value))
            .map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for value in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(value)?;
            first = false;
        }
        Ok(())
    }
}
