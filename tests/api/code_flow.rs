//! The full authorization code flow, one test per ID token algorithm.

use openidconnect::core::{CoreAuthPrompt, CoreGenderClaim, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessTokenHash, CsrfToken, EndSessionUrl, LogoutRequest, OAuth2TokenResponse,
    PostLogoutRedirectUrl, TokenIntrospectionResponse, UserInfoClaims,
};
use trohet::oidc::SigningAlg;

use crate::browser::{Answers, Browser, query_param};
use crate::helpers::{POST_LOGOUT_URI, REDIRECT_URI, register_client, seed_person, spawn_app};
use crate::rp::{CustomerClaim, Rp, TrohetClaims, error_code};

const ALL_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "customer",
    "roles",
];

#[tokio::test]
async fn full_flow_works_for_an_rs256_client() {
    full_flow(
        SigningAlg::Rs256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    )
    .await;
}

#[tokio::test]
async fn full_flow_works_for_an_es256_client() {
    full_flow(SigningAlg::Es256, CoreJwsSigningAlgorithm::EcdsaP256Sha256).await;
}

#[tokio::test]
async fn full_flow_works_for_an_eddsa_client() {
    full_flow(SigningAlg::EdDsa, CoreJwsSigningAlgorithm::EdDsa).await;
}

