//! Erasure (GDPR Art. 17), end to end: a DPO erases a person who signed in to two apps,
//! decided on purposes, was invited elsewhere and asked for a password reset; every app
//! is told; then every text and blob column of every table, read from the schema, is
//! searched for anything that could lead back to the person.

use crate::admin::support::{Api, person_token_via, service_token};
use crate::browser::{Answers, Browser};
use crate::consent_api::decide;
use crate::helpers::{
    Person, REDIRECT_URI, TestApp, open_database, register, seed_simple_person, spawn_app,
};
use crate::receiver::{Receiver, verified_token};
use crate::rp::Rp;
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};
use trohet::admin::NewClient;

const ACCOUNT_PURGED: &str = "https://schemas.openid.net/secevent/risc/event-type/account-purged";
const BACKCHANNEL_LOGOUT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// An app that wants to be told, signed in to by the person; returns its id and the `sub`
/// it knows the person by.
async fn app_told_by(
    app: &TestApp,
    person: &Person,
    receiver: &Receiver,
    pairwise: bool,
) -> (String, String) {
    let mut new = NewClient::new("Told app", vec![REDIRECT_URI.to_string()]);
    new.pairwise = pairwise;
    new.events_uri = Some(receiver.events_uri());
    new.backchannel_logout_uri = Some(receiver.logout_uri());
    let registered = register(app, new).await;
    let rp = Rp::new(app, &registered, REDIRECT_URI).await;
    let login = rp
        .log_in(
            &Browser::new(&app.issuer),
            person,
            &["openid", "email"],
            &Answers::default(),
        )
        .await;
    (
        registered.client_id,
        login.claims.subject().as_str().to_string(),
    )
}

/// Every text and blob column of every table, as the database describes itself.
async fn text_columns(db: &AnyPool, sqlite: bool) -> Vec<(String, String)> {
    if sqlite {
        let tables: Vec<(String,)> = sqlx::query_as(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' \
             and name not like '_sqlx%'",
        )
        .fetch_all(db)
        .await
        .unwrap();
        let mut columns = Vec::new();
        for (table,) in tables {
            let rows = sqlx::query(&format!(
                "select name, type from pragma_table_info('{table}')"
            ))
            .fetch_all(db)
            .await
            .unwrap();
            for row in rows {
                let (name, kind): (String, String) = (row.get(0), row.get(1));
                if kind.is_empty() || ["text", "blob"].contains(&kind.to_lowercase().as_str()) {
                    columns.push((table.clone(), name));
                }
            }
        }
        columns
    } else {
        sqlx::query_as(
            "select table_name::text, column_name::text from information_schema.columns \
             where table_schema = current_schema() and table_name not like '_sqlx%' \
             and data_type in ('text', 'character varying', 'bytea', 'json', 'jsonb')",
        )
        .fetch_all(db)
        .await
        .unwrap()
    }
}

