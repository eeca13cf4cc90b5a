//! The browser side of the code flow: the authorization endpoint itself and the
//! continuation that pages send the person back to after each step.

use super::Oidc;
use super::authorize::{self, AuthorizationRequest, Decision, Situation};
use super::erasure_prompt;
use super::error::{ErrorCode, OAuthError};
use super::scope::Scope;
use super::store::{self, PendingRequest};
use crate::consent::scope_grant;
use crate::crypto;
use crate::identity::{session, store as identity_store};
use crate::web::i18n::Locale;
use crate::web::page::{error_page, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

pub async fn authorize_get(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => start(&state, &headers, params).await,
        Err(error) => error_page(
            StatusCode::BAD_REQUEST,
            Locale::choose(None, &headers),
            &error.to_string(),
        ),
    }
}

/// OIDC Core §3.1.2.1: the authorization request may also arrive as a form post.
pub async fn authorize_post(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match Params::from_form(&headers, &body) {
        Ok(params) => start(&state, &headers, params).await,
        Err(error) => error_page(
            StatusCode::BAD_REQUEST,
            Locale::choose(None, &headers),
            &error.to_string(),
        ),
    }
}

async fn start(state: &Oidc, headers: &HeaderMap, params: Params) -> Response {
    let locale = Locale::choose(params.get("ui_locales"), headers);
    match authorize::validate(state, &params, locale).await {
        Ok(request) => proceed(state, headers, request, None, true).await,
        Err(response) => response,
    }
}

/// `GET /authorize/continue?auth=ID`: where login, account choice and consent lead back to.
pub async fn resume(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match load_pending(&state, &headers, query.as_deref()).await {
        Ok((pending, request)) => proceed(&state, &headers, request, Some(pending), true).await,
        Err(response) => response,
    }
}

/// Goes on with the login once the person has seen when their account will be deleted.
pub(super) async fn resume_past_deletion(
    state: &Oidc,
    headers: &HeaderMap,
    pending: PendingRequest,
    request: AuthorizationRequest,
) -> Response {
    proceed(state, headers, request, Some(pending), false).await
}

