//! The register's routes: the queue by deadline, registering a request received outside
//! trohet, one request with each app's delivery state, and moving a request along; and the
//! views of a request the other privacy routes answer with.

use super::Privacy;
use super::notify::NotificationStatus;
use super::register::{Action, Channel, Kind, RequestFilter, RequestRow, Status};
use super::requests::NewRequestInput;
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::web::api::{
    Json, Kind as ProblemKind, Page, PageQuery, Path, Problem, ProblemBody, Query,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api(state: Arc<Privacy>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_requests, register_request))
        .routes(routes!(get_request))
        .routes(routes!(change_status))
        .with_state(state)
}

/// A data subject request as the register holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub kind: Kind,
    /// Absent once the person is erased.
    pub person_id: Option<String>,
    /// How the audit log names the person; kept after erasure, leading nowhere.
    pub subject_ref: Option<String>,
    /// For an objection: the purpose objected to.
    pub purpose: Option<String>,
    pub channel: Channel,
    /// How the requester's identity was verified.
    pub verification: String,
    pub received_at: String,
    /// The last day to answer (Art. 12(3)), `YYYY-MM-DD`.
    pub deadline: String,
    pub overdue: bool,
    pub status: Status,
    pub status_reason: Option<String>,
    /// When a pending erasure is to be carried out.
    pub act_at: Option<String>,
    pub completed_at: Option<String>,
    /// What was done, in order.
    pub actions: Vec<ActionView>,
    /// For a DPO's export: where to download it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<String>,
    /// How each portal app's notification went (erasure).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<NotificationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    pub at: String,
    pub what: String,
}

/// One app told about a request: `delivered`, `retrying` (since `queued_at`) or `failed`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub client_id: String,
    /// `security_event` or `logout_token`.
    pub kind: String,
    pub state: String,
    pub queued_at: String,
    pub attempts: i64,
    pub delivered_at: Option<String>,
    pub failed_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<NotificationStatus> for NotificationView {
    fn from(n: NotificationStatus) -> Self {
        let state = n.delivery().as_str();
        Self {
            client_id: n.client_id,
            kind: n.kind,
            state: state.into(),
            queued_at: rfc3339(n.queued_at),
            attempts: n.attempts,
            delivered_at: n.delivered_at.map(rfc3339),
            failed_at: n.failed_at.map(rfc3339),
            last_error: n.last_error,
        }
    }
}

impl RequestView {
    pub fn of(row: RequestRow, now: i64) -> Self {
        let actions = row
            .actions()
            .into_iter()
            .map(|Action { at, what }| ActionView {
                at: rfc3339(at),
                what,
            })
            .collect();
        Self {
            overdue: row.is_overdue(now),
            kind: row.kind().unwrap_or(Kind::Access),
            status: row.status(),
            channel: Channel::parse(&row.channel).unwrap_or(Channel::Api),
            id: row.dsr_id,
            person_id: row.person_id,
            subject_ref: row.subject_ref,
            purpose: row.purpose_id,
            verification: row.verification,
            received_at: rfc3339(row.received_at),
            deadline: row.deadline,
            status_reason: row.status_reason,
            act_at: row.act_at.map(rfc3339),
            completed_at: row.completed_at.map(rfc3339),
            actions,
            download: None,
            notifications: Vec::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// `open` (default): not completed or rejected; `all`.
    pub state: Option<String>,
    /// Only open requests past their deadline.
    pub overdue: Option<bool>,
    pub person: Option<String>,
    pub kind: Option<Kind>,
}

/// The register, by deadline: overdue requests first (`dsr.read`).
#[utoipa::path(get, path = "/api/v1/dsr", tag = "privacy",
    params(RequestQuery, PageQuery),
    responses((status = 200, description = "OK", body = Page<RequestView>),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_requests(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Query(query): Query<RequestQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<RequestView>>, Problem> {
    let now = state.clock.now();
    let open = match query.state.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(_) => {
            return Err(Problem::new(
                ProblemKind::InvalidRequest,
                "state must be open or all",
            ));
        }
    };
    let limit = page.limit()?;
    let filter = RequestFilter {
        open,
        overdue_at: query.overdue.unwrap_or(false).then_some(now),
        person_id: query.person,
        kind: query.kind,
        after: page.after()?,
    };
    let rows = state.list_requests(&by, &filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |r| (r.deadline.clone(), r.dsr_id.clone()));
    Ok(Json(page.map(|row| RequestView::of(row, now))))
}

/// A request received outside trohet (letter, phone, e-mail, in person).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestBody {
    pub kind: Kind,
    pub person_id: String,
    pub channel: Channel,
    /// How the requester's identity was verified.
    pub verification: String,
    /// For an objection: the purpose objected to.
    pub purpose: Option<String>,
}

/// Registers a request (`dsr.manage`); its deadline is one month from now.
#[utoipa::path(post, path = "/api/v1/dsr", tag = "privacy", request_body = NewRequestBody,
    responses((status = 201, description = "Registered", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn register_request(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Json(body): Json<NewRequestBody>,
) -> Result<(StatusCode, Json<RequestView>), Problem> {
    let input = NewRequestInput {
        kind: body.kind,
        person_id: &body.person_id,
        channel: body.channel,
        verification: &body.verification,
        purpose_id: body.purpose.as_deref(),
    };
    let row = state.register_request(&by, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(RequestView::of(row, state.clock.now())),
    ))
}

/// One request, with each portal app's notification status (`dsr.read`).
#[utoipa::path(get, path = "/api/v1/dsr/{request_id}", tag = "privacy",
    params(("request_id" = String, Path)),
    responses((status = 200, description = "OK", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn get_request(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(request_id): Path<String>,
) -> Result<Json<RequestView>, Problem> {
    let (row, notifications) = state.request(&by, &request_id).await?;
    let mut view = RequestView::of(row, state.clock.now());
    view.notifications = notifications
        .into_iter()
        .map(NotificationView::from)
        .collect();
    Ok(Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    /// Required for `rejected` and `extended`; an extension tells the person.
    pub reason: Option<String>,
}

/// Moves a request along (`dsr.manage`).
#[utoipa::path(post, path = "/api/v1/dsr/{request_id}/status", tag = "privacy",
    params(("request_id" = String, Path)), request_body = StatusChange,
    responses((status = 200, description = "Changed", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn change_status(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(request_id): Path<String>,
    Json(body): Json<StatusChange>,
) -> Result<Json<RequestView>, Problem> {
    let row = state
        .change_status(&by, &request_id, body.status, body.reason.as_deref())
        .await?;
    Ok(Json(RequestView::of(row, state.clock.now())))
}
