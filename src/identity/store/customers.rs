//! SQL of customer accounts for administration: create, read, list with filters in a
//! stable order (name, then id), update with a version check.

use crate::clock::UnixTime;
use crate::db::{Bind, Conditions, Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub customer_account_id: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
    pub version: i64,
    pub name_normalized: String,
}

const COLUMNS: &str = "customer_account_id, name, status, created_at, version, name_normalized";

/// Lowercased and trimmed: what prefix search and ordering compare.
pub fn normalize(text: &str) -> String {
    text.trim().to_lowercase()
}

pub async fn insert(tx: &mut Tx, name: &str, now: UnixTime) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into customer_account (customer_account_id, name, name_normalized, status, created_at) \
         values ($1, $2, $3, 'active', $4)",
    )
    .bind(&id)
    .bind(name)
    .bind(normalize(name))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from customer_account where customer_account_id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Which customer accounts to list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Prefix of the name, any case.
    pub q: Option<String>,
    pub status: Option<String>,
    /// Only these accounts (a customer admin's own); `None` means every account.
    pub only: Option<Vec<String>>,
    /// The keyset cursor: (normalized name, id) of the last row of the previous page.
    pub after: Option<(String, String)>,
}

/// `column in (?, ?, …)`; with no values a condition that holds for no row.
pub fn push_in(conditions: &mut Conditions, column: &str, values: &[String]) {
    if values.is_empty() {
        conditions.push("1 = 0", []);
        return;
    }
    let marks = vec!["?"; values.len()].join(", ");
    let binds = values.iter().map(|v| Bind::Text(v.clone()));
    conditions.push(&format!("{column} in ({marks})"), binds);
}

/// The range `[low, high)` holding every normalized text that starts with `prefix`: `high`
/// is the prefix with its last character incremented. Compared bytewise on both backends,
/// it is an index range, unlike `like`.
pub fn prefix_bounds(prefix: &str) -> Option<(String, String)> {
    let low = normalize(prefix);
    let mut high: Vec<char> = low.chars().collect();
    let next = char::from_u32(u32::from(high.pop()?) + 1)?;
    high.push(next);
    Some((low, high.into_iter().collect()))
}

/// `column >= low and column < high` for a prefix (nothing for an empty prefix).
pub fn push_prefix(conditions: &mut Conditions, column: &str, prefix: &str) {
    if let Some((low, high)) = prefix_bounds(prefix) {
        conditions.push(
            &format!("{column} >= ? and {column} < ?"),
            [Bind::Text(low), Bind::Text(high)],
        );
    }
}

pub async fn list(
    db: &Db,
    filter: &CustomerFilter,
    limit: i64,
) -> Result<Vec<CustomerRow>, sqlx::Error> {
    let mut c = Conditions::default();
    if let Some(q) = &filter.q {
        push_prefix(&mut c, "name_normalized", q);
    }
    if let Some(status) = &filter.status {
        c.push("status = ?", [Bind::Text(status.clone())]);
    }
    if let Some(only) = &filter.only {
        push_in(&mut c, "customer_account_id", only);
    }
    if let Some((name, id)) = &filter.after {
        c.push(
            "(name_normalized, customer_account_id) > (?, ?)",
            [Bind::Text(name.clone()), Bind::Text(id.clone())],
        );
    }
    let sql = format!(
        "select {COLUMNS} from customer_account{} \
         order by name_normalized, customer_account_id limit ${}",
        c.sql(),
        c.next_placeholder()
    );
    c.bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Sets name and status if the row is still at `version`; `None` when it is not (or gone).
pub async fn update(
    tx: &mut Tx,
    id: &str,
    name: &str,
    status: &str,
    version: i64,
) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update customer_account set name = $1, name_normalized = $2, status = $3, \
         version = version + 1 where customer_account_id = $4 and version = $5 \
         returning {COLUMNS}"
    ))
    .bind(name)
    .bind(normalize(name))
    .bind(status)
    .bind(id)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
}

/// Locks an account's row for the rest of the transaction (a portable `FOR UPDATE`), so
/// that rules spanning its memberships (the last customer admin) hold under concurrency.
pub async fn lock(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("update customer_account set version = version where customer_account_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}
