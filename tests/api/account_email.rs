//! Changing one's e-mail address at `/account` (GDPR Art. 16): asked for with the password,
//! confirmed through a single-use link mailed to the new address, the old one told, the
//! change registered as a completed rectification and audited without any address.

use crate::admin::support::{Api, service_token};
use crate::browser::{Browser, Page, sign_in};
use crate::helpers::{PASSWORD, Person, TestApp, open_database, seed_simple_person, spawn_app};
use serde_json::Value;
use std::time::Duration;

/// The e-mails queued so far, oldest first, as (to, subject, text).
async fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    let db = open_database(app).await;
    let rows: Vec<(String,)> = sqlx::query_as(
        "select payload from outbox where kind = 'email' order by created_at, outbox_id",
    )
    .fetch_all(&db)
    .await
    .expect("read the outbox");
    rows.into_iter()
        .map(|(payload,)| {
            let email: Value = serde_json::from_str(&payload).expect("an e-mail as JSON");
            let field = |name: &str| email[name].as_str().unwrap_or_default().to_string();
            (field("to"), field("subject"), field("text"))
        })
        .collect()
}

fn mails_to<'a>(
    all: &'a [(String, String, String)],
    address: &str,
) -> Vec<&'a (String, String, String)> {
    all.iter().filter(|(to, _, _)| to == address).collect()
}

/// The path and query of the confirmation link in a mail's text.
fn link_in(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("http") && word.contains("/email/confirm?token="))
        .unwrap_or_else(|| panic!("no confirmation link in:\n{text}"));
    let url = url::Url::parse(link).expect("a URL");
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// Signs the person in and asks for `new_email` with `password`.
async fn ask(browser: &Browser, person: &Person, new_email: &str, password: &str) -> Page {
    let account = sign_in(browser, &person.email, PASSWORD).await;
    assert_eq!(account.path(), "/account", "{}", account.body);
    let fields = account.form_with(&[("email", new_email), ("password", password)]);
    browser.submit("/account/email", &fields).await.page()
}

async fn signs_in(app: &TestApp, email: &str) -> bool {
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, email, PASSWORD).await.path() == "/account"
}

/// Opens the link's page and presses its button.
async fn confirm(browser: &Browser, link: &str) -> Page {
    let form = browser.visit(link).await.page();
    assert_eq!(form.status, 200, "{}", form.body);
    browser
        .submit("/email/confirm", &form.hidden_fields())
        .await
        .page()
}

#[tokio::test]
async fn a_new_address_takes_effect_only_once_confirmed_from_it() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let new_email = format!("renamed-{}", person.email);
    let browser = Browser::new(&app.issuer);

    let refused = ask(&browser, &person, &new_email, "not my password at all").await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(
        mails(&app).await.is_empty(),
        "nothing is sent without the password"
    );

    let asked = ask(&browser, &person, &new_email, PASSWORD).await;
    assert_eq!(asked.path(), "/account");
    assert!(asked.body.contains("on its way"), "{}", asked.body);
    let all = mails(&app).await;
    let to_new = mails_to(&all, &new_email);
    let to_old = mails_to(&all, &person.email);
    assert_eq!(to_new.len(), 1, "one link to the new address: {all:?}");
    assert_eq!(to_old.len(), 1, "one notice to the old address: {all:?}");
    assert!(to_old[0].2.contains("not you"), "{}", to_old[0].2);
    assert!(
        !to_old[0].2.contains("/email/confirm"),
        "the link goes only to the new address"
    );
    let link = link_in(&to_new[0].2);
    assert!(
        signs_in(&app, &person.email).await,
        "unchanged until confirmed"
    );

    let elsewhere = Browser::new(&app.issuer);
    let page = elsewhere.visit(&link).await.page();
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&new_email), "{}", page.body);
    assert!(
        signs_in(&app, &person.email).await,
        "opening the link changes nothing"
    );
    assert!(!signs_in(&app, &new_email).await);

    let done = elsewhere
        .submit("/email/confirm", &page.hidden_fields())
        .await
        .page();
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(signs_in(&app, &new_email).await, "the new address signs in");
    assert!(
        !signs_in(&app, &person.email).await,
        "the old one no longer does"
    );

    assert_eq!(
        elsewhere.visit(&link).await.page().status,
        410,
        "a link works once"
    );
    let again = elsewhere
        .submit("/email/confirm", &page.hidden_fields())
        .await
        .page();
    assert_eq!(again.status, 410);

    registered_as_rectification(&app, &person).await;
    audited_without_addresses(&app, &person, &[&person.email, &new_email]).await;
}

