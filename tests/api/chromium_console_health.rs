//! Customer health in a real headless Chromium, in Swedish: a customer-success manager
//! opens the portfolio, follows an account of three people to its page, sees the charts
//! drawn and the withheld figures said in words, and asks for the account per week.

use crate::chromium::{in_chromium, page_text, sign_in, wait_for, wait_for_url};
use crate::console_health::active_account;
use crate::helpers::{PASSWORD, Person, spawn_app};
use trohet::admin::NewPerson;

#[tokio::test]
async fn a_swedish_customer_success_manager_follows_an_account_to_its_charts_in_chromium() {
    let app = spawn_app().await;
    let email = "kund@owner.test".to_string();
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: "Karin Kundansvarig".into(),
            locale: Some("sv".into()),
            staff: true,
            staff_roles: vec!["customer-success".into()],
            memberships: vec![],
            password: PASSWORD.into(),
        })
        .await
        .expect("add the customer-success manager");
    let manager = Person {
        id,
        email,
        display_name: "Karin Kundansvarig".into(),
        password: PASSWORD.into(),
        accounts: vec![],
    };
    active_account(&app, 6).await;
    let small = active_account(&app, 3).await;
    let small_path = format!("/console/customers/{small}/health");

    in_chromium(
        "a_swedish_customer_success_manager_follows_an_account_to_its_charts_in_chromium",
        move |client| async move {
            client
                .goto(&app.url("/console"))
                .await
                .expect("open the console");
            sign_in(&client, &manager).await;
            wait_for_url(&client, "the console", |u| u.path() == "/console").await;
            wait_for(&client, r#"a[href="/console/health"]"#)
                .await
                .click()
                .await
                .expect("open customer health");
            let account =
                wait_for(&client, &format!(r#"table.health a[href="{small_path}"]"#)).await;
            let portfolio = page_text(&client).await;
            assert!(portfolio.contains("Kundhälsa"), "{portfolio}");
            assert!(portfolio.contains("Referenskandidat"), "{portfolio}");
            let withheld = wait_for(&client, "table.health td.withheld").await;
            let withheld = withheld.text().await.expect("read the withheld cell");
            assert_eq!(withheld, "färre än 5 personer");

            account.click().await.expect("open the account");
            wait_for_url(&client, "the account's health", |u| u.path() == small_path).await;
            let chart = wait_for(&client, "svg[role=img]").await;
            let title = chart
                .find(fantoccini::Locator::Css("title"))
                .await
                .expect("the chart has a title");
            let title = title
                .prop("textContent")
                .await
                .expect("read the chart's title")
                .unwrap_or_default();
            assert!(title.contains("Viktad funktionsanvändning"), "{title}");
            let gaps = client
                .find_all(fantoccini::Locator::Css("svg[role=img] g.withheld"))
                .await
                .expect("find the withheld gaps");
            assert!(!gaps.is_empty(), "a withheld month is drawn as a gap");
            let text = page_text(&client).await;
            for expected in [
                "Aktivitet",
                "Engagemang",
                "Nöjdhet",
                "Risksignaler",
                "färre än 5 personer",
            ] {
                assert!(text.contains(expected), "{expected}: {text}");
            }

            wait_for(&client, "select[name=granularity]")
                .await
                .select_by_value("week")
                .await
                .expect("choose Vecka");
            wait_for(&client, "form.span button[type=submit]")
                .await
                .click()
                .await
                .expect("show the span");
            wait_for_url(&client, "the account per week", |u| {
                u.query().is_some_and(|q| q.contains("granularity=week"))
            })
            .await;
            wait_for(&client, "svg[role=img]").await;
            let weekly = page_text(&client).await;
            assert!(
                weekly.contains(" – "),
                "weeks are named by their first and last day: {weekly}"
            );
        },
    )
    .await;
}
