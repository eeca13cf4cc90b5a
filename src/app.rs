//! Building and running the server: the one place that wires configuration, storage,
//! keys, policies and routes together. `trohet serve` and the tests both go through here.

use crate::account::{self, AccountPages};
use crate::admin::Admin;
use crate::analytics::{Analytics, AnalyticsPolicy};
use crate::api;
use crate::audit::routes::AuditApi;
use crate::audit::{self, Actor, Event};
use crate::authz::Policies;
use crate::clock::Clock;
use crate::config::Config;
use crate::consent::routes::ConsentApi;
use crate::consent::{Consent, Interests, Purposes};
use crate::console::{self, Console};
use crate::crypto::MasterKey;
use crate::db::{self, Backend, Db};
use crate::identity::Identity;
use crate::identity::password::PasswordHasher;
use crate::oidc::admin::OidcAdmin;
use crate::oidc::cache::{OidcCache, Revoker};
use crate::oidc::jws;
use crate::oidc::keys::{KeyStore, KeyVault};
use crate::oidc::{Oidc, OidcParts};
use crate::ops::{self, Metrics};
use crate::outbox::{Mailer, Outbox};
use crate::privacy::janitor::{CheckpointSigner, Janitor};
use crate::privacy::retention::Retention;
use crate::privacy::{self, Privacy};
use crate::web::forms::Forms;
use crate::{clock, consent, identity, oidc, outbox, web};
use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const MAX_BODY_BYTES: usize = 64 * 1024;
/// How often an instance re-reads signing keys (picking up a sibling's rotation) and
/// deletes expired codes, requests, tokens and sessions.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(60);
/// How often the retention janitor runs (`policies/retention.toml`).
const RETENTION_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// How often an instance looks for erasures whose grace period has ended.
const ERASURE_INTERVAL: Duration = Duration::from_secs(5);

