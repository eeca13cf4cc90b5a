//! Consent (GDPR Art. 7): the purposes personal data is processed for, declared in
//! `policies/purposes.toml` with versioned texts, and each person's decisions about them
//! in an append-only ledger that lets the portal owner demonstrate every consent
//! (Art. 7(1)) and makes withdrawing as easy as giving (Art. 7(3)).
//!
//! The ledger names a person only by a digest keyed with their subject key, which lives
//! apart and is destroyed on erasure: the rows then stay countable but belong to nobody.
//! Each row's hash is in the audit chain, and the database refuses to change a row.

mod audience;
mod audience_routes;
mod current;
pub mod error;
pub mod interest;
pub mod ledger;
pub mod purpose;
pub mod receipt;
pub mod routes;
pub mod scope_grant;
mod service;
pub mod statistics;
mod store;
mod verify;

pub use audience::AudienceQuery;
pub use error::ConsentError;
pub use interest::Interests;
pub use ledger::{Decision, Entry, Method, State};
pub use purpose::{LegalBasis, Purpose, Purposes};
pub use service::{Provider, PurposeState, Recording};
pub use verify::{ledger_check, verify_ledger};

use crate::authz::Policies;
use crate::cache::TtlCache;
use crate::clock::Clock;
use crate::db::Db;
use ledger::VersionInfo;
use std::collections::HashMap;
use std::sync::Arc;

const LATEST_TTL: std::time::Duration = std::time::Duration::from_secs(1);
const LATEST_CAPACITY: usize = 100_000;

/// What the consent context needs, and nothing more.
#[derive(Clone)]
pub struct Consent {
    db: Db,
    clock: Clock,
    policies: Arc<Policies>,
    purposes: Arc<Purposes>,
    interests: Arc<Interests>,
    /// Each purpose's served versions, in the order first served.
    versions: Arc<HashMap<String, Vec<VersionInfo>>>,
    /// Each person's latest decisions (`None`: no such person), for a second.
    latest: Arc<TtlCache<String, Option<Arc<Vec<Entry>>>>>,
}

impl Consent {
    /// Records the versions of the purposes served now and loads their history.
    pub async fn start(
        db: Db,
        clock: Clock,
        policies: Arc<Policies>,
        purposes: Arc<Purposes>,
        interests: Arc<Interests>,
    ) -> Result<Consent, sqlx::Error> {
        store::sync_versions(&db, purposes.iter(), clock.now()).await?;
        let mut versions: HashMap<String, Vec<VersionInfo>> = HashMap::new();
        for (purpose, info) in store::versions(&db).await? {
            versions.entry(purpose).or_default().push(info);
        }
        Ok(Consent {
            db,
            clock,
            policies,
            purposes,
            interests,
            versions: Arc::new(versions),
            latest: Arc::new(TtlCache::new(LATEST_TTL, LATEST_CAPACITY)),
        })
    }

    pub fn purposes(&self) -> &Purposes {
        &self.purposes
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn interests(&self) -> &Interests {
        &self.interests
    }
}
