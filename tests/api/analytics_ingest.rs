//! `POST /api/v1/events`: a portal back-end's events, kept only for people who consented.

use serde_json::{Value, json};
use trohet::clock::rfc3339;

use trohet::admin::{NewMembership, NewPerson};

use crate::admin::support::{Api, direct, service_token};
use crate::analytics_support::{
    Backend, HOUR, analytics_text, feature, health, month_start, month_text, on, period, post_all,
    rating, reader, social, staff_event,
};
use crate::consent_api::{backend_token, decide, portal_token};
use crate::helpers::{PASSWORD, TestApp, open_database, seed_simple_person, spawn_app};

/// `n` people in one new customer account, each granting `purposes` (recorded by staff on
/// paper, so no sign-in is needed): (the account's id, the people's ids).
pub async fn consenting_people(
    app: &TestApp,
    n: usize,
    purposes: &[&str],
) -> (String, Vec<String>) {
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let customer = app
        .admin
        .add_customer_account(&format!("Analytics {suffix}"))
        .await
        .expect("add customer account");
    let staff = Api::new(app, Some(service_token(app, &["dpo"]).await));
    let mut people = Vec::new();
    for index in 0..n {
        let person = app
            .admin
            .add_person(NewPerson {
                email: format!("rater-{index}-{suffix}@example.test"),
                display_name: format!("Rater {index} {suffix}"),
                locale: Some("en".into()),
                staff: false,
                staff_roles: vec![],
                memberships: vec![NewMembership {
                    customer_account_id: customer.clone(),
                    roles: vec!["member".into()],
                }],
                password: PASSWORD.into(),
            })
            .await
            .expect("add person");
        for purpose in purposes {
            let body = json!({"purpose": purpose, "decision": "granted",
                              "note": "signed form", "language": "en"});
            let recorded = staff
                .post(&format!("/api/v1/persons/{person}/consents"), body)
                .await;
            assert_eq!(recorded.status, 201, "{}", recorded.text);
        }
        people.push(person);
    }
    (customer, people)
}

/// A back-end's token with `analytics:write`.
pub async fn events_token(app: &TestApp) -> String {
    let (status, body) = backend_token(app, &["analytics:write"], "analytics:write").await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_string()
}

