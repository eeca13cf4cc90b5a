//! Export (GDPR Art. 15 and 20): the DPO's export of a person holds every category of
//! data about them and the Art. 15(1) information, in a zip that the `zip` crate (which
//! we did not write) reads, and no secret: no password hash, token digest or key.

use crate::admin::support::{Api, person_token_via, service_token};
use crate::consent_api::decide;
use crate::helpers::{TestApp, open_database, seed_simple_person, spawn_app};
use serde_json::{Value, json};
use std::io::Read;

/// The files of a zip, by name.
pub fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("a file");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8");
        files.insert(file.name().to_string(), text);
    }
    files
}

pub async fn download(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let response = app
        .http
        .get(format!("{}{path}", crate::admin::support::direct(app)))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("the body").to_vec())
}

#[tokio::test]
async fn a_dpo_export_holds_every_category_and_no_secret() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let token = person_token_via(&app, "consent", &person, &["openid", "consent"]).await;
    let me = Api::new(&app, Some(token));
    let decided = decide(&me, "satisfaction-surveys", "refused").await;
    let version = decided["version"].clone();

    let dpo_token = service_token(&app, &["dpo"]).await;
    let dpo = Api::new(&app, Some(dpo_token.clone()));
    let created = dpo
        .post(
            &format!("/api/v1/persons/{}/exports", person.id),
            json!({"channel": "email", "verification": "replied from the registered address"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["kind"], "access");
    assert_eq!(created.body["channel"], "email");
    let download_path = created.body["download"].as_str().unwrap().to_string();
    let (status, zip) = download(&app, &dpo_token, &download_path).await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["data.json", "index.html"]
    );
    let data: Value = serde_json::from_str(&files["data.json"]).expect("data.json is JSON");

    assert_eq!(data["manifest"]["schema_version"], 1);
    assert_eq!(data["profile"]["email"], person.email.as_str());
    assert_eq!(data["memberships"][0]["roles"], json!(["buyer"]));
    let ledger = data["consent_ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["decision"], "refused");
    assert_eq!(ledger[0]["version"], version);
    assert!(
        data["purpose_texts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["version"] == version),
        "the words behind each decision"
    );
    let apps = data["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert!(
        apps[0]["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!("consent"))
    );
    assert!(
        data["sessions"][0]["started_at"].is_string(),
        "sessions: times and browser"
    );
    let actions: Vec<&str> = data["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"login.succeeded") && actions.contains(&"consent.refused"),
        "{actions:?}"
    );
    assert_eq!(data["requests"][0]["kind"], "access");
    let information = &data["information"];
    assert!(
        information["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["legal_basis"].is_string())
    );
    assert!(!information["categories"].as_array().unwrap().is_empty());
    assert_eq!(information["recipients"].as_array().unwrap().len(), 1);
    assert!(information["rights"].as_array().unwrap().len() >= 7);
    assert!(files["index.html"].contains(&person.display_name));
    assert!(files["index.html"].contains("Your data"));

    let db = open_database(&app).await;
    let mut secrets: Vec<String> = Vec::new();
    for sql in [
        "select password_hash from credential",
        "select session_digest from session",
        "select token_digest from refresh_token",
        "select code_digest from authorization_code",
        "select subject_key from subject_key",
        "select pseudonym_secret from subject_key",
        "select coalesce(audit_ref, '-') from subject_key",
        "select subject from consent_event",
    ] {
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&db).await.unwrap();
        secrets.extend(rows.into_iter().map(|(s,)| s));
    }
    assert!(secrets.len() >= 6, "{secrets:?}");
    for secret in &secrets {
        for (name, text) in &files {
            assert!(!text.contains(secret.as_str()), "{name} holds a secret");
        }
    }

    let request = dpo
        .get(&format!(
            "/api/v1/dsr/{}",
            created.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(request.body["status"], "completed", "{}", request.text);
    let audited = dpo
        .get(&format!(
            "/api/v1/audit/events?action=person.exported&target={}",
            person.id
        ))
        .await;
    assert_eq!(audited.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_export_needs_the_permission_and_a_person() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let support = Api::new(&app, Some(service_token(&app, &["support"]).await));
    let refused = support
        .post(&format!("/api/v1/persons/{}/exports", person.id), json!({}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let dpo_token = service_token(&app, &["dpo"]).await;
    let dpo = Api::new(&app, Some(dpo_token.clone()));
    let unknown = dpo.post("/api/v1/persons/nobody/exports", json!({})).await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let (status, _) = download(&app, &dpo_token, "/api/v1/exports/nothing").await;
    assert_eq!(status, 404);
}
