//! The relying party: the `openidconnect` crate configured from discovery.

use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, IntrospectionUrl,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RevocationUrl, Scope,
};
use url::Url;

use crate::browser::{Answers, Browser, dance, query_param};
use crate::helpers::{Person, REDIRECT_URI, TestApp, register_client};
pub use crate::rp_types::*;
use trohet::admin::RegisteredClient;
use trohet::oidc::SigningAlg;

/// A relying party for a freshly registered confidential RS256 client that
/// redirects to [`REDIRECT_URI`].
/// A fresh server, a person in one customer account, and a standard relying party.
pub async fn app_person_and_rp() -> (TestApp, Person, Rp) {
    let app = crate::helpers::spawn_app().await;
    let person = crate::helpers::seed_simple_person(&app).await;
    let rp = standard_rp(&app).await;
    (app, person, rp)
}

/// The same, with the person signed in through the whole code flow.
pub struct SignedIn {
    pub app: TestApp,
    pub person: Person,
    pub rp: Rp,
    pub login: Login,
}

pub async fn signed_in(scopes: &[&str]) -> SignedIn {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let login = rp
        .log_in(&browser, &person, scopes, &Answers::default())
        .await;
    SignedIn {
        app,
        person,
        rp,
        login,
    }
}

pub async fn standard_rp(app: &TestApp) -> Rp {
    let registered = register_client(app, SigningAlg::Rs256).await;
    Rp::new(app, &registered, REDIRECT_URI).await
}

/// HTTP client for openidconnect: redirects disabled, as its docs demand.
pub fn oidc_http_client() -> reqwest::Client {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build openidconnect http client")
}

pub async fn discover(app: &TestApp) -> TrohetProviderMetadata {
    let issuer = IssuerUrl::new(app.issuer.clone()).expect("issuer URL");
    TrohetProviderMetadata::discover_async(issuer, &oidc_http_client())
        .await
        .expect("discovery succeeds")
}

pub struct Rp {
    pub client: TrohetClient,
    pub http: reqwest::Client,
    pub metadata: TrohetProviderMetadata,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_uri: String,
    pub issuer: String,
}

/// An authorization request ready to be sent to the browser.
pub struct AuthRequest {
    pub url: Url,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub pkce_verifier: PkceCodeVerifier,
}

/// What a completed code flow produced.
pub struct Login {
    pub tokens: TrohetTokenResponse,
    pub claims: TrohetIdTokenClaims,
    pub pages: Vec<String>,
}

impl Login {
    pub fn id_token(&self) -> &TrohetIdToken {
        self.tokens
            .extra_fields()
            .id_token()
            .expect("token response has an ID token")
    }
}

