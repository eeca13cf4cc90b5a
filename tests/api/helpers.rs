//! Spawning the server and seeding it.

use std::path::{Path, PathBuf};

use trohet::admin::{Admin, NewClient, NewMembership, NewPerson, RegisteredClient};
use trohet::clock::Clock;
use trohet::oidc::SigningAlg;

/// A password that satisfies the policy (≥ 10 characters, not a common one).
pub const PASSWORD: &str = "correct horse battery staple";

/// Redirect URI of the test relying parties; nothing listens there.
pub const REDIRECT_URI: &str = "http://localhost:9999/callback";

/// Post-logout redirect URI registered for the test relying parties.
pub const POST_LOGOUT_URI: &str = "http://localhost:9999/logged-out";

/// A running server plus what the tests need to poke it.
pub struct TestApp {
    pub issuer: String,
    pub port: u16,
    pub admin: Admin,
    pub clock: Clock,
    /// A plain client: no cookies, no redirects.
    pub http: reqwest::Client,
    /// The database the server uses, for tests that look at what it stored.
    pub database_url: String,
    /// Kept alive for as long as the server runs (None when the caller owns the directory).
    _data_dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path)
    }
}

/// Spawns the server with a fresh database (SQLite in a temp dir, or a fresh
/// PostgreSQL schema when `TROHET_TEST_DATABASE_URL` is set).
pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("create a temporary data dir");
    let database_url = fresh_database_url().await;
    let mut app = spawn_app_on(data_dir.path(), database_url).await;
    app._data_dir = Some(data_dir);
    app
}

/// Spawns the server on an existing data dir / database (used after the CLI
/// has seeded it). The caller keeps the directory alive.
pub async fn spawn_app_on(data_dir: &Path, database_url: Option<String>) -> TestApp {
    spawn_app_with_issuer(data_dir, database_url, None).await
}

/// Spawns the server with a configured issuer, as instances behind one load balancer are.
pub async fn spawn_app_with_issuer(
    data_dir: &Path,
    database_url: Option<String>,
    issuer: Option<&str>,
) -> TestApp {
    spawn_app_configured(data_dir, database_url, |config| {
        config.server.issuer = issuer.map(str::to_string);
    })
    .await
}

/// Spawns the server with a fresh database and a configuration change (SMTP, say).
pub async fn spawn_app_with(configure: impl FnOnce(&mut trohet::config::Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("create a temporary data dir");
    let database_url = fresh_database_url().await;
    let mut app = spawn_app_configured(data_dir.path(), database_url, configure).await;
    app._data_dir = Some(data_dir);
    app
}

/// `TEST_LOG=1 cargo test -- --nocapture` shows the servers' logs.
fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("TEST_LOG").is_some() {
        ONCE.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,sqlx=warn")
                .with_test_writer()
                .try_init();
        });
    }
}

pub async fn spawn_app_configured(
    data_dir: &Path,
    database_url: Option<String>,
    configure: impl FnOnce(&mut trohet::config::Config),
) -> TestApp {
    init_test_log();
    let mut config = trohet::config::Config::default();
    configure(&mut config);
    config.server.listen = "127.0.0.1:0".parse().expect("listen address");
    config.database.data_dir = data_dir.to_path_buf();
    let direct_url = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("trohet.db").display()));
    config.database.url = database_url;
    config.policies.dir = policies_dir();
    let clock = Clock::adjustable();
    let app = trohet::App::build_with_clock(config, clock.clone())
        .await
        .expect("build the app");
    let port = app.port();
    let issuer = app.issuer().to_string();
    let admin = app.admin();
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build http client");
    TestApp {
        issuer,
        port,
        admin,
        clock,
        http,
        database_url: direct_url,
        _data_dir: None,
    }
}

/// A connection of the test's own to the server's database.
pub async fn open_database(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&app.database_url)
        .await
        .expect("open the database")
}

pub fn policies_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
}

/// A temporary copy of the shipped policies, for a test to break one of them.
pub fn policies_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("create a policies dir");
    for entry in std::fs::read_dir(policies_dir()).expect("read shipped policies") {
        let entry = entry.expect("a policy file");
        if entry.file_type().expect("its type").is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copy it");
        }
    }
    copy
}

/// `Some(url)` pointing at a brand-new PostgreSQL schema when
/// `TROHET_TEST_DATABASE_URL` is set, otherwise `None` (SQLite).
pub async fn fresh_database_url() -> Option<String> {
    let base = std::env::var("TROHET_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let pool = match sqlx::PgPool::connect(&base).await {
        Ok(pool) => pool,
        Err(err) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("TROHET_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {err}")
        }
        Err(err) => {
            eprintln!("WARNING: PostgreSQL unreachable ({err}); falling back to SQLite");
            return None;
        }
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&pool)
        .await
        .expect("create a test schema");
    pool.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}

/// A seeded person with the customer accounts they belong to.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub accounts: Vec<Account>,
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// Seeds a person who belongs to one customer account per `(name, roles)`.
pub async fn seed_person(app: &TestApp, accounts: &[(&str, &[&str])]) -> Person {
    seed_person_speaking(app, accounts, "en").await
}

/// The same, whose pages speak `locale` (`en` or `sv`).
pub async fn seed_person_speaking(
    app: &TestApp,
    accounts: &[(&str, &[&str])],
    locale: &str,
) -> Person {
    let suffix = short_id();
    let mut seeded = Vec::new();
    for (name, roles) in accounts {
        let name = format!("{name} {suffix}");
        let id = app
            .admin
            .add_customer_account(&name)
            .await
            .expect("add customer account");
        let roles = roles.iter().map(|r| r.to_string()).collect();
        seeded.push(Account { id, name, roles });
    }
    let email = format!("person-{suffix}@example.test");
    let display_name = format!("Ada Lovelace {suffix}");
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: display_name.clone(),
            locale: Some(locale.to_string()),
            staff: false,
            staff_roles: vec![],
            memberships: seeded
                .iter()
                .map(|a| NewMembership {
                    customer_account_id: a.id.clone(),
                    roles: a.roles.clone(),
                })
                .collect(),
            password: PASSWORD.to_string(),
        })
        .await
        .expect("add person");
    Person {
        id,
        email,
        display_name,
        password: PASSWORD.to_string(),
        accounts: seeded,
    }
}

/// A person with a single customer account (no account choice needed).
pub async fn seed_simple_person(app: &TestApp) -> Person {
    seed_person(app, &[("Acme", &["buyer"])]).await
}

/// Registers a confidential client redirecting to [`REDIRECT_URI`], with
/// [`POST_LOGOUT_URI`] registered and the given ID token algorithm.
pub async fn register_client(app: &TestApp, alg: SigningAlg) -> RegisteredClient {
    let mut client = NewClient::new(
        &format!("Portal {}", short_id()),
        vec![REDIRECT_URI.to_string()],
    );
    client.post_logout_redirect_uris = vec![POST_LOGOUT_URI.to_string()];
    client.id_token_alg = alg;
    register(app, client).await
}

pub async fn register(app: &TestApp, client: NewClient) -> RegisteredClient {
    app.admin.add_client(client).await.expect("add client")
}

/// Decodes the (unverified) payload of a compact JWS.
pub fn jwt_part(token: &str, index: usize) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').nth(index).expect("JWT has enough parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("JWT part is base64url");
    serde_json::from_slice(&bytes).expect("JWT part is JSON")
}

/// Whether a response status is a client error (and certainly not a server error).
pub fn assert_client_error(status: reqwest::StatusCode, what: &str) {
    assert!(
        status.is_client_error(),
        "{what}: expected 4xx, got {status}"
    );
}
