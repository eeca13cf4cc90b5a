//! OAuth consent, remembered: the scopes a person allowed each client, so that the next
//! login asking for the same or fewer skips the consent page, and `/account/apps` can
//! show and end it. Deleted with the person or the client.

use crate::clock::UnixTime;
use crate::db::{Db, Tx};

/// The scopes (space-separated) the person allowed this client, if any.
pub async fn allowed(
    db: &Db,
    person_id: &str,
    client_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("select scope from scope_grant where person_id = $1 and client_id = $2")
            .bind(person_id)
            .bind(client_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(scope,)| scope))
}

/// Remembers that the person allowed `scope` (the union with what they allowed before,
/// computed by the caller) to this client.
pub async fn remember(
    tx: &mut Tx,
    person_id: &str,
    client_id: &str,
    scope: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into scope_grant (person_id, client_id, scope, granted_at, last_used_at) \
         values ($1, $2, $3, $4, $4) on conflict (person_id, client_id) \
         do update set scope = $3, granted_at = $4, last_used_at = $4",
    )
    .bind(person_id)
    .bind(client_id)
    .bind(scope)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Notes, in the transaction that issues a code, that the client was signed in to now.
pub async fn touch(
    tx: &mut Tx,
    person_id: &str,
    client_id: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("update scope_grant set last_used_at = $3 where person_id = $1 and client_id = $2")
        .bind(person_id)
        .bind(client_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Forgets what the person allowed the client; true if there was something.
pub async fn forget(tx: &mut Tx, person_id: &str, client_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from scope_grant where person_id = $1 and client_id = $2")
        .bind(person_id)
        .bind(client_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// (client id, scope, last used) of every client the person allowed.
pub async fn of_person(
    db: &Db,
    person_id: &str,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select client_id, scope, last_used_at from scope_grant where person_id = $1 \
         order by last_used_at desc",
    )
    .bind(person_id)
    .fetch_all(db)
    .await
}
