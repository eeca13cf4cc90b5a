//! Clients: the portal apps (relying parties) and back-ends that use trohet. Secrets are
//! generated here (256 bits), shown once, stored only as a SHA-256 digest and compared in
//! constant time; a slow password hash would add nothing to a random secret but latency.

use super::jws::SigningAlg;
use super::scope::REGISTERED_SCOPES;
use crate::crypto;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(text: &str) -> Option<GrantType> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ]
        .into_iter()
        .find(|g| g.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    pub(super) secret_digest: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub id_token_alg: SigningAlg,
    pub pairwise: bool,
    /// The host of the redirect URIs; pairwise subjects are computed per sector (OIDC Core §8.1).
    pub sector_identifier: String,
    /// Staff roles a service client acts with at the admin API (client_credentials).
    pub roles: Vec<String>,
    /// The portal owner's own app: people are never asked to consent to it.
    pub first_party: bool,
    /// Where the client takes RFC 8935 security event tokens (pushed by POST).
    pub events_uri: Option<String>,
    /// Where the client takes logout tokens (OIDC Back-Channel Logout 1.0 §2.2).
    pub backchannel_logout_uri: Option<String>,
    pub created_at: i64,
    pub version: i64,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_digest.is_none()
    }
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }
    /// Exact string match, as RFC 9700 §2.1 requires.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }
    pub fn secret_matches(&self, secret: &str) -> bool {
        match &self.secret_digest {
            Some(digest) => {
                crypto::constant_time_eq(digest.as_bytes(), crypto::digest_hex(secret).as_bytes())
            }
            None => false,
        }
    }
}

/// A client to register. `NewClient::new` gives a confidential code-flow client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub public: bool,
    pub pairwise: bool,
    pub id_token_alg: SigningAlg,
    /// Scopes beyond the standard ones the client may request (`admin`).
    pub extra_scopes: Vec<String>,
    /// Staff roles for a service client (checked against policies by the caller).
    pub roles: Vec<String>,
    /// The portal owner's own app: no OAuth consent page.
    pub first_party: bool,
    /// Where the client takes RFC 8935 security event tokens.
    pub events_uri: Option<String>,
    /// Where the client takes back-channel logout tokens (OIDC Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
}

impl NewClient {
    pub fn new(name: &str, redirect_uris: Vec<String>) -> Self {
        Self {
            name: name.to_string(),
            redirect_uris,
            post_logout_redirect_uris: Vec::new(),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            public: false,
            pairwise: false,
            id_token_alg: SigningAlg::Rs256,
            extra_scopes: Vec::new(),
            roles: Vec::new(),
            first_party: false,
            events_uri: None,
            backchannel_logout_uri: None,
        }
    }
}

/// An optional endpoint as entered: blank means none.
pub fn optional_uri(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The registration result; the secret is shown this once and never stored in clear.
#[derive(Debug, Clone, Serialize)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the client name must not be empty")]
    EmptyName,
    #[error("{0} is not an absolute URI without a fragment")]
    InvalidUri(String),
    #[error(
        "a public client may only redirect to https, a loopback address or a private-use scheme: {0}"
    )]
    InsecurePublicRedirect(String),
    #[error("{field} {reason}: {uri}")]
    InvalidEndpoint {
        field: &'static str,
        uri: String,
        reason: &'static str,
    },
    #[error("a client with the authorization_code grant needs at least one redirect URI")]
    NoRedirectUri,
    #[error("the client needs at least one grant type")]
    NoGrantType,
    #[error("a public client cannot use client_credentials: it has no secret")]
    PublicClientCredentials,
    #[error("a pairwise client's redirect URIs must share one host (its sector)")]
    MixedSectors,
    #[error(
        "a client may be registered only with the extra scopes admin, consent, consent:read, audience:read, analytics:write and surveys:read, not {0}"
    )]
    UnknownScope(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

/// Checks the registration and returns the client's sector identifier.
pub fn validate(new: &NewClient) -> Result<String, ClientError> {
    if new.name.trim().is_empty() {
        return Err(ClientError::EmptyName);
    }
    if let Some(scope) = new
        .extra_scopes
        .iter()
        .find(|s| !REGISTERED_SCOPES.contains(&s.as_str()))
    {
        return Err(ClientError::UnknownScope(scope.clone()));
    }
    if new.grant_types.is_empty() {
        return Err(ClientError::NoGrantType);
    }
    if new.public && new.grant_types.contains(&GrantType::ClientCredentials) {
        return Err(ClientError::PublicClientCredentials);
    }
    if new.grant_types.contains(&GrantType::AuthorizationCode) && new.redirect_uris.is_empty() {
        return Err(ClientError::NoRedirectUri);
    }
    let mut hosts = Vec::new();
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
    {
        let parsed = url::Url::parse(uri).map_err(|_| ClientError::InvalidUri(uri.clone()))?;
        if parsed.fragment().is_some() || parsed.cannot_be_a_base() && parsed.scheme() != "urn" {
            return Err(ClientError::InvalidUri(uri.clone()));
        }
        if new.public && parsed.scheme() == "http" && !is_loopback(&parsed) {
            return Err(ClientError::InsecurePublicRedirect(uri.clone()));
        }
    }
    for (field, uri) in [
        ("events_uri", &new.events_uri),
        ("backchannel_logout_uri", &new.backchannel_logout_uri),
    ] {
        if let Some(uri) = uri {
            validate_endpoint(field, uri)?;
        }
    }
    for uri in &new.redirect_uris {
        if let Ok(parsed) = url::Url::parse(uri) {
            hosts.push(parsed.host_str().unwrap_or(parsed.scheme()).to_string());
        }
    }
    hosts.sort();
    hosts.dedup();
    if new.pairwise && hosts.len() > 1 {
        return Err(ClientError::MixedSectors);
    }
    Ok(hosts.into_iter().next().unwrap_or_default())
}

/// An endpoint trohet calls itself (security events, back-channel logout): an absolute
/// URL without a fragment (Back-Channel Logout 1.0 §2.2; a query is allowed), over https,
/// or over http only on a loopback host, as for a public client's redirect URIs.
fn validate_endpoint(field: &'static str, uri: &str) -> Result<(), ClientError> {
    let invalid = |reason| ClientError::InvalidEndpoint {
        field,
        uri: uri.to_string(),
        reason,
    };
    let parsed = url::Url::parse(uri).map_err(|_| invalid("must be an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(invalid("must not contain a fragment"));
    }
    match parsed.scheme() {
        "https" if parsed.host_str().is_some() => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        _ => Err(invalid(
            "must be an https URL (http only on localhost, 127.0.0.1 or [::1])",
        )),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}
