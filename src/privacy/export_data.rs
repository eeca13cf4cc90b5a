//! What an export holds, read straight from every table that keeps something about a
//! person: found through the person id, the audit reference and the consent subject.
//! This is the one place that must know every such table; `tests/api/privacy_export.rs`
//! checks each category is present and no secret (password hash, token digest, key) is.

use crate::audit::chain::EventRef;
use crate::clock::rfc3339;
use crate::consent::ledger;
use crate::db::Db;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};

fn time<S: Serializer>(at: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

fn maybe_time<S: Serializer>(at: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&rfc3339(*at)),
        None => serializer.serialize_none(),
    }
}

/// A column holding JSON, exported as the JSON it holds.
fn json_text<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serde_json::from_str::<Value>(text)
        .unwrap_or(Value::Null)
        .serialize(serializer)
}

/// Rows per page when streaming the long sections.
pub const PAGE: i64 = 2_000;

/// The person's own row: `None` when there is no such person.
pub async fn profile(db: &Db, person_id: &str) -> Result<Option<Value>, sqlx::Error> {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        i64,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    let row: Option<Row> = sqlx::query_as(
        "select person_id, email, display_name, locale, kind, status, created_at, \
         legal_hold_reason, legal_hold_at, restricted_at from person where person_id = $1",
    )
    .bind(person_id)
    .fetch_optional(db)
    .await?;
    let password: Option<(i64,)> =
        sqlx::query_as("select updated_at from credential where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(id, email, name, locale, kind, status, created, hold, hold_at, restricted)| {
        json!({
            "id": id, "email": email, "name": name, "locale": locale, "kind": kind,
            "status": status, "created_at": rfc3339(created),
            "password_set_at": password.map(|(at,)| rfc3339(at)),
            "legal_hold": hold.map(|reason| json!({"reason": reason, "since": hold_at.map(rfc3339)})),
            "restricted_since": restricted.map(rfc3339),
        })
    }))
}

pub async fn memberships(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let rows: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
        "select m.customer_account_id, c.name, m.created_at, \
         (select string_agg(r.role, ' ') from membership_role r \
          where r.person_id = m.person_id and r.customer_account_id = m.customer_account_id) \
         from membership m join customer_account c on c.customer_account_id = m.customer_account_id \
         where m.person_id = $1 order by c.name",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|(id, name, since, roles)| {
                let mut roles: Vec<&str> = roles.as_deref().unwrap_or("").split_whitespace().collect();
                roles.sort_unstable();
                json!({"customer_id": id, "customer_name": name, "since": rfc3339(since), "roles": roles})
            })
            .collect(),
    ))
}

pub async fn staff_roles(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let rows: Vec<(String,)> =
        sqlx::query_as("select role from staff_role where person_id = $1 order by role")
            .bind(person_id)
            .fetch_all(db)
            .await?;
    Ok(json!(rows.into_iter().map(|(r,)| r).collect::<Vec<_>>()))
}

/// The portal apps that received the person's claims: when first and last, which scopes,
/// whether access is still live, and the identifier (`sub`) each app knows.
pub async fn apps(db: &Db, person_id: &str) -> Result<Vec<AppReceipt>, sqlx::Error> {
    sqlx::query_as(
        "select g.client_id, c.name as client_name, min(g.created_at) as first_at, \
         max(g.created_at) as last_at, string_agg(g.scope, ' ') as scopes, \
         sum(case when g.revoked_at is null then 1 else 0 end) as live \
         from oauth_grant g join client c on c.client_id = g.client_id \
         where g.person_id = $1 group by g.client_id, c.name order by c.name",
    )
    .bind(person_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppReceipt {
    pub client_id: String,
    pub client_name: String,
    pub first_at: i64,
    pub last_at: i64,
    pub scopes: String,
    pub live: i64,
}

impl AppReceipt {
    pub fn scopes(&self) -> Vec<&str> {
        let mut scopes: Vec<&str> = self.scopes.split_whitespace().collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }
}

pub async fn remembered_consent(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "select client_id, scope, granted_at, last_used_at from scope_grant \
         where person_id = $1 order by client_id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|(client, scope, granted, used)| {
                json!({"client_id": client, "scopes": scope.split_whitespace().collect::<Vec<_>>(),
                       "allowed_at": rfc3339(granted), "last_used_at": rfc3339(used)})
            })
            .collect(),
    ))
}

