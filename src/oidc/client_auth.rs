//! Client authentication at the token, revocation and introspection endpoints:
//! `client_secret_basic`, `client_secret_post`, and `none` for public clients (RFC 6749 §2.3).

use super::Oidc;
use super::cache;
use super::client::Client;
use super::error::OAuthError;
use crate::web::params::Params;
use axum::http::{HeaderMap, header};
use base64::Engine;
use std::sync::Arc;

pub async fn authenticate(
    state: &Oidc,
    headers: &HeaderMap,
    params: &mut Params,
) -> Result<Arc<Client>, OAuthError> {
    let form_id = params.take("client_id");
    let form_secret = params.take("client_secret");
    let (client_id, secret) = match basic_credentials(headers)? {
        Some((id, secret)) => {
            if form_secret.is_some() || form_id.as_deref().is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_request(
                    "use exactly one client authentication method",
                ));
            }
            (id, Some(secret))
        }
        None => (form_id.ok_or_else(OAuthError::invalid_client)?, form_secret),
    };
    let client = cache::client(state, &client_id)
        .await?
        .ok_or_else(OAuthError::invalid_client)?;
    let authenticated = match (client.is_public(), secret) {
        (true, None) => true,
        (false, Some(secret)) => client.secret_matches(&secret),
        _ => false,
    };
    if authenticated {
        Ok(client)
    } else {
        Err(OAuthError::invalid_client())
    }
}

/// `Authorization: Basic` with form-encoded id and secret (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| OAuthError::invalid_client())?;
    let Some(encoded) = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, rest)| rest.trim())
    else {
        return Err(OAuthError::invalid_client());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(OAuthError::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::invalid_client)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
