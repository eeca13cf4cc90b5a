//! The provider's administration: registering, changing and deleting clients (a secret is
//! shown once, at creation or rotation), and listing and rotating signing keys. Each
//! operation asks `authz`, then changes the database and records the audit event in one
//! write transaction.

use super::cache::OidcCache;
use super::client::{Client, ClientError, GrantType, NewClient, RegisteredClient, validate};
use super::client_store::{self, ClientSettings};
use super::keys::{self, KeyError, KeyInfo, KeyStore, KeyVault};
use super::scope::STANDARD_SCOPES;
use crate::audit::{self, Actor, Event};
use crate::authz::{Decision, Policies, PolicyError, Principal, RoleKind};
use crate::clock::Clock;
use crate::crypto;
use crate::db::{self, Db};
use crate::web::api::{Kind, Problem};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("you may not give a client the role {0}")]
    MayNotGrant(String),
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("the client was changed by someone else; read it again")]
    Stale,
    #[error("a public client has no secret to rotate")]
    PublicClient,
    #[error("signing keys can be rotated only where the master key is loaded")]
    NoVault,
    #[error("signing keys")]
    Key(#[from] KeyError),
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl From<AdminError> for Problem {
    fn from(error: AdminError) -> Self {
        let kind = match &error {
            AdminError::Client(ClientError::Database(_))
            | AdminError::Key(_)
            | AdminError::NoVault
            | AdminError::Database(_) => return Problem::internal(error),
            AdminError::Client(_) | AdminError::Policy(_) | AdminError::PublicClient => {
                Kind::Validation
            }
            AdminError::MayNotGrant(_) | AdminError::Forbidden(_) => Kind::Forbidden,
            AdminError::NotFound(_) => Kind::NotFound,
            AdminError::Stale => Kind::PreconditionFailed,
        };
        let problem = Problem::new(kind, error.to_string());
        match &error {
            AdminError::Client(ClientError::InvalidEndpoint { field, .. }) => {
                problem.with("field", *field)
            }
            _ => problem,
        }
    }
}

/// A change to a client; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub grant_types: Option<Vec<GrantType>>,
    pub extra_scopes: Option<Vec<String>>,
    pub roles: Option<Vec<String>>,
    pub first_party: Option<bool>,
    /// `Some(None)` removes the endpoint.
    pub events_uri: Option<Option<String>>,
    /// `Some(None)` removes the endpoint.
    pub backchannel_logout_uri: Option<Option<String>>,
}

/// Administration of clients and keys. The CLI builds one without a server; the server's
/// also evicts changed clients from its cache and reloads keys it rotated.
#[derive(Clone)]
pub struct OidcAdmin {
    db: Db,
    clock: Clock,
    policies: Arc<Policies>,
    cache: Option<Arc<OidcCache>>,
    keys: Option<(KeyVault, Arc<KeyStore>)>,
}

/// A random client id that does not begin with `-` or `_`, so that it reads as a value,
/// never as an option, on command lines.
fn new_client_id() -> String {
    loop {
        let id = crypto::random_id();
        if id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return id;
        }
    }
}

impl OidcAdmin {
    pub fn new(db: Db, clock: Clock, policies: Arc<Policies>) -> Self {
        Self {
            db,
            clock,
            policies,
            cache: None,
            keys: None,
        }
    }

