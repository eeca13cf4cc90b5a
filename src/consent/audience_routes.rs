//! `GET /api/v1/audiences/{purpose}`: who grants a purpose now, as subjects the calling
//! back-end knows (scope `audience:read`), paged with sealed cursors that name nobody.

use super::AudienceQuery;
use super::routes::{AUDIENCE_READ_SCOPE, ConsentApi};
use crate::crypto::{self, MasterKey};
use crate::web::api::{Bearer, Json, Kind, PageQuery, Path, Problem, ProblemBody, Query};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api(state: Arc<ConsentApi>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(audience))
        .with_state(state)
}

const CURSOR_PURPOSE: &str = "audience-cursor";

/// Narrows an audience.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AudienceParams {
    /// Only people in this customer account (active ones only).
    pub customer: Option<String>,
    /// Only people holding this role (in `customer`, if given).
    pub role: Option<String>,
    /// Only people who chose this news topic (policies/interests.toml).
    pub interest: Option<String>,
}

/// One member of an audience.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceMember {
    /// The person's subject as the calling client knows it.
    pub sub: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AudiencePage {
    pub items: Vec<AudienceMember>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The people who grant a purpose now, as subjects the calling client knows (a
/// client_credentials token with scope `audience:read`): withdrawn, refused, never-asked
/// and outdated decisions are never in it.
#[utoipa::path(get, path = "/api/v1/audiences/{purpose}", tag = "consent",
    params(("purpose" = String, Path), AudienceParams, PageQuery),
    responses((status = 200, description = "OK", body = AudiencePage),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn audience(
    State(state): State<Arc<ConsentApi>>,
    bearer: Bearer,
    Path(purpose): Path<String>,
    Query(params): Query<AudienceParams>,
    Query(page): Query<PageQuery>,
) -> Result<Json<AudiencePage>, Problem> {
    let client = bearer.client_with(AUDIENCE_READ_SCOPE)?;
    let limit = page.limit()?;
    let after = match page.cursor.as_deref() {
        Some(cursor) => Some(open_cursor(&state.cursors, cursor)?),
        None => None,
    };
    let query = AudienceQuery {
        purpose_id: purpose,
        customer: params.customer,
        role: params.role,
        interest: params.interest,
    };
    let mut people = state
        .consent
        .audience(&query, after.as_deref(), limit + 1)
        .await?;
    let more = people.len() as i64 > limit;
    people.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more
        .then(|| people.last())
        .flatten()
        .map(|last| crypto::b64url(&state.cursors.seal(CURSOR_PURPOSE, last.as_bytes())));
    let mut items = Vec::with_capacity(people.len());
    for person in &people {
        if let Some(sub) = state.provider.subject_for(client, person).await? {
            items.push(AudienceMember { sub });
        }
    }
    Ok(Json(AudiencePage { items, next_cursor }))
}

fn open_cursor(key: &MasterKey, cursor: &str) -> Result<String, Problem> {
    crypto::b64url_decode(cursor)
        .and_then(|sealed| key.open(CURSOR_PURPOSE, &sealed))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| Problem::new(Kind::InvalidRequest, "the cursor is not valid"))
}
