//! Identity's HTTP side: the admin API for customer accounts, persons, memberships and
//! invitations, and the pages a person uses (account, invitation, password reset).

pub mod account;
pub mod customers;

pub use account::router;
