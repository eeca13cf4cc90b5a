//! `/api/v1/customers`: list, create, read and update customer accounts.

use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::identity::Identity;
use crate::identity::service::customers::CustomerPatch;
use crate::identity::store::customers::{CustomerFilter, CustomerRow};
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
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, update_customer))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    pub created_at: String,
}

impl From<CustomerRow> for CustomerView {
    fn from(row: CustomerRow) -> Self {
        Self {
            id: row.customer_account_id,
            name: row.name,
            status: row.status,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Prefix of the name, any case.
    pub q: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomerBody {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatchBody {
    pub name: Option<String>,
    /// `active` or `suspended`; suspending blocks the members' logins and token refreshes
    /// for this account.
    pub status: Option<String>,
}

/// List the customer accounts the caller may see, by name.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(CustomerQuery, PageQuery),
    responses((status = 200, description = "OK", body = Page<CustomerView>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_customers(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Query(query): Query<CustomerQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<CustomerView>>, Problem> {
    let limit = page.limit()?;
    let filter = CustomerFilter {
        q: query.q,
        status: query.status,
        only: None,
        after: page.after()?,
    };
    let rows = identity.list_customers(&by, filter, limit).await?;
    let page = Page::from_rows(rows, limit, |row| {
        (row.name_normalized.clone(), row.customer_account_id.clone())
    });
    Ok(Json(page.map(CustomerView::from)))
}

/// Create a customer account.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    request_body = NewCustomerBody,
    responses((status = 201, description = "Created", body = CustomerView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn create_customer(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Json(body): Json<NewCustomerBody>,
) -> Result<(StatusCode, Versioned<CustomerView>), Problem> {
    let row = identity.create_customer(&by, &body.name).await?;
    Ok((StatusCode::CREATED, Versioned(row.version, row.into())))
}

/// Read one customer account.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}", tag = "customers",
    params(("customer_id" = String, Path)),
    responses((status = 200, description = "OK", body = CustomerView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn get_customer(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(customer_id): Path<String>,
) -> Result<Versioned<CustomerView>, Problem> {
    let row = identity.customer(&by, &customer_id).await?;
    Ok(Versioned(row.version, row.into()))
}

/// Rename, suspend or reactivate a customer account. Requires `If-Match`.
#[utoipa::path(patch, path = "/api/v1/customers/{customer_id}", tag = "customers",
    params(("customer_id" = String, Path), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = CustomerPatchBody,
    responses((status = 200, description = "OK", body = CustomerView, headers(("ETag" = String))), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn update_customer(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(customer_id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<CustomerPatchBody>,
) -> Result<Versioned<CustomerView>, Problem> {
    let version = expected_version(if_match)?;
    let patch = CustomerPatch {
        name: body.name,
        status: body.status,
    };
    let row = identity
        .update_customer(&by, &customer_id, patch, version)
        .await?;
    Ok(Versioned(row.version, row.into()))
}

/// The version an update must find, from a required `If-Match`: `*` takes any.
pub fn expected_version(if_match: IfMatch) -> Result<Option<i64>, Problem> {
    match if_match.required()? {
        IfMatch::Version(version) => Ok(Some(version)),
        IfMatch::Any => Ok(None),
        _ => Err(IfMatch::stale()),
    }
}
