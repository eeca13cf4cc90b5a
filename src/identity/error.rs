use super::password_policy::WeakPassword;

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
    #[error("no customer account with id {0}")]
    UnknownCustomerAccount(String),
    #[error("no person with id {0}")]
    UnknownPerson(String),
    #[error("staff do not hold customer-account memberships")]
    StaffMembership,
    #[error("password hashing failed")]
    Hashing,
    #[error("database error")]
    Database(#[from] sqlx::Error),
}
