//! SQL of invitations: single-use links stored as digests, valid for seven days.

use super::normalize_email;
use crate::clock::UnixTime;
use crate::db::{Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub invitation_id: String,
    pub customer_account_id: String,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub roles: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

impl InvitationRow {
    pub fn roles(&self) -> Vec<String> {
        serde_json::from_str(&self.roles).unwrap_or_default()
    }

    pub fn state(&self, now: UnixTime) -> &'static str {
        match (self.accepted_at, self.withdrawn_at) {
            (Some(_), _) => "accepted",
            (_, Some(_)) => "withdrawn",
            _ if self.expires_at <= now => "expired",
            _ => "pending",
        }
    }
}

const COLUMNS: &str = "invitation_id, customer_account_id, email, display_name, locale, roles, \
                       invited_by, created_at, expires_at, accepted_at, withdrawn_at";

pub struct NewInvitation<'a> {
    pub customer_account_id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub locale: Option<&'a str>,
    pub roles: &'a [String],
    pub token_digest: &'a str,
    pub invited_by: &'a str,
    pub expires_at: UnixTime,
}

pub async fn insert(
    tx: &mut Tx,
    new: &NewInvitation<'_>,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    // A new invitation supersedes a pending one to the same address for the same account.
    sqlx::query(
        "update invitation set withdrawn_at = $1 where customer_account_id = $2 \
         and email_normalized = $3 and accepted_at is null and withdrawn_at is null",
    )
    .bind(now)
    .bind(new.customer_account_id)
    .bind(normalize_email(new.email))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into invitation (invitation_id, customer_account_id, email, email_normalized, \
         display_name, locale, roles, token_digest, invited_by, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(new.customer_account_id)
    .bind(new.email.trim())
    .bind(normalize_email(new.email))
    .bind(new.display_name.trim())
    .bind(new.locale)
    .bind(serde_json::to_string(new.roles).unwrap_or_else(|_| "[]".into()))
    .bind(new.token_digest)
    .bind(new.invited_by)
    .bind(now)
    .bind(new.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Pending invitations of an account, newest first.
pub async fn pending(
    db: &Db,
    customer_account_id: &str,
    now: UnixTime,
) -> Result<Vec<InvitationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from invitation where customer_account_id = $1 and accepted_at is null \
         and withdrawn_at is null and expires_at > $2 order by created_at desc, invitation_id"
    ))
    .bind(customer_account_id)
    .bind(now)
    .fetch_all(db)
    .await
}

pub async fn withdraw(
    tx: &mut Tx,
    customer_account_id: &str,
    invitation_id: &str,
    now: UnixTime,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update invitation set withdrawn_at = $1 where invitation_id = $2 \
         and customer_account_id = $3 and accepted_at is null and withdrawn_at is null",
    )
    .bind(now)
    .bind(invitation_id)
    .bind(customer_account_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live invitation behind a link's token digest.
pub async fn find_live(
    db: &Db,
    token_digest: &str,
    now: UnixTime,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from invitation where token_digest = $1 and accepted_at is null \
         and withdrawn_at is null and expires_at > $2"
    ))
    .bind(token_digest)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Marks the invitation used, once: false if another request used it first.
pub async fn accept(tx: &mut Tx, invitation_id: &str, now: UnixTime) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update invitation set accepted_at = $1 where invitation_id = $2 \
         and accepted_at is null and withdrawn_at is null and expires_at > $1",
    )
    .bind(now)
    .bind(invitation_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Invitations are kept 30 days past their end, then deleted (they hold an address and a
/// name).
pub async fn delete_old(db: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "delete from invitation where coalesce(accepted_at, withdrawn_at, expires_at) < $1",
    )
    .bind(now - 30 * 24 * 3600)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
