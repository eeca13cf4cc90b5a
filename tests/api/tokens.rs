//! Token endpoint details, token formats and scope-dependent claims.

use openidconnect::core::CoreTokenType;
use openidconnect::{AuthType, OAuth2TokenResponse, TokenResponse};
use reqwest::header::CACHE_CONTROL;
use trohet::admin::NewClient;
use trohet::oidc::{GrantType, SigningAlg};

use crate::browser::{Answers, Browser, dance, query_param};
use crate::helpers::{
    REDIRECT_URI, jwt_part, register, register_client, seed_simple_person, spawn_app,
};
use crate::rp::Rp;
use crate::rp::{SignedIn, app_person_and_rp, signed_in};

#[tokio::test]
async fn token_response_is_uncacheable_and_the_access_token_is_an_rfc9068_jwt() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let registered = register_client(&app, SigningAlg::Rs256).await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let (request, code) = rp
        .obtain_code(&Browser::new(&app.issuer), &person, &["openid", "email"])
        .await;

    let response = app
        .http
        .post(app.url("/token"))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", request.pkce_verifier.secret().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cache_control = response
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cache_control.contains("no-store"),
        "Cache-Control: {cache_control:?}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    );
    assert!(
        body["expires_in"].as_i64().is_some_and(|e| e > 0),
        "expires_in: {body}"
    );
    assert!(
        body.get("refresh_token").is_none(),
        "no refresh token without offline_access"
    );

    let access = body["access_token"].as_str().expect("access_token");
    let header = jwt_part(access, 0);
    assert_eq!(
        header["typ"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("at+jwt"),
        "{header}"
    );
    let claims = jwt_part(access, 1);
    assert_eq!(claims["iss"], app.issuer.as_str());
    assert_eq!(claims["client_id"], registered.client_id.as_str());
    let id_claims = jwt_part(body["id_token"].as_str().expect("id_token"), 1);
    assert_eq!(
        claims["sub"], id_claims["sub"],
        "access token and ID token name the same subject"
    );
    for claim in ["aud", "exp", "iat", "jti"] {
        assert!(
            claims.get(claim).is_some(),
            "access token lacks `{claim}`: {claims}"
        );
    }
    let scope = claims["scope"].as_str().expect("scope claim");
    assert!(
        scope.split(' ').any(|s| s == "openid") && scope.split(' ').any(|s| s == "email"),
        "scope: {scope}"
    );

    let introspection = rp.introspect(access).await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["client_id"], registered.client_id.as_str());
    assert_eq!(introspection["sub"], id_claims["sub"]);
    assert_eq!(introspection["iss"], app.issuer.as_str());
    assert!(
        introspection["scope"]
            .as_str()
            .is_some_and(|s| s.contains("email")),
        "{introspection}"
    );
    for field in ["exp", "iat", "token_type"] {
        assert!(
            introspection.get(field).is_some(),
            "introspection lacks `{field}`: {introspection}"
        );
    }
}

#[tokio::test]
async fn client_secret_post_authenticates_the_client() {
    let (app, person, rp) = app_person_and_rp().await;
    let (request, code) = rp
        .obtain_code(&Browser::new(&app.issuer), &person, &["openid"])
        .await;

    let post_client = rp.client.clone().set_auth_type(AuthType::RequestBody);
    let tokens = post_client
        .exchange_code(openidconnect::AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(request.pkce_verifier)
        .request_async(&rp.http)
        .await
        .expect("client_secret_post accepted");
    assert_eq!(tokens.token_type(), &CoreTokenType::Bearer);
    assert!(tokens.id_token().is_some());
}

#[tokio::test]
async fn refresh_tokens_need_offline_access_and_the_refresh_grant() {
    let SignedIn {
        app,
        person,
        rp: _,
        login,
    } = signed_in(&["openid", "profile"]).await;
    assert!(
        login.tokens.refresh_token().is_none(),
        "no refresh token without offline_access"
    );

    let mut no_refresh = NewClient::new("No refresh", vec![REDIRECT_URI.into()]);
    no_refresh.grant_types = vec![GrantType::AuthorizationCode];
    let rp = Rp::new(&app, &register(&app, no_refresh).await, REDIRECT_URI).await;
    let request = rp.authorize(&["openid", "offline_access"]);
    let landed = dance(
        &Browser::new(&app.issuer),
        request.url.as_str(),
        &person,
        &Answers::default(),
    )
    .await
    .landed;
    match query_param(&landed, "error") {
        Some(error) => assert_eq!(error, "invalid_scope", "{landed}"),
        None => {
            let code = rp.code_from(&landed, &request);
            let tokens = rp
                .exchange(&code, request.pkce_verifier)
                .await
                .expect("exchange");
            assert!(
                tokens.refresh_token().is_none(),
                "client without the refresh_token grant got one"
            );
        }
    }
}

#[tokio::test]
async fn claims_follow_the_requested_scopes() {
    let SignedIn {
        app,
        person: _,
        rp: _,
        login,
    } = signed_in(&["openid"]).await;

    let claims = &login.claims;
    assert!(claims.email().is_none(), "email without scope email");
    assert!(claims.name().is_none(), "name without scope profile");
    assert!(
        claims.additional_claims().customer.is_none(),
        "customer without scope customer"
    );
    assert!(
        claims.additional_claims().roles.is_none(),
        "roles without scope roles"
    );

    let response = app
        .http
        .post(app.url("/userinfo"))
        .bearer_auth(login.tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "userinfo by POST");
    let userinfo: serde_json::Value = response.json().await.unwrap();
    assert_eq!(userinfo["sub"], claims.subject().as_str());
    for claim in ["email", "name", "customer", "roles"] {
        assert!(
            userinfo.get(claim).is_none(),
            "userinfo has `{claim}` without its scope: {userinfo}"
        );
    }
}
