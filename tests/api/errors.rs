//! Authorization and login failures: refused safely, reported in the standard way.

use std::borrow::Cow;
use std::str::FromStr;

use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow};
use openidconnect::{ClaimsVerificationError, CsrfToken, Nonce, RedirectUrl};
use reqwest::header::LOCATION;
use trohet::admin::{NewClient, RegisteredClient};

use crate::browser::{Answers, Browser, query_param};
use crate::helpers::{REDIRECT_URI, jwt_part, register, spawn_app};
use crate::rp::app_person_and_rp;
use crate::rp::{Rp, TrohetIdToken, standard_rp};

#[tokio::test]
async fn wrong_password_shows_the_form_again_without_a_session() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);

    let page = browser
        .visit(rp.authorize(&["openid"]).url.as_str())
        .await
        .page();
    assert_eq!(page.path(), "/login");
    let mut fields = page.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), "not the right password at all".into()));
    let response = browser
        .http
        .post(browser.url("/login"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(
        status == 200 || status == 401,
        "wrong password answered {status}"
    );
    let body = response.text().await.unwrap();
    assert!(
        body.contains("name=\"password\""),
        "the form is shown again:\n{body}"
    );
    assert!(
        body.contains("<input type=\"hidden\" name=\"csrf\""),
        "the form keeps its CSRF token"
    );

    // No session was created: a silent authorization still needs a login.
    let silent = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));
    let landed = browser.visit(silent.url.as_str()).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let rp = standard_rp(&app).await;
    let evil = RedirectUrl::new("http://evil.example/callback".into()).unwrap();
    let request = rp.authorize_with(&["openid"], |r| r.set_redirect_uri(Cow::Owned(evil)));

    let response = app.http.get(request.url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.headers().get(LOCATION).is_none(),
        "must not redirect to an unregistered URI"
    );
}

#[tokio::test]
async fn unknown_client_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let unknown = RegisteredClient {
        client_id: "no-such-client".into(),
        client_secret: None,
    };
    let rp = Rp::new(&app, &unknown, REDIRECT_URI).await;

    let response = app
        .http
        .get(rp.authorize(&["openid"]).url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.headers().get(LOCATION).is_none(),
        "must not redirect for an unknown client"
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    assert!(
        content_type.is_some_and(|t| t.starts_with("text/html")),
        "an HTML error page: {content_type:?}"
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_redirects_with_login_required() {
    let app = spawn_app().await;
    let rp = standard_rp(&app).await;
    let request = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));

    let landed = Browser::new(&app.issuer)
        .visit(request.url.as_str())
        .await
        .left();
    assert!(
        landed.as_str().starts_with(REDIRECT_URI),
        "redirected to {landed}"
    );
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(
        query_param(&landed, "state").as_deref(),
        Some(request.state.secret().as_str())
    );
    assert_eq!(
        query_param(&landed, "iss").as_deref(),
        Some(app.issuer.as_str())
    );
    assert_eq!(query_param(&landed, "code"), None);

    // The error comes straight back as a 303 from /authorize.
    let response = app.http.get(request.url.clone()).send().await.unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn tampered_id_token_is_rejected_by_the_relying_party() {
    use base64::Engine;
    let (app, person, rp) = app_person_and_rp().await;
    let request = rp.authorize(&["openid"]);
    let nonce = Nonce::new(request.nonce.secret().clone());
    let login = rp
        .complete(
            &Browser::new(&app.issuer),
            &person,
            request,
            &Answers::default(),
        )
        .await;

    // Change the subject in the payload, keep header and signature.
    let original = login.id_token().to_string();
    let mut payload = jwt_part(&original, 1);
    payload["sub"] = format!("{}-tampered", payload["sub"].as_str().unwrap()).into();
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let parts: Vec<&str> = original.split('.').collect();
    let tampered = TrohetIdToken::from_str(&format!("{}.{}.{}", parts[0], encoded, parts[2]))
        .expect("still a JWT");

    let err = tampered
        .claims(&rp.client.id_token_verifier(), &nonce)
        .expect_err("tampered token rejected");
    assert!(
        matches!(err, ClaimsVerificationError::SignatureVerification(_)),
        "rejected for: {err:?}"
    );
}

#[tokio::test]
async fn public_client_without_pkce_is_refused() {
    let app = spawn_app().await;
    let mut client = NewClient::new("Public SPA", vec![REDIRECT_URI.into()]);
    client.public = true;
    let registered = register(&app, client).await;
    assert_eq!(
        registered.client_secret, None,
        "public clients get no secret"
    );
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;

    let (url, state, _nonce) = rp
        .client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .url();
    let landed = Browser::new(&app.issuer).visit(url.as_str()).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("invalid_request"),
        "{landed}"
    );
    assert_eq!(
        query_param(&landed, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(query_param(&landed, "code"), None);
}