async fn registered_as_rectification(app: &TestApp, person: &Person) {
    let dpo = Api::new(app, Some(service_token(app, &["dpo"]).await));
    let register = dpo.get("/api/v1/dsr?state=all").await;
    assert_eq!(register.status, 200, "{}", register.text);
    let items = register.body["items"].as_array().expect("items");
    let request = items
        .iter()
        .find(|r| r["person_id"] == person.id.as_str() && r["kind"] == "rectification")
        .unwrap_or_else(|| panic!("a rectification in {items:?}"));
    assert_eq!(request["status"], "completed");
    assert_eq!(request["channel"], "self_service");
    assert_eq!(
        request["verification"],
        "confirmed from the new address and the password"
    );
    assert!(request["completed_at"].is_string());
    let actions: Vec<&str> = request["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["what"].as_str())
        .collect();
    assert!(actions.contains(&"e-mail address changed"), "{actions:?}");
}

async fn audited_without_addresses(app: &TestApp, person: &Person, addresses: &[&str]) {
    let db = open_database(app).await;
    let (audit_ref,): (String,) =
        sqlx::query_as("select audit_ref from subject_key where person_id = $1")
            .bind(&person.id)
            .fetch_one(&db)
            .await
            .expect("the person has an audit reference");
    let changed: Vec<(Option<String>, Option<String>, String)> = sqlx::query_as(
        "select target_kind, target_id, details from audit_event \
         where action = 'person.email_changed'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0.as_deref(), Some("person"));
    assert_eq!(changed[0].1.as_deref(), Some(audit_ref.as_str()));
    let details: Vec<(String,)> = sqlx::query_as("select details from audit_event")
        .fetch_all(&db)
        .await
        .unwrap();
    for (detail,) in &details {
        let detail = detail.to_lowercase();
        assert!(
            addresses
                .iter()
                .all(|a| !detail.contains(&a.to_lowercase()))
                && !detail.contains('@'),
            "an audit event names an address: {detail}"
        );
    }
}

#[tokio::test]
async fn an_expired_link_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let new_email = format!("later-{}", person.email);
    let browser = Browser::new(&app.issuer);
    ask(&browser, &person, &new_email, PASSWORD).await;
    let link = link_in(&mails_to(&mails(&app).await, &new_email)[0].2);
    let form = browser.visit(&link).await.page();
    app.clock.advance(Duration::from_secs(25 * 3600));

    let gone = browser.visit(&link).await.page();
    assert_eq!(gone.status, 410, "{}", gone.body);
    let late = browser
        .submit("/email/confirm", &form.hidden_fields())
        .await
        .page();
    assert_eq!(late.status, 410, "{}", late.body);
    assert!(signs_in(&app, &person.email).await);
    assert!(!signs_in(&app, &new_email).await);
    let unknown = browser
        .visit("/email/confirm?token=nothing-like-it")
        .await
        .page();
    assert_eq!(unknown.status, 410);
}

#[tokio::test]
async fn an_address_another_person_has_gets_no_link_and_the_same_answer() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let other = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);

    let free = ask(
        &browser,
        &person,
        &format!("free-{}", person.email),
        PASSWORD,
    )
    .await;
    let taken = ask(&browser, &person, &other.email.to_uppercase(), PASSWORD).await;
    assert_eq!((taken.status, taken.path()), (free.status, free.path()));
    assert!(taken.body.contains("on its way"), "{}", taken.body);

    let all = mails(&app).await;
    assert!(
        mails_to(&all, &other.email).is_empty()
            && mails_to(&all, &other.email.to_uppercase()).is_empty(),
        "nothing goes to an address already taken: {all:?}"
    );
    assert_eq!(
        mails_to(&all, &person.email).len(),
        2,
        "the old address hears of both"
    );
    assert!(signs_in(&app, &other.email).await && signs_in(&app, &person.email).await);

    let same = ask(&browser, &person, &person.email, PASSWORD).await;
    assert_eq!(same.status, 422, "{}", same.body);
    let invalid = ask(&browser, &person, "not an address", PASSWORD).await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
}

#[tokio::test]
async fn a_link_for_an_address_taken_meanwhile_is_refused() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let wanted = format!("wanted-{}", person.email);
    let browser = Browser::new(&app.issuer);
    ask(&browser, &person, &wanted, PASSWORD).await;
    let link = link_in(&mails_to(&mails(&app).await, &wanted)[0].2);
    let other = trohet::admin::NewPerson {
        email: wanted.clone(),
        display_name: "Someone Else".into(),
        locale: None,
        staff: true,
        staff_roles: vec![],
        memberships: vec![],
        password: PASSWORD.into(),
    };
    app.admin
        .add_person(other)
        .await
        .expect("the address is taken meanwhile");

    let refused = confirm(&browser, &link).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(signs_in(&app, &person.email).await);
}