pub async fn post_events(app: &TestApp, token: &str, events: Value) -> (u16, Value) {
    let response = app
        .http
        .post(format!("{}/api/v1/events", direct(app)))
        .bearer_auth(token)
        .json(&json!({ "events": events }))
        .send()
        .await
        .expect("events request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_consenting_persons_feature_use_is_counted_once_and_a_stranger_is_dropped() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "portal-analytics", "granted").await;
    let other = seed_simple_person(&app).await;
    let token = events_token(&app).await;
    let now = rfc3339(app.clock.now());
    let customer = &person.accounts[0].id;
    let events = json!([
        {"idempotency_key": "e1", "type": "feature_used", "sub": person.id,
         "customer_id": customer, "occurred_at": now, "feature": "order.placed"},
        {"idempotency_key": "e2", "type": "feature_used", "sub": other.id,
         "customer_id": other.accounts[0].id, "occurred_at": now, "feature": "news.read"},
        {"idempotency_key": "e3", "type": "feature_used", "sub": person.id,
         "customer_id": customer, "occurred_at": now, "feature": "teleport"},
    ]);
    let (status, report) = post_events(&app, &token, events.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");
    assert_eq!(report["dropped_no_consent"], 1, "{report}");
    assert_eq!(report["rejected"][0]["index"], 2, "{report}");
    let (_, again) = post_events(&app, &token, events).await;
    assert_eq!(again["accepted"], 0, "{again}");
    assert_eq!(again["duplicates"], 1, "{again}");
}

const BOTH: [&str; 2] = ["portal-analytics", "satisfaction-surveys"];

async fn stored_events(app: &TestApp) -> i64 {
    let db = open_database(app).await;
    let (n,): (i64,) = sqlx::query_as("select count(*) from analytics_event")
        .fetch_one(&db)
        .await
        .unwrap();
    n
}

/// The reasons of a report's rejections, by index in the batch.
fn reasons(report: &Value) -> std::collections::BTreeMap<u64, String> {
    report["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_bad_event_is_refused_with_its_reason_and_the_rest_of_the_batch_is_counted() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &BOTH).await;
    let (_, strangers) = consenting_people(&app, 1, &BOTH).await;
    let token = events_token(&app).await;
    let me = &people[0];
    let now = app.clock.now();
    let at = now - HOUR;
    let mut without_sub = feature(me, &customer, at, "order.placed");
    without_sub.as_object_mut().unwrap().remove("sub");
    let mut bad_time = feature(me, &customer, at, "order.placed");
    bad_time["occurred_at"] = json!("yesterday");
    let mut staff_with_sub = staff_event("case_opened", &customer, at, "C-1");
    staff_with_sub["sub"] = json!(me);
    let mut wrong_scale = rating(me, &customer, at, "csat", 4, "delivery");
    wrong_scale["scale"] = json!(7);
    let events = vec![
        feature(me, &customer, at, "order.placed"),
        feature("no-such-person", &customer, at, "order.placed"),
        feature(me, "no-such-account", at, "order.placed"),
        feature(&strangers[0], &customer, at, "order.placed"),
        feature(me, &customer, now + HOUR, "order.placed"),
        feature(me, &customer, at, "teleport"),
        rating(me, &customer, at, "nps", 11, "relationship"),
        rating(me, &customer, at, "csat", 0, "delivery"),
        rating(me, &customer, at, "ces", 8, "support_case"),
        staff_with_sub,
        without_sub,
        bad_time,
        rating(me, &customer, at, "csat", 4, "delivery"),
        feature(me, &customer, now + 60, "news.read"),
        staff_event("case_opened", &customer, at, "C-2"),
        wrong_scale,
    ];
    let (status, report) = post_events(&app, &token, json!(events.clone())).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 4, "{report}");
    assert_eq!(report["duplicates"], 0, "{report}");
    assert_eq!(report["dropped_no_consent"], 0, "{report}");
    let reasons = reasons(&report);
    let expected = [
        (1, "unknown subject"),
        (2, "unknown customer account"),
        (3, "not a member of that customer account"),
        (4, "in the future"),
        (5, "unknown feature `teleport`"),
        (6, "0 to 10"),
        (7, "1 to 5"),
        (8, "1 to 7"),
        (9, "send no sub"),
        (10, "sub is required"),
        (11, "RFC 3339"),
        (15, "scale to 5"),
    ];
    assert_eq!(
        reasons.keys().copied().collect::<Vec<_>>(),
        expected.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        "{report}"
    );
    for (index, words) in expected {
        assert!(
            reasons[&index].contains(words),
            "event {index}: {:?} should say {words:?}",
            reasons[&index]
        );
    }
    for rejection in report["rejected"].as_array().unwrap() {
        let index = rejection["index"].as_u64().unwrap() as usize;
        assert_eq!(
            rejection["idempotency_key"], events[index]["idempotency_key"],
            "each refusal names its event"
        );
    }
    assert_eq!(stored_events(&app).await, 4);

    // A refused event's key is not used up: the corrected event is counted.
    let mut corrected = events[5].clone();
    corrected["feature"] = json!("order.placed");
    let (_, again) = post_events(&app, &token, json!([corrected])).await;
    assert_eq!(again["accepted"], 1, "{again}");
    assert_eq!(stored_events(&app).await, 5);
}

#[tokio::test]
async fn a_batch_of_more_than_a_thousand_events_is_refused_whole() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &BOTH).await;
    let token = events_token(&app).await;
    let at = app.clock.now() - HOUR;
    let batch = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|_| feature(&people[0], &customer, at, "news.read"))
            .collect()
    };
    let (status, problem) = post_events(&app, &token, json!(batch(1001))).await;
    assert!((400..500).contains(&status), "{status} {problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("1000"),
        "{problem}"
    );
    assert_eq!(stored_events(&app).await, 0, "nothing of it is kept");
    let (status, report) = post_events(&app, &token, json!(batch(1000))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 1000, "{report}");
}

