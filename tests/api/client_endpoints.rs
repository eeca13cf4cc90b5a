//! The endpoints a client registers for trohet to call: `events_uri` (RFC 8935 security
//! event tokens) and `backchannel_logout_uri` (OpenID Connect Back-Channel Logout 1.0),
//! through the admin API, the CLI and the console, and what discovery says about them.

use crate::admin::support::{Answer, Api, service_token};
use crate::browser::{Browser, Page, sign_in};
use crate::cli::{Cli, string};
use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_on};
use serde_json::{Value, json};
use trohet::admin::NewPerson;

const EVENTS: &str = "https://portal.example.test/trohet/events";
const LOGOUT: &str = "https://portal.example.test/trohet/logout?from=trohet";

async fn admin_api(app: &TestApp) -> Api {
    Api::new(app, Some(service_token(app, &["admin"]).await))
}

fn portal(extra: Value) -> Value {
    let mut body = json!({"name": "Portal", "redirect_uris": ["https://portal.example.test/cb"]});
    for (key, value) in extra.as_object().expect("an object") {
        body[key] = value.clone();
    }
    body
}

/// A refusal that names the offending field, in the detail and as `field`.
fn assert_refused(answer: &Answer, field: &str) {
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(answer.problem(), "urn:trohet:problem:validation");
    assert_eq!(answer.body["field"], field, "{}", answer.text);
    let detail = answer.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(field), "{detail}");
}

#[tokio::test]
async fn a_client_registers_both_endpoints_and_an_admin_changes_and_removes_them() {
    let app = spawn_app().await;
    let api = admin_api(&app).await;
    let created = api
        .post(
            "/api/v1/clients",
            portal(json!({"events_uri": EVENTS, "backchannel_logout_uri": LOGOUT})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["events_uri"], EVENTS);
    assert_eq!(created.body["backchannel_logout_uri"], LOGOUT);
    let id = created.body["client_id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/clients/{id}");

    let read = api.get(&path).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["events_uri"], EVENTS);
    assert_eq!(read.body["backchannel_logout_uri"], LOGOUT);

    // A loopback receiver may use http; what the patch leaves out stays as it was.
    let local = "http://127.0.0.1:8089/events";
    let patch = json!({"events_uri": local});
    let patched = api
        .call("PATCH", &path, Some(patch), Some(&read.etag()))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["events_uri"], local);
    assert_eq!(patched.body["backchannel_logout_uri"], LOGOUT);

    // Changing something else keeps both.
    let renamed = api
        .call(
            "PATCH",
            &path,
            Some(json!({"name": "Portal 2"})),
            Some(&patched.etag()),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["events_uri"], local);
    assert_eq!(renamed.body["backchannel_logout_uri"], LOGOUT);

    // `null` and an empty string both remove an endpoint.
    let clear = json!({"events_uri": null, "backchannel_logout_uri": ""});
    let cleared = api
        .call("PATCH", &path, Some(clear), Some(&renamed.etag()))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["events_uri"], Value::Null);
    assert_eq!(cleared.body["backchannel_logout_uri"], Value::Null);
    let read = api.get(&path).await;
    assert_eq!(read.body["events_uri"], Value::Null);
    assert_eq!(read.body["backchannel_logout_uri"], Value::Null);

    let listed = api.get("/api/v1/clients?q=portal").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert!(listed.text.contains("\"backchannel_logout_uri\""));
}

