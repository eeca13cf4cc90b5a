//! SQL of password resets: single-use links stored as digests, valid for 30 minutes.

use crate::clock::UnixTime;
use crate::db::{Db, Tx};

pub async fn insert(
    tx: &mut Tx,
    token_digest: &str,
    person_id: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into password_reset (token_digest, person_id, created_at, expires_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(token_digest)
    .bind(person_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many reset links a person was sent since `since` (a bound against mail bombing).
pub async fn count_since(db: &Db, person_id: &str, since: UnixTime) -> Result<i64, sqlx::Error> {
    let (count,): (i64,) = sqlx::query_as(
        "select count(*) from password_reset where person_id = $1 and created_at >= $2",
    )
    .bind(person_id)
    .bind(since)
    .fetch_one(db)
    .await?;
    Ok(count)
}

/// The person of a live link, without using it.
pub async fn find_live(
    db: &Db,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "select person_id from password_reset where token_digest = $1 and used_at is null \
         and expires_at > $2",
    )
    .bind(token_digest)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Uses a live link, once; its person, or `None` if it was used, expired or unknown. Every
/// other open link of the person goes too.
pub async fn use_link(
    tx: &mut Tx,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "update password_reset set used_at = $1 where token_digest = $2 and used_at is null \
         and expires_at > $1 returning person_id",
    )
    .bind(now)
    .bind(token_digest)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((person_id,)) = &row {
        sqlx::query("delete from password_reset where person_id = $1 and used_at is null")
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(row.map(|(id,)| id))
}

pub async fn delete_old(db: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from password_reset where expires_at < $1")
        .bind(now - 24 * 3600)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
