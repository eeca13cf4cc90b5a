//! The console's data subject rights pages: the DPO works the register (overdue requests
//! first, requests received by letter, moving them along with reasons), exports a person
//! as a zip, erases only after confirming, is stopped by a legal hold, restricts
//! processing and records objections; an admin without the privacy permissions sees none
//! of it.

use crate::browser::{Browser, Page};
use crate::console_consent::{console_sign_in, staff};
use crate::helpers::{
    Person, REDIRECT_URI, TestApp, open_database, register, seed_simple_person, spawn_app,
};
use crate::privacy_export::unzip;
use crate::receiver::Receiver;
use crate::rp::Rp;
use std::time::Duration;
use trohet::admin::NewClient;
use trohet::privacy::deadline::deadline;

/// A fresh browser signed in to the console (sessions end after idle time, which tests
/// that move the clock pass).
async fn signed_in(app: &TestApp, person: &Person) -> Browser {
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, person).await;
    browser
}

/// Registers a request through the queue's form; returns the request's page.
async fn register_by_letter(browser: &Browser, kind: &str, person_id: &str) -> Page {
    let queue = browser.visit("/console/requests").await.page();
    let form = queue.form_with(&[
        ("kind", kind),
        ("person_id", person_id),
        ("channel", "letter"),
        ("verification", "signed letter, signature compared"),
        ("purpose", ""),
    ]);
    browser.submit("/console/requests", &form).await.page()
}

fn person_path(person: &Person) -> String {
    format!("/console/persons/{}", person.id)
}

#[tokio::test]
async fn a_request_received_by_letter_is_registered_with_its_deadline() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let person = seed_simple_person(&app).await;
    let browser = signed_in(&app, &dpo).await;
    let console = browser.visit("/console").await.page();
    assert!(console.body.contains("href=\"/console/requests\""));

    let page = register_by_letter(&browser, "rectification", &person.id).await;
    assert!(
        page.path().starts_with("/console/requests/"),
        "{}",
        page.body
    );
    assert!(page.body.contains("The request is registered."));
    let due = deadline(app.clock.now(), 1);
    for shown in [
        "Rectification",
        "Letter",
        "signed letter, signature compared",
        "Received",
        due.as_str(),
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    let queue = browser.visit("/console/requests").await.page();
    assert!(queue.body.contains(page.path()), "{}", queue.body);
    assert!(queue.body.contains(&due));
    assert!(queue.body.contains(&person_path(&person)));

    let objection = register_by_letter(&browser, "objection", &person.id).await;
    assert_eq!(objection.status, 422, "{}", objection.body);
    assert!(objection.body.contains("an objection names the purpose"));
    let nobody = register_by_letter(&browser, "access", "no-such-person").await;
    assert_eq!(nobody.status, 422, "{}", nobody.body);
    assert!(nobody.body.contains("There is no person with this id."));
}

#[tokio::test]
async fn the_queue_puts_overdue_requests_first_and_marks_them() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let first = seed_simple_person(&app).await;
    let second = seed_simple_person(&app).await;
    let older = register_by_letter(&signed_in(&app, &dpo).await, "restriction", &first.id).await;
    app.clock.advance(Duration::from_secs(20 * 86_400));
    let newer = register_by_letter(&signed_in(&app, &dpo).await, "access", &second.id).await;
    app.clock.advance(Duration::from_secs(15 * 86_400));

    let browser = signed_in(&app, &dpo).await;
    let queue = browser.visit("/console/requests").await.page();
    assert_eq!(queue.status, 200, "{}", queue.body);
    let (older_at, newer_at) = (
        queue.body.find(older.path()).expect("the older request"),
        queue.body.find(newer.path()).expect("the newer request"),
    );
    assert!(older_at < newer_at, "overdue first: {}", queue.body);
    let rows: Vec<&str> = queue
        .body
        .split("<tr")
        .skip(2)
        .map(|row| row.split("</tr>").next().unwrap_or_default())
        .collect();
    assert!(rows[0].contains("overdue"), "{}", rows[0]);
    assert!(!rows[1].contains("overdue"), "{}", rows[1]);

    let overdue = browser.visit("/console/requests?show=overdue").await.page();
    assert!(overdue.body.contains(older.path()));
    assert!(!overdue.body.contains(newer.path()));
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_a_closed_request_stays_closed() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let person = seed_simple_person(&app).await;
    let browser = signed_in(&app, &dpo).await;
    let request = register_by_letter(&browser, "rectification", &person.id).await;
    let action = format!("{}/status", request.path());

    let without = request.form_with(&[("status", "rejected"), ("reason", " ")]);
    let refused = browser.submit(&action, &without).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("rejected needs a reason"));

    let with = request.form_with(&[("status", "rejected"), ("reason", "not the requester")]);
    let rejected = browser.submit(&action, &with).await.page();
    assert!(
        rejected.body.contains("status is changed."),
        "{}",
        rejected.body
    );
    assert!(rejected.body.contains("Rejected: not the requester"));
    assert!(
        !rejected.body.contains(&action),
        "no form on a closed request"
    );

    let reopen = request.form_with(&[("status", "in_progress"), ("reason", "")]);
    let conflict = browser.submit(&action, &reopen).await.page();
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert!(conflict.body.contains("already rejected"));
}

