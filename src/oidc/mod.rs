//! The OpenID Connect provider: clients, the code flow with PKCE, tokens, signing keys,
//! discovery, userinfo, revocation, introspection and logout. Implements OpenID Connect
//! Core 1.0, RFC 6749, RFC 7636, RFC 7009, RFC 7662, RFC 9068, RFC 9207 and follows the
//! OAuth security BCP (RFC 9700): exact redirect URIs, PKCE, single-use codes, rotating
//! refresh tokens with reuse detection.

pub mod admin;
pub mod admin_routes;
mod apps;
pub mod authorize;
pub mod cache;
pub mod client;
mod client_auth;
pub mod client_store;
mod demo;
pub mod discovery;
mod erasure_prompt;
pub mod error;
mod flow;
mod interaction;
pub mod introspect;
pub mod jws;
pub mod keys;
mod login;
mod logout;
pub mod permission_check;
pub mod principal;
mod purposes_prompt;
pub mod scope;
pub mod store;
mod subjects;
mod token;
pub mod tokens;
mod userinfo;

use crate::authz::Policies;
use crate::clock::Clock;
use crate::config::TokenConfig;
use crate::consent::Consent;
use crate::db::Db;
use crate::identity::Identity;
use crate::ops::Metrics;
use crate::web::forms::Forms;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::cors::CorsLayer;

pub use client::GrantType;
pub use jws::SigningAlg;

/// What the provider needs, and nothing else: no master key (keys arrive sealed and
/// opened), the CSRF key only inside `forms`, the pairwise key only here.
pub struct Oidc {
    pub db: Db,
    pub clock: Clock,
    /// The issuer URL without a trailing slash.
    pub issuer: String,
    pub tokens: TokenConfig,
    pub identity: Identity,
    pub forms: Forms,
    pub keys: Arc<keys::KeyStore>,
    pub policies: Arc<Policies>,
    pub metrics: Arc<Metrics>,
    pub cache: Arc<cache::OidcCache>,
    /// Purposes and decisions: the page after login asks about undecided ones.
    pub consent: Consent,
    pairwise_key: [u8; 32],
    discovery_json: bytes::Bytes,
    /// Access tokens use a fast signature: resource servers verify them on every call.
    access_token_alg: SigningAlg,
    /// Told of each sign-in to a portal app (analytics), once `app.rs` has built it.
    pub sign_ins: std::sync::OnceLock<std::sync::Weak<dyn crate::identity::SignInRecorder>>,
}

/// The parts of [`Oidc`] that `app.rs` provides.
pub struct OidcParts {
    pub db: Db,
    pub clock: Clock,
    pub issuer: String,
    pub tokens: TokenConfig,
    pub identity: Identity,
    pub forms: Forms,
    pub keys: Arc<keys::KeyStore>,
    pub policies: Arc<Policies>,
    pub metrics: Arc<Metrics>,
    pub cache: Arc<cache::OidcCache>,
    pub consent: Consent,
    pub pairwise_key: [u8; 32],
}

impl Oidc {
    pub fn new(parts: OidcParts) -> Result<Oidc, openidconnect::url::ParseError> {
        Ok(Oidc {
            discovery_json: discovery::document(&parts.issuer)?,
            db: parts.db,
            clock: parts.clock,
            issuer: parts.issuer,
            tokens: parts.tokens,
            identity: parts.identity,
            forms: parts.forms,
            keys: parts.keys,
            policies: parts.policies,
            metrics: parts.metrics,
            cache: parts.cache,
            consent: parts.consent,
            pairwise_key: parts.pairwise_key,
            access_token_alg: SigningAlg::EdDsa,
            sign_ins: std::sync::OnceLock::new(),
        })
    }
}

pub fn router(state: Arc<Oidc>, demo: bool) -> Router {
    // Endpoints a browser app calls directly (no cookies involved) are open to any origin.
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods(tower_http::cors::Any)
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
        ]);
    let api = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/jwks", get(discovery::jwks))
        .route("/token", post(token::token))
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/revoke", post(introspect::revoke))
        .route("/introspect", post(introspect::introspect))
        .layer(cors);
    let pages = Router::new()
        .route(
            "/authorize",
            get(flow::authorize_get).post(flow::authorize_post),
        )
        .route("/authorize/continue", get(flow::resume))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route(
            "/select-account",
            get(interaction::select_account_page).post(interaction::select_account_submit),
        )
        .route(
            "/privacy-choices",
            get(purposes_prompt::choices_page).post(purposes_prompt::choices_submit),
        )
        .route(
            erasure_prompt::PATH,
            get(erasure_prompt::deletion_page).post(erasure_prompt::deletion_submit),
        )
        .route(
            "/consent",
            get(interaction::consent_page).post(interaction::consent_submit),
        )
        .route("/logout", post(logout::logout))
        .route(
            "/end_session",
            get(logout::end_session_get).post(logout::end_session_post),
        );
    let router = api.merge(pages);
    let router = if demo {
        router.route("/demo/callback", get(demo::callback))
    } else {
        router
    };
    router.with_state(state)
}