/// A built server: the bound listener and the contexts, each holding only what it needs.
pub struct App {
    /// `None` for the CLI, which works on the database without serving.
    listener: Option<TcpListener>,
    config: Config,
    db: Db,
    clock: Clock,
    vault: KeyVault,
    keys: Arc<KeyStore>,
    metrics: Arc<Metrics>,
    policies: Arc<Policies>,
    identity: Identity,
    consent: Consent,
    forms: Forms,
    oidc: Arc<Oidc>,
    /// Seals what must be opaque to clients (audience cursors).
    master: MasterKey,
    privacy: Privacy,
    retention: Retention,
    /// Held here: the provider only keeps a weak reference to it (it holds the provider).
    analytics: Arc<Analytics>,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<App> {
        Self::build_with_clock(config, Clock::system()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<App> {
        Self::assemble(config, clock, true).await
    }

    async fn assemble(config: Config, clock: Clock, bind: bool) -> anyhow::Result<App> {
        let policies = Arc::new(Policies::load(&config.policies.dir)?);
        let retention = Retention::load(&config.policies.dir)?;
        let analytics_policy = Arc::new(AnalyticsPolicy::load(&config.policies.dir)?);
        let purposes = Purposes::load(&config.policies.dir)?;
        let interests = Arc::new(Interests::load(&config.policies.dir, &purposes)?);
        let purposes = Arc::new(purposes);
        let db = open_database(&config).await?;
        let master = load_master_key(&config)?;
        let listener = match bind {
            true => Some(
                TcpListener::bind(config.server.listen)
                    .await
                    .with_context(|| format!("cannot listen on {}", config.server.listen))?,
            ),
            false => None,
        };
        let address = match &listener {
            Some(listener) => listener.local_addr()?,
            None => config.server.listen,
        };
        let issuer = issuer_url(config.server.issuer.as_deref(), address)?;
        let vault = KeyVault::new(master.clone(), key_retention_secs(&config));
        let ring = vault.load(&db, clock.now()).await?;
        let keys = Arc::new(KeyStore::new(ring));
        let metrics = Arc::new(Metrics::new());
        let cache = Arc::new(OidcCache::default());
        let forms = Forms::new(master.derive("csrf"), issuer.starts_with("https://"));
        let revoker = Arc::new(Revoker::new(Some(cache.clone())));
        let identity = Identity {
            db: db.clone(),
            clock: clock.clone(),
            sessions: config.session.clone(),
            hasher: PasswordHasher::new(config.security.max_concurrent_password_hashes),
            policies: policies.clone(),
            public_url: issuer.clone(),
            mail_delivered: config.smtp.url.is_some(),
            revoker: revoker.clone(),
            register: Arc::new(privacy::register::Register),
        };
        let consent = Consent::start(
            db.clone(),
            clock.clone(),
            policies.clone(),
            purposes,
            interests,
        )
        .await
        .context("cannot record the purposes' versions")?;
        let oidc = Oidc::new(OidcParts {
            db: db.clone(),
            clock: clock.clone(),
            issuer,
            tokens: config.tokens.clone(),
            identity: identity.clone(),
            forms: forms.clone(),
            keys: keys.clone(),
            policies: policies.clone(),
            metrics: metrics.clone(),
            cache,
            consent: consent.clone(),
            pairwise_key: master.derive("pairwise-subject"),
        })
        .context("invalid issuer URL")?;
        let oidc = Arc::new(oidc);
        // The revoker signs what the apps are told with the provider built after it.
        let _ = revoker.provider.set(Arc::downgrade(&oidc));
        let privacy = Privacy {
            db: db.clone(),
            clock: clock.clone(),
            policies: policies.clone(),
            revoker: identity.revoker.clone(),
            provider: oidc.clone(),
            consent: consent.clone(),
            controller: config.controller.clone(),
            config: config.privacy.clone(),
        };
        let analytics = Arc::new(Analytics::new(
            db.clone(),
            clock.clone(),
            analytics_policy,
            policies.clone(),
            consent.clone(),
            oidc.clone(),
            retention.analytics_raw_events_secs,
        ));
        let recorder: Arc<dyn crate::identity::SignInRecorder> = analytics.clone();
        let _ = oidc.sign_ins.set(Arc::downgrade(&recorder));
        Ok(App {
            listener,
            config,
            db,
            clock,
            vault,
            keys,
            metrics,
            policies,
            identity,
            consent,
            forms,
            oidc,
            master,
            privacy,
            retention,
            analytics,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map_or(0, |a| a.port())
    }

    pub fn issuer(&self) -> &str {
        &self.oidc.issuer
    }

    pub fn admin(&self) -> Admin {
        Admin::new(self.identity.clone(), self.oidc_admin())
    }

    /// The admin API and its OpenAPI document.
    pub fn api(&self) -> (Router, utoipa::openapi::OpenApi) {
        let audit = AuditApi {
            db: self.db.clone(),
            policies: self.policies.clone(),
            covered: vec![consent::ledger_check],
        };
        let routes = api::Routes::new()
            .merge(identity::routes::api(Arc::new(self.identity.clone())))
            .merge(oidc::admin_routes::api(Arc::new(self.oidc_admin())))
            .merge(audit::routes::api(Arc::new(audit)))
            .merge(oidc::permission_check::api(self.oidc.clone()))
            .merge(consent::routes::api(Arc::new(ConsentApi {
                consent: self.consent.clone(),
                provider: self.oidc.clone(),
                controller: self.config.controller.clone(),
                cursors: self.master.clone(),
            })))
            .merge(privacy::routes::api(Arc::new(self.privacy.clone())))
            .merge(privacy::routes::retention_api(Arc::new(self.janitor())))
            .merge(crate::analytics::routes::api(self.analytics.clone()));
        api::router(routes, self.oidc.clone())
    }

    /// The outbox's delivery task: SMTP when configured; under `--demo` without SMTP, the
    /// log; otherwise none (mail waits, and admins are shown invitation links).
    fn outbox(&self) -> anyhow::Result<Outbox> {
        let mailer = match Mailer::smtp(&self.config.smtp)? {
            Some(mailer) => Some(Arc::new(mailer)),
            None if self.config.server.demo => Some(Arc::new(Mailer::Log)),
            None => None,
        };
        Ok(Outbox {
            db: self.db.clone(),
            clock: self.clock.clone(),
            mailer,
            apps: outbox::AppDelivery::new(),
        })
    }

    /// The retention janitor, signing the audit checkpoints it prunes behind with the
    /// provider's current EdDSA key.
    fn janitor(&self) -> Janitor {
        let (keys, clock) = (self.keys.clone(), self.clock.clone());
        let issuer = self.oidc.issuer.clone();
        let sign: CheckpointSigner = Arc::new(move |seq, hash| {
            jws::sign_checkpoint(&keys.current(), &issuer, seq, hash, clock.now())
        });
        Janitor {
            privacy: self.privacy.clone(),
            retention: self.retention.clone(),
            sign_checkpoint: sign,
            session_idle_secs: self.config.session.idle_timeout_secs,
        }
    }

    fn console(&self) -> Console {
        Console {
            identity: self.identity.clone(),
            consent: self.consent.clone(),
            clients: self.oidc_admin(),
            audit: AuditApi {
                db: self.db.clone(),
                policies: self.policies.clone(),
                covered: vec![consent::ledger_check],
            },
            forms: self.forms.clone(),
            privacy: self.privacy.clone(),
            analytics: self.analytics.clone(),
        }
    }

    fn oidc_admin(&self) -> OidcAdmin {
        OidcAdmin::new(self.db.clone(), self.clock.clone(), self.policies.clone())
            .with_cache(self.oidc.cache.clone())
            .with_keys(self.vault.clone(), self.keys.clone())
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        let listener = self
            .listener
            .take()
            .context("the app was built without a listener")?;
        let outbox = tokio::spawn(self.outbox()?.run());
        let erasures = tokio::spawn(carry_out_erasures(self.privacy.clone()));
        let janitor = tokio::spawn(enforce_retention(self.janitor()));
        let maintenance = tokio::spawn(maintain(Maintenance {
            db: self.db.clone(),
            clock: self.clock.clone(),
            vault: self.vault.clone(),
            keys: self.keys.clone(),
        }));
        let router = self.router();
        tracing::info!(issuer = %self.oidc.issuer, "trohet is listening");
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        maintenance.abort();
        erasures.abort();
        janitor.abort();
        outbox.abort();
        self.db.close().await;
        served.context("server error")
    }

    fn router(&self) -> Router {
        let timeout = Duration::from_secs(self.config.server.request_timeout_secs);
        let (api, _) = self.api();
        let mut router = Router::new()
            .merge(api)
            .merge(oidc::router(self.oidc.clone(), self.config.server.demo))
            .merge(ops::router(
                self.db.clone(),
                self.clock.clone(),
                self.metrics.clone(),
            ))
            .merge(account::router(Arc::new(AccountPages {
                identity: self.identity.clone(),
                oidc: self.oidc.clone(),
                forms: self.forms.clone(),
                controller: self.config.controller.clone(),
                privacy: self.privacy.clone(),
            })))
            .merge(console::router(Arc::new(self.console())))
            .merge(identity::routes::links::router(Arc::new(
                identity::routes::links::Pages {
                    identity: self.identity.clone(),
                    forms: self.forms.clone(),
                },
            )))
            .route("/static/style.css", get(web::page::stylesheet))
            .layer(axum::middleware::from_fn_with_state(
                self.metrics.clone(),
                ops::track_requests,
            ))
            .layer(axum::middleware::from_fn_with_state(
                self.config.server.trust_forwarded_for,
                web::client_addr::remember,
            ))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") });
        for layer in web::headers::layers(self.forms.https) {
            router = router.layer(layer);
        }
        router
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                timeout,
            ))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            // The largest body any route takes; each route's extractor holds it to its own
            // limit (64 KiB but for batches of analytics events).
            .layer(RequestBodyLimitLayer::new(
                crate::analytics::routes::EVENTS_BODY_LIMIT,
            ))
            .layer(CatchPanicLayer::new())
    }
}

/// Logs the route template, never the query string: it carries codes, tokens and emails.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    tracing::info_span!("request", method = %request.method(), route)
}

/// What the periodic maintenance task needs.
struct Maintenance {
    db: Db,
    clock: Clock,
    vault: KeyVault,
    keys: Arc<KeyStore>,
}

async fn maintain(m: Maintenance) {
    let mut ticker = tokio::time::interval(MAINTENANCE_INTERVAL);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let now = m.clock.now();
        match m.vault.load(&m.db, now).await {
            Ok(ring) => m.keys.replace(ring),
            Err(error) => {
                tracing::error!(error = %web::error_chain(&error), "cannot reload signing keys")
            }
        }
        if let Err(error) = forget_spent(&m.db, now).await {
            tracing::error!(error = %web::error_chain(&error), "cannot delete spent links and mail");
        }
    }
}

