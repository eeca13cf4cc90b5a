//! Signing out: the account page's button and RP-initiated logout (OpenID Connect
//! RP-Initiated Logout 1.0). Ending a session revokes the tokens that lived only as long
//! as it (not offline ones); we only ever redirect to a registered post-logout URI.

use super::authorize::redirect_with;

use super::cache;
use super::error::OAuthError;
use super::jws;
use super::tokens::IdTokenHint;
use crate::app::AppState;
use crate::identity::routes::current_session;
use crate::identity::session;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, form_page, hidden, layout};
use crate::web::params::Params;
use crate::web::{cookies, csrf};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::sync::Arc;

async fn end_browser_session(state: &AppState, sid: &str) -> Result<(), OAuthError> {
    cache::revoke_session_grants(state, sid, state.clock.now()).await?;
    Ok(session::delete(&state.db, sid).await?)
}

fn signed_out(state: &AppState, locale: Locale) -> Response {
    let text = locale.text();
    let body = html! { h1 { (text.signed_out) } p { a href="/login" { (text.sign_in) } } };
    let mut response = layout(locale, text.signed_out, body).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(cookies::SESSION_COOKIE, state.https),
    );
    response
}

/// `POST /logout` from the account page.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let locale = Locale::choose(None, &headers);
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    if !csrf::verify(&state.csrf_key, &headers, params.get("csrf")) {
        return error_page(StatusCode::BAD_REQUEST, locale, locale.text().form_expired);
    }
    match sign_out(&state, &headers).await {
        Ok(()) => signed_out(&state, locale),
        Err(_) => crate::web::page::unavailable(locale),
    }
}

async fn sign_out(state: &AppState, headers: &HeaderMap) -> Result<(), OAuthError> {
    if let Some(session) = current_session(state, headers).await? {
        end_browser_session(state, &session.sid).await?;
    }
    Ok(())
}

pub async fn end_session_get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    end_session(&state, &headers, params.map_err(|e| e.to_string())).await
}

pub async fn end_session_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body);
    end_session(&state, &headers, params.map_err(|e| e.to_string())).await
}

async fn end_session(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Params, String>,
) -> Response {
    let locale = Locale::choose(
        params.as_ref().ok().and_then(|p| p.get("ui_locales")),
        headers,
    );
    let bad = |message: &str| error_page(StatusCode::BAD_REQUEST, locale, message);
    let params = match params {
        Ok(params) => params,
        Err(message) => return bad(&message),
    };
    let hint = match params.get("id_token_hint") {
        Some(token) => {
            match jws::verify::<IdTokenHint>(&state.keys.current(), token, jws::TYP_ID_TOKEN) {
                Some(hint) if hint.iss == state.issuer => Some(hint),
                _ => return bad(locale.text().bad_id_token_hint),
            }
        }
        None => None,
    };
    let client_id = match (
        hint.as_ref().map(|h| h.aud.as_str()),
        params.get("client_id"),
    ) {
        (Some(a), Some(b)) if a != b => return bad(locale.text().client_mismatch),
        (a, b) => a.or(b),
    };
    let client = match client_id {
        Some(id) => match super::cache::client(state, id).await {
            Ok(found) => found,
            Err(_) => {
                return crate::web::page::unavailable(locale);
            }
        },
        None => None,
    };
    let target = match params.get("post_logout_redirect_uri") {
        Some(uri)
            if client
                .as_ref()
                .is_some_and(|c| c.has_post_logout_redirect_uri(uri)) =>
        {
            Some(uri)
        }
        Some(_) => {
            return bad(locale.text().unregistered_redirect);
        }
        None => None,
    };
    let session = current_session(state, headers).await.ok().flatten();
    let confirmed = params.get("confirm") == Some("yes")
        && csrf::verify(&state.csrf_key, headers, params.get("csrf"));
    // Without proof that the request comes from the session's own relying party, ask the
    // person first, so that a third-party page cannot sign them out (logout CSRF).
    let hint_matches = hint.as_ref().is_some_and(|h| match &session {
        Some(s) => h.sid.as_deref() == Some(s.sid.as_str()),
        None => true,
    });
    if let Some(session) = &session {
        if !hint_matches && !confirmed {
            return confirm_page(state, headers, locale, &params);
        }
        if end_browser_session(state, &session.sid).await.is_err() {
            return crate::web::page::unavailable(locale);
        }
    }
    match target {
        Some(uri) => {
            let mut response = redirect_with(uri, &[("state", params.get("state"))]);
            response.headers_mut().append(
                header::SET_COOKIE,
                cookies::clear(cookies::SESSION_COOKIE, state.https),
            );
            response
        }
        None => signed_out(state, locale),
    }
}

fn confirm_page(
    state: &AppState,
    headers: &HeaderMap,
    locale: Locale,
    params: &Params,
) -> Response {
    let text = locale.text();
    let csrf = csrf::issue(&state.csrf_key, headers, state.https);
    let carried = [
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "ui_locales",
    ];
    form_page(
        csrf,
        locale,
        StatusCode::OK,
        text.sign_out_confirm,
        |token| {
            html! {
                h1 { (text.sign_out_confirm) }
                form method="post" action="/end_session" {
                    (hidden("csrf", token))
                    (hidden("confirm", "yes"))
                    @for name in carried { @if let Some(value) = params.get(name) { (hidden(name, value)) } }
                    @if let Some(hint) = params.get("id_token_hint") { (hidden("id_token_hint", hint)) }
                    button type="submit" { (text.sign_out) }
                }
            }
        },
    )
}
