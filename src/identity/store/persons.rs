//! SQL of persons for administration: create without a password (one is set through an
//! invitation or reset link), read, search by email or name prefix in email order, update
//! with a version check, disable and enable, and staff roles.

use super::customers::{normalize, prefix_bounds};
use super::normalize_email;
use crate::clock::UnixTime;
use crate::db::{Bind, Conditions, Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub person_id: String,
    pub email: String,
    pub email_normalized: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub kind: String,
    pub status: String,
    pub created_at: i64,
    pub version: i64,
}

const COLUMNS: &str = "person.person_id, email, email_normalized, display_name, locale, kind, \
                       status, person.created_at, person.version";

pub struct NewPersonRecord<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub locale: Option<&'a str>,
    pub kind: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    new: &NewPersonRecord<'_>,
    now: UnixTime,
) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into person (person_id, email, email_normalized, display_name, name_normalized, \
         locale, kind, status, created_at) values ($1, $2, $3, $4, $5, $6, $7, 'active', $8)",
    )
    .bind(&id)
    .bind(new.email.trim())
    .bind(normalize_email(new.email))
    .bind(new.display_name.trim())
    .bind(normalize(new.display_name))
    .bind(new.locale)
    .bind(new.kind)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

pub async fn find(db: &Db, person_id: &str) -> Result<Option<PersonRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from person where person_id = $1"
    ))
    .bind(person_id)
    .fetch_optional(db)
    .await
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<PersonRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from person where email_normalized = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(db)
    .await
}

/// Which persons to list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Prefix of the email address or of the name, any case.
    pub q: Option<String>,
    pub status: Option<String>,
    /// Only members of these accounts; `None` means everyone.
    pub accounts: Option<Vec<String>>,
    /// The keyset cursor: the normalized email of the last row of the previous page.
    pub after: Option<String>,
}

pub async fn list(
    db: &Db,
    filter: &PersonFilter,
    limit: i64,
) -> Result<Vec<PersonRow>, sqlx::Error> {
    let mut c = Conditions::default();
    if let Some((low, high)) = filter.q.as_deref().and_then(prefix_bounds) {
        // Two index ranges joined by `or`; both backends use both indexes.
        c.push(
            "((email_normalized >= ? and email_normalized < ?) or \
             (name_normalized >= ? and name_normalized < ?))",
            [low.clone(), high.clone(), low, high].map(Bind::Text),
        );
    }
    if let Some(status) = &filter.status {
        c.push("status = ?", [Bind::Text(status.clone())]);
    }
    if let Some(accounts) = &filter.accounts {
        let marks = vec!["?"; accounts.len()].join(", ");
        match accounts.is_empty() {
            true => c.push("1 = 0", []),
            false => c.push(
                &format!(
                    "person_id in (select person_id from membership \
                     where customer_account_id in ({marks}))"
                ),
                accounts.iter().map(|a| Bind::Text(a.clone())),
            ),
        };
    }
    if let Some(after) = &filter.after {
        c.push("email_normalized > ?", [Bind::Text(after.clone())]);
    }
    let sql = format!(
        "select {COLUMNS} from person{} order by email_normalized limit ${}",
        c.sql(),
        c.next_placeholder()
    );
    c.bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Saves email, name and locale if the row is still at `version`.
pub async fn update(
    tx: &mut Tx,
    row: &PersonRow,
    version: i64,
) -> Result<Option<PersonRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update person set email = $1, email_normalized = $2, display_name = $3, \
         name_normalized = $4, locale = $5, version = version + 1 \
         where person_id = $6 and version = $7 returning {COLUMNS}"
    ))
    .bind(row.email.trim())
    .bind(normalize_email(&row.email))
    .bind(row.display_name.trim())
    .bind(normalize(&row.display_name))
    .bind(&row.locale)
    .bind(&row.person_id)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
}

/// Sets `active` or `disabled`; false if the person does not exist.
pub async fn set_status(tx: &mut Tx, person_id: &str, status: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("update person set status = $1, version = version + 1 where person_id = $2")
            .bind(status)
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn replace_staff_roles(
    tx: &mut Tx,
    person_id: &str,
    roles: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("delete from staff_role where person_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    for role in roles {
        sqlx::query("insert into staff_role (person_id, role) values ($1, $2)")
            .bind(person_id)
            .bind(role)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sets (or replaces) the person's password hash.
pub async fn set_password_hash(
    tx: &mut Tx,
    person_id: &str,
    hash: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into credential (person_id, password_hash, updated_at) values ($1, $2, $3) \
         on conflict (person_id) do update set password_hash = $2, updated_at = $3",
    )
    .bind(person_id)
    .bind(hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn has_password(db: &Db, person_id: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("select person_id from credential where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// Notes a sign-in: the inactivity clock and any warning start over.
pub async fn signed_in(tx: &mut Tx, person_id: &str, now: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update person set last_login_at = $2, inactivity_warned_at = null where person_id = $1",
    )
    .bind(person_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
