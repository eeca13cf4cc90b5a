//! `/console/keys`: the signing keys still held (public parts only) and rotation, for staff
//! with `keys.manage`. A rotated key is published at once and signs after a delay, so
//! relying parties have fetched it before they meet it.

use super::errors;
use super::forms::{Flash, done};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::clock::rfc3339;
use crate::web::page::hidden;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use maud::html;
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/keys", get(list_keys))
        .route("/console/keys/rotate", post(rotate_keys))
}

async fn list_keys(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let keys = match console.clients.list_keys(&visit.visitor.principal).await {
        Ok(keys) => keys,
        Err(error) => {
            return errors::page(locale, errors::clients(locale, "list signing keys", error));
        }
    };
    let flash = Flash::of(&visit);
    console.show(&visit, flash.status, words.keys, |csrf| {
        html! {
            h1 { (words.keys) }
            (flash.render())
            table {
                thead { tr { th { (words.key_id) } th { (words.algorithm) } th { (words.created) } th { (words.retired) } } }
                tbody {
                    @for key in &keys {
                        tr {
                            td { code { (key.kid) } }
                            td { (key.alg) }
                            td { (rfc3339(key.created_at)) }
                            td { (key.retired_at.map(rfc3339).unwrap_or_else(|| words.in_use.to_string())) }
                        }
                    }
                }
            }
            form method="post" action="/console/keys/rotate" {
                (hidden("csrf", csrf))
                p.muted { (words.rotate_keys_note) }
                button type="submit" { (words.rotate_keys) }
            }
        }
    })
}

async fn rotate_keys(
    State(console): State<Arc<Console>>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    match console.clients.rotate_keys(&visit.visitor.principal).await {
        Ok(_) => done("/console/keys", "rotated"),
        Err(error) => errors::page(
            locale,
            errors::clients(locale, "rotate signing keys", error),
        ),
    }
}
