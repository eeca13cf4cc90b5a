//! The admin API end to end for one resource: who may call, paging, ETags.

use super::support::{Api, person_token, service_token};
use crate::helpers::{seed_person, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_service_client_with_the_admin_role_manages_customer_accounts() {
    let app = spawn_app().await;
    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let created = api
        .post("/api/v1/customers", json!({"name": "Acme AB"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let read = api.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(read.body["name"], "Acme AB");
    let tag = read.etag();
    let patch = json!({"status": "suspended"});
    let path = format!("/api/v1/customers/{id}");
    let updated = api
        .call("PATCH", &path, Some(patch.clone()), Some(&tag))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["status"], "suspended");
    let stale = api
        .call("PATCH", &path, Some(patch.clone()), Some(&tag))
        .await;
    assert_eq!(stale.status, 412);
    assert_eq!(stale.problem(), "urn:trohet:problem:precondition-failed");
    assert_eq!(
        stale.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    let unconditional = api.call("PATCH", &path, Some(patch), None).await;
    assert_eq!(unconditional.status, 428);
}

#[tokio::test]
async fn a_person_token_needs_the_admin_scope_and_acts_with_the_persons_roles() {
    let app = spawn_app().await;
    let admin = seed_person(
        &app,
        &[("Acme", &["customer-admin"]), ("Bolt", &["member"])],
    )
    .await;
    let without_scope = Api::new(&app, Some(person_token(&app, &admin, &["openid"]).await));
    assert_eq!(without_scope.get("/api/v1/customers").await.status, 403);
    let token = person_token(&app, &admin, &["openid", "admin"]).await;
    let api = Api::new(&app, Some(token));
    let listed = api.get("/api/v1/customers").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str_name())
        .collect();
    assert_eq!(names, vec![admin.accounts[0].name.as_str()]);
    let other = format!("/api/v1/customers/{}", admin.accounts[1].id);
    assert_eq!(
        api.get(&other).await.status,
        403,
        "member of Bolt without customers.read"
    );
    assert_eq!(
        Api::new(&app, None).get("/api/v1/customers").await.status,
        401
    );
}

trait Named {
    fn as_str_name(&self) -> &str;
}

impl Named for serde_json::Value {
    fn as_str_name(&self) -> &str {
        self["name"].as_str().unwrap_or_default()
    }
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let doc = Api::new(&app, None).get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert!(doc.body["paths"]["/api/v1/customers/{customer_id}"]["patch"].is_object());
}
