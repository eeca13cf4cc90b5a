//! SQL of the audit context: appending events, listing them with filters (newest first,
//! keyset-paged on the sequence number), streaming the whole chain, and checkpoints.

use super::chain::EventRef;
use crate::clock::UnixTime;
use crate::db::{Bind, ChainHead, Conditions, Db, Tx};
use futures_util::TryStreamExt;
use serde::Serialize;

/// An event as stored: what the chain hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub customer_account_id: Option<String>,
    pub outcome: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str = "seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id, \
                       customer_account_id, outcome, details, prev_hash, hash";

pub async fn insert(tx: &mut Tx, event: &StoredEvent) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "insert into audit_event ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(event.seq)
    .bind(event.occurred_at)
    .bind(&event.actor_kind)
    .bind(&event.actor_id)
    .bind(&event.action)
    .bind(&event.target_kind)
    .bind(&event.target_id)
    .bind(&event.customer_account_id)
    .bind(&event.outcome)
    .bind(&event.details)
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which events to list; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub customer: Option<String>,
    pub from: Option<UnixTime>,
    pub to: Option<UnixTime>,
    /// Only events before this sequence number (the keyset cursor).
    pub before_seq: Option<i64>,
}

impl AuditFilter {
    fn conditions(&self) -> Conditions {
        let mut c = Conditions::default();
        let text = |v: &String| [Bind::Text(v.clone())];
        // A person is asked for by id and stored by audit reference.
        let id_or_ref = |v: &String| [Bind::Text(v.clone()), Bind::Text(v.clone())];
        if let Some(v) = &self.actor {
            c.push(
                "(actor_id = ? or actor_id = (select audit_ref from subject_key where person_id = ?))",
                id_or_ref(v),
            );
        }
        if let Some(v) = &self.target {
            c.push(
                "(target_id = ? or target_id = (select audit_ref from subject_key where person_id = ?))",
                id_or_ref(v),
            );
        }
        if let Some(v) = &self.action {
            c.push("action = ?", text(v));
        }
        if let Some(v) = &self.customer {
            c.push("customer_account_id = ?", text(v));
        }
        if let Some(v) = self.from {
            c.push("occurred_at >= ?", [Bind::Int(v)]);
        }
        if let Some(v) = self.to {
            c.push("occurred_at < ?", [Bind::Int(v)]);
        }
        if let Some(v) = self.before_seq {
            c.push("seq < ?", [Bind::Int(v)]);
        }
        c
    }
}

/// An event as listed: as stored, plus the persons its references still lead to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedEvent {
    #[sqlx(flatten)]
    pub event: StoredEvent,
    pub actor_person_id: Option<String>,
    pub target_person_id: Option<String>,
}

/// The listed columns: audit references resolved to persons while they exist.
const LISTED: &str = "select seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id, \
     customer_account_id, outcome, details, prev_hash, hash, \
     (select person_id from subject_key where audit_ref = actor_id and actor_kind = 'person') \
       as actor_person_id, \
     (select person_id from subject_key where audit_ref = target_id and target_kind = 'person') \
       as target_person_id \
     from audit_event";

/// Up to `limit` matching events, newest first.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<ListedEvent>, sqlx::Error> {
    let conditions = filter.conditions();
    let sql = format!(
        "{LISTED}{} order by seq desc limit ${}",
        conditions.sql(),
        conditions.next_placeholder()
    );
    conditions
        .bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Sends every matching event, newest first, into `sink` (CSV export); the bounded
/// channel keeps memory flat however long the log is. Stops when the receiver goes.
pub async fn export(
    db: &Db,
    filter: &AuditFilter,
    sink: tokio::sync::mpsc::Sender<ListedEvent>,
) -> Result<(), sqlx::Error> {
    let conditions = filter.conditions();
    let sql = format!("{LISTED}{} order by seq desc", conditions.sql());
    let query = conditions.bind_to(sqlx::query_as(&sql));
    let mut rows = query.fetch(db);
    while let Some(event) = rows.try_next().await? {
        if sink.send(event).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Events per page when walking the whole chain.
const WALK_PAGE: i64 = 10_000;

/// The chain in order up to `last_seq`, one event at a time (verification); `visit`
/// returns false to stop early. Events are read a page of sequence numbers at a time, each
/// page as one row holding the events' JSON documents, parsed in place.
pub async fn for_each_in_order(
    db: &Db,
    from: &ChainHead,
    last_seq: i64,
    mut visit: impl FnMut(&EventRef<'_>) -> bool,
) -> Result<(), sqlx::Error> {
    let mut after = from.seq;
    while after < last_seq {
        let until = (after + WALK_PAGE).min(last_seq);
        // No ORDER BY inside the aggregate: it would sort every page; the page is ordered
        // here instead (it almost always comes in order already).
        let (page,): (Option<String>,) = sqlx::query_as(
            "select string_agg(document, ',') from audit_event_document \
             where seq > $1 and seq <= $2",
        )
        .bind(after)
        .bind(until)
        .fetch_one(db)
        .await?;
        let text = format!("[{}]", page.unwrap_or_default());
        let mut events: Vec<EventRef<'_>> =
            serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        if !events.is_sorted_by_key(|e| e.seq) {
            events.sort_by_key(|e| e.seq);
        }
        for event in &events {
            if !visit(event) {
                return Ok(());
            }
        }
        after = until;
    }
    Ok(())
}

pub async fn head(db: &Db) -> Result<ChainHead, sqlx::Error> {
    sqlx::query_as("select seq, hash from chain_head where chain = $1")
        .bind(super::CHAIN)
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub jws: String,
}

pub async fn insert_checkpoint(
    db: &Db,
    checkpoint: &Checkpoint,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_checkpoint (seq, hash, jws, created_at) values ($1, $2, $3, $4) \
         on conflict (seq) do nothing",
    )
    .bind(checkpoint.seq)
    .bind(&checkpoint.hash)
    .bind(&checkpoint.jws)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>, sqlx::Error> {
    sqlx::query_as("select seq, hash, jws from audit_checkpoint order by seq")
        .fetch_all(db)
        .await
}

/// Where the chain now starts: the last pruned event (seq and hash), or the genesis.
pub async fn start(db: &Db) -> Result<ChainHead, sqlx::Error> {
    let row: Option<ChainHead> = sqlx::query_as(
        "select through_seq as seq, hash from audit_prune order by through_seq desc limit 1",
    )
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or_else(|| ChainHead {
        seq: 0,
        hash: super::chain::GENESIS.to_string(),
    }))
}
