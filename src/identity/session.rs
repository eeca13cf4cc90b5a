//! Browser sessions. The cookie holds a 256-bit random value; the database holds only its
//! digest, so a leaked database cannot be replayed as cookies. Sessions live in the
//! database so that every instance behind a load balancer sees the same ones.

use super::IdentityError;
use crate::clock::UnixTime;
use crate::config::SessionConfig;
use crate::crypto;
use crate::db::Db;

/// Refresh `last_seen_at` at most this often, so a busy session is not a write per request.
const TOUCH_INTERVAL_SECS: i64 = 60;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    /// The public session id that goes into ID tokens as `sid`; not the cookie secret.
    pub sid: String,
    pub person_id: String,
    pub active_customer_account_id: Option<String>,
    pub auth_time: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// What a person sees of their sessions at `/account` to recognise them: the browser's
/// self-description and the network it came from (truncated), nothing more.
#[derive(Debug, Clone, Default)]
pub struct SessionMeta {
    pub user_agent: Option<String>,
    pub network: Option<String>,
}

/// Creates a session and returns the cookie value (shown to the browser only).
pub async fn create(
    db: &Db,
    person_id: &str,
    config: &SessionConfig,
    now: UnixTime,
    meta: &SessionMeta,
) -> Result<(String, Session), IdentityError> {
    let cookie_value = crypto::random_token();
    let session = Session {
        sid: crypto::random_id(),
        person_id: person_id.to_string(),
        active_customer_account_id: None,
        auth_time: now,
        last_seen_at: now,
        expires_at: now + config.absolute_timeout_secs,
    };
    sqlx::query(
        "insert into session (session_digest, sid, person_id, active_customer_account_id, \
         auth_time, created_at, last_seen_at, expires_at, user_agent, client_ip) \
         values ($1, $2, $3, null, $4, $4, $4, $5, $6, $7)",
    )
    .bind(crypto::digest_hex(&cookie_value))
    .bind(&session.sid)
    .bind(person_id)
    .bind(now)
    .bind(session.expires_at)
    .bind(
        meta.user_agent
            .as_deref()
            .map(|ua| ua.chars().take(200).collect::<String>()),
    )
    .bind(&meta.network)
    .execute(db)
    .await?;
    Ok((cookie_value, session))
}

/// The live session behind a cookie value, touching it; expired sessions are deleted.
pub async fn find_live(
    db: &Db,
    cookie_value: &str,
    config: &SessionConfig,
    now: UnixTime,
) -> Result<Option<Session>, IdentityError> {
    let digest = crypto::digest_hex(cookie_value);
    let session: Option<Session> = sqlx::query_as(
        "select s.sid, s.person_id, s.active_customer_account_id, s.auth_time, s.last_seen_at, \
         s.expires_at from session s join person p on p.person_id = s.person_id \
         where s.session_digest = $1 and p.status = 'active'",
    )
    .bind(&digest)
    .fetch_optional(db)
    .await?;
    let Some(session) = session else {
        return Ok(None);
    };
    if now >= session.expires_at || now - session.last_seen_at >= config.idle_timeout_secs {
        sqlx::query("delete from session where session_digest = $1")
            .bind(&digest)
            .execute(db)
            .await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL_SECS {
        sqlx::query("update session set last_seen_at = $1 where session_digest = $2")
            .bind(now)
            .bind(&digest)
            .execute(db)
            .await?;
    }
    Ok(Some(session))
}

pub async fn set_active_customer_account(
    db: &Db,
    sid: &str,
    customer_account_id: &str,
) -> Result<(), IdentityError> {
    sqlx::query("update session set active_customer_account_id = $1 where sid = $2")
        .bind(customer_account_id)
        .bind(sid)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &Db, sid: &str) -> Result<(), IdentityError> {
    sqlx::query("delete from session where sid = $1")
        .bind(sid)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a person (disable, password reset), in the caller's transaction.
pub async fn delete_all_of(tx: &mut crate::db::Tx, person_id: &str) -> Result<u64, sqlx::Error> {
    delete_all_but(tx, person_id, None).await
}

/// Ends every session of a person but `keep` (the one changing the password).
pub async fn delete_all_but(
    tx: &mut crate::db::Tx,
    person_id: &str,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from session where person_id = $1 and sid <> $2")
        .bind(person_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// A session as its person sees it at `/account`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    pub sid: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

pub async fn list_of(db: &Db, person_id: &str) -> Result<Vec<SessionInfo>, sqlx::Error> {
    sqlx::query_as(
        "select sid, created_at, last_seen_at, user_agent, client_ip from session \
         where person_id = $1 order by last_seen_at desc",
    )
    .bind(person_id)
    .fetch_all(db)
    .await
}

/// Ends one of a person's sessions; false if it is not theirs (or gone).
pub async fn delete_of(
    tx: &mut crate::db::Tx,
    person_id: &str,
    sid: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from session where person_id = $1 and sid = $2")
        .bind(person_id)
        .bind(sid)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
