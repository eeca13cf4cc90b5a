//! The database pool, chosen once from the URL. Every store speaks portable SQL through
//! sqlx's `Any` driver (`$1` placeholders work on both backends), so business logic never
//! branches on the backend; only the migration folder differs.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

pub type Db = AnyPool;
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

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

/// The backend behind a pool, read from the URL it was opened with.
pub fn backend(db: &Db) -> Backend {
    Backend::from_url(db.connect_options().database_url.as_str()).unwrap_or(Backend::Postgres)
}

/// A write transaction (see [`begin_write`]); use it as a [`Tx`], then `commit` it.
pub struct WriteTx {
    tx: Tx,
    /// On SQLite, this process's turn at the database's one writer.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// A transaction that reads and then writes. SQLite must take the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then tries to write
/// fails with SQLITE_BUSY when another writer got there in between, and no busy timeout
/// helps. And SQLite has one writer: this process's writers queue for it here, in order,
/// instead of sleeping in SQLite's busy handler, whose back-off (steps up to 100 ms) gave
/// concurrent refreshes tail latencies of a second. PostgreSQL's default `BEGIN` is right
/// there; its writers lock rows instead.
pub async fn begin_write(db: &Db) -> Result<WriteTx, sqlx::Error> {
    match backend(db) {
        Backend::Sqlite => {
            let turn = sqlite_writer(db).lock_owned().await;
            let tx = db.begin_with("begin immediate").await?;
            Ok(WriteTx {
                tx,
                _turn: Some(turn),
            })
        }
        Backend::Postgres => Ok(WriteTx {
            tx: db.begin().await?,
            _turn: None,
        }),
    }
}

/// The queue for one SQLite file's writer, shared by every pool on it in this process.
fn sqlite_writer(db: &Db) -> Arc<tokio::sync::Mutex<()>> {
    static WRITERS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(Mutex::default);
    let path = db.connect_options().database_url.path().to_string();
    let mut writers = match WRITERS.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    writers.entry(path).or_default().clone()
}

/// The head of an append-only chain (the audit log): its last sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// Locks the head row of a chain for the rest of the transaction and reads it: a portable
/// `SELECT … FOR UPDATE`. A no-op `UPDATE` takes the row lock on PostgreSQL (a concurrent
/// appender waits, then reads the head this one wrote) and needs the write lock on SQLite,
/// which [`begin_write`] already holds. Appends are thereby serialized and never fork.
pub async fn lock_chain_head(tx: &mut Tx, chain: &str) -> Result<ChainHead, sqlx::Error> {
    sqlx::query_as("update chain_head set seq = seq where chain = $1 returning seq, hash")
        .bind(chain)
        .fetch_one(&mut **tx)
        .await
}

/// Moves a locked chain head forward.
pub async fn advance_chain_head(
    tx: &mut Tx,
    chain: &str,
    head: &ChainHead,
) -> Result<(), sqlx::Error> {
    sqlx::query("update chain_head set seq = $1, hash = $2 where chain = $3")
        .bind(head.seq)
        .bind(&head.hash)
        .bind(chain)
        .execute(&mut **tx)
        .await?;
    Ok(())
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
                // durable before we answer that consent, audit or erasure happened. A store
                // of millions of analytics rows needs more than SQLite's 2 MiB page cache:
                // 32 MiB per connection, and reads through a memory map of up to 4 GiB
                // (the OS page cache, shared) instead of a copy per page read.
                conn.execute(
                    "pragma journal_mode = wal; pragma synchronous = full; \
                     pragma foreign_keys = on; pragma busy_timeout = 5000; \
                     pragma cache_size = -32768; pragma mmap_size = 4294967296; pragma wal_autocheckpoint = 16384;",
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

/// `$first, $first+1, …` for `count` values: an `in (…)` list built at run time.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value bound to a placeholder of a query built at run time.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// The `where` clause of a list query with optional filters, numbering placeholders as it
/// goes so the same text runs on both backends.
#[derive(Debug, Default)]
pub struct Conditions {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a condition; each `?` in it becomes the next `$n`.
    pub fn push(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) -> &mut Self {
        let mut text = String::new();
        for (index, part) in clause.split('?').enumerate() {
            if index > 0 {
                self.binds.push(Bind::Text(String::new()));
                text.push_str(&format!("${}", self.binds.len()));
            }
            text.push_str(part);
        }
        let first_new = self.binds.len() - clause.matches('?').count();
        for (slot, value) in self.binds[first_new..].iter_mut().zip(values) {
            *slot = value;
        }
        self.clauses.push(text);
        self
    }

    /// `where a and b …`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" where {}", self.clauses.join(" and "))
        }
    }

    /// The next placeholder number, for a `limit` after the conditions.
    pub fn next_placeholder(&self) -> usize {
        self.binds.len() + 1
    }

    pub fn bind_to<'q, O>(
        &self,
        mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for bind in &self.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(int) => query.bind(*int),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_placeholders_in_order() {
        let mut conditions = Conditions::default();
        conditions
            .push("a = ?", [Bind::Text("x".into())])
            .push("b between ? and ?", [Bind::Int(1), Bind::Int(2)]);
        assert_eq!(conditions.sql(), " where a = $1 and b between $2 and $3");
        assert_eq!(conditions.next_placeholder(), 4);
        assert!(matches!(conditions.binds[2], Bind::Int(2)));
    }
}
