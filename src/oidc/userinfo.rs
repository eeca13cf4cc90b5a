//! The UserInfo endpoint (OIDC Core §5.3): the person's claims, released by the scopes of
//! the access token, for the person of the token's grant.

use super::Oidc;
use super::cache;
use super::error::BearerError;
use super::introspect::active_access_token;
use super::scope::Scope;
use super::tokens::{self, PersonClaims};
use crate::identity::{Person, store as identity_store};
use crate::web::params::Params;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
pub struct UserInfo {
    sub: String,
    #[serde(flatten)]
    claims: PersonClaims,
}

pub async fn userinfo(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UserInfo>, BearerError> {
    let token = bearer_token(&headers, &body)?;
    let claims = active_access_token(&state, &token)
        .await?
        .ok_or(BearerError::InvalidToken(
            "the access token is invalid, expired or revoked",
        ))?;
    let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default());
    if !scope.contains("openid") {
        return Err(BearerError::InsufficientScope(
            "the token lacks the openid scope",
        ));
    }
    let grant_id = claims.gid.ok_or(BearerError::InvalidToken(
        "the token was not issued to a person",
    ))?;
    if let Some(claims_released) = cache::released_claims(&state, &grant_id, &scope.to_string()) {
        return Ok(Json(UserInfo {
            sub: claims.sub,
            claims: claims_released,
        }));
    }
    let grant = cache::grant(&state, &grant_id)
        .await?
        .ok_or(BearerError::InvalidToken("the token was revoked"))?;
    let person_id = grant.person_id.as_deref().unwrap_or_default();
    let person = identity_store::find_person(&state.db, person_id)
        .await?
        .filter(Person::is_active)
        .ok_or(BearerError::InvalidToken("the person is no longer active"))?;
    let person_claims = tokens::person_claims(
        &state,
        &person,
        grant.customer_account_id.as_deref(),
        &scope,
        None,
    )
    .await
    .map_err(BearerError::Server)?;
    cache::remember_released_claims(&state, &grant_id, &scope.to_string(), &person_claims);
    Ok(Json(UserInfo {
        sub: claims.sub,
        claims: person_claims,
    }))
}

/// The token from `Authorization: Bearer` or, for POST, the form body (RFC 6750 §2.1–2.2).
fn bearer_token(headers: &HeaderMap, body: &[u8]) -> Result<String, BearerError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| BearerError::InvalidToken("malformed Authorization header"))?;
        return value
            .split_once(' ')
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .map(|(_, token)| token.trim().to_string())
            .ok_or(BearerError::InvalidToken("expected a Bearer token"));
    }
    Params::from_form(headers, body)
        .ok()
        .and_then(|mut params| params.take("access_token"))
        .ok_or(BearerError::Missing)
}
