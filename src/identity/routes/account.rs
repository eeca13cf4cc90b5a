//! Identity's pages: `/account`, where a signed-in person sees who they are, their customer
//! accounts and roles (GDPR Art. 15 in miniature), and signs out.

use crate::identity::{Identity, IdentityError, store};
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::hidden;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;
use std::sync::Arc;

struct Pages {
    identity: Identity,
    forms: Forms,
}

pub fn router(identity: Identity, forms: Forms) -> Router {
    Router::new()
        .route("/account", get(account))
        .with_state(Arc::new(Pages { identity, forms }))
}

async fn account(State(state): State<Arc<Pages>>, headers: HeaderMap) -> Response {
    let locale = Locale::choose(None, &headers);
    match render_account(&state, &headers, locale).await {
        Ok(response) => response,
        Err(error) => crate::web::page::unavailable(locale, "render the account page", &error),
    }
}

async fn render_account(
    state: &Pages,
    headers: &HeaderMap,
    locale: Locale,
) -> Result<Response, IdentityError> {
    let Some(session) = state.identity.current_session(headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(person) = store::find_person(&state.identity.db, &session.person_id).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let memberships = store::memberships_of(&state.identity.db, &person.person_id).await?;
    let staff_roles = store::staff_roles_of(&state.identity.db, &person.person_id).await?;
    let text = locale.text();
    let active = session.active_customer_account_id.as_deref();
    Ok(state.forms.page(
        headers,
        locale,
        StatusCode::OK,
        text.your_account,
        |token| {
            html! {
                h1 { (text.your_account) }
                p { strong { (person.display_name) } br; span.muted { (person.email) } }
                @if !memberships.is_empty() {
                    h2 { (text.customer_accounts) }
                    ul.accounts {
                        @for m in &memberships {
                            li {
                                strong { (m.customer_name) }
                                @if Some(m.customer_account_id.as_str()) == active { " (" (text.active) ")" }
                                br; span.muted { (text.roles) ": " (m.roles.join(", ")) }
                            }
                        }
                    }
                }
                @if !staff_roles.is_empty() {
                    h2 { (text.staff_roles) }
                    p { (staff_roles.join(", ")) }
                }
                form method="post" action="/logout" {
                    (hidden("csrf", token))
                    button type="submit" { (text.sign_out) }
                }
            }
        },
    ))
}
