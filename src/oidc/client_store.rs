//! SQL of clients: registration, lookup, the admin list, updates with a version check,
//! secret rotation and deletion. Secrets are stored only as SHA-256 digests.

use super::client::{Client, ClientError, GrantType, NewClient, RegisteredClient, validate};
use super::jws::SigningAlg;
use super::scope::STANDARD_SCOPES;
use crate::clock::UnixTime;
use crate::crypto;
use crate::db::{Bind, Conditions, Db, Tx};
use serde::Serialize;

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// What a new client may request: the standard scopes plus its registered extras.
fn scopes_of(new: &NewClient) -> Vec<String> {
    STANDARD_SCOPES
        .iter()
        .map(|s| s.to_string())
        .chain(new.extra_scopes.iter().cloned())
        .collect()
}

/// Registers a client under `client_id` in the caller's transaction.
pub async fn insert(
    tx: &mut Tx,
    client_id: &str,
    new: &NewClient,
    now: UnixTime,
) -> Result<RegisteredClient, ClientError> {
    let sector_identifier = validate(new)?;
    let client_secret = (!new.public).then(crypto::random_token);
    sqlx::query(
        "insert into client (client_id, name, secret_digest, redirect_uris, post_logout_redirect_uris, \
         grant_types, scopes, id_token_alg, subject_type, sector_identifier, roles, created_at, \
         first_party, events_uri, backchannel_logout_uri) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(client_id)
    .bind(new.name.trim())
    .bind(client_secret.as_deref().map(crypto::digest_hex))
    .bind(json(&new.redirect_uris))
    .bind(json(&new.post_logout_redirect_uris))
    .bind(json(&new.grant_types))
    .bind(json(&scopes_of(new)))
    .bind(new.id_token_alg.as_str())
    .bind(if new.pairwise { "pairwise" } else { "public" })
    .bind(sector_identifier)
    .bind(json(&new.roles))
    .bind(now)
    .bind(i64::from(new.first_party))
    .bind(new.events_uri.as_deref())
    .bind(new.backchannel_logout_uri.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(RegisteredClient {
        client_id: client_id.to_string(),
        client_secret,
    })
}

/// Gives an existing client (the demo's) a new secret and the given redirect URIs, which
/// follow the issuer; registers it if it does not exist.
pub async fn register_or_reset_secret(
    tx: &mut Tx,
    client_id: &str,
    new: &NewClient,
    now: UnixTime,
) -> Result<RegisteredClient, ClientError> {
    let exists: Option<(String,)> =
        sqlx::query_as("select client_id from client where client_id = $1")
            .bind(client_id)
            .fetch_optional(&mut **tx)
            .await?;
    if exists.is_none() {
        return insert(tx, client_id, new, now).await;
    }
    validate(new)?;
    let client_secret = (!new.public).then(crypto::random_token);
    sqlx::query(
        "update client set secret_digest = $1, redirect_uris = $2, post_logout_redirect_uris = $3, \
         version = version + 1 where client_id = $4",
    )
    .bind(client_secret.as_deref().map(crypto::digest_hex))
    .bind(json(&new.redirect_uris))
    .bind(json(&new.post_logout_redirect_uris))
    .bind(client_id)
    .execute(&mut **tx)
    .await?;
    Ok(RegisteredClient {
        client_id: client_id.to_string(),
        client_secret,
    })
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
    roles: String,
    first_party: i64,
    events_uri: Option<String>,
    backchannel_logout_uri: Option<String>,
    created_at: i64,
    version: i64,
}

const COLUMNS: &str = "client_id, name, secret_digest, redirect_uris, post_logout_redirect_uris, \
                       grant_types, scopes, id_token_alg, subject_type, sector_identifier, roles, \
                       first_party, events_uri, backchannel_logout_uri, created_at, version";

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        let list = |text: &str| serde_json::from_str(text).unwrap_or_default();
        Client {
            client_id: row.client_id,
            name: row.name,
            secret_digest: row.secret_digest,
            redirect_uris: list(&row.redirect_uris),
            post_logout_redirect_uris: list(&row.post_logout_redirect_uris),
            grant_types: serde_json::from_str(&row.grant_types).unwrap_or_default(),
            scopes: list(&row.scopes),
            id_token_alg: SigningAlg::parse(&row.id_token_alg).unwrap_or(SigningAlg::Rs256),
            pairwise: row.subject_type == "pairwise",
            sector_identifier: row.sector_identifier,
            roles: list(&row.roles),
            first_party: row.first_party == 1,
            events_uri: row.events_uri,
            backchannel_logout_uri: row.backchannel_logout_uri,
            created_at: row.created_at,
            version: row.version,
        }
    }
}

