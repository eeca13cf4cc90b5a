//! The analytics context's errors, and their mapping to HTTP problems in one place.

use crate::authz::Decision as AuthzDecision;
use crate::web::api::{Kind, Problem};

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("{0}")]
    Validation(String),
    /// Absent, or outside the caller's reach: the same answer either way.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("no person is known by that sub to this client")]
    UnknownSubject,
    #[error("{0}")]
    Forbidden(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("the event writer has stopped")]
    WriterStopped,
}

impl AnalyticsError {
    pub fn denied(decision: AuthzDecision, what: &'static str) -> Self {
        match decision {
            AuthzDecision::Invisible(_) => AnalyticsError::NotFound(what),
            AuthzDecision::Forbidden(reason) | AuthzDecision::Allowed(reason) => {
                AnalyticsError::Forbidden(reason)
            }
        }
    }
}

impl From<AnalyticsError> for Problem {
    fn from(error: AnalyticsError) -> Self {
        use AnalyticsError as E;
        let kind = match &error {
            E::Validation(_) => Kind::Validation,
            E::NotFound(_) | E::UnknownSubject => Kind::NotFound,
            E::Forbidden(_) => Kind::Forbidden,
            E::Database(_) | E::WriterStopped => return Problem::internal(error),
        };
        Problem::new(kind, error.to_string())
    }
}
