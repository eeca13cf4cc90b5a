//! `POST /api/v1/events`: a portal back-end's events, kept only for people who consented.

use serde_json::{Value, json};
use trohet::clock::rfc3339;

use trohet::admin::{NewMembership, NewPerson};

use crate::admin::support::{Api, direct, service_token};
use crate::consent_api::{backend_token, decide, portal_token};
use crate::helpers::{PASSWORD, TestApp, seed_simple_person, spawn_app};

/// `n` people in one new customer account, each granting `purposes` (recorded by staff on
/// paper, so no sign-in is needed): (the account's id, the people's ids).
pub async fn consenting_people(app: &TestApp, n: usize, purposes: &[&str]) -> (String, Vec<String>) {
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let customer = app
        .admin
        .add_customer_account(&format!("Analytics {suffix}"))
        .await
        .expect("add customer account");
    let staff = Api::new(app, Some(service_token(app, &["dpo"]).await));
    let mut people = Vec::new();
    for index in 0..n {
        let person = app
            .admin
            .add_person(NewPerson {
                email: format!("rater-{index}-{suffix}@example.test"),
                display_name: format!("Rater {index} {suffix}"),
                locale: Some("en".into()),
                staff: false,
                staff_roles: vec![],
                memberships: vec![NewMembership {
                    customer_account_id: customer.clone(),
                    roles: vec!["member".into()],
                }],
                password: PASSWORD.into(),
            })
            .await
            .expect("add person");
        for purpose in purposes {
            let body = json!({"purpose": purpose, "decision": "granted",
                              "note": "signed form", "language": "en"});
            let recorded = staff
                .post(&format!("/api/v1/persons/{person}/consents"), body)
                .await;
            assert_eq!(recorded.status, 201, "{}", recorded.text);
        }
        people.push(person);
    }
    (customer, people)
}

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
