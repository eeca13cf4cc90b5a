//! `POST /api/v1/permissions/check`: a portal app asks whether a person may do something in
//! a customer account, naming the person by the `sub` it knows.

use super::support::{Api, service_token};
use crate::browser::{Answers, Browser};
use crate::helpers::{TestApp, register, seed_person, spawn_app};
use crate::rp::Rp;
use serde_json::{Value, json};
use trohet::admin::{NewClient, RegisteredClient};

async fn check(app: &TestApp, client: &RegisteredClient, body: Value) -> (u16, Value) {
    let response = app
        .http
        .post(app.url("/api/v1/permissions/check"))
        .basic_auth(&client.client_id, client.client_secret.as_deref())
        .json(&body)
        .send()
        .await
        .expect("permission check");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn portal(name: &str) -> NewClient {
    NewClient::new(name, vec!["http://portal.test/cb".into()])
}

#[tokio::test]
async fn a_portal_app_learns_what_a_person_may_do_in_each_customer_account() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"]), ("Bolt", &["finance"])]).await;
    let client = register(&app, portal("Portal")).await;
    let (acme, bolt) = (&person.accounts[0].id, &person.accounts[1].id);
    let ask = |customer: &str, permission: &str| json!({"sub": person.id, "customer_id": customer, "permission": permission});
    let (status, yes) = check(&app, &client, ask(acme, "orders.place")).await;
    assert_eq!((status, &yes["allowed"]), (200, &json!(true)), "{yes}");
    assert!(yes["reason"].as_str().unwrap().contains("buyer"), "{yes}");
    let (_, no) = check(&app, &client, ask(acme, "invoices.read")).await;
    assert_eq!(no["allowed"], false);
    let (_, elsewhere) = check(&app, &client, ask(bolt, "invoices.read")).await;
    assert_eq!(elsewhere["allowed"], true);
    let (_, stranger) = check(&app, &client, ask("some-other-account", "orders.place")).await;
    assert_eq!(stranger["allowed"], false);
    let (status, typo) = check(&app, &client, ask(acme, "orders.plaec")).await;
    assert_eq!(status, 422, "{typo}");

    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let path = format!("/api/v1/customers/{acme}");
    let etag = api.get(&path).await.etag();
    let suspend = json!({"status": "suspended"});
    assert_eq!(
        api.call("PATCH", &path, Some(suspend), Some(&etag))
            .await
            .status,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, suspended) = check(&app, &client, ask(acme, "orders.place")).await;
    assert_eq!(suspended["allowed"], false);
    assert!(
        suspended["reason"].as_str().unwrap().contains("suspended"),
        "{suspended}"
    );
}

#[tokio::test]
async fn the_check_needs_a_confidential_client_and_accepts_client_secret_post() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"])]).await;
    let client = register(&app, portal("Portal")).await;
    let response = app
        .http
        .post(app.url("/api/v1/permissions/check"))
        .basic_auth(&client.client_id, Some("wrong"))
        .json(&json!({"sub": person.id, "customer_id": person.accounts[0].id, "permission": "orders.place"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let secret = client.client_secret.clone().unwrap();
    let form = [
        ("client_id", client.client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("sub", person.id.as_str()),
        ("customer_id", person.accounts[0].id.as_str()),
        ("permission", "orders.place"),
    ];
    let answer: Value = app
        .http
        .post(app.url("/api/v1/permissions/check"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["allowed"], true, "{answer}");
}

#[tokio::test]
async fn a_pairwise_client_names_the_person_by_its_own_subject() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"])]).await;
    let mut new = NewClient::new("Pairwise", vec!["http://pairwise.test/cb".into()]);
    new.pairwise = true;
    let client = register(&app, new).await;
    let rp = Rp::new(&app, &client, "http://pairwise.test/cb").await;
    let login = rp
        .log_in(
            &Browser::new(&app.issuer),
            &person,
            &["openid"],
            &Answers::default(),
        )
        .await;
    let sub = login.claims.subject().to_string();
    assert_ne!(sub, person.id);
    let body = |sub: &str| json!({"sub": sub, "customer_id": person.accounts[0].id, "permission": "orders.place"});
    let (_, answer) = check(&app, &client, body(&sub)).await;
    assert_eq!(answer["allowed"], true, "{answer}");
    let (_, by_id) = check(&app, &client, body(&person.id)).await;
    assert_eq!(
        by_id["allowed"], false,
        "the internal id means nothing to a pairwise client"
    );
}
