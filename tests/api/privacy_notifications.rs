//! What portal apps are told when a person's access changes (GDPR Art. 19, and keeping
//! sessions honest): a sign-out sends a Back-Channel Logout 1.0 logout token with the
//! session's `sid` and a CAEP session-revoked event; disabling sends RISC account-disabled
//! and a logout token; enabling sends account-enabled. Each goes through the outbox, so a
//! receiver that fails first still gets it, once.

use crate::admin::support::{Api, service_token};
use crate::browser::{Answers, Browser};
use crate::helpers::{
    POST_LOGOUT_URI, REDIRECT_URI, jwt_part, register, seed_simple_person, spawn_app,
};
use crate::logout::logout_url;
use crate::receiver::{Receiver, verified_token};
use crate::rp::Rp;
use serde_json::json;
use trohet::admin::NewClient;

const SESSION_REVOKED: &str = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
const ACCOUNT_DISABLED: &str =
    "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
const ACCOUNT_ENABLED: &str = "https://schemas.openid.net/secevent/risc/event-type/account-enabled";
const BACKCHANNEL_LOGOUT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[tokio::test]
async fn apps_are_told_when_a_session_ends_and_when_the_account_is_disabled_or_enabled() {
    let app = spawn_app().await;
    let receiver = Receiver::start(1).await;
    let person = seed_simple_person(&app).await;
    let mut new = NewClient::new("Listening app", vec![REDIRECT_URI.to_string()]);
    new.post_logout_redirect_uris = vec![POST_LOGOUT_URI.to_string()];
    new.events_uri = Some(receiver.events_uri());
    new.backchannel_logout_uri = Some(receiver.logout_uri());
    let registered = register(&app, new).await;
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(&browser, &person, &["openid"], &Answers::default())
        .await;
    let id_token = jwt_part(&login.id_token().to_string(), 1);
    let (sub, sid) = (id_token["sub"].clone(), id_token["sid"].clone());
    assert!(sid.is_string(), "the ID token names its session");

    browser
        .visit(&logout_url(&rp, login.id_token(), POST_LOGOUT_URI))
        .await;
    receiver.wait_for(&app, 1, 1).await;
    assert_eq!(
        receiver.refused(),
        1,
        "the first delivery failed and was retried"
    );
    let (events, logouts) = receiver.accepted();
    let client_id = registered.client_id.as_str();
    let logout = verified_token(&app, &logouts[0], "logout+jwt", Some(client_id)).await;
    assert_eq!(logout["sid"], sid);
    assert_eq!(logout["sub"], sub);
    assert!(logout["events"][BACKCHANNEL_LOGOUT].is_object());
    assert!(logout.get("nonce").is_none());
    assert!(logout["exp"].as_i64() > logout["iat"].as_i64());
    let revoked = verified_token(&app, &events[0], "secevent+jwt", Some(client_id)).await;
    assert_eq!(revoked["events"][SESSION_REVOKED]["subject"]["sub"], sub);

    let admin = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let disabled = admin
        .post(&format!("/api/v1/persons/{}/disable", person.id), json!({}))
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    receiver.wait_for(&app, 2, 2).await;
    let (events, logouts) = receiver.accepted();
    let event = verified_token(&app, &events[1], "secevent+jwt", Some(client_id)).await;
    assert_eq!(event["events"][ACCOUNT_DISABLED]["subject"]["sub"], sub);
    let logout = verified_token(&app, &logouts[1], "logout+jwt", Some(client_id)).await;
    assert!(logout.get("sid").is_none(), "every session ended, not one");

    let admin = Api::new(&app, Some(service_token(&app, &["admin"]).await));
    let enabled = admin
        .post(&format!("/api/v1/persons/{}/enable", person.id), json!({}))
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    receiver.wait_for(&app, 3, 2).await;
    let (events, logouts) = receiver.accepted();
    let event = verified_token(&app, &events[2], "secevent+jwt", Some(client_id)).await;
    assert!(event["events"][ACCOUNT_ENABLED].is_object());
    assert_eq!(logouts.len(), 2, "enabling logs no one out");
    let mut jtis = std::collections::BTreeSet::new();
    for token in events.iter().chain(&logouts) {
        assert!(
            jtis.insert(jwt_part(token, 1)["jti"].to_string()),
            "each token once"
        );
    }
}