#[tokio::test]
async fn a_retried_batch_is_counted_once_and_so_is_a_key_repeated_inside_a_batch() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 5, &BOTH).await;
    let token = events_token(&app).await;
    let at = on(&app, 1, 10);
    let mut events: Vec<Value> = people
        .iter()
        .map(|p| feature(p, &customer, at, "order.placed"))
        .collect();
    events.push(events[0].clone());
    let (status, first) = post_events(&app, &token, json!(events)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (&first["accepted"], &first["duplicates"]),
        (&json!(5), &json!(1)),
        "{first}"
    );
    let (_, retry) = post_events(&app, &token, json!(events)).await;
    assert_eq!(
        (&retry["accepted"], &retry["duplicates"]),
        (&json!(0), &json!(6)),
        "{retry}"
    );
    // The key decides, not the content: a retry that changed its mind is still a retry.
    let mut changed = events[1].clone();
    changed["feature"] = json!("news.read");
    let (_, changed) = post_events(&app, &token, json!([changed])).await;
    assert_eq!(
        (&changed["accepted"], &changed["duplicates"]),
        (&json!(0), &json!(1)),
        "{changed}"
    );
    assert_eq!(stored_events(&app).await, 5);

    // A retry sent while the first attempt is still in flight is counted once too.
    let racing: Vec<Value> = people
        .iter()
        .map(|p| feature(p, &customer, at, "news.read"))
        .collect();
    let (a, b) = tokio::join!(
        post_events(&app, &token, json!(racing)),
        post_events(&app, &token, json!(racing))
    );
    assert_eq!((a.0, b.0), (200, 200), "{} {}", a.1, b.1);
    let counted = a.1["accepted"].as_u64().unwrap() + b.1["accepted"].as_u64().unwrap();
    let retried = a.1["duplicates"].as_u64().unwrap() + b.1["duplicates"].as_u64().unwrap();
    assert_eq!((counted, retried), (5, 5), "{} {}", a.1, b.1);
    assert_eq!(stored_events(&app).await, 10);

    let staff = reader(&app).await;
    let month = month_start(&app, 1);
    let report = health(
        &staff,
        &customer,
        &format!("from={0}&to={0}", month_text(&app, 1)),
    )
    .await;
    let activity = &period(&report, &trohet::clock::date_text(month))["activity"];
    assert_eq!(activity["status"], "shown", "{report}");
    assert_eq!(activity["people"], 5, "{activity}");
    assert_eq!(activity["feature_uses"], 10, "{activity}");
    assert_eq!(
        activity["feature_weight"], 55,
        "order.placed weighs 10, news.read 1: {activity}"
    );
}

#[tokio::test]
async fn without_a_token_401_and_with_a_person_token_or_another_scope_403() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &BOTH).await;
    let events = json!([feature(&people[0], &customer, app.clock.now(), "news.read")]);
    let response = app
        .http
        .post(format!("{}/api/v1/events", direct(&app)))
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, token) = backend_token(&app, &["consent:read"], "consent:read").await;
    assert_eq!(status, 200, "{token}");
    let (status, problem) = post_events(
        &app,
        token["access_token"].as_str().unwrap(),
        events.clone(),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) =
        post_events(&app, &service_token(&app, &["admin"]).await, events.clone()).await;
    assert_eq!(status, 403, "a staff role is no scope: {problem}");
    let person = seed_simple_person(&app).await;
    let token = portal_token(&app, &person, &["openid", "consent"]).await;
    let (status, problem) = post_events(&app, &token, events).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(stored_events(&app).await, 0);
}

