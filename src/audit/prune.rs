//! Pruning the oldest audit events once `policies/retention.toml` says they have been kept
//! long enough. The chain is cut only at its oldest end, and only behind a signed
//! checkpoint of the last pruned event: verification then starts from that (seq, hash),
//! so what remains still proves itself, and a kept copy of the checkpoint proves the start
//! was not moved. The table's trigger refuses deletes except inside the transaction that
//! holds the prune permit, which only this code takes.

use super::store::{self, Checkpoint};
use super::{Actor, Event};
use crate::clock::UnixTime;
use crate::db::{self, Db, Tx};

/// How a pruning went, or would go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    pub events: u64,
    /// The last pruned event: where verification now starts.
    pub through_seq: Option<i64>,
}

/// Prunes up to `batch` of the oldest events that occurred before `before` (never the
/// newest event), signing a checkpoint of the last one with `sign` (a JWS of seq and hash).
/// With `dry_run`, only counts.
pub async fn prune_oldest(
    db: &Db,
    before: UnixTime,
    batch: i64,
    sign: &(dyn Fn(i64, &str) -> Option<String> + Sync),
    dry_run: bool,
    now: UnixTime,
) -> Result<Pruned, sqlx::Error> {
    let start = store::start(db).await?;
    let head = store::head(db).await?;
    let oldest: Vec<(i64, i64, String)> = sqlx::query_as(
        "select seq, occurred_at, hash from audit_event where seq > $1 and seq < $2 \
         order by seq limit $3",
    )
    .bind(start.seq)
    .bind(head.seq)
    .bind(batch)
    .fetch_all(db)
    .await?;
    let expired: Vec<&(i64, i64, String)> = oldest
        .iter()
        .take_while(|(_, occurred_at, _)| *occurred_at < before)
        .collect();
    let Some((through, _, hash)) = expired.last().copied() else {
        return Ok(Pruned::default());
    };
    let pruned = Pruned {
        events: expired.len() as u64,
        through_seq: Some(*through),
    };
    if dry_run {
        return Ok(pruned);
    }
    let Some(jws) = sign(*through, hash) else {
        tracing::error!("no key to sign the audit checkpoint: nothing pruned");
        return Ok(Pruned::default());
    };
    let mut tx = db::begin_write(db).await?;
    let checkpoint = Checkpoint {
        seq: *through,
        hash: hash.clone(),
        jws,
    };
    cut(&mut tx, &checkpoint, now).await?;
    let event = Event::new(Actor::System, "audit.pruned")
        .detail("through_seq", *through)
        .detail("events", pruned.events);
    super::record(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(pruned)
}

/// Saves the checkpoint and the new start, then deletes everything up to it under the
/// permit, which goes again before the transaction ends.
async fn cut(tx: &mut Tx, checkpoint: &Checkpoint, now: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_checkpoint (seq, hash, jws, created_at) values ($1, $2, $3, $4) \
         on conflict (seq) do nothing",
    )
    .bind(checkpoint.seq)
    .bind(&checkpoint.hash)
    .bind(&checkpoint.jws)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("insert into audit_prune (through_seq, hash, pruned_at) values ($1, $2, $3)")
        .bind(checkpoint.seq)
        .bind(&checkpoint.hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("insert into prune_permit (table_name) values ('audit_event')")
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from audit_event where seq <= $1")
        .bind(checkpoint.seq)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from prune_permit where table_name = 'audit_event'")
        .execute(&mut **tx)
        .await?;
    // Older checkpoints name events that are gone.
    sqlx::query("delete from audit_checkpoint where seq < $1")
        .bind(checkpoint.seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
