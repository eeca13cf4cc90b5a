//! `/api/v1/persons`: search, create, read, edit, disable and enable persons.

use super::customers::expected_version;
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::identity::Identity;
use crate::identity::service::persons::{NewPersonInput, PersonDetail, PersonPatch};
use crate::identity::store::persons::{PersonFilter, PersonRow};
use crate::web::api::{
    IfMatch, Json, Page, PageQuery, Path, Problem, ProblemBody, Query, Versioned,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<Arc<Identity>> {
    OpenApiRouter::new()
        .routes(routes!(list_persons, create_person))
        .routes(routes!(get_person, update_person))
        .routes(routes!(disable_person))
        .routes(routes!(enable_person))
}

/// A person in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `staff` or `customer`.
    pub kind: String,
    /// `active` or `disabled`.
    pub status: String,
}

impl From<PersonRow> for PersonSummary {
    fn from(row: PersonRow) -> Self {
        Self {
            id: row.person_id,
            email: row.email,
            name: row.display_name,
            kind: row.kind,
            status: row.status,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub customer_id: String,
    pub customer_name: String,
    pub customer_status: String,
    pub roles: Vec<String>,
}

/// One person, as far as the caller may see: a customer admin sees only the memberships of
/// their own accounts and no staff roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub locale: Option<String>,
    pub kind: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff_roles: Option<Vec<String>>,
    pub memberships: Vec<MembershipView>,
    pub created_at: String,
}

impl From<PersonDetail> for PersonView {
    fn from(detail: PersonDetail) -> Self {
        let row = detail.row;
        Self {
            id: row.person_id,
            email: row.email,
            name: row.display_name,
            locale: row.locale,
            kind: row.kind,
            status: row.status,
            staff_roles: detail.staff_roles,
            memberships: detail
                .memberships
                .into_iter()
                .map(
                    |(customer_id, customer_name, customer_status, roles)| MembershipView {
                        customer_id,
                        customer_name,
                        customer_status,
                        roles,
                    },
                )
                .collect(),
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Prefix of the email address or the name, any case.
    pub q: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    /// Only members of this customer account.
    pub customer: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonBody {
    pub email: String,
    pub name: String,
    pub locale: Option<String>,
    /// `staff` or `customer` (default).
    pub kind: Option<String>,
    /// Staff roles (staff only).
    #[serde(default)]
    pub staff_roles: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatchBody {
    pub email: Option<String>,
    pub name: Option<String>,
    pub locale: Option<String>,
    pub staff_roles: Option<Vec<String>>,
}

/// Search persons by email or name prefix, in email order.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons",
    params(PersonQuery, PageQuery),
    responses((status = 200, description = "OK", body = Page<PersonSummary>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_persons(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Query(query): Query<PersonQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<PersonSummary>>, Problem> {
    let limit = page.limit()?;
    let filter = PersonFilter {
        q: query.q,
        status: query.status,
        accounts: None,
        after: page.after()?,
    };
    let rows = identity
        .list_persons(&by, filter, query.customer.as_deref(), limit)
        .await?;
    let page = Page::from_rows(rows, limit, |row| row.email_normalized.clone());
    Ok(Json(page.map(PersonSummary::from)))
}

/// Create a person without a password: they set one through an invitation or a reset.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons",
    request_body = NewPersonBody,
    responses((status = 201, description = "Created", body = PersonView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn create_person(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Json(body): Json<NewPersonBody>,
) -> Result<(StatusCode, Versioned<PersonView>), Problem> {
    let staff = match body.kind.as_deref() {
        None | Some("customer") => false,
        Some("staff") => true,
        Some(_) => {
            return Err(Problem::new(
                crate::web::api::Kind::Validation,
                "kind must be staff or customer",
            ));
        }
    };
    let input = NewPersonInput {
        email: body.email,
        display_name: body.name,
        locale: body.locale,
        staff,
        staff_roles: body.staff_roles,
        memberships: Vec::new(),
        password: None,
    };
    let detail = identity.create_person(&by, input).await?;
    Ok((
        StatusCode::CREATED,
        Versioned(detail.row.version, detail.into()),
    ))
}

/// Read one person.
#[utoipa::path(get, path = "/api/v1/persons/{person_id}", tag = "persons",
    params(("person_id" = String, Path)),
    responses((status = 200, description = "OK", body = PersonView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn get_person(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<Versioned<PersonView>, Problem> {
    let detail = identity.person(&by, &person_id).await?;
    Ok(Versioned(detail.row.version, detail.into()))
}

/// Change a person's email, name, locale or staff roles. Requires `If-Match`.
#[utoipa::path(patch, path = "/api/v1/persons/{person_id}", tag = "persons",
    params(("person_id" = String, Path), ("If-Match" = String, Header)),
    request_body = PersonPatchBody,
    responses((status = 200, description = "OK", body = PersonView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn update_person(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(person_id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<PersonPatchBody>,
) -> Result<Versioned<PersonView>, Problem> {
    let version = expected_version(if_match)?;
    let patch = PersonPatch {
        email: body.email,
        display_name: body.name,
        locale: body.locale,
        staff_roles: body.staff_roles,
    };
    let detail = identity
        .update_person(&by, &person_id, patch, version)
        .await?;
    Ok(Versioned(detail.row.version, detail.into()))
}

/// Disable a person: every session ends and every grant and refresh token is revoked now.
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/disable", tag = "persons",
    params(("person_id" = String, Path)),
    responses((status = 200, description = "OK", body = PersonView), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn disable_person(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<Versioned<PersonView>, Problem> {
    let detail = identity.disable_person(&by, &person_id).await?;
    Ok(Versioned(detail.row.version, detail.into()))
}

/// Enable a disabled person; nothing that disabling ended comes back.
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/enable", tag = "persons",
    params(("person_id" = String, Path)),
    responses((status = 200, description = "OK", body = PersonView), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn enable_person(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<Versioned<PersonView>, Problem> {
    let detail = identity.enable_person(&by, &person_id).await?;
    Ok(Versioned(detail.row.version, detail.into()))
}