pub async fn find(db: &Db, client_id: &str) -> Result<Option<Client>, sqlx::Error> {
    let row: Option<ClientRow> = sqlx::query_as(&format!(
        "select {COLUMNS} from client where client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Client::from))
}

/// Clients by name then id, after the keyset cursor, optionally by name prefix.
pub async fn list(
    db: &Db,
    q: Option<&str>,
    after: Option<&(String, String)>,
    limit: i64,
) -> Result<Vec<Client>, sqlx::Error> {
    let mut c = Conditions::default();
    if let Some(q) = q {
        c.push(
            "lower(name) like ?",
            [Bind::Text(format!("{}%", q.trim().to_lowercase()))],
        );
    }
    if let Some((name, id)) = after {
        c.push(
            "(name, client_id) > (?, ?)",
            [Bind::Text(name.clone()), Bind::Text(id.clone())],
        );
    }
    let sql = format!(
        "select {COLUMNS} from client{} order by name, client_id limit ${}",
        c.sql(),
        c.next_placeholder()
    );
    let rows: Vec<ClientRow> = c
        .bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Client::from).collect())
}

/// What an admin may change on a registered client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
    pub first_party: bool,
    pub events_uri: Option<String>,
    pub backchannel_logout_uri: Option<String>,
    pub sector_identifier: String,
}

/// Saves new settings if the client is still at `version`.
pub async fn update(
    tx: &mut Tx,
    client_id: &str,
    settings: &ClientSettings,
    version: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update client set name = $1, redirect_uris = $2, post_logout_redirect_uris = $3, \
         grant_types = $4, scopes = $5, roles = $6, sector_identifier = $7, first_party = $10, \
         events_uri = $11, backchannel_logout_uri = $12, version = version + 1 where client_id = $8 and version = $9",
    )
    .bind(settings.name.trim())
    .bind(json(&settings.redirect_uris))
    .bind(json(&settings.post_logout_redirect_uris))
    .bind(json(&settings.grant_types))
    .bind(json(&settings.scopes))
    .bind(json(&settings.roles))
    .bind(&settings.sector_identifier)
    .bind(client_id)
    .bind(version)
    .bind(i64::from(settings.first_party))
    .bind(settings.events_uri.as_deref())
    .bind(settings.backchannel_logout_uri.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A new secret for a confidential client; `None` if there is no such client or it is
/// public.
pub async fn rotate_secret(tx: &mut Tx, client_id: &str) -> Result<Option<String>, sqlx::Error> {
    let secret = crypto::random_token();
    let done = sqlx::query(
        "update client set secret_digest = $1, version = version + 1 \
         where client_id = $2 and secret_digest is not null",
    )
    .bind(crypto::digest_hex(&secret))
    .bind(client_id)
    .execute(&mut **tx)
    .await?;
    Ok((done.rows_affected() == 1).then_some(secret))
}

/// Deletes a client; its grants, codes and refresh tokens go with it (foreign keys).
pub async fn delete(tx: &mut Tx, client_id: &str, version: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from client where client_id = $1 and version = $2")
        .bind(client_id)
        .bind(version)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
