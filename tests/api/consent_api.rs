//! The consent API end to end: a portal app records a person's decision in its own UI
//! with the person's token, a back-end gates its processing on it with its own token, and
//! staff record a paper decision with a note and read the ledger.

use serde_json::{Value, json};
use trohet::admin::NewClient;
use trohet::oidc::GrantType;

use crate::admin::support::{Api, direct, person_token_via, service_token};
use crate::helpers::{Person, TestApp, register, seed_simple_person, spawn_app};

const ANALYTICS: &str = "portal-analytics";

/// A person's access token through a portal app registered with the `consent` scope.
pub async fn portal_token(app: &TestApp, person: &Person, scopes: &[&str]) -> String {
    person_token_via(app, "consent", person, scopes).await
}

/// Records a person's own decision on the current text of `purpose`, through the portal
/// app whose token `me` holds; asserts it was recorded.
pub async fn decide(me: &Api, purpose: &str, decision: &str) -> Value {
    let purposes = me.get("/api/v1/purposes").await;
    let version = purposes
        .body
        .as_array()
        .expect("purposes")
        .iter()
        .find(|p| p["id"] == purpose)
        .expect("the purpose")["version"]
        .clone();
    let body =
        json!({"purpose": purpose, "version": version, "decision": decision, "language": "en"});
    let recorded = me.post("/api/v1/me/consents", body).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    recorded.body
}

/// A back-end's client_credentials token asking for `scope`.
pub async fn backend_token(app: &TestApp, registered_scopes: &[&str], scope: &str) -> (u16, Value) {
    let mut new = NewClient::new("Back-end", vec![]);
    new.grant_types = vec![GrantType::ClientCredentials];
    new.extra_scopes = registered_scopes.iter().map(|s| s.to_string()).collect();
    let registered = register(app, new).await;
    let response = app
        .http
        .post(format!("{}/token", direct(app)))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("token JSON"))
}

/// A receipt's claims, its signature checked against `/jwks` by `jsonwebtoken`, a JOSE
/// implementation we did not write.
pub async fn verified_receipt(app: &TestApp, receipt: &str) -> Value {
    crate::receiver::verified_token(app, receipt, "consent-receipt+jwt", None).await
}

fn state_of<'a>(answer: &'a Value, purpose: &str) -> &'a Value {
    answer["purposes"]
        .as_array()
        .expect("purposes")
        .iter()
        .find(|p| p["purpose"] == purpose)
        .expect("the purpose")
}

async fn current_version(app: &TestApp, purpose: &str) -> String {
    let purposes = Api::new(app, None).get("/api/v1/purposes").await;
    assert_eq!(purposes.status, 200, "{}", purposes.text);
    let found = purposes.body.as_array().expect("a list");
    let purpose = found.iter().find(|p| p["id"] == purpose).expect("purpose");
    assert!(purpose["texts"]["sv"]["title"].is_string());
    purpose["version"].as_str().expect("version").to_string()
}

#[tokio::test]
async fn a_decision_recorded_by_a_portal_app_gates_a_back_end_at_once() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let portal = Api::new(
        &app,
        Some(portal_token(&app, &person, &["openid", "consent"]).await),
    );
    let (status, token) = backend_token(&app, &["consent:read"], "consent:read").await;
    assert_eq!(status, 200, "{token}");
    let backend = Api::new(&app, token["access_token"].as_str().map(str::to_string));
    let gate = format!("/api/v1/consents/{}", person.id);

    let before = portal.get("/api/v1/me/consents").await;
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(state_of(&before.body, ANALYTICS)["state"], "not_asked");
    assert_eq!(state_of(&before.body, ANALYTICS)["allowed"], false);
    assert_eq!(state_of(&before.body, "portal-account")["allowed"], true);

    let version = current_version(&app, ANALYTICS).await;
    let decision = |decision: &str| json!({"purpose": ANALYTICS, "version": version, "decision": decision, "language": "sv"});
    let granted = portal
        .post("/api/v1/me/consents", decision("granted"))
        .await;
    assert_eq!(granted.status, 201, "{}", granted.text);
    assert_eq!(granted.body["method"], "portal_app");
    assert!(granted.body["client_id"].is_string());
    let receipt =
        verified_receipt(&app, granted.body["receipt"].as_str().expect("a receipt")).await;
    assert_eq!(receipt["jti"], granted.body["receipt_id"]);
    assert_eq!(receipt["piiPrincipalId"], person.id);
    assert_eq!(receipt["purpose_version"], version);
    assert_eq!(receipt["decision"], "granted");
    assert_eq!(receipt["legal_basis"], "consent");
    assert_eq!(receipt["collectionMethod"], "portal_app");
    assert_eq!(
        receipt["services"][0]["purposes"][0]["purpose"],
        "Användningsstatistik"
    );
    assert_eq!(
        state_of(&backend.get(&gate).await.body, ANALYTICS)["allowed"],
        true
    );

    let withdrawn = portal
        .post("/api/v1/me/consents", decision("withdrawn"))
        .await;
    assert_eq!(withdrawn.status, 201, "{}", withdrawn.text);
    let after = backend.get(&gate).await;
    assert_eq!(state_of(&after.body, ANALYTICS)["state"], "withdrawn");
    assert_eq!(state_of(&after.body, ANALYTICS)["allowed"], false);
}

