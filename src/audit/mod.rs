//! The audit log: a tamper-evident, append-only record of every administrative action and
//! security event, and (from the consent and privacy contexts) every consent decision and
//! data-subject request. It is what the portal owner shows an auditor to demonstrate
//! accountability (GDPR Art. 5(2), 30 and 32).
//!
//! Each event is written in the transaction of the change it records. Events form a hash
//! chain: `hash = SHA-256(prev_hash ‖ canonical encoding)`, appended under the chain-head
//! lock so that instances on one database never fork it. Triggers refuse UPDATE and DELETE;
//! [`verify`] recomputes the chain and names the first event that does not fit, and signed
//! checkpoints kept outside the database prove even a wholesale rewrite. Details never hold
//! personal data: ids, role names and truncated network addresses only.

pub mod chain;
pub mod prune;
pub mod routes;
pub mod store;

pub use chain::{Problem, Verification};
pub use store::{AuditFilter, StoredEvent};

use crate::clock::UnixTime;
use crate::db::{self, ChainHead, Tx};
use crate::identity::store::subject_refs;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// The chain's name in `chain_head`.
pub const CHAIN: &str = "audit";

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Person(String),
    Client(String),
    /// trohet itself (expiry, maintenance, the CLI run by an operator on the host).
    System,
    /// Nobody known yet (a failed login for an unknown address).
    Anonymous,
}

impl Actor {
    /// The actor behind an authorization principal.
    pub fn of(by: &crate::authz::Principal) -> Self {
        use crate::authz::Caller;
        match &by.caller {
            Caller::Person(id) => Actor::Person(id.clone()),
            Caller::Client(id) => Actor::Client(id.clone()),
            Caller::System => Actor::System,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Person(_) => "person",
            Actor::Client(_) => "client",
            Actor::System => "system",
            Actor::Anonymous => "anonymous",
        }
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::Person(id) | Actor::Client(id) => Some(id),
            Actor::System | Actor::Anonymous => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    /// Refused by a rule (throttling, a permission, a legal hold).
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// One event to record. Build with [`Event::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct Event {
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub customer_account_id: Option<String>,
    pub outcome: Outcome,
    pub details: Map<String, Value>,
}

impl Event {
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Self {
            actor,
            action,
            target: None,
            customer_account_id: None,
            outcome: Outcome::Success,
            details: Map::new(),
        }
    }

    /// What the action was done to: `("person", id)`, `("client", id)`, …
    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target = Some((kind, id.into()));
        self
    }

    pub fn customer(mut self, customer_account_id: impl Into<String>) -> Self {
        self.customer_account_id = Some(customer_account_id.into());
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// A detail; never an email, a name or password material.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

/// Appends an event to the chain inside the caller's write transaction (begun with
/// [`db::begin_write`]), so that it commits or rolls back with the change it records.
///
/// A person, as actor or target, is stored as their audit reference, never their id (see
/// [`subject_refs`]); the caller names them by id.
pub async fn record(tx: &mut Tx, event: Event, now: UnixTime) -> Result<i64, sqlx::Error> {
    let actor_id = match &event.actor {
        Actor::Person(id) => Some(person_ref(tx, id, now).await?),
        other => other.id().map(str::to_string),
    };
    let target_id = match &event.target {
        Some(("person", id)) => Some(person_ref(tx, id, now).await?),
        other => other.as_ref().map(|(_, id)| id.clone()),
    };
    let head = db::lock_chain_head(tx, CHAIN).await?;
    let stored = StoredEvent {
        seq: head.seq + 1,
        occurred_at: now,
        actor_kind: event.actor.kind().to_string(),
        actor_id,
        action: event.action.to_string(),
        target_kind: event.target.as_ref().map(|(kind, _)| kind.to_string()),
        target_id,
        customer_account_id: event.customer_account_id,
        outcome: event.outcome.as_str().to_string(),
        // serde_json's map is ordered by key, so the text is canonical.
        details: Value::Object(event.details).to_string(),
        prev_hash: head.hash,
        hash: String::new(),
    };
    let stored = StoredEvent {
        hash: chain::hash(&stored),
        ..stored
    };
    store::insert(tx, &stored).await?;
    let next = ChainHead {
        seq: stored.seq,
        hash: stored.hash,
    };
    db::advance_chain_head(tx, CHAIN, &next).await?;
    Ok(next.seq)
}

/// A person's audit reference. An id that names no person (erased while the request ran)
/// gets a reference of its own that leads nowhere: the id itself must not be kept.
async fn person_ref(tx: &mut Tx, person_id: &str, now: UnixTime) -> Result<String, sqlx::Error> {
    Ok(subject_refs::for_write(tx, person_id, now)
        .await?
        .unwrap_or_else(crate::crypto::random_id))
}

/// Records a single event in a transaction of its own (security events with no other
/// change to go with, such as a failed login).
pub async fn record_alone(db: &db::Db, event: Event, now: UnixTime) -> Result<i64, sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    let seq = record(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Recomputes the chain up to the head as it is now, checking the saved checkpoints and
/// `extra` ones (seq, hash) from outside the database on the way.
pub async fn verify(db: &db::Db, extra: &[(i64, String)]) -> Result<Verification, sqlx::Error> {
    let head = store::head(db).await?;
    let start = store::start(db).await?;
    // Checkpoints inside the pruned part name events that are gone; the one at the prune
    // point is where the walk starts.
    let mut checkpoints: Vec<(i64, String)> = store::checkpoints(db)
        .await?
        .into_iter()
        .map(|c| (c.seq, c.hash))
        .chain(extra.iter().cloned())
        .filter(|(seq, _)| *seq > start.seq)
        .collect();
    checkpoints.sort();
    let mut pending = checkpoints.iter().peekable();
    let mut verifier = chain::Verifier::starting_at(start.clone());
    let mut checked = 0;
    store::for_each_in_order(db, &start, head.seq, |event| {
        if !verifier.check(event) {
            return false;
        }
        while let Some((seq, hash)) = pending.next_if(|(seq, _)| *seq <= event.seq) {
            if *seq < event.seq || *hash != event.hash {
                verifier.fail(Problem::CheckpointMismatch { seq: *seq });
                return false;
            }
            checked += 1;
        }
        true
    })
    .await?;
    if let Some((seq, _)) = pending.next() {
        verifier.fail(Problem::CheckpointMismatch { seq: *seq });
    }
    Ok(verifier.finish(&head, checked))
}

/// A check of records whose hashes the chain holds (the consent ledger): the audit seq
/// and what is wrong with the first record that does not fit.
pub type CoveredCheck =
    for<'a> fn(&'a db::Db) -> BoxFuture<'a, Result<Option<(i64, String)>, sqlx::Error>>;

/// [`verify`], then, if the chain holds, each covered record check.
pub async fn verify_all(
    db: &db::Db,
    extra: &[(i64, String)],
    covered: &[CoveredCheck],
) -> Result<Verification, sqlx::Error> {
    let mut verification = verify(db, extra).await?;
    for check in covered {
        if !verification.ok {
            break;
        }
        if let Some((seq, detail)) = check(db).await? {
            verification.ok = false;
            verification.problem = Some(Problem::Covered { seq, detail });
        }
    }
    Ok(verification)
}

/// A client address as the log keeps it: the /24 of IPv4, the /48 of IPv6 — enough to see
/// an attack's origin, not enough to single out a person's device.
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_truncated_to_their_network() {
        assert_eq!(network("192.0.2.77".parse().unwrap()), "192.0.2.0/24");
        assert_eq!(
            network("2001:db8:abcd:12::1".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            network("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }
}