/// Sessions: times, browser and network; never the session secret.
pub async fn sessions(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    #[derive(sqlx::FromRow, Serialize)]
    struct Session {
        #[serde(serialize_with = "time")]
        started_at: i64,
        #[serde(serialize_with = "time")]
        signed_in_at: i64,
        #[serde(serialize_with = "time")]
        last_seen_at: i64,
        #[serde(serialize_with = "time")]
        expires_at: i64,
        user_agent: Option<String>,
        network: Option<String>,
    }
    let rows: Vec<Session> = sqlx::query_as(
        "select created_at as started_at, auth_time as signed_in_at, last_seen_at, expires_at, \
         user_agent, client_ip as network from session where person_id = $1 order by created_at desc",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(json!(rows))
}

/// Invitations sent to the person's address (not the ones they sent: those are about
/// others).
pub async fn invitations(db: &Db, email_normalized: &str) -> Result<Value, sqlx::Error> {
    #[derive(sqlx::FromRow, Serialize)]
    struct Invitation {
        customer_id: String,
        customer_name: String,
        #[serde(serialize_with = "json_text")]
        roles: String,
        #[serde(serialize_with = "time")]
        sent_at: i64,
        #[serde(serialize_with = "time")]
        expires_at: i64,
        #[serde(serialize_with = "maybe_time")]
        accepted_at: Option<i64>,
        #[serde(serialize_with = "maybe_time")]
        withdrawn_at: Option<i64>,
    }
    let rows: Vec<Invitation> = sqlx::query_as(
        "select i.customer_account_id as customer_id, c.name as customer_name, i.roles, \
         i.created_at as sent_at, i.expires_at, i.accepted_at, i.withdrawn_at from invitation i \
         join customer_account c on c.customer_account_id = i.customer_account_id \
         where i.email_normalized = $1 order by i.created_at",
    )
    .bind(email_normalized)
    .fetch_all(db)
    .await?;
    Ok(json!(rows))
}

pub async fn password_resets(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "select created_at, expires_at, used_at from password_reset where person_id = $1 \
         order by created_at",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|(created, expires, used)| {
                json!({"sent_at": rfc3339(created), "expires_at": rfc3339(expires),
                       "used_at": used.map(rfc3339)})
            })
            .collect(),
    ))
}

pub async fn interests(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select topic, chosen_at from person_interest where person_id = $1 order by topic",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|(topic, at)| json!({"topic": topic, "chosen_at": rfc3339(at)}))
            .collect(),
    ))
}

/// The person's data subject requests.
pub async fn requests(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    #[derive(sqlx::FromRow, Serialize)]
    struct Request {
        id: String,
        kind: String,
        channel: String,
        #[serde(serialize_with = "time")]
        received_at: i64,
        deadline: String,
        status: String,
        status_reason: Option<String>,
        #[serde(serialize_with = "maybe_time")]
        completed_at: Option<i64>,
    }
    let rows: Vec<Request> = sqlx::query_as(
        "select dsr_id as id, kind, channel, received_at, deadline, status, status_reason, \
         completed_at from dsr_request where person_id = $1 order by received_at",
    )
    .bind(person_id)
    .fetch_all(db)
    .await?;
    Ok(json!(rows))
}

/// Every text version of every purpose, so each ledger entry's words can be read.
pub async fn purpose_texts(db: &Db) -> Result<Value, sqlx::Error> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "select purpose_id, version, legal_basis, texts, first_served_at from purpose_version \
         order by purpose_id, seq",
    )
    .fetch_all(db)
    .await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|(purpose, version, basis, texts, served)| {
                json!({"purpose": purpose, "version": version, "legal_basis": basis,
                       "texts": serde_json::from_str::<Value>(&texts).unwrap_or(Value::Null),
                       "first_served_at": rfc3339(served)})
            })
            .collect(),
    ))
}

/// The consent subject and audit reference of a person, if they have them.
pub async fn keys(
    db: &Db,
    person_id: &str,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("select subject_key, audit_ref from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_optional(db)
            .await?;
    Ok(match row {
        Some((key, audit_ref)) => (
            crate::crypto::b64url_decode(&key)
                .and_then(|k| <[u8; 32]>::try_from(k).ok())
                .map(|k| ledger::subject_of(&k)),
            audit_ref,
        ),
        None => (None, None),
    })
}

/// A page of a long list: its rows as JSON, and the key to ask for the next page after.
pub struct ListPage {
    pub last: i64,
    pub rows: Vec<String>,
}

/// One row out of the database per page: the page's documents joined into one JSON text,
/// as `trohet audit verify` reads the chain. A row per item would cost a hand-off from
/// sqlx's SQLite thread each, which outweighed the rest of an export.
async fn documents(
    db: &Db,
    sql: &str,
    key: &str,
    after: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let (last, joined): (Option<i64>, Option<String>) = sqlx::query_as(sql)
        .bind(key)
        .bind(after)
        .bind(PAGE)
        .fetch_one(db)
        .await?;
    Ok(last
        .zip(joined)
        .map(|(last, joined)| (last, format!("[{joined}]"))))
}

fn decode(error: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(error))
}