/// An app that wants to be told, signed in to by the person; returns its id.
async fn app_told_by(app: &TestApp, person: &Person, receiver: &Receiver) -> String {
    let mut new = NewClient::new("Told app", vec![REDIRECT_URI.to_string()]);
    new.events_uri = Some(receiver.events_uri());
    let registered = register(app, new).await;
    let rp = Rp::new(app, &registered, REDIRECT_URI).await;
    rp.log_in(
        &Browser::new(&app.issuer),
        person,
        &["openid", "email"],
        &Default::default(),
    )
    .await;
    registered.client_id
}

#[tokio::test]
async fn the_dpo_exports_a_zip_and_erases_only_after_confirming() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let person = seed_simple_person(&app).await;
    let receiver = Receiver::start(0).await;
    let client_id = app_told_by(&app, &person, &receiver).await;
    let browser = signed_in(&app, &dpo).await;
    let profile = browser.visit(&person_path(&person)).await.page();
    assert!(profile.body.contains("Export data"), "{}", profile.body);

    let export = profile.form_with(&[("channel", "email"), ("verification", "")]);
    let response = browser
        .http
        .post(browser.url(&format!("{}/export", person_path(&person))))
        .form(&export)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let files = unzip(&response.bytes().await.unwrap());
    let data: serde_json::Value = serde_json::from_str(&files["data.json"]).unwrap();
    assert_eq!(data["profile"]["email"], person.email.as_str());
    let profile = browser.visit(&person_path(&person)).await.page();
    assert!(
        profile.body.contains("Access") && profile.body.contains("Completed"),
        "the export is registered and completed: {}",
        profile.body
    );

    let erase_path = format!("{}/erase", person_path(&person));
    let confirm = browser.visit(&erase_path).await.page();
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    for named in [person.email.as_str(), "Told app", "Erase for good"] {
        assert!(confirm.body.contains(named), "{named}: {}", confirm.body);
    }
    let unconfirmed = confirm.form_with(&[("channel", "letter"), ("verification", "signed")]);
    let refused = browser.submit(&erase_path, &unconfirmed).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        browser.visit(&person_path(&person)).await.page().status,
        200
    );

    let confirmed = confirm.form_with(&[
        ("channel", "letter"),
        ("verification", "signed"),
        ("confirm", "yes"),
    ]);
    let request = browser.submit(&erase_path, &confirmed).await.page();
    assert!(
        request.path().starts_with("/console/requests/"),
        "{}",
        request.body
    );
    for shown in [
        "The person is erased.",
        "Completed",
        "an erased person",
        client_id.as_str(),
    ] {
        assert!(request.body.contains(shown), "{shown}: {}", request.body);
    }
    let gone = browser.visit(&person_path(&person)).await.page();
    assert_eq!(gone.status, 404);

    receiver.wait_for(&app, 1, 0).await;
    let browser = signed_in(&app, &dpo).await;
    let request = browser.visit(request.path()).await.page();
    assert!(request.body.contains("delivered"), "{}", request.body);
}

#[tokio::test]
async fn a_legal_hold_blocks_erasure_and_its_reason_is_shown() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let person = seed_simple_person(&app).await;
    let browser = signed_in(&app, &dpo).await;
    let profile = browser.visit(&person_path(&person)).await.page();
    let hold_path = format!("{}/legal-hold", person_path(&person));

    let blank = profile.form_with(&[("action", "set"), ("reason", "")]);
    let refused = browser.submit(&hold_path, &blank).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    let reason = "Pending litigation, case 2026-114";
    let hold = profile.form_with(&[("action", "set"), ("reason", reason)]);
    let held = browser.submit(&hold_path, &hold).await.page();
    assert!(held.body.contains("The legal hold is set"), "{}", held.body);
    assert!(held.body.contains(reason));

    let erase_path = format!("{}/erase", person_path(&person));
    let confirm = browser.visit(&erase_path).await.page();
    assert!(confirm.body.contains(reason), "{}", confirm.body);
    assert!(!confirm.body.contains("Erase for good"));
    let anyway = held.form_with(&[
        ("channel", "letter"),
        ("verification", "signed"),
        ("confirm", "yes"),
    ]);
    let blocked = browser.submit(&erase_path, &anyway).await.page();
    assert_eq!(blocked.status, 409, "{}", blocked.body);
    assert!(blocked.body.contains(reason), "{}", blocked.body);
    let still = browser.visit(&person_path(&person)).await.page();
    assert_eq!(still.status, 200);
    assert!(still.body.contains("Rejected"), "the refusal is registered");

    let lift = still.form_with(&[("action", "lift")]);
    let lifted = browser.submit(&hold_path, &lift).await.page();
    assert!(lifted.body.contains("The legal hold is lifted."));
    assert!(!lifted.body.contains(&format!("{reason} (")));
}