#[tokio::test]
async fn a_restricted_persons_events_are_dropped_until_the_restriction_is_lifted() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &BOTH).await;
    let token = events_token(&app).await;
    let me = &people[0];
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let path = format!("/api/v1/persons/{me}/restriction");
    let restricted = dpo.call("PUT", &path, Some(json!({})), None).await;
    assert_eq!(restricted.status, 200, "{}", restricted.text);
    let at = app.clock.now() - HOUR;
    let batch = || {
        json!([
            feature(me, &customer, at, "order.placed"),
            rating(me, &customer, at, "nps", 9, "relationship"),
            social(me, &customer, at),
        ])
    };
    let (status, report) = post_events(&app, &token, batch()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dropped_no_consent"], 3, "{report}");
    assert_eq!(report["accepted"], 0, "{report}");
    assert_eq!(stored_events(&app).await, 0);

    let lifted = dpo.call("DELETE", &path, None, None).await;
    assert_eq!(lifted.status, 204, "{}", lifted.text);
    let (_, report) = post_events(&app, &token, batch()).await;
    assert_eq!(report["accepted"], 3, "{report}");
    assert_eq!(report["dropped_no_consent"], 0, "{report}");
    assert_eq!(stored_events(&app).await, 3);
}

#[tokio::test]
async fn a_withdrawal_stops_the_persons_later_events_whoever_records_it() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "portal-analytics", "granted").await;
    decide(&me, "satisfaction-surveys", "granted").await;
    let token = events_token(&app).await;
    let customer = &person.accounts[0].id;
    let earlier = app.clock.now() - 2 * HOUR;
    let (_, report) = post_events(
        &app,
        &token,
        json!([feature(&person.id, customer, earlier, "order.placed")]),
    )
    .await;
    assert_eq!(report["accepted"], 1, "{report}");

    // Withdrawn by the person in a portal app: activity stops at once, even for events
    // that happened before the withdrawal but arrive after it; ratings go on.
    decide(&me, "portal-analytics", "withdrawn").await;
    let (_, report) = post_events(
        &app,
        &token,
        json!([
            feature(&person.id, customer, earlier, "order.tracked"),
            social(&person.id, customer, earlier),
            rating(&person.id, customer, earlier, "csat", 5, "delivery"),
        ]),
    )
    .await;
    assert_eq!(report["dropped_no_consent"], 2, "{report}");
    assert_eq!(report["accepted"], 1, "{report}");

    // Withdrawn on paper, recorded by staff: ratings stop too.
    let staff = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let body = json!({"purpose": "satisfaction-surveys", "decision": "withdrawn",
                      "note": "letter of 2026-11-20", "language": "en"});
    let recorded = staff
        .post(&format!("/api/v1/persons/{}/consents", person.id), body)
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text);
    let (_, report) = post_events(
        &app,
        &token,
        json!([rating(
            &person.id,
            customer,
            earlier,
            "nps",
            10,
            "relationship"
        )]),
    )
    .await;
    assert_eq!(report["dropped_no_consent"], 1, "{report}");
    assert_eq!(report["accepted"], 0, "{report}");
    assert_eq!(stored_events(&app).await, 2);
}

