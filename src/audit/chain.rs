//! The hash chain: the canonical encoding of an event, its hash, and the check that walks
//! the chain in order and stops at the first event that does not fit.

use super::StoredEvent;
use crate::db::ChainHead;
use aws_lc_rs::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event's fields, borrowed: what the chain hash covers. Verification reads these
/// straight out of the database's JSON without copying each field.
#[derive(Debug, Deserialize)]
pub struct EventRef<'a> {
    pub seq: i64,
    pub occurred_at: i64,
    #[serde(borrow)]
    pub actor_kind: Cow<'a, str>,
    #[serde(borrow)]
    pub actor_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(borrow)]
    pub target_kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub target_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub customer_account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub outcome: Cow<'a, str>,
    #[serde(borrow)]
    pub details: Cow<'a, str>,
    #[serde(borrow)]
    pub prev_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub hash: Cow<'a, str>,
}

impl StoredEvent {
    pub fn as_ref(&self) -> EventRef<'_> {
        fn text(s: &str) -> Cow<'_, str> {
            Cow::Borrowed(s)
        }
        fn opt(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        EventRef {
            seq: self.seq,
            occurred_at: self.occurred_at,
            actor_kind: text(&self.actor_kind),
            actor_id: opt(&self.actor_id),
            action: text(&self.action),
            target_kind: opt(&self.target_kind),
            target_id: opt(&self.target_id),
            customer_account_id: opt(&self.customer_account_id),
            outcome: text(&self.outcome),
            details: text(&self.details),
            prev_hash: text(&self.prev_hash),
            hash: text(&self.hash),
        }
    }
}

/// `SHA-256(prev_hash ‖ canonical encoding)`, in hex. The encoding is a JSON array of the
/// event's fields in a fixed order, with `details` as the exact text stored, so the hash
/// never depends on how a JSON library orders or spaces keys.
pub fn hash(event: &StoredEvent) -> String {
    let digest = digest(&event.as_ref(), &mut Vec::new());
    String::from_utf8_lossy(&hex(digest.as_ref())).into_owned()
}

/// The digest of an event, encoding it into `buffer` (reused across a walk).
fn digest(event: &EventRef<'_>, buffer: &mut Vec<u8>) -> aws_lc_rs::digest::Digest {
    buffer.clear();
    let fields = (
        event.seq,
        event.occurred_at,
        &event.actor_kind,
        &event.actor_id,
        &event.action,
        &event.target_kind,
        &event.target_id,
        &event.customer_account_id,
        &event.outcome,
        &event.details,
    );
    // A tuple serializes as a compact JSON array; writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buffer, &fields);
    let mut context = Context::new(&SHA256);
    context.update(event.prev_hash.as_bytes());
    context.update(buffer);
    context.finish()
}

fn hex(bytes: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 64];
    for (i, byte) in bytes.iter().take(32).enumerate() {
        text[2 * i] = DIGITS[usize::from(byte >> 4)];
        text[2 * i + 1] = DIGITS[usize::from(byte & 0xf)];
    }
    text
}

/// Why verification stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Problem {
    /// The event's content no longer matches its hash: it was edited.
    Altered { seq: i64 },
    /// The event does not point at its predecessor's hash: something before it was
    /// replaced, or it was inserted.
    BrokenLink { seq: i64 },
    /// Sequence numbers jump: events were deleted.
    Missing { seq: i64 },
    /// The chain head disagrees with the last event: events were cut from the end.
    HeadMismatch { seq: i64 },
    /// A saved checkpoint names a hash the chain does not have at that point.
    CheckpointMismatch { seq: i64 },
    /// A record the chain covers (a consent ledger row) does not match the hash its
    /// event recorded, or is missing.
    Covered { seq: i64, detail: String },
}

impl Problem {
    pub fn seq(&self) -> i64 {
        match self {
            Problem::Altered { seq }
            | Problem::BrokenLink { seq }
            | Problem::Missing { seq }
            | Problem::HeadMismatch { seq }
            | Problem::CheckpointMismatch { seq }
            | Problem::Covered { seq, .. } => *seq,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Altered { seq } => write!(
                f,
                "audit event {seq} was altered: its hash does not match its content"
            ),
            Problem::BrokenLink { seq } => write!(
                f,
                "audit event {seq} does not link to the hash of event {}",
                seq - 1
            ),
            Problem::Missing { seq } => write!(f, "audit event {seq} is missing"),
            Problem::HeadMismatch { seq } => write!(
                f,
                "the chain head does not match audit event {seq}: events were removed from the end"
            ),
            Problem::CheckpointMismatch { seq } => write!(
                f,
                "a checkpoint at audit event {seq} names another hash: the log was rewritten"
            ),
            Problem::Covered { detail, .. } => f.write_str(detail),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Events checked.
    pub events: u64,
    /// The last event checked and found in order.
    pub verified_seq: i64,
    pub verified_hash: String,
    pub checkpoints_checked: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// Walks events in sequence order; the first problem stops the walk.
pub struct Verifier {
    events: u64,
    last: ChainHead,
    problem: Option<Problem>,
    buffer: Vec<u8>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            events: 0,
            last: ChainHead {
                seq: 0,
                hash: GENESIS.to_string(),
            },
            problem: None,
            buffer: Vec::with_capacity(512),
        }
    }
}

impl Verifier {
    /// A walk from `start`: the genesis, or the last pruned event.
    pub fn starting_at(start: ChainHead) -> Self {
        Self {
            last: start,
            ..Self::default()
        }
    }

