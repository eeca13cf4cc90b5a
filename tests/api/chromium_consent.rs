//! Consent in a real headless Chromium: the page after login (in Swedish), withdrawing on
//! the account page (in English), and an app's consent asked once and then remembered.

use fantoccini::{Client, Locator};
use url::Url;

use crate::chromium::{
    authorize_url, click, in_chromium, page_text, sign_in, wait_for, wait_for_url,
};
use crate::helpers::{REDIRECT_URI, seed_simple_person, spawn_app};

async fn back_at_the_app(browser: &Client) -> Url {
    wait_for_url(browser, "the redirect to the app", |url| {
        url.as_str().starts_with(REDIRECT_URI)
    })
    .await
}

#[tokio::test]
async fn choices_are_asked_after_login_and_withdrawn_on_the_account_page_in_chromium() {
    in_chromium(
        "choices_are_asked_after_login_and_withdrawn_on_the_account_page_in_chromium",
        |browser| async move {
            let app = spawn_app().await;
            let person = seed_simple_person(&app).await;
            let authorize = authorize_url(&app, true, Some("sv")).await;
            browser.goto(&authorize).await.expect("open /authorize");
            sign_in(&browser, &person).await;

            let agree = r#"input[name="choice.portal-analytics"][value="granted"]"#;
            let radio = wait_for(&browser, agree).await;
            assert_eq!(
                radio.prop("checked").await.unwrap().as_deref(),
                Some("false")
            );
            let text = page_text(&browser).await;
            assert!(text.contains("Dina integritetsval"), "{text}");
            assert!(text.contains("Användningsstatistik"), "{text}");
            assert!(text.contains("Bestäm senare"), "{text}");
            radio.click().await.expect("choose Accept");
            click(&browser, r#"button[name="action"][value="save"]"#).await;
            let back = back_at_the_app(&browser).await;
            assert!(back.query_pairs().any(|(k, _)| k == "code"), "{back}");

            browser
                .goto(&app.url("/account/privacy"))
                .await
                .expect("open the privacy page");
            let section = wait_for(&browser, "section#portal-analytics").await;
            let shown = section.text().await.unwrap();
            assert!(shown.contains("You agreed"), "{shown}");
            click(
                &browser,
                r#"section#portal-analytics button[value="withdrawn"]"#,
            )
            .await;
            wait_for_url(&browser, "the saved choice", |url| {
                url.query().is_some_and(|q| q.contains("done=decided"))
            })
            .await;
            let section = wait_for(&browser, "section#portal-analytics").await;
            let shown = section.text().await.unwrap();
            assert!(shown.contains("You withdrew your consent"), "{shown}");
            let history = page_text(&browser).await;
            assert!(history.contains("withdrew"), "{history}");
            assert!(
                browser
                    .find(Locator::Css(r#"a[href^="/account/privacy/receipts/"]"#))
                    .await
                    .is_ok(),
                "each decision links its receipt"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn an_apps_consent_is_asked_once_and_remembered_in_chromium() {
    in_chromium(
        "an_apps_consent_is_asked_once_and_remembered_in_chromium",
        |browser| async move {
            let app = spawn_app().await;
            let person = seed_simple_person(&app).await;
            let authorize = authorize_url(&app, false, None).await;
            browser.goto(&authorize).await.expect("open /authorize");
            sign_in(&browser, &person).await;
            click(&browser, r#"button[name="decision"][value="allow"]"#).await;
            click(&browser, r#"button[name="action"][value="later"]"#).await;
            back_at_the_app(&browser).await;

            // The same app again, in the same browser: straight back, nothing asked. (The
            // navigation "fails": nothing listens at the app's address.)
            let _ = browser.goto(&authorize).await;
            let back = back_at_the_app(&browser).await;
            assert!(back.query_pairs().any(|(k, _)| k == "code"), "{back}");
        },
    )
    .await;
}
