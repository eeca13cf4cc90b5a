//! Analytics and the data subject's rights: erasure makes a person's analytics rows
//! unlinkable without changing any customer's figures, the export holds their events and
//! free-text answers, answers never reach a report, and a restriction stops everything.

use base64::Engine;
use serde_json::{Value, json};

use crate::admin::support::{Api, service_token};
use crate::analytics_ingest::{consenting_people, events_token, post_events};
use crate::analytics_support::{
    Backend, analytics_text, feature, health, month_text, on, post_all, rating, reader, social,
};
use crate::helpers::{TestApp, open_database, spawn_app};
use crate::privacy_export::{download, unzip};

const BOTH: [&str; 2] = ["portal-analytics", "satisfaction-surveys"];

async fn dpo(app: &TestApp) -> Api {
    Api::new(app, Some(service_token(app, &["dpo"]).await))
}

/// A person's pseudonym secret, while they have one.
async fn secret_of(app: &TestApp, person: &str) -> Option<[u8; 32]> {
    let db = open_database(app).await;
    let row: Option<(String,)> =
        sqlx::query_as("select pseudonym_secret from subject_key where person_id = $1")
            .bind(person)
            .fetch_optional(&db)
            .await
            .unwrap();
    row.map(|(text,)| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .expect("base64url")
            .try_into()
            .expect("32 bytes")
    })
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let db = open_database(app).await;
    let (n,): (i64,) = sqlx::query_as(sql).bind(bind).fetch_one(&db).await.unwrap();
    n
}

/// Each person rates with a free-text answer and uses the portal, over two months.
fn activity_and_answers(app: &TestApp, customer: &str, people: &[String], tag: &str) -> Vec<Value> {
    let mut events = Vec::new();
    for back in 1..=2 {
        for (i, p) in people.iter().enumerate() {
            let at = on(app, back, 4 + i as i64);
            events.push(feature(p, customer, at, "order.placed"));
            events.push(social(p, customer, at));
            let mut nps = rating(
                p,
                customer,
                at,
                "nps",
                (6 + i as i64 + back) % 11,
                "relationship",
            );
            nps["answer"] = json!(format!("{tag} answer {i} in month -{back}"));
            events.push(nps);
            events.push(rating(
                p,
                customer,
                at,
                "csat",
                1 + (i as i64) % 5,
                "delivery",
            ));
        }
    }
    events
}

/// Everything staff can read about these accounts: every report, JSON and CSV.
async fn every_report(app: &TestApp, staff: &Api, customers: &[&str]) -> Vec<String> {
    let mut texts = Vec::new();
    for customer in customers {
        for granularity in ["day", "week", "month"] {
            for format in ["json", "csv"] {
                let query = format!(
                    "from={}&to={}&granularity={granularity}&format={format}",
                    month_text(app, 3),
                    month_text(app, 0)
                );
                let answer = staff
                    .get(&format!("/api/v1/customers/{customer}/health?{query}"))
                    .await;
                assert_eq!(answer.status, 200, "{}", answer.text);
                texts.push(answer.text);
            }
        }
    }
    for query in [
        String::new(),
        format!("before={}", month_text(app, 1)),
        "format=csv".into(),
    ] {
        let answer = staff.get(&format!("/api/v1/health?{query}")).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        texts.push(answer.text);
    }
    texts
}

