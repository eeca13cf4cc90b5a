//! Authorization request parameters that steer the interaction: prompt,
//! max_age, login_hint.

use std::time::Duration;

use openidconnect::LoginHint;
use openidconnect::core::CoreAuthPrompt;

use crate::browser::{Answers, Browser, Landing, query_param};
use crate::helpers::{seed_person, seed_simple_person, spawn_app};
use crate::rp::app_person_and_rp;
use crate::rp::standard_rp;

#[tokio::test]
async fn prompt_none_with_a_session_returns_a_code_silently() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let first = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;

    let request = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));
    let silent = rp
        .complete(&browser, &person, request, &Answers::default())
        .await;
    assert!(
        silent.pages.is_empty(),
        "prompt=none showed {:?}",
        silent.pages
    );
    assert_eq!(silent.claims.subject(), first.claims.subject());
}

#[tokio::test]
async fn prompt_login_asks_for_the_password_again_despite_a_session() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    rp.log_in(&browser, &person, &["openid"], &Answers::default())
        .await;

    let request = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::Login));
    let again = rp
        .complete(&browser, &person, request, &Answers::default())
        .await;
    // A new login is a new session: undecided purposes are asked again.
    assert_eq!(
        again.pages,
        ["/login", "/privacy-choices"],
        "prompt=login must show the login form"
    );
}

#[tokio::test]
async fn max_age_older_than_the_login_asks_for_the_password_again() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let first = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;
    let first_auth_time = first.claims.auth_time().expect("auth_time");

    // Within max_age the session is reused...
    let request = rp.authorize_with(&["openid"], |r| r.set_max_age(Duration::from_secs(3600)));
    let reused = rp
        .complete(&browser, &person, request, &Answers::default())
        .await;
    assert!(
        reused.pages.is_empty(),
        "login within max_age reused: {:?}",
        reused.pages
    );
    assert_eq!(reused.claims.auth_time(), Some(first_auth_time));

    // ...beyond it the person must log in again.
    app.clock.advance(Duration::from_secs(120));
    let request = rp.authorize_with(&["openid"], |r| r.set_max_age(Duration::from_secs(60)));
    let fresh = rp
        .complete(&browser, &person, request, &Answers::default())
        .await;
    assert_eq!(
        fresh.pages,
        ["/login", "/privacy-choices"],
        "max_age exceeded must show the login form"
    );
    let fresh_auth_time = fresh.claims.auth_time().expect("auth_time");
    assert!(
        fresh_auth_time > first_auth_time,
        "auth_time moves with the new login"
    );
}

#[tokio::test]
async fn prompt_select_account_offers_the_choice_again() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"]), ("Globex", &["finance"])]).await;
    let (acme, globex) = (person.accounts[0].clone(), person.accounts[1].clone());
    let rp = standard_rp(&app).await;
    let browser = Browser::new(&app.issuer);
    let scopes = ["openid", "customer"];

    let answers = Answers {
        account_id: Some(acme.id.clone()),
        ..Answers::default()
    };
    let first = rp.log_in(&browser, &person, &scopes, &answers).await;
    let customer = first
        .claims
        .additional_claims()
        .customer
        .clone()
        .expect("customer claim");
    assert_eq!(customer.id, acme.id);

    let request = rp.authorize_with(&scopes, |r| r.add_prompt(CoreAuthPrompt::SelectAccount));
    let answers = Answers {
        account_id: Some(globex.id.clone()),
        ..Answers::default()
    };
    let switched = rp.complete(&browser, &person, request, &answers).await;
    assert_eq!(switched.pages, ["/select-account"]);
    let customer = switched
        .claims
        .additional_claims()
        .customer
        .clone()
        .expect("customer claim");
    assert_eq!(
        customer.id, globex.id,
        "the newly chosen account is in the token"
    );
}

#[tokio::test]
async fn login_hint_prefills_the_email_field() {
    let (app, person, rp) = app_person_and_rp().await;
    let hint = LoginHint::new(person.email.clone());
    let request = rp.authorize_with(&["openid"], |r| r.set_login_hint(hint));

    let page = Browser::new(&app.issuer)
        .visit(request.url.as_str())
        .await
        .page();
    assert_eq!(page.path(), "/login");
    assert!(
        page.body.contains(&format!("value=\"{}\"", person.email)),
        "login_hint is prefilled:\n{}",
        page.body
    );
}

#[tokio::test]
async fn a_person_cannot_choose_an_account_they_do_not_belong_to() {
    let app = spawn_app().await;
    let person = seed_person(&app, &[("Acme", &["buyer"]), ("Globex", &["finance"])]).await;
    let stranger = seed_simple_person(&app).await;
    let foreign_account = stranger.accounts[0].id.clone();
    let rp = standard_rp(&app).await;
    let browser = Browser::new(&app.issuer);

    let request = rp.authorize(&["openid", "customer"]);
    let login = browser.visit(request.url.as_str()).await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let choice = browser.submit("/login", &fields).await.page();
    assert_eq!(choice.path(), "/select-account");

    let mut fields = choice.hidden_fields();
    fields.push(("customer_account_id".into(), foreign_account.clone()));
    match browser.submit("/select-account", &fields).await {
        Landing::Page(page) => assert!(
            page.status.is_client_error() || page.path() == "/select-account",
            "choosing a foreign account answered {} at {}",
            page.status,
            page.url
        ),
        Landing::Left(url) => {
            let Some(code) = query_param(&url, "code") else {
                return;
            };
            let tokens = rp
                .exchange(&code, request.pkce_verifier)
                .await
                .expect("exchange");
            let claims = rp.verify(&tokens, &request.nonce);
            let customer = claims.additional_claims().customer.clone();
            assert_ne!(
                customer.map(|c| c.id),
                Some(foreign_account),
                "foreign account granted"
            );
        }
    }
}
