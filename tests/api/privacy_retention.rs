//! Retention (`policies/retention.toml`) enforced by the janitor: six years on, the oldest
//! audit events go behind a signed checkpoint and the rest still verifies; an erased
//! person's anonymous consent decisions and closed requests go; a living person's decisions
//! stay; people inactive for two years are warned, then erased unless they sign in. A dry
//! run counts and changes nothing.

use crate::admin::support::{Api, service_token};
use crate::browser::{Browser, sign_in};
use crate::consent_api::{decide, portal_token};
use crate::helpers::{TestApp, open_database, seed_simple_person, spawn_app};
use serde_json::{Value, json};
use std::time::Duration;

const DAY: u64 = 86_400;

async fn dpo(app: &TestApp) -> Api {
    Api::new(app, Some(service_token(app, &["dpo"]).await))
}

async fn grant(app: &TestApp, person: &crate::helpers::Person, purpose: &str) {
    let me = Api::new(
        app,
        Some(portal_token(app, person, &["openid", "consent"]).await),
    );
    decide(&me, purpose, "granted").await;
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = open_database(app).await;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db).await.unwrap();
    n
}

async fn run(app: &TestApp, dry_run: bool) -> Value {
    let answer = dpo(app)
        .await
        .post(
            &format!("/api/v1/retention/run?dry_run={dry_run}"),
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

#[tokio::test]
async fn old_audit_events_anonymous_decisions_and_closed_requests_go_and_the_rest_verifies() {
    let app = spawn_app().await;
    let leaver = seed_simple_person(&app).await;
    let stayer = seed_simple_person(&app).await;
    grant(&app, &leaver, "portal-analytics").await;
    grant(&app, &stayer, "portal-analytics").await;
    let erased = dpo(&app)
        .await
        .post(&format!("/api/v1/persons/{}/erasure", leaver.id), json!({}))
        .await;
    assert_eq!(erased.body["status"], "completed", "{}", erased.text);
    let support = Api::new(&app, Some(service_token(&app, &["support"]).await));
    assert_eq!(
        support
            .post("/api/v1/retention/run", json!({}))
            .await
            .status,
        403
    );

    app.clock.advance(Duration::from_secs(6 * 365 * DAY));
    // Registering each run's DPO client is logged too; the rest must not move.
    let others = "select count(*) from audit_event where action <> 'client.created'";
    let events_before = count(&app, others).await;
    let dry = run(&app, true).await;
    assert_eq!(dry["dry_run"], true);
    assert!(dry["audit_events_pruned"].as_u64().unwrap() > 0, "{dry}");
    assert_eq!(dry["anonymous_consent_decisions"], 1, "{dry}");
    assert_eq!(dry["closed_requests"], 1, "{dry}");
    assert!(dry["expired_sessions"].as_u64().unwrap() >= 1, "{dry}");
    assert_eq!(
        count(&app, others).await,
        events_before,
        "a dry run changes nothing"
    );

    let done = run(&app, false).await;
    assert_eq!(done["anonymous_consent_decisions"], 1);
    assert_eq!(done["closed_requests"], 1);
    let through = done["audit_pruned_through"]
        .as_i64()
        .expect("a prune point");
    assert_eq!(
        count(&app, "select count(*) from consent_event").await,
        1,
        "the living person's decision stays"
    );
    assert_eq!(count(&app, "select count(*) from dsr_request").await, 0);
    assert_eq!(count(&app, "select count(*) from session").await, 0);
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from audit_event where seq <= {through}")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from audit_checkpoint where seq = {through}")
        )
        .await,
        1,
        "the new start is signed"
    );
    let verified = dpo(&app).await.get("/api/v1/audit/verify").await;
    assert_eq!(verified.body["ok"], true, "{}", verified.text);
    let ran = dpo(&app)
        .await
        .get("/api/v1/audit/events?action=retention.ran")
        .await;
    assert_eq!(
        ran.body["items"].as_array().unwrap().len(),
        1,
        "each run is in the log"
    );
    let again = run(&app, false).await;
    assert_eq!(again["audit_events_pruned"], 0, "{again}");
}

#[tokio::test]
async fn inactive_people_are_warned_then_erased_unless_they_sign_in() {
    let app = spawn_app().await;
    let sleeper = seed_simple_person(&app).await;
    let returner = seed_simple_person(&app).await;
    app.clock.advance(Duration::from_secs(2 * 400 * DAY));
    let warned = run(&app, false).await;
    assert_eq!(warned["inactive_people_warned"], 2, "{warned}");
    assert_eq!(warned["inactive_people_erased"], 0);
    let mails = count(
        &app,
        "select count(*) from outbox where kind = 'email' and payload like '%will be deleted%'",
    )
    .await;
    assert_eq!(mails, 2, "each is told by e-mail");

    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &returner.email, &returner.password).await;
    app.clock.advance(Duration::from_secs(31 * DAY));
    let erased = run(&app, false).await;
    assert_eq!(erased["inactive_people_erased"], 1, "{erased}");
    let dpo = dpo(&app).await;
    assert_eq!(
        dpo.get(&format!("/api/v1/persons/{}", sleeper.id))
            .await
            .status,
        404
    );
    assert_eq!(
        dpo.get(&format!("/api/v1/persons/{}", returner.id))
            .await
            .status,
        200,
        "signing in kept them"
    );
    let register = dpo.get("/api/v1/dsr?state=all&kind=erasure").await;
    let request = &register.body["items"][0];
    assert_eq!(request["channel"], "retention");
    assert_eq!(request["status"], "completed");
}
