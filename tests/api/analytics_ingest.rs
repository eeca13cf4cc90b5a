//! `POST /api/v1/events`: a portal back-end's events, kept only for people who consented.

use serde_json::{Value, json};
use trohet::clock::rfc3339;

use crate::admin::support::{Api, direct};
use crate::consent_api::{backend_token, decide, portal_token};
use crate::helpers::{TestApp, seed_simple_person, spawn_app};

/// A back-end's token with `analytics:write`.
pub async fn events_token(app: &TestApp) -> String {
    let (status, body) = backend_token(app, &["analytics:write"], "analytics:write").await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_string()
}

pub async fn post_events(app: &TestApp, token: &str, events: Value) -> (u16, Value) {
    let response = app
        .http
        .post(format!("{}/api/v1/events", direct(app)))
        .bearer_auth(token)
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("events request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_consenting_persons_feature_use_is_counted_once_and_a_stranger_is_dropped() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "portal-analytics", "granted").await;
    let other = seed_simple_person(&app).await;
    let token = events_token(&app).await;
    let now = rfc3339(app.clock.now());
    let customer = &person.accounts[0].id;
    let events = json!([
        {"idempotency_key": "e1", "type": "feature_used", "sub": person.id,
         "customer_id": customer, "occurred_at": now, "feature": "order.placed"},
        {"idempotency_key": "e2", "type": "feature_used", "sub": other.id,
         "customer_id": other.accounts[0].id, "occurred_at": now, "feature": "news.read"},
        {"idempotency_key": "e3", "type": "feature_used", "sub": person.id,
         "customer_id": customer, "occurred_at": now, "feature": "teleport"},
    ]);
    let (status, report) = post_events(&app, &token, events.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["dropped_no_consent"], 1, "{report}");
    assert_eq!(report["rejected"][0]["index"], 2, "{report}");
    let (_, again) = post_events(&app, &token, events).await;
    assert_eq!(again["accepted"], 0, "{again}");
    assert_eq!(again["duplicates"], 1, "{again}");
}
