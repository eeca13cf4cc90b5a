//! The forms on a customer account's page that change its people: a member's roles,
//! removing a member, inviting a colleague and withdrawing an invitation. Each goes back
//! to the account's page, with a notice or with the refusal. Without SMTP the new
//! invitation's link is shown on that page to pass on by hand.

use super::customers::{customer_page, path};
use super::errors;
use super::forms::{Flash, checked_roles, done, version};
use super::people::{INVITE_ROLE, MEMBER_ROLE};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::authz::RoleKind;
use crate::identity::IdentityError;
use crate::identity::service::invitations::InviteInput;
use crate::web::params::Params;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route(
            "/console/customers/{customer_id}/members/{person_id}",
            post(save_member),
        )
        .route(
            "/console/customers/{customer_id}/members/{person_id}/remove",
            post(remove_member),
        )
        .route("/console/customers/{customer_id}/invitations", post(invite))
        .route(
            "/console/customers/{customer_id}/invitations/{invitation_id}/withdraw",
            post(withdraw_invitation),
        )
}

async fn save_member(
    State(console): State<Arc<Console>>,
    Path((customer_id, person_id)): Path<(String, String)>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    let choices = console.role_choices(&visit, RoleKind::Customer, Some(&customer_id));
    let roles = checked_roles(&visit, MEMBER_ROLE, &choices);
    let saved = console
        .identity
        .put_member(
            &visit.visitor.principal,
            &customer_id,
            &person_id,
            roles,
            version,
        )
        .await
        .map(|_| ());
    finish(
        &console,
        &visit,
        &customer_id,
        saved,
        "change a member's roles",
        "saved",
    )
    .await
}

async fn remove_member(
    State(console): State<Arc<Console>>,
    Path((customer_id, person_id)): Path<(String, String)>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    let removed = console
        .identity
        .remove_member(&visit.visitor.principal, &customer_id, &person_id, version)
        .await;
    finish(
        &console,
        &visit,
        &customer_id,
        removed,
        "remove a member",
        "removed",
    )
    .await
}

async fn invite(
    State(console): State<Arc<Console>>,
    Path(customer_id): Path<String>,
    Submission(mut visit): Submission,
) -> Response {
    let choices = console.role_choices(&visit, RoleKind::Customer, Some(&customer_id));
    let input = InviteInput {
        email: visit.get("email").unwrap_or_default().to_string(),
        display_name: visit.get("display_name").unwrap_or_default().to_string(),
        roles: checked_roles(&visit, INVITE_ROLE, &choices),
        locale: visit.get("locale").map(str::to_string),
    };
    let invited = console
        .identity
        .invite(&visit.visitor.principal, &customer_id, input)
        .await;
    match invited {
        // The link is a credential: it goes on this page, never into a redirect's URL.
        Ok(invited) => match invited.link {
            Some(link) => {
                // The page shows an empty invitation form again, not the one just sent.
                visit.params = Params::default();
                let words = Words::of(visit.visitor.locale);
                let flash = Flash::once(
                    StatusCode::CREATED,
                    words.invitation_created,
                    words.invitation_link,
                    link,
                );
                customer_page(&console, &visit, &customer_id, flash).await
            }
            None => done(&path(&customer_id), "invited"),
        },
        Err(error) => refused(&console, &visit, &customer_id, "invite a person", error).await,
    }
}

async fn withdraw_invitation(
    State(console): State<Arc<Console>>,
    Path((customer_id, invitation_id)): Path<(String, String)>,
    Submission(visit): Submission,
) -> Response {
    let withdrawn = console
        .identity
        .withdraw_invitation(&visit.visitor.principal, &customer_id, &invitation_id)
        .await;
    finish(
        &console,
        &visit,
        &customer_id,
        withdrawn,
        "withdraw an invitation",
        "withdrawn",
    )
    .await
}

/// Back to the account's page: with a notice after a change, or with the refusal.
async fn finish(
    console: &Console,
    visit: &Visit,
    customer_id: &str,
    result: Result<(), IdentityError>,
    operation: &str,
    done_key: &str,
) -> Response {
    match result {
        Ok(()) => done(&path(customer_id), done_key),
        Err(error) => refused(console, visit, customer_id, operation, error).await,
    }
}

/// The account's page with the refusal beside its forms, or the page for the error.
async fn refused(
    console: &Console,
    visit: &Visit,
    customer_id: &str,
    operation: &str,
    error: IdentityError,
) -> Response {
    match errors::identity(visit.visitor.locale, operation, error) {
        Ok(refusal) => customer_page(console, visit, customer_id, Flash::refused(refusal)).await,
        Err(page) => page,
    }
}
