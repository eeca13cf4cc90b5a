//! The register of data subject requests (GDPR Art. 12 to 22, and the record an authority
//! asks for under Art. 5(2)): what was asked, when and how, how the requester was
//! identified, where it stands, its deadline, and what was done.

use super::deadline;
use crate::clock::UnixTime;
use crate::db::{Bind, Conditions, Db, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Art. 15: what is held, and why.
    Access,
    /// Art. 20: the data in a machine-readable form.
    Portability,
    /// Art. 17.
    Erasure,
    /// Art. 16.
    Rectification,
    /// Art. 18.
    Restriction,
    /// Art. 21.
    Objection,
}

/// How the request reached the portal owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    SelfService,
    Email,
    Letter,
    Phone,
    InPerson,
    Api,
    /// Opened by the janitor: a person inactive past `policies/retention.toml`.
    Retention,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Verified,
    InProgress,
    Completed,
    Rejected,
    Extended,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

text_enum!(Kind { Access = "access", Portability = "portability", Erasure = "erasure",
    Rectification = "rectification", Restriction = "restriction", Objection = "objection" });
text_enum!(Channel { SelfService = "self_service", Email = "email", Letter = "letter",
    Phone = "phone", InPerson = "in_person", Api = "api", Retention = "retention" });
text_enum!(Status { Received = "received", Verified = "verified", InProgress = "in_progress",
    Completed = "completed", Rejected = "rejected", Extended = "extended" });

impl Status {
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Completed | Status::Rejected)
    }
}

/// One step taken on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Action {
    /// Unix seconds.
    pub at: i64,
    pub what: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub dsr_id: String,
    pub kind: String,
    pub person_id: Option<String>,
    pub subject_ref: Option<String>,
    pub purpose_id: Option<String>,
    pub channel: String,
    pub verification: String,
    pub received_at: i64,
    pub deadline: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub act_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub actions: String,
    pub version: i64,
}

impl RequestRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Received)
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind)
    }

    pub fn actions(&self) -> Vec<Action> {
        serde_json::from_str(&self.actions).unwrap_or_default()
    }

    pub fn is_overdue(&self, now: UnixTime) -> bool {
        !self.status().is_closed() && deadline::is_overdue(&self.deadline, now)
    }
}

const COLUMNS: &str = "dsr_id, kind, person_id, subject_ref, purpose_id, channel, verification, \
     received_at, deadline, status, status_reason, act_at, completed_at, actions, version";

/// A request as registered.
pub struct NewRequest<'a> {
    pub kind: Kind,
    pub person_id: &'a str,
    pub subject_ref: &'a str,
    pub purpose_id: Option<&'a str>,
    pub channel: Channel,
    pub verification: &'a str,
    pub status: Status,
    /// When an erasure is to be carried out.
    pub act_at: Option<UnixTime>,
    pub first_action: &'a str,
}

pub async fn insert(
    tx: &mut Tx,
    new: &NewRequest<'_>,
    now: UnixTime,
) -> Result<RequestRow, sqlx::Error> {
    let actions = vec![Action {
        at: now,
        what: new.first_action.to_string(),
    }];
    sqlx::query_as(&format!(
        "insert into dsr_request (dsr_id, kind, person_id, subject_ref, purpose_id, channel, \
         verification, received_at, deadline, status, act_at, actions) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning {COLUMNS}"
    ))
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(new.kind.as_str())
    .bind(new.person_id)
    .bind(new.subject_ref)
    .bind(new.purpose_id)
    .bind(new.channel.as_str())
    .bind(new.verification)
    .bind(now)
    .bind(deadline::deadline(now, deadline::MONTHS))
    .bind(new.status.as_str())
    .bind(new.act_at)
    .bind(serde_json::to_string(&actions).unwrap_or_default())
    .fetch_one(&mut **tx)
    .await
}

pub async fn find(db: &Db, dsr_id: &str) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from dsr_request where dsr_id = $1"
    ))
    .bind(dsr_id)
    .fetch_optional(db)
    .await
}

/// The request, locked for change in the caller's write transaction.
pub async fn find_for_update(tx: &mut Tx, dsr_id: &str) -> Result<Option<RequestRow>, sqlx::Error> {
    // A no-op update: the portable `select … for update` (see `db::lock_chain_head`).
    sqlx::query_as(&format!(
        "update dsr_request set version = version where dsr_id = $1 returning {COLUMNS}"
    ))
    .bind(dsr_id)
    .fetch_optional(&mut **tx)
    .await
}

/// What changes on a request; `None` leaves a field as it is.
#[derive(Default)]
pub struct Change {
    pub status: Option<Status>,
    pub status_reason: Option<String>,
    pub deadline: Option<String>,
    /// `Some(None)` clears it (the job is done or cancelled).
    pub act_at: Option<Option<UnixTime>>,
    pub completed: bool,
    pub action: Option<String>,
}

