//! Several instances on one database, as behind a load balancer: they must share signing
//! keys and browser sessions.

use crate::browser::Browser;
use crate::helpers::{fresh_database_url, seed_simple_person, spawn_app_with_issuer};
use trohet::admin::NewClient;
use trohet::oidc::GrantType;

const SHARED_ISSUER: &str = "http://login.trohet.test";

#[tokio::test]
async fn two_instances_on_one_database_share_signing_keys_and_sessions() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url().await;
    let first =
        spawn_app_with_issuer(data_dir.path(), database_url.clone(), Some(SHARED_ISSUER)).await;
    let second = spawn_app_with_issuer(data_dir.path(), database_url, Some(SHARED_ISSUER)).await;
    let direct =
        |app: &crate::helpers::TestApp, path: &str| format!("http://127.0.0.1:{}{path}", app.port);

    let jwks = |url: String| async {
        first
            .http
            .get(url)
            .send()
            .await
            .expect("jwks")
            .text()
            .await
            .expect("body")
    };
    assert_eq!(
        jwks(direct(&first, "/jwks")).await,
        jwks(direct(&second, "/jwks")).await
    );

    let mut machine = NewClient::new("Back-end", Vec::new());
    machine.grant_types = vec![GrantType::ClientCredentials];
    let registered = first.admin.add_client(machine).await.expect("client");
    let secret = registered.client_secret.expect("secret");
    let token: serde_json::Value = first
        .http
        .post(direct(&first, "/token"))
        .basic_auth(&registered.client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let access_token = token["access_token"].as_str().expect("access token");
    let introspection: serde_json::Value = second
        .http
        .post(direct(&second, "/introspect"))
        .basic_auth(&registered.client_id, Some(&secret))
        .form(&[("token", access_token)])
        .send()
        .await
        .expect("introspection request")
        .json()
        .await
        .expect("introspection JSON");
    assert_eq!(
        introspection["active"], true,
        "the second instance verifies the first's token"
    );

    let person = seed_simple_person(&first).await;
    let browser = Browser::new(&direct(&first, ""));
    let login = browser.visit("/login").await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let account = browser.submit("/login", &fields).await.page();
    assert_eq!(account.path(), "/account");
    // Cookies are not port-bound, so the same browser now visits the other instance.
    let elsewhere = browser.visit(&direct(&second, "/account")).await.page();
    assert_eq!(
        elsewhere.path(),
        "/account",
        "the session is known to the second instance"
    );
    assert!(elsewhere.body.contains(&person.display_name));
}
