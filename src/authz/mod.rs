//! Authorisation policy: the roles people can hold and the permissions those
//! roles grant, loaded from `policies/roles.toml` at start-up, and the one function that
//! decides whether a principal may do something in a customer account. This module owns
//! the file format and its validation (the service refuses to start on an
//! invalid policy, so every error names the file and line), and answers which
//! roles exist and which permissions a set of roles grants.

pub mod error;
mod policy;
mod principal;

pub use error::PolicyError;
pub use policy::{Policies, Role, RoleKind};
pub use principal::{Caller, Decision, Principal};