/// One page of the person's consent decisions after `after` (a ledger row id).
pub async fn ledger_page(
    db: &Db,
    subject: &str,
    after: i64,
) -> Result<Option<ListPage>, sqlx::Error> {
    let sql = "select max(consent_event_id), string_agg(document, ',') from (\
         select consent_event_id, document from consent_event_document \
         where subject = $1 and consent_event_id > $2 order by consent_event_id limit $3) as page";
    let Some((last, joined)) = documents(db, sql, subject, after).await? else {
        return Ok(None);
    };
    let mut entries: Vec<serde_json::Value> = serde_json::from_str(&joined).map_err(decode)?;
    // No order inside the aggregate: the ledger's own order is its audit seq.
    entries.sort_by_key(|e| e[11].as_i64().unwrap_or_default());
    // The document's columns: receipt_id, subject, purpose_id, purpose_version, decision,
    // method, client_id, note, language, recorded_at, entry_hash, audit_seq.
    let rows = entries
        .iter()
        .map(|e| {
            let recorded_at = e[9].as_i64().map(rfc3339);
            json!({"receipt_id": e[0], "purpose": e[2], "version": e[3], "decision": e[4],
                   "method": e[5], "client_id": e[6], "note": e[7], "language": e[8],
                   "recorded_at": recorded_at})
            .to_string()
        })
        .collect();
    Ok(Some(ListPage { last, rows }))
}

/// One page of audit events naming the person (as actor or target) after `after` (a seq):
/// two keyset scans, each on its own index, merged (an `or` would collect and sort every
/// later event of the person for each page).
pub async fn audit_page(
    db: &Db,
    audit_ref: &str,
    after: i64,
) -> Result<Option<ListPage>, sqlx::Error> {
    let sql = "select max(seq), string_agg(document, ',') from audit_event_document where seq in (\
           select seq from (select seq from audit_event where actor_id = $1 and seq > $2 \
                            order by seq limit $3) as by_actor \
           union \
           select seq from (select seq from audit_event where target_id = $1 and seq > $2 \
                            order by seq limit $3) as by_target \
           order by seq limit $3)";
    let Some((last, joined)) = documents(db, sql, audit_ref, after).await? else {
        return Ok(None);
    };
    let mut events: Vec<EventRef<'_>> = serde_json::from_str(&joined).map_err(decode)?;
    events.sort_by_key(|e| e.seq);
    let rows = events
        .iter()
        .map(|event| ExportedEvent::of(event, audit_ref).to_json())
        .collect();
    Ok(Some(ListPage { last, rows }))
}

/// An audit event as the person sees it: who acted and on what, as far as it is theirs to
/// see (a person other than themselves is named by kind only).
#[derive(Serialize)]
struct ExportedEvent {
    seq: i64,
    time: String,
    actor: Option<Party>,
    action: String,
    target: Option<Party>,
    customer_id: Option<String>,
    outcome: String,
    details: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Party {
    Person { kind: &'static str, is_you: bool },
    Other { kind: String, id: Option<String> },
}

impl ExportedEvent {
    fn of(event: &EventRef<'_>, audit_ref: &str) -> Self {
        let party = |kind: Option<&str>, id: Option<&str>| match kind {
            Some("person") => Some(Party::Person {
                kind: "person",
                is_you: id == Some(audit_ref),
            }),
            Some(kind) => Some(Party::Other {
                kind: kind.to_string(),
                id: id.map(str::to_string),
            }),
            None => None,
        };
        let details = RawValue::from_string(event.details.to_string())
            .unwrap_or_else(|_| RawValue::from_string("null".into()).unwrap_or_default());
        Self {
            seq: event.seq,
            time: rfc3339(event.occurred_at),
            actor: party(Some(&event.actor_kind), event.actor_id.as_deref()),
            action: event.action.to_string(),
            target: party(event.target_kind.as_deref(), event.target_id.as_deref()),
            customer_id: event.customer_account_id.as_deref().map(str::to_string),
            outcome: event.outcome.to_string(),
            details,
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
