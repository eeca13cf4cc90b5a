//! The OIDC context's hot-path caches. Reads on the resource-server path (userinfo,
//! introspection, client authentication) would otherwise cost several queries each. A
//! revocation on this instance evicts at once; one on a sibling instance is seen within
//! `GRANT_TTL`. Revocation only ever goes one way, so a stale entry can only be a token
//! that was active a moment ago.

use super::Oidc;
use super::client::Client;
use super::client_store;
use super::store::{self, Grant};
use super::tokens::{AccessClaims, PersonClaims};
use crate::audit::{Actor, Event};
use crate::authz::Principal;
use crate::cache::TtlCache;
use crate::clock::UnixTime;
use crate::identity::Ending;
use crate::privacy::notify::{self, Happening};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

const CLIENT_TTL: Duration = Duration::from_secs(30);
const GRANT_TTL: Duration = Duration::from_secs(1);
const CLAIMS_TTL: Duration = Duration::from_secs(1);
/// Verified signatures stay verified; the token's own expiry bounds the entry.
const TOKEN_TTL: Duration = Duration::from_secs(300);
const PRINCIPAL_TTL: Duration = Duration::from_secs(1);
const PAIRWISE_TTL: Duration = Duration::from_secs(3600);
const CAPACITY: usize = 4096;

pub struct OidcCache {
    clients: TtlCache<String, Arc<Client>>,
    grants: TtlCache<String, Option<Grant>>,
    /// Whether a client's own access token (no grant) was revoked, by `jti`; like grant
    /// status, a sibling's revocation shows within `GRANT_TTL`.
    revoked_tokens: TtlCache<String, bool>,
    verified_tokens: TtlCache<String, AccessClaims>,
    released_claims: TtlCache<(String, String), PersonClaims>,
    /// A person's roles for permission checks; role changes show within `PRINCIPAL_TTL`.
    principals: TtlCache<String, Option<Arc<Principal>>>,
    /// (sector, pairwise subject) → person id; a mapping that never changes.
    pairwise_people: TtlCache<(String, String), String>,
}

impl Default for OidcCache {
    fn default() -> Self {
        Self {
            clients: TtlCache::new(CLIENT_TTL, CAPACITY),
            grants: TtlCache::new(GRANT_TTL, CAPACITY),
            revoked_tokens: TtlCache::new(GRANT_TTL, CAPACITY),
            verified_tokens: TtlCache::new(TOKEN_TTL, CAPACITY),
            released_claims: TtlCache::new(CLAIMS_TTL, CAPACITY),
            principals: TtlCache::new(PRINCIPAL_TTL, CAPACITY),
            pairwise_people: TtlCache::new(PAIRWISE_TTL, CAPACITY),
        }
    }
}

/// The provider's side of ending a person's access, handed to `identity` (which cannot
/// depend on `oidc`): revoke grants and refresh tokens, queue word to the apps, and forget
/// what this instance cached about them.
#[derive(Default)]
pub struct Revoker {
    pub cache: Option<Arc<OidcCache>>,
    /// The provider that signs what the apps are told. It is built after (and holds) this
    /// revoker, so it is set once built and held weakly; without it (the CLI's admin
    /// commands) nothing is queued.
    pub provider: OnceLock<Weak<Oidc>>,
}

impl Revoker {
    pub fn new(cache: Option<Arc<OidcCache>>) -> Self {
        Self {
            cache,
            provider: OnceLock::new(),
        }
    }

    async fn tell(
        &self,
        tx: &mut crate::db::Tx,
        person_id: &str,
        happening: Happening<'_>,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        if let Some(provider) = self.provider.get().and_then(Weak::upgrade) {
            notify::tell(tx, provider.as_ref(), person_id, happening, now).await?;
        }
        Ok(())
    }
}

impl crate::identity::AccessRevoker for Revoker {
    fn revoke_person<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        why: Ending,
        now: UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sqlx::Error>> {
        Box::pin(async move {
            match why {
                Ending::Disabled => self.tell(tx, person_id, Happening::Disabled, now).await?,
                Ending::NewPassword => {
                    self.tell(tx, person_id, Happening::AllSessionsEnded, now)
                        .await?
                }
                Ending::Erasure => {}
            }
            let revoked = store::revoke_person_grants(tx, person_id, now).await?;
            if let Some(cache) = &self.cache {
                cache.grants.clear();
                cache.released_claims.clear();
                cache.principals.clear();
            }
            Ok(revoked)
        })
    }

    fn revoke_session<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        sid: &'a str,
        now: UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sqlx::Error>> {
        Box::pin(async move {
            self.tell(tx, person_id, Happening::SessionEnded { sid }, now)
                .await?;
            let revoked = store::revoke_session_grants_in(tx, sid, now).await?;
            if let Some(cache) = &self.cache {
                cache.grants.clear();
            }
            Ok(revoked)
        })
    }

    fn reinstate<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        now: UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            self.tell(tx, person_id, Happening::Enabled, now).await?;
            if let Some(cache) = &self.cache {
                cache.principals.clear();
            }
            Ok(())
        })
    }
}

