//! Deleting one's account in a real headless Chromium, in Swedish: from the privacy page to
//! the confirmation with the password, the scheduled date, and keeping the account.

use fantoccini::Locator;

use crate::chromium::{
    authorize_url, click, in_chromium, page_text, sign_in, wait_for, wait_for_url,
};
use crate::helpers::{PASSWORD, REDIRECT_URI, seed_person_speaking, spawn_app};

#[tokio::test]
async fn a_person_asks_to_delete_their_account_and_keeps_it_in_chromium() {
    in_chromium(
        "a_person_asks_to_delete_their_account_and_keeps_it_in_chromium",
        |browser| async move {
            let app = spawn_app().await;
            let person = seed_person_speaking(&app, &[("Acme", &["buyer"])], "sv").await;
            let authorize = authorize_url(&app, true, Some("sv")).await;
            browser.goto(&authorize).await.expect("open /authorize");
            sign_in(&browser, &person).await;
            click(&browser, r#"button[name="action"][value="later"]"#).await;
            wait_for_url(&browser, "the redirect to the app", |url| {
                url.as_str().starts_with(REDIRECT_URI)
            })
            .await;

            browser
                .goto(&app.url("/account/privacy"))
                .await
                .expect("open the privacy page");
            let section = wait_for(&browser, "section#delete-account").await;
            let shown = section.text().await.unwrap();
            assert!(shown.contains("Radera mitt konto"), "{shown}");
            assert!(page_text(&browser).await.contains("Dina uppgifter"));
            section
                .find(Locator::LinkText("Radera mitt konto"))
                .await
                .expect("the link to delete the account")
                .click()
                .await
                .expect("start deleting the account");

            let password = wait_for(&browser, r#"form input[name="password"]"#).await;
            let explained = page_text(&browser).await;
            assert!(explained.contains("Det här raderas"), "{explained}");
            assert!(
                explained.contains("Det här måste vi spara enligt lag"),
                "{explained}"
            );
            password
                .send_keys(PASSWORD)
                .await
                .expect("type the password");
            click(&browser, r#"button[name="confirm"]"#).await;

            let keep = wait_for(&browser, r#"button[name="keep"]"#).await;
            let scheduled = page_text(&browser).await;
            assert!(
                scheduled.contains("Ditt konto raderas den 20"),
                "{scheduled}"
            );
            assert_eq!(keep.text().await.unwrap().trim(), "Behåll mitt konto");
            keep.click().await.expect("keep the account");

            wait_for_url(&browser, "the privacy page after keeping", |url| {
                url.query().is_some_and(|q| q.contains("done=kept"))
            })
            .await;
            let kept = page_text(&browser).await;
            assert!(kept.contains("Ditt konto behålls"), "{kept}");
            assert!(!kept.contains("Ditt konto raderas den"), "{kept}");
        },
    )
    .await;
}
