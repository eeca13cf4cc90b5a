//! SQL of the outbox: insert, claim a due message with a lease, and record the outcome.
//! The claim is a conditional `update … returning` inside a write transaction: on SQLite
//! the transaction is serialized, on PostgreSQL a concurrent claimer blocks on the row and
//! then finds the lease taken, so each message has one claimer at a time.

use crate::clock::UnixTime;
use crate::db::{self, Db, Tx};

/// A message to queue.
#[derive(Debug, Default)]
pub struct NewMessage<'a> {
    /// `email`, `security_event` or `logout_token`.
    pub kind: &'a str,
    pub payload: &'a str,
    /// The client a security event or logout token goes to.
    pub client_id: Option<&'a str>,
    /// The data subject request it reports on.
    pub dsr_id: Option<&'a str>,
    /// An e-mail's recipient, as a digest of the normalized address.
    pub recipient_digest: Option<String>,
}

pub async fn insert(
    tx: &mut Tx,
    message: NewMessage<'_>,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into outbox (outbox_id, kind, payload, created_at, next_attempt_at, attempts, \
         client_id, dsr_id, recipient_digest) values ($1, $2, $3, $4, $4, 0, $5, $6, $7)",
    )
    .bind(&id)
    .bind(message.kind)
    .bind(message.payload)
    .bind(now)
    .bind(message.client_id)
    .bind(message.dsr_id)
    .bind(message.recipient_digest)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Drops mail not yet sent to an address (its owner was erased).
pub async fn forget_mail_to(tx: &mut Tx, recipient_digest: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from outbox where kind = 'email' and recipient_digest = $1")
        .bind(recipient_digest)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// A claimed message, leased until `claimed_until`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub outbox_id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: i64,
    pub claimed_until: i64,
}

const DUE: &str = "delivered_at is null and failed_at is null and next_attempt_at <= $1 \
                   and (claimed_until is null or claimed_until < $1)";

/// Claims up to `limit` messages of `kinds`, those due longest first, for `lease_secs`.
pub async fn claim(
    db: &Db,
    kinds: &[&str],
    now: UnixTime,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    // The kinds are this process's constants, never input.
    let kinds = kinds
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut tx = db::begin_write(db).await?;
    let claimed = sqlx::query_as(&format!(
        "update outbox set claimed_until = $2, attempts = attempts + 1 \
         where outbox_id in (select outbox_id from outbox where {DUE} and kind in ({kinds}) \
                             order by next_attempt_at, outbox_id limit $3) \
         and {DUE} \
         returning outbox_id, kind, payload, attempts, created_at, claimed_until"
    ))
    .bind(now)
    .bind(now + lease_secs)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Delivered, in one commit: the payload (addresses, names, links, tokens) is emptied, the
/// record stays.
pub async fn delivered(db: &Db, claimed: &[Claimed], now: UnixTime) -> Result<(), sqlx::Error> {
    if claimed.is_empty() {
        return Ok(());
    }
    let mut tx = db::begin_write(db).await?;
    for message in claimed {
        sqlx::query(
            "update outbox set delivered_at = $1, payload = '{}', claimed_until = null, \
             last_error = null where outbox_id = $2 and claimed_until = $3",
        )
        .bind(now)
        .bind(&message.outbox_id)
        .bind(message.claimed_until)
        .execute(&mut **tx)
        .await?;
    }
    tx.commit().await
}

/// A failed attempt: try again at `retry_at`, or give up (`None`), emptying the payload.
pub async fn failed(
    db: &Db,
    claimed: &Claimed,
    error: &str,
    retry_at: Option<UnixTime>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => sqlx::query(
            "update outbox set next_attempt_at = $1, claimed_until = null, last_error = $2 \
             where outbox_id = $3 and claimed_until = $4",
        )
        .bind(at)
        .bind(error)
        .bind(&claimed.outbox_id)
        .bind(claimed.claimed_until),
        None => sqlx::query(
            "update outbox set failed_at = $1, payload = '{}', claimed_until = null, last_error = $2 \
             where outbox_id = $3 and claimed_until = $4",
        )
        .bind(now)
        .bind(error)
        .bind(&claimed.outbox_id)
        .bind(claimed.claimed_until),
    }
    .execute(db)
    .await?;
    Ok(())
}

/// Keeps the outbox short: messages still undelivered after `max_age_secs` are given up
/// (their links have expired anyway), and finished records older than that are deleted.
pub async fn expire(db: &Db, now: UnixTime, max_age_secs: i64) -> Result<u64, sqlx::Error> {
    let cutoff = now - max_age_secs;
    sqlx::query(
        "update outbox set failed_at = $1, payload = '{}', last_error = 'not delivered in time' \
         where delivered_at is null and failed_at is null and created_at < $2",
    )
    .bind(now)
    .bind(cutoff)
    .execute(db)
    .await?;
    // What apps were told about a data subject request stays with the request.
    let done = sqlx::query(
        "delete from outbox where coalesce(delivered_at, failed_at) < $1 and dsr_id is null",
    )
    .bind(cutoff)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Counts by state, for the console and metrics: (pending, delivered, failed).
pub async fn counts(db: &Db) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as(
        "select \
         coalesce(sum(case when delivered_at is null and failed_at is null then 1 else 0 end), 0), \
         coalesce(sum(case when delivered_at is not null then 1 else 0 end), 0), \
         coalesce(sum(case when failed_at is not null then 1 else 0 end), 0) from outbox",
    )
    .fetch_one(db)
    .await
}
