//! The privacy API: exports and erasure of a person (the DPO's), legal holds, restriction
//! and objection, and running the retention janitor. The register's own routes are in
//! `register_routes.rs`.

use super::Privacy;
use super::erasure::ErasureInput;
use super::janitor::Janitor;
use super::register::Channel;
use super::register_routes::{NotificationView, RequestView};
use crate::authz::Principal;
use crate::web::api::{Json, Kind as ProblemKind, Path, Problem, ProblemBody, Query};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api(state: Arc<Privacy>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(create_export))
        .routes(routes!(download_export))
        .routes(routes!(erase_person))
        .routes(routes!(set_legal_hold, lift_legal_hold))
        .routes(routes!(restrict, lift_restriction))
        .routes(routes!(object))
        .with_state(state.clone())
        .merge(super::register_routes::api(state))
}

/// How a request reached the DPO, and how the requester was identified.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Received {
    /// Default `api`.
    pub channel: Option<Channel>,
    /// e.g. "signed letter, ID checked against the customer's HR contact". Default: "by the
    /// data protection officer".
    pub verification: Option<String>,
}

impl Received {
    fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Api)
    }

    fn verification(&self) -> &str {
        self.verification
            .as_deref()
            .unwrap_or("by the data protection officer")
    }
}

/// Exports everything held about a person (`persons.export`): registers an access request
/// and answers where to download the zip.
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/exports", tag = "privacy",
    params(("person_id" = String, Path)), request_body(content = Received, description = "Optional"),
    responses((status = 201, description = "Registered; download at `download`", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn create_export(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<RequestView>), Problem> {
    let received: Received = optional_json(&body)?;
    let row = state
        .request_export(&by, &person_id, received.channel(), received.verification())
        .await?;
    let mut view = RequestView::of(row, state.clock.now());
    view.download = Some(format!("/api/v1/exports/{}", view.id));
    Ok((StatusCode::CREATED, Json(view)))
}

/// Downloads an export as a zip (`persons.export`), streamed; completes the request.
#[utoipa::path(get, path = "/api/v1/exports/{request_id}", tag = "privacy",
    params(("request_id" = String, Path)),
    responses((status = 200, description = "The zip: data.json and index.html", content_type = "application/zip"),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn download_export(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(request_id): Path<String>,
) -> Result<Response, Problem> {
    let row = state.export_request(&by, &request_id).await?;
    let person_id = row.person_id.clone().unwrap_or_default();
    let summary = state.summary(&person_id).await?.ok_or_else(|| {
        Problem::new(
            ProblemKind::Conflict,
            "the person of this request has been erased",
        )
    })?;
    state.export_downloaded(&row).await?;
    Ok(zip_response(
        state.export_body(summary, row.dsr_id),
        &person_id,
    ))
}

/// A JSON body that may be left out altogether.
fn optional_json<T: Default + serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            ProblemKind::InvalidRequest,
            format!("the body is not valid: {e}"),
        )
    })
}

