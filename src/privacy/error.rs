//! The privacy context's errors, and their mapping to HTTP problems in one place.

use crate::authz::Decision as AuthzDecision;
use crate::web::api::{Kind, Problem};

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("the person's data is under a legal hold and cannot be erased: {0}")]
    LegalHold(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    /// Absent, or outside the caller's reach: the same answer either way.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl PrivacyError {
    /// The error for an authorization decision that did not allow.
    pub fn denied(decision: AuthzDecision, what: &'static str) -> Self {
        match decision {
            AuthzDecision::Invisible(_) => PrivacyError::NotFound(what),
            AuthzDecision::Forbidden(reason) | AuthzDecision::Allowed(reason) => {
                PrivacyError::Forbidden(reason)
            }
        }
    }
}

impl From<PrivacyError> for Problem {
    fn from(error: PrivacyError) -> Self {
        use PrivacyError as E;
        let kind = match &error {
            E::LegalHold(_) => Kind::LegalHold,
            E::Validation(_) => Kind::Validation,
            E::Conflict(_) => Kind::Conflict,
            E::NotFound(_) => Kind::NotFound,
            E::Forbidden(_) => Kind::Forbidden,
            E::Database(_) => return Problem::internal(error),
        };
        Problem::new(kind, error.to_string())
    }
}
