//! Login throttling, in the database so that every instance sees it. Failures count per
//! account (keyed by a digest of the normalized email, so an address without an account is
//! throttled exactly like one with) and per client network. After five failures for one
//! account within fifteen minutes each further attempt waits an increasing delay, up to
//! fifteen minutes; a network that fails fifty times in that window waits out the window.
//! Nothing is ever locked for good: that would hand attackers a denial of service.

use crate::clock::UnixTime;
use crate::crypto;
use crate::db::{self, Db};

const WINDOW_SECS: i64 = 15 * 60;
const ACCOUNT_FREE_FAILURES: i64 = 5;
const ACCOUNT_FIRST_DELAY_SECS: i64 = 60;
const ACCOUNT_MAX_DELAY_SECS: i64 = 15 * 60;
const NETWORK_FAILURE_BUDGET: i64 = 50;

/// The throttle keys of one login attempt.
pub struct Keys {
    account: String,
    network: Option<String>,
}

impl Keys {
    pub fn new(email: &str, network: Option<&str>) -> Self {
        let email = super::store::normalize_email(email);
        Self {
            account: format!("account:{}", crypto::digest_hex(&email)),
            network: network.map(|n| format!("network:{n}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.account.as_str()).chain(self.network.as_deref())
    }
}

/// Which limit stopped an attempt, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub wait_secs: i64,
    pub by_network: bool,
}

/// Whether an attempt may go ahead (checked before any password hashing): one read of
/// both keys.
pub async fn check(db: &Db, keys: &Keys, now: UnixTime) -> Result<Option<Blocked>, sqlx::Error> {
    let network = keys.network.as_deref().unwrap_or(&keys.account);
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select throttle_key, blocked_until from login_throttle \
         where throttle_key in ($1, $2) and blocked_until > $3",
    )
    .bind(&keys.account)
    .bind(network)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, until)| Blocked {
            wait_secs: until - now,
            by_network: key.starts_with("network:"),
        })
        .max_by_key(|b| b.wait_secs))
}

/// Counts a failed attempt against both keys.
pub async fn record_failure(db: &Db, keys: &Keys, now: UnixTime) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    for key in keys.all() {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "select failures, window_started_at from login_throttle where throttle_key = $1",
        )
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        let (failures, window_started_at) = match row {
            Some((failures, started)) if started > now - WINDOW_SECS => (failures + 1, started),
            _ => (1, now),
        };
        let blocked_until = now
            + delay(
                key.starts_with("network:"),
                failures,
                window_started_at,
                now,
            );
        sqlx::query(
            "insert into login_throttle (throttle_key, failures, window_started_at, blocked_until) \
             values ($1, $2, $3, $4) on conflict (throttle_key) do update \
             set failures = $2, window_started_at = $3, blocked_until = $4",
        )
        .bind(key)
        .bind(failures)
        .bind(window_started_at)
        .bind(blocked_until)
        .execute(&mut **tx)
        .await?;
    }
    tx.commit().await
}

/// How long the next attempt must wait after `failures` in the current window.
fn delay(network: bool, failures: i64, window_started_at: UnixTime, now: UnixTime) -> i64 {
    if network {
        return if failures >= NETWORK_FAILURE_BUDGET {
            window_started_at + WINDOW_SECS - now
        } else {
            0
        };
    }
    let over = failures - ACCOUNT_FREE_FAILURES;
    if over < 0 {
        return 0;
    }
    let exponent = u32::try_from(over).unwrap_or(u32::MAX).min(10);
    ACCOUNT_FIRST_DELAY_SECS
        .saturating_mul(1 << exponent)
        .min(ACCOUNT_MAX_DELAY_SECS)
}

/// A successful login clears the account's count (not the network's).
pub async fn record_success(db: &Db, keys: &Keys) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_throttle where throttle_key = $1")
        .bind(&keys.account)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets windows long over.
pub async fn delete_expired(db: &Db, now: UnixTime) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "delete from login_throttle where window_started_at < $1 and blocked_until < $2",
    )
    .bind(now - WINDOW_SECS)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_longer_after_each_failure_beyond_five() {
        let waits: Vec<i64> = (1..=10).map(|n| delay(false, n, 0, 0)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 60, 120, 240, 480, 900, 900]);
    }

    #[test]
    fn a_network_waits_out_the_window_once_its_budget_is_spent() {
        assert_eq!(delay(true, 49, 0, 100), 0);
        assert_eq!(delay(true, 50, 0, 100), WINDOW_SECS - 100);
    }
}
