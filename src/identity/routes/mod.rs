//! Identity's HTTP side: the admin API for customer accounts, persons, memberships and
//! invitations, and the pages a person uses (account, invitation, password reset).

pub mod customers;
pub mod email_change;
pub mod invitations;
pub mod links;
pub mod members;
pub mod persons;
pub mod text;

use super::Identity;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// Identity's part of the admin API.
pub fn api(identity: Arc<Identity>) -> OpenApiRouter {
    customers::api()
        .merge(persons::api())
        .merge(members::api())
        .merge(invitations::api())
        .with_state(identity)
}