#[tokio::test]
async fn a_decision_on_a_stale_text_is_refused_with_the_current_version() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let portal = Api::new(
        &app,
        Some(portal_token(&app, &person, &["openid", "consent"]).await),
    );
    let stale = json!({"purpose": ANALYTICS, "version": "0".repeat(64), "decision": "granted", "language": "en"});
    let answer = portal.post("/api/v1/me/consents", stale).await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    assert_eq!(answer.problem(), "urn:trohet:problem:stale-purpose-version");
    assert_eq!(
        answer.body["current_version"],
        current_version(&app, ANALYTICS).await
    );

    let version = current_version(&app, ANALYTICS).await;
    let nothing = json!({"purpose": ANALYTICS, "version": version, "decision": "withdrawn", "language": "en"});
    assert_eq!(
        portal.post("/api/v1/me/consents", nothing).await.status,
        409
    );
    let contract = current_version(&app, "portal-account").await;
    let shown = json!({"purpose": "portal-account", "version": contract, "decision": "refused", "language": "en"});
    assert_eq!(portal.post("/api/v1/me/consents", shown).await.status, 422);
    let unknown = json!({"purpose": "mind-reading", "version": version, "decision": "granted", "language": "en"});
    assert_eq!(
        portal.post("/api/v1/me/consents", unknown).await.status,
        422
    );
    let bad =
        json!({"purpose": ANALYTICS, "version": version, "decision": "maybe", "language": "en"});
    assert_eq!(portal.post("/api/v1/me/consents", bad).await.status, 400);
    let bad =
        json!({"purpose": ANALYTICS, "version": version, "decision": "granted", "language": "de"});
    assert_eq!(portal.post("/api/v1/me/consents", bad).await.status, 422);
}

#[tokio::test]
async fn consents_are_reached_only_with_the_scope_made_for_them() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let plain = Api::new(&app, Some(portal_token(&app, &person, &["openid"]).await));
    let answer = plain.get("/api/v1/me/consents").await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert!(answer.body["detail"].as_str().unwrap().contains("consent"));
    assert_eq!(
        Api::new(&app, None).get("/api/v1/me/consents").await.status,
        401
    );

    // A back-end must be registered with consent:read to ask for it.
    let (status, body) = backend_token(&app, &[], "consent:read").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    let (_, token) = backend_token(&app, &["consent:read"], "").await;
    let unscoped = Api::new(&app, token["access_token"].as_str().map(str::to_string));
    let gate = format!("/api/v1/consents/{}", person.id);
    assert_eq!(unscoped.get(&gate).await.status, 403);

    let (_, token) = backend_token(&app, &["consent:read"], "consent:read").await;
    let backend = Api::new(&app, token["access_token"].as_str().map(str::to_string));
    assert_eq!(
        backend.get("/api/v1/consents/nobody-we-know").await.status,
        404
    );
    // A person's token cannot ask about someone else by subject.
    let portal = Api::new(
        &app,
        Some(portal_token(&app, &person, &["openid", "consent"]).await),
    );
    assert_eq!(portal.get(&gate).await.status, 403);
}

