//! `GET /api/v1/surveys/due`: when a portal app should ask a person the relationship NPS.
//! Only with `satisfaction-surveys` granted; 7 days after trohet first saw the person,
//! then 30 days after their first answer, then every 90 days; one app told per interval.

use serde_json::{Value, json};
use std::time::Duration;
use trohet::clock::{parse_rfc3339, rfc3339};

use crate::admin::support::{Api, direct};
use crate::analytics_ingest::{consenting_people, post_events};
use crate::analytics_support::{Backend, DAY, HOUR, rating};
use crate::consent_api::{decide, portal_token};
use crate::helpers::{TestApp, seed_simple_person, spawn_app};

const SCOPE: &str = "surveys:read";

/// Asks with a fresh token of `client` (the clock may have moved past the last one).
async fn ask(app: &TestApp, client: &Backend, sub: &str) -> Value {
    let token = client.token(app, SCOPE).await;
    let answer = Api::new(app, Some(token))
        .get(&format!("/api/v1/surveys/due?sub={sub}"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

fn next_due(answer: &Value) -> i64 {
    parse_rfc3339(answer["next_due_at"].as_str().expect("next_due_at")).expect("RFC 3339")
}

fn advance(app: &TestApp, secs: i64) {
    app.clock.advance(Duration::from_secs(secs as u64));
}

/// Answers the relationship NPS now (through a portal back-end); returns when.
async fn answer(
    app: &TestApp,
    events: &Backend,
    sub: &str,
    customer: &str,
    touchpoint: &str,
) -> i64 {
    let at = app.clock.now();
    let token = events.token(app, "analytics:write").await;
    let (status, report) = post_events(
        app,
        &token,
        json!([rating(sub, customer, at, "nps", 8, touchpoint)]),
    )
    .await;
    assert_eq!((status, &report["accepted"]), (200, &json!(1)), "{report}");
    at
}

#[tokio::test]
async fn without_satisfaction_surveys_a_person_is_never_due() {
    let app = spawn_app().await;
    let (_, active) = consenting_people(&app, 1, &["portal-analytics"]).await;
    let undecided = seed_simple_person(&app).await;
    let client = Backend::register(&app, &[SCOPE]).await;
    for _ in 0..2 {
        for sub in [active[0].as_str(), undecided.id.as_str()] {
            let answer = ask(&app, &client, sub).await;
            assert_eq!(answer, json!({"due": false, "reason": "no_consent"}));
        }
        advance(&app, 8 * DAY);
    }
}

#[tokio::test]
async fn the_survey_falls_due_seven_days_after_the_first_ask_then_thirty_after_the_first_answer_then_every_ninety()
 {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &["satisfaction-surveys"]).await;
    let me = &people[0];
    let one = Backend::register(&app, &[SCOPE]).await;
    let two = Backend::register(&app, &[SCOPE]).await;
    let events = Backend::register(&app, &["analytics:write"]).await;

    // The first ask is when trohet first sees the person: due a week later.
    let before = app.clock.now();
    let first = ask(&app, &one, me).await;
    let after = app.clock.now();
    assert_eq!(first["due"], false, "{first}");
    assert!(first.get("reason").is_none(), "{first}");
    let due_at = next_due(&first);
    assert!(
        (before + 7 * DAY..=after + 7 * DAY).contains(&due_at),
        "first seen + 7 days: {first}"
    );
    let again = ask(&app, &two, me).await;
    assert_eq!(
        (&again["due"], next_due(&again)),
        (&json!(false), due_at),
        "{again}"
    );

    // A week on, one app is told to ask; every other asker is told when it is next due.
    advance(&app, 7 * DAY);
    let now = app.clock.now();
    assert!(now >= due_at);
    let told = ask(&app, &one, me).await;
    assert_eq!(told["due"], true, "{told}");
    let offered_due = next_due(&told);
    assert!(
        (now + 30 * DAY..=app.clock.now() + 30 * DAY).contains(&offered_due),
        "an unanswered offer is made again after 30 days: {told}"
    );
    for client in [&two, &one] {
        let later = ask(&app, client, me).await;
        assert_eq!(later["due"], false, "never twice in the interval: {later}");
        assert_eq!(next_due(&later), offered_due, "{later}");
    }

    // An NPS at another touchpoint is no answer to the relationship survey.
    advance(&app, HOUR);
    answer(&app, &events, me, &customer, "delivery").await;
    assert_eq!(next_due(&ask(&app, &two, me).await), offered_due);

    // The first answer: next due 30 days after it.
    advance(&app, HOUR);
    let answered = answer(&app, &events, me, &customer, "relationship").await;
    let after_answer = ask(&app, &two, me).await;
    assert_eq!(after_answer["due"], false, "{after_answer}");
    assert_eq!(
        after_answer["next_due_at"],
        rfc3339(answered + 30 * DAY),
        "{after_answer}"
    );
    advance(&app, 30 * DAY);
    assert_eq!(ask(&app, &two, me).await["due"], true);
    assert_eq!(ask(&app, &one, me).await["due"], false);

    // The second answer: then every 90 days.
    advance(&app, HOUR);
    let answered = answer(&app, &events, me, &customer, "relationship").await;
    let after_second = ask(&app, &one, me).await;
    assert_eq!(after_second["due"], false, "{after_second}");
    assert_eq!(
        after_second["next_due_at"],
        rfc3339(answered + 90 * DAY),
        "{after_second}"
    );
    advance(&app, 89 * DAY);
    assert_eq!(ask(&app, &one, me).await["due"], false);
    advance(&app, DAY);
    assert_eq!(ask(&app, &two, me).await["due"], true);
}

#[tokio::test]
async fn a_sign_in_starts_the_rhythm_before_any_app_asks() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "satisfaction-surveys", "granted").await;
    let before = app.clock.now();
    portal_token(&app, &person, &["consent"]).await;
    let after = app.clock.now();
    advance(&app, 3 * DAY);
    let client = Backend::register(&app, &[SCOPE]).await;
    let answer = ask(&app, &client, &person.id).await;
    assert_eq!(answer["due"], false, "{answer}");
    assert!(
        (before + 7 * DAY..=after + 7 * DAY).contains(&next_due(&answer)),
        "seven days after the sign-in, not after the ask: {answer}"
    );
    advance(&app, 4 * DAY + 60);
    assert_eq!(ask(&app, &client, &person.id).await["due"], true);
}

