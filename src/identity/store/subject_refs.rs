//! How the audit log and the request register name a person: a random reference kept in the
//! person's `subject_key` row. Erasure deletes that row, so the references left in the
//! append-only audit chain stop pointing at anyone without the chain being edited.

use crate::clock::UnixTime;
use crate::crypto;
use crate::db::{Db, Tx};

/// The person's audit reference, made on first use in the caller's write transaction;
/// `None` when no such person exists.
pub async fn for_write(
    tx: &mut Tx,
    person_id: &str,
    now: UnixTime,
) -> Result<Option<String>, sqlx::Error> {
    if let Some(found) = find_in(tx, person_id).await? {
        return Ok(Some(found));
    }
    sqlx::query(
        "insert into subject_key (person_id, subject_key, pseudonym_secret, audit_ref, created_at) \
         select person_id, $2, $3, $4, $5 from person where person_id = $1 \
         on conflict (person_id) do update \
         set audit_ref = coalesce(subject_key.audit_ref, excluded.audit_ref)",
    )
    .bind(person_id)
    .bind(crypto::b64url(&crypto::random_bytes::<32>()))
    .bind(crypto::b64url(&crypto::random_bytes::<32>()))
    .bind(crypto::random_id())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    find_in(tx, person_id).await
}

async fn find_in(tx: &mut Tx, person_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("select audit_ref from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.and_then(|(r,)| r))
}

/// The person's audit reference, if one was ever made.
pub async fn find(db: &Db, person_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("select audit_ref from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(r,)| r))
}