#[tokio::test]
async fn an_admin_sees_no_privacy_buttons_and_is_refused_the_register() {
    let app = spawn_app().await;
    let admin = staff(&app, "admin").await;
    let person = seed_simple_person(&app).await;
    let browser = signed_in(&app, &admin).await;
    let console = browser.visit("/console").await.page();
    assert!(!console.body.contains("/console/requests"));
    let profile = browser.visit(&person_path(&person)).await.page();
    assert_eq!(profile.status, 200);
    for hidden in [
        "/export",
        "/erase",
        "/legal-hold",
        "Export data",
        "/console/requests",
        "/restriction",
        "/objection",
        "Restrict processing",
        "Lift restriction",
        "Record an objection",
    ] {
        assert!(!profile.body.contains(hidden), "{hidden}: {}", profile.body);
    }
    let queue = browser.visit("/console/requests").await.page();
    assert_eq!(queue.status, 403);
    let confirm = browser
        .visit(&format!("{}/erase", person_path(&person)))
        .await
        .page();
    assert_eq!(confirm.status, 403);
    let export = profile.form_with(&[("channel", "email"), ("verification", "")]);
    let refused = browser
        .submit(&format!("{}/export", person_path(&person)), &export)
        .await
        .page();
    assert_eq!(refused.status, 403);
    let restrict = profile.form_with(&[("action", "set")]);
    let refused = browser
        .submit(&format!("{}/restriction", person_path(&person)), &restrict)
        .await
        .page();
    assert_eq!(refused.status, 403);
    assert_eq!(restricted_at(&app, &person).await, None);
}

/// The person's `restricted_at`, read from the database.
async fn restricted_at(app: &TestApp, person: &Person) -> Option<i64> {
    let db = open_database(app).await;
    let (at,): (Option<i64>,) =
        sqlx::query_as("select restricted_at from person where person_id = $1")
            .bind(&person.id)
            .fetch_one(&db)
            .await
            .expect("the person's row");
    at
}

#[tokio::test]
async fn the_dpo_restricts_lifts_and_records_an_objection_from_the_person_page() {
    let app = spawn_app().await;
    let dpo = staff(&app, "dpo").await;
    let person = seed_simple_person(&app).await;
    let browser = signed_in(&app, &dpo).await;
    let profile = browser.visit(&person_path(&person)).await.page();
    assert!(
        profile.body.contains("Processing is not restricted."),
        "{}",
        profile.body
    );
    assert!(!profile.body.contains("Lift restriction"));

    let restriction_path = format!("{}/restriction", person_path(&person));
    let restrict = profile.form_with(&[("action", "set")]);
    let request = browser.submit(&restriction_path, &restrict).await.page();
    assert!(
        request.path().starts_with("/console/requests/"),
        "{}",
        request.body
    );
    for shown in ["Processing is restricted.", "Restriction", "Completed"] {
        assert!(request.body.contains(shown), "{shown}: {}", request.body);
    }
    assert!(restricted_at(&app, &person).await.is_some());

    let profile = browser.visit(&person_path(&person)).await.page();
    assert!(
        profile.body.contains("Lift restriction"),
        "{}",
        profile.body
    );
    let lift = profile.form_with(&[("action", "lift")]);
    let lifted = browser.submit(&restriction_path, &lift).await.page();
    assert_eq!(lifted.path(), person_path(&person), "{}", lifted.body);
    assert!(lifted.body.contains("The restriction is lifted."));
    assert!(lifted.body.contains("Restrict processing"));
    assert_eq!(restricted_at(&app, &person).await, None);

    let objection_path = format!("{}/objection", person_path(&person));
    assert!(lifted.body.contains("<option value=\"portal-analytics\""));
    assert!(
        !lifted.body.contains("<option value=\"portal-account\""),
        "a purpose resting on a contract is not offered"
    );
    let contract = lifted.form_with(&[("purpose", "portal-account")]);
    let refused = browser.submit(&objection_path, &contract).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("no right to object"),
        "{}",
        refused.body
    );

    let analytics = lifted.form_with(&[("purpose", "portal-analytics")]);
    let objected = browser.submit(&objection_path, &analytics).await.page();
    assert!(
        objected.path().starts_with("/console/requests/"),
        "{}",
        objected.body
    );
    for shown in [
        "The objection is recorded.",
        "Objection",
        "Completed",
        "Usage statistics",
    ] {
        assert!(objected.body.contains(shown), "{shown}: {}", objected.body);
    }
}
