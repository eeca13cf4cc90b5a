//! Analytics over time: trohet counts a person's sign-ins itself once they allow it, and
//! the janitor deletes raw events after `raw_events_days` (PostgreSQL drops whole monthly
//! partitions) while the rollups the reports read stay.

use crate::admin::support::{Api, service_token};
use crate::analytics_ingest::{consenting_people, events_token, post_events};
use crate::consent_api::{decide, portal_token};
use crate::helpers::{TestApp, open_database, seed_simple_person, spawn_app};
use serde_json::json;
use std::time::Duration;
use trohet::clock::rfc3339;

const DAY: i64 = 86_400;

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = open_database(app).await;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db).await.expect(sql);
    n
}

#[tokio::test]
async fn a_sign_in_is_counted_only_once_the_person_allows_it() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    let logins = "select coalesce(cast(sum(logins) as bigint), 0) from analytics_activity_day";
    assert_eq!(count(&app, logins).await, 0, "not yet allowed");
    decide(&me, "portal-analytics", "granted").await;
    portal_token(&app, &person, &["consent"]).await;
    assert_eq!(count(&app, logins).await, 1);
    let last = "select count(*) from analytics_last_login";
    assert_eq!(count(&app, last).await, 1);
    decide(&me, "portal-analytics", "withdrawn").await;
    portal_token(&app, &person, &["consent"]).await;
    assert_eq!(count(&app, logins).await, 1, "withdrawn: not counted");
}

#[tokio::test]
async fn raw_events_go_after_thirteen_months_and_the_rollups_stay() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 2, &["portal-analytics"]).await;
    let token = events_token(&app).await;
    let now = app.clock.now();
    let events: Vec<_> = (0..4)
        .map(|i| {
            json!({"idempotency_key": format!("old-{i}"), "type": "feature_used",
                   "sub": people[i % 2], "customer_id": customer,
                   "occurred_at": rfc3339(now - (60 + i as i64 * 31) * DAY),
                   "feature": "order.placed"})
        })
        .collect();
    let (status, report) = post_events(&app, &token, json!(events)).await;
    assert_eq!(
        (status, report["accepted"].clone()),
        (200, json!(4)),
        "{report}"
    );
    assert_eq!(count(&app, "select count(*) from analytics_event").await, 4);

    app.clock.advance(Duration::from_secs(14 * 30 * DAY as u64));
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let dry = dpo
        .post("/api/v1/retention/run?dry_run=true", json!({}))
        .await;
    assert_eq!(dry.body["analytics"]["raw_events"], 4, "{}", dry.text);
    assert_eq!(count(&app, "select count(*) from analytics_event").await, 4);
    let ran = dpo.post("/api/v1/retention/run", json!({})).await;
    assert_eq!(ran.status, 200, "{}", ran.text);
    assert_eq!(ran.body["analytics"]["raw_events"], 4, "{}", ran.text);
    assert_eq!(count(&app, "select count(*) from analytics_event").await, 0);
    let weight = "select cast(sum(feature_weight) as bigint) from analytics_activity_month";
    assert_eq!(
        count(&app, weight).await,
        40,
        "rollups are kept for rollups_days"
    );
    if app.database_url.starts_with("postgres") {
        let partitions = "select count(*) from pg_inherits i join pg_class p \
                          on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace \
                          where p.relname = 'analytics_event' and n.nspname = current_schema()";
        assert_eq!(count(&app, partitions).await, 0, "whole months dropped");
        assert!(ran.body["analytics"]["raw_event_partitions"].as_u64() >= Some(1));
    }
}
