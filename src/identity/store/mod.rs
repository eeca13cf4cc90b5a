//! SQL of the identity context: customer accounts, persons, credentials and memberships.

pub mod customers;
pub mod email_changes;
pub mod invitations;
pub mod members;
pub mod persons;
pub mod resets;
pub mod subject_refs;

use super::IdentityError;
use crate::clock::UnixTime;
use crate::db::{self, Db};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CustomerAccount {
    pub customer_account_id: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKind {
    Staff,
    Customer,
}

impl PersonKind {
    fn as_str(self) -> &'static str {
        match self {
            PersonKind::Staff => "staff",
            PersonKind::Customer => "customer",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub person_id: String,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub kind: String,
    pub status: String,
    pub created_at: i64,
}

impl Person {
    pub fn is_staff(&self) -> bool {
        self.kind == PersonKind::Staff.as_str()
    }
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// A customer account a person belongs to, with their roles there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Membership {
    pub customer_account_id: String,
    pub customer_name: String,
    pub roles: Vec<String>,
}

/// What the store needs to create a person; validation happens before.
pub struct NewPersonRow<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub locale: Option<&'a str>,
    pub kind: PersonKind,
    pub password_hash: &'a str,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn insert_customer_account(
    db: &Db,
    name: &str,
    now: UnixTime,
) -> Result<String, IdentityError> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "insert into customer_account (customer_account_id, name, name_normalized, status, created_at) \
         values ($1, $2, $3, 'active', $4)",
    )
    .bind(&id)
    .bind(name)
    .bind(customers::normalize(name))
    .bind(now)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn find_customer_account(
    db: &Db,
    customer_account_id: &str,
) -> Result<Option<CustomerAccount>, IdentityError> {
    Ok(sqlx::query_as(
        "select customer_account_id, name, status, created_at from customer_account \
         where customer_account_id = $1",
    )
    .bind(customer_account_id)
    .fetch_optional(db)
    .await?)
}

/// Inserts the person, their credential, staff roles and memberships in one transaction.
pub async fn insert_person(
    db: &Db,
    person: NewPersonRow<'_>,
    staff_roles: &[String],
    memberships: &[(String, Vec<String>)],
    now: UnixTime,
) -> Result<String, IdentityError> {
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = db.begin().await?;
    sqlx::query(
        "insert into person (person_id, email, email_normalized, display_name, name_normalized, \
         locale, kind, status, created_at) values ($1, $2, $3, $4, $5, $6, $7, 'active', $8)",
    )
    .bind(&id)
    .bind(person.email.trim())
    .bind(normalize_email(person.email))
    .bind(person.display_name)
    .bind(customers::normalize(person.display_name))
    .bind(person.locale)
    .bind(person.kind.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if db::is_unique_violation(&e) {
            IdentityError::EmailTaken
        } else {
            e.into()
        }
    })?;
    sqlx::query(
        "insert into credential (person_id, password_hash, updated_at) values ($1, $2, $3)",
    )
    .bind(&id)
    .bind(person.password_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for role in staff_roles {
        sqlx::query("insert into staff_role (person_id, role) values ($1, $2)")
            .bind(&id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
    }
    for (customer_account_id, roles) in memberships {
        upsert_membership(&mut tx, &id, customer_account_id, roles, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn add_membership(
    db: &Db,
    person_id: &str,
    customer_account_id: &str,
    roles: &[String],
    now: UnixTime,
) -> Result<(), IdentityError> {
    let mut tx = db.begin().await?;
    upsert_membership(&mut tx, person_id, customer_account_id, roles, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn upsert_membership(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person_id: &str,
    customer_account_id: &str,
    roles: &[String],
    now: UnixTime,
) -> Result<(), IdentityError> {
    sqlx::query(
        "insert into membership (person_id, customer_account_id, created_at) values ($1, $2, $3) \
         on conflict (person_id, customer_account_id) do nothing",
    )
    .bind(person_id)
    .bind(customer_account_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if db::is_foreign_key_violation(&e) {
            IdentityError::UnknownCustomerAccount(customer_account_id.to_string())
        } else {
            e.into()
        }
    })?;
    for role in roles {
        sqlx::query(
            "insert into membership_role (person_id, customer_account_id, role) values ($1, $2, $3) \
             on conflict do nothing",
        )
        .bind(person_id)
        .bind(customer_account_id)
        .bind(role)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

const PERSON_COLUMNS: &str =
    "person.person_id, email, display_name, locale, kind, status, person.created_at";

pub async fn find_person(db: &Db, person_id: &str) -> Result<Option<Person>, IdentityError> {
    Ok(sqlx::query_as(&format!(
        "select {PERSON_COLUMNS} from person where person_id = $1"
    ))
    .bind(person_id)
    .fetch_optional(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    #[sqlx(flatten)]
    person: Person,
    password_hash: String,
}

/// The person and their password hash, for a login.
pub async fn find_login(db: &Db, email: &str) -> Result<Option<(Person, String)>, IdentityError> {
    let row: Option<LoginRow> = sqlx::query_as(&format!(
        "select {PERSON_COLUMNS}, credential.password_hash from person \
         join credential on credential.person_id = person.person_id \
         where email_normalized = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| (row.person, row.password_hash)))
}

/// The person and their password hash (if any), by id, for a password change.
pub async fn find_login_by_id(
    db: &Db,
    person_id: &str,
) -> Result<Option<(Person, Option<String>)>, IdentityError> {
    let Some(person) = find_person(db, person_id).await? else {
        return Ok(None);
    };
    let hash: Option<(String,)> =
        sqlx::query_as("select password_hash from credential where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(Some((person, hash.map(|(h,)| h))))
}

pub async fn memberships_of(db: &Db, person_id: &str) -> Result<Vec<Membership>, IdentityError> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select m.customer_account_id, c.name, r.role from membership m \
         join customer_account c on c.customer_account_id = m.customer_account_id \
         left join membership_role r on r.person_id = m.person_id \
              and r.customer_account_id = m.customer_account_id \
         where m.person_id = $1 and c.status = 'active' \
         order by c.name, m.customer_account_id, r.role",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    let mut memberships: Vec<Membership> = Vec::new();
    for (customer_account_id, customer_name, role) in rows {
        match memberships.last_mut() {
            Some(last) if last.customer_account_id == customer_account_id => {
                last.roles.extend(role);
            }
            _ => memberships.push(Membership {
                customer_account_id,
                customer_name,
                roles: role.into_iter().collect(),
            }),
        }
    }
    Ok(memberships)
}

pub async fn staff_roles_of(db: &Db, person_id: &str) -> Result<Vec<String>, IdentityError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("select role from staff_role where person_id = $1 order by role")
            .bind(person_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(role,)| role).collect())
}

/// The roles an active person holds right now, as an authorization principal: staff roles,
/// and memberships in active customer accounts only. `None` for an unknown or disabled
/// person.
pub async fn principal(
    db: &Db,
    person_id: &str,
) -> Result<Option<crate::authz::Principal>, IdentityError> {
    let Some(person) = find_person(db, person_id).await?.filter(Person::is_active) else {
        return Ok(None);
    };
    let staff_roles = staff_roles_of(db, person_id).await?;
    let memberships = memberships_of(db, person_id)
        .await?
        .into_iter()
        .map(|m| (m.customer_account_id, m.roles))
        .collect();
    Ok(Some(crate::authz::Principal {
        caller: crate::authz::Caller::Person(person.person_id),
        staff_roles,
        memberships,
    }))
}
