//! Malformed, oversized and hostile input: always a 4xx, never a 5xx.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use trohet::oidc::SigningAlg;

use crate::helpers::{REDIRECT_URI, assert_client_error, register_client, spawn_app};

async fn status_of(request: reqwest::RequestBuilder, what: &str) -> StatusCode {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: no response: {}", e.without_url()));
    response.status()
}

/// Sends a raw HTTP/1.1 request and returns the status code of the answer. For
/// requests reqwest refuses to build (URIs longer than 64 KB).
async fn raw_status(port: u16, request: String) -> u16 {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .expect("read timeout");
        // The server may answer (and close) before it has read everything.
        let _ = stream.write_all(request.as_bytes());
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let head = String::from_utf8_lossy(&response[..response.len().min(200)]).to_string();
        head.split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP response, got {head:?}"))
    })
    .await
    .expect("raw request task")
}

/// What a case is, the form it posts, and the RFC 6749 error it must get.
type TokenCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

async fn token_error(request: reqwest::RequestBuilder, what: &str) -> String {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: no response: {}", e.without_url()));
    assert_eq!(response.status(), 400, "{what}");
    let body: serde_json::Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: JSON error body: {e}"));
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no error code in {body}"))
        .to_string()
}

#[tokio::test]
async fn malformed_and_oversized_authorization_requests_get_4xx() {
    let app = spawn_app().await;
    let client = register_client(&app, SigningAlg::Rs256).await;
    let base = format!(
        "{}?response_type=code&client_id={}&redirect_uri={}&scope=openid",
        app.url("/authorize"),
        client.client_id,
        url::form_urlencoded::byte_serialize(REDIRECT_URI.as_bytes()).collect::<String>()
    );

    let huge_state = "a".repeat(100 * 1024);
    let path = base.trim_start_matches(&app.issuer);
    let request = format!(
        "GET {path}&state={huge_state} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        app.port
    );
    let status = raw_status(app.port, request).await;
    assert!(
        (400..500).contains(&status),
        "100 KB state in the query: {status}"
    );

    let form = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid"),
        ("state", huge_state.as_str()),
    ];
    let status = status_of(
        app.http.post(app.url("/authorize")).form(&form),
        "100 KB state in a form",
    )
    .await;
    assert_client_error(status, "100 KB state in a form");

    let status = status_of(
        app.http.get(format!(
            "{}?client_id=%FF%FE%FD&response_type=code",
            app.url("/authorize")
        )),
        "invalid UTF-8",
    )
    .await;
    assert_client_error(status, "invalid UTF-8 percent-encoding");

    let status = status_of(
        app.http.get(format!("{base}&state=%ZZ")),
        "broken percent-encoding",
    )
    .await;
    assert!(
        !status.is_server_error(),
        "broken percent-encoding: {status}"
    );

    let status = status_of(
        app.http.get(format!("{base}&client_id=again")),
        "repeated client_id",
    )
    .await;
    assert_client_error(status, "repeated client_id");

    let status = status_of(app.http.get(app.url("/authorize")), "no parameters").await;
    assert_client_error(status, "no parameters");
}

#[tokio::test]
async fn malformed_token_requests_get_rfc6749_errors() {
    let app = spawn_app().await;
    let client = register_client(&app, SigningAlg::Rs256).await;
    let secret = client.client_secret.clone().expect("confidential client");
    let token = app.url("/token");

    let verifier = "v".repeat(43);
    let cases: [TokenCase; 4] = [
        ("missing grant_type", &[("code", "x")], "invalid_request"),
        (
            "password grant",
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            "unsupported_grant_type",
        ),
        (
            "missing code",
            &[("grant_type", "authorization_code")],
            "invalid_request",
        ),
        (
            "unknown code",
            &[
                ("grant_type", "authorization_code"),
                ("code", "no-such-code"),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &verifier),
            ],
            "invalid_grant",
        ),
    ];
    for (what, form, expected) in cases {
        let request = app
            .http
            .post(&token)
            .basic_auth(&client.client_id, Some(&secret))
            .form(form);
        assert_eq!(token_error(request, what).await, expected, "{what}");
    }

    let json = app
        .http
        .post(&token)
        .basic_auth(&client.client_id, Some(&secret))
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"grant_type":"client_credentials"}"#);
    assert_client_error(status_of(json, "JSON body").await, "JSON body to /token");

    for garbage in [
        "Basic !!!not-base64!!!",
        "Basic Zm9v",
        "Bearer nonsense",
        "Basic",
        "Digest username=\"x\"",
    ] {
        let request = app
            .http
            .post(&token)
            .header(AUTHORIZATION, garbage)
            .form(&[("grant_type", "client_credentials")]);
        let status = status_of(request, garbage).await;
        assert_client_error(status, &format!("Authorization: {garbage:?}"));
    }

    let huge = "x".repeat(100 * 1024);
    let request = app
        .http
        .post(&token)
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", huge.as_str()),
        ]);
    assert_client_error(
        status_of(request, "100 KB refresh token").await,
        "100 KB refresh token",
    );

    let request = app
        .http
        .post(&token)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0x80]);
    assert_client_error(
        status_of(request, "binary body").await,
        "binary body to /token",
    );
}

#[tokio::test]
async fn hostile_input_to_other_endpoints_gets_4xx() {
    let app = spawn_app().await;
    let client = register_client(&app, SigningAlg::Rs256).await;

    for garbage in [
        "Bearer",
        "Bearer not.a.jwt",
        "Basic Zm9vOmJhcg==",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
    ] {
        let response = app
            .http
            .get(app.url("/userinfo"))
            .header(AUTHORIZATION, garbage)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            401,
            "userinfo with Authorization: {garbage}"
        );
        assert!(
            response.headers().get("www-authenticate").is_some(),
            "userinfo 401 carries WWW-Authenticate"
        );
    }

    let request = app
        .http
        .post(app.url("/introspect"))
        .header(AUTHORIZATION, "Basic ###")
        .form(&[("token", "x")]);
    assert_eq!(
        status_of(request, "introspect with garbage auth").await,
        401
    );

    let request = app
        .http
        .post(app.url("/revoke"))
        .basic_auth(&client.client_id, client.client_secret.as_deref());
    assert_client_error(
        status_of(request, "revoke without token").await,
        "revoke without a token",
    );

    let request = app.http.post(app.url("/login")).form(&[("email", "x")]);
    assert_client_error(
        status_of(request, "login without CSRF").await,
        "login POST without csrf/auth",
    );

    let request = app.http.get(format!(
        "{}?id_token_hint=garbage&post_logout_redirect_uri=http://evil.example/",
        app.url("/end_session")
    ));
    let response = request.send().await.unwrap();
    assert_client_error(
        response.status(),
        "end_session with garbage hint and unregistered URI",
    );
    assert!(
        response.headers().get("location").is_none(),
        "end_session must not redirect to an unregistered URI"
    );
}
