//! Tokens for the admin API and a small JSON client for it.

use crate::browser::{Answers, Browser};
use crate::helpers::{Person, REDIRECT_URI, TestApp, register};
use crate::rp::Rp;
use openidconnect::OAuth2TokenResponse;
use reqwest::header::HeaderMap;
use serde_json::Value;
use trohet::admin::NewClient;
use trohet::oidc::GrantType;

/// The instance itself, whatever issuer it was configured with (several instances behind
/// one issuer are each reached directly).
pub fn direct(app: &TestApp) -> String {
    format!("http://127.0.0.1:{}", app.port)
}

/// A client_credentials token of a service client holding these staff roles.
pub async fn service_token(app: &TestApp, roles: &[&str]) -> String {
    let mut new = NewClient::new("Back-end", vec![]);
    new.grant_types = vec![GrantType::ClientCredentials];
    new.roles = roles.iter().map(|r| r.to_string()).collect();
    let registered = register(app, new).await;
    let response = app
        .http
        .post(format!("{}/token", direct(app)))
        .basic_auth(&registered.client_id, registered.client_secret.as_deref())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200, "client_credentials token");
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A person's access token from the code flow with these scopes, through a client
/// registered with the `admin` scope.
pub async fn person_token(app: &TestApp, person: &Person, scopes: &[&str]) -> String {
    person_token_via(app, "admin", person, scopes).await
}

/// The same through a client registered with the extra scope `registered`.
pub async fn person_token_via(
    app: &TestApp,
    registered: &str,
    person: &Person,
    scopes: &[&str],
) -> String {
    let mut new = NewClient::new("Portal app", vec![REDIRECT_URI.to_string()]);
    new.extra_scopes = vec![registered.to_string()];
    let registered = register(app, new).await;
    let rp = Rp::new(app, &registered, REDIRECT_URI).await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(&browser, person, scopes, &Answers::default())
        .await;
    login.tokens.access_token().secret().to_string()
}

/// What an API call answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("an ETag")
            .to_string()
    }

    /// The stable problem type of an error answer.
    pub fn problem(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
}

/// A bearer-authenticated JSON client for `/api/v1`.
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    pub fn new(app: &TestApp, token: Option<String>) -> Self {
        Self {
            http: app.http.clone(),
            base: direct(app),
            token,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("API body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body), None).await
    }
}
