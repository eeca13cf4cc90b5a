//! `trohet analytics rebuild`: recomputes the rollups from the raw events, through the same
//! [`write::apply`] ingest uses. Only months whose raw events are all still kept are
//! recomputed (older ones keep the rollups they have); the last sign-in per account,
//! free-text answers and survey rhythms are not derived from raw events and stay.

use super::calendar::{add_months, day_start, month_start};
use super::write::{self, Accepted};
use crate::clock::UnixTime;
use crate::db::{self, Db};
use serde::Serialize;

const PAGE: i64 = 5_000;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Rebuilt {
    /// The first day recomputed (`YYYY-MM-DD`); absent when there are no raw events.
    pub from: Option<String>,
    pub events: u64,
}

pub async fn rebuild(
    db: &Db,
    now: UnixTime,
    raw_events_secs: i64,
    negative_cap: i64,
) -> Result<Rebuilt, sqlx::Error> {
    let (oldest,): (Option<i64>,) = sqlx::query_as("select min(occurred_at) from analytics_event")
        .fetch_one(db)
        .await?;
    let Some(oldest) = oldest else {
        return Ok(Rebuilt::default());
    };
    let horizon = now - raw_events_secs;
    let complete_from = match month_start(horizon) == horizon {
        true => horizon,
        false => add_months(horizon, 1),
    };
    let from = month_start(oldest).max(complete_from);
    forget_rollups(db, from).await?;
    // Page in the order of the raw table's identity index: day by day, so that a rater's
    // ratings mostly arrive in order.
    let mut after = (day_start(from) - 1, String::new(), String::new(), 0);
    let mut events = 0;
    loop {
        let rows: Vec<RawRow> = sqlx::query_as(
            "select event_id, client_id, idempotency_key, customer_account_id, day, pseudonym, \
             event_type, occurred_at, received_at, detail from analytics_event \
             where (day, client_id, idempotency_key, occurred_at) > ($1, $2, $3, $4) \
             order by day, client_id, idempotency_key, occurred_at limit $5",
        )
        .bind(after.0)
        .bind(&after.1)
        .bind(&after.2)
        .bind(after.3)
        .bind(PAGE)
        .fetch_all(db)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = (
            last.day,
            last.client_id.clone(),
            last.idempotency_key.clone(),
            last.occurred_at,
        );
        let page: Vec<Accepted> = rows.into_iter().filter_map(RawRow::accepted).collect();
        events += page.len() as u64;
        let page: Vec<&Accepted> = page.iter().collect();
        let mut tx = db::begin_write(db).await?;
        write::replay(&mut tx, &page, negative_cap).await?;
        tx.commit().await?;
    }
    Ok(Rebuilt {
        from: Some(crate::clock::date_text(from)),
        events,
    })
}

#[derive(sqlx::FromRow)]
struct RawRow {
    event_id: String,
    client_id: String,
    idempotency_key: String,
    customer_account_id: String,
    day: i64,
    pseudonym: Option<String>,
    event_type: String,
    occurred_at: i64,
    received_at: i64,
    detail: String,
}

impl RawRow {
    fn accepted(self) -> Option<Accepted> {
        let detail = serde_json::from_str(&self.detail).ok()?;
        Some(Accepted {
            fact: write::fact_from(&self.event_type, &detail)?,
            event_id: self.event_id,
            client_id: self.client_id,
            idempotency_key: self.idempotency_key,
            customer_id: self.customer_account_id,
            pseudonym: self.pseudonym,
            survey_key: None,
            occurred_at: self.occurred_at,
            received_at: self.received_at,
        })
    }
}

async fn forget_rollups(db: &Db, from: UnixTime) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    for sql in [
        "delete from analytics_activity_day where day >= $1",
        "delete from analytics_activity_month where month >= $1",
        "delete from analytics_account_day where day >= $1",
        "delete from analytics_rating where occurred_at >= $1",
        "delete from analytics_rater where last_rated_at >= $1",
        "delete from analytics_case where coalesce(opened_at, first_response_at, closed_at) >= $1",
    ] {
        sqlx::query(sql).bind(from).execute(&mut **tx).await?;
    }
    tx.commit().await
}