#[tokio::test]
async fn erasure_leaves_every_aggregate_unchanged_and_the_persons_rows_unlinkable() {
    let app = spawn_app().await;
    let (a, people) = consenting_people(&app, 6, &BOTH).await;
    let (b, others) = consenting_people(&app, 5, &BOTH).await;
    let token = events_token(&app).await;
    let mut events = activity_and_answers(&app, &a, &people, "A");
    events.extend(activity_and_answers(&app, &b, &others, "B"));
    post_all(&app, &token, events).await;
    let victim = &people[0];
    let surveys = Backend::register(&app, &["surveys:read"]).await;
    let asking = Api::new(&app, Some(surveys.token(&app, "surveys:read").await));
    let due = asking
        .get(&format!("/api/v1/surveys/due?sub={victim}"))
        .await;
    assert_eq!(due.status, 200, "{}", due.text);

    let secret = secret_of(&app, victim).await.expect("a pseudonym secret");
    let pseudonym = trohet::analytics::pseudonym::pseudonym(&secret, &a);
    let survey_key = trohet::analytics::pseudonym::survey_key(&secret);
    let answers = "select count(*) from analytics_answer where pseudonym = $1";
    let events_of = "select count(*) from analytics_event where pseudonym = $1";
    let surveys_of = "select count(*) from analytics_survey where survey_key = $1";
    assert_eq!(
        count(&app, answers, &pseudonym).await,
        2,
        "their two answers"
    );
    assert_eq!(count(&app, events_of, &pseudonym).await, 8);
    assert_eq!(count(&app, surveys_of, &survey_key).await, 1);
    let all_answers = "select count(*) from analytics_answer where pseudonym <> $1";
    let others_answers = count(&app, all_answers, &pseudonym).await;
    assert_eq!(others_answers, 20);

    let staff = reader(&app).await;
    let before = every_report(&app, &staff, &[&a, &b]).await;
    let figures = health(&staff, &a, &format!("from={}", month_text(&app, 2))).await;
    assert_eq!(
        figures["periods"][0]["activity"]["people"], 6,
        "not vacuous: the person is counted in {figures}"
    );

    let erased = dpo(&app)
        .await
        .post(
            &format!("/api/v1/persons/{victim}/erasure"),
            json!({"channel": "letter", "verification": "signed letter"}),
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.body["status"], "completed", "{}", erased.text);

    let after = every_report(&app, &staff, &[&a, &b]).await;
    for (before, after) in before.iter().zip(&after) {
        assert_eq!(before, after, "a report changed with the erasure");
    }
    assert!(
        secret_of(&app, victim).await.is_none(),
        "the secret is gone"
    );
    assert_eq!(
        count(&app, answers, &pseudonym).await,
        0,
        "their answers are gone"
    );
    assert_eq!(
        count(&app, surveys_of, &survey_key).await,
        0,
        "their survey rhythm is gone"
    );
    assert_eq!(
        count(&app, all_answers, &pseudonym).await,
        others_answers,
        "the others' answers stay"
    );
    assert_eq!(
        count(&app, events_of, &pseudonym).await,
        8,
        "the counted events stay, under a pseudonym nobody can recompute"
    );
    // No secret left makes that pseudonym any more.
    let db = open_database(&app).await;
    let secrets: Vec<(String,)> = sqlx::query_as("select pseudonym_secret from subject_key")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(secrets.len() >= 10, "the others' secrets stay");
    for (text,) in secrets {
        let other: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .unwrap()
            .try_into()
            .unwrap();
        assert_ne!(
            trohet::analytics::pseudonym::pseudonym(&other, &a),
            pseudonym
        );
    }
    for (column, value) in analytics_text(&app).await {
        assert!(
            !value.contains(victim.as_str()),
            "{column} names the person"
        );
    }
}