/// Runs the retention janitor every `RETENTION_INTERVAL` (the first run one interval after
/// start); among instances, the one holding the lease does the work.
async fn enforce_retention(janitor: Janitor) {
    let mut ticker = tokio::time::interval(RETENTION_INTERVAL);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        if let Err(error) = janitor.run(false).await {
            tracing::error!(error = %web::error_chain(&error), "the retention janitor failed");
        }
    }
}

/// Carries out erasures as they fall due, the first pass at start: an erasure that a crash
/// interrupted completes then.
async fn carry_out_erasures(privacy: Privacy) {
    let mut ticker = tokio::time::interval(ERASURE_INTERVAL);
    loop {
        ticker.tick().await;
        if let Err(error) = privacy.run_due_erasures().await {
            tracing::error!(error = %web::error_chain(&error), "cannot carry out due erasures");
        }
    }
}

/// What has served its purpose goes: used or expired invitations, reset links, throttle
/// windows, and delivered or abandoned mail.
async fn forget_spent(db: &Db, now: clock::UnixTime) -> Result<(), sqlx::Error> {
    identity::store::invitations::delete_old(db, now).await?;
    identity::store::resets::delete_old(db, now).await?;
    identity::store::email_changes::delete_old(db, now).await?;
    identity::throttle::delete_expired(db, now).await?;
    outbox::store::expire(db, now, outbox::worker::GIVE_UP_AFTER_SECS).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}

