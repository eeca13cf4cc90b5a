//! Login protection and account state: throttling that does not reveal who has an account,
//! and disabling a person, which ends everything at once.

use crate::admin::support::{Api, service_token};
use crate::browser::{Browser, sign_in};
use crate::helpers::{PASSWORD, seed_simple_person, spawn_app};
use crate::rp::standard_rp;
use openidconnect::OAuth2TokenResponse;
use std::time::Duration;

async fn attempt(browser: &Browser, email: &str, password: &str) -> (u16, String) {
    let page = sign_in(browser, email, password).await;
    (page.status.as_u16(), page.body)
}

#[tokio::test]
async fn after_five_failures_an_account_waits_whether_or_not_it_exists() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    for email in [person.email.as_str(), "nobody@nowhere.test"] {
        for _ in 0..5 {
            assert_eq!(attempt(&browser, email, "wrong password!").await.0, 401);
        }
        let (status, body) = attempt(&browser, email, PASSWORD).await;
        assert_eq!(status, 429, "even the right password waits");
        assert!(body.contains("Try again in 1 minutes"), "{body}");
    }
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        sign_in(&browser, &person.email, PASSWORD).await.path(),
        "/account"
    );

    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let events = api.get("/api/v1/audit/events?action=login.throttled").await;
    let throttled = events.body["items"].as_array().unwrap();
    assert_eq!(throttled.len(), 2);
    assert!(
        !events.text.contains(&person.email),
        "no email in the audit log"
    );
    assert_eq!(throttled[1]["target_person_id"], person.id.as_str());
    assert_ne!(
        throttled[1]["target_id"],
        person.id.as_str(),
        "the log names a person by reference, never by id"
    );
    assert!(
        throttled[0]["details"]["network"]
            .as_str()
            .unwrap()
            .ends_with(".0/24")
    );
}

#[tokio::test]
async fn a_network_that_sprays_many_accounts_is_stopped() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    for n in 0..50 {
        let email = format!("spray{n}@nowhere.test");
        assert_eq!(attempt(&browser, &email, "wrong password!").await.0, 401);
    }
    assert_eq!(attempt(&browser, &person.email, PASSWORD).await.0, 429);
}

#[tokio::test]
async fn disabling_a_person_ends_sessions_grants_and_tokens_and_enabling_revives_none() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = standard_rp(&app).await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(
            &browser,
            &person,
            &["openid", "offline_access"],
            &Default::default(),
        )
        .await;
    let access = login.tokens.access_token().secret().clone();
    let refresh = login.tokens.refresh_token().unwrap().clone();
    assert!(rp.is_active(&access).await);

    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let path = format!("/api/v1/persons/{}", person.id);
    let disabled = api
        .post(&format!("{path}/disable"), serde_json::json!({}))
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(disabled.body["status"], "disabled");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(!rp.is_active(&access).await, "inactive at introspection");
    let userinfo = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    assert!(rp.refresh(&refresh).await.is_err());
    assert_eq!(browser.visit("/account").await.page().path(), "/login");
    assert_eq!(attempt(&browser, &person.email, PASSWORD).await.0, 401);

    let enabled = api
        .post(&format!("{path}/enable"), serde_json::json!({}))
        .await;
    assert_eq!(enabled.body["status"], "active");
    assert!(rp.refresh(&refresh).await.is_err(), "nothing comes back");
    assert_eq!(
        sign_in(&browser, &person.email, PASSWORD).await.path(),
        "/account"
    );
    let actions: Vec<String> = api
        .get(&format!("/api/v1/audit/events?target={}", person.id))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(
        actions.contains(&"person.disabled".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"person.enabled".to_string()));
}
