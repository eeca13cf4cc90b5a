//! The page after login that asks about undecided purposes: it names every purpose resting
//! on consent with its text, preselects nothing, offers Accept and Refuse alike and "decide
//! later", speaks the language of the login, records what was chosen in the ledger, and
//! asks no more in that session, nor ever again once everything is decided.

use serde_json::Value;
use trohet::admin::NewClient;

use crate::admin::support::{Api, service_token};
use crate::browser::{Answers, Browser, dance};
use crate::helpers::{REDIRECT_URI, TestApp, register, seed_simple_person, spawn_app};
use crate::rp::Rp;

async fn portal(app: &TestApp) -> Rp {
    let mut new = NewClient::new("Portal", vec![REDIRECT_URI.to_string()]);
    new.first_party = true;
    let registered = register(app, new).await;
    Rp::new(app, &registered, REDIRECT_URI).await
}

#[tokio::test]
async fn undecided_purposes_are_asked_after_login_and_later_means_not_again_this_session() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = portal(&app).await;
    let browser = Browser::new(&app.issuer);

    let request = rp.authorize(&["openid"]);
    let login = browser.visit(request.url.as_str()).await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let choices = browser.submit("/login", &fields).await.page();
    assert_eq!(choices.path(), "/privacy-choices");
    for title in [
        "Usage statistics",
        "Satisfaction surveys",
        "News chosen for you",
    ] {
        assert!(
            choices.body.contains(title),
            "{title} is asked:\n{}",
            choices.body
        );
    }
    assert!(choices.body.contains("pseudonym"), "the full text is shown");
    assert!(
        !choices.body.contains("Your portal account"),
        "contract is not asked"
    );
    assert!(!choices.body.contains("checked"), "nothing is preselected");
    assert_eq!(
        choices.radios().len(),
        6,
        "Accept and Refuse for each of three"
    );
    let actions: Vec<String> = choices
        .buttons("action")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(actions, ["save", "later"]);

    let mut fields = choices.hidden_fields();
    fields.push(("action".into(), "later".into()));
    let landed = browser.submit("/privacy-choices", &fields).await.left();
    rp.code_from(&landed, &request);

    let again = rp.authorize(&["openid"]);
    let sso = dance(&browser, again.url.as_str(), &person, &Answers::default()).await;
    assert!(
        sso.pages.is_empty(),
        "not asked again this session: {:?}",
        sso.pages
    );
    rp.code_from(&sso.landed, &again);
}

#[tokio::test]
async fn choices_are_recorded_in_the_language_of_the_login_and_then_never_asked_again() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = portal(&app).await;
    let browser = Browser::new(&app.issuer);
    let request = rp.authorize_with(&["openid"], |r| r.add_extra_param("ui_locales", "sv"));
    let login = browser.visit(request.url.as_str()).await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let choices = browser.submit("/login", &fields).await.page();
    assert!(
        choices.body.contains("Användningsstatistik"),
        "{}",
        choices.body
    );
    assert!(choices.body.contains("Bestäm senare"));
    let mut fields = choices.hidden_fields();
    fields.push(("choice.portal-analytics".into(), "granted".into()));
    fields.push(("choice.satisfaction-surveys".into(), "refused".into()));
    fields.push(("choice.targeted-news".into(), "granted".into()));
    fields.push(("action".into(), "save".into()));
    let landed = browser.submit("/privacy-choices", &fields).await.left();
    rp.code_from(&landed, &request);

    let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let ledger = dpo
        .get(&format!("/api/v1/persons/{}/consents", person.id))
        .await;
    let history = ledger.body["history"].as_array().expect("history");
    assert_eq!(history.len(), 3, "{}", ledger.text);
    assert!(
        history
            .iter()
            .all(|e| e["method"] == "login_prompt" && e["language"] == "sv")
    );
    let state = |purpose: &str| -> Value {
        ledger.body["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["purpose"] == purpose)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("satisfaction-surveys"), "refused");
    assert_eq!(state("portal-analytics"), "granted");

    // A new browser session: everything is decided, so nothing is asked.
    let fresh = Browser::new(&app.issuer);
    let next = rp.authorize(&["openid"]);
    let quiet = dance(&fresh, next.url.as_str(), &person, &Answers::default()).await;
    assert_eq!(quiet.pages, ["/login"]);
}
