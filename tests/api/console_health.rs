//! The console's customer health pages: staff with `analytics.read` see every account
//! ranked by risk and one account's charts and tables; an account of fewer than five
//! people shows "fewer than 5 people" instead of its figures; both download as CSV; a
//! customer's own admin reaches none of it.

use crate::analytics_ingest::{consenting_people, events_token, post_events};
use crate::browser::Browser;
use crate::console_consent::{console_sign_in, staff};
use crate::helpers::{TestApp, seed_person, spawn_app};
use serde_json::{Value, json};
use trohet::analytics::calendar::add_months;
use trohet::clock::rfc3339;

const DAY: i64 = 86_400;

/// A customer account of `people` people who use the portal and rate it in the last
/// complete month: each places an order, and gives an NPS of 9 and a CSAT of 5.
pub async fn active_account(app: &TestApp, people: usize) -> String {
    let purposes = ["portal-analytics", "satisfaction-surveys"];
    let (customer, persons) = consenting_people(app, people, &purposes).await;
    let last_month = add_months(app.clock.now(), -1);
    let used = rfc3339(last_month + 4 * DAY + 10 * 3600);
    let rated = rfc3339(last_month + 5 * DAY + 10 * 3600);
    let mut events: Vec<Value> = Vec::new();
    for (i, person) in persons.iter().enumerate() {
        events.push(
            json!({"idempotency_key": format!("use-{i}"), "type": "feature_used",
            "sub": person, "customer_id": customer, "occurred_at": used,
            "feature": "order.placed"}),
        );
        events.push(
            json!({"idempotency_key": format!("nps-{i}"), "type": "rating",
            "sub": person, "customer_id": customer, "occurred_at": rated,
            "kind": "nps", "score": 9, "touchpoint": "relationship"}),
        );
        events.push(
            json!({"idempotency_key": format!("csat-{i}"), "type": "rating",
            "sub": person, "customer_id": customer, "occurred_at": rated,
            "kind": "csat", "score": 5, "touchpoint": "delivery"}),
        );
    }
    let token = events_token(app).await;
    let (status, report) = post_events(app, &token, Value::Array(events)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 3 * people, "{report}");
    customer
}

fn health_path(customer: &str) -> String {
    format!("/console/customers/{customer}/health")
}

#[tokio::test]
async fn customer_success_sees_accounts_ranked_and_an_accounts_charts() {
    let app = spawn_app().await;
    let customer = active_account(&app, 6).await;
    let person = staff(&app, "customer-success").await;
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, &person).await;

    let start = browser.visit("/console").await.page();
    assert!(
        start.body.contains(r#"href="/console/health""#),
        "{}",
        start.body
    );
    let portfolio = browser.visit("/console/health").await.page();
    assert_eq!(portfolio.status, 200, "{}", portfolio.body);
    assert!(portfolio.body.contains("Customer health"));
    assert!(
        portfolio
            .body
            .contains(&format!(r#"href="{}""#, health_path(&customer))),
        "{}",
        portfolio.body
    );
    assert!(
        !portfolio.body.contains("<em>fewer than 5 people</em>"),
        "six people are enough: {}",
        portfolio.body
    );
    assert!(
        portfolio.body.contains("★ Reference candidate"),
        "{}",
        portfolio.body
    );

    let page = browser.visit(&health_path(&customer)).await.page();
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    for expected in [
        "<svg",
        r#"role="img""#,
        "Weighted feature use per day",
        "NPS per month",
        "Activity",
        "Engagement",
        "Satisfaction",
        "Risk signals",
        "Delivery",
        "Relationship",
        r#"<input type="month" id="from" name="from""#,
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert!(
        page.body.contains(">100%<"),
        "every CSAT was a 5: {}",
        page.body
    );
    let weekly = browser
        .visit(&format!("{}?granularity=week", health_path(&customer)))
        .await
        .page();
    assert_eq!(weekly.status, 200, "{}", weekly.body);
    assert!(
        weekly.body.contains(r#"<option value="week" selected>"#),
        "{}",
        weekly.body
    );
}

#[tokio::test]
async fn an_account_of_three_people_shows_fewer_than_five_and_downloads_as_csv() {
    let app = spawn_app().await;
    let customer = active_account(&app, 3).await;
    let admin = staff(&app, "admin").await;
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, &admin).await;

    let portfolio = browser.visit("/console/health").await.page();
    assert_eq!(portfolio.status, 200, "{}", portfolio.body);
    assert!(
        portfolio.body.contains("<em>fewer than 5 people</em>"),
        "{}",
        portfolio.body
    );
    let page = browser.visit(&health_path(&customer)).await.page();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<em>fewer than 5 people</em>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("url(#chart-use-hatch)"),
        "a hatched gap: {}",
        page.body
    );
    let csv_link = format!("/console/customers/{customer}/health.csv?");
    assert!(page.body.contains(&csv_link), "{}", page.body);

    let csv = browser.visit("/console/health.csv").await.page();
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.body.starts_with("customer_id,customer_name,month,risk"),
        "{}",
        csv.body
    );
    let row = csv
        .body
        .lines()
        .find(|line| line.starts_with(&customer))
        .unwrap_or_else(|| panic!("a row for the account: {}", csv.body));
    assert!(row.contains("withheld,withheld"), "{row}");

    let account_csv = browser
        .visit(&format!("{}.csv?granularity=month", health_path(&customer)))
        .await
        .page();
    assert_eq!(account_csv.status, 200, "{}", account_csv.body);
    assert_eq!(
        account_csv.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        account_csv.body.starts_with("start,end,people"),
        "{}",
        account_csv.body
    );
    assert!(
        account_csv.body.contains("withheld"),
        "{}",
        account_csv.body
    );
}

#[tokio::test]
async fn a_customer_admin_reaches_no_health_page() {
    let app = spawn_app().await;
    let customer_admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let customer = customer_admin.accounts[0].id.clone();
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, &customer_admin).await;

    let start = browser.visit("/console").await.page();
    assert!(!start.body.contains("/console/health"), "{}", start.body);
    for path in [
        "/console/health".to_string(),
        "/console/health.csv".to_string(),
        health_path(&customer),
        format!("{}.csv", health_path(&customer)),
    ] {
        let page = browser.visit(&path).await.page();
        assert!(
            matches!(page.status.as_u16(), 403 | 404),
            "{path}: {} {}",
            page.status,
            page.body
        );
        assert!(!page.body.contains("<svg"), "{path}");
    }
}

#[tokio::test]
async fn a_span_the_service_refuses_comes_back_with_the_form_and_an_unknown_account_is_404() {
    let app = spawn_app().await;
    let customer = active_account(&app, 1).await;
    let person = staff(&app, "customer-success").await;
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, &person).await;

    let backwards = browser
        .visit(&format!(
            "{}?from=2026-05&to=2026-01",
            health_path(&customer)
        ))
        .await
        .page();
    assert_eq!(backwards.status, 422, "{}", backwards.body);
    assert!(
        backwards.body.contains("from must not be after to"),
        "{}",
        backwards.body
    );
    assert!(
        backwards.body.contains(r#"value="2026-05""#),
        "{}",
        backwards.body
    );
    let hourly = browser
        .visit(&format!("{}?granularity=hour", health_path(&customer)))
        .await
        .page();
    assert_eq!(hourly.status, 422, "{}", hourly.body);
    let unknown = browser.visit(&health_path("no-such-account")).await.page();
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}
