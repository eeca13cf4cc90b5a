//! E-mail through a real SMTP server: invitations, password resets and the notice after a
//! change, their links followed as a person would, and the outbox's retries and
//! once-only delivery across instances.

use crate::admin::support::{Api, service_token};
use crate::browser::{Browser, sign_in};
use crate::helpers::{
    PASSWORD, TestApp, fresh_database_url, seed_simple_person, spawn_app_configured, spawn_app_with,
};
use crate::rp::standard_rp;
use crate::smtp::{SmtpServer, link_to, parse};
use openidconnect::OAuth2TokenResponse;
use serde_json::json;
use std::time::Duration;
use trohet::config::Secret;

const NEW_PASSWORD: &str = "a brand new passphrase 42";

async fn app_with_mail(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(|config| config.smtp.url = Some(Secret::new(url))).await
}

/// A customer account and an invitation to it, made through the admin API.
async fn invite(app: &TestApp, api: &Api, email: &str, locale: &str) -> serde_json::Value {
    let customer = api
        .post("/api/v1/customers", json!({"name": "Acme AB"}))
        .await;
    let id = customer.body["id"]
        .as_str()
        .expect("customer id")
        .to_string();
    let body =
        json!({"email": email, "name": "Nina Nilsson", "roles": ["buyer"], "locale": locale});
    let invited = api
        .post(&format!("/api/v1/customers/{id}/invitations"), body)
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let _ = app;
    invited.body
}

fn path_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("a URL");
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

#[tokio::test]
async fn an_invited_person_accepts_through_the_mailed_link_and_signs_in() {
    let Some(smtp) = SmtpServer::start(0) else {
        return;
    };
    let app = app_with_mail(&smtp).await;
    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let invitation = invite(&app, &api, "nina@acme.test", "sv").await;
    assert!(
        invitation.get("accept_url").is_none(),
        "the link goes by mail only"
    );

    let mail = parse(&smtp.wait_for(1).await[0]);
    assert!(mail.to.contains("nina@acme.test"), "{}", mail.to);
    assert_eq!(mail.subject, "Inbjudan till Acme AB");
    let link = link_to(&mail.text, "/invitation?token=");

    let browser = Browser::new(&app.issuer);
    let form = browser.visit(&path_of(&link)).await.page();
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Acme AB"));
    let mut fields = form.hidden_fields();
    fields.push(("name".into(), "Nina Nilsson".into()));
    fields.push(("password".into(), NEW_PASSWORD.into()));
    fields.push(("repeat".into(), NEW_PASSWORD.into()));
    let welcome = browser.submit("/invitation", &fields).await.page();
    assert_eq!(welcome.path(), "/login");

    let account = sign_in(&browser, "nina@acme.test", NEW_PASSWORD).await;
    assert_eq!(account.path(), "/account", "{}", account.body);
    assert!(account.body.contains("Acme AB") && account.body.contains("buyer"));
    let reused = browser.visit(&path_of(&link)).await.page();
    assert_eq!(reused.status, 410, "an invitation link works once");
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session_and_grant() {
    let Some(smtp) = SmtpServer::start(0) else {
        return;
    };
    let app = app_with_mail(&smtp).await;
    let person = seed_simple_person(&app).await;
    let rp = standard_rp(&app).await;
    let old_browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(
            &old_browser,
            &person,
            &["openid", "offline_access"],
            &Default::default(),
        )
        .await;
    let refresh = login
        .tokens
        .refresh_token()
        .expect("a refresh token")
        .clone();

    let browser = Browser::new(&app.issuer);
    let forgot = browser.visit("/password/forgot").await.page();
    let mut fields = forgot.hidden_fields();
    fields.push(("email".into(), person.email.to_uppercase()));
    let sent = browser.submit("/password/forgot", &fields).await.page();
    assert!(sent.body.contains("30 minutes"), "{}", sent.body);

    let link = link_to(
        &parse(&smtp.wait_for(1).await[0]).text,
        "/password/reset?token=",
    );
    let form = browser.visit(&path_of(&link)).await.page();
    let mut fields = form.hidden_fields();
    fields.push(("password".into(), NEW_PASSWORD.into()));
    fields.push(("repeat".into(), NEW_PASSWORD.into()));
    let done = browser.submit("/password/reset", &fields).await.page();
    assert_eq!(done.path(), "/login", "{}", done.body);

    let notice = parse(&smtp.wait_for(2).await[1]);
    assert_eq!(notice.subject, "Your password was changed");
    assert_eq!(old_browser.visit("/account").await.page().path(), "/login");
    assert!(
        rp.refresh(&refresh).await.is_err(),
        "the refresh token was revoked"
    );
    assert_eq!(
        sign_in(&browser, &person.email, PASSWORD).await.path(),
        "/login"
    );
    assert_eq!(
        sign_in(&browser, &person.email, NEW_PASSWORD).await.path(),
        "/account"
    );
    assert_eq!(browser.visit(&path_of(&link)).await.page().status, 410);
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_an_unknown_address_and_mails_nothing() {
    let Some(smtp) = SmtpServer::start(0) else {
        return;
    };
    let app = app_with_mail(&smtp).await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    let mut answers = Vec::new();
    for email in ["nobody@nowhere.test", person.email.as_str()] {
        let forgot = browser.visit("/password/forgot").await.page();
        let mut fields = forgot.hidden_fields();
        fields.push(("email".into(), email.into()));
        let page = browser.submit("/password/forgot", &fields).await.page();
        answers.push((page.status, page.body.replace(email, "")));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 1, "only the known address got mail");
}

#[tokio::test]
async fn mail_refused_for_a_while_is_retried_and_delivered_once() {
    let Some(smtp) = SmtpServer::start(2) else {
        return;
    };
    let app = app_with_mail(&smtp).await;
    let api = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    invite(&app, &api, "retry@acme.test", "en").await;
    for _ in 0..100 {
        if !smtp.messages().is_empty() {
            break;
        }
        // Each refusal schedules a retry further ahead; move time instead of waiting.
        app.clock.advance(Duration::from_secs(120));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered once");
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_message_once() {
    let Some(smtp) = SmtpServer::start(0) else {
        return;
    };
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url().await;
    let url = smtp.url();
    let configure = |config: &mut trohet::config::Config| {
        config.smtp.url = Some(Secret::new(url.clone()));
    };
    let first = spawn_app_configured(data_dir.path(), database_url.clone(), configure).await;
    let _second = spawn_app_configured(data_dir.path(), database_url, configure).await;
    let api = Api::new(&first, Some(service_token(&first, &["admin"]).await));
    for n in 0..8 {
        invite(&first, &api, &format!("person{n}@acme.test"), "en").await;
    }
    assert_eq!(smtp.wait_for(8).await.len(), 8);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(smtp.messages().len(), 8, "no message sent twice");
}
