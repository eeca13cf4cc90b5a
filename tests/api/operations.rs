//! Operational endpoints: health, readiness, metrics.

use crate::browser::{Answers, Browser};
use crate::helpers::{TestApp, spawn_app};
use crate::rp::app_person_and_rp;

async fn metrics(app: &TestApp) -> String {
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("text/plain") || content_type.contains("openmetrics"),
        "content-type {content_type}"
    );
    response.text().await.unwrap()
}

/// Sum of all samples of `name` (over every label set); None if absent.
/// A sample line is `name{labels} value [timestamp]` or `name value [timestamp]`.
fn sample_sum(exposition: &str, name: &str) -> Option<f64> {
    let mut sum = None;
    for line in exposition.lines().filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let rest = if rest.starts_with('{') {
            &rest[rest.rfind('}').expect("labels close") + 1..]
        } else if rest.starts_with(' ') {
            rest
        } else {
            continue; // another metric sharing the prefix
        };
        let value: f64 = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("unparseable sample: {line}"));
        sum = Some(sum.unwrap_or(0.0) + value);
    }
    sum
}

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn metrics_count_requests_logins_and_tokens() {
    let (app, person, rp) = app_person_and_rp().await;

    let before = metrics(&app).await;
    let logins_before = sample_sum(&before, "trohet_logins_total").unwrap_or(0.0);
    let tokens_before = sample_sum(&before, "trohet_tokens_issued_total").unwrap_or(0.0);

    rp.log_in(
        &Browser::new(&app.issuer),
        &person,
        &["openid"],
        &Answers::default(),
    )
    .await;

    let after = metrics(&app).await;
    let requests = sample_sum(&after, "trohet_http_requests_total")
        .expect("trohet_http_requests_total exported");
    assert!(requests >= 1.0, "requests counted: {requests}");
    let logins = sample_sum(&after, "trohet_logins_total").expect("trohet_logins_total exported");
    assert!(
        logins >= logins_before + 1.0,
        "login counted: {logins_before} -> {logins}"
    );
    let tokens = sample_sum(&after, "trohet_tokens_issued_total")
        .expect("trohet_tokens_issued_total exported");
    assert!(
        tokens >= tokens_before + 1.0,
        "tokens counted: {tokens_before} -> {tokens}"
    );
}

#[tokio::test]
async fn metrics_do_not_expose_personal_data() {
    let (app, person, rp) = app_person_and_rp().await;
    rp.log_in(
        &Browser::new(&app.issuer),
        &person,
        &["openid"],
        &Answers::default(),
    )
    .await;

    let exposition = metrics(&app).await;
    assert!(!exposition.contains(&person.email), "email in metrics");
    assert!(!exposition.contains(&person.id), "person id in metrics");
}
