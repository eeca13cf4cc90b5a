//! `/api/v1/clients` and `/api/v1/keys`: client registration and signing keys.

use super::admin::{ClientPatch, OidcAdmin};
use super::client::{Client, GrantType, NewClient, optional_uri};
use super::jws::SigningAlg;
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::web::api::{
    IfMatch, Json, Kind, Page, PageQuery, Path, Problem, ProblemBody, Query, Versioned,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api(admin: Arc<OidcAdmin>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(get_client, update_client, delete_client))
        .routes(routes!(rotate_secret))
        .routes(routes!(list_keys))
        .routes(routes!(rotate_keys))
        .with_state(admin)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// `authorization_code`, `refresh_token`, `client_credentials`.
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    /// Staff roles a service client acts with.
    pub roles: Vec<String>,
    pub public: bool,
    pub pairwise: bool,
    /// The portal owner's own app: people are never asked to consent to it.
    pub first_party: bool,
    /// Where trohet POSTs RFC 8935 security event tokens; `null` if nowhere.
    pub events_uri: Option<String>,
    /// Where trohet POSTs back-channel logout tokens (OIDC Back-Channel Logout 1.0);
    /// `null` if nowhere.
    pub backchannel_logout_uri: Option<String>,
    pub id_token_alg: String,
    pub created_at: String,
}

impl From<Client> for ClientView {
    fn from(c: Client) -> Self {
        Self {
            public: c.is_public(),
            grant_types: c
                .grant_types
                .iter()
                .map(|g| g.as_str().to_string())
                .collect(),
            client_id: c.client_id,
            name: c.name,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            scopes: c.scopes,
            roles: c.roles,
            pairwise: c.pairwise,
            first_party: c.first_party,
            events_uri: c.events_uri,
            backchannel_logout_uri: c.backchannel_logout_uri,
            id_token_alg: c.id_token_alg.as_str().to_string(),
            created_at: rfc3339(c.created_at),
        }
    }
}

/// A registered client with its secret, shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientWithSecret {
    #[serde(flatten)]
    pub client: ClientView,
    /// Absent for a public client. Store it now: it is never shown again.
    pub client_secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSecret {
    pub client_id: String,
    /// The new secret; the old one no longer works.
    pub client_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    pub name: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Default: `authorization_code` and `refresh_token`.
    pub grant_types: Option<Vec<String>>,
    /// Extra scopes the client may request (`admin`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Staff roles for a service client.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub pairwise: bool,
    /// The portal owner's own app: no OAuth consent page.
    #[serde(default)]
    pub first_party: bool,
    /// Where to POST RFC 8935 security event tokens: https, or http on a loopback host;
    /// no fragment.
    pub events_uri: Option<String>,
    /// Where to POST back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.2):
    /// https, or http on a loopback host; a query is allowed, a fragment is not.
    pub backchannel_logout_uri: Option<String>,
    /// `RS256` (default), `ES256` or `EdDSA`.
    pub id_token_alg: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatchBody {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub roles: Option<Vec<String>>,
    pub first_party: Option<bool>,
    /// Absent: unchanged; `null` or `""`: removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub events_uri: Option<Option<String>>,
    /// Absent: unchanged; `null` or `""`: removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub backchannel_logout_uri: Option<Option<String>>,
}

/// A member that may be `null`: absent stays `None` (by `default`), present is `Some`, so
/// that `null` can remove a value.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// Prefix of the name, any case.
    pub q: Option<String>,
}

fn grant_types(names: Vec<String>) -> Result<Vec<GrantType>, Problem> {
    names
        .iter()
        .map(|name| {
            GrantType::parse(name)
                .ok_or_else(|| Problem::new(Kind::Validation, format!("unknown grant type {name}")))
        })
        .collect()
}

