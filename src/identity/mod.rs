//! Identity: customer accounts, persons, memberships with roles, credentials and browser
//! sessions. Everything else refers to people through this module; GDPR data minimisation
//! starts here (email, display name and locale are all we keep about a person).

mod error;
pub mod password;
pub mod password_policy;
pub mod routes;
pub mod session;
pub mod store;

pub use error::IdentityError;
pub use store::{CustomerAccount, Membership, Person, PersonKind};