#[tokio::test]
async fn insecure_relative_and_fragment_endpoints_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let api = admin_api(&app).await;
    for (field, uri) in [
        ("events_uri", "http://portal.example.test/events"),
        ("events_uri", "https://portal.example.test/events#now"),
        ("events_uri", "/events"),
        ("events_uri", "ftp://portal.example.test/events"),
        (
            "backchannel_logout_uri",
            "http://portal.example.test/logout",
        ),
        (
            "backchannel_logout_uri",
            "https://portal.example.test/logout#x",
        ),
        (
            "backchannel_logout_uri",
            "https://portal.example.test/logout?a=b#",
        ),
        ("backchannel_logout_uri", "not a url"),
    ] {
        let answer = api
            .post("/api/v1/clients", portal(json!({ (field): uri })))
            .await;
        assert_refused(&answer, field);
    }

    // Loopback hosts may use http; a query is fine.
    for uri in [
        "http://localhost:9000/logout",
        "http://127.0.0.1/logout?x=1",
        "http://[::1]:8080/logout",
    ] {
        let body = portal(json!({"events_uri": uri, "backchannel_logout_uri": uri}));
        let answer = api.post("/api/v1/clients", body).await;
        assert_eq!(answer.status, 201, "{uri}: {}", answer.text);
    }

    // A patch is refused the same way and changes nothing.
    let created = api
        .post("/api/v1/clients", portal(json!({"events_uri": EVENTS})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/api/v1/clients/{}", string(&created.body, "client_id"));
    let etag = api.get(&path).await.etag();
    let bad = json!({"backchannel_logout_uri": "https://portal.example.test/logout#frag"});
    let refused = api.call("PATCH", &path, Some(bad), Some(&etag)).await;
    assert_refused(&refused, "backchannel_logout_uri");
    let insecure = json!({"events_uri": "http://10.0.0.1/events"});
    let refused = api.call("PATCH", &path, Some(insecure), Some(&etag)).await;
    assert_refused(&refused, "events_uri");
    let read = api.get(&path).await;
    assert_eq!(read.etag(), etag, "nothing changed");
    assert_eq!(read.body["events_uri"], EVENTS);
    assert_eq!(read.body["backchannel_logout_uri"], Value::Null);

    let wrong_type = api
        .call("PATCH", &path, Some(json!({"events_uri": 7})), Some(&etag))
        .await;
    assert!(
        (400..500).contains(&wrong_type.status),
        "{}",
        wrong_type.text
    );
}

#[tokio::test]
async fn discovery_advertises_back_channel_logout_with_sessions() {
    let app = spawn_app().await;
    let doc: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("discovery JSON");
    assert_eq!(doc["backchannel_logout_supported"], true, "{doc}");
    assert_eq!(doc["backchannel_logout_session_supported"], true, "{doc}");
}

#[tokio::test]
async fn the_cli_registers_a_client_with_both_endpoints() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let added = cli.json(
        &[
            "client",
            "add",
            "--name",
            "CLI Portal",
            "--redirect-uri",
            "https://portal.example.test/cb",
            "--events-uri",
            EVENTS,
            "--backchannel-logout-uri",
            LOGOUT,
            "--json",
        ],
        None,
    );
    assert_eq!(added["events_uri"], EVENTS, "{added}");
    assert_eq!(added["backchannel_logout_uri"], LOGOUT, "{added}");
    let client_id = string(&added, "client_id");
    string(&added, "client_secret");

    let text = cli.ok(
        &[
            "client",
            "add",
            "--name",
            "CLI Back-end",
            "--grant-type",
            "client_credentials",
            "--events-uri",
            "http://localhost:7000/events",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("events_uri: http://localhost:7000/events"),
        "{text}"
    );
    assert!(!text.contains("backchannel_logout_uri"), "{text}");

    let refused = cli.fails(
        &[
            "client",
            "add",
            "--name",
            "Insecure",
            "--redirect-uri",
            "https://portal.example.test/cb",
            "--backchannel-logout-uri",
            "http://portal.example.test/logout",
        ],
        None,
    );
    assert!(refused.contains("backchannel_logout_uri"), "{refused}");
    let refused = cli.fails(
        &[
            "client",
            "add",
            "--name",
            "Fragment",
            "--redirect-uri",
            "https://portal.example.test/cb",
            "--events-uri",
            "https://portal.example.test/events#x",
        ],
        None,
    );
    assert!(refused.contains("events_uri"), "{refused}");

    // The server reads back what the CLI stored.
    let app = spawn_app_on(data_dir.path(), cli.database_url.clone()).await;
    let api = admin_api(&app).await;
    let read = api.get(&format!("/api/v1/clients/{client_id}")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["events_uri"], EVENTS);
    assert_eq!(read.body["backchannel_logout_uri"], LOGOUT);
}

async fn console_admin(app: &TestApp, language: Option<&str>) -> Browser {
    let email = format!(
        "endpoints-{}@example.test",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    app.admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: "Endpoint Admin".into(),
            locale: None,
            staff: true,
            staff_roles: vec!["admin".into()],
            memberships: Vec::new(),
            password: PASSWORD.into(),
        })
        .await
        .expect("add a staff admin");
    let browser = Browser::with_language(&app.issuer, language);
    sign_in(&browser, &email, PASSWORD).await;
    browser
}

