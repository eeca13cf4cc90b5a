//! The consent context's SQL: purpose versions as served, subject keys, and the ledger.
//! The current-state cache and what hangs on it are in `current.rs`.

use super::ledger::{Entry, VersionInfo};
use super::purpose::{Change, Purpose};
use crate::clock::UnixTime;
use crate::crypto;
use crate::db::{self, Db, Tx};

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

pub(super) fn decode_key(text: &str) -> Option<[u8; 32]> {
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
    let (count,): (i64,) = sqlx::query_as(
        "select count(*) from audit_event where target_kind = 'consent' \
             and seq not in (select audit_seq from consent_pruned)",
    )
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