#[tokio::test]
async fn a_rating_needs_satisfaction_surveys_and_activity_needs_portal_analytics() {
    let app = spawn_app().await;
    let (active_account, active) = consenting_people(&app, 1, &["portal-analytics"]).await;
    let (rating_account, raters) = consenting_people(&app, 1, &["satisfaction-surveys"]).await;
    let (silent_account, silent) = consenting_people(&app, 1, &[]).await;
    let token = events_token(&app).await;
    let at = app.clock.now() - HOUR;
    let of = |sub: &str, customer: &str| {
        json!([
            feature(sub, customer, at, "order.placed"),
            social(sub, customer, at),
            rating(sub, customer, at, "csat", 5, "delivery"),
        ])
    };
    let (_, report) = post_events(&app, &token, of(&active[0], &active_account)).await;
    assert_eq!(
        (&report["accepted"], &report["dropped_no_consent"]),
        (&json!(2), &json!(1)),
        "{report}"
    );
    let (_, report) = post_events(&app, &token, of(&raters[0], &rating_account)).await;
    assert_eq!(
        (&report["accepted"], &report["dropped_no_consent"]),
        (&json!(1), &json!(2)),
        "{report}"
    );
    let (_, report) = post_events(&app, &token, of(&silent[0], &silent_account)).await;
    assert_eq!(
        (&report["accepted"], &report["dropped_no_consent"]),
        (&json!(0), &json!(3)),
        "{report}"
    );
    let db = open_database(&app).await;
    let kept: Vec<(String, String)> = sqlx::query_as(
        "select customer_account_id, event_type from analytics_event order by event_type",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let mut expected = vec![
        (active_account.clone(), "feature_used".to_string()),
        (rating_account.clone(), "rating".to_string()),
        (active_account.clone(), "social".to_string()),
    ];
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(kept, expected);
}

#[tokio::test]
async fn no_analytics_row_holds_a_persons_id_email_name_or_sub() {
    let app = spawn_app().await;
    // One person signs in, so that trohet counts a login of its own.
    let person = seed_simple_person(&app).await;
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "portal-analytics", "granted").await;
    decide(&me, "satisfaction-surveys", "granted").await;
    portal_token(&app, &person, &["consent"]).await;
    let (customer, people) = consenting_people(&app, 5, &BOTH).await;
    let token = events_token(&app).await;
    let at = on(&app, 1, 5);
    let mut events = vec![
        feature(&person.id, &person.accounts[0].id, at, "order.placed"),
        rating(
            &person.id,
            &person.accounts[0].id,
            at,
            "nps",
            3,
            "relationship",
        ),
        staff_event("case_opened", &customer, at, "C-7"),
        staff_event("news_published", &customer, at, "N-1"),
    ];
    for (i, p) in people.iter().enumerate() {
        let mut rated = rating(p, &customer, at, "csat", 4, "delivery");
        rated["answer"] = json!(format!("Answer number {i}: fine"));
        rated["item_id"] = json!(format!("delivery-{i}"));
        events.extend([
            feature(p, &customer, at, "invoice.viewed"),
            social(p, &customer, at),
            rated,
        ]);
    }
    post_all(&app, &token, events).await;
    let sp = Backend::register(&app, &["surveys:read"]).await;
    let surveys = Api::new(&app, Some(sp.token(&app, "surveys:read").await));
    let due = surveys
        .get(&format!("/api/v1/surveys/due?sub={}", person.id))
        .await;
    assert_eq!(due.status, 200, "{}", due.text);

    let db = open_database(&app).await;
    let mut everyone = people.clone();
    everyone.push(person.id.clone());
    let mut names = Vec::new();
    for id in &everyone {
        let (email, display_name): (String, String) =
            sqlx::query_as("select email, display_name from person where person_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap();
        names.extend([id.clone(), email, display_name]);
    }
    let stored = analytics_text(&app).await;
    for table in [
        "analytics_event",
        "analytics_answer",
        "analytics_rating",
        "analytics_survey",
    ] {
        assert!(
            stored.iter().any(|(column, _)| column.starts_with(table)),
            "{table} holds rows: {stored:?}"
        );
    }
    assert!(
        stored
            .iter()
            .any(|(_, value)| value.starts_with("Answer number")),
        "the scan reads the answers"
    );
    for (column, value) in &stored {
        for name in &names {
            assert!(
                !value.contains(name.as_str()),
                "{column} holds {name:?}: {value:?}"
            );
        }
    }
}
