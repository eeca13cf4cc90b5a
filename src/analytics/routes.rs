//! The analytics API: events in (`analytics:write`), survey timing (`surveys:read`), and
//! customer health out (`analytics.read`) as JSON or CSV.

use super::Analytics;
use super::csv;
use super::ingest::IngestReport;
use super::portfolio::{Portfolio, PortfolioQuery};
use super::report::{CustomerHealth, HealthQuery};
use super::survey::Due;
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::web::api::{Bearer, Json, Kind, Path, Problem, ProblemBody, Query};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Lets a portal back-end send events (client_credentials).
pub const ANALYTICS_WRITE_SCOPE: &str = "analytics:write";
/// Lets a portal back-end ask whether to survey a person (client_credentials).
pub const SURVEYS_READ_SCOPE: &str = "surveys:read";
/// A batch of 1,000 events is about 250 KiB; other API bodies stay at 64 KiB.
pub const EVENTS_BODY_LIMIT: usize = 1024 * 1024;

pub fn api(state: Arc<Analytics>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(post_events))
        .layer(DefaultBodyLimit::max(EVENTS_BODY_LIMIT))
        .routes(routes!(survey_due))
        .routes(routes!(customer_health))
        .routes(routes!(portfolio))
        .with_state(state)
}

/// A batch of events.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventBatch {
    /// Up to 1,000 events; each is checked on its own.
    #[schema(value_type = Vec<super::event::IncomingEvent>)]
    pub events: Vec<serde_json::Value>,
}

/// Send portal events (a client_credentials token with scope `analytics:write`). Events of
/// people who have not granted the purpose they need, or are restricted, are counted under
/// `dropped_no_consent` and not stored; bad events are refused one by one with a reason;
/// a retried event (same idempotency key) is counted once.
#[utoipa::path(post, path = "/api/v1/events", tag = "analytics", request_body = EventBatch,
    responses((status = 200, description = "What became of each event", body = IngestReport),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn post_events(
    State(analytics): State<Arc<Analytics>>,
    bearer: Bearer,
    Json(batch): Json<EventBatch>,
) -> Result<Json<IngestReport>, Problem> {
    let client = bearer.client_with(ANALYTICS_WRITE_SCOPE)?;
    Ok(Json(analytics.ingest(client, batch.events).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The person as the calling client knows them.
    pub sub: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyDue {
    /// Ask the relationship NPS now. Only one caller is told so per interval.
    pub due: bool,
    /// `no_consent` when the person has not granted `satisfaction-surveys`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it is next due (RFC 3339); absent without consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<String>,
}

/// Whether to ask this person the relationship NPS now (a client_credentials token with
/// scope `surveys:read`). A CSAT question after a touchpoint needs no timing: ask at once
/// if the person granted `satisfaction-surveys` (see `/api/v1/consents/{sub}`).
#[utoipa::path(get, path = "/api/v1/surveys/due", tag = "analytics", params(DueQuery),
    responses((status = 200, description = "OK", body = SurveyDue),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn survey_due(
    State(analytics): State<Arc<Analytics>>,
    bearer: Bearer,
    Query(query): Query<DueQuery>,
) -> Result<Json<SurveyDue>, Problem> {
    let client = bearer.client_with(SURVEYS_READ_SCOPE)?;
    let answer = match analytics.survey_due(client, &query.sub).await? {
        Due::NoConsent => SurveyDue {
            due: false,
            reason: Some("no_consent".into()),
            next_due_at: None,
        },
        Due::Now { next_due_at } => SurveyDue {
            due: true,
            reason: None,
            next_due_at: Some(rfc3339(next_due_at)),
        },
        Due::Later { next_due_at } => SurveyDue {
            due: false,
            reason: None,
            next_due_at: Some(rfc3339(next_due_at)),
        },
    };
    Ok(Json(answer))
}

/// One customer account's health (`analytics.read`): activity and engagement per day,
/// week or month, satisfaction per month overall and per touchpoint, and the churn-risk
/// signals of the last complete month. Figures from fewer than `min_group_size` people
/// are withheld. `format=csv` gives the periods as CSV.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}/health", tag = "analytics",
    params(("customer_id" = String, Path), HealthQuery),
    responses((status = 200, description = "OK", body = CustomerHealth),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn customer_health(
    State(analytics): State<Arc<Analytics>>,
    by: Principal,
    Path(customer_id): Path<String>,
    Query(query): Query<HealthQuery>,
) -> Result<Response, Problem> {
    let csv = wants_csv(query.format.as_deref())?;
    let health = analytics.customer_health(&by, &customer_id, &query).await?;
    Ok(match csv {
        true => crate::web::csv::download(csv::health(&health), "customer-health.csv"),
        false => Json(health).into_response(),
    })
}

/// Every active customer account ranked by churn risk (`analytics.read`), judged on the
/// last complete month. `format=csv` gives one row per account.
#[utoipa::path(get, path = "/api/v1/health", tag = "analytics", params(PortfolioQuery),
    responses((status = 200, description = "OK", body = Portfolio),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn portfolio(
    State(analytics): State<Arc<Analytics>>,
    by: Principal,
    Query(query): Query<PortfolioQuery>,
) -> Result<Response, Problem> {
    let csv = wants_csv(query.format.as_deref())?;
    let portfolio = analytics.portfolio(&by, &query).await?;
    Ok(match csv {
        true => crate::web::csv::download(csv::portfolio(&portfolio), "portfolio-health.csv"),
        false => Json(portfolio).into_response(),
    })
}

fn wants_csv(format: Option<&str>) -> Result<bool, Problem> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(Problem::new(
            Kind::InvalidRequest,
            "format must be json or csv",
        )),
    }
}
