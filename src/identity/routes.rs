//! Identity's pages: `/account`, where a signed-in person sees who they are, their customer
//! accounts and roles (GDPR Art. 15 in miniature), and signs out.

use super::IdentityError;
use super::session::{self, Session};
use super::store;
use crate::app::AppState;
use crate::web::cookies;
use crate::web::csrf;
use crate::web::i18n::Locale;
use crate::web::page::{form_page, hidden};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

/// The live session behind the browser's cookie, if any.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Session>, IdentityError> {
    match cookies::read(headers, cookies::SESSION_COOKIE) {
        Some(value) => {
            session::find_live(&state.db, &value, &state.config.session, state.clock.now()).await
        }
        None => Ok(None),
    }
}

pub async fn account(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let locale = Locale::choose(None, &headers);
    match render_account(&state, &headers, locale).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(error = %crate::web::error_chain(&error), "account page failed");
            crate::web::page::unavailable(locale)
        }
    }
}

async fn render_account(
    state: &AppState,
    headers: &HeaderMap,
    locale: Locale,
) -> Result<Response, IdentityError> {
    let Some(session) = current_session(state, headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(person) = store::find_person(&state.db, &session.person_id).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let memberships = store::memberships_of(&state.db, &person.person_id).await?;
    let staff_roles = store::staff_roles_of(&state.db, &person.person_id).await?;
    let text = locale.text();
    let csrf = csrf::issue(&state.csrf_key, headers, state.https);
    let active = session.active_customer_account_id.as_deref();
    Ok(form_page(
        csrf,
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
