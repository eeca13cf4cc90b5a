//! `/account`: a person changes their name, language and password, and sees and ends
//! their sessions and the apps they signed in to.

use crate::browser::{Browser, sign_in};
use crate::helpers::{PASSWORD, jwt_part, seed_simple_person, spawn_app};
use crate::rp::standard_rp;
use openidconnect::OAuth2TokenResponse;

#[tokio::test]
async fn a_person_changes_their_name_and_language() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let browser = Browser::new(&app.issuer);
    let account = sign_in(&browser, &person.email, PASSWORD).await;
    assert_eq!(account.path(), "/account");
    let fields = account.form_with(&[("name", "Ada Byron"), ("locale", "sv")]);
    let saved = browser.submit("/account/profile", &fields).await.page();
    assert!(saved.body.contains("Ada Byron"));
    assert!(
        saved.body.contains("Ditt konto"),
        "the page follows the chosen language"
    );
    let blank = browser
        .submit("/account/profile", &saved.form_with(&[("name", " ")]))
        .await
        .page();
    assert_eq!(blank.status, 422);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_needs_the_current_one() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let (here, elsewhere) = (Browser::new(&app.issuer), Browser::new(&app.issuer));
    let account = sign_in(&here, &person.email, PASSWORD).await;
    sign_in(&elsewhere, &person.email, PASSWORD).await;
    let new = "another long passphrase 7";
    let wrong = account.form_with(&[("current", "not it at all"), ("new", new), ("repeat", new)]);
    let refused = here.submit("/account/password", &wrong).await.page();
    assert_eq!(refused.status, 422);
    let right = account.form_with(&[("current", PASSWORD), ("new", new), ("repeat", new)]);
    let changed = here.submit("/account/password", &right).await.page();
    assert_eq!(changed.path(), "/account", "this session stays");
    assert!(
        changed.body.contains("password was changed"),
        "{}",
        changed.body
    );
    assert_eq!(elsewhere.visit("/account").await.page().path(), "/login");
    assert_eq!(
        sign_in(&elsewhere, &person.email, new).await.path(),
        "/account"
    );
}

#[tokio::test]
async fn a_person_ends_another_session_and_an_apps_access() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let rp = standard_rp(&app).await;
    let phone = Browser::new(&app.issuer);
    let login = rp
        .log_in(
            &phone,
            &person,
            &["openid", "offline_access"],
            &Default::default(),
        )
        .await;
    let id_token = login.tokens.extra_fields().id_token().expect("an ID token");
    let phone_sid = jwt_part(&id_token.to_string(), 1)["sid"]
        .as_str()
        .expect("the ID token names the session")
        .to_string();
    let desk = Browser::new(&app.issuer);
    let account = sign_in(&desk, &person.email, PASSWORD).await;
    let sids: Vec<String> = account
        .hidden_fields()
        .into_iter()
        .filter(|(k, _)| k == "sid")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(sids.len(), 2, "both sessions are listed");
    assert!(sids.contains(&phone_sid));
    let other = phone_sid;
    let fields = account.form_with(&[("sid", other.as_str())]);
    let after = desk.submit("/account/sessions/end", &fields).await.page();
    assert!(after.body.contains("The session was ended"));
    assert_eq!(phone.visit("/account").await.page().path(), "/login");

    assert!(after.body.contains(&rp_name(&app, &rp.client_id).await));
    let refresh = login.tokens.refresh_token().unwrap().clone();
    let fields = after.form_with(&[("client_id", rp.client_id.as_str())]);
    let revoked = desk.submit("/account/apps/revoke", &fields).await.page();
    assert!(revoked.body.contains("The app was signed out"));
    assert!(
        rp.refresh(&refresh).await.is_err(),
        "the app's refresh token is gone"
    );
}

async fn rp_name(app: &crate::helpers::TestApp, client_id: &str) -> String {
    let api = crate::admin::support::Api::new(
        app,
        Some(crate::admin::support::service_token(app, &["admin"]).await),
    );
    let client = api.get(&format!("/api/v1/clients/{client_id}")).await;
    client.body["name"].as_str().unwrap().to_string()
}
