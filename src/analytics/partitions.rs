//! PostgreSQL keeps raw events in one partition per month, so that retention drops whole
//! months instead of deleting rows one by one. A month's partition is made when its first
//! event arrives; SQLite has one table and needs none of this.

use super::calendar::{add_months, month_start};
use crate::clock::{self, UnixTime};
use crate::db::{self, Backend, Db};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// The months this process knows have a partition.
#[derive(Clone, Default)]
pub struct Partitions {
    known: Arc<Mutex<BTreeSet<UnixTime>>>,
}

impl Partitions {
    /// Makes sure every month among `times` has its partition (PostgreSQL only).
    pub async fn ensure(
        &self,
        db: &Db,
        times: impl Iterator<Item = UnixTime>,
    ) -> Result<(), sqlx::Error> {
        if db::backend(db) != Backend::Postgres {
            return Ok(());
        }
        let months: BTreeSet<UnixTime> = times.map(month_start).collect();
        let missing: Vec<UnixTime> = {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            months.difference(&known).copied().collect()
        };
        for month in missing {
            create(db, month).await?;
            self.known
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(month);
        }
        Ok(())
    }
}

pub fn name(month: UnixTime) -> String {
    format!(
        "analytics_event_{}",
        clock::date_text(month)[..7].replace('-', "_")
    )
}

async fn create(db: &Db, month: UnixTime) -> Result<(), sqlx::Error> {
    let sql = format!(
        "create table if not exists {} partition of analytics_event \
         for values from ({month}) to ({})",
        name(month),
        add_months(month, 1)
    );
    match sqlx::query(&sql).execute(db).await {
        Ok(_) => Ok(()),
        // A sibling instance made it between our check and our create.
        Err(error) if already_exists(&error) => Ok(()),
        Err(error) => Err(error),
    }
}

fn already_exists(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e)
        if matches!(e.code().as_deref(), Some("42P07") | Some("23505")))
}

/// The months whose partitions end at or before `cutoff` (all their events are older).
pub async fn older_than(db: &Db, cutoff: UnixTime) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid \
         join pg_class p on p.oid = i.inhparent \
         join pg_namespace n on n.oid = p.relnamespace \
         where p.relname = 'analytics_event' and n.nspname = current_schema() \
         order by c.relname",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name,)| name)
        .filter(|name| end_of(name).is_some_and(|end| end <= cutoff))
        .collect())
}

/// The end of a partition's month, read from its name.
fn end_of(name: &str) -> Option<UnixTime> {
    let date = name.strip_prefix("analytics_event_")?.replace('_', "-");
    let start = clock::parse_rfc3339(&format!("{date}-01"))?;
    Some(add_months(start, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_is_named_by_its_month_and_ends_with_it() {
        let march = clock::parse_rfc3339("2026-03-14T10:00:00Z").unwrap();
        let name = name(month_start(march));
        assert_eq!(name, "analytics_event_2026_03");
        assert_eq!(end_of(&name), clock::parse_rfc3339("2026-04-01"));
    }
}