/// The pending request named by `auth` in a query string, or the page saying it expired.
pub async fn load_pending(
    state: &Oidc,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(PendingRequest, AuthorizationRequest), Response> {
    let locale = Locale::choose(None, headers);
    let id = Params::parse(query.unwrap_or_default().as_bytes())
        .ok()
        .and_then(|mut p| p.take("auth"));
    match find_pending(state, id.as_deref()).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(error_page(
            StatusCode::BAD_REQUEST,
            locale,
            locale.text().request_expired,
        )),
        Err(error) => Err(unavailable(
            locale,
            "read a pending authorization request",
            &error,
        )),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("a stored authorization request is not valid JSON")]
    Corrupt(#[from] serde_json::Error),
}

/// The pending request with this id, if it exists and has not expired.
pub async fn find_pending(
    state: &Oidc,
    id: Option<&str>,
) -> Result<Option<(PendingRequest, AuthorizationRequest)>, PendingError> {
    let Some(id) = id else { return Ok(None) };
    let Some(pending) = store::find_request(&state.db, id, state.clock.now()).await? else {
        return Ok(None);
    };
    let request = serde_json::from_str(&pending.params)?;
    Ok(Some((pending, request)))
}

async fn proceed(
    state: &Oidc,
    headers: &HeaderMap,
    request: AuthorizationRequest,
    pending: Option<PendingRequest>,
    ask_deletion: bool,
) -> Response {
    match decide_and_act(state, headers, &request, pending, ask_deletion).await {
        Ok(response) => response,
        Err(error) => authorize::redirect_error(
            state,
            &request.redirect_uri,
            request.state.as_deref(),
            &error,
        ),
    }
}

async fn decide_and_act(
    state: &Oidc,
    headers: &HeaderMap,
    request: &AuthorizationRequest,
    pending: Option<PendingRequest>,
    ask_deletion: bool,
) -> Result<Response, OAuthError> {
    let now = state.clock.now();
    let session = state.identity.current_session(headers).await?;
    let memberships = match &session {
        Some(s) => identity_store::memberships_of(&state.db, &s.person_id).await?,
        None => Vec::new(),
    };
    let active = session
        .as_ref()
        .and_then(|s| s.active_customer_account_id.clone());
    let active_valid = active
        .as_ref()
        .is_some_and(|id| memberships.iter().any(|m| &m.customer_account_id == id));
    let consent_needed = match &session {
        Some(s) => consent_needed(state, request, &s.person_id).await?,
        None => false,
    };
    let purposes_to_ask = match &session {
        Some(s) => state.consent.should_prompt(&s.person_id, &s.sid).await?,
        None => false,
    };
    let situation = Situation {
        session: session.as_ref(),
        progress: pending.as_ref(),
        account_count: memberships.len(),
        active_account_valid: active_valid,
        consent_needed,
        purposes_to_ask,
        now,
    };
    let decision = authorize::decide(request, &situation);
    if ask_deletion {
        let (progress, session) = (pending.as_ref(), session.as_ref());
        let interrupted =
            erasure_prompt::interrupt(state, request, &decision, progress, session).await?;
        if let Some(page) = interrupted {
            return Ok(page);
        }
    }
    let page = match decision {
        Decision::Fail(code) => {
            forget(state, pending.as_ref()).await?;
            let description = match code {
                ErrorCode::AccountSelectionRequired => "the person must choose a customer account",
                ErrorCode::ConsentRequired => "the person must allow the client",
                _ => "the person must log in",
            };
            return Err(OAuthError::new(code, description));
        }
        Decision::Issue => {
            let Some(session) = session else {
                return Err(OAuthError::server_error());
            };
            let account = if active_valid {
                active
            } else if let [only] = memberships.as_slice() {
                session::set_active_customer_account(
                    &state.db,
                    &session.sid,
                    &only.customer_account_id,
                )
                .await?;
                Some(only.customer_account_id.clone())
            } else {
                None
            };
            forget(state, pending.as_ref()).await?;
            return authorize::issue_code(state, request, &session, account).await;
        }
        Decision::Login => "/login",
        Decision::SelectAccount => "/select-account",
        Decision::Consent => "/consent",
        Decision::AskPurposes => "/privacy-choices",
    };
    let id = match pending {
        Some(p) => p.authorization_request_id,
        None => remember(state, request, now).await?,
    };
    Ok(Redirect::to(&authorize::interaction_url(page, &id)).into_response())
}

/// Whether the person must be asked before this client gets what it asks for: never for a
/// first-party client, otherwise when it asks for a scope the person has not allowed it.
async fn consent_needed(
    state: &Oidc,
    request: &AuthorizationRequest,
    person_id: &str,
) -> Result<bool, OAuthError> {
    let Some(client) = super::cache::client(state, &request.client_id).await? else {
        return Ok(false);
    };
    if client.first_party {
        return Ok(false);
    }
    let allowed = scope_grant::allowed(&state.db, person_id, &client.client_id).await?;
    let allowed = Scope::parse(allowed.as_deref().unwrap_or_default());
    Ok(!Scope::parse(&request.scope).is_subset_of(&allowed))
}

async fn remember(
    state: &Oidc,
    request: &AuthorizationRequest,
    now: i64,
) -> Result<String, OAuthError> {
    let id = crypto::random_token();
    let params = serde_json::to_string(request).map_err(|_| OAuthError::server_error())?;
    let expires_at = now + state.tokens.authorization_request_ttl_secs;
    store::insert_request(&state.db, &id, &request.client_id, &params, now, expires_at).await?;
    Ok(id)
}

async fn forget(state: &Oidc, pending: Option<&PendingRequest>) -> Result<(), OAuthError> {
    if let Some(p) = pending {
        store::delete_request(&state.db, &p.authorization_request_id).await?;
    }
    Ok(())
}
