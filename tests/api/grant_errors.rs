//! Token endpoint failures: each grant is refused with the RFC 6749 error it deserves.

use std::time::Duration;

use openidconnect::{OAuth2TokenResponse, PkceCodeVerifier, Scope};
use reqwest::header::WWW_AUTHENTICATE;
use trohet::admin::RegisteredClient;
use trohet::oidc::SigningAlg;

use crate::browser::{Answers, Browser};
use crate::helpers::{REDIRECT_URI, register_client, seed_simple_person, spawn_app};
use crate::rp::{Rp, error_code};
use crate::rp::{SignedIn, app_person_and_rp, signed_in};

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let (app, person, rp) = app_person_and_rp().await;
    let (_request, code) = rp
        .obtain_code(&Browser::new(&app.issuer), &person, &["openid"])
        .await;

    let wrong = PkceCodeVerifier::new("x".repeat(64));
    let err = rp
        .exchange(&code, wrong)
        .await
        .expect_err("wrong verifier is refused");
    assert_eq!(error_code(&err), "invalid_grant");
}

#[tokio::test]
async fn replayed_code_is_refused_and_revokes_the_first_exchange() {
    let (app, person, rp) = app_person_and_rp().await;
    let (request, code) = rp
        .obtain_code(
            &Browser::new(&app.issuer),
            &person,
            &["openid", "offline_access"],
        )
        .await;
    let verifier = request.pkce_verifier.secret().clone();

    let first = rp
        .exchange(&code, PkceCodeVerifier::new(verifier.clone()))
        .await
        .expect("first exchange");
    let access = first.access_token().secret().clone();
    assert!(rp.is_active(&access).await);

    let err = rp
        .exchange(&code, PkceCodeVerifier::new(verifier))
        .await
        .expect_err("replay is refused");
    assert_eq!(error_code(&err), "invalid_grant");
    assert!(
        !rp.is_active(&access).await,
        "tokens of the first exchange are revoked"
    );
    let refresh = first
        .refresh_token()
        .expect("refresh token with offline_access");
    assert!(
        !rp.is_active(refresh.secret()).await,
        "refresh token of the first exchange is revoked"
    );
}

#[tokio::test]
async fn reused_refresh_token_revokes_the_whole_family() {
    let SignedIn {
        app: _app,
        person: _,
        rp,
        login,
    } = signed_in(&["openid", "offline_access"]).await;
    let first = login.tokens.refresh_token().expect("refresh token").clone();

    let rotated = rp.refresh(&first).await.expect("first refresh");
    let newest = rotated
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    let newest_access = rotated.access_token().secret().clone();
    assert!(rp.is_active(&newest_access).await);

    let err = rp.refresh(&first).await.expect_err("reuse is refused");
    assert_eq!(error_code(&err), "invalid_grant");
    let err = rp
        .refresh(&newest)
        .await
        .expect_err("the newest refresh token is revoked too");
    assert_eq!(error_code(&err), "invalid_grant");
    assert!(
        !rp.is_active(&newest_access).await,
        "access tokens of the family are revoked"
    );
    assert!(!rp.is_active(login.tokens.access_token().secret()).await);
}

#[tokio::test]
async fn refresh_cannot_widen_the_granted_scope() {
    let (app, person, rp) = app_person_and_rp().await;
    let scopes = ["openid", "offline_access"];
    let login = rp
        .log_in(
            &Browser::new(&app.issuer),
            &person,
            &scopes,
            &Answers::default(),
        )
        .await;
    let refresh = login.tokens.refresh_token().expect("refresh token");

    let err = rp
        .client
        .exchange_refresh_token(refresh)
        .unwrap()
        .add_scope(Scope::new("roles".into()))
        .request_async(&rp.http)
        .await
        .expect_err("a scope that was never granted is refused");
    assert_eq!(error_code(&err), "invalid_scope");
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client_with_www_authenticate() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let registered = register_client(&app, SigningAlg::Rs256).await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let (request, code) = rp
        .obtain_code(&Browser::new(&app.issuer), &person, &["openid"])
        .await;

    // Through openidconnect...
    let forged = RegisteredClient {
        client_id: registered.client_id.clone(),
        client_secret: Some("wrong-secret".into()),
    };
    let impostor = Rp::new(&app, &forged, REDIRECT_URI).await;
    let verifier = request.pkce_verifier.secret().clone();
    let err = impostor
        .exchange(&code, PkceCodeVerifier::new(verifier.clone()))
        .await
        .expect_err("refused");
    assert_eq!(error_code(&err), "invalid_client");

    // ...and raw, to see the status and challenge.
    let response = app
        .http
        .post(app.url("/token"))
        .basic_auth(&registered.client_id, Some("wrong-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers().get(WWW_AUTHENTICATE).is_some(),
        "401 carries WWW-Authenticate"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let (app, person, rp) = app_person_and_rp().await;
    let (request, code) = rp
        .obtain_code(&Browser::new(&app.issuer), &person, &["openid"])
        .await;

    app.clock.advance(Duration::from_secs(61));
    let err = rp
        .exchange(&code, request.pkce_verifier)
        .await
        .expect_err("expired code is refused");
    assert_eq!(error_code(&err), "invalid_grant");
}