    /// Checks the next event; returns false once a problem was found.
    pub fn check(&mut self, event: &EventRef<'_>) -> bool {
        if self.problem.is_some() {
            return false;
        }
        let expected = self.last.seq + 1;
        self.problem = if event.seq != expected {
            Some(Problem::Missing { seq: expected })
        } else if event.prev_hash != self.last.hash {
            Some(Problem::BrokenLink { seq: event.seq })
        } else if hex(digest(event, &mut self.buffer).as_ref()) != event.hash.as_bytes() {
            Some(Problem::Altered { seq: event.seq })
        } else {
            None
        };
        if self.problem.is_some() {
            return false;
        }
        self.events += 1;
        self.last.seq = event.seq;
        self.last.hash.clear();
        self.last.hash.push_str(&event.hash);
        true
    }

    /// The hash at `seq`, if the walk has passed it (for checking checkpoints on the way).
    pub fn last(&self) -> &ChainHead {
        &self.last
    }

    pub fn fail(&mut self, problem: Problem) {
        self.problem.get_or_insert(problem);
    }

    /// Ends the walk, comparing the chain head row with the last event seen.
    pub fn finish(mut self, head: &ChainHead, checkpoints_checked: u64) -> Verification {
        if self.problem.is_none() && (head.seq != self.last.seq || head.hash != self.last.hash) {
            self.problem = Some(if head.seq > self.last.seq {
                Problem::Missing {
                    seq: self.last.seq + 1,
                }
            } else {
                Problem::HeadMismatch { seq: self.last.seq }
            });
        }
        Verification {
            ok: self.problem.is_none(),
            events: self.events,
            verified_seq: self.last.seq,
            verified_hash: self.last.hash,
            checkpoints_checked,
            problem: self.problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(length: i64) -> Vec<StoredEvent> {
        let mut previous = GENESIS.to_string();
        (1..=length)
            .map(|seq| {
                let mut event = StoredEvent {
                    seq,
                    occurred_at: 1000 + seq,
                    actor_kind: "person".into(),
                    actor_id: Some(format!("p{seq}")),
                    action: "customer.created".into(),
                    target_kind: Some("customer".into()),
                    target_id: Some(format!("c{seq}")),
                    customer_account_id: None,
                    outcome: "success".into(),
                    details: "{}".into(),
                    prev_hash: previous.clone(),
                    hash: String::new(),
                };
                event.hash = hash(&event);
                previous = event.hash.clone();
                event
            })
            .collect()
    }

    fn verify(events: &[StoredEvent]) -> Verification {
        let mut verifier = Verifier::default();
        for event in events {
            if !verifier.check(&event.as_ref()) {
                break;
            }
        }
        let head = events.last().map_or(
            ChainHead {
                seq: 0,
                hash: GENESIS.into(),
            },
            |e| ChainHead {
                seq: e.seq,
                hash: e.hash.clone(),
            },
        );
        verifier.finish(&head, 0)
    }

    #[test]
    fn the_canonical_encoding_is_a_compact_json_array_of_the_fields() {
        let event = &chain(1)[0];
        let expected = serde_json::json!([
            1,
            1001,
            "person",
            "p1",
            "customer.created",
            "customer",
            "c1",
            null,
            "success",
            "{}"
        ]);
        let mut context = Context::new(&SHA256);
        context.update(GENESIS.as_bytes());
        context.update(expected.to_string().as_bytes());
        let expected = String::from_utf8(hex(context.finish().as_ref()).to_vec()).unwrap();
        assert_eq!(hash(event), expected);
    }

    #[test]
    fn an_intact_chain_verifies() {
        let result = verify(&chain(5));
        assert!(result.ok);
        assert_eq!(result.events, 5);
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut events = chain(5);
        events[2].action = "customer.deleted".into();
        assert_eq!(verify(&events).problem, Some(Problem::Altered { seq: 3 }));
    }

    #[test]
    fn an_edited_event_with_a_recomputed_hash_breaks_the_next_link() {
        let mut events = chain(5);
        events[2].target_id = Some("other".into());
        events[2].hash = hash(&events[2]);
        assert_eq!(
            verify(&events).problem,
            Some(Problem::BrokenLink { seq: 4 })
        );
    }

    #[test]
    fn a_deleted_event_is_named() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(verify(&events).problem, Some(Problem::Missing { seq: 2 }));
    }

    #[test]
    fn events_cut_from_the_end_disagree_with_the_head() {
        let events = chain(5);
        let mut verifier = Verifier::default();
        for event in &events[..3] {
            verifier.check(&event.as_ref());
        }
        let head = ChainHead {
            seq: 5,
            hash: events[4].hash.clone(),
        };
        assert_eq!(
            verifier.finish(&head, 0).problem,
            Some(Problem::Missing { seq: 4 })
        );
    }
}
