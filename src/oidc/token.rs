//! The token endpoint (RFC 6749 §3.2): authorization_code with PKCE (RFC 7636),
//! refresh_token with rotation and reuse detection (RFC 9700 §4.14), client_credentials.

use super::Oidc;
use super::cache;
use super::client::{Client, GrantType};
use super::client_auth;
use super::error::{ErrorCode, OAuthError};
use super::scope::Scope;
use super::store::{self, CodeRedemption, RefreshUse};
use super::tokens::{self, AccessClaims, AuthorizationClaims, Refresh, TokenResponse};
use crate::audit::Actor;
use crate::crypto;
use crate::web::params::Params;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub async fn token(State(state): State<Arc<Oidc>>, headers: HeaderMap, body: Bytes) -> Response {
    match exchange(&state, &headers, &body).await {
        Ok((grant_type, response)) => {
            state.metrics.token_issued(grant_type);
            let mut response = Json(response).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn exchange(
    state: &Oidc,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(GrantType, TokenResponse), OAuthError> {
    let mut params =
        Params::from_form(headers, body).map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    let grant_type = GrantType::parse(grant_type).ok_or_else(|| {
        OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "this grant type is not supported",
        )
    })?;
    let client = client_auth::authenticate(state, headers, &mut params).await?;
    if !client.allows(grant_type) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the client may not use this grant type",
        ));
    }
    let response = match grant_type {
        GrantType::AuthorizationCode => authorization_code(state, &client, &params).await?,
        GrantType::RefreshToken => refresh_token(state, &client, &params).await?,
        GrantType::ClientCredentials => client_credentials(state, &client, &params)?,
    };
    Ok((grant_type, response))
}

async fn authorization_code(
    state: &Oidc,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing"))?;
    let now = state.clock.now();
    let code = match store::redeem_code(
        &state.db,
        &crypto::digest_hex(code),
        &client.client_id,
        now,
    )
    .await?
    {
        CodeRedemption::Redeemed(code) => code,
        CodeRedemption::Replayed { grant_id } => {
            // RFC 6749 §4.1.2: a code used twice revokes everything issued from it.
            cache::revoke_grant(state, &grant_id, now, Actor::System, "code_replay").await?;
            tracing::warn!(client_id = %client.client_id, "authorization code replayed; grant revoked");
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used",
            ));
        }
        CodeRedemption::Unknown => {
            return Err(OAuthError::invalid_grant("unknown authorization code"));
        }
    };
    if now >= code.expires_at {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    if code.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request",
        ));
    }
    verify_pkce(code.code_challenge.as_deref(), params.get("code_verifier"))?;
    let grant = store::find_grant(&state.db, &code.grant_id)
        .await?
        .filter(|g| g.revoked_at.is_none())
        .ok_or_else(|| OAuthError::invalid_grant("the grant was revoked"))?;
    let with_refresh = refresh_allowed(client, &Scope::parse(&grant.scope));
    let refresh = if with_refresh {
        Refresh::Fresh
    } else {
        Refresh::None
    };
    tokens::issue_for_grant(state, client, &grant, code.nonce.as_deref(), refresh).await
}

/// RFC 7636 §4.6 with S256 only; a verifier without a challenge is refused too, so an
/// attacker cannot strip PKCE from a request (RFC 9700 §4.8.2).
fn verify_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(verifier)) => {
            let valid_form = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
            let computed = crypto::b64url(digest.as_ref());
            if valid_form && crypto::constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant(
                    "the PKCE code_verifier does not match",
                ))
            }
        }
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is missing")),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "code_verifier sent but the authorization request had no code_challenge",
        )),
    }
}

fn refresh_allowed(client: &Client, scope: &Scope) -> bool {
    scope.contains("offline_access") && client.allows(GrantType::RefreshToken)
}

async fn refresh_token(
    state: &Oidc,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let token = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    let now = state.clock.now();
    let digest = crypto::digest_hex(token);
    let grant_id = match store::peek_refresh_token(&state.db, &digest, now).await? {
        RefreshUse::Live { grant_id } => grant_id,
        RefreshUse::Reused { grant_id } => {
            let reason = "refresh_token_reuse";
            cache::revoke_grant(state, &grant_id, now, Actor::System, reason).await?;
            tracing::warn!(client_id = %client.client_id, "refresh token reused; token family revoked");
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used",
            ));
        }
        RefreshUse::Unknown => {
            return Err(OAuthError::invalid_grant(
                "unknown or expired refresh token",
            ));
        }
    };
    let mut grant = store::find_grant(&state.db, &grant_id)
        .await?
        .filter(|g| g.revoked_at.is_none() && g.client_id == client.client_id)
        .ok_or_else(|| OAuthError::invalid_grant("the refresh token was revoked"))?;
    let granted = Scope::parse(&grant.scope);
    if let Some(requested) = params.get("scope").map(Scope::parse) {
        // RFC 6749 §6: a refresh may narrow the scope, never widen it.
        if !requested.is_subset_of(&granted) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                "the scope exceeds the grant",
            ));
        }
        let mut narrowed = requested;
        if !narrowed.contains("offline_access") {
            narrowed = Scope::parse(&format!("{narrowed} offline_access"));
        }
        grant.scope = narrowed.to_string();
    }
    tokens::issue_for_grant(state, client, &grant, None, Refresh::Rotate(&digest)).await
}

/// Machine-to-machine tokens: no person, no database write, so portal back-ends can ask
/// often. `sub` is the client (RFC 9068 §2.2).
fn client_credentials(
    state: &Oidc,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let scope = params.get("scope").map(Scope::parse).unwrap_or_default();
    if let Some(value) = scope
        .iter()
        .find(|v| super::scope::SUPPORTED_SCOPES.contains(v))
    {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("{value} is a scope about a person; client_credentials has none"),
        ));
    }
    if let Some(value) = scope.first_outside(&client.scopes) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("{value} is not allowed"),
        ));
    }
    let now = state.clock.now();
    let ttl = state.tokens.access_token_ttl_secs;
    let claims = AccessClaims {
        iss: state.issuer.clone(),
        sub: client.client_id.clone(),
        aud: state.issuer.clone(),
        client_id: client.client_id.clone(),
        exp: now + ttl,
        iat: now,
        jti: crypto::random_id(),
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        auth_time: None,
        sid: None,
        gid: None,
        authorization: AuthorizationClaims::default(),
    };
    Ok(TokenResponse {
        access_token: tokens::sign_access_token(state, &claims)?,
        token_type: "Bearer",
        expires_in: ttl,
        id_token: None,
        refresh_token: None,
        scope: claims.scope,
    })
}