impl OidcCache {
    /// After revoking grants whose ids are not at hand.
    pub fn forget_grants(&self) {
        self.grants.clear();
        self.released_claims.clear();
    }

    /// Drops a changed or deleted client here at once; siblings see it within `CLIENT_TTL`.
    pub fn forget_client(&self, client_id: &str) {
        self.clients.remove(&client_id.to_string());
    }
}

pub async fn client(state: &Oidc, client_id: &str) -> Result<Option<Arc<Client>>, sqlx::Error> {
    let cache = &state.cache.clients;
    if let Some(found) = cache.get(&client_id.to_string()) {
        return Ok(Some(found));
    }
    let found = client_store::find(&state.db, client_id)
        .await?
        .map(Arc::new);
    if let Some(found) = &found {
        cache.insert(client_id.to_string(), found.clone(), None);
    }
    Ok(found)
}

pub async fn grant(state: &Oidc, grant_id: &str) -> Result<Option<Grant>, sqlx::Error> {
    let cache = &state.cache.grants;
    if let Some(found) = cache.get(&grant_id.to_string()) {
        return Ok(found);
    }
    let found = store::find_grant(&state.db, grant_id).await?;
    cache.insert(grant_id.to_string(), found.clone(), None);
    Ok(found)
}

/// Whether a client_credentials access token was revoked (RFC 7009).
pub async fn access_token_revoked(state: &Oidc, jti: &str) -> Result<bool, sqlx::Error> {
    let cache = &state.cache.revoked_tokens;
    if let Some(found) = cache.get(&jti.to_string()) {
        return Ok(found);
    }
    let found = store::is_access_token_revoked(&state.db, jti).await?;
    cache.insert(jti.to_string(), found, None);
    Ok(found)
}

/// Revokes a client_credentials access token, here at once.
pub async fn revoke_access_token(state: &Oidc, jti: &str, exp: i64) -> Result<(), sqlx::Error> {
    store::revoke_access_token(&state.db, jti, exp).await?;
    state
        .cache
        .revoked_tokens
        .insert(jti.to_string(), true, None);
    Ok(())
}

/// Revokes a grant with everything issued from it, and records why: the client asked
/// (RFC 7009), or a replayed code or reused refresh token gave away a theft.
pub async fn revoke_grant(
    state: &Oidc,
    grant_id: &str,
    now: UnixTime,
    by: Actor,
    reason: &'static str,
) -> Result<(), sqlx::Error> {
    let mut tx = crate::db::begin_write(&state.db).await?;
    if store::revoke_grant(&mut tx, grant_id, now).await? {
        let event = Event::new(by, "grant.revoked")
            .target("grant", grant_id)
            .detail("reason", reason);
        crate::audit::record(&mut tx, event, now).await?;
    }
    tx.commit().await?;
    state.cache.grants.remove(&grant_id.to_string());
    Ok(())
}

/// The roles a person holds now, as a principal (`None` for an unknown or disabled one).
pub async fn principal(
    state: &Oidc,
    person_id: &str,
) -> Result<Option<Arc<Principal>>, crate::identity::IdentityError> {
    let cache = &state.cache.principals;
    if let Some(found) = cache.get(&person_id.to_string()) {
        return Ok(found);
    }
    let found = crate::identity::store::principal(&state.db, person_id)
        .await?
        .map(Arc::new);
    cache.insert(person_id.to_string(), found.clone(), None);
    Ok(found)
}

/// The person a client's `sub` names: the id itself, or through the pairwise mapping.
pub async fn person_of_subject(
    state: &Oidc,
    client: &Client,
    subject: &str,
) -> Result<Option<String>, sqlx::Error> {
    if !client.pairwise {
        return Ok(Some(subject.to_string()));
    }
    let key = (client.sector_identifier.clone(), subject.to_string());
    if let Some(found) = state.cache.pairwise_people.get(&key) {
        return Ok(Some(found));
    }
    let found = store::pairwise_person(&state.db, &key.0, &key.1).await?;
    if let Some(person_id) = &found {
        state
            .cache
            .pairwise_people
            .insert(key, person_id.clone(), None);
    }
    Ok(found)
}

pub fn verified_token(state: &Oidc, token: &str) -> Option<AccessClaims> {
    state.cache.verified_tokens.get(&token.to_string())
}

pub fn remember_verified_token(state: &Oidc, token: &str, claims: &AccessClaims, now: UnixTime) {
    let remaining = Duration::from_secs(u64::try_from(claims.exp - now).unwrap_or(0));
    state
        .cache
        .verified_tokens
        .insert(token.to_string(), claims.clone(), Some(remaining));
}

pub fn released_claims(state: &Oidc, grant_id: &str, scope: &str) -> Option<PersonClaims> {
    state
        .cache
        .released_claims
        .get(&(grant_id.to_string(), scope.to_string()))
}

pub fn remember_released_claims(state: &Oidc, grant_id: &str, scope: &str, claims: &PersonClaims) {
    state.cache.released_claims.insert(
        (grant_id.to_string(), scope.to_string()),
        claims.clone(),
        None,
    );
}
