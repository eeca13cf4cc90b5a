//! The consent context's errors, and their mapping to HTTP problems in one place.

use crate::authz::Decision as AuthzDecision;
use crate::web::api::{Kind, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("no purpose {0}")]
    UnknownPurpose(String),
    #[error("the purpose {purpose} rests on {basis}: it is shown, never decided on")]
    NotAskable {
        purpose: String,
        basis: &'static str,
    },
    #[error("the text of {purpose} you showed is not the one served now; show the current one")]
    StaleVersion { purpose: String, current: String },
    #[error("{0} is not granted: there is nothing to withdraw")]
    NothingToWithdraw(String),
    #[error("{0} is not granted, so no news topics are kept")]
    NotGranted(String),
    #[error("no news topic {0}")]
    UnknownTopic(String),
    #[error("a decision recorded by staff needs a note saying where it came from")]
    NoteRequired,
    #[error("only a decision recorded by staff carries a note")]
    NoteNotAllowed,
    #[error("the note is longer than {0} characters")]
    NoteTooLong(usize),
    /// Absent, or outside the caller's reach: the same answer either way.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl ConsentError {
    /// The error for an authorization decision that did not allow.
    pub fn denied(decision: AuthzDecision, what: &'static str) -> Self {
        match decision {
            AuthzDecision::Invisible(_) => ConsentError::NotFound(what),
            AuthzDecision::Forbidden(reason) | AuthzDecision::Allowed(reason) => {
                ConsentError::Forbidden(reason)
            }
        }
    }
}

impl From<ConsentError> for Problem {
    fn from(error: ConsentError) -> Self {
        use ConsentError as E;
        let kind = match &error {
            E::UnknownPurpose(_)
            | E::NotAskable { .. }
            | E::NoteRequired
            | E::NoteNotAllowed
            | E::NoteTooLong(_)
            | E::UnknownTopic(_) => Kind::Validation,
            E::StaleVersion { current, .. } => {
                let current = current.clone();
                return Problem::new(Kind::StalePurposeVersion, error.to_string())
                    .with("current_version", current);
            }
            E::NothingToWithdraw(_) | E::NotGranted(_) => Kind::Conflict,
            E::NotFound(_) => Kind::NotFound,
            E::Forbidden(_) => Kind::Forbidden,
            E::Database(_) => return Problem::internal(error),
        };
        Problem::new(kind, error.to_string())
    }
}