impl Rp {
    pub async fn new(app: &TestApp, registered: &RegisteredClient, redirect_uri: &str) -> Rp {
        let metadata = discover(app).await;
        let extras = metadata.additional_metadata().clone();
        let client = TrohetClientWith::<EndpointNotSet, EndpointNotSet>::from_provider_metadata(
            metadata.clone(),
            ClientId::new(registered.client_id.clone()),
            registered.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).expect("redirect URI"))
        .set_revocation_url(
            RevocationUrl::new(
                extras
                    .revocation_endpoint
                    .expect("revocation_endpoint advertised"),
            )
            .expect("revocation URL"),
        )
        .set_introspection_url(
            IntrospectionUrl::new(
                extras
                    .introspection_endpoint
                    .expect("introspection_endpoint advertised"),
            )
            .expect("introspection URL"),
        );
        Rp {
            client,
            http: oidc_http_client(),
            metadata,
            client_id: registered.client_id.clone(),
            client_secret: registered.client_secret.clone(),
            redirect_uri: redirect_uri.to_string(),
            issuer: app.issuer.clone(),
        }
    }

    /// Authorization request with PKCE (S256), state and nonce for `scopes`.
    pub fn authorize(&self, scopes: &[&str]) -> AuthRequest {
        self.authorize_with(scopes, |request| request)
    }

    pub fn authorize_with(
        &self,
        scopes: &[&str],
        customize: impl for<'a> FnOnce(AuthRequestBuilder<'a>) -> AuthRequestBuilder<'a>,
    ) -> AuthRequest {
        let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let request = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(
                scopes
                    .iter()
                    .filter(|s| **s != "openid")
                    .map(|s| Scope::new(s.to_string())),
            )
            .set_pkce_challenge(challenge);
        let (url, state, nonce) = customize(request).url();
        AuthRequest {
            url,
            state,
            nonce,
            pkce_verifier,
        }
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
    ) -> Result<TrohetTokenResponse, TokenError> {
        self.client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .expect("token endpoint known")
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
    }

    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<TrohetTokenResponse, TokenError> {
        self.client
            .exchange_refresh_token(refresh_token)
            .expect("token endpoint known")
            .request_async(&self.http)
            .await
    }

    /// Verifies the ID token of `tokens` (signature against the JWKS, issuer,
    /// audience, expiry, nonce) and returns its claims.
    pub fn verify(&self, tokens: &TrohetTokenResponse, nonce: &Nonce) -> TrohetIdTokenClaims {
        let id_token = tokens
            .extra_fields()
            .id_token()
            .expect("token response has an ID token");
        id_token
            .claims(&self.client.id_token_verifier(), nonce)
            .expect("ID token verifies")
            .clone()
    }

    /// The callback URL's code, after checking its `state` and `iss`.
    pub fn code_from(&self, callback: &Url, request: &AuthRequest) -> String {
        assert!(
            callback.as_str().starts_with(&self.redirect_uri),
            "redirected to {callback}, not to {}",
            self.redirect_uri
        );
        assert_eq!(
            query_param(callback, "error"),
            None,
            "authorization failed: {callback}"
        );
        assert_eq!(
            query_param(callback, "state").as_deref(),
            Some(request.state.secret().as_str())
        );
        assert_eq!(
            query_param(callback, "iss").as_deref(),
            Some(self.issuer.as_str())
        );
        query_param(callback, "code").expect("callback carries a code")
    }

    /// The whole code flow: authorize, answer the pages, exchange, verify.
    pub async fn log_in(
        &self,
        browser: &Browser,
        person: &Person,
        scopes: &[&str],
        answers: &Answers,
    ) -> Login {
        let request = self.authorize(scopes);
        self.complete(browser, person, request, answers).await
    }

    /// Authorizes and logs in, returning the code without exchanging it.
    pub async fn obtain_code(
        &self,
        browser: &Browser,
        person: &Person,
        scopes: &[&str],
    ) -> (AuthRequest, String) {
        let request = self.authorize(scopes);
        let dance = dance(browser, request.url.as_str(), person, &Answers::default()).await;
        let code = self.code_from(&dance.landed, &request);
        (request, code)
    }

    pub async fn complete(
        &self,
        browser: &Browser,
        person: &Person,
        request: AuthRequest,
        answers: &Answers,
    ) -> Login {
        let dance = dance(browser, request.url.as_str(), person, answers).await;
        let code = self.code_from(&dance.landed, &request);
        let tokens = self
            .exchange(&code, request.pkce_verifier)
            .await
            .expect("code exchange succeeds");
        let claims = self.verify(&tokens, &request.nonce);
        Login {
            tokens,
            claims,
            pages: dance.pages,
        }
    }

    /// RFC 7662 introspection as raw JSON, authenticated with client_secret_basic.
    pub async fn introspect(&self, token: &str) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}/introspect", self.issuer))
            .basic_auth(&self.client_id, self.client_secret.as_deref())
            .form(&[("token", token)])
            .send()
            .await
            .expect("introspection request");
        assert_eq!(response.status(), 200, "introspection status");
        response.json().await.expect("introspection JSON")
    }

    pub async fn is_active(&self, token: &str) -> bool {
        let body = self.introspect(token).await;
        body["active"]
            .as_bool()
            .expect("introspection has a boolean `active`")
    }

    /// RFC 7009 revocation with client_secret_basic. Done by hand because
    /// openidconnect's `revoke_token` refuses non-HTTPS endpoints (RFC 7009 §2)
    /// and the test server speaks plain HTTP.
    pub async fn revoke(&self, token: &str, token_type_hint: Option<&str>) {
        let endpoint = self
            .metadata
            .additional_metadata()
            .revocation_endpoint
            .clone();
        let mut form = vec![("token", token)];
        form.extend(token_type_hint.map(|hint| ("token_type_hint", hint)));
        let response = self
            .http
            .post(endpoint.expect("revocation_endpoint advertised"))
            .basic_auth(&self.client_id, self.client_secret.as_deref())
            .form(&form)
            .send()
            .await
            .expect("revocation request");
        assert_eq!(response.status(), 200, "revocation status");
    }
}
