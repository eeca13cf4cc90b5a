//! The register of data subject requests: registered with a one-month deadline, listed by
//! deadline with overdue ones first, moved along with reasons, extended once (the person is
//! told), and counted for Prometheus.

use crate::admin::support::{Api, service_token};
use crate::helpers::{open_database, seed_simple_person, spawn_app};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn requests_are_registered_with_their_deadline_and_worked_in_order() {
    let app = spawn_app().await;
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let first = seed_simple_person(&app).await;
    let second = seed_simple_person(&app).await;
    let received = |person: &str, kind: &str| json!({"kind": kind, "person_id": person, "channel": "letter", "verification": "signed letter, signature compared"});
    let older = dpo
        .post("/api/v1/dsr", received(&first.id, "rectification"))
        .await;
    assert_eq!(older.status, 201, "{}", older.text);
    assert_eq!(older.body["status"], "received");
    let received_on = &older.body["received_at"].as_str().unwrap()[..10];
    assert!(older.body["deadline"].as_str().unwrap() > received_on);
    app.clock.advance(Duration::from_secs(20 * 86_400));
    // Tokens do not outlive the days passed.
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let newer = dpo
        .post("/api/v1/dsr", received(&second.id, "restriction"))
        .await;
    assert_eq!(newer.status, 201, "{}", newer.text);
    let objection = dpo
        .post("/api/v1/dsr", received(&second.id, "objection"))
        .await;
    assert_eq!(
        objection.status, 422,
        "an objection names its purpose: {}",
        objection.text
    );

    // Past the first deadline: it is overdue and first in the queue.
    app.clock.advance(Duration::from_secs(15 * 86_400));
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let queue = dpo.get("/api/v1/dsr").await;
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], older.body["id"]);
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[1]["overdue"], false);
    let overdue = dpo.get("/api/v1/dsr?overdue=true").await;
    assert_eq!(overdue.body["items"].as_array().unwrap().len(), 1);
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("trohet_data_subject_requests{state=\"open\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("trohet_data_subject_requests{state=\"overdue\"} 1"),
        "{metrics}"
    );

    // Moving along: a rejection and an extension need reasons; an extension tells the person.
    let path = format!("/api/v1/dsr/{}/status", newer.body["id"].as_str().unwrap());
    let no_reason = dpo.post(&path, json!({"status": "extended"})).await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.text);
    let extended = dpo
        .post(
            &path,
            json!({"status": "extended", "reason": "the data sits in three archives"}),
        )
        .await;
    assert_eq!(extended.status, 200, "{}", extended.text);
    assert_eq!(extended.body["status"], "extended");
    assert!(extended.body["deadline"].as_str().unwrap() > newer.body["deadline"].as_str().unwrap());
    let twice = dpo
        .post(
            &path,
            json!({"status": "extended", "reason": "still looking"}),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.text);
    let db = open_database(&app).await;
    let (mails,): (i64,) =
        sqlx::query_as("select count(*) from outbox where kind = 'email' and payload like $1")
            .bind("%three archives%")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(mails, 1, "the person is told why");
    let done = dpo.post(&path, json!({"status": "completed"})).await;
    assert_eq!(done.body["status"], "completed");
    let closed = dpo.post(&path, json!({"status": "in_progress"})).await;
    assert_eq!(closed.status, 409, "{}", closed.text);
    let all = dpo.get("/api/v1/dsr?state=all").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let actions = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == newer.body["id"])
        .unwrap()["actions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(actions, 3, "received, extended, completed");

    let support = Api::new(&app, Some(service_token(&app, &["support"]).await));
    assert_eq!(support.get("/api/v1/dsr").await.status, 403);
}

#[tokio::test]
async fn a_restricted_person_is_not_processed_and_an_objection_stops_a_purpose() {
    use crate::consent_api::{backend_token, decide, portal_token};
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(
        &app,
        Some(portal_token(&app, &person, &["openid", "consent"]).await),
    );
    for purpose in ["portal-analytics", "targeted-news"] {
        decide(&me, purpose, "granted").await;
    }
    let (_, token) = backend_token(&app, &["consent:read"], "consent:read").await;
    let backend = Api::new(
        &app,
        Some(token["access_token"].as_str().unwrap().to_string()),
    );
    let allowed = |answer: &serde_json::Value, purpose: &str| {
        answer["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["purpose"] == purpose)
            .unwrap()["allowed"]
            .clone()
    };
    let before = backend
        .get(&format!("/api/v1/consents/{}", person.id))
        .await;
    assert_eq!(before.body["restricted"], false);
    assert_eq!(allowed(&before.body, "targeted-news"), true);

    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let registered = dpo
        .post(
            "/api/v1/dsr",
            json!({"kind": "restriction", "person_id": person.id, "channel": "email",
                                     "verification": "replied from the registered address"}),
        )
        .await;
    let restricted = dpo
        .call(
            "PUT",
            &format!("/api/v1/persons/{}/restriction", person.id),
            Some(json!({"request_id": registered.body["id"]})),
            None,
        )
        .await;
    assert_eq!(restricted.status, 200, "{}", restricted.text);
    assert_eq!(
        restricted.body["id"], registered.body["id"],
        "the registered request is answered"
    );
    assert_eq!(restricted.body["status"], "completed");
    let during = backend
        .get(&format!("/api/v1/consents/{}", person.id))
        .await;
    assert_eq!(during.body["restricted"], true);
    assert_eq!(allowed(&during.body, "targeted-news"), false);
    let lifted = dpo
        .call(
            "DELETE",
            &format!("/api/v1/persons/{}/restriction", person.id),
            None,
            None,
        )
        .await;
    assert_eq!(lifted.status, 204);
    let after = backend
        .get(&format!("/api/v1/consents/{}", person.id))
        .await;
    assert_eq!(allowed(&after.body, "targeted-news"), true);

    // A letter registered first is the request the objection answers.
    let letter = dpo
        .post("/api/v1/dsr", json!({"kind": "objection", "person_id": person.id, "channel": "letter",
                                     "verification": "signed letter", "purpose": "portal-analytics"}))
        .await;
    assert_eq!(letter.status, 201, "{}", letter.text);
    let objected = dpo
        .post(
            &format!("/api/v1/persons/{}/objections", person.id),
            json!({"purpose": "portal-analytics"}),
        )
        .await;
    assert_eq!(objected.status, 200, "{}", objected.text);
    assert_eq!(objected.body["kind"], "objection");
    assert_eq!(objected.body["id"], letter.body["id"]);
    assert_eq!(objected.body["status"], "completed");
    let now = backend
        .get(&format!("/api/v1/consents/{}", person.id))
        .await;
    assert_eq!(
        allowed(&now.body, "portal-analytics"),
        false,
        "an objection works like a withdrawal"
    );
    let contract = dpo
        .post(
            &format!("/api/v1/persons/{}/objections", person.id),
            json!({"purpose": "portal-account"}),
        )
        .await;
    assert_eq!(contract.status, 422, "{}", contract.text);
    let logged = dpo
        .get(&format!(
            "/api/v1/audit/events?target={}&action=person.restricted",
            person.id
        ))
        .await;
    assert_eq!(logged.body["items"].as_array().unwrap().len(), 1);
}
