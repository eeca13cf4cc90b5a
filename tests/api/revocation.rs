//! Revocation (RFC 7009), introspection (RFC 7662) and the client_credentials grant.

use openidconnect::OAuth2TokenResponse;
use reqwest::header::WWW_AUTHENTICATE;
use trohet::admin::NewClient;
use trohet::oidc::{GrantType, SigningAlg};

use crate::helpers::{REDIRECT_URI, jwt_part, register, register_client, spawn_app};
use crate::rp::{Rp, error_code, standard_rp};
use crate::rp::{SignedIn, signed_in};

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_grant() {
    let SignedIn {
        app: _app,
        person: _,
        rp,
        login,
    } = signed_in(&["openid", "offline_access"]).await;
    let refresh = login.tokens.refresh_token().expect("refresh token").clone();

    rp.revoke(refresh.secret(), Some("refresh_token")).await;
    assert!(
        !rp.is_active(login.tokens.access_token().secret()).await,
        "access token of the grant revoked"
    );
    let err = rp
        .refresh(&refresh)
        .await
        .expect_err("revoked refresh token refused");
    assert_eq!(error_code(&err), "invalid_grant");
}

#[tokio::test]
async fn revocation_needs_client_authentication_and_accepts_unknown_tokens() {
    let app = spawn_app().await;
    let registered = register_client(&app, SigningAlg::Rs256).await;
    let revoke = app.url("/revoke");

    let response = app
        .http
        .post(&revoke)
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[
            ("token", "never-issued"),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "unknown tokens are revoked silently"
    );

    let response = app
        .http
        .post(&revoke)
        .form(&[("token", "never-issued")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "revocation without client authentication"
    );

    let response = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", "never-issued")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "introspection without client authentication"
    );
    assert!(response.headers().get(WWW_AUTHENTICATE).is_some());

    let response = app
        .http
        .post(app.url("/introspect"))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[("token", "never-issued")])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn client_credentials_token_introspects_active_with_the_client_as_subject() {
    let app = spawn_app().await;
    let mut client = NewClient::new("Batch job", vec![REDIRECT_URI.into()]);
    client.grant_types = vec![GrantType::ClientCredentials];
    let registered = register(&app, client).await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;

    let tokens = rp
        .client
        .exchange_client_credentials()
        .unwrap()
        .request_async(&rp.http)
        .await
        .expect("client_credentials");
    assert!(
        tokens.refresh_token().is_none(),
        "no refresh token for client_credentials"
    );
    let access = tokens.access_token().secret();
    assert_eq!(jwt_part(access, 1)["sub"], registered.client_id.as_str());
    let introspection = rp.introspect(access).await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["sub"], registered.client_id.as_str());
    assert_eq!(introspection["client_id"], registered.client_id.as_str());

    // A client without the grant is refused.
    let other = standard_rp(&app).await;
    let err = other
        .client
        .exchange_client_credentials()
        .unwrap()
        .request_async(&other.http)
        .await
        .expect_err("refused");
    assert_eq!(error_code(&err), "unauthorized_client");
}

#[tokio::test]
async fn introspection_is_refused_to_public_clients() {
    let SignedIn {
        app,
        person: _,
        rp: _,
        login,
    } = signed_in(&["openid"]).await;
    let mut spa = NewClient::new("Public SPA", vec![REDIRECT_URI.into()]);
    spa.public = true;
    let spa = register(&app, spa).await;

    let response = app
        .http
        .post(app.url("/introspect"))
        .form(&[
            ("client_id", spa.client_id.as_str()),
            ("token", login.tokens.access_token().secret()),
        ])
        .send()
        .await
        .unwrap();
    // RFC 6749 §5.2: 400 (or 401) with unauthorized_client / invalid_client.
    let status = response.status();
    assert!(
        status == 400 || status == 401,
        "a public client may not introspect: {status}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error == "unauthorized_client" || error == "invalid_client",
        "public client introspection refused with an OAuth error: {body}"
    );
    assert!(body.get("active").is_none(), "token details leaked: {body}");
}
