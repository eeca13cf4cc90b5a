//! A person's own data rights on `/account/privacy`: downloading everything held about them
//! (the password again when the sign-in is older than five minutes), and deleting the
//! account after the password, with a grace period in which the account pages and the
//! login offer to keep it; every request lands in the DPO's register.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::admin::support::{Api, service_token};
use crate::browser::{Browser, Landing, Page, query_param, sign_in};
use crate::chromium::authorize_url;
use crate::helpers::{PASSWORD, Person, TestApp, seed_simple_person, spawn_app};
use crate::privacy_export::unzip;

const GRACE: i64 = 7 * 86_400;

/// The person's requests in the register, as the DPO sees them.
async fn register_of(app: &TestApp, person: &Person) -> Vec<Value> {
    let dpo = Api::new(app, Some(service_token(app, &["dpo"]).await));
    let path = format!("/api/v1/dsr?state=all&person={}", person.id);
    let answer = dpo.get(&path).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["items"].as_array().expect("items").clone()
}

async fn only_request(app: &TestApp, person: &Person, kind: &str) -> Value {
    let requests: Vec<Value> = register_of(app, person)
        .await
        .into_iter()
        .filter(|r| r["kind"] == kind)
        .collect();
    assert_eq!(requests.len(), 1, "one {kind} request: {requests:?}");
    requests[0].clone()
}

/// The page's hidden fields (of its only form) and these.
fn filled(page: &Page, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = page.hidden_fields();
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all
}

/// Posts the "Download my data" form without following redirects, to read the zip.
async fn post_download(browser: &Browser, fields: &[(String, String)]) -> reqwest::Response {
    browser
        .http
        .post(browser.url("/account/data/export"))
        .form(fields)
        .send()
        .await
        .expect("POST the download")
}

fn assert_is_zip_of(response: &reqwest::Response, person: &Person) {
    assert_eq!(response.status(), 200);
    let header = |name| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/zip");
    assert!(header("content-disposition").starts_with("attachment"));
    assert!(header("content-disposition").contains(&person.id));
}

async fn email_in_export(response: reqwest::Response) -> String {
    let files = unzip(&response.bytes().await.expect("the zip"));
    let data: Value = serde_json::from_str(&files["data.json"]).expect("data.json is JSON");
    data["profile"]["email"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Signs in, opens the deletion page and confirms with `password`; returns where it led.
async fn ask_for_deletion(browser: &Browser, password: &str) -> Page {
    let page = browser.visit("/account/deletion").await.page();
    let confirm = page.form_with(&[("password", password)]);
    browser.submit("/account/deletion", &confirm).await.page()
}

#[tokio::test]
async fn a_fresh_session_downloads_the_data_and_the_register_records_it() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;

    let privacy = browser.visit("/account/privacy").await.page();
    assert!(privacy.body.contains("Your data"), "{}", privacy.body);
    assert!(privacy.body.contains("Download my data"));
    let response = post_download(&browser, &privacy.form_with(&[])).await;
    assert_is_zip_of(&response, &person);
    assert_eq!(email_in_export(response).await, person.email);

    let request = only_request(&app, &person, "access").await;
    assert_eq!(request["status"], "completed", "{request}");
    assert_eq!(request["channel"], "self_service");
}

#[tokio::test]
async fn an_older_session_gives_the_password_again_and_a_wrong_one_is_refused() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;
    app.clock.advance(Duration::from_secs(6 * 60));

    let privacy = browser.visit("/account/privacy").await.page();
    let asked = browser
        .submit("/account/data/export", &privacy.form_with(&[]))
        .await
        .page();
    assert_eq!(asked.status, 200);
    assert!(
        asked.body.contains("Confirm that it is you"),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("type=\"password\""));

    let wrong = filled(&asked, &[("password", "not my password at all")]);
    let refused = browser.submit("/account/data/export", &wrong).await.page();
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("That is not your password."));
    let empty = browser
        .submit("/account/data/export", &refused.hidden_fields())
        .await
        .page();
    assert_eq!(empty.status, 401, "an empty password is a wrong one");
    assert!(
        register_of(&app, &person).await.is_empty(),
        "nothing is registered before the password"
    );

    let right = filled(&refused, &[("password", PASSWORD)]);
    let response = post_download(&browser, &right).await;
    assert_is_zip_of(&response, &person);
    assert_eq!(email_in_export(response).await, person.email);
    only_request(&app, &person, "access").await;
}

#[tokio::test]
async fn deleting_the_account_takes_the_password_and_keeping_it_cancels() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;

    let confirm = browser.visit("/account/deletion").await.page();
    for said in [
        "What is deleted",
        "Your news topics",
        "What the law makes us keep",
        "as proof",
        "7 days from now",
        "If you sign in before then",
    ] {
        assert!(confirm.body.contains(said), "{said}:\n{}", confirm.body);
    }
    let refused = ask_for_deletion(&browser, "not my password at all").await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("That is not your password."));
    assert!(register_of(&app, &person).await.is_empty());

    let scheduled = ask_for_deletion(&browser, PASSWORD).await;
    assert_eq!(scheduled.path(), "/account/deletion");
    let request = only_request(&app, &person, "erasure").await;
    assert_eq!(request["status"], "verified", "{request}");
    assert_eq!(request["channel"], "self_service");
    let received = trohet::clock::parse_rfc3339(request["received_at"].as_str().unwrap());
    let act_at = trohet::clock::parse_rfc3339(request["act_at"].as_str().unwrap());
    assert_eq!(act_at.unwrap() - received.unwrap(), GRACE);
    let date = &request["act_at"].as_str().unwrap()[..10];
    let words = format!("Your account will be deleted on {date}.");
    assert!(scheduled.body.contains(&words), "{}", scheduled.body);
    assert_eq!(scheduled.buttons("keep").len(), 1);

    let privacy = browser.visit("/account/privacy").await.page();
    assert!(privacy.body.contains(&words), "the privacy page's banner");
    let account = browser.visit("/account").await.page();
    assert!(account.body.contains(&words), "the account page's banner");
    let (_, label) = &account.buttons("keep")[0];
    assert_eq!(label, "Keep my account");
    let keep = account.form_with(&[("return_to", "/account?done=kept")]);
    let kept = browser
        .submit("/account/deletion/cancel", &keep)
        .await
        .page();
    assert_eq!(kept.path(), "/account");
    assert!(kept.body.contains("Your account is kept"), "{}", kept.body);
    assert!(!kept.body.contains(&words), "no banner once kept");

    let request = only_request(&app, &person, "erasure").await;
    assert_eq!(request["status"], "rejected");
    assert_eq!(request["status_reason"], "withdrawn by the person");
}

