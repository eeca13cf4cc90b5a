//! The SQL of what is derived from the ledger or kept beside it: `consent_current` (each
//! person's latest decision per purpose, written in the ledger row's transaction), the
//! audiences and counts drawn from it, news topics, and "decide later" per session.

use super::ledger::Entry;
use super::store::{decode_key, latest};
use crate::clock::UnixTime;
use crate::db::{Bind, Conditions, Db, Tx};

/// Where a person stands, from `consent_current` and the ledger rows it points at; `None`
/// if there is no such person.
pub async fn current_of(db: &Db, person_id: &str) -> Result<Option<Vec<Entry>>, sqlx::Error> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "select p.person_id, d.document from person p \
         left join consent_current c on c.person_id = p.person_id \
         left join consent_event_document d on d.receipt_id = c.receipt_id \
         where p.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let entries = rows.iter().filter_map(|(_, document)| document.as_deref());
    entries
        .map(Entry::from_document)
        .collect::<Option<Vec<_>>>()
        .map(Some)
        .ok_or_else(|| sqlx::Error::Decode("malformed consent_event_document".into()))
}

/// Keeps `consent_current` in step with the ledger, in the ledger row's transaction.
pub async fn set_current(tx: &mut Tx, person_id: &str, entry: &Entry) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into consent_current (person_id, purpose_id, purpose_version, decision, receipt_id) \
         values ($1, $2, $3, $4, $5) on conflict (person_id, purpose_id) do update \
         set purpose_version = $3, decision = $4, receipt_id = $5",
    )
    .bind(person_id)
    .bind(&entry.purpose_id)
    .bind(&entry.purpose_version)
    .bind(&entry.decision)
    .bind(&entry.receipt_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// (person id, purpose, receipt id) of every row of `consent_current`, sorted.
pub async fn current_rows(db: &Db) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "select person_id, purpose_id, receipt_id from consent_current \
         order by person_id, purpose_id",
    )
    .fetch_all(db)
    .await
}

/// The same rows derived from the ledger alone, through each person's subject key.
pub async fn derived_current_rows(db: &Db) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let keys: Vec<(String, String)> =
        sqlx::query_as("select person_id, subject_key from subject_key order by person_id")
            .fetch_all(db)
            .await?;
    let mut rows = Vec::new();
    for (person_id, key) in keys {
        let Some(key) = decode_key(&key) else {
            continue;
        };
        for entry in latest(db, &super::ledger::subject_of(&key)).await? {
            rows.push((person_id.clone(), entry.purpose_id, entry.receipt_id));
        }
    }
    rows.sort();
    Ok(rows)
}

/// Replaces the person's topics, in the caller's transaction.
pub async fn set_interests(
    tx: &mut Tx,
    person_id: &str,
    topics: &[String],
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    forget_interests(tx, person_id).await?;
    for topic in topics {
        sqlx::query(
            "insert into person_interest (person_id, topic, chosen_at) values ($1, $2, $3)",
        )
        .bind(person_id)
        .bind(topic)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn forget_interests(tx: &mut Tx, person_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from person_interest where person_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn interests(db: &Db, person_id: &str) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> =
        sqlx::query_as("select topic from person_interest where person_id = $1 order by topic")
            .bind(person_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(topic,)| topic).collect())
}

/// Who an audience is drawn from: people who grant a purpose on one of `versions`, in an
/// active account, optionally narrowed.
pub struct AudienceFilter<'a> {
    pub purpose_id: &'a str,
    pub versions: &'a [String],
    pub customer: Option<&'a str>,
    pub role: Option<&'a str>,
    pub interest: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// A page of person ids in an audience, in person id order.
pub async fn audience(
    db: &Db,
    filter: &AudienceFilter<'_>,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let text = |value: &str| Bind::Text(value.to_string());
    let mut c = Conditions::default();
    c.push("c.purpose_id = ?", [text(filter.purpose_id)])
        .push("c.decision = 'granted'", [])
        .push("p.status = 'active'", [])
        // Art. 18: a restricted person's data is only kept, never used.
        .push("p.restricted_at is null", []);
    let marks = vec!["?"; filter.versions.len()].join(", ");
    let versions = filter.versions.iter().map(|v| text(v));
    c.push(&format!("c.purpose_version in ({marks})"), versions);
    if let Some(customer) = filter.customer {
        c.push(
            "exists (select 1 from membership m join customer_account a \
             on a.customer_account_id = m.customer_account_id where m.person_id = c.person_id \
             and a.status = 'active' and m.customer_account_id = ?)",
            [text(customer)],
        );
    }
    match (filter.role, filter.customer) {
        (Some(role), Some(customer)) => c.push(
            "exists (select 1 from membership_role r where r.person_id = c.person_id \
             and r.role = ? and r.customer_account_id = ?)",
            [text(role), text(customer)],
        ),
        (Some(role), None) => c.push(
            "exists (select 1 from membership_role r where r.person_id = c.person_id \
             and r.role = ?)",
            [text(role)],
        ),
        (None, _) => &mut c,
    };
    if let Some(interest) = filter.interest {
        c.push(
            "exists (select 1 from person_interest i where i.person_id = c.person_id \
             and i.topic = ?)",
            [text(interest)],
        );
    }
    if let Some(after) = filter.after {
        c.push("c.person_id > ?", [text(after)]);
    }
    let sql = format!(
        "select c.person_id from consent_current c join person p on p.person_id = c.person_id\
         {} order by c.person_id limit ${}",
        c.sql(),
        c.next_placeholder()
    );
    let rows: Vec<(String,)> = c
        .bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The people among `person_ids` (any number) who grant the purpose on one of `versions`,
/// are active and not restricted.
pub async fn granting_among(
    db: &Db,
    purpose_id: &str,
    versions: &[String],
    person_ids: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut found = std::collections::HashSet::new();
    if versions.is_empty() {
        return Ok(found);
    }
    for chunk in person_ids.chunks(500) {
        let sql = format!(
            "select c.person_id from consent_current c join person p on p.person_id = c.person_id \
             where c.purpose_id = $1 and c.decision = 'granted' and p.status = 'active' \
             and p.restricted_at is null and c.purpose_version in ({}) and c.person_id in ({})",
            crate::db::placeholders(2, versions.len()),
            crate::db::placeholders(2 + versions.len(), chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String,)>(&sql).bind(purpose_id);
        for value in versions.iter().chain(chunk) {
            query = query.bind(value);
        }
        found.extend(query.fetch_all(db).await?.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// (purpose, version, decision, people) over `consent_current`.
pub async fn decision_counts(db: &Db) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select purpose_id, purpose_version, decision, count(*) from consent_current \
         group by purpose_id, purpose_version, decision",
    )
    .fetch_all(db)
    .await
}

/// Whether this browser session chose "decide later" on the page after login.
pub async fn prompt_deferred(db: &Db, sid: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> =
        sqlx::query_as("select deferred_at from purpose_prompt_deferral where sid = $1")
            .bind(sid)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

pub async fn defer_prompt(db: &Db, sid: &str, now: UnixTime) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into purpose_prompt_deferral (sid, deferred_at) values ($1, $2) \
         on conflict (sid) do nothing",
    )
    .bind(sid)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether the person's processing is restricted (GDPR Art. 18).
pub async fn is_restricted(db: &Db, person_id: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("select restricted_at from person where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(matches!(row, Some((Some(_),))))
}
