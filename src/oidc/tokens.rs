//! Minting tokens: RFC 9068 JWT access tokens, OIDC ID tokens and opaque refresh tokens,
//! and the person claims that scopes release.

use super::Oidc;
use super::client::Client;
use super::error::OAuthError;
use super::jws::{self, SigningAlg};
use super::scope::Scope;
use super::store::{self, Grant};
use crate::audit::Actor;
use crate::crypto;
use crate::identity::{Membership, Person, store as identity_store};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerClaim {
    pub id: String,
    pub name: String,
}

/// Claims about the person, each released only by its scope (data minimisation).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PersonClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(flatten)]
    pub authorization: AuthorizationClaims,
}

/// The active customer account and the roles held there: what portal apps decide on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuthorizationClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerClaim>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// RFC 9068 access token claims. `gid` names the grant, so revoking the grant (logout,
/// code replay, refresh-token reuse) makes the token inactive at introspection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(flatten)]
    pub authorization: AuthorizationClaims,
}

#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(flatten)]
    person: &'a PersonClaims,
}

/// The claims an ID token's `exp`, `aud` and `sid` are read from at `end_session`.
#[derive(Debug, Deserialize)]
pub struct IdTokenHint {
    pub iss: String,
    pub aud: String,
    pub sid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The `sub` a client sees: the person id, or a pairwise value per sector (OIDC Core §8.1)
/// that cannot be linked across sectors without the master key.
pub fn subject(state: &Oidc, client: &Client, person_id: &str) -> String {
    if client.pairwise {
        let message = format!("{}\u{0}{}", client.sector_identifier, person_id);
        crypto::hmac_b64(&state.pairwise_key, message.as_bytes())
    } else {
        person_id.to_string()
    }
}

/// `memberships`: the person's, when the caller has read them already.
pub async fn person_claims(
    state: &Oidc,
    person: &Person,
    customer_account_id: Option<&str>,
    scope: &Scope,
    memberships: Option<Vec<Membership>>,
) -> Result<PersonClaims, OAuthError> {
    let mut claims = PersonClaims::default();
    if scope.contains("email") {
        claims.email = Some(person.email.clone());
    }
    if scope.contains("profile") {
        claims.name = Some(person.display_name.clone());
        claims.locale = person.locale.clone();
    }
    claims.authorization =
        authorization_claims(state, person, customer_account_id, scope, memberships).await?;
    Ok(claims)
}

async fn authorization_claims(
    state: &Oidc,
    person: &Person,
    customer_account_id: Option<&str>,
    scope: &Scope,
    memberships: Option<Vec<Membership>>,
) -> Result<AuthorizationClaims, OAuthError> {
    let mut claims = AuthorizationClaims::default();
    if !scope.contains("customer") && !scope.contains("roles") {
        return Ok(claims);
    }
    let roles = if person.is_staff() {
        identity_store::staff_roles_of(&state.db, &person.person_id).await?
    } else {
        let memberships = match memberships {
            Some(known) => known,
            None => identity_store::memberships_of(&state.db, &person.person_id).await?,
        };
        let active = memberships
            .into_iter()
            .find(|m| Some(m.customer_account_id.as_str()) == customer_account_id);
        let Some(active) = active else {
            return Ok(claims);
        };
        if scope.contains("customer") {
            claims.customer = Some(CustomerClaim {
                id: active.customer_account_id,
                name: active.customer_name,
            });
        }
        active.roles
    };
    if scope.contains("roles") {
        claims.permissions = Some(
            state
                .policies
                .permissions_of(roles.iter().map(String::as_str)),
        );
        claims.roles = Some(roles);
    }
    Ok(claims)
}

/// Signs an access token with the fast algorithm configured for resource servers.
pub fn sign_access_token(state: &Oidc, claims: &AccessClaims) -> Result<String, OAuthError> {
    let ring = state.keys.current();
    let key = ring
        .active(state.access_token_alg, state.clock.now())
        .ok_or_else(OAuthError::server_error)?;
    Ok(jws::sign(key, jws::TYP_ACCESS_TOKEN, claims))
}

/// Whether a token response carries a refresh token, and whether it replaces one.
pub enum Refresh<'a> {
    None,
    Fresh,
    /// Rotates the refresh token with this digest, in the same commit as its successor.
    Rotate(&'a str),
}

/// Access, ID and (with offline_access) refresh token for a person's grant.
pub async fn issue_for_grant(
    state: &Oidc,
    client: &Client,
    grant: &Grant,
    nonce: Option<&str>,
    refresh: Refresh<'_>,
) -> Result<TokenResponse, OAuthError> {
    let now = state.clock.now();
    let person_id = grant
        .person_id
        .as_deref()
        .ok_or_else(OAuthError::server_error)?;
    let person = identity_store::find_person(&state.db, person_id)
        .await?
        .filter(Person::is_active)
        .ok_or_else(|| OAuthError::invalid_grant("the person is no longer active"))?;
    let scope = Scope::parse(&grant.scope);
    let memberships = match grant.customer_account_id.as_deref() {
        Some(account) => {
            // A removed membership or a suspended account ends the grant's use here, at
            // the next refresh; access tokens already issued run out within their short
            // lifetime.
            let memberships = identity_store::memberships_of(&state.db, person_id).await?;
            if !memberships.iter().any(|m| m.customer_account_id == account) {
                return Err(OAuthError::invalid_grant(
                    "the person no longer works in that customer account",
                ));
            }
            Some(memberships)
        }
        None => None,
    };
    let sub = subject(state, client, person_id);
    let claims = person_claims(
        state,
        &person,
        grant.customer_account_id.as_deref(),
        &scope,
        memberships,
    )
    .await?;
    let ttl = state.tokens.access_token_ttl_secs;
    let access = AccessClaims {
        iss: state.issuer.clone(),
        sub: sub.clone(),
        aud: state.issuer.clone(),
        client_id: client.client_id.clone(),
        exp: now + ttl,
        iat: now,
        jti: crypto::random_id(),
        scope: Some(scope.to_string()),
        auth_time: grant.auth_time,
        sid: grant.sid.clone(),
        gid: Some(grant.grant_id.clone()),
        authorization: claims.authorization.clone(),
    };
    let access_token = sign_access_token(state, &access)?;
    let id_token = scope
        .contains("openid")
        .then(|| sign_id_token(state, client, &sub, grant, nonce, &access_token, &claims))
        .transpose()?;
    let expires_at = now + state.tokens.refresh_token_ttl_secs;
    let refresh_token = match refresh {
        Refresh::None => None,
        Refresh::Fresh => {
            let token = crypto::random_token();
            let digest = crypto::digest_hex(&token);
            store::insert_refresh_token(&state.db, &digest, &grant.grant_id, now, expires_at)
                .await?;
            Some(token)
        }
        Refresh::Rotate(old_digest) => {
            let token = crypto::random_token();
            let digest = crypto::digest_hex(&token);
            let (db, id) = (&state.db, &grant.grant_id);
            if !store::rotate_refresh_token(db, old_digest, &digest, id, now, expires_at).await? {
                // Another request used this token in the meantime: a replay.
                let reason = "refresh_token_reuse";
                super::cache::revoke_grant(state, id, now, Actor::System, reason).await?;
                return Err(OAuthError::invalid_grant(
                    "the refresh token was already used",
                ));
            }
            Some(token)
        }
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ttl,
        id_token,
        refresh_token,
        scope: Some(scope.to_string()),
    })
}

fn sign_id_token(
    state: &Oidc,
    client: &Client,
    sub: &str,
    grant: &Grant,
    nonce: Option<&str>,
    access_token: &str,
    person: &PersonClaims,
) -> Result<String, OAuthError> {
    let now = state.clock.now();
    let ring = state.keys.current();
    let alg: SigningAlg = client.id_token_alg;
    let key = ring.active(alg, now).ok_or_else(OAuthError::server_error)?;
    let claims = IdClaims {
        iss: &state.issuer,
        sub,
        aud: &client.client_id,
        exp: now + state.tokens.id_token_ttl_secs,
        iat: now,
        auth_time: grant.auth_time,
        nonce,
        at_hash: jws::at_hash(alg, access_token),
        sid: grant.sid.as_deref(),
        person,
    };
    Ok(jws::sign(key, jws::TYP_ID_TOKEN, &claims))
}