#[tokio::test]
async fn a_deletion_is_carried_out_when_the_grace_period_ends() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;
    ask_for_deletion(&browser, PASSWORD).await;
    let id = only_request(&app, &person, "erasure").await["id"].clone();

    app.clock.advance(Duration::from_secs(GRACE as u64 + 60));
    // Tokens do not outlive the days passed.
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let request = dpo
            .get(&format!("/api/v1/dsr/{}", id.as_str().unwrap()))
            .await
            .body;
        if request["status"] == "completed" {
            assert!(request["person_id"].is_null(), "{request}");
            break;
        }
        assert!(Instant::now() < deadline, "not erased in time: {request}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let again = sign_in(&Browser::new(&app.issuer), &person.email, PASSWORD).await;
    assert_eq!(again.path(), "/login");
    assert_eq!(again.status, 401);
}

/// Starts a login at a new app in a new browser; returns the page after the password.
async fn log_in_to_an_app(app: &TestApp, browser: &Browser, person: &Person) -> Page {
    let start = authorize_url(app, true, None).await;
    let login = browser.visit(&start).await.page();
    let fields = filled(
        &login,
        &[("email", &person.email), ("password", &person.password)],
    );
    browser.submit("/login", &fields).await.page()
}

/// Answers "decide later" if the purposes are asked, and returns where the login left.
async fn finish_login(browser: &Browser, landing: Landing) -> url::Url {
    match landing {
        Landing::Left(url) => url,
        Landing::Page(page) => {
            assert_eq!(page.path(), "/privacy-choices", "{}", page.body);
            let later = filled(&page, &[("action", "later")]);
            browser.submit("/privacy-choices", &later).await.left()
        }
    }
}

#[tokio::test]
async fn signing_in_during_the_grace_period_offers_to_keep_the_account() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;
    ask_for_deletion(&browser, PASSWORD).await;

    // "Continue": the login goes on, the deletion stays, and nothing else is asked.
    let elsewhere = Browser::new(&app.issuer);
    let offer = log_in_to_an_app(&app, &elsewhere, &person).await;
    assert_eq!(offer.path(), "/scheduled-deletion", "{}", offer.body);
    assert!(offer.body.contains("Your account will be deleted on"));
    let offered = offer.buttons("action");
    assert_eq!(offered[0].1, "Continue, delete it as planned");
    let fields = offer.form_with(&[
        ("auth", &offer.hidden("auth").unwrap()),
        ("action", "continue"),
    ]);
    let back = elsewhere
        .submit("/scheduled-deletion", &fields)
        .await
        .left();
    assert!(query_param(&back, "code").is_some(), "{back}");
    assert_eq!(
        only_request(&app, &person, "erasure").await["status"],
        "verified"
    );

    // A silent request in a signed-in browser is never interrupted.
    let silent = format!("{}&prompt=none", authorize_url(&app, true, None).await);
    let back = elsewhere.visit(&silent).await.left();
    assert!(query_param(&back, "code").is_some(), "{back}");

    // "Keep my account": cancelled, and the login goes on.
    let third = Browser::new(&app.issuer);
    let offer = log_in_to_an_app(&app, &third, &person).await;
    assert_eq!(offer.path(), "/scheduled-deletion");
    let return_to = offer.hidden("return_to").expect("where keeping returns");
    let keep = offer.form_with(&[("return_to", &return_to), ("keep", "1")]);
    let landing = third.submit("/account/deletion/cancel", &keep).await;
    let back = finish_login(&third, landing).await;
    assert!(query_param(&back, "code").is_some(), "{back}");
    let request = only_request(&app, &person, "erasure").await;
    assert_eq!(request["status"], "rejected");
    assert_eq!(request["status_reason"], "withdrawn by the person");
}

#[tokio::test]
async fn a_legal_hold_is_shown_with_its_reason_instead_of_a_deletion() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let reason = "pending litigation, case 2026-114";
    let path = format!("/api/v1/persons/{}/legal-hold", person.id);
    let held = dpo
        .call(
            "PUT",
            &path,
            Some(serde_json::json!({ "reason": reason })),
            None,
        )
        .await;
    assert_eq!(held.status, 204, "{}", held.text);
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &person.email, PASSWORD).await;

    let refused = ask_for_deletion(&browser, PASSWORD).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("cannot be deleted now"));
    assert!(refused.body.contains(reason), "{}", refused.body);
    let account = browser.visit("/account").await.page();
    assert!(account.buttons("keep").is_empty(), "nothing is pending");
    assert_eq!(
        only_request(&app, &person, "erasure").await["status"],
        "rejected"
    );
}