/// The client page a registration led to (its forms post under its path).
fn client_path(page: &Page) -> String {
    let marker = "action=\"/console/clients/";
    let start = page.body.find(marker).expect("a form of the client") + "action=\"".len();
    let end = page.body[start..].find('"').expect("action ends") + start;
    page.body[start..end]
        .trim_end_matches("/secret")
        .to_string()
}

#[tokio::test]
async fn the_console_registers_shows_changes_and_clears_the_endpoints() {
    let app = spawn_app().await;
    let browser = console_admin(&app, None).await;
    let list = browser.visit("/console/clients").await.page();
    assert!(list.body.contains("name=\"events_uri\""), "{}", list.body);
    assert!(list.body.contains("name=\"backchannel_logout_uri\""));
    assert!(list.body.contains("Back-channel logout URI"));
    let fields = list.form_with(&[
        ("name", "Console Portal"),
        ("redirect_uris", "https://portal.example.test/cb\r\n"),
        ("grant.authorization_code", "on"),
        ("events_uri", EVENTS),
        ("backchannel_logout_uri", LOGOUT),
    ]);
    let created = browser.submit("/console/clients", &fields).await.page();
    assert_eq!(created.status, 201, "{}", created.body);
    let path = client_path(&created);
    let shown = browser.visit(&path).await.page();
    assert!(shown.body.contains(EVENTS), "{}", shown.body);
    assert!(
        shown.body.contains(&LOGOUT.replace('&', "&amp;")),
        "{}",
        shown.body
    );

    let version = shown.hidden("version").expect("the version");
    let bad = shown.form_with(&[
        ("version", &version),
        ("name", "Console Portal"),
        ("redirect_uris", "https://portal.example.test/cb"),
        ("grant.authorization_code", "on"),
        ("events_uri", "http://portal.example.test/events"),
        ("backchannel_logout_uri", LOGOUT),
    ]);
    let refused = browser.submit(&path, &bad).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("events_uri must be an https URL"),
        "{}",
        refused.body
    );

    let clear = shown.form_with(&[
        ("version", &version),
        ("name", "Console Portal"),
        ("redirect_uris", "https://portal.example.test/cb"),
        ("grant.authorization_code", "on"),
        ("events_uri", ""),
        ("backchannel_logout_uri", LOGOUT),
    ]);
    let saved = browser.submit(&path, &clear).await.page();
    assert_eq!(saved.status, 200, "{}", saved.body);
    let api = admin_api(&app).await;
    let id = path.trim_start_matches("/console/clients/");
    let read = api.get(&format!("/api/v1/clients/{id}")).await;
    assert_eq!(read.body["events_uri"], Value::Null, "{}", read.text);
    assert_eq!(read.body["backchannel_logout_uri"], LOGOUT);
}

#[tokio::test]
async fn the_console_names_the_endpoints_in_swedish() {
    let app = spawn_app().await;
    let browser = console_admin(&app, Some("sv-SE,sv;q=0.9")).await;
    let list = browser.visit("/console/clients").await.page();
    assert!(
        list.body.contains("Slutpunkt för säkerhetshändelser"),
        "{}",
        list.body
    );
    assert!(list.body.contains("URI för utloggning via bakkanal"));
}
