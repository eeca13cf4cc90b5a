//! What the analytics tests share: calendar months counted back from the server's clock,
//! builders for the events a portal app sends, a back-end client whose tokens can be
//! fetched again after the clock moved, and reading reports as staff.

use serde_json::{Value, json};
use trohet::admin::NewClient;
use trohet::clock::{civil_date, date_text, days_from_civil, days_in_month, rfc3339};
use trohet::oidc::GrantType;

use crate::admin::support::{Api, direct, service_token};
use crate::helpers::{TestApp, register};

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

/// The start (Unix seconds, UTC) of the month `back` months before the server's current
/// one (0: this month, 1: the last complete month).
pub fn month_start(app: &TestApp, back: i64) -> i64 {
    let (year, month, _) = civil_date(app.clock.now());
    let index = year * 12 + (month - 1) - back;
    days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) * DAY
}

/// How many days that month has.
pub fn days_in(app: &TestApp, back: i64) -> i64 {
    let (year, month, _) = civil_date(month_start(app, back));
    days_in_month(year, month)
}

/// `YYYY-MM` of that month.
pub fn month_text(app: &TestApp, back: i64) -> String {
    date_text(month_start(app, back))[..7].to_string()
}

/// `YYYY-MM-DD` of a day of that month (from 1).
pub fn day_text(app: &TestApp, back: i64, day: i64) -> String {
    date_text(month_start(app, back) + (day - 1) * DAY)
}

/// A time on a day (from 1) of that month, at noon.
pub fn on(app: &TestApp, back: i64, day: i64) -> i64 {
    month_start(app, back) + (day - 1) * DAY + 12 * HOUR
}

fn key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A person used a portal feature.
pub fn feature(sub: &str, customer: &str, at: i64, feature: &str) -> Value {
    json!({"idempotency_key": key(), "type": "feature_used", "sub": sub,
           "customer_id": customer, "occurred_at": rfc3339(at), "feature": feature})
}

/// A person rated something.
pub fn rating(
    sub: &str,
    customer: &str,
    at: i64,
    kind: &str,
    score: i64,
    touchpoint: &str,
) -> Value {
    json!({"idempotency_key": key(), "type": "rating", "sub": sub, "customer_id": customer,
           "occurred_at": rfc3339(at), "kind": kind, "score": score,
           "touchpoint": touchpoint})
}

/// A person liked or commented.
pub fn social(sub: &str, customer: &str, at: i64) -> Value {
    json!({"idempotency_key": key(), "type": "social", "sub": sub, "customer_id": customer,
           "occurred_at": rfc3339(at), "action": "like"})
}

/// A staff engagement event about the account (`case_opened`, `case_first_response`,
/// `case_closed`; `news_published` ignores the case).
pub fn staff_event(event_type: &str, customer: &str, at: i64, case_id: &str) -> Value {
    let mut event = json!({"idempotency_key": key(), "type": event_type,
                           "customer_id": customer, "occurred_at": rfc3339(at)});
    match event_type {
        "news_published" => event["item_id"] = json!(case_id),
        _ => event["case_id"] = json!(case_id),
    }
    event
}

/// Posts events that must all be counted; returns the report.
pub async fn post_all(app: &TestApp, token: &str, events: Vec<Value>) -> Value {
    let n = events.len();
    let (status, report) = crate::analytics_ingest::post_events(app, token, json!(events)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], n, "{report}");
    report
}

/// A back-end client registered once, whose tokens can be fetched again (after the
/// clock moved past the last one's expiry, say).
pub struct Backend {
    client_id: String,
    secret: String,
}

impl Backend {
    pub async fn register(app: &TestApp, scopes: &[&str]) -> Backend {
        let mut new = NewClient::new("Portal back-end", vec![]);
        new.grant_types = vec![GrantType::ClientCredentials];
        new.extra_scopes = scopes.iter().map(|s| s.to_string()).collect();
        let registered = register(app, new).await;
        Backend {
            client_id: registered.client_id,
            secret: registered.client_secret.expect("a confidential client"),
        }
    }

    pub async fn token(&self, app: &TestApp, scope: &str) -> String {
        let response = app
            .http
            .post(format!("{}/token", direct(app)))
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200, "client_credentials token");
        let body: Value = response.json().await.expect("token JSON");
        body["access_token"].as_str().expect("a token").to_string()
    }
}

