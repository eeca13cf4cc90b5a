//! Discovery (OIDC Discovery 1.0) and JWKS, built with the `openidconnect` crate's types so
//! that the document matches what relying parties parse. Both are rendered once (JWKS again
//! on key rotation) and served from memory.

use super::Oidc;
use super::jws::SigningAlg;
use super::scope::{CLIENT_SCOPES, SUPPORTED_SCOPES};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use openidconnect::core::{
    CoreClaimName, CoreClientAuthMethod, CoreGrantType, CoreJwsSigningAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, IssuerUrl, JsonWebKeySetUrl, LanguageTag,
    ProviderMetadata, ResponseTypes, Scope, TokenUrl, UserInfoUrl,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Metadata the core type does not name: logout (RP-initiated and back-channel),
/// revocation, introspection, PKCE, RFC 9207.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ExtraMetadata {
    end_session_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    revocation_endpoint_auth_methods_supported: Vec<String>,
    introspection_endpoint_auth_methods_supported: Vec<String>,
    code_challenge_methods_supported: Vec<String>,
    authorization_response_iss_parameter_supported: bool,
    prompt_values_supported: Vec<String>,
    /// OIDC Back-Channel Logout 1.0 §2.1: clients may register a `backchannel_logout_uri`.
    backchannel_logout_supported: bool,
    /// Logout tokens carry `sid` whenever a single session ended.
    backchannel_logout_session_supported: bool,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    openidconnect::core::CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    openidconnect::core::CoreClaimType,
    CoreGrantType,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJweKeyManagementAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The discovery document for an issuer, as JSON bytes.
pub fn document(issuer: &str) -> Result<bytes::Bytes, openidconnect::url::ParseError> {
    let url = |path: &str| format!("{issuer}{path}");
    let extra = ExtraMetadata {
        end_session_endpoint: url("/end_session"),
        revocation_endpoint: url("/revoke"),
        introspection_endpoint: url("/introspect"),
        revocation_endpoint_auth_methods_supported: strings(&[
            "client_secret_basic",
            "client_secret_post",
            "none",
        ]),
        introspection_endpoint_auth_methods_supported: strings(&[
            "client_secret_basic",
            "client_secret_post",
        ]),
        code_challenge_methods_supported: strings(&["S256"]),
        authorization_response_iss_parameter_supported: true,
        prompt_values_supported: strings(&["none", "login", "consent", "select_account"]),
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
    };
    let algs = SigningAlg::ALL.iter().map(|alg| match alg {
        SigningAlg::Rs256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        SigningAlg::Es256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        SigningAlg::EdDsa => CoreJwsSigningAlgorithm::EdDsa,
    });
    let claims = [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "at_hash",
        "sid",
        "email",
        "name",
        "locale",
        "customer",
        "roles",
        "permissions",
    ];
    let metadata: Metadata = ProviderMetadata::new(
        IssuerUrl::new(issuer.to_string())?,
        AuthUrl::new(url("/authorize"))?,
        JsonWebKeySetUrl::new(url("/jwks"))?,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![
            CoreSubjectIdentifierType::Public,
            CoreSubjectIdentifierType::Pairwise,
        ],
        algs.collect(),
        extra,
    )
    .set_token_endpoint(Some(TokenUrl::new(url("/token"))?))
    .set_userinfo_endpoint(Some(UserInfoUrl::new(url("/userinfo"))?))
    .set_scopes_supported(Some(
        SUPPORTED_SCOPES
            .iter()
            .chain(&CLIENT_SCOPES)
            .map(|s| Scope::new(s.to_string()))
            .collect(),
    ))
    .set_response_modes_supported(Some(vec![CoreResponseMode::Query]))
    .set_grant_types_supported(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
        CoreGrantType::ClientCredentials,
    ]))
    .set_token_endpoint_auth_methods_supported(Some(vec![
        CoreClientAuthMethod::ClientSecretBasic,
        CoreClientAuthMethod::ClientSecretPost,
        CoreClientAuthMethod::None,
    ]))
    .set_claims_supported(Some(
        claims
            .iter()
            .map(|c| CoreClaimName::new(c.to_string()))
            .collect(),
    ))
    .set_ui_locales_supported(Some(vec![
        LanguageTag::new("en".into()),
        LanguageTag::new("sv".into()),
    ]))
    .set_claims_parameter_supported(Some(false))
    .set_request_parameter_supported(Some(false))
    .set_request_uri_parameter_supported(Some(false));
    Ok(serde_json::to_vec(&metadata).unwrap_or_default().into())
}

fn json(body: bytes::Bytes, cache_secs: u32) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={cache_secs}")) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}

pub async fn openid_configuration(State(state): State<Arc<Oidc>>) -> Response {
    json(state.discovery_json.clone(), 3600)
}

/// Short cache lifetime: a relying party must pick up a rotated key soon.
pub async fn jwks(State(state): State<Arc<Oidc>>) -> Response {
    json(state.keys.current().jwks_json(), 300)
}