/// Where `needle` is found: "table.column" for each column holding it.
async fn traces(db: &AnyPool, sqlite: bool, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, column) in text_columns(db, sqlite).await {
        let text = if sqlite {
            format!("cast(\"{column}\" as text)")
        } else {
            format!("\"{column}\"::text")
        };
        let sql = format!(
            "select count(*) from \"{table}\" where lower({text}) like '%' || lower($1) || '%'"
        );
        let (count,): (i64,) = sqlx::query_as(&sql)
            .bind(needle)
            .fetch_one(db)
            .await
            .unwrap();
        if count > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

async fn dpo(app: &TestApp) -> Api {
    Api::new(app, Some(service_token(app, &["dpo"]).await))
}

#[tokio::test]
async fn an_erased_person_leaves_no_trace_in_any_table_and_every_app_is_told() {
    let app = spawn_app().await;
    let receiver = Receiver::start(2).await;
    let person = seed_simple_person(&app).await;
    let (public_app, public_sub) = app_told_by(&app, &person, &receiver, false).await;
    let (pairwise_app, pairwise_sub) = app_told_by(&app, &person, &receiver, true).await;
    assert_ne!(
        pairwise_sub, person.id,
        "the pairwise app knows another sub"
    );

    // Decisions, an invitation elsewhere, a password reset link: more rows about them.
    let token = person_token_via(&app, "consent", &person, &["openid", "consent"]).await;
    let me = Api::new(&app, Some(token.clone()));
    decide(&me, "portal-analytics", "granted").await;
    let admin = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let other = admin
        .post("/api/v1/customers", json!({"name": "Elsewhere AB"}))
        .await;
    let invited = admin
        .post(
            &format!(
                "/api/v1/customers/{}/invitations",
                other.body["id"].as_str().unwrap()
            ),
            json!({"email": person.email, "name": person.display_name, "roles": ["member"]}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let browser = Browser::new(&app.issuer);
    let forgot = browser.visit(&app.url("/password/forgot")).await.page();
    browser
        .submit(
            "/password/forgot",
            &forgot.form_with(&[("email", &person.email)]),
        )
        .await;

    let db = open_database(&app).await;
    let sqlite = app.database_url.starts_with("sqlite");
    let (subject_key, pseudonym_secret): (String, String) = sqlx::query_as(
        "select subject_key, pseudonym_secret from subject_key where person_id = $1",
    )
    .bind(&person.id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        !traces(&db, sqlite, &person.email).await.is_empty(),
        "the scan finds what is there"
    );

    let erased = dpo(&app)
        .await
        .post(
            &format!("/api/v1/persons/{}/erasure", person.id),
            json!({"channel": "letter", "verification": "signed letter"}),
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.body["status"], "completed");
    assert_eq!(
        erased.body["notifications"].as_array().unwrap().len(),
        4,
        "two apps, two tokens each"
    );

    // Every app is told, each token once, although the receiver refused the first two.
    receiver.wait_for(&app, 2, 2).await;
    assert_eq!(receiver.refused(), 2);
    let (events, logouts) = receiver.accepted();
    let mut told = std::collections::BTreeMap::new();
    let mut jtis = std::collections::BTreeSet::new();
    for token in &events {
        let claims = verified_token(&app, token, "secevent+jwt", None).await;
        let aud = claims["aud"].as_str().unwrap().to_string();
        let subject = &claims["events"][ACCOUNT_PURGED]["subject"];
        assert_eq!(subject["format"], "iss_sub");
        assert_eq!(subject["iss"], app.issuer.as_str());
        assert!(claims["iat"].as_i64().unwrap() > 0);
        assert!(
            jtis.insert(claims["jti"].as_str().unwrap().to_string()),
            "each jti once"
        );
        told.insert(aud, subject["sub"].as_str().unwrap().to_string());
    }
    assert_eq!(told.get(&public_app), Some(&public_sub));
    assert_eq!(told.get(&pairwise_app), Some(&pairwise_sub));
    for token in &logouts {
        let claims = verified_token(&app, token, "logout+jwt", None).await;
        assert!(claims["events"][BACKCHANNEL_LOGOUT].is_object());
        assert!(claims.get("nonce").is_none(), "a logout token has no nonce");
        assert!(
            jtis.insert(claims["jti"].as_str().unwrap().to_string()),
            "each jti once"
        );
        assert_eq!(
            told.get(claims["aud"].as_str().unwrap()),
            claims["sub"].as_str().map(str::to_string).as_ref()
        );
    }
    let request = dpo(&app)
        .await
        .get(&format!(
            "/api/v1/dsr/{}",
            erased.body["id"].as_str().unwrap()
        ))
        .await;
    let states: Vec<&Value> = request.body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["state"])
        .collect();
    assert!(states.iter().all(|s| *s == "delivered"), "{}", request.text);

    for needle in [
        person.email.as_str(),
        person.display_name.as_str(),
        person.id.as_str(),
        subject_key.as_str(),
        pseudonym_secret.as_str(),
        public_sub.as_str(),
        pairwise_sub.as_str(),
    ] {
        assert_eq!(
            traces(&db, sqlite, needle).await,
            Vec::<String>::new(),
            "a trace of {needle}"
        );
    }

    // What the law keeps: that it happened, under ids that lead nowhere.
    let events = dpo(&app)
        .await
        .get("/api/v1/audit/events?action=person.erased")
        .await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1);
    assert!(events.body["items"][0].get("target_person_id").is_none());
    // And the person can no longer use what they held.
    let userinfo = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    let again = dpo(&app)
        .await
        .post(&format!("/api/v1/persons/{}/erasure", person.id), json!({}))
        .await;
    assert_eq!(again.status, 404, "{}", again.text);
}

#[tokio::test]
async fn a_legal_hold_refuses_erasure_and_says_why_until_it_is_lifted() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let dpo = dpo(&app).await;
    let path = format!("/api/v1/persons/{}/legal-hold", person.id);
    let empty = dpo
        .call("PUT", &path, Some(json!({"reason": " "})), None)
        .await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    let held = dpo
        .call(
            "PUT",
            &path,
            Some(json!({"reason": "pending litigation, case 2026-114"})),
            None,
        )
        .await;
    assert_eq!(held.status, 204, "{}", held.text);

    let refused = dpo
        .post(&format!("/api/v1/persons/{}/erasure", person.id), json!({}))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.problem().ends_with("legal-hold"),
        "{}",
        refused.text
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("case 2026-114")
    );
    let register = dpo
        .get(&format!("/api/v1/dsr?state=all&person={}", person.id))
        .await;
    let items = register.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the refusal is registered");
    assert_eq!(items[0]["status"], "rejected");
    assert!(
        items[0]["status_reason"]
            .as_str()
            .unwrap()
            .contains("2026-114")
    );

    let lifted = dpo.call("DELETE", &path, None, None).await;
    assert_eq!(lifted.status, 204);
    let erased = dpo
        .post(&format!("/api/v1/persons/{}/erasure", person.id), json!({}))
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.body["status"], "completed");
    assert!(
        erased.body["person_id"].is_null(),
        "the register keeps no person id"
    );
}

#[tokio::test]
async fn erasure_needs_the_permission() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let admin = Api::new(&app, Some(service_token(&app, &["support"]).await));
    let refused = admin
        .post(&format!("/api/v1/persons/{}/erasure", person.id), json!({}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let bad = dpo(&app)
        .await
        .post(
            &format!("/api/v1/persons/{}/erasure", person.id),
            json!({"channel": "pigeon"}),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}