/// Staff who follow customer health (`customer-success`).
pub async fn reader(app: &TestApp) -> Api {
    Api::new(app, Some(service_token(app, &["customer-success"]).await))
}

/// A customer account's health as JSON; asserts it was given.
pub async fn health(api: &Api, customer: &str, query: &str) -> Value {
    let answer = api
        .get(&format!("/api/v1/customers/{customer}/health?{query}"))
        .await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    answer.body
}

/// The portfolio as JSON; asserts it was given.
pub async fn portfolio(api: &Api, query: &str) -> Value {
    let answer = api.get(&format!("/api/v1/health?{query}")).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    answer.body
}

/// The period of a report starting on `start` (`YYYY-MM-DD`).
pub fn period<'a>(health: &'a Value, start: &str) -> &'a Value {
    health["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .find(|p| p["start"] == start)
        .unwrap_or_else(|| panic!("no period starts on {start}: {health}"))
}

/// A month's satisfaction (`YYYY-MM`).
pub fn satisfaction<'a>(health: &'a Value, month: &str) -> &'a Value {
    health["satisfaction"]
        .as_array()
        .expect("satisfaction")
        .iter()
        .find(|m| m["month"] == month)
        .unwrap_or_else(|| panic!("no satisfaction for {month}: {health}"))
}

/// The cells of one touchpoint in a month's satisfaction.
pub fn touchpoint<'a>(month: &'a Value, touchpoint: &str) -> &'a Value {
    month["by_touchpoint"]
        .as_array()
        .expect("by_touchpoint")
        .iter()
        .find(|t| t["touchpoint"] == touchpoint)
        .unwrap_or_else(|| panic!("no {touchpoint} cells: {month}"))
}

/// The account's row of the portfolio.
pub fn account<'a>(portfolio: &'a Value, customer: &str) -> &'a Value {
    portfolio["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["customer_id"] == customer)
        .unwrap_or_else(|| panic!("{customer} is not in the portfolio: {portfolio}"))
}

/// Asserts a cell is withheld for the small-group rule, with its reason.
pub fn assert_withheld(cell: &Value, what: &str) {
    assert_eq!(cell["status"], "withheld", "{what}: {cell}");
    assert_eq!(cell["reason"], "fewer than 5 people", "{what}: {cell}");
}

/// `(sub, score)` pairs as rating events of one kind at one touchpoint.
pub fn ratings(
    customer: &str,
    at: i64,
    kind: &str,
    touchpoint: &str,
    scores: &[(&String, i64)],
) -> Vec<Value> {
    scores
        .iter()
        .map(|(sub, score)| rating(sub, customer, at, kind, *score, touchpoint))
        .collect()
}

/// Every text value stored in the analytics tables, as (`table.column`, value): what a
/// test scans for anything that names a person.
pub async fn analytics_text(app: &TestApp) -> Vec<(String, String)> {
    let db = crate::helpers::open_database(app).await;
    let sqlite = app.database_url.starts_with("sqlite");
    let tables_sql = match sqlite {
        true => "select name from sqlite_master where type = 'table' and name like 'analytics%'",
        false => {
            "select cast(table_name as text) from information_schema.tables \
             where table_schema = current_schema() and table_name like 'analytics%'"
        }
    };
    let tables: Vec<(String,)> = sqlx::query_as(tables_sql).fetch_all(&db).await.unwrap();
    assert!(tables.len() >= 10, "the analytics tables: {tables:?}");
    let mut found = Vec::new();
    for (table,) in tables {
        let columns: Vec<(String, String)> = match sqlite {
            true => sqlx::query_as(&format!(
                "select name, type from pragma_table_info('{table}')"
            ))
            .fetch_all(&db)
            .await
            .unwrap(),
            false => sqlx::query_as(
                "select cast(column_name as text), cast(data_type as text) \
                 from information_schema.columns \
                 where table_schema = current_schema() and table_name = $1",
            )
            .bind(&table)
            .fetch_all(&db)
            .await
            .unwrap(),
        };
        for (column, data_type) in columns {
            let data_type = data_type.to_lowercase();
            if !(data_type.contains("text") || data_type.contains("char")) {
                continue;
            }
            let sql = format!("select {column} from {table} where {column} is not null");
            let values: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(&db).await.unwrap();
            found.extend(
                values
                    .into_iter()
                    .map(|(v,)| (format!("{table}.{column}"), v)),
            );
        }
    }
    found
}
