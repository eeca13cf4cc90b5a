//! Signing in with a password: throttled before any hashing (so guessing cannot burn CPU),
//! an unknown address costing one Argon2 verification like a known one, and every outcome
//! in the audit log with the client's network, never the address typed.

use crate::audit::{self, Actor, Event, Outcome};
use crate::identity::password_policy::MAX_PASSWORD_BYTES;
use crate::identity::store::{self, persons};
use crate::identity::throttle::{self, Keys};
use crate::identity::{Identity, IdentityError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Success {
        person_id: String,
    },
    /// Wrong address or password, a disabled person, or one without a password yet: the
    /// same answer for all, so the page reveals nothing.
    Rejected,
    Throttled {
        wait_secs: i64,
    },
    /// The password was right but every customer account of the person is suspended.
    NoActiveAccount,
}

impl Identity {
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        network: Option<&str>,
    ) -> Result<LoginOutcome, IdentityError> {
        let now = self.clock.now();
        let keys = Keys::new(email, network);
        let event = |action, outcome| {
            let mut event = Event::new(Actor::Anonymous, action).outcome(outcome);
            if let Some(network) = network {
                event = event.detail("network", network);
            }
            event
        };
        if let Some(blocked) = throttle::check(&self.db, &keys, now).await? {
            let known = persons::find_by_email(&self.db, email).await?;
            let mut throttled = event("login.throttled", Outcome::Denied).detail(
                "by",
                if blocked.by_network {
                    "network"
                } else {
                    "account"
                },
            );
            if let Some(person) = known {
                throttled = throttled.target("person", person.person_id);
            }
            audit::record_alone(&self.db, throttled, now).await?;
            return Ok(LoginOutcome::Throttled {
                wait_secs: blocked.wait_secs,
            });
        }
        let found = if password.len() > MAX_PASSWORD_BYTES {
            None
        } else {
            store::find_login(&self.db, email).await?
        };
        let (person, hash) = match found {
            Some((person, hash)) => (Some(person), Some(hash)),
            None => (None, None),
        };
        let verified = self.hasher.verify(hash, password).await;
        let person = match person {
            Some(person) if verified && person.is_active() => person,
            other => {
                throttle::record_failure(&self.db, &keys, now).await?;
                let mut failed = event("login.failed", Outcome::Failure);
                if let Some(person) = other {
                    failed = failed.target("person", person.person_id);
                }
                audit::record_alone(&self.db, failed, now).await?;
                return Ok(LoginOutcome::Rejected);
            }
        };
        throttle::record_success(&self.db, &keys).await?;
        let id = person.person_id.clone();
        if !person.is_staff() && store::memberships_of(&self.db, &id).await?.is_empty() {
            let refused = event("login.failed", Outcome::Denied)
                .target("person", &id)
                .detail("reason", "no_active_customer_account");
            audit::record_alone(&self.db, refused, now).await?;
            return Ok(LoginOutcome::NoActiveAccount);
        }
        let mut succeeded = event("login.succeeded", Outcome::Success).target("person", &id);
        succeeded.actor = Actor::Person(id.clone());
        let mut tx = crate::db::begin_write(&self.db).await?;
        // Retention erases people inactive too long; signing in resets the clock.
        store::persons::signed_in(&mut tx, &id, now).await?;
        audit::record(&mut tx, succeeded, now).await?;
        tx.commit().await?;
        Ok(LoginOutcome::Success { person_id: id })
    }
}
