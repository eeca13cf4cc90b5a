//! SQL of the OIDC context's short-lived state: pending authorization requests, grants,
//! authorization codes, refresh tokens and revoked access tokens. All of it lives in the
//! database so that every instance on one PostgreSQL sees the same.

use crate::clock::UnixTime;
use crate::db::Db;

/// A pending authorization request waiting for the person (login, account choice, consent).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRequest {
    pub authorization_request_id: String,
    pub client_id: String,
    pub params: String,
    pub login_at: Option<i64>,
    pub account_chosen_at: Option<i64>,
    pub consent_given_at: Option<i64>,
    pub purposes_asked_at: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_request(
    db: &Db,
    id: &str,
    client_id: &str,
    params: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into authorization_request (authorization_request_id, client_id, params, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(client_id)
    .bind(params)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_request(
    db: &Db,
    id: &str,
    now: UnixTime,
) -> Result<Option<PendingRequest>, sqlx::Error> {
    sqlx::query_as(
        "select authorization_request_id, client_id, params, login_at, account_chosen_at, \
         consent_given_at, purposes_asked_at, created_at from authorization_request \
         where authorization_request_id = $1 and expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Which step of a pending request the person has just completed.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Login,
    AccountChosen,
    ConsentGiven,
    PurposesAsked,
}

pub async fn mark_request(db: &Db, id: &str, step: Step, now: UnixTime) -> Result<(), sqlx::Error> {
    let column = match step {
        Step::Login => "login_at",
        Step::AccountChosen => "account_chosen_at",
        Step::ConsentGiven => "consent_given_at",
        Step::PurposesAsked => "purposes_asked_at",
    };
    sqlx::query(&format!(
        "update authorization_request set {column} = $1 where authorization_request_id = $2"
    ))
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_request(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from authorization_request where authorization_request_id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// One authorization of a client by a person; every code, access and refresh token issued
/// from it carries its id, so revoking the grant revokes them all.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Grant {
    pub grant_id: String,
    pub client_id: String,
    pub person_id: Option<String>,
    pub customer_account_id: Option<String>,
    pub sid: Option<String>,
    pub scope: String,
    pub auth_time: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewCode<'a> {
    pub code_digest: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub expires_at: UnixTime,
}

/// Creates the grant and its authorization code together.
/// A pairwise client's view of a person, remembered so that its `sub` can be resolved back
/// (permission checks): (sector identifier, subject).
pub struct PairwiseSubject<'a> {
    pub sector_identifier: &'a str,
    pub subject: &'a str,
}

pub async fn insert_grant_with_code(
    db: &Db,
    grant: &Grant,
    offline: bool,
    code: NewCode<'_>,
    pairwise: Option<PairwiseSubject<'_>>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    if let Some(person_id) = &grant.person_id {
        crate::consent::scope_grant::touch(&mut tx, person_id, &grant.client_id, now).await?;
    }
    if let (Some(pairwise), Some(person_id)) = (pairwise, &grant.person_id) {
        sqlx::query(
            "insert into pairwise_subject (sector_identifier, subject, person_id) \
             values ($1, $2, $3) on conflict (sector_identifier, subject) do nothing",
        )
        .bind(pairwise.sector_identifier)
        .bind(pairwise.subject)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "insert into oauth_grant (grant_id, client_id, person_id, customer_account_id, sid, scope, \
         auth_time, offline, created_at, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, null)",
    )
    .bind(&grant.grant_id)
    .bind(&grant.client_id)
    .bind(&grant.person_id)
    .bind(&grant.customer_account_id)
    .bind(&grant.sid)
    .bind(&grant.scope)
    .bind(grant.auth_time)
    .bind(i64::from(offline))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into authorization_code (code_digest, grant_id, client_id, redirect_uri, code_challenge, \
         nonce, created_at, expires_at, used_at) values ($1, $2, $3, $4, $5, $6, $7, $8, null)",
    )
    .bind(code.code_digest)
    .bind(&grant.grant_id)
    .bind(&grant.client_id)
    .bind(code.redirect_uri)
    .bind(code.code_challenge)
    .bind(code.nonce)
    .bind(now)
    .bind(code.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

const GRANT_COLUMNS: &str =
    "grant_id, client_id, person_id, customer_account_id, sid, scope, auth_time, revoked_at";

pub async fn find_grant(db: &Db, grant_id: &str) -> Result<Option<Grant>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {GRANT_COLUMNS} from oauth_grant where grant_id = $1"
    ))
    .bind(grant_id)
    .fetch_optional(db)
    .await
}

