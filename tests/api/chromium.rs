//! The HTML pages in a real headless Chromium, driven through chromedriver with
//! `fantoccini`: what a person actually sees and clicks, including the
//! browser's own rules (cookies, form posts, redirects, `lang`).
//!
//! One chromedriver serves every test that runs at the same time; it is started
//! on a free port by the first test that needs it and killed when the last one
//! lets go. Each test gets its own Chromium session with a fresh profile.
//!
//! Without `/usr/bin/chromedriver` the tests are skipped with a note, except in
//! CI (`CI=true`), where they fail: CI installs Chromium (see `.ci/run`).

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use trohet::admin::NewClient;
use url::Url;

use crate::helpers::{Person, REDIRECT_URI, TestApp, seed_simple_person, spawn_app};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long chromedriver may take to answer `/status` after it is started.
const DRIVER_STARTUP: Duration = Duration::from_secs(10);
/// How long a page may take to get where a test expects it to go.
const PAGE_WAIT: Duration = Duration::from_secs(30);
/// How often a wait re-checks the browser.
const POLL: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------
// chromedriver
// ---------------------------------------------------------------------------

/// A running chromedriver; shut down (or killed) when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
    url: String,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Ask it to shut down first, so that it reaps the browsers it started;
        // kill it if it has not exited shortly after.
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!(
                "GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The chromedriver shared by the tests running right now.
fn shared_driver() -> &'static tokio::sync::Mutex<Weak<Chromedriver>> {
    static DRIVER: OnceLock<tokio::sync::Mutex<Weak<Chromedriver>>> = OnceLock::new();
    DRIVER.get_or_init(|| tokio::sync::Mutex::new(Weak::new()))
}

/// Whether the browser tests can run here. Panics in CI when chromedriver is
/// missing; elsewhere prints a skip note and returns `false`.
fn chromedriver_available(test: &str) -> bool {
    if Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{CHROMEDRIVER} is missing but CI=true: the browser tests must run in CI \
             (install Debian's chromium and chromium-driver, as .ci/run does)"
        );
    }
    eprintln!("SKIPPED {test}: {CHROMEDRIVER} is missing (install chromium and chromium-driver)");
    false
}

/// The running chromedriver, started if no test holds one.
async fn chromedriver() -> Arc<Chromedriver> {
    let mut shared = shared_driver().lock().await;
    if let Some(driver) = shared.upgrade() {
        return driver;
    }
    let driver = Arc::new(start_chromedriver().await);
    *shared = Arc::downgrade(&driver);
    driver
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

async fn start_chromedriver() -> Chromedriver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("start {CHROMEDRIVER}: {err}"));
    // From here on the guard kills chromedriver, even if it never gets ready.
    let mut driver = Chromedriver {
        child,
        port,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("build http client");
    let deadline = Instant::now() + DRIVER_STARTUP;
    loop {
        if let Ok(Some(status)) = driver.child.try_wait() {
            panic!("{CHROMEDRIVER} exited during startup with {status}");
        }
        let ready = match http.get(format!("{}/status", driver.url)).send().await {
            Ok(response) if response.status().is_success() => response
                .json::<serde_json::Value>()
                .await
                .map(|body| body["value"]["ready"] == json!(true))
                .unwrap_or(false),
            _ => false,
        };
        if ready {
            return driver;
        }
        if Instant::now() >= deadline {
            panic!(
                "{CHROMEDRIVER} did not answer {}/status within {DRIVER_STARTUP:?}",
                driver.url
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

// ---------------------------------------------------------------------------
// Chromium sessions
// ---------------------------------------------------------------------------

/// Runs `test` against a fresh headless Chromium session. The session is
/// closed (so Chromium exits) even when the test panics; the panic is then
/// passed on. Skips (or fails in CI) when chromedriver is missing.
pub async fn in_chromium<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !chromedriver_available(name) {
        return;
    }
    let driver = chromedriver().await;
    let profile = tempfile::tempdir().expect("create a Chromium profile dir");
    // chromedriver speaks plain HTTP on loopback: no TLS connector (and no
    // rustls crypto provider, which is ambiguous in this build) is needed.
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities(profile.path()))
        .connect(&driver.url)
        .await
        .unwrap_or_else(|err| panic!("start a Chromium session via chromedriver: {err}"));

    // Run the test in its own task so that a failed assertion comes back as a
    // JoinError instead of skipping the cleanup below.
    let outcome = tokio::spawn(test(client.clone())).await;
    if let Err(err) = client.close().await {
        eprintln!("{name}: closing the Chromium session failed: {err}");
    }
    drop(profile);
    drop(driver);
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("{name}: the test task failed: {err}"),
        }
    }
}

fn capabilities(profile: &Path) -> fantoccini::wd::Capabilities {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--disable-quic".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            // An English-speaking browser unless a test asks for another language.
            "prefs": { "intl.accept_languages": "en-US,en" },
        },
    });
    match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("capabilities are a JSON object"),
    }
}

// ---------------------------------------------------------------------------
// Small steps
// ---------------------------------------------------------------------------