pub async fn update(
    tx: &mut Tx,
    row: &RequestRow,
    change: Change,
    now: UnixTime,
) -> Result<RequestRow, sqlx::Error> {
    let mut actions = row.actions();
    if let Some(what) = change.action {
        actions.push(Action { at: now, what });
    }
    let status = change.status.unwrap_or(row.status());
    sqlx::query_as(&format!(
        "update dsr_request set status = $2, status_reason = $3, deadline = $4, act_at = $5, \
         completed_at = $6, actions = $7, version = version + 1 where dsr_id = $1 \
         returning {COLUMNS}"
    ))
    .bind(&row.dsr_id)
    .bind(status.as_str())
    .bind(change.status_reason.or(row.status_reason.clone()))
    .bind(change.deadline.unwrap_or(row.deadline.clone()))
    .bind(change.act_at.unwrap_or(row.act_at))
    .bind(if change.completed {
        Some(now)
    } else {
        row.completed_at
    })
    .bind(serde_json::to_string(&actions).unwrap_or_default())
    .fetch_one(&mut **tx)
    .await
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Only requests not yet completed or rejected.
    pub open: bool,
    /// Only open requests past their deadline at this time.
    pub overdue_at: Option<UnixTime>,
    pub person_id: Option<String>,
    pub kind: Option<Kind>,
    /// Keyset cursor: after this (deadline, id).
    pub after: Option<(String, String)>,
}

/// Sorted by deadline (so overdue ones come first), then id.
pub async fn list(
    db: &Db,
    filter: &RequestFilter,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let mut c = Conditions::default();
    if filter.open || filter.overdue_at.is_some() {
        c.push("status not in ('completed', 'rejected')", []);
    }
    if let Some(now) = filter.overdue_at {
        c.push("deadline < ?", [Bind::Text(crate::clock::date_text(now))]);
    }
    if let Some(person) = &filter.person_id {
        c.push("person_id = ?", [Bind::Text(person.clone())]);
    }
    if let Some(kind) = filter.kind {
        c.push("kind = ?", [Bind::Text(kind.as_str().to_string())]);
    }
    if let Some((deadline, id)) = &filter.after {
        c.push(
            "(deadline > ? or (deadline = ? and dsr_id > ?))",
            [
                Bind::Text(deadline.clone()),
                Bind::Text(deadline.clone()),
                Bind::Text(id.clone()),
            ],
        );
    }
    let sql = format!(
        "select {COLUMNS} from dsr_request{} order by deadline, dsr_id limit ${}",
        c.sql(),
        c.next_placeholder()
    );
    c.bind_to(sqlx::query_as(&sql))
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Erasures whose time has come (the worker's queue).
pub async fn due_erasures(db: &Db, now: UnixTime) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select dsr_id from dsr_request where act_at is not null and act_at <= $1 \
         and kind = 'erasure' and status not in ('completed', 'rejected') order by act_at",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The pending erasure a person asked for, if any (to offer cancelling it).
pub async fn pending_erasure(db: &Db, person_id: &str) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from dsr_request where person_id = $1 and kind = 'erasure' \
         and status not in ('completed', 'rejected') order by received_at desc limit 1"
    ))
    .bind(person_id)
    .fetch_optional(db)
    .await
}

/// (open, overdue) requests, for the metrics gauge.
pub async fn counts(db: &Db, now: UnixTime) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "select count(*), coalesce(sum(case when deadline < $1 then 1 else 0 end), 0) \
         from dsr_request where status not in ('completed', 'rejected')",
    )
    .bind(crate::clock::date_text(now))
    .fetch_one(db)
    .await
}

/// The register as identity sees it (see [`crate::identity::RequestRegister`]).
pub struct Register;

impl crate::identity::RequestRegister for Register {
    fn rectified<'a>(
        &'a self,
        tx: &'a mut Tx,
        person_id: &'a str,
        verification: &'a str,
        what: &'a str,
        now: UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<String, sqlx::Error>> {
        Box::pin(async move {
            let subject_ref = crate::identity::store::subject_refs::for_write(tx, person_id, now)
                .await?
                .unwrap_or_default();
            let new = NewRequest {
                kind: Kind::Rectification,
                person_id,
                subject_ref: &subject_ref,
                purpose_id: None,
                channel: Channel::SelfService,
                verification,
                status: Status::Received,
                act_at: None,
                first_action: "received",
            };
            let row = insert(tx, &new, now).await?;
            let done = Change {
                status: Some(Status::Completed),
                completed: true,
                action: Some(what.to_string()),
                ..Default::default()
            };
            Ok(update(tx, &row, done, now).await?.dsr_id)
        })
    }
}
