//! What the consent context needs from the provider: subjects as clients know them, and
//! signatures with the provider's keys.

use super::jws::{self, SigningAlg};
use super::{Oidc, cache, tokens};
use crate::consent::Provider;
use futures_util::future::BoxFuture;

impl Provider for Oidc {
    fn person_of<'a>(
        &'a self,
        client_id: &'a str,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, sqlx::Error>> {
        Box::pin(async move {
            let Some(client) = cache::client(self, client_id).await? else {
                return Ok(None);
            };
            cache::person_of_subject(self, &client, sub).await
        })
    }

    fn subject_for<'a>(
        &'a self,
        client_id: &'a str,
        person_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, sqlx::Error>> {
        Box::pin(async move {
            let client = cache::client(self, client_id).await?;
            Ok(client.map(|client| tokens::subject(self, &client, person_id)))
        })
    }

    fn issuer(&self) -> &str {
        &self.issuer
    }

    fn sign(&self, typ: &str, claims: &serde_json::Value) -> Option<String> {
        let ring = self.keys.current();
        let key = ring.active(SigningAlg::Rs256, self.clock.now())?;
        Some(jws::sign(key, typ, claims))
    }
}
