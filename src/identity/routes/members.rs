//! `/api/v1/customers/{customer_id}/members`: the people of one customer account and their
//! roles there.

use crate::authz::Principal;
use crate::identity::Identity;
use crate::identity::store::members::MemberRow;
use crate::web::api::{
    IfMatch, Json, Page, PageQuery, Path, Problem, ProblemBody, Query, Versioned,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<Arc<Identity>> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(put_member, remove_member))
}

/// A member as the account's admins see them: nothing about other accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub person_id: String,
    pub email: String,
    pub name: String,
    pub status: String,
    pub roles: Vec<String>,
}

impl From<MemberRow> for MemberView {
    fn from(row: MemberRow) -> Self {
        Self {
            person_id: row.person_id,
            email: row.email,
            name: row.display_name,
            status: row.status,
            roles: row.roles,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipRoles {
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesBody {
    /// Exactly the roles the person should hold in this account.
    pub roles: Vec<String>,
}

/// The members of a customer account, by email.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}/members", tag = "members",
    params(("customer_id" = String, Path), PageQuery),
    responses((status = 200, description = "OK", body = Page<MemberView>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_members(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(customer_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<MemberView>>, Problem> {
    let limit = page.limit()?;
    let after: Option<String> = page.after()?;
    let rows = identity
        .list_members(&by, &customer_id, after.as_deref(), limit)
        .await?;
    let page = Page::from_rows(rows, limit, |row| row.email_normalized.clone());
    Ok(Json(page.map(MemberView::from)))
}

/// Set the person's roles in the account (staff may add a member this way; a customer
/// admin invites). The last customer admin cannot be demoted. `If-Match` is honoured.
#[utoipa::path(put, path = "/api/v1/customers/{customer_id}/members/{person_id}", tag = "members",
    params(("customer_id" = String, Path), ("person_id" = String, Path)),
    request_body = RolesBody,
    responses((status = 200, description = "OK", body = MembershipRoles, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn put_member(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path((customer_id, person_id)): Path<(String, String)>,
    if_match: IfMatch,
    Json(body): Json<RolesBody>,
) -> Result<Versioned<MembershipRoles>, Problem> {
    let version = optional_version(if_match)?;
    let mut roles = body.roles;
    roles.sort();
    roles.dedup();
    let new_version = identity
        .put_member(&by, &customer_id, &person_id, roles.clone(), version)
        .await?;
    Ok(Versioned(new_version, MembershipRoles { roles }))
}

/// Remove a person from the account. The last customer admin cannot be removed.
#[utoipa::path(delete, path = "/api/v1/customers/{customer_id}/members/{person_id}", tag = "members",
    params(("customer_id" = String, Path), ("person_id" = String, Path)),
    responses((status = 204, description = "Done; no content"), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn remove_member(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path((customer_id, person_id)): Path<(String, String)>,
    if_match: IfMatch,
) -> Result<StatusCode, Problem> {
    let version = optional_version(if_match)?;
    identity
        .remove_member(&by, &customer_id, &person_id, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A version from an optional `If-Match`.
pub fn optional_version(if_match: IfMatch) -> Result<Option<i64>, Problem> {
    match if_match {
        IfMatch::Absent | IfMatch::Any => Ok(None),
        IfMatch::Version(version) => Ok(Some(version)),
        IfMatch::Unknown => Err(IfMatch::stale()),
    }
}