#[tokio::test]
async fn staff_record_a_paper_decision_with_a_note_and_the_dpo_reads_the_ledger() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let support = Api::new(&app, Some(service_token(&app, &["support"]).await));
    let admin = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let path = format!("/api/v1/persons/{}/consents", person.id);

    let without_note = json!({"purpose": "satisfaction-surveys", "decision": "granted", "note": " ", "language": "sv"});
    assert_eq!(support.post(&path, without_note).await.status, 422);
    let paper = json!({"purpose": "satisfaction-surveys", "decision": "granted",
                       "note": "signed form 2026-11-20", "language": "sv"});
    let recorded = support.post(&path, paper.clone()).await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    assert_eq!(recorded.body["method"], "staff");
    assert_eq!(admin.post(&path, paper).await.status, 403);

    assert_eq!(
        support.get(&path).await.status,
        403,
        "support records but does not read"
    );
    let ledger = dpo.get(&path).await;
    assert_eq!(ledger.status, 200, "{}", ledger.text);
    assert_eq!(
        state_of(&ledger.body, "satisfaction-surveys")["state"],
        "granted"
    );
    let history = ledger.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["note"], "signed form 2026-11-20");
    assert_eq!(dpo.get("/api/v1/persons/nobody/consents").await.status, 404);

    // The decision is in the audit chain, and the chain with its ledger verifies.
    let verify = dpo.get("/api/v1/audit/verify").await;
    assert_eq!(verify.body["ok"], true, "{}", verify.text);
    let events = dpo.get("/api/v1/audit/events?action=consent.granted").await;
    let items = events.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", events.text);
    assert_eq!(items[0]["target_id"], history[0]["receipt_id"]);
}

#[tokio::test]
async fn an_audience_lists_who_grants_a_purpose_as_the_client_knows_them() {
    let app = spawn_app().await;
    let anna = seed_simple_person(&app).await;
    let bo = seed_simple_person(&app).await;
    let (status, token) = backend_token(&app, &["audience:read"], "audience:read").await;
    assert_eq!(status, 200, "{token}");
    let news = Api::new(&app, token["access_token"].as_str().map(str::to_string));
    let version = current_version(&app, "targeted-news").await;
    for person in [&anna, &bo] {
        let portal = Api::new(
            &app,
            Some(portal_token(&app, person, &["openid", "consent"]).await),
        );
        let grant = json!({"purpose": "targeted-news", "version": version,
                           "decision": "granted", "language": "en"});
        assert_eq!(portal.post("/api/v1/me/consents", grant).await.status, 201);
    }
    let subs = |answer: &crate::admin::support::Answer| -> Vec<String> {
        answer.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|m| m["sub"].as_str().unwrap().to_string())
            .collect()
    };
    let everyone = news.get("/api/v1/audiences/targeted-news").await;
    assert_eq!(everyone.status, 200, "{}", everyone.text);
    let mut listed = subs(&everyone);
    listed.sort();
    let mut expected = vec![anna.id.clone(), bo.id.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Paged with a sealed cursor that names nobody.
    let first = news.get("/api/v1/audiences/targeted-news?limit=1").await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_string();
    assert!(!cursor.contains(&listed[0]) && !cursor.contains(&listed[1]));
    let second = news
        .get(&format!(
            "/api/v1/audiences/targeted-news?limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(subs(&first).len() + subs(&second).len(), 2);
    assert_ne!(subs(&first), subs(&second));
    let forged = news
        .get("/api/v1/audiences/targeted-news?cursor=bm9ib2R5")
        .await;
    assert_eq!(forged.status, 400);

    // Withdrawal takes Anna out at once; a customer filter narrows to Bo's account.
    let portal = Api::new(
        &app,
        Some(portal_token(&app, &anna, &["openid", "consent"]).await),
    );
    let withdraw = json!({"purpose": "targeted-news", "version": version,
                          "decision": "withdrawn", "language": "en"});
    assert_eq!(
        portal.post("/api/v1/me/consents", withdraw).await.status,
        201
    );
    let only_bo = std::slice::from_ref(&bo.id);
    assert_eq!(
        subs(&news.get("/api/v1/audiences/targeted-news").await),
        only_bo
    );
    let in_bos = format!(
        "/api/v1/audiences/targeted-news?customer={}&role=buyer",
        bo.accounts[0].id
    );
    assert_eq!(subs(&news.get(&in_bos).await), only_bo);
    let in_annas = format!(
        "/api/v1/audiences/targeted-news?customer={}",
        anna.accounts[0].id
    );
    assert!(subs(&news.get(&in_annas).await).is_empty());

    assert_eq!(
        news.get("/api/v1/audiences/portal-account").await.status,
        422
    );
    assert_eq!(
        news.get("/api/v1/audiences/targeted-news?interest=gossip")
            .await
            .status,
        422
    );
    let (_, token) = backend_token(&app, &["consent:read"], "consent:read").await;
    let other = Api::new(&app, token["access_token"].as_str().map(str::to_string));
    assert_eq!(
        other.get("/api/v1/audiences/targeted-news").await.status,
        403
    );
}