    pub fn with_cache(mut self, cache: Arc<OidcCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    pub fn with_keys(mut self, vault: KeyVault, keys: Arc<KeyStore>) -> Self {
        self.keys = Some((vault, keys));
        self
    }

    fn forget_client(&self, id: &str) {
        if let Some(cache) = &self.cache {
            cache.forget_client(id);
        }
    }

    fn require(&self, by: &Principal, permission: &str) -> Result<(), AdminError> {
        match self.policies.decide(by, permission, None) {
            Decision::Allowed(_) => Ok(()),
            denied => Err(AdminError::Forbidden(denied.reason().to_string())),
        }
    }

    /// Staff roles only, and only those the principal may grant.
    fn check_client_roles(&self, by: &Principal, roles: &[String]) -> Result<(), AdminError> {
        self.policies.check_roles(RoleKind::Staff, roles)?;
        match roles
            .iter()
            .find(|r| !by.may_grant(&self.policies, None, r))
        {
            Some(role) => Err(AdminError::MayNotGrant(role.clone())),
            None => Ok(()),
        }
    }

    pub async fn list_clients(
        &self,
        by: &Principal,
        q: Option<&str>,
        after: Option<(String, String)>,
        limit: i64,
    ) -> Result<Vec<Client>, AdminError> {
        self.require(by, "clients.manage")?;
        Ok(client_store::list(&self.db, q, after.as_ref(), limit + 1).await?)
    }

    pub async fn client_for_admin(&self, by: &Principal, id: &str) -> Result<Client, AdminError> {
        self.require(by, "clients.manage")?;
        client_store::find(&self.db, id)
            .await?
            .ok_or(AdminError::NotFound("client"))
    }

    /// Registers a client; the secret (for a confidential one) is in the answer only.
    pub async fn create_client(
        &self,
        by: &Principal,
        new: NewClient,
    ) -> Result<(Client, RegisteredClient), AdminError> {
        self.require(by, "clients.manage")?;
        self.check_client_roles(by, &new.roles)?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let registered = client_store::insert(&mut tx, &new_client_id(), &new, now).await?;
        let event = Event::new(Actor::of(by), "client.created")
            .target("client", &registered.client_id)
            .detail("roles", new.roles.clone())
            .detail("scopes", new.extra_scopes.clone())
            .detail("events_uri", new.events_uri.clone())
            .detail("backchannel_logout_uri", new.backchannel_logout_uri.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        let client = self.client_for_admin(by, &registered.client_id).await?;
        Ok((client, registered))
    }

    pub async fn update_client(
        &self,
        by: &Principal,
        id: &str,
        patch: ClientPatch,
        version: Option<i64>,
    ) -> Result<Client, AdminError> {
        let current = self.client_for_admin(by, id).await?;
        if let Some(roles) = &patch.roles {
            self.check_client_roles(by, roles)?;
        }
        let extra_scopes = patch.extra_scopes.clone().unwrap_or_else(|| {
            let standard = |s: &String| STANDARD_SCOPES.contains(&s.as_str());
            current
                .scopes
                .iter()
                .filter(|s| !standard(s))
                .cloned()
                .collect()
        });
        let candidate = NewClient {
            name: patch.name.clone().unwrap_or(current.name.clone()),
            redirect_uris: patch
                .redirect_uris
                .clone()
                .unwrap_or(current.redirect_uris.clone()),
            post_logout_redirect_uris: patch
                .post_logout_redirect_uris
                .clone()
                .unwrap_or(current.post_logout_redirect_uris.clone()),
            grant_types: patch
                .grant_types
                .clone()
                .unwrap_or(current.grant_types.clone()),
            public: current.is_public(),
            pairwise: current.pairwise,
            id_token_alg: current.id_token_alg,
            extra_scopes: extra_scopes.clone(),
            roles: patch.roles.clone().unwrap_or(current.roles.clone()),
            first_party: patch.first_party.unwrap_or(current.first_party),
            events_uri: patch
                .events_uri
                .clone()
                .unwrap_or(current.events_uri.clone()),
            backchannel_logout_uri: patch
                .backchannel_logout_uri
                .clone()
                .unwrap_or(current.backchannel_logout_uri.clone()),
        };
        let sector_identifier = validate(&candidate)?;
        if current.pairwise && sector_identifier != current.sector_identifier {
            // Every pairwise `sub` the client knows would change under its feet.
            return Err(ClientError::MixedSectors.into());
        }
        let settings = ClientSettings {
            name: candidate.name.clone(),
            redirect_uris: candidate.redirect_uris.clone(),
            post_logout_redirect_uris: candidate.post_logout_redirect_uris.clone(),
            grant_types: candidate.grant_types.clone(),
            scopes: STANDARD_SCOPES
                .iter()
                .map(|s| s.to_string())
                .chain(extra_scopes)
                .collect(),
            roles: candidate.roles.clone(),
            first_party: candidate.first_party,
            events_uri: candidate.events_uri.clone(),
            backchannel_logout_uri: candidate.backchannel_logout_uri.clone(),
            sector_identifier,
        };
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let expected = version.unwrap_or(current.version);
        if !client_store::update(&mut tx, id, &settings, expected).await? {
            return Err(AdminError::Stale);
        }
        let event = Event::new(Actor::of(by), "client.updated")
            .target("client", id)
            .detail("roles", settings.roles.clone())
            .detail("events_uri", settings.events_uri.clone())
            .detail(
                "backchannel_logout_uri",
                settings.backchannel_logout_uri.clone(),
            );
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.forget_client(id);
        self.client_for_admin(by, id).await
    }

    /// Deletes a client with everything issued to it.
    pub async fn delete_client(
        &self,
        by: &Principal,
        id: &str,
        version: Option<i64>,
    ) -> Result<(), AdminError> {
        let current = self.client_for_admin(by, id).await?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let expected = version.unwrap_or(current.version);
        if !client_store::delete(&mut tx, id, expected).await? {
            return Err(AdminError::Stale);
        }
        audit::record(
            &mut tx,
            Event::new(Actor::of(by), "client.deleted").target("client", id),
            now,
        )
        .await?;
        tx.commit().await?;
        self.forget_client(id);
        Ok(())
    }

    /// A new secret, shown in this answer only; the old one stops working at once.
    pub async fn rotate_client_secret(
        &self,
        by: &Principal,
        id: &str,
    ) -> Result<String, AdminError> {
        self.client_for_admin(by, id).await?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let secret = client_store::rotate_secret(&mut tx, id)
            .await?
            .ok_or(AdminError::PublicClient)?;
        let event = Event::new(Actor::of(by), "client.secret_rotated").target("client", id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.forget_client(id);
        Ok(secret)
    }

    /// The demo client: registered under a chosen id, or given a new secret and the
    /// redirect URIs of the current issuer.
    pub async fn register_or_reset(
        &self,
        client_id: &str,
        new: NewClient,
    ) -> Result<RegisteredClient, AdminError> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let registered =
            client_store::register_or_reset_secret(&mut tx, client_id, &new, now).await?;
        let event = Event::new(Actor::System, "client.secret_rotated").target("client", client_id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.forget_client(client_id);
        Ok(registered)
    }

    pub async fn list_keys(&self, by: &Principal) -> Result<Vec<KeyInfo>, AdminError> {
        self.require(by, "keys.manage")?;
        Ok(keys::list(&self.db).await?)
    }

    /// Adds a key per algorithm, published now and signing after the activation delay.
    pub async fn rotate_keys(&self, by: &Principal) -> Result<Vec<String>, AdminError> {
        self.require(by, "keys.manage")?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let (vault, ring) = self.keys.as_ref().ok_or(AdminError::NoVault)?;
        let kids = vault.rotate(&mut tx, now).await?;
        let event = Event::new(Actor::of(by), "key.rotated").detail("kids", kids.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        ring.replace(vault.load(&self.db, now).await?);
        Ok(kids)
    }
}