/// A retired key must verify every token it signed until the last one expires.
pub(crate) fn key_retention_secs(config: &Config) -> i64 {
    config
        .tokens
        .access_token_ttl_secs
        .max(config.tokens.id_token_ttl_secs)
        + 60
}

fn issuer_url(configured: Option<&str>, address: std::net::SocketAddr) -> anyhow::Result<String> {
    let issuer = match configured {
        Some(issuer) => issuer.trim_end_matches('/').to_string(),
        None => format!("http://{address}"),
    };
    let parsed = url::Url::parse(&issuer).with_context(|| format!("invalid issuer {issuer}"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https")
            && parsed.query().is_none()
            && parsed.fragment().is_none(),
        "the issuer must be an http(s) URL without query or fragment: {issuer}"
    );
    Ok(issuer)
}

/// Connects to the configured database (creating the data directory for the embedded
/// SQLite default) and applies migrations.
pub(crate) async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url();
    if config.database.url.is_none() {
        db::prepare_data_dir(&config.database.data_dir)?;
    }
    let backend = Backend::from_url(&url).ok_or(db::DbError::UnsupportedUrl)?;
    let db = db::connect(&url, config.database.max_connections).await?;
    db::migrate(&db, &url).await?;
    tracing::debug!(?backend, "database ready");
    Ok(db)
}

