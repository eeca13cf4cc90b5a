//! The account-choice and consent pages.

use openidconnect::core::CoreAuthPrompt;
use trohet::admin::NewClient;

use crate::browser::{Answers, Browser, dance, query_param};
use crate::helpers::{REDIRECT_URI, register, seed_person, seed_simple_person, spawn_app};
use crate::pages::assert_security_headers;
use crate::rp::{Rp, standard_rp};

#[tokio::test]
async fn account_choice_offers_every_account_of_the_person() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"]), ("Globex", &["finance"])]).await;
    let rp = standard_rp(&app).await;
    let browser = Browser::new(&app.issuer);

    let login = browser
        .visit(rp.authorize(&["openid"]).url.as_str())
        .await
        .page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let choice = browser.submit("/login", &fields).await.page();
    assert_eq!(choice.path(), "/select-account");
    assert_security_headers(&choice);
    let offered = choice.buttons("customer_account_id");
    let expected: Vec<(String, String)> = person
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    for account in &expected {
        assert!(
            offered.contains(account),
            "{account:?} not offered in {offered:?}"
        );
    }
    assert_eq!(offered.len(), 2);
}

#[tokio::test]
async fn consent_page_names_client_and_scopes_and_deny_returns_access_denied() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let registered = register(
        &app,
        NewClient::new("Invoice Viewer", vec![REDIRECT_URI.into()]),
    )
    .await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let browser = Browser::new(&app.issuer);

    let request = rp.authorize_with(&["openid", "email"], |r| {
        r.add_prompt(CoreAuthPrompt::Consent)
    });
    let login = browser.visit(request.url.as_str()).await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let consent = browser.submit("/login", &fields).await.page();
    assert_eq!(consent.path(), "/consent");
    assert_security_headers(&consent);
    assert!(
        consent.body.contains("Invoice Viewer"),
        "consent page names the client:\n{}",
        consent.body
    );
    assert!(
        consent.body.to_ascii_lowercase().contains("email"),
        "consent page names the scopes"
    );
    let decisions: Vec<String> = consent
        .buttons("decision")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert!(
        decisions.contains(&"allow".into()) && decisions.contains(&"deny".into()),
        "{decisions:?}"
    );

    let mut fields = consent.hidden_fields();
    fields.push(("decision".into(), "deny".into()));
    let landed = browser.submit("/consent", &fields).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(&landed, "state").as_deref(),
        Some(request.state.secret().as_str())
    );
    assert_eq!(query_param(&landed, "code"), None);

    // Allowing yields a code.
    let request = rp.authorize_with(&["openid", "email"], |r| {
        r.add_prompt(CoreAuthPrompt::Consent)
    });
    let allowed = dance(&browser, request.url.as_str(), &person, &Answers::default()).await;
    // The first code of this browser session also meets the undecided purposes.
    assert_eq!(allowed.pages, ["/consent", "/privacy-choices"]);
    rp.code_from(&allowed.landed, &request);
}
