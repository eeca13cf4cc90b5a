//! OpenID Connect Discovery and the JWKS.

use openidconnect::core::{CoreJwsSigningAlgorithm, CoreSubjectIdentifierType};
use openidconnect::{JsonWebKey, JwsSigningAlgorithm};
use serde_json::Value;

use crate::helpers::spawn_app;
use crate::rp::discover;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
        .iter()
        .map(|v| v.as_str().expect("array of strings").to_string())
        .collect()
}

fn assert_contains_all(field: &str, actual: &[String], expected: &[&str]) {
    for item in expected {
        assert!(
            actual.iter().any(|a| a == item),
            "{field} lacks {item}: {actual:?}"
        );
    }
}

#[tokio::test]
async fn discovery_document_advertises_endpoints_and_capabilities() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.expect("discovery is JSON");
    let issuer = &app.issuer;
    assert_eq!(
        issuer,
        &format!("http://127.0.0.1:{}", app.port),
        "issuer is the listening origin"
    );

    assert_eq!(doc["issuer"], issuer.as_str());
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("revocation_endpoint", "/revoke"),
        ("introspection_endpoint", "/introspect"),
        ("end_session_endpoint", "/end_session"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}").as_str(), "{field}");
    }
    let scopes = strings(&doc["scopes_supported"]);
    assert_contains_all(
        "scopes_supported",
        &scopes,
        &[
            "openid",
            "profile",
            "email",
            "offline_access",
            "customer",
            "roles",
        ],
    );
    assert_eq!(strings(&doc["response_types_supported"]), vec!["code"]);
    assert_contains_all(
        "grant_types_supported",
        &strings(&doc["grant_types_supported"]),
        &["authorization_code", "refresh_token", "client_credentials"],
    );
    assert_contains_all(
        "subject_types_supported",
        &strings(&doc["subject_types_supported"]),
        &["public", "pairwise"],
    );
    assert_contains_all(
        "id_token_signing_alg_values_supported",
        &strings(&doc["id_token_signing_alg_values_supported"]),
        &["RS256", "ES256", "EdDSA"],
    );
    assert_contains_all(
        "token_endpoint_auth_methods_supported",
        &strings(&doc["token_endpoint_auth_methods_supported"]),
        &["client_secret_basic", "client_secret_post", "none"],
    );
    assert_eq!(
        strings(&doc["code_challenge_methods_supported"]),
        vec!["S256"]
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
}

#[tokio::test]
async fn openidconnect_discovers_the_provider_and_its_signing_keys() {
    let app = spawn_app().await;
    let metadata = discover(&app).await;

    assert_eq!(metadata.issuer().as_str(), app.issuer);
    assert!(
        metadata
            .subject_types_supported()
            .contains(&CoreSubjectIdentifierType::Pairwise)
    );
    let algs = metadata.id_token_signing_alg_values_supported();
    for alg in [
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EdDsa,
    ] {
        assert!(algs.contains(&alg), "{alg:?} not advertised");
        assert!(
            metadata
                .jwks()
                .keys()
                .iter()
                .any(|key| key.key_type() == &alg.key_type().unwrap()),
            "JWKS has no key usable for {alg:?}"
        );
    }
    assert!(
        metadata
            .jwks()
            .keys()
            .iter()
            .all(|key| key.key_id().is_some()),
        "every key has a kid"
    );
}

#[tokio::test]
async fn jwks_publishes_public_keys_only() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/jwks")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let jwks: Value = response.json().await.expect("JWKS is JSON");
    let keys = jwks["keys"].as_array().expect("JWKS has keys");
    assert!(keys.len() >= 3, "one key per algorithm at least: {jwks}");
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                key.get(private).is_none(),
                "JWKS leaks private parameter `{private}`: {key}"
            );
        }
    }
    let kty: Vec<&str> = keys.iter().filter_map(|k| k["kty"].as_str()).collect();
    for expected in ["RSA", "EC", "OKP"] {
        assert!(kty.contains(&expected), "no {expected} key in {kty:?}");
    }
}
