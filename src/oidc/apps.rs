//! The apps a person signed in to, as `/account` shows them, and ending an app's access:
//! every grant and refresh token of the person for that client goes at once, with what the
//! person allowed it (the next sign-in asks again), audited.

use super::Oidc;
use super::store::{self, AppGrant};
use crate::audit::{self, Actor, Event};
use crate::consent::scope_grant;
use crate::db;

impl Oidc {
    pub async fn apps_of(&self, person_id: &str) -> Result<Vec<AppGrant>, sqlx::Error> {
        store::apps_of(&self.db, person_id).await
    }

    /// Ends an app's access for the person; false if it had none.
    pub async fn revoke_app(&self, person_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let revoked = store::revoke_app(&mut tx, person_id, client_id, now).await?;
        let forgotten = scope_grant::forget(&mut tx, person_id, client_id).await?;
        if revoked > 0 || forgotten {
            let event = Event::new(Actor::Person(person_id.into()), "grant.revoked")
                .target("client", client_id)
                .detail("grants_revoked", revoked);
            audit::record(&mut tx, event, now).await?;
        }
        tx.commit().await?;
        self.cache.forget_grants();
        Ok(revoked > 0 || forgotten)
    }
}
