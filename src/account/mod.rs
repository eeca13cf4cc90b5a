//! `/account`: a signed-in person sees who they are, their customer accounts and roles,
//! changes their name, language and password, sees their active sessions and the apps
//! they signed in to, and ends any of them (GDPR Art. 15 and 21 in miniature). The page
//! composes identity (the person, sessions) and the provider (the apps), so it lives above
//! both.

mod render;
mod text;

use crate::identity::{Identity, IdentityError, session::Session};
use crate::oidc::Oidc;
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, unavailable};
use crate::web::params::Params;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use text::Words;

pub struct AccountPages {
    pub identity: Identity,
    pub oidc: Arc<Oidc>,
    pub forms: Forms,
}

pub fn router(pages: Arc<AccountPages>) -> Router {
    Router::new()
        .route("/account", get(account))
        .route("/account/profile", post(save_profile))
        .route("/account/password", post(change_password))
        .route("/account/sessions/end", post(end_session))
        .route("/account/apps/revoke", post(revoke_app))
        .with_state(pages)
}

/// The person's session and page language, or the response to send instead.
async fn signed_in(
    pages: &AccountPages,
    headers: &HeaderMap,
) -> Result<(Session, Locale), Response> {
    let fallback = Locale::choose(None, headers);
    let session = pages
        .identity
        .current_session(headers)
        .await
        .map_err(|e| unavailable(fallback, "read the browser session", &e))?
        .ok_or_else(|| Redirect::to("/login?return_to=%2Faccount").into_response())?;
    let person = crate::identity::store::find_person(&pages.identity.db, &session.person_id)
        .await
        .map_err(|e| unavailable(fallback, "read the person", &e))?;
    let locale = Locale::for_person(person.and_then(|p| p.locale).as_deref(), headers);
    Ok((session, locale))
}

async fn account(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (session, locale) = match signed_in(&pages, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let params = Params::parse(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let words = Words::of(locale);
    let notice = match params.get("done") {
        Some("profile") => Some(words.saved),
        Some("password") => Some(words.password_changed),
        Some("session") => Some(words.session_ended),
        Some("app") => Some(words.app_ended),
        _ => None,
    };
    render::page(
        &pages,
        &headers,
        &session,
        locale,
        notice.map(Ok),
        StatusCode::OK,
    )
    .await
}

/// A posted form's fields after its CSRF check, with the session and language.
async fn posted(
    pages: &AccountPages,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Params, Session, Locale), Response> {
    let (session, locale) = signed_in(pages, headers).await?;
    let params = Params::from_form(headers, body).unwrap_or_default();
    if !pages.forms.verify(headers, params.get("csrf")) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            locale,
            locale.text().form_expired,
        ));
    }
    Ok((params, session, locale))
}

fn done(what: &str) -> Response {
    Redirect::to(&format!("/account?done={what}")).into_response()
}

/// A refused change re-renders the page with the reason; our failures get the error page.
async fn refused(
    pages: &AccountPages,
    headers: &HeaderMap,
    session: &Session,
    locale: Locale,
    operation: &str,
    error: IdentityError,
) -> Response {
    match error {
        IdentityError::Database(_) | IdentityError::Hashing => {
            unavailable(locale, operation, &error)
        }
        other => {
            let message = Err(other.to_string());
            render::page(
                pages,
                headers,
                session,
                locale,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn save_profile(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, session, locale) = match posted(&pages, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let name = params.get("name").unwrap_or_default();
    let result = pages
        .identity
        .update_own_profile(&session.person_id, name, params.get("locale"))
        .await;
    match result {
        Ok(()) => done("profile"),
        Err(error) => refused(&pages, &headers, &session, locale, "save a profile", error).await,
    }
}

async fn change_password(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, session, locale) = match posted(&pages, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let new = params.get("new").unwrap_or_default();
    if Some(new) != params.get("repeat") {
        let message = Err(Words::of(locale).passwords_differ.to_string());
        return render::page(
            &pages,
            &headers,
            &session,
            locale,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let current = params.get("current").unwrap_or_default();
    let result = pages
        .identity
        .change_password(&session.person_id, &session.sid, current, new)
        .await;
    match result {
        Ok(()) => done("password"),
        Err(error) => {
            refused(
                &pages,
                &headers,
                &session,
                locale,
                "change a password",
                error,
            )
            .await
        }
    }
}

async fn end_session(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, session, locale) = match posted(&pages, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let sid = params.get("sid").unwrap_or_default();
    match pages
        .identity
        .end_own_session(&session.person_id, sid)
        .await
    {
        Ok(()) if sid == session.sid => {
            let mut response = Redirect::to("/login").into_response();
            let cookie = pages.forms.clear_session_cookie();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(()) => done("session"),
        Err(error) => refused(&pages, &headers, &session, locale, "end a session", error).await,
    }
}

async fn revoke_app(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, session, locale) = match posted(&pages, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let client_id = params.get("client_id").unwrap_or_default();
    match pages.oidc.revoke_app(&session.person_id, client_id).await {
        Ok(_) => done("app"),
        Err(error) => unavailable(locale, "sign an app out", &error),
    }
}