/// A streamed zip as an attachment.
pub fn zip_response(body: axum::body::Body, person_id: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let disposition = format!("attachment; filename=\"personal-data-{person_id}.zip\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An erasure asked of the DPO.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    pub channel: Option<Channel>,
    pub verification: Option<String>,
    /// Erase now (default), or after the configured grace period.
    pub at_once: Option<bool>,
}

/// Erases a person (`persons.erase`): registered, carried out at once unless `at_once` is
/// false, and each portal app that received the person's data is told. 409 `legal-hold`
/// when the DPO holds the data (the refusal is registered too).
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/erasure", tag = "privacy",
    params(("person_id" = String, Path)), request_body(content = ErasureRequest, description = "Optional"),
    responses((status = 200, description = "Erased (or scheduled): the request", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn erase_person(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
    body: Bytes,
) -> Result<Json<RequestView>, Problem> {
    let body: ErasureRequest = optional_json(&body)?;
    let input = ErasureInput {
        channel: body.channel.unwrap_or(Channel::Api),
        verification: body
            .verification
            .as_deref()
            .unwrap_or("by the data protection officer"),
        at_once: body.at_once.unwrap_or(true),
    };
    let row = state.request_erasure(&by, &person_id, input).await?;
    let (row, notifications) = state.request(&by, &row.dsr_id).await?;
    let mut view = RequestView::of(row, state.clock.now());
    view.notifications = notifications
        .into_iter()
        .map(NotificationView::from)
        .collect();
    Ok(Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHold {
    /// Why the data must be kept (Art. 17(3)), e.g. "pending litigation, case 2026-114".
    pub reason: String,
}

/// Puts a person's data under a legal hold (`persons.erase`): erasure is refused until lifted.
#[utoipa::path(put, path = "/api/v1/persons/{person_id}/legal-hold", tag = "privacy",
    params(("person_id" = String, Path)), request_body = LegalHold,
    responses((status = 204, description = "Held"),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn set_legal_hold(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
    Json(body): Json<LegalHold>,
) -> Result<StatusCode, Problem> {
    state
        .set_legal_hold(&by, &person_id, Some(&body.reason))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts a legal hold (`persons.erase`).
#[utoipa::path(delete, path = "/api/v1/persons/{person_id}/legal-hold", tag = "privacy",
    params(("person_id" = String, Path)),
    responses((status = 204, description = "Lifted"),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn lift_legal_hold(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<StatusCode, Problem> {
    state.set_legal_hold(&by, &person_id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which registered request an action answers; without one, a request is registered.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answering {
    pub request_id: Option<String>,
}

/// Restricts a person's processing (Art. 18; `dsr.manage`): their data stays, audiences
/// skip them and apps reading their consent see nothing allowed.
#[utoipa::path(put, path = "/api/v1/persons/{person_id}/restriction", tag = "privacy",
    params(("person_id" = String, Path)), request_body(content = Answering, description = "Optional"),
    responses((status = 200, description = "Restricted: the answered request", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn restrict(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
    body: Bytes,
) -> Result<Json<RequestView>, Problem> {
    let answering: Answering = optional_json(&body)?;
    let row = state
        .restrict(&by, &person_id, answering.request_id.as_deref())
        .await?;
    Ok(Json(RequestView::of(row, state.clock.now())))
}

/// Lifts a restriction (`dsr.manage`); logged.
#[utoipa::path(delete, path = "/api/v1/persons/{person_id}/restriction", tag = "privacy",
    params(("person_id" = String, Path)),
    responses((status = 204, description = "Lifted"),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn lift_restriction(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<StatusCode, Problem> {
    state.lift_restriction(&by, &person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    /// The purpose objected to (on consent or legitimate interest).
    pub purpose: String,
    pub request_id: Option<String>,
}

/// Records a person's objection to a purpose (Art. 21; `dsr.manage`): it works like a
/// withdrawal, in the consent ledger.
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/objections", tag = "privacy",
    params(("person_id" = String, Path)), request_body = Objection,
    responses((status = 200, description = "Recorded: the answered request", body = RequestView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn object(
    State(state): State<Arc<Privacy>>,
    by: Principal,
    Path(person_id): Path<String>,
    Json(body): Json<Objection>,
) -> Result<Json<RequestView>, Problem> {
    let row = state
        .object(&by, &person_id, &body.purpose, body.request_id.as_deref())
        .await?;
    Ok(Json(RequestView::of(row, state.clock.now())))
}

/// The retention janitor's routes.
pub fn retention_api(janitor: Arc<Janitor>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(run_retention))
        .with_state(janitor)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetentionRun {
    /// Only count what would go.
    pub dry_run: Option<bool>,
}

/// Enforces `policies/retention.toml` now (`retention.run`; the server also does every 10
/// minutes); with `dry_run=true`, counts what would go. 409 while another instance runs it.
#[utoipa::path(post, path = "/api/v1/retention/run", tag = "privacy", params(RetentionRun),
    responses((status = 200, description = "What went (or would go)", body = Object),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn run_retention(
    State(janitor): State<Arc<Janitor>>,
    by: Principal,
    Query(query): Query<RetentionRun>,
) -> Result<Json<serde_json::Value>, Problem> {
    let decision = janitor.privacy.policies.decide(&by, "retention.run", None);
    if !decision.is_allowed() {
        return Err(super::PrivacyError::denied(decision, "retention").into());
    }
    let report = janitor
        .run(query.dry_run.unwrap_or(false))
        .await?
        .ok_or_else(|| {
            Problem::new(
                ProblemKind::Conflict,
                "another instance is enforcing retention right now",
            )
        })?;
    Ok(Json(serde_json::to_value(report).unwrap_or_default()))
}