/// discovery → authorize (PKCE, nonce) → login → account choice → code → token
/// → ID token verification → userinfo → refresh rotation → revoke → introspect
/// → end_session.
async fn full_flow(alg: SigningAlg, expected_alg: CoreJwsSigningAlgorithm) {
    let app = spawn_app().await;
    let person = seed_person(
        &app,
        &[("Acme", &["buyer"]), ("Globex", &["finance", "member"])],
    )
    .await;
    let globex = person.accounts[1].clone();
    let registered = register_client(&app, alg).await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let browser = Browser::new(&app.issuer);

    // Login and account choice; the code is exchanged with the PKCE verifier
    // and the ID token verified (signature against the JWKS, iss, aud, exp, nonce).
    let answers = Answers {
        account_id: Some(globex.id.clone()),
        ..Answers::default()
    };
    let login = rp.log_in(&browser, &person, &ALL_SCOPES, &answers).await;
    // A new person also meets the app's consent page and the purposes not yet decided.
    assert_eq!(
        login.pages,
        ["/login", "/select-account", "/consent", "/privacy-choices"],
        "pages shown"
    );

    // The ID token is signed with the client's algorithm and binds the access token.
    let id_token = login.id_token();
    let verifier = rp.client.id_token_verifier();
    let signing_alg = id_token.signing_alg().expect("ID token is signed");
    assert_eq!(signing_alg, &expected_alg);
    let expected_hash = AccessTokenHash::from_token(
        login.tokens.access_token(),
        signing_alg,
        id_token
            .signing_key(&verifier)
            .expect("signing key is in the JWKS"),
    )
    .expect("at_hash computable");
    assert_eq!(
        login.claims.access_token_hash(),
        Some(&expected_hash),
        "at_hash"
    );

    // Standard and trohet claims, per the requested scopes.
    let claims = &login.claims;
    assert_eq!(claims.issuer().as_str(), app.issuer);
    assert!(
        claims
            .audiences()
            .iter()
            .any(|aud| aud.as_str() == registered.client_id)
    );
    assert!(claims.auth_time().is_some(), "auth_time");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some(person.email.as_str())
    );
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string());
    assert_eq!(name.as_deref(), Some(person.display_name.as_str()));
    assert_eq!(claims.locale().map(|l| l.as_str()), Some("en"));
    let extra = claims.additional_claims();
    assert_eq!(
        extra.customer,
        Some(CustomerClaim {
            id: globex.id.clone(),
            name: globex.name.clone()
        }),
        "customer claim names the chosen account"
    );
    let roles = extra.roles.clone().expect("roles claim with scope roles");
    assert!(
        roles.contains(&"finance".to_string()) && roles.contains(&"member".to_string()),
        "{roles:?}"
    );
    assert!(
        !roles.contains(&"buyer".to_string()),
        "roles of the other account leak: {roles:?}"
    );
    assert!(
        extra.permissions.is_some(),
        "permissions claim with scope roles"
    );
    assert!(
        extra.sid.as_deref().is_some_and(|sid| !sid.is_empty()),
        "sid claim"
    );

    // Userinfo, requested by openidconnect (which also checks `sub`).
    let userinfo: UserInfoClaims<TrohetClaims, CoreGenderClaim> = rp
        .client
        .user_info(
            login.tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .expect("userinfo endpoint known")
        .request_async(&rp.http)
        .await
        .expect("userinfo succeeds");
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some(person.email.as_str())
    );
    assert_eq!(
        userinfo
            .additional_claims()
            .customer
            .as_ref()
            .map(|c| c.id.as_str()),
        Some(globex.id.as_str())
    );
    assert!(
        userinfo
            .additional_claims()
            .roles
            .as_ref()
            .is_some_and(|r| r.contains(&"finance".to_string()))
    );

    // Refresh rotates the refresh token; the old one stops working.
    let first_refresh = login
        .tokens
        .refresh_token()
        .expect("refresh token with offline_access")
        .clone();
    let refreshed = rp.refresh(&first_refresh).await.expect("refresh succeeds");
    let second_refresh = refreshed.refresh_token().expect("a rotated refresh token");
    assert_ne!(
        first_refresh.secret(),
        second_refresh.secret(),
        "refresh token rotated"
    );
    assert_ne!(
        refreshed.access_token().secret(),
        login.tokens.access_token().secret()
    );
    let reuse = rp
        .refresh(&first_refresh)
        .await
        .expect_err("the rotated-out refresh token fails");
    assert_eq!(error_code(&reuse), "invalid_grant");

    // A second authorization rides the session: no login, no account choice.
    let second = rp
        .log_in(
            &browser,
            &person,
            &["openid", "profile"],
            &Answers::default(),
        )
        .await;
    assert!(
        second.pages.is_empty(),
        "single sign-on expected, saw {:?}",
        second.pages
    );
    assert_eq!(second.claims.subject(), claims.subject());
    let access = second.tokens.access_token();
    let introspection = rp
        .client
        .introspect(access)
        .request_async(&rp.http)
        .await
        .expect("introspect");
    assert!(introspection.active(), "fresh access token is active");
    assert_eq!(
        introspection.client_id().map(|c| c.as_str()),
        Some(registered.client_id.as_str())
    );
    assert_eq!(introspection.sub(), Some(claims.subject().as_str()));

    // Revocation makes it inactive.
    rp.revoke(access.secret(), Some("access_token")).await;
    let introspection = rp
        .client
        .introspect(access)
        .request_async(&rp.http)
        .await
        .expect("introspect");
    assert!(!introspection.active(), "revoked access token is inactive");

    // RP-initiated logout ends the session and its tokens.
    let third = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;
    let third_access = third.tokens.access_token().secret().clone();
    assert!(rp.is_active(&third_access).await);
    let end_session = rp
        .metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("end_session_endpoint");
    let logout_url = LogoutRequest::from(EndSessionUrl::new(end_session).expect("end session URL"))
        .set_id_token_hint(third.id_token())
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(POST_LOGOUT_URI.into()).unwrap())
        .set_state(CsrfToken::new("bye-123".into()))
        .http_get_url();
    let landed = browser.visit(logout_url.as_str()).await.left();
    assert!(
        landed.as_str().starts_with(POST_LOGOUT_URI),
        "logout redirected to {landed}"
    );
    assert_eq!(query_param(&landed, "state").as_deref(), Some("bye-123"));
    assert!(
        !rp.is_active(&third_access).await,
        "session tokens end with the session"
    );

    let silent = rp.authorize_with(&["openid"], |request| {
        request.add_prompt(CoreAuthPrompt::None)
    });
    let landed = browser.visit(silent.url.as_str()).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("login_required"),
        "session is gone: {landed}"
    );
}
