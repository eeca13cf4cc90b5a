//! Who an admin API call acts for, from its bearer token: a person's token must carry the
//! `admin` scope and then acts with that person's current roles; a service client's
//! client_credentials token acts with the staff roles the client was registered with.

use super::Oidc;
use super::cache;
use super::error::OAuthError;
use super::introspect::active_access_token;
use super::scope::{ADMIN_SCOPE, Scope};
use crate::authz::{Caller, Principal};
use crate::identity::store as identity_store;

/// Why a bearer token does not make a principal.
#[derive(Debug)]
pub enum TokenRejection {
    /// Unknown, expired, revoked, or its person disabled.
    Invalid,
    /// A person's token without the `admin` scope.
    NotForAdministration,
    Server(OAuthError),
}

impl<E: Into<OAuthError>> From<E> for TokenRejection {
    fn from(error: E) -> Self {
        TokenRejection::Server(error.into())
    }
}

impl Oidc {
    pub async fn api_principal(&self, token: &str) -> Result<Principal, TokenRejection> {
        let claims = active_access_token(self, token)
            .await?
            .ok_or(TokenRejection::Invalid)?;
        let Some(grant_id) = &claims.gid else {
            let client = cache::client(self, &claims.client_id)
                .await?
                .ok_or(TokenRejection::Invalid)?;
            return Ok(Principal {
                caller: Caller::Client(client.client_id.clone()),
                staff_roles: client.roles.clone(),
                memberships: Vec::new(),
            });
        };
        let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default());
        if !scope.contains(ADMIN_SCOPE) {
            return Err(TokenRejection::NotForAdministration);
        }
        let grant = cache::grant(self, grant_id)
            .await?
            .ok_or(TokenRejection::Invalid)?;
        let person_id = grant.person_id.as_deref().ok_or(TokenRejection::Invalid)?;
        identity_store::principal(&self.db, person_id)
            .await?
            .ok_or(TokenRejection::Invalid)
    }
}