#[tokio::test]
async fn a_persons_export_holds_their_analytics_events_and_free_text_answers() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 2, &BOTH).await;
    let me = &people[0];
    let token = events_token(&app).await;
    let at = on(&app, 1, 9);
    let mut rated = rating(me, &customer, at, "csat", 2, "delivery");
    rated["answer"] = json!("The delivery was late again, third time.");
    let mut other = rating(&people[1], &customer, at, "csat", 5, "delivery");
    other["answer"] = json!("Someone else's words.");
    // A month in which they only rated: no activity rollup names it, their rater does.
    let earlier = on(&app, 2, 9);
    post_all(
        &app,
        &token,
        vec![
            feature(me, &customer, at, "invoice.downloaded"),
            rated,
            social(me, &customer, at),
            other,
            rating(me, &customer, earlier, "csat", 4, "purchase"),
        ],
    )
    .await;
    let surveys = Backend::register(&app, &["surveys:read"]).await;
    let asking = Api::new(&app, Some(surveys.token(&app, "surveys:read").await));
    assert_eq!(
        asking
            .get(&format!("/api/v1/surveys/due?sub={me}"))
            .await
            .status,
        200
    );

    let dpo_token = service_token(&app, &["dpo"]).await;
    let dpo = Api::new(&app, Some(dpo_token.clone()));
    let created = dpo
        .post(
            &format!("/api/v1/persons/{me}/exports"),
            json!({"channel": "email", "verification": "replied from the registered address"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let (status, zip) =
        download(&app, &dpo_token, created.body["download"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    let data: Value = serde_json::from_str(&files["data.json"]).unwrap();
    let analytics = &data["analytics"];
    let events = analytics["events"].as_array().expect("their events");
    let mut types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    types.sort();
    assert_eq!(
        types,
        ["feature_used", "rating", "rating", "social"],
        "{analytics}"
    );
    assert_eq!(events[0]["type"], "rating", "oldest first: {analytics}");
    assert_eq!(events[0]["occurred_at"], trohet::clock::rfc3339(earlier));
    assert_eq!(events[0]["detail"]["touchpoint"], "purchase");
    for event in &events[1..] {
        assert_eq!(event["customer_id"], customer.as_str(), "{event}");
        assert_eq!(event["occurred_at"], trohet::clock::rfc3339(at), "{event}");
    }
    let rating = events[1..].iter().find(|e| e["type"] == "rating").unwrap();
    assert_eq!(rating["detail"]["score"], 2, "{rating}");
    assert_eq!(rating["detail"]["kind"], "csat", "{rating}");
    let answers = analytics["answers"].as_array().expect("their answers");
    assert_eq!(answers.len(), 1, "{analytics}");
    assert_eq!(
        answers[0]["answer"],
        "The delivery was late again, third time."
    );
    assert_eq!(answers[0]["customer_id"], customer.as_str());
    let months = analytics["monthly_activity"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{analytics}");
    assert_eq!(months[0]["month"], month_text(&app, 1));
    assert_eq!(months[0]["feature_weight"], 2);
    assert_eq!(months[0]["social"], 1);
    assert!(
        analytics["relationship_survey"]["first_seen_at"].is_string(),
        "{analytics}"
    );
    for (name, text) in &files {
        assert!(
            !text.contains("Someone else's words"),
            "{name} holds another's answer"
        );
    }
}

#[tokio::test]
async fn free_text_answers_never_reach_a_report() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 6, &BOTH).await;
    let token = events_token(&app).await;
    post_all(
        &app,
        &token,
        activity_and_answers(&app, &customer, &people, "Marker-7f3a"),
    )
    .await;
    let staff = reader(&app).await;
    let texts = every_report(&app, &staff, &[&customer]).await;
    assert!(
        texts.iter().any(|t| t.contains("\"status\":\"shown\"")),
        "the reports show figures"
    );
    for text in &texts {
        assert!(
            !text.contains("Marker-7f3a"),
            "an answer in a report: {text}"
        );
        assert!(!text.contains("answer"), "{text}");
    }
    let stored = analytics_text(&app).await;
    let holding: std::collections::BTreeSet<&str> = stored
        .iter()
        .filter(|(_, value)| value.contains("Marker-7f3a"))
        .map(|(column, _)| column.as_str())
        .collect();
    assert_eq!(
        holding.into_iter().collect::<Vec<_>>(),
        ["analytics_answer.answer"],
        "answers are kept in one place only"
    );
}

#[tokio::test]
async fn a_restriction_stops_ingestion_and_survey_asks_until_it_is_lifted() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 1, &BOTH).await;
    let me = &people[0];
    let token = events_token(&app).await;
    let surveys = Backend::register(&app, &["surveys:read"]).await;
    let asking = Api::new(&app, Some(surveys.token(&app, "surveys:read").await));
    let due_path = format!("/api/v1/surveys/due?sub={me}");
    let due = asking.get(&due_path).await;
    assert_eq!(due.status, 200, "{}", due.text);
    assert!(due.body["next_due_at"].is_string(), "{}", due.text);

    let dpo = dpo(&app).await;
    let restriction = format!("/api/v1/persons/{me}/restriction");
    let restricted = dpo.call("PUT", &restriction, None, None).await;
    assert_eq!(restricted.status, 200, "{}", restricted.text);
    let at = app.clock.now() - 60;
    let batch = || {
        json!([
            feature(me, &customer, at, "order.placed"),
            rating(me, &customer, at, "nps", 10, "relationship"),
        ])
    };
    let (_, report) = post_events(&app, &token, batch()).await;
    assert_eq!(report["dropped_no_consent"], 2, "{report}");
    let due = asking.get(&due_path).await;
    assert_eq!(
        due.body,
        json!({"due": false, "reason": "no_consent"}),
        "{}",
        due.text
    );

    let lifted = dpo.call("DELETE", &restriction, None, None).await;
    assert_eq!(lifted.status, 204, "{}", lifted.text);
    let due = asking.get(&due_path).await;
    assert!(due.body["next_due_at"].is_string(), "{}", due.text);
    let (_, report) = post_events(&app, &token, batch()).await;
    assert_eq!(report["accepted"], 2, "{report}");
    let db = open_database(&app).await;
    let (stored,): (i64,) = sqlx::query_as("select count(*) from analytics_event")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 2, "nothing of the restricted time was kept");
}
