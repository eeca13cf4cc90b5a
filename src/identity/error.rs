//! The identity context's errors, and their mapping to HTTP problems in one place.

use super::password_policy::WeakPassword;
use crate::authz::{Decision, PolicyError};
use crate::web::api::{Kind, Problem};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    WeakPassword(#[from] WeakPassword),
    #[error("a person with this email address already exists")]
    EmailTaken,
    #[error("the email address is not valid")]
    InvalidEmail,
    #[error("the {0} must not be empty")]
    Empty(&'static str),
    #[error("{0} is too long")]
    TooLong(&'static str),
    #[error("no customer account with id {0}")]
    UnknownCustomerAccount(String),
    #[error("no person with id {0}")]
    UnknownPerson(String),
    #[error(
        "staff do not hold customer-account memberships, and customer users hold no staff roles"
    )]
    KindMismatch,
    #[error("a membership needs at least one role")]
    NoRoles,
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("{0}")]
    Invalid(String),
    /// Absent, or outside the caller's tenant: the same answer either way.
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("you may not grant the role {0}")]
    MayNotGrant(String),
    #[error("the last customer admin of an account cannot be removed or demoted")]
    LastCustomerAdmin,
    #[error("the resource was changed by someone else; read it again")]
    Stale,
    #[error("send If-Match with the ETag of the resource you read")]
    PreconditionRequired,
    #[error("the link has expired or was already used")]
    LinkExpired,
    #[error("the current password is not right")]
    WrongPassword,
    #[error("password hashing failed")]
    Hashing,
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl IdentityError {
    /// The error for an authorization decision that did not allow.
    pub fn denied(decision: Decision, what: &'static str) -> Self {
        match decision {
            Decision::Invisible(_) => IdentityError::NotFound(what),
            Decision::Forbidden(reason) | Decision::Allowed(reason) => {
                IdentityError::Forbidden(reason)
            }
        }
    }
}

impl From<IdentityError> for Problem {
    fn from(error: IdentityError) -> Self {
        use IdentityError as E;
        let kind = match &error {
            E::WeakPassword(_)
            | E::InvalidEmail
            | E::Empty(_)
            | E::TooLong(_)
            | E::KindMismatch
            | E::NoRoles
            | E::Policy(_)
            | E::Invalid(_)
            | E::UnknownCustomerAccount(_)
            | E::UnknownPerson(_)
            | E::WrongPassword
            | E::LinkExpired => Kind::Validation,
            E::EmailTaken => Kind::Conflict,
            E::NotFound(_) => Kind::NotFound,
            E::Forbidden(_) | E::MayNotGrant(_) => Kind::Forbidden,
            E::LastCustomerAdmin => Kind::LastCustomerAdmin,
            E::Stale => Kind::PreconditionFailed,
            E::PreconditionRequired => Kind::PreconditionRequired,
            E::Hashing | E::Database(_) => return Problem::internal(error),
        };
        Problem::new(kind, error.to_string())
    }
}
