//! The audit log through the API: appends from two instances at once keep one chain, the
//! log filters and pages, and exports as CSV.

use super::support::{Api, service_token};
use crate::helpers::{fresh_database_url, spawn_app_with_issuer};
use serde_json::json;

#[tokio::test]
async fn two_instances_appending_at_once_keep_one_verifiable_chain() {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let issuer = Some("http://login.trohet.test");
    let first = spawn_app_with_issuer(data_dir.path(), database_url.clone(), issuer).await;
    let second = spawn_app_with_issuer(data_dir.path(), database_url, issuer).await;
    let token = service_token(&first, &["admin"]).await;
    let apis = [
        Api::new(&first, Some(token.clone())),
        Api::new(&second, Some(token)),
    ];
    let before = apis[0].get("/api/v1/audit/verify").await.body["events"]
        .as_i64()
        .unwrap();
    let writes = apis.iter().enumerate().flat_map(|(instance, api)| {
        (0..15).map(move |n| async move {
            let answer = api
                .post(
                    "/api/v1/customers",
                    json!({"name": format!("Concurrent {instance}-{n}")}),
                )
                .await;
            assert_eq!(answer.status, 201, "{}", answer.text);
        })
    });
    futures_util::future::join_all(writes).await;
    let verified = apis[1].get("/api/v1/audit/verify").await;
    assert_eq!(verified.body["ok"], true, "{}", verified.text);
    assert_eq!(verified.body["events"].as_i64().unwrap(), before + 30);
}

#[tokio::test]
async fn the_log_filters_pages_and_exports_as_csv() {
    let app = crate::helpers::spawn_app().await;
    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let mut ids = Vec::new();
    for n in 0..5 {
        let created = api
            .post("/api/v1/customers", json!({"name": format!("Logged {n}")}))
            .await;
        ids.push(created.body["id"].as_str().unwrap().to_string());
    }
    let page = api
        .get("/api/v1/audit/events?action=customer.created&limit=2")
        .await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["target_id"], ids[4].as_str(), "newest first");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = api
        .get(&format!(
            "/api/v1/audit/events?action=customer.created&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(next.body["items"][0]["target_id"], ids[2].as_str());
    let one = api
        .get(&format!("/api/v1/audit/events?target={}", ids[0]))
        .await;
    assert_eq!(one.body["items"].as_array().unwrap().len(), 1);
    let future = api.get("/api/v1/audit/events?from=2999-01-01").await;
    assert!(future.body["items"].as_array().unwrap().is_empty());
    assert_eq!(
        api.get("/api/v1/audit/events?from=yesterday").await.status,
        400
    );

    let csv = api
        .get("/api/v1/audit/events?action=customer.created&format=csv")
        .await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("seq,time,actor_kind"));
    assert_eq!(lines.len(), 6);
    assert!(lines[1].contains(&ids[4]));
}