/// `TROHET_MASTER_KEY` if set; otherwise a key file in the data directory, created on
/// first start (the embedded default).
pub(crate) fn load_master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(secret) = &config.security.master_key {
        return Ok(MasterKey::parse(secret.expose())?);
    }
    let dir = &config.database.data_dir;
    db::prepare_data_dir(dir)?;
    let (key, created) = MasterKey::load_or_create_file(dir)?;
    let path = dir.join("master.key");
    if created {
        tracing::info!(path = %path.display(), "created a new master key file (mode 0600); back it up");
    } else {
        tracing::info!(path = %path.display(), "using the master key file; set TROHET_MASTER_KEY to keep it elsewhere");
    }
    Ok(key)
}

/// Opens what the CLI's administrative commands need, without starting a server.
pub(crate) async fn open_admin(config: &Config) -> anyhow::Result<(Admin, Db)> {
    let policies = Arc::new(Policies::load(&config.policies.dir)?);
    let db = open_database(config).await?;
    let clock = Clock::system();
    let identity = Identity {
        db: db.clone(),
        clock: clock.clone(),
        sessions: config.session.clone(),
        hasher: PasswordHasher::new(config.security.max_concurrent_password_hashes),
        policies: policies.clone(),
        public_url: public_url(config),
        mail_delivered: config.smtp.url.is_some(),
        revoker: Arc::new(Revoker::new(None)),
        register: Arc::new(privacy::register::Register),
    };
    let clients = OidcAdmin::new(db.clone(), clock, policies);
    Ok((Admin::new(identity, clients), db))
}

/// Opens the consent context for the CLI, recording the purposes' versions as `serve`
/// would.
/// The retention janitor for the CLI.
pub(crate) async fn open_janitor(config: &Config) -> anyhow::Result<Janitor> {
    Ok(App::assemble(config.clone(), Clock::system(), false)
        .await?
        .janitor())
}

/// The analytics context for the CLI: everything `serve` builds, without listening.
pub(crate) async fn open_analytics(config: &Config) -> anyhow::Result<Arc<Analytics>> {
    Ok(App::assemble(config.clone(), Clock::system(), false)
        .await?
        .analytics)
}

/// The privacy context for the CLI: everything `serve` builds, without listening.
pub(crate) async fn open_privacy(config: &Config) -> anyhow::Result<Privacy> {
    Ok(App::assemble(config.clone(), Clock::system(), false)
        .await?
        .privacy)
}

pub(crate) async fn open_consent(config: &Config) -> anyhow::Result<Consent> {
    let policies = Arc::new(Policies::load(&config.policies.dir)?);
    let purposes = Purposes::load(&config.policies.dir)?;
    let interests = Arc::new(Interests::load(&config.policies.dir, &purposes)?);
    let db = open_database(config).await?;
    let purposes = Arc::new(purposes);
    Ok(Consent::start(db, Clock::system(), policies, purposes, interests).await?)
}

/// The issuer as configured, or as `serve` would derive it from the listen address.
pub(crate) fn public_url(config: &Config) -> String {
    match &config.server.issuer {
        Some(issuer) => issuer.trim_end_matches('/').to_string(),
        None => format!("http://{}", config.server.listen),
    }
}

/// `trohet keys rotate`.
pub(crate) async fn rotate_keys(config: &Config) -> anyhow::Result<Vec<String>> {
    let db = open_database(config).await?;
    let vault = KeyVault::new(load_master_key(config)?, key_retention_secs(config));
    let now = Clock::system().now();
    vault.load(&db, now).await?;
    let mut tx = db::begin_write(&db).await?;
    let kids = vault.rotate(&mut tx, now).await?;
    let event = Event::new(Actor::System, "key.rotated").detail("kids", kids.clone());
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(kids)
}