#[tokio::test]
async fn an_unknown_sub_is_404() {
    let app = spawn_app().await;
    let client = Backend::register(&app, &[SCOPE]).await;
    let surveys = Api::new(&app, Some(client.token(&app, SCOPE).await));
    let unknown = surveys.get("/api/v1/surveys/due?sub=nobody-at-all").await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
}

#[tokio::test]
async fn only_a_client_with_surveys_read_may_ask() {
    let app = spawn_app().await;
    let (_, people) = consenting_people(&app, 1, &["satisfaction-surveys"]).await;
    let path = format!("/api/v1/surveys/due?sub={}", people[0]);
    let client = Backend::register(&app, &[SCOPE, "analytics:write"]).await;
    let surveys = Api::new(&app, Some(client.token(&app, SCOPE).await));
    let missing = surveys.get("/api/v1/surveys/due").await;
    assert_eq!(missing.status, 400, "{}", missing.text);
    let writer = Api::new(&app, Some(client.token(&app, "analytics:write").await));
    let refused = writer.get(&path).await;
    assert_eq!(
        refused.status, 403,
        "analytics:write is not surveys:read: {}",
        refused.text
    );
    let person = seed_simple_person(&app).await;
    let own = Api::new(
        &app,
        Some(portal_token(&app, &person, &["openid", "consent"]).await),
    );
    assert_eq!(own.get(&path).await.status, 403, "a person's token");
    let anonymous = app
        .http
        .get(format!("{}{path}", direct(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(surveys.get(&path).await.status, 200);
}
