//! A portal app's endpoints on loopback, for the notifications trohet pushes: RFC 8935
//! security event tokens at `/events` (accepted with 202) and Back-Channel Logout 1.0
//! logout tokens at `/logout` (accepted with 200). Each refuses its first `failures`
//! deliveries with 503, so the outbox's retries are exercised. Tokens are checked with
//! `jsonwebtoken`, a JOSE implementation we did not write.

use crate::admin::support::direct;
use crate::helpers::TestApp;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Inbox {
    failures_left: usize,
    refused: usize,
    events: Vec<String>,
    logouts: Vec<String>,
}

#[derive(Clone)]
pub struct Receiver {
    inbox: Arc<Mutex<Inbox>>,
    pub base: String,
}

impl Receiver {
    /// Listens on a random loopback port; the first `failures` deliveries get a 503.
    pub async fn start(failures: usize) -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox {
            failures_left: failures,
            ..Inbox::default()
        }));
        let router = Router::new()
            .route("/events", post(receive_event))
            .route("/logout", post(receive_logout))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { inbox, base }
    }

    pub fn events_uri(&self) -> String {
        format!("{}/events", self.base)
    }

    pub fn logout_uri(&self) -> String {
        format!("{}/logout", self.base)
    }

    /// The tokens accepted so far: (security events, logout tokens).
    pub fn accepted(&self) -> (Vec<String>, Vec<String>) {
        let inbox = self.inbox.lock().unwrap();
        (inbox.events.clone(), inbox.logouts.clone())
    }

    pub fn refused(&self) -> usize {
        self.inbox.lock().unwrap().refused
    }

    /// Waits (moving trohet's clock past each retry) until `events` security events and
    /// `logouts` logout tokens were accepted.
    pub async fn wait_for(&self, app: &TestApp, events: usize, logouts: usize) {
        for _ in 0..120 {
            let (got_events, got_logouts) = self.accepted();
            if got_events.len() >= events && got_logouts.len() >= logouts {
                return;
            }
            app.clock.advance(std::time::Duration::from_secs(120));
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        panic!(
            "expected {events} events and {logouts} logouts, got {:?}",
            self.accepted()
        );
    }
}

fn take_failure(inbox: &Mutex<Inbox>) -> bool {
    let mut inbox = inbox.lock().unwrap();
    if inbox.failures_left > 0 {
        inbox.failures_left -= 1;
        inbox.refused += 1;
        true
    } else {
        false
    }
}

async fn receive_event(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    if content_type != Some("application/secevent+jwt") {
        return StatusCode::BAD_REQUEST;
    }
    if take_failure(&inbox) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    inbox.lock().unwrap().events.push(body);
    StatusCode::ACCEPTED
}

async fn receive_logout(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> StatusCode {
    let Some(token) = form.get("logout_token") else {
        return StatusCode::BAD_REQUEST;
    };
    if take_failure(&inbox) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    inbox.lock().unwrap().logouts.push(token.clone());
    StatusCode::OK
}

/// A token's claims after checking its `typ`, its RS256 signature against `/jwks`, and
/// that it is meant for `audience`.
pub async fn verified_token(
    app: &TestApp,
    token: &str,
    typ: &str,
    audience: Option<&str>,
) -> Value {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let header = decode_header(token).expect("a JWS header");
    assert_eq!(header.typ.as_deref(), Some(typ));
    assert_eq!(header.alg, Algorithm::RS256);
    let jwks: JwkSet = app
        .http
        .get(format!("{}/jwks", direct(app)))
        .send()
        .await
        .expect("JWKS")
        .json()
        .await
        .expect("JWKS JSON");
    let kid = header.kid.expect("a kid");
    let jwk = jwks.find(&kid).expect("the token's key is published");
    let key = DecodingKey::from_jwk(jwk).expect("a decoding key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    match audience {
        Some(audience) => validation.set_audience(&[audience]),
        None => validation.validate_aud = false,
    }
    validation.set_issuer(&[app.issuer.as_str()]);
    decode::<Value>(token, &key, &validation)
        .expect("the token verifies")
        .claims
}
