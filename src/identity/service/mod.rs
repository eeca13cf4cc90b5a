//! Identity's administrative operations. Each one asks `authz` first, then changes the
//! database and records the audit event in one write transaction.

pub mod customers;
pub mod members;
pub mod persons;
