//! Clients: the portal apps (relying parties) and back-ends that use trohet. Secrets are
//! generated here (256 bits), shown once, stored only as a SHA-256 digest and compared in
//! constant time; a slow password hash would add nothing to a random secret but latency.

use super::jws::SigningAlg;
use super::scope::SUPPORTED_SCOPES;
use crate::clock::UnixTime;
use crate::crypto;
use crate::db::Db;
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
    secret_digest: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub id_token_alg: SigningAlg,
    pub pairwise: bool,
    /// The host of the redirect URIs; pairwise subjects are computed per sector (OIDC Core §8.1).
    pub sector_identifier: String,
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
        }
    }
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
    #[error("a client with the authorization_code grant needs at least one redirect URI")]
    NoRedirectUri,
    #[error("the client needs at least one grant type")]
    NoGrantType,
    #[error("a public client cannot use client_credentials: it has no secret")]
    PublicClientCredentials,
    #[error("a pairwise client's redirect URIs must share one host (its sector)")]
    MixedSectors,
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

pub async fn register(
    db: &Db,
    new: NewClient,
    now: UnixTime,
) -> Result<RegisteredClient, ClientError> {
    register_with_id(db, crypto::random_id(), new, now).await
}

/// Registers under a chosen id (the demo client), or gives an existing one a new secret
/// and the given redirect URIs.
pub async fn register_or_reset_secret(
    db: &Db,
    client_id: &str,
    new: NewClient,
    now: UnixTime,
) -> Result<RegisteredClient, ClientError> {
    if find(db, client_id).await?.is_none() {
        return register_with_id(db, client_id.to_string(), new, now).await;
    }
    validate(&new)?;
    let client_secret = (!new.public).then(crypto::random_token);
    // The issuer (and so the demo's redirect URIs) may have changed since the last run.
    sqlx::query(
        "update client set secret_digest = $1, redirect_uris = $2, post_logout_redirect_uris = $3 \
         where client_id = $4",
    )
    .bind(client_secret.as_deref().map(crypto::digest_hex))
    .bind(json(&new.redirect_uris))
    .bind(json(&new.post_logout_redirect_uris))
    .bind(client_id)
    .execute(db)
    .await?;
    Ok(RegisteredClient {
        client_id: client_id.to_string(),
        client_secret,
    })
}

async fn register_with_id(
    db: &Db,
    client_id: String,
    new: NewClient,
    now: UnixTime,
) -> Result<RegisteredClient, ClientError> {
    let sector_identifier = validate(&new)?;
    let client_secret = (!new.public).then(crypto::random_token);
    sqlx::query(
        "insert into client (client_id, name, secret_digest, redirect_uris, post_logout_redirect_uris, \
         grant_types, scopes, id_token_alg, subject_type, sector_identifier, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&client_id)
    .bind(new.name.trim())
    .bind(client_secret.as_deref().map(crypto::digest_hex))
    .bind(json(&new.redirect_uris))
    .bind(json(&new.post_logout_redirect_uris))
    .bind(json(&new.grant_types))
    .bind(json(&SUPPORTED_SCOPES))
    .bind(new.id_token_alg.as_str())
    .bind(if new.pairwise { "pairwise" } else { "public" })
    .bind(sector_identifier)
    .bind(now)
    .execute(db)
    .await?;
    Ok(RegisteredClient {
        client_id,
        client_secret,
    })
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// Checks the registration and returns the client's sector identifier.
fn validate(new: &NewClient) -> Result<String, ClientError> {
    if new.name.trim().is_empty() {
        return Err(ClientError::EmptyName);
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
    for uri in &new.redirect_uris {
        if let Ok(parsed) = url::Url::parse(uri) {
            hosts.push(parsed.host_str().unwrap_or(parsed.scheme()).to_string());
        }
    }
    hosts.dedup();
    if new.pairwise && hosts.len() > 1 {
        return Err(ClientError::MixedSectors);
    }
    Ok(hosts.into_iter().next().unwrap_or_default())
}

fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    client_id: String,
    name: String,
    secret_digest: Option<String>,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: String,
    scopes: String,
    id_token_alg: String,
    subject_type: String,
    sector_identifier: String,
}

pub async fn find(db: &Db, client_id: &str) -> Result<Option<Client>, sqlx::Error> {
    let row: Option<ClientRow> = sqlx::query_as(
        "select client_id, name, secret_digest, redirect_uris, post_logout_redirect_uris, grant_types, \
         scopes, id_token_alg, subject_type, sector_identifier from client where client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| Client {
        client_id: row.client_id,
        name: row.name,
        secret_digest: row.secret_digest,
        redirect_uris: serde_json::from_str(&row.redirect_uris).unwrap_or_default(),
        post_logout_redirect_uris: serde_json::from_str(&row.post_logout_redirect_uris)
            .unwrap_or_default(),
        grant_types: serde_json::from_str(&row.grant_types).unwrap_or_default(),
        scopes: serde_json::from_str(&row.scopes).unwrap_or_default(),
        id_token_alg: SigningAlg::parse(&row.id_token_alg).unwrap_or(SigningAlg::Rs256),
        pairwise: row.subject_type == "pairwise",
        sector_identifier: row.sector_identifier,
    }))
}
