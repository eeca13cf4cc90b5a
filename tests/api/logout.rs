//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and the
//! account page's sign-out form.

use openidconnect::core::CoreAuthPrompt;
use openidconnect::{
    CsrfToken, EndSessionUrl, LogoutRequest, OAuth2TokenResponse, PostLogoutRedirectUrl,
};
use reqwest::header::LOCATION;

use crate::browser::{Answers, Browser, query_param};
use crate::helpers::POST_LOGOUT_URI;
use crate::rp::app_person_and_rp;
use crate::rp::{Rp, TrohetIdToken};

pub fn logout_url(rp: &Rp, id_token: &TrohetIdToken, post_logout_uri: &str) -> String {
    let endpoint = rp
        .metadata
        .additional_metadata()
        .end_session_endpoint
        .clone();
    LogoutRequest::from(EndSessionUrl::new(endpoint.expect("end_session_endpoint")).unwrap())
        .set_id_token_hint(id_token)
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(post_logout_uri.into()).unwrap())
        .set_state(CsrfToken::new("logout-state".into()))
        .http_get_url()
        .to_string()
}

async fn session_is_alive(rp: &Rp, browser: &Browser) -> bool {
    let request = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));
    let landed = browser.visit(request.url.as_str()).await.left();
    query_param(&landed, "code").is_some()
}

#[tokio::test]
async fn end_session_refuses_an_unregistered_post_logout_redirect_uri() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;

    let url = logout_url(&rp, login.id_token(), "http://evil.example/logged-out");
    let response = browser.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response.headers().get(LOCATION).is_none(),
        "no redirect to an unregistered URI"
    );
}

#[tokio::test]
async fn end_session_leaves_offline_access_grants_alone() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let offline = rp
        .log_in(
            &browser,
            &person,
            &["openid", "offline_access"],
            &Answers::default(),
        )
        .await;
    let online = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;
    let online_access = online.tokens.access_token().secret().clone();

    let landed = browser
        .visit(&logout_url(&rp, online.id_token(), POST_LOGOUT_URI))
        .await
        .left();
    assert!(
        landed.as_str().starts_with(POST_LOGOUT_URI),
        "redirected to {landed}"
    );
    assert_eq!(
        query_param(&landed, "state").as_deref(),
        Some("logout-state")
    );

    assert!(
        !rp.is_active(&online_access).await,
        "session-bound token ends with the session"
    );
    let refresh = offline.tokens.refresh_token().expect("refresh token");
    rp.refresh(refresh)
        .await
        .expect("offline_access grant survives logout");
    assert!(!session_is_alive(&rp, &browser).await, "session ended");
}

#[tokio::test]
async fn sign_out_without_the_csrf_token_is_refused() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    rp.log_in(&browser, &person, &["openid"], &Answers::default())
        .await;

    for fields in [vec![], vec![("csrf", "forged-token")]] {
        let response = browser
            .http
            .post(browser.url("/logout"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "sign-out with {fields:?}: {}",
            response.status()
        );
    }
    assert!(
        session_is_alive(&rp, &browser).await,
        "a forged sign-out must not end the session"
    );
}
