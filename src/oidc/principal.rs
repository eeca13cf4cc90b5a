//! Who an API call acts for, from its bearer token: a person's token carrying the `admin`
//! scope acts with that person's current roles; a service client's client_credentials
//! token acts with the staff roles the client was registered with. Any valid token also
//! names its client, person and scopes, for the routes that need those and no roles.

use super::Oidc;
use super::cache;
use super::error::OAuthError;
use super::introspect::active_access_token;
use super::scope::{ADMIN_SCOPE, Scope};
use crate::authz::{Caller, Principal};
use crate::identity::store as identity_store;
use crate::web::api::Bearer;

/// Why a bearer token does not make a principal.
#[derive(Debug)]
pub enum TokenRejection {
    /// Unknown, expired, revoked, or its person disabled.
    Invalid,
    Server(OAuthError),
}

impl<E: Into<OAuthError>> From<E> for TokenRejection {
    fn from(error: E) -> Self {
        TokenRejection::Server(error.into())
    }
}

impl Oidc {
    /// The token's bearer, and the principal it acts as if it may administer.
    pub async fn api_caller(
        &self,
        token: &str,
    ) -> Result<(Bearer, Option<Principal>), TokenRejection> {
        let claims = active_access_token(self, token)
            .await?
            .ok_or(TokenRejection::Invalid)?;
        let scope = Scope::parse(claims.scope.as_deref().unwrap_or_default());
        let mut bearer = Bearer {
            client_id: claims.client_id.clone(),
            person_id: None,
            scope: scope.iter().map(str::to_string).collect(),
        };
        let Some(grant_id) = &claims.gid else {
            let client = cache::client(self, &claims.client_id)
                .await?
                .ok_or(TokenRejection::Invalid)?;
            let principal = Principal {
                caller: Caller::Client(client.client_id.clone()),
                staff_roles: client.roles.clone(),
                memberships: Vec::new(),
            };
            return Ok((bearer, Some(principal)));
        };
        let grant = cache::grant(self, grant_id)
            .await?
            .ok_or(TokenRejection::Invalid)?;
        let person_id = grant.person_id.clone().ok_or(TokenRejection::Invalid)?;
        bearer.person_id = Some(person_id.clone());
        if !scope.contains(ADMIN_SCOPE) {
            return Ok((bearer, None));
        }
        let principal = identity_store::principal(&self.db, &person_id)
            .await?
            .ok_or(TokenRejection::Invalid)?;
        Ok((bearer, Some(principal)))
    }
}
