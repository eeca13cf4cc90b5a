//! The database pool, chosen once from the URL. Every store speaks portable SQL through
//! sqlx's `Any` driver (`$1` placeholders work on both backends), so business logic never
//! branches on the backend; only the migration folder differs.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

pub type Db = AnyPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("cannot create the data directory {0}")]
    DataDir(String, #[source] std::io::Error),
    #[error("cannot connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply database migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Connects, applying SQLite's durability and concurrency settings on every connection.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url).ok_or(DbError::UnsupportedUrl)?;
    let options = AnyConnectOptions::from_str(url).map_err(DbError::Connect)?;
    let mut pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10));
    if backend == Backend::Sqlite {
        pool = pool.after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; synchronous=FULL makes a commit
                // durable before we answer that consent, audit or erasure happened.
                conn.execute(
                    "pragma journal_mode = wal; pragma synchronous = full; \
                     pragma foreign_keys = on; pragma busy_timeout = 5000;",
                )
                .await?;
                Ok(())
            })
        });
    }
    pool.connect_with(options).await.map_err(DbError::Connect)
}

pub async fn migrate(db: &Db, url: &str) -> Result<(), DbError> {
    let migrator = match Backend::from_url(url).ok_or(DbError::UnsupportedUrl)? {
        Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.run(db).await.map_err(DbError::Migrate)
}

/// Makes sure the directory of an embedded SQLite database exists.
pub fn prepare_data_dir(dir: &std::path::Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(|e| DbError::DataDir(dir.display().to_string(), e))
}

/// A unique-constraint violation, which stores turn into a "already exists" error.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A foreign-key violation: the row refers to something that does not exist.
pub fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}
