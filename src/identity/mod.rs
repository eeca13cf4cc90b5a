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

use crate::clock::Clock;
use crate::config::SessionConfig;
use crate::db::Db;
use crate::web::cookies;
use axum::http::HeaderMap;
use password::PasswordHasher;
use session::Session;

/// What the identity context works with: its tables, the time, session lifetimes and the
/// password hasher.
#[derive(Clone)]
pub struct Identity {
    pub db: Db,
    pub clock: Clock,
    pub sessions: SessionConfig,
    pub hasher: PasswordHasher,
}

impl Identity {
    /// The live session behind the browser's cookie, if any.
    pub async fn current_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Session>, IdentityError> {
        match cookies::read(headers, cookies::SESSION_COOKIE) {
            Some(value) => {
                session::find_live(&self.db, &value, &self.sessions, self.clock.now()).await
            }
            None => Ok(None),
        }
    }
}