/// Revokes a grant in the caller's transaction; false if it was revoked already.
pub async fn revoke_grant(
    tx: &mut crate::db::Tx,
    grant_id: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update oauth_grant set revoked_at = $1 where grant_id = $2 and revoked_at is null",
    )
    .bind(now)
    .bind(grant_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An app a person signed in to or allowed: the client, what the person allowed it (or,
/// for a first-party app, what their newest live grant holds), and when it was last used.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppGrant {
    pub client_id: String,
    pub client_name: String,
    pub scope: String,
    pub signed_in_at: i64,
    /// Whether a grant outlives browser sessions (`offline_access`).
    pub offline: i64,
}

/// The apps a person allowed or has live grants with, most recently used first.
pub async fn apps_of(db: &Db, person_id: &str) -> Result<Vec<AppGrant>, sqlx::Error> {
    let rows: Vec<AppGrant> = sqlx::query_as(
        "select g.client_id, c.name as client_name, g.scope, g.created_at as signed_in_at, g.offline \
         from oauth_grant g join client c on c.client_id = g.client_id \
         where g.person_id = $1 and g.revoked_at is null order by g.created_at desc",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    let mut apps: Vec<AppGrant> = Vec::new();
    for row in rows {
        match apps.iter_mut().find(|a| a.client_id == row.client_id) {
            Some(app) => app.offline = app.offline.max(row.offline),
            None => apps.push(row),
        }
    }
    let allowed: Vec<AppGrant> = sqlx::query_as(
        "select s.client_id, c.name as client_name, s.scope, s.last_used_at as signed_in_at, \
         0 as offline from scope_grant s join client c on c.client_id = s.client_id \
         where s.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    for row in allowed {
        match apps.iter_mut().find(|a| a.client_id == row.client_id) {
            Some(app) => {
                app.scope = row.scope;
                app.signed_in_at = app.signed_in_at.max(row.signed_in_at);
            }
            None => apps.push(row),
        }
    }
    apps.sort_by_key(|a| std::cmp::Reverse(a.signed_in_at));
    Ok(apps)
}

/// Revokes every grant of a person to one client; returns how many were live.
pub async fn revoke_app(
    tx: &mut crate::db::Tx,
    person_id: &str,
    client_id: &str,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "delete from refresh_token where grant_id in \
         (select grant_id from oauth_grant where person_id = $1 and client_id = $2)",
    )
    .bind(person_id)
    .bind(client_id)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "update oauth_grant set revoked_at = $1 where person_id = $2 and client_id = $3 \
         and revoked_at is null",
    )
    .bind(now)
    .bind(person_id)
    .bind(client_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// The person behind a pairwise subject of a sector.
pub async fn pairwise_person(
    db: &Db,
    sector_identifier: &str,
    subject: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "select person_id from pairwise_subject where sector_identifier = $1 and subject = $2",
    )
    .bind(sector_identifier)
    .bind(subject)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Revokes every grant of a person and deletes their refresh tokens (disable, password
/// reset), in the caller's transaction; returns how many grants were live.
pub async fn revoke_person_grants(
    tx: &mut crate::db::Tx,
    person_id: &str,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "delete from refresh_token where grant_id in \
         (select grant_id from oauth_grant where person_id = $1)",
    )
    .bind(person_id)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "update oauth_grant set revoked_at = $1 where person_id = $2 and revoked_at is null",
    )
    .bind(now)
    .bind(person_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Ends the grants that lived only as long as a browser session (not offline ones), in
/// the caller's transaction, counting what it revoked.
pub async fn revoke_session_grants_in(
    tx: &mut crate::db::Tx,
    sid: &str,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update oauth_grant set revoked_at = $1 where sid = $2 and offline = 0 and revoked_at is null",
    )
    .bind(now)
    .bind(sid)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, sqlx::FromRow)]
pub struct RedeemedCode {
    pub grant_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: i64,
}

pub enum CodeRedemption {
    Redeemed(RedeemedCode),
    /// The code was already used: the caller revokes the grant (RFC 6749 §4.1.2).
    Replayed {
        grant_id: String,
    },
    Unknown,
}

/// Marks a code used, atomically, so that of two concurrent redemptions only one wins.
pub async fn redeem_code(
    db: &Db,
    code_digest: &str,
    client_id: &str,
    now: UnixTime,
) -> Result<CodeRedemption, sqlx::Error> {
    let redeemed: Option<RedeemedCode> = sqlx::query_as(
        "update authorization_code set used_at = $1 \
         where code_digest = $2 and client_id = $3 and used_at is null \
         returning grant_id, redirect_uri, code_challenge, nonce, expires_at",
    )
    .bind(now)
    .bind(code_digest)
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    if let Some(code) = redeemed {
        return Ok(CodeRedemption::Redeemed(code));
    }
    let used: Option<(String,)> = sqlx::query_as(
        "select grant_id from authorization_code where code_digest = $1 and client_id = $2",
    )
    .bind(code_digest)
    .bind(client_id)
    .fetch_optional(db)
    .await?;
    Ok(match used {
        Some((grant_id,)) => CodeRedemption::Replayed { grant_id },
        None => CodeRedemption::Unknown,
    })
}

pub async fn insert_refresh_token(
    db: &Db,
    token_digest: &str,
    grant_id: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into refresh_token (token_digest, grant_id, created_at, expires_at, rotated_at) \
         values ($1, $2, $3, $4, null)",
    )
    .bind(token_digest)
    .bind(grant_id)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub enum RefreshUse {
    Live {
        grant_id: String,
    },
    /// A token already rotated was presented again: a sign of theft (RFC 9700 §4.14.2).
    Reused {
        grant_id: String,
    },
    Unknown,
}

/// What a presented refresh token is, without using it.
pub async fn peek_refresh_token(
    db: &Db,
    token_digest: &str,
    now: UnixTime,
) -> Result<RefreshUse, sqlx::Error> {
    let known: Option<(String, Option<i64>, i64)> = sqlx::query_as(
        "select grant_id, rotated_at, expires_at from refresh_token where token_digest = $1",
    )
    .bind(token_digest)
    .fetch_optional(db)
    .await?;
    Ok(match known {
        Some((grant_id, Some(_), _)) => RefreshUse::Reused { grant_id },
        Some((grant_id, None, expires_at)) if expires_at > now => RefreshUse::Live { grant_id },
        _ => RefreshUse::Unknown,
    })
}

/// Uses a live refresh token and stores its successor, in one transaction (one durable
/// commit per refresh). False if a concurrent request used the token first.
pub async fn rotate_refresh_token(
    db: &Db,
    old_digest: &str,
    new_digest: &str,
    grant_id: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<bool, sqlx::Error> {
    let mut tx = crate::db::begin_write(db).await?;
    let used = sqlx::query(
        "update refresh_token set rotated_at = $1 \
         where token_digest = $2 and rotated_at is null and expires_at > $1",
    )
    .bind(now)
    .bind(old_digest)
    .execute(&mut **tx)
    .await?;
    if used.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "insert into refresh_token (token_digest, grant_id, created_at, expires_at, rotated_at) \
         values ($1, $2, $3, $4, null)",
    )
    .bind(new_digest)
    .bind(grant_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The grant of a refresh token that can still be used, for introspection and revocation.
pub async fn live_refresh_token_grant(
    db: &Db,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select grant_id, expires_at from refresh_token \
         where token_digest = $1 and rotated_at is null and expires_at > $2",
    )
    .bind(token_digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn revoke_access_token(
    db: &Db,
    jti: &str,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into revoked_access_token (jti, expires_at) values ($1, $2) on conflict (jti) do nothing",
    )
    .bind(jti)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn is_access_token_revoked(db: &Db, jti: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("select jti from revoked_access_token where jti = $1")
            .bind(jti)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// A used code is kept this long past its expiry, so a late replay is still recognised
/// and still revokes its grant.
pub const CODE_REPLAY_MEMORY_SECS: i64 = 3600;
