//! Pairwise subject identifiers (OpenID Connect Core §8.1).

use trohet::admin::NewClient;

use crate::browser::{Answers, Browser};
use crate::helpers::{REDIRECT_URI, TestApp, register, seed_simple_person, spawn_app};
use crate::rp::Rp;

async fn pairwise_rp(app: &TestApp, name: &str, redirect_uri: &str) -> Rp {
    let mut client = NewClient::new(name, vec![redirect_uri.to_string()]);
    client.pairwise = true;
    let registered = register(app, client).await;
    Rp::new(app, &registered, redirect_uri).await
}

#[tokio::test]
async fn pairwise_clients_on_different_hosts_see_different_stable_subjects() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let public = Rp::new(
        &app,
        &register(&app, NewClient::new("Public", vec![REDIRECT_URI.into()])).await,
        REDIRECT_URI,
    )
    .await;
    let one = pairwise_rp(&app, "App One", "http://app-one.example/cb").await;
    let two = pairwise_rp(&app, "App Two", "http://app-two.example/cb").await;

    // Two separate logins (fresh browsers), each visiting all three clients.
    let mut rounds = Vec::new();
    for _ in 0..2 {
        let browser = Browser::new(&app.issuer);
        let mut subs = Vec::new();
        for rp in [&public, &one, &two] {
            let login = rp
                .log_in(&browser, &person, &["openid"], &Answers::default())
                .await;
            subs.push(login.claims.subject().to_string());
        }
        rounds.push(subs);
    }

    let [public_sub, one_sub, two_sub] = <[String; 3]>::try_from(rounds[0].clone()).unwrap();
    assert_eq!(rounds[0], rounds[1], "subjects are stable across logins");
    assert_ne!(one_sub, two_sub, "pairwise subjects differ between sectors");
    assert_ne!(
        one_sub, public_sub,
        "pairwise subject differs from the public one"
    );
    assert_ne!(
        two_sub, public_sub,
        "pairwise subject differs from the public one"
    );
    assert_ne!(
        one_sub, person.id,
        "pairwise subject is not the internal id"
    );
}

#[tokio::test]
async fn pairwise_subject_is_the_same_at_userinfo_and_introspection() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = pairwise_rp(&app, "App One", "http://app-one.example/cb").await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(&browser, &person, &["openid", "email"], &Answers::default())
        .await;
    let sub = login.claims.subject().to_string();

    let userinfo: openidconnect::UserInfoClaims<
        crate::rp::TrohetClaims,
        openidconnect::core::CoreGenderClaim,
    > = rp
        .client
        .user_info(
            openidconnect::OAuth2TokenResponse::access_token(&login.tokens).clone(),
            Some(login.claims.subject().clone()),
        )
        .expect("userinfo endpoint known")
        .request_async(&rp.http)
        .await
        .expect("userinfo sub matches the ID token sub");
    assert_eq!(userinfo.subject().as_str(), sub);

    let access = openidconnect::OAuth2TokenResponse::access_token(&login.tokens)
        .secret()
        .clone();
    let introspection = rp.introspect(&access).await;
    assert_eq!(introspection["sub"], sub.as_str());
}
