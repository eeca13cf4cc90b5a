//! `/account/privacy`: every purpose with its text and legal basis, one-click agree and
//! withdraw, news topics kept only while agreed, the history with verifiable receipts,
//! in English and Swedish.

use crate::browser::{Browser, sign_in};
use crate::consent_api::verified_receipt;
use crate::helpers::{PASSWORD, seed_simple_person, spawn_app};

#[tokio::test]
async fn a_person_agrees_picks_topics_withdraws_and_keeps_a_receipt_of_each_decision() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    let account = sign_in(&browser, &person.email, PASSWORD).await;
    assert!(
        account.body.contains("/account/privacy"),
        "the account page links it"
    );

    let page = browser.visit("/account/privacy").await.page();
    assert!(
        page.body.contains("Your portal account"),
        "contract purposes are shown"
    );
    assert!(
        page.body
            .contains("Sign-ins and the portal features used, pseudonymized"),
        "each purpose names the data it uses"
    );
    assert!(
        page.body
            .contains("Needed for the agreement with your company")
    );
    assert!(page.body.contains("You have not decided"));
    assert!(
        page.body
            .contains("Agree to news chosen for you to pick topics.")
    );

    let agree = page.form_with(&[("purpose", "targeted-news"), ("decision", "granted")]);
    let page = browser
        .submit("/account/privacy/decide", &agree)
        .await
        .page();
    assert!(
        page.body.contains("Your choice was saved."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Deliveries and logistics"));
    let topics = page.form_with(&[("topic.deliveries", "on"), ("topic.events", "on")]);
    let page = browser
        .submit("/account/privacy/interests", &topics)
        .await
        .page();
    assert_eq!(page.body.matches("checked").count(), 2, "two topics kept");

    let withdraw = page.form_with(&[("purpose", "targeted-news"), ("decision", "withdrawn")]);
    let page = browser
        .submit("/account/privacy/decide", &withdraw)
        .await
        .page();
    assert!(page.body.contains("You withdrew your consent"));
    let refused = page.form_with(&[("topic.events", "on")]);
    let status = browser
        .submit("/account/privacy/interests", &refused)
        .await
        .page()
        .status;
    assert_eq!(status, 422, "no topics without consent");
    let again = page.form_with(&[("purpose", "targeted-news"), ("decision", "granted")]);
    let regranted = browser
        .submit("/account/privacy/decide", &again)
        .await
        .page();
    assert!(regranted.body.contains("Deliveries and logistics"));
    assert!(
        !regranted.body.contains("checked"),
        "the topics went with the withdrawal and do not come back"
    );

    let receipts: Vec<&str> = page
        .body
        .match_indices("/account/privacy/receipts/")
        .map(|(at, _)| {
            let rest = &page.body[at..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(receipts.len(), 2, "one receipt per decision");
    let download = browser.visit(receipts[0]).await.page();
    assert_eq!(download.header("content-type"), Some("application/jose"));
    let claims = verified_receipt(&app, download.body.trim()).await;
    assert_eq!(claims["decision"], "withdrawn");
    assert_eq!(claims["piiPrincipalId"], person.id);
    assert_eq!(claims["collectionMethod"], "account_page");
    let missing = browser
        .visit("/account/privacy/receipts/someone-elses")
        .await
        .page();
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_privacy_page_speaks_swedish_to_a_swedish_person() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    let account = sign_in(&browser, &person.email, PASSWORD).await;
    let profile = account.form_with(&[("name", "Ada"), ("locale", "sv")]);
    browser.submit("/account/profile", &profile).await.page();
    let page = browser.visit("/account/privacy").await.page();
    assert!(
        page.body.contains("<html lang=\"sv\""),
        "{}",
        &page.body[..200]
    );
    assert!(page.body.contains("Integritet"));
    assert!(page.body.contains("Användningsstatistik"));
    assert!(page.body.contains("Samtyck"));
}
