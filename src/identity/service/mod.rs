//! Identity's administrative operations. Each one asks `authz` first, then changes the
//! database and records the audit event in one write transaction.

pub mod credentials;
pub mod customers;
pub mod email_change;
pub mod invitations;
pub mod login;
pub mod members;
pub mod persons;
pub mod profile;