/// Waits (bounded) until the browser's URL satisfies `wanted`; returns it.
pub async fn wait_for_url(client: &Client, what: &str, wanted: impl Fn(&Url) -> bool) -> Url {
    let deadline = Instant::now() + PAGE_WAIT;
    loop {
        let url = client.current_url().await.expect("read the current URL");
        if wanted(&url) {
            return url;
        }
        if Instant::now() >= deadline {
            let body = client.source().await.unwrap_or_default();
            panic!("waited {PAGE_WAIT:?} for {what}; the browser is at {url} showing:\n{body}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits (bounded) for an element to appear on the current page.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(PAGE_WAIT)
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(err) => {
            let url = client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let body = client.source().await.unwrap_or_default();
            panic!("waiting for `{css}` failed ({err}); the browser is at {url} showing:\n{body}")
        }
    }
}

/// The visible text of the whole page.
pub async fn page_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .expect("the page has a body")
        .text()
        .await
        .expect("read the page text")
}

/// Fills in and submits the login form on the current page.
pub async fn sign_in(client: &Client, person: &Person) {
    let email = wait_for(client, r#"form[action="/login"] input[name=email]"#).await;
    email
        .send_keys(&person.email)
        .await
        .expect("type the email");
    client
        .find(Locator::Css(
            r#"form[action="/login"] input[name=password]"#,
        ))
        .await
        .expect("the login form has a password field")
        .send_keys(&person.password)
        .await
        .expect("type the password");
    client
        .find(Locator::Css(r#"form[action="/login"] button[type=submit]"#))
        .await
        .expect("the login form has a submit button")
        .click()
        .await
        .expect("click the submit button");
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// An authorization URL for a new client (`first_party`: no OAuth consent page).
pub async fn authorize_url(app: &TestApp, first_party: bool, ui_locales: Option<&str>) -> String {
    let mut new = NewClient::new("Portal", vec![REDIRECT_URI.into()]);
    new.first_party = first_party;
    let client = app.admin.add_client(new).await.expect("add client");
    let mut url = Url::parse(&app.url("/authorize")).expect("authorize URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid")
        .append_pair("state", "s");
    if let Some(locales) = ui_locales {
        url.query_pairs_mut().append_pair("ui_locales", locales);
    }
    url.to_string()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_person_signs_in_on_the_account_page_in_a_real_browser() {
    in_chromium(
        "a_person_signs_in_on_the_account_page_in_a_real_browser",
        |browser| async move {
            let app = spawn_app().await;
            let person = seed_simple_person(&app).await;
            let account = &person.accounts[0];

            browser
                .goto(&app.url("/account"))
                .await
                .expect("open /account");
            wait_for_url(&browser, "the redirect to /login", |url| {
                url.path() == "/login"
            })
            .await;
            sign_in(&browser, &person).await;
            wait_for_url(&browser, "the account page after signing in", |url| {
                url.path() == "/account"
            })
            .await;

            let sign_out =
                wait_for(&browser, r#"form[action="/logout"] button[type=submit]"#).await;
            let text = page_text(&browser).await;
            assert!(
                text.contains(&person.display_name),
                "no display name in:\n{text}"
            );
            assert!(text.contains(&account.name), "no account name in:\n{text}");
            assert!(text.contains(&account.roles[0]), "no role in:\n{text}");
            assert_eq!(
                sign_out.text().await.expect("read the button").trim(),
                "Sign out"
            );

            sign_out.click().await.expect("click Sign out");
            let signed_out = browser
                .wait()
                .at_most(PAGE_WAIT)
                .every(POLL)
                .for_element(Locator::XPath(
                    "//body[contains(normalize-space(.), 'You are signed out.')]",
                ))
                .await;
            if signed_out.is_err() {
                let url = browser.current_url().await.expect("current URL");
                let text = page_text(&browser).await;
                panic!("no \"You are signed out.\" after signing out; at {url}:\n{text}");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn the_login_page_speaks_swedish_to_a_swedish_browser() {
    in_chromium(
        "the_login_page_speaks_swedish_to_a_swedish_browser",
        |browser| async move {
            let app = spawn_app().await;
            let authorize = authorize_url(&app, true, Some("sv")).await;

            browser.goto(&authorize).await.expect("open /authorize");
            let submit = wait_for(&browser, r#"form[action="/login"] button[type=submit]"#).await;
            let swedish = browser.find(Locator::Css("html[lang=sv]")).await;
            if swedish.is_err() {
                let source = browser.source().await.unwrap_or_default();
                panic!("the login page is not <html lang=sv>:\n{source}");
            }
            assert_eq!(
                submit.text().await.expect("read the button").trim(),
                "Logga in"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn the_code_flow_completes_in_a_real_browser() {
    in_chromium(
        "the_code_flow_completes_in_a_real_browser",
        |browser| async move {
            let app = spawn_app().await;
            // One account, so no account-choice page comes between login and redirect.
            let person = seed_simple_person(&app).await;
            let authorize = authorize_url(&app, true, None).await;

            browser.goto(&authorize).await.expect("open /authorize");
            sign_in(&browser, &person).await;
            wait_for(&browser, r#"button[name="action"][value="later"]"#)
                .await
                .click()
                .await
                .expect("decide about purposes later");
            // Nothing listens on the redirect URI: Chromium shows an error page,
            // but its URL is the one the server redirected to.
            let back = wait_for_url(&browser, "the redirect to the client", |url| {
                url.as_str().starts_with(REDIRECT_URI)
            })
            .await;

            let code = query(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
            assert!(!code.is_empty(), "empty code in {back}");
            assert_eq!(query(&back, "state").as_deref(), Some("s"), "{back}");
            assert_eq!(
                query(&back, "iss").as_deref(),
                Some(app.issuer.as_str()),
                "{back}"
            );
        },
    )
    .await;
}

/// Clicks the element `css` names once it is there.
pub async fn click(client: &Client, css: &str) {
    wait_for(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}
