//! Token introspection (RFC 7662) and revocation (RFC 7009). Both authenticate the client
//! and resolve a token to its grant: an access token is a JWT we verify, a refresh token
//! an opaque value we look up by digest.

use super::Oidc;
use super::cache;
use super::client_auth;
use super::error::{ErrorCode, OAuthError};
use super::jws;
use super::store;
use super::tokens::AccessClaims;
use crate::audit::Actor;
use crate::crypto;
use crate::web::params::Params;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;

pub enum ActiveToken {
    Access(AccessClaims),
    Refresh {
        grant: store::Grant,
        expires_at: i64,
    },
}

/// Verifies an access token and checks it has not been revoked, alone or with its grant.
pub async fn active_access_token(
    state: &Oidc,
    token: &str,
) -> Result<Option<AccessClaims>, sqlx::Error> {
    let now = state.clock.now();
    let claims = match cache::verified_token(state, token) {
        Some(claims) => claims,
        None => {
            let ring = state.keys.current();
            let Some(claims) = jws::verify::<AccessClaims>(&ring, token, jws::TYP_ACCESS_TOKEN)
            else {
                return Ok(None);
            };
            cache::remember_verified_token(state, token, &claims, now);
            claims
        }
    };
    if claims.exp <= now || claims.iss != state.issuer {
        return Ok(None);
    }
    let revoked = match &claims.gid {
        Some(grant_id) => cache::grant(state, grant_id)
            .await?
            .is_none_or(|g| g.revoked_at.is_some()),
        None => cache::access_token_revoked(state, &claims.jti).await?,
    };
    Ok((!revoked).then_some(claims))
}

async fn resolve(state: &Oidc, token: &str) -> Result<Option<ActiveToken>, sqlx::Error> {
    if token.matches('.').count() == 2 {
        return Ok(active_access_token(state, token)
            .await?
            .map(ActiveToken::Access));
    }
    let now = state.clock.now();
    let Some((grant_id, expires_at)) =
        store::live_refresh_token_grant(&state.db, &crypto::digest_hex(token), now).await?
    else {
        return Ok(None);
    };
    let grant = store::find_grant(&state.db, &grant_id)
        .await?
        .filter(|g| g.revoked_at.is_none());
    Ok(grant.map(|grant| ActiveToken::Refresh { grant, expires_at }))
}

#[derive(Serialize, Default)]
struct Introspection {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
}

pub async fn introspect(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let (client, params) = authenticated_request(&state, &headers, &body).await?;
        if client.is_public() {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "public clients may not introspect tokens",
            ));
        }
        let token = params
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
        let answer = match resolve(&state, token).await? {
            Some(ActiveToken::Access(claims)) => Introspection {
                active: true,
                scope: claims.scope,
                client_id: Some(claims.client_id),
                sub: Some(claims.sub),
                exp: Some(claims.exp),
                iat: Some(claims.iat),
                iss: Some(claims.iss),
                aud: Some(claims.aud),
                jti: Some(claims.jti),
                token_type: Some("Bearer"),
            },
            Some(ActiveToken::Refresh { grant, expires_at }) => Introspection {
                active: true,
                scope: Some(grant.scope),
                client_id: Some(grant.client_id),
                exp: Some(expires_at),
                iss: Some(state.issuer.clone()),
                token_type: Some("refresh_token"),
                ..Introspection::default()
            },
            None => Introspection::default(),
        };
        Ok(answer)
    }
    .await;
    match result {
        Ok(answer) => {
            let mut response = Json(answer).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.into_response(),
    }
}

/// The audit reason of a revocation the client asked for.
const REQUESTED: &str = "revocation_request";

/// RFC 7009: answers 200 whether or not the token was known, so revocation leaks nothing;
/// a token of another client is left alone.
pub async fn revoke(State(state): State<Arc<Oidc>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (client, params) = authenticated_request(&state, &headers, &body).await?;
        let token = params
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
        let now = state.clock.now();
        match resolve(&state, token).await? {
            Some(ActiveToken::Access(claims)) if claims.client_id == client.client_id => {
                match claims.gid {
                    Some(grant_id) => {
                        let by = Actor::Client(client.client_id.clone());
                        cache::revoke_grant(&state, &grant_id, now, by, REQUESTED).await?
                    }
                    None => cache::revoke_access_token(&state, &claims.jti, claims.exp).await?,
                }
            }
            Some(ActiveToken::Refresh { grant, .. }) if grant.client_id == client.client_id => {
                let by = Actor::Client(client.client_id.clone());
                cache::revoke_grant(&state, &grant.grant_id, now, by, REQUESTED).await?
            }
            _ => {}
        }
        Ok::<_, OAuthError>(())
    }
    .await;
    match result {
        Ok(()) => axum::http::StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

async fn authenticated_request(
    state: &Oidc,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Arc<super::client::Client>, Params), OAuthError> {
    let mut params =
        Params::from_form(headers, body).map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let client = client_auth::authenticate(state, headers, &mut params).await?;
    Ok((client, params))
}
