//! `/api/v1/audit/events` (filter, page, export as CSV) and `/api/v1/audit/verify`. The
//! log can be read, never changed.

use super::store::{self, AuditFilter, ListedEvent};
use super::{Problem as ChainProblem, Verification};
use crate::authz::{Policies, Principal};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::db::Db;
use crate::web::api::{Json, Kind, Page, PageQuery, Problem, ProblemBody, Query};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What the audit routes need: the database and the policy that says who may read.
pub struct AuditApi {
    pub db: Db,
    pub policies: Arc<Policies>,
    /// Records the chain holds the hashes of, checked with it.
    pub covered: Vec<super::CoveredCheck>,
}

pub fn api(state: Arc<AuditApi>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(verify_chain))
        .with_state(state)
}

impl AuditApi {
    pub fn require_reader(&self, by: &Principal) -> Result<(), Problem> {
        let decision = self.policies.decide(by, "audit.read", None);
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(Problem::new(Kind::Forbidden, decision.reason().to_string()))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub time: String,
    pub actor_kind: String,
    /// As stored and hashed: a client id, or a person's audit reference.
    pub actor_id: Option<String>,
    /// The person an actor reference leads to; absent once that person is erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_person_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    /// As stored and hashed: an id, or a person's audit reference.
    pub target_id: Option<String>,
    /// The person a target reference leads to; absent once that person is erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_person_id: Option<String>,
    pub customer_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<ListedEvent> for AuditEventView {
    fn from(listed: ListedEvent) -> Self {
        let e = listed.event;
        Self {
            actor_person_id: listed.actor_person_id,
            target_person_id: listed.target_person_id,
            seq: e.seq,
            time: rfc3339(e.occurred_at),
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            customer_id: e.customer_account_id,
            outcome: e.outcome,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Person or client id of the actor.
    pub actor: Option<String>,
    /// Id of what the action was done to.
    pub target: Option<String>,
    /// e.g. `person.disabled`.
    pub action: Option<String>,
    pub customer: Option<String>,
    /// From this time on (RFC 3339 or a date).
    pub from: Option<String>,
    /// Before this time (RFC 3339 or a date).
    pub to: Option<String>,
    /// `json` (default) or `csv` (every matching event, no paging).
    pub format: Option<String>,
}

impl AuditQuery {
    pub fn filter(&self) -> Result<AuditFilter, Problem> {
        let time = |text: &Option<String>, name: &str| {
            text.as_deref()
                .map(|t| {
                    parse_rfc3339(t).ok_or_else(|| {
                        Problem::new(
                            Kind::InvalidRequest,
                            format!("{name} must be an RFC 3339 time"),
                        )
                    })
                })
                .transpose()
        };
        Ok(AuditFilter {
            actor: self.actor.clone(),
            target: self.target.clone(),
            action: self.action.clone(),
            customer: self.customer.clone(),
            from: time(&self.from, "from")?,
            to: time(&self.to, "to")?,
            before_seq: None,
        })
    }
}

/// Audit events, newest first, filtered; `format=csv` exports every match.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit",
    params(AuditQuery, PageQuery),
    responses((status = 200, description = "OK", body = Page<AuditEventView>, content_type = "application/json"),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_events(
    State(state): State<Arc<AuditApi>>,
    by: Principal,
    Query(query): Query<AuditQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Response, Problem> {
    state.require_reader(&by)?;
    let mut filter = query.filter()?;
    match query.format.as_deref() {
        Some("csv") => return Ok(csv_response(state.db.clone(), filter)),
        None | Some("json") => {}
        Some(_) => {
            return Err(Problem::new(
                Kind::InvalidRequest,
                "format must be json or csv",
            ));
        }
    }
    let limit = page.limit()?;
    filter.before_seq = page.after()?;
    let rows = store::list(&state.db, &filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |e| e.event.seq);
    Ok(Json(page.map(AuditEventView::from)).into_response())
}

/// Streams matching events as CSV through a bounded channel: memory stays flat.
pub fn csv_response(db: Db, filter: AuditFilter) -> Response {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<ListedEvent>(256);
    tokio::spawn(async move {
        if let Err(error) = store::export(&db, &filter, sender).await {
            tracing::error!(error = %crate::web::error_chain(&error), "audit export failed");
        }
    });
    let header_line = futures_util::stream::once(async {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from_static(CSV_HEADER.as_bytes()))
    });
    let lines = futures_util::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|event| event.map(|e| Ok(bytes::Bytes::from(csv_line(&e)))))
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(header_line, lines));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-events.csv\""),
    );
    response
}

const CSV_HEADER: &str = "seq,time,actor_kind,actor_id,action,target_kind,target_id,customer_id,outcome,details,hash,actor_person_id,target_person_id\r\n";

fn csv_line(listed: &ListedEvent) -> String {
    let e = &listed.event;
    let fields = [
        e.seq.to_string(),
        rfc3339(e.occurred_at),
        e.actor_kind.clone(),
        e.actor_id.clone().unwrap_or_default(),
        e.action.clone(),
        e.target_kind.clone().unwrap_or_default(),
        e.target_id.clone().unwrap_or_default(),
        e.customer_account_id.clone().unwrap_or_default(),
        e.outcome.clone(),
        e.details.clone(),
        e.hash.clone(),
        listed.actor_person_id.clone().unwrap_or_default(),
        listed.target_person_id.clone().unwrap_or_default(),
    ];
    crate::web::csv::line(&fields)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub ok: bool,
    pub events: u64,
    pub verified_seq: i64,
    pub verified_hash: String,
    pub checkpoints_checked: u64,
    /// The first problem found, naming its event.
    pub problem: Option<String>,
    pub problem_seq: Option<i64>,
}

impl From<Verification> for VerificationView {
    fn from(v: Verification) -> Self {
        Self {
            ok: v.ok,
            events: v.events,
            verified_seq: v.verified_seq,
            verified_hash: v.verified_hash,
            checkpoints_checked: v.checkpoints_checked,
            problem_seq: v.problem.as_ref().map(ChainProblem::seq),
            problem: v.problem.map(|p| p.to_string()),
        }
    }
}

/// Recompute the hash chain and check saved checkpoints; names the first event that does
/// not fit.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "OK", body = VerificationView), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn verify_chain(
    State(state): State<Arc<AuditApi>>,
    by: Principal,
) -> Result<Json<VerificationView>, Problem> {
    state.require_reader(&by)?;
    let verification = super::verify_all(&state.db, &[], &state.covered).await?;
    Ok(Json(verification.into()))
}
