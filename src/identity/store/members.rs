//! SQL of memberships for administration: the members of one customer account with their
//! roles, one membership with its version, replacing roles, removing a member, and the
//! count that protects the last customer admin.

use crate::clock::UnixTime;
use crate::db::{Db, Tx};
use std::collections::BTreeMap;

/// A member as the account's admins see them: no other memberships, ever.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub person_id: String,
    pub email: String,
    pub email_normalized: String,
    pub display_name: String,
    pub status: String,
    pub roles: Vec<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct MemberBase {
    person_id: String,
    email: String,
    email_normalized: String,
    display_name: String,
    status: String,
    version: i64,
}

/// Members in email order after the keyset cursor (a normalized email).
pub async fn list(
    db: &Db,
    customer_account_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let base: Vec<MemberBase> = sqlx::query_as(
        "select p.person_id, p.email, p.email_normalized, p.display_name, p.status, m.version \
         from membership m join person p on p.person_id = m.person_id \
         where m.customer_account_id = $1 and p.email_normalized > $2 \
         order by p.email_normalized limit $3",
    )
    .bind(customer_account_id)
    .bind(after.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut roles = roles_in_account(db, customer_account_id, &base).await?;
    Ok(base
        .into_iter()
        .map(|b| MemberRow {
            roles: roles.remove(&b.person_id).unwrap_or_default(),
            person_id: b.person_id,
            email: b.email,
            email_normalized: b.email_normalized,
            display_name: b.display_name,
            status: b.status,
            version: b.version,
        })
        .collect())
}

async fn roles_in_account(
    db: &Db,
    customer_account_id: &str,
    members: &[MemberBase],
) -> Result<BTreeMap<String, Vec<String>>, sqlx::Error> {
    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (Some(first), Some(last)) = (members.first(), members.last()) else {
        return Ok(roles);
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select r.person_id, r.role from membership_role r join person p on p.person_id = r.person_id \
         where r.customer_account_id = $1 and p.email_normalized between $2 and $3 \
         order by r.role",
    )
    .bind(customer_account_id)
    .bind(&first.email_normalized)
    .bind(&last.email_normalized)
    .fetch_all(db)
    .await?;
    for (person_id, role) in rows {
        roles.entry(person_id).or_default().push(role);
    }
    Ok(roles)
}

/// One membership: its version and roles, or `None`.
pub async fn find(
    tx: &mut Tx,
    customer_account_id: &str,
    person_id: &str,
) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    let version: Option<(i64,)> = sqlx::query_as(
        "select version from membership where customer_account_id = $1 and person_id = $2",
    )
    .bind(customer_account_id)
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((version,)) = version else {
        return Ok(None);
    };
    let roles: Vec<(String,)> = sqlx::query_as(
        "select role from membership_role where customer_account_id = $1 and person_id = $2 \
         order by role",
    )
    .bind(customer_account_id)
    .bind(person_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some((version, roles.into_iter().map(|(r,)| r).collect())))
}

/// Creates the membership or replaces its roles; returns the new version.
pub async fn put(
    tx: &mut Tx,
    customer_account_id: &str,
    person_id: &str,
    roles: &[String],
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    let (version,): (i64,) = sqlx::query_as(
        "insert into membership (person_id, customer_account_id, created_at) values ($1, $2, $3) \
         on conflict (person_id, customer_account_id) do update set version = membership.version + 1 \
         returning version",
    )
    .bind(person_id)
    .bind(customer_account_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("delete from membership_role where customer_account_id = $1 and person_id = $2")
        .bind(customer_account_id)
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    for role in roles {
        sqlx::query(
            "insert into membership_role (person_id, customer_account_id, role) values ($1, $2, $3)",
        )
        .bind(person_id)
        .bind(customer_account_id)
        .bind(role)
        .execute(&mut **tx)
        .await?;
    }
    Ok(version)
}

pub async fn delete(
    tx: &mut Tx,
    customer_account_id: &str,
    person_id: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("delete from membership where customer_account_id = $1 and person_id = $2")
            .bind(customer_account_id)
            .bind(person_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// How many active persons other than `except` hold `role` in the account.
pub async fn count_others_with_role(
    tx: &mut Tx,
    customer_account_id: &str,
    role: &str,
    except: &str,
) -> Result<i64, sqlx::Error> {
    let (count,): (i64,) = sqlx::query_as(
        "select count(*) from membership_role r join person p on p.person_id = r.person_id \
         where r.customer_account_id = $1 and r.role = $2 and p.status = 'active' \
         and r.person_id <> $3",
    )
    .bind(customer_account_id)
    .bind(role)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?;
    Ok(count)
}

/// Every membership of a person with the account's name and status (staff view).
pub async fn of_person(
    db: &Db,
    person_id: &str,
) -> Result<Vec<(String, String, String, Vec<String>)>, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "select c.customer_account_id, c.name, c.status, r.role from membership m \
         join customer_account c on c.customer_account_id = m.customer_account_id \
         left join membership_role r on r.person_id = m.person_id \
              and r.customer_account_id = m.customer_account_id \
         where m.person_id = $1 order by c.name_normalized, c.customer_account_id, r.role",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    let mut memberships: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for (id, name, status, role) in rows {
        match memberships.last_mut() {
            Some(last) if last.0 == id => last.3.extend(role),
            _ => memberships.push((id, name, status, role.into_iter().collect())),
        }
    }
    Ok(memberships)
}
