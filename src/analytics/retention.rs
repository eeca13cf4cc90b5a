//! Analytics under `policies/retention.toml`: raw events and free-text answers after
//! `raw_events_days`; the pseudonymous rollups after `rollups_days`. The janitor calls
//! this. Deletes go a day of rows at a time, so no transaction holds SQLite's one writer
//! for long; PostgreSQL drops each month's partition of raw events whole once all of it
//! is older.

use super::partitions;
use crate::clock::UnixTime;
use crate::db::{self, Backend, Db};
use serde::Serialize;

const DAY: i64 = 86_400;

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Pruned {
    pub raw_events: u64,
    /// Whole months of raw events dropped (PostgreSQL).
    pub raw_event_partitions: u64,
    pub answers: u64,
    pub rollup_rows: u64,
}

/// Deletes (or, dry, counts) what has been kept long enough.
pub async fn prune(
    db: &Db,
    now: UnixTime,
    raw_secs: i64,
    rollup_secs: i64,
    dry_run: bool,
) -> Result<Pruned, sqlx::Error> {
    let raw_cutoff = now - raw_secs;
    let mut pruned = Pruned::default();
    if db::backend(db) == Backend::Postgres {
        for name in partitions::older_than(db, raw_cutoff).await? {
            let (rows,): (i64,) = sqlx::query_as(&format!("select count(*) from {name}"))
                .fetch_one(db)
                .await?;
            pruned.raw_event_partitions += 1;
            // A dry run counts these rows below, with the rest.
            if !dry_run {
                pruned.raw_events += rows as u64;
                sqlx::query(&format!("drop table if exists {name}"))
                    .execute(db)
                    .await?;
            }
        }
    }
    let by_day = Step { db, dry_run };
    pruned.raw_events += by_day
        .delete(
            "analytics_event",
            "day",
            raw_cutoff - raw_cutoff.rem_euclid(DAY),
        )
        .await?;
    pruned.raw_events += by_day.delete_raw_before(raw_cutoff).await?;
    pruned.answers = by_day
        .delete("analytics_answer", "occurred_at", raw_cutoff)
        .await?;
    let rollup_cutoff = now - rollup_secs;
    for (table, column) in [
        ("analytics_activity_day", "day"),
        ("analytics_activity_month", "month"),
        ("analytics_account_day", "day"),
        ("analytics_rating", "occurred_at"),
        ("analytics_rater", "last_rated_at"),
        ("analytics_case", "opened_at"),
    ] {
        pruned.rollup_rows += by_day.delete(table, column, rollup_cutoff).await?;
    }
    Ok(pruned)
}

struct Step<'a> {
    db: &'a Db,
    dry_run: bool,
}

impl Step<'_> {
    /// Deletes the rows whose `column` is before `cutoff`, a day of them at a time from
    /// the oldest.
    async fn delete(
        &self,
        table: &str,
        column: &str,
        cutoff: UnixTime,
    ) -> Result<u64, sqlx::Error> {
        if self.dry_run {
            let (count,): (i64,) =
                sqlx::query_as(&format!("select count(*) from {table} where {column} < $1"))
                    .bind(cutoff)
                    .fetch_one(self.db)
                    .await?;
            return Ok(count as u64);
        }
        let (oldest,): (Option<i64>,) =
            sqlx::query_as(&format!("select min({column}) from {table}"))
                .fetch_one(self.db)
                .await?;
        let Some(mut from) = oldest else {
            return Ok(0);
        };
        let mut deleted = 0;
        while from < cutoff {
            let until = (from + DAY).min(cutoff);
            let mut tx = db::begin_write(self.db).await?;
            let done = sqlx::query(&format!("delete from {table} where {column} < $1"))
                .bind(until)
                .execute(&mut **tx)
                .await?;
            tx.commit().await?;
            deleted += done.rows_affected();
            from = until;
        }
        Ok(deleted)
    }

    /// The raw events of the cutoff's own day that happened before it: the days before
    /// are gone by `day` (the identity index leads with it).
    async fn delete_raw_before(&self, cutoff: UnixTime) -> Result<u64, sqlx::Error> {
        let day = cutoff - cutoff.rem_euclid(DAY);
        let old = "from analytics_event where day = $1 and occurred_at < $2";
        if self.dry_run {
            let sql = format!("select count(*) {old}");
            let query = sqlx::query_as(&sql).bind(day).bind(cutoff);
            let (count,): (i64,) = query.fetch_one(self.db).await?;
            return Ok(count as u64);
        }
        let mut tx = db::begin_write(self.db).await?;
        let sql = format!("delete {old}");
        let done = sqlx::query(&sql)
            .bind(day)
            .bind(cutoff)
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
