//! The consent context's SQL: purpose versions as served, subject keys, and the ledger.

use super::ledger::{Entry, VersionInfo};
use super::purpose::{Change, Purpose};
use crate::clock::UnixTime;
use crate::crypto;
use crate::db::{self, Bind, Conditions, Db, Tx};

/// Records the version of each purpose now served, if it is new.
pub async fn sync_versions<'a>(
    db: &Db,
    purposes: impl Iterator<Item = &'a Purpose>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    for purpose in purposes {
        let known: Option<(i64,)> = sqlx::query_as(
            "select seq from purpose_version where purpose_id = $1 and version = $2",
        )
        .bind(&purpose.id)
        .bind(&purpose.version)
        .fetch_optional(&mut **tx)
        .await?;
        if known.is_some() {
            continue;
        }
        let (last,): (i64,) = sqlx::query_as(
            "select coalesce(max(seq), 0) from purpose_version where purpose_id = $1",
        )
        .bind(&purpose.id)
        .fetch_one(&mut **tx)
        .await?;
        let material = last == 0 || purpose.change == Change::Material;
        sqlx::query(
            "insert into purpose_version \
             (purpose_id, version, seq, material, legal_basis, texts, first_served_at) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&purpose.id)
        .bind(&purpose.version)
        .bind(last + 1)
        .bind(i64::from(material))
        .bind(purpose.legal_basis.as_str())
        .bind(&purpose.texts_json)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    tx.commit().await
}

/// Every served version of every purpose, each purpose's in the order first served.
pub async fn versions(db: &Db) -> Result<Vec<(String, VersionInfo)>, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "select purpose_id, version, seq, material from purpose_version order by purpose_id, seq",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(purpose, version, seq, material)| {
            let info = VersionInfo {
                version,
                seq,
                material: material == 1,
            };
            (purpose, info)
        })
        .collect())
}

/// The person's subject key, if they have one (a person who never decided has none).
pub async fn subject_key(db: &Db, person_id: &str) -> Result<Option<[u8; 32]>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("select subject_key from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(key,)| decode_key(&key)))
}

/// The person's subject key, made on first use inside the caller's write transaction.
pub async fn subject_key_for_write(
    tx: &mut Tx,
    person_id: &str,
    now: UnixTime,
) -> Result<[u8; 32], sqlx::Error> {
    sqlx::query(
        "insert into subject_key (person_id, subject_key, pseudonym_secret, created_at) \
         values ($1, $2, $3, $4) on conflict (person_id) do nothing",
    )
    .bind(person_id)
    .bind(crypto::b64url(&crypto::random_bytes::<32>()))
    .bind(crypto::b64url(&crypto::random_bytes::<32>()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let (key,): (String,) =
        sqlx::query_as("select subject_key from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_one(&mut **tx)
            .await?;
    decode_key(&key).ok_or_else(|| sqlx::Error::Decode("malformed subject key".into()))
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    crypto::b64url_decode(text)?.try_into().ok()
}

const ENTRY_COLUMNS: &str = "receipt_id, subject, purpose_id, purpose_version, decision, \
     method, client_id, note, language, recorded_at, entry_hash, audit_seq";

pub async fn insert(tx: &mut Tx, entry: &Entry) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "insert into consent_event ({ENTRY_COLUMNS}) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&entry.receipt_id)
    .bind(&entry.subject)
    .bind(&entry.purpose_id)
    .bind(&entry.purpose_version)
    .bind(&entry.decision)
    .bind(&entry.method)
    .bind(&entry.client_id)
    .bind(&entry.note)
    .bind(&entry.language)
    .bind(entry.recorded_at)
    .bind(&entry.entry_hash)
    .bind(entry.audit_seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest decision of a subject on each purpose.
pub async fn latest(db: &Db, subject: &str) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from consent_event where consent_event_id in \
         (select max(consent_event_id) from consent_event where subject = $1 group by purpose_id)"
    ))
    .bind(subject)
    .fetch_all(db)
    .await
}

/// A subject's decisions, newest first, at most `limit`, each read as one JSON document.
pub async fn history(db: &Db, subject: &str, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select document from consent_event_document where subject = $1 \
         order by consent_event_id desc limit $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|(document,)| Entry::from_document(document))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| sqlx::Error::Decode("malformed consent_event_document".into()))
}

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

/// Ledger rows in order, with the audit event each one's hash was recorded in (`None`
/// when the row points at no event), a page after `after` (consent_event_id).
pub async fn ledger_page(
    db: &Db,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Entry, Option<(String, String)>)>, sqlx::Error> {
    let rows: Vec<LedgerRow> = sqlx::query_as(&format!(
        "select c.consent_event_id, {columns}, a.target_id as audit_target, \
         a.details as audit_details \
         from consent_event c left join audit_event a on a.seq = c.audit_seq \
         where c.consent_event_id > $1 order by c.consent_event_id limit $2",
        columns = ENTRY_COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let audit = row.audit_target.zip(row.audit_details);
            (row.consent_event_id, row.entry, audit)
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct LedgerRow {
    consent_event_id: i64,
    #[sqlx(flatten)]
    entry: Entry,
    audit_target: Option<String>,
    audit_details: Option<String>,
}

/// How many audit events record a consent decision (each must have its ledger row).
pub async fn audited_decisions(db: &Db) -> Result<i64, sqlx::Error> {
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from audit_event where target_kind = 'consent'")
            .fetch_one(db)
            .await?;
    Ok(count)
}

/// The latest decision of a subject on one purpose, read inside a write transaction.
pub async fn latest_on(
    tx: &mut Tx,
    subject: &str,
    purpose_id: &str,
) -> Result<Option<Entry>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from consent_event where subject = $1 and purpose_id = $2 \
         order by consent_event_id desc limit 1"
    ))
    .bind(subject)
    .bind(purpose_id)
    .fetch_optional(&mut **tx)
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

/// One entry of a subject, by receipt id.
pub async fn entry(db: &Db, subject: &str, receipt_id: &str) -> Result<Option<Entry>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from consent_event where subject = $1 and receipt_id = $2"
    ))
    .bind(subject)
    .bind(receipt_id)
    .fetch_optional(db)
    .await
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
        .push("p.status = 'active'", []);
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

/// (purpose, version, decision, people) over `consent_current`.
pub async fn decision_counts(db: &Db) -> Result<Vec<(String, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "select purpose_id, purpose_version, decision, count(*) from consent_current \
         group by purpose_id, purpose_version, decision",
    )
    .fetch_all(db)
    .await
}