/// List clients by name.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients",
    params(ClientQuery, PageQuery),
    responses((status = 200, description = "OK", body = Page<ClientView>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_clients(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Query(query): Query<ClientQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ClientView>>, Problem> {
    let limit = page.limit()?;
    let rows = admin
        .list_clients(&by, query.q.as_deref(), page.after()?, limit)
        .await?;
    let page = Page::from_rows(rows, limit, |c| (c.name.clone(), c.client_id.clone()));
    Ok(Json(page.map(ClientView::from)))
}

/// Register a client. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/clients", tag = "clients",
    request_body = NewClientBody,
    responses((status = 201, description = "Created", body = ClientWithSecret, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn create_client(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Json(body): Json<NewClientBody>,
) -> Result<(StatusCode, Versioned<ClientWithSecret>), Problem> {
    let mut new = NewClient::new(&body.name, body.redirect_uris);
    new.post_logout_redirect_uris = body.post_logout_redirect_uris;
    if let Some(names) = body.grant_types {
        new.grant_types = grant_types(names)?;
    }
    new.extra_scopes = body.scopes;
    new.roles = body.roles;
    new.public = body.public;
    new.pairwise = body.pairwise;
    new.first_party = body.first_party;
    new.events_uri = optional_uri(body.events_uri);
    new.backchannel_logout_uri = optional_uri(body.backchannel_logout_uri);
    if let Some(alg) = body.id_token_alg {
        new.id_token_alg = SigningAlg::parse(&alg).ok_or_else(|| {
            Problem::new(
                Kind::Validation,
                "id_token_alg must be RS256, ES256 or EdDSA",
            )
        })?;
    }
    let (client, registered) = admin.create_client(&by, new).await?;
    let body = ClientWithSecret {
        client: ClientView::from(client.clone()),
        client_secret: registered.client_secret,
    };
    Ok((StatusCode::CREATED, Versioned(client.version, body)))
}

/// Read one client (never its secret).
#[utoipa::path(get, path = "/api/v1/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 200, description = "OK", body = ClientView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn get_client(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Path(client_id): Path<String>,
) -> Result<Versioned<ClientView>, Problem> {
    let client = admin.client_for_admin(&by, &client_id).await?;
    Ok(Versioned(client.version, client.into()))
}

/// Change a client's settings. Requires `If-Match`.
#[utoipa::path(patch, path = "/api/v1/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path), ("If-Match" = String, Header)),
    request_body = ClientPatchBody,
    responses((status = 200, description = "OK", body = ClientView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn update_client(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Path(client_id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<ClientPatchBody>,
) -> Result<Versioned<ClientView>, Problem> {
    let version = crate::identity::routes::customers::expected_version(if_match)?;
    let patch = ClientPatch {
        name: body.name,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        grant_types: body.grant_types.map(grant_types).transpose()?,
        extra_scopes: body.scopes,
        roles: body.roles,
        first_party: body.first_party,
        events_uri: body.events_uri.map(optional_uri),
        backchannel_logout_uri: body.backchannel_logout_uri.map(optional_uri),
    };
    let client = admin.update_client(&by, &client_id, patch, version).await?;
    Ok(Versioned(client.version, client.into()))
}

/// Delete a client with every grant and token issued to it. `If-Match` is honoured.
#[utoipa::path(delete, path = "/api/v1/clients/{client_id}", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 204, description = "Done; no content"), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn delete_client(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Path(client_id): Path<String>,
    if_match: IfMatch,
) -> Result<StatusCode, Problem> {
    let version = crate::identity::routes::members::optional_version(if_match)?;
    admin.delete_client(&by, &client_id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a confidential client a new secret; the old one stops working at once.
#[utoipa::path(post, path = "/api/v1/clients/{client_id}/secret", tag = "clients",
    params(("client_id" = String, Path)),
    responses((status = 200, description = "OK", body = ClientSecret), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn rotate_secret(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
    Path(client_id): Path<String>,
) -> Result<Json<ClientSecret>, Problem> {
    let client_secret = admin.rotate_client_secret(&by, &client_id).await?;
    Ok(Json(ClientSecret {
        client_id,
        client_secret,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub kid: String,
    pub alg: String,
    pub created_at: String,
    /// When it stopped being the newest key; it verifies until its tokens expire.
    pub retired_at: Option<String>,
    /// The public key (JWK), as published in JWKS.
    pub public_jwk: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedKeys {
    /// The new keys: published now, signing once every relying party has fetched them.
    pub kids: Vec<String>,
}

/// The signing keys still held (public parts only).
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys",
    responses((status = 200, description = "OK", body = Vec<KeyView>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_keys(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
) -> Result<Json<Vec<KeyView>>, Problem> {
    let keys = admin.list_keys(&by).await?;
    Ok(Json(
        keys.into_iter()
            .map(|k| KeyView {
                public_jwk: serde_json::from_str(&k.public_jwk).unwrap_or_default(),
                kid: k.kid,
                alg: k.alg,
                created_at: rfc3339(k.created_at),
                retired_at: k.retired_at.map(rfc3339),
            })
            .collect(),
    ))
}

/// Add a new key per algorithm; the old ones keep verifying until their tokens expire.
#[utoipa::path(post, path = "/api/v1/keys/rotate", tag = "keys",
    responses((status = 200, description = "OK", body = RotatedKeys), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn rotate_keys(
    State(admin): State<Arc<OidcAdmin>>,
    by: Principal,
) -> Result<Json<RotatedKeys>, Problem> {
    Ok(Json(RotatedKeys {
        kids: admin.rotate_keys(&by).await?,
    }))
}
