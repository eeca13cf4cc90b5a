//! `/console/clients`: the portal applications (OpenID Connect clients) for staff with
//! `clients.manage`: registering, editing, rotating the secret and deleting. A secret is
//! shown on the page that created it and never again, so it never travels in a URL.

use super::client_form;
use super::client_pages::{client_page, clients_page, path, role_choices};
use super::errors::{self, Refusal};
use super::forms::{Flash, done, version};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::oidc::admin::{AdminError, ClientPatch};
use crate::oidc::client::NewClient;
use crate::web::page::hidden;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/clients", get(list_clients).post(create_client))
        .route(
            "/console/clients/{client_id}",
            get(show_client).post(update_client),
        )
        .route("/console/clients/{client_id}/secret", post(rotate_secret))
        .route(
            "/console/clients/{client_id}/delete",
            get(confirm_delete).post(delete_client),
        )
}

fn invalid(message: String) -> Refusal {
    (StatusCode::UNPROCESSABLE_ENTITY, message)
}

async fn list_clients(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    clients_page(&console, &visit, Flash::of(&visit), None).await
}

async fn create_client(
    State(console): State<Arc<Console>>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let new = match client_form::read(&visit, &role_choices(&console, &visit)) {
        Ok(new) => new,
        Err(message) => {
            return clients_page(&console, &visit, Flash::refused(invalid(message)), None).await;
        }
    };
    let created = console
        .clients
        .create_client(&visit.visitor.principal, new.clone())
        .await;
    match created {
        Ok((client, registered)) => match registered.client_secret {
            Some(secret) => {
                let words = Words::of(locale);
                let flash = Flash::once(
                    StatusCode::CREATED,
                    words.done_created,
                    words.client_secret_once,
                    secret,
                );
                client_page(&console, &visit, &client.client_id, flash, None).await
            }
            None => done(&path(&client.client_id), "created"),
        },
        Err(error) => match errors::clients(locale, "register a client", error) {
            Ok(refusal) => {
                clients_page(&console, &visit, Flash::refused(refusal), Some(&new)).await
            }
            Err(page) => page,
        },
    }
}

async fn show_client(
    State(console): State<Arc<Console>>,
    Path(client_id): Path<String>,
    visit: Visit,
) -> Response {
    client_page(&console, &visit, &client_id, Flash::of(&visit), None).await
}

async fn update_client(
    State(console): State<Arc<Console>>,
    Path(client_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    let draft = match client_form::read(&visit, &role_choices(&console, &visit)) {
        Ok(draft) => draft,
        Err(message) => {
            return client_page(
                &console,
                &visit,
                &client_id,
                Flash::refused(invalid(message)),
                None,
            )
            .await;
        }
    };
    let patch = ClientPatch {
        name: Some(draft.name.clone()),
        redirect_uris: Some(draft.redirect_uris.clone()),
        post_logout_redirect_uris: Some(draft.post_logout_redirect_uris.clone()),
        grant_types: Some(draft.grant_types.clone()),
        extra_scopes: Some(draft.extra_scopes.clone()),
        roles: Some(draft.roles.clone()),
        first_party: Some(draft.first_party),
        events_uri: Some(draft.events_uri.clone()),
        backchannel_logout_uri: Some(draft.backchannel_logout_uri.clone()),
    };
    let updated = console
        .clients
        .update_client(&visit.visitor.principal, &client_id, patch, version)
        .await;
    match updated {
        Ok(_) => done(&path(&client_id), "saved"),
        Err(error) => {
            refused(
                &console,
                &visit,
                &client_id,
                error,
                "update a client",
                Some(draft),
            )
            .await
        }
    }
}

async fn rotate_secret(
    State(console): State<Arc<Console>>,
    Path(client_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let rotated = console
        .clients
        .rotate_client_secret(&visit.visitor.principal, &client_id)
        .await;
    match rotated {
        Ok(secret) => {
            let words = Words::of(visit.visitor.locale);
            let flash = Flash::once(
                StatusCode::OK,
                words.done_rotated,
                words.client_secret_once,
                secret,
            );
            client_page(&console, &visit, &client_id, flash, None).await
        }
        Err(error) => {
            refused(
                &console,
                &visit,
                &client_id,
                error,
                "rotate a client secret",
                None,
            )
            .await
        }
    }
}

async fn confirm_delete(
    State(console): State<Arc<Console>>,
    Path(client_id): Path<String>,
    visit: Visit,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let client = match console
        .clients
        .client_for_admin(&visit.visitor.principal, &client_id)
        .await
    {
        Ok(client) => client,
        Err(error) => return errors::page(locale, errors::clients(locale, "read a client", error)),
    };
    console.show(&visit, StatusCode::OK, words.delete_client, |csrf| {
        html! {
            h1 { (words.delete_client) }
            p { strong { (client.name) } " " code { (client.client_id) } }
            p.error { (words.delete_client_warning) }
            form method="post" action=(format!("{}/delete", path(&client.client_id))) {
                (hidden("csrf", csrf))
                (hidden("version", &client.version.to_string()))
                button type="submit" { (words.delete) }
            }
            p { a href=(path(&client.client_id)) { (words.cancel) } }
        }
    })
}

async fn delete_client(
    State(console): State<Arc<Console>>,
    Path(client_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    let deleted = console
        .clients
        .delete_client(&visit.visitor.principal, &client_id, version)
        .await;
    match deleted {
        Ok(()) => done("/console/clients", "deleted"),
        Err(error) => refused(&console, &visit, &client_id, error, "delete a client", None).await,
    }
}

/// Back to the client's page with the refusal, or the page for the error.
async fn refused(
    console: &Console,
    visit: &Visit,
    client_id: &str,
    error: AdminError,
    operation: &str,
    draft: Option<NewClient>,
) -> Response {
    match errors::clients(visit.visitor.locale, operation, error) {
        Ok(refusal) => client_page(console, visit, client_id, Flash::refused(refusal), draft).await,
        Err(page) => page,
    }
}
