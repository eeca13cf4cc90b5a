//! OAuth consent, remembered: a third-party app asks once per scope set, asks again naming
//! only what is new, `prompt=consent` always asks, a first-party app never asks, and
//! ending an app's access on the account page makes it ask again.

use openidconnect::core::CoreAuthPrompt;
use trohet::admin::NewClient;

use crate::browser::{Answers, Browser, dance, query_param};
use crate::helpers::{REDIRECT_URI, TestApp, register, seed_simple_person, spawn_app};
use crate::rp::Rp;

async fn rp_for(app: &TestApp, first_party: bool) -> Rp {
    let mut new = NewClient::new("Order Desk", vec![REDIRECT_URI.to_string()]);
    new.first_party = first_party;
    let registered = register(app, new).await;
    Rp::new(app, &registered, REDIRECT_URI).await
}

#[tokio::test]
async fn a_third_party_app_asks_once_and_then_only_for_what_is_new() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = rp_for(&app, false).await;
    let browser = Browser::new(&app.issuer);
    let answers = Answers::default();

    let first = rp.authorize(&["openid", "profile"]);
    let asked = dance(&browser, first.url.as_str(), &person, &answers).await;
    assert_eq!(asked.pages, ["/login", "/consent", "/privacy-choices"]);
    rp.code_from(&asked.landed, &first);

    let same = rp.authorize(&["openid"]);
    let remembered = dance(&browser, same.url.as_str(), &person, &answers).await;
    assert!(remembered.pages.is_empty(), "{:?}", remembered.pages);
    rp.code_from(&remembered.landed, &same);

    let more = rp.authorize(&["openid", "profile", "email"]);
    let page = browser.visit(more.url.as_str()).await.page();
    assert_eq!(page.path(), "/consent");
    assert!(page.body.contains("now also wants to"), "{}", page.body);
    assert!(page.body.contains("see your email address"));
    assert!(
        !page.body.contains("see your name"),
        "only the new scope is named"
    );

    let again = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::Consent));
    let page = browser.visit(again.url.as_str()).await.page();
    assert_eq!(page.path(), "/consent");
    assert!(
        page.body.contains("know who you are"),
        "prompt=consent names all"
    );
}

#[tokio::test]
async fn a_silent_request_for_scopes_not_yet_allowed_fails_with_consent_required() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let first_party = rp_for(&app, true).await;
    let browser = Browser::new(&app.issuer);
    // Signed in through a first-party app, which never asks.
    let login = first_party.authorize(&["openid", "email"]);
    let signed_in = dance(&browser, login.url.as_str(), &person, &Answers::default()).await;
    assert_eq!(signed_in.pages, ["/login", "/privacy-choices"]);

    let third_party = rp_for(&app, false).await;
    let silent = third_party.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));
    let landed = browser.visit(silent.url.as_str()).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("consent_required")
    );
}

#[tokio::test]
async fn ending_an_apps_access_makes_it_ask_again() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = rp_for(&app, false).await;
    let browser = Browser::new(&app.issuer);
    let first = rp.authorize(&["openid"]);
    let asked = dance(&browser, first.url.as_str(), &person, &Answers::default()).await;
    assert_eq!(asked.pages, ["/login", "/consent", "/privacy-choices"]);

    let apps = browser.visit("/account").await.page();
    assert!(apps.body.contains("Order Desk"), "{}", apps.body);
    let mut fields: Vec<(String, String)> = apps
        .hidden_fields()
        .into_iter()
        .filter(|(k, _)| k == "csrf")
        .take(1)
        .collect();
    fields.push(("client_id".into(), rp.client_id.clone()));
    let revoked = browser.submit("/account/apps/revoke", &fields).await.page();
    assert!(revoked.body.contains("The app was signed out"));

    let again = rp.authorize(&["openid"]);
    let asked = dance(&browser, again.url.as_str(), &person, &Answers::default()).await;
    assert_eq!(asked.pages, ["/consent"]);
}
