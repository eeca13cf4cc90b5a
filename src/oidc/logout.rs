//! Signing out: the account page's button and RP-initiated logout (OpenID Connect
//! RP-Initiated Logout 1.0). Ending a session revokes the tokens that lived only as long
//! as it (not offline ones); we only ever redirect to a registered post-logout URI.

use super::authorize::redirect_with;

use super::Oidc;
use super::error::OAuthError;
use super::jws;
use super::tokens::IdTokenHint;
use crate::audit::{self, Actor, Event};
use crate::db;
use crate::identity::session::{self, Session};
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, layout, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::sync::Arc;

/// Ends a browser session and the grants that lived with it, audited, in one transaction.
async fn end_browser_session(state: &Oidc, session: &Session) -> Result<(), OAuthError> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.db).await?;
    let grants = state
        .identity
        .revoker
        .revoke_session(&mut tx, &session.person_id, &session.sid, now)
        .await?;
    session::delete_of(&mut tx, &session.person_id, &session.sid).await?;
    let event = Event::new(Actor::Person(session.person_id.clone()), "session.ended")
        .target("person", &session.person_id)
        .detail("reason", "sign_out")
        .detail("grants_revoked", grants);
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    state.cache.forget_grants();
    Ok(())
}

fn signed_out(state: &Oidc, locale: Locale) -> Response {
    let text = locale.text();
    let body = html! { h1 { (text.signed_out) } p { a href="/login" { (text.sign_in) } } };
    let mut response = layout(locale, text.signed_out, body).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.forms.clear_session_cookie());
    response
}

/// `POST /logout` from the account page.
pub async fn logout(State(state): State<Arc<Oidc>>, headers: HeaderMap, body: Bytes) -> Response {
    let locale = Locale::choose(None, &headers);
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    if !state.forms.verify(&headers, params.get("csrf")) {
        return error_page(StatusCode::BAD_REQUEST, locale, locale.text().form_expired);
    }
    match sign_out(&state, &headers).await {
        Ok(()) => signed_out(&state, locale),
        Err(error) => unavailable(locale, "sign out", &error),
    }
}

async fn sign_out(state: &Oidc, headers: &HeaderMap) -> Result<(), OAuthError> {
    if let Some(session) = state.identity.current_session(headers).await? {
        end_browser_session(state, &session).await?;
    }
    Ok(())
}

pub async fn end_session_get(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    end_session(&state, &headers, params.map_err(|e| e.to_string())).await
}

pub async fn end_session_post(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body);
    end_session(&state, &headers, params.map_err(|e| e.to_string())).await
}

async fn end_session(
    state: &Oidc,
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
            Err(error) => return unavailable(locale, "read the client signing out", &error),
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
    let session = match state.identity.current_session(headers).await {
        Ok(session) => session,
        Err(error) => return unavailable(locale, "read the browser session", &error),
    };
    let confirmed =
        params.get("confirm") == Some("yes") && state.forms.verify(headers, params.get("csrf"));
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
        if let Err(error) = end_browser_session(state, session).await {
            return unavailable(locale, "end a browser session", &error);
        }
    }
    match target {
        Some(uri) => {
            let mut response = redirect_with(uri, &[("state", params.get("state"))]);
            response
                .headers_mut()
                .append(header::SET_COOKIE, state.forms.clear_session_cookie());
            response
        }
        None => signed_out(state, locale),
    }
}

fn confirm_page(state: &Oidc, headers: &HeaderMap, locale: Locale, params: &Params) -> Response {
    let text = locale.text();
    let carried = [
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "ui_locales",
    ];
    state.forms.page(
        headers,
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
