//! SQL of e-mail address changes waiting for confirmation from the new address: single-use
//! links stored as digests, valid for 24 hours.

use crate::clock::UnixTime;
use crate::db::{Db, Tx};

/// A change as asked for.
pub struct NewEmailChange<'a> {
    pub token_digest: &'a str,
    pub person_id: &'a str,
    pub new_email: &'a str,
    pub new_email_normalized: &'a str,
}

/// A live change: whose address, and to what.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailChangeRow {
    pub person_id: String,
    pub new_email: String,
    pub new_email_normalized: String,
}

pub async fn insert(
    tx: &mut Tx,
    new: &NewEmailChange<'_>,
    now: UnixTime,
    expires_at: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into email_change (token_digest, person_id, new_email, new_email_normalized, \
         created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.token_digest)
    .bind(new.person_id)
    .bind(new.new_email)
    .bind(new.new_email_normalized)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The change behind a live link, without using it.
pub async fn find_live(
    db: &Db,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<EmailChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "select person_id, new_email, new_email_normalized from email_change \
         where token_digest = $1 and used_at is null and expires_at > $2",
    )
    .bind(token_digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Uses a live link, once; `None` if it was used, expired or unknown. The person's other
/// open links go too: they were asked for before this address was confirmed, and one
/// confirmation should not leave a second change waiting to undo it.
pub async fn use_link(
    tx: &mut Tx,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<EmailChangeRow>, sqlx::Error> {
    let row: Option<EmailChangeRow> = sqlx::query_as(
        "update email_change set used_at = $1 where token_digest = $2 and used_at is null \
         and expires_at > $1 returning person_id, new_email, new_email_normalized",
    )
    .bind(now)
    .bind(token_digest)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(used) = &row {
        sqlx::query("delete from email_change where person_id = $1 and used_at is null")
            .bind(&used.person_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(row)
}

/// Moves the person to the confirmed address. A unique violation means the address was
/// taken since the link was sent; the caller rolls back.
pub async fn set_email(
    tx: &mut Tx,
    person_id: &str,
    change: &EmailChangeRow,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update person set email = $1, email_normalized = $2, version = version + 1 \
         where person_id = $3",
    )
    .bind(&change.new_email)
    .bind(&change.new_email_normalized)
    .bind(person_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The person's links that were used or ran out, cleared when they ask again so that
/// addresses never confirmed do not linger.
pub async fn delete_ended_of(
    tx: &mut Tx,
    person_id: &str,
    now: UnixTime,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "delete from email_change where person_id = $1 \
         and (used_at is not null or expires_at <= $2)",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Links that ended a day ago or more: the addresses in them are not kept past their use.
pub async fn delete_old(db: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from email_change where expires_at < $1")
        .bind(now - 24 * 3600)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
