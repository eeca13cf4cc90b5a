//! `POST /api/v1/permissions/check`: a portal app asks "may this person do X in customer
//! account Y?" and gets allow or deny with the reason. The app authenticates as at
//! introspection (client_secret_basic, or client_secret_post in a form body) and names the
//! person by the `sub` it knows, pairwise ones included. The answer comes from the same
//! decision function as every admin route.

use super::Oidc;
use super::cache;
use super::client_auth;
use crate::authz::Decision;
use crate::web::api::{Kind, Problem, ProblemBody};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api(oidc: Arc<Oidc>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(check_permission))
        .with_state(oidc)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PermissionCheck {
    /// The subject as the calling client knows it.
    pub sub: String,
    pub customer_id: String,
    /// A permission declared in roles.toml, e.g. `orders.place`.
    pub permission: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionAnswer {
    pub allowed: bool,
    pub reason: String,
}

/// May this person do this in that customer account? Authenticate as a confidential
/// client (HTTP Basic, or `client_id` and `client_secret` in a form body).
#[utoipa::path(post, path = "/api/v1/permissions/check", tag = "permissions",
    request_body(content(
        (PermissionCheck = "application/json"),
        (PermissionCheck = "application/x-www-form-urlencoded"))),
    security(("client_basic" = [])),
    responses((status = 200, description = "OK", body = PermissionAnswer), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn check_permission(
    State(oidc): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match check(&oidc, &headers, &body).await {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(problem) => {
            let unauthorized = problem.kind == Kind::Unauthorized;
            let mut response = problem.into_response();
            if unauthorized {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"trohet\""),
                );
            }
            response
        }
    }
}

async fn check(oidc: &Oidc, headers: &HeaderMap, body: &[u8]) -> Result<PermissionAnswer, Problem> {
    let (mut params, request) = parse(headers, body)?;
    let client = client_auth::authenticate(oidc, headers, &mut params)
        .await
        .map_err(|_| Problem::new(Kind::Unauthorized, "client authentication failed"))?;
    if client.is_public() {
        return Err(Problem::new(
            Kind::Forbidden,
            "public clients may not check permissions",
        ));
    }
    if !oidc.policies.is_permission(&request.permission) {
        return Err(Problem::new(
            Kind::Validation,
            format!(
                "{} is not a permission declared in roles.toml",
                request.permission
            ),
        ));
    }
    let deny = |reason: &str| PermissionAnswer {
        allowed: false,
        reason: reason.to_string(),
    };
    let Some(person_id) = cache::person_of_subject(oidc, &client, &request.sub).await? else {
        return Ok(deny("no person is known by this subject"));
    };
    let Some(principal) = cache::principal(oidc, &person_id)
        .await
        .map_err(Problem::internal)?
    else {
        return Ok(deny("the person is unknown or disabled"));
    };
    let decision =
        oidc.policies
            .decide(&principal, &request.permission, Some(&request.customer_id));
    let (allowed, reason) = match decision {
        Decision::Allowed(reason) => (true, reason),
        Decision::Forbidden(reason) | Decision::Invisible(reason) => (
            false,
            suspension(oidc, &request.customer_id)
                .await?
                .unwrap_or(reason),
        ),
    };
    Ok(PermissionAnswer { allowed, reason })
}

/// Why a member is refused in a suspended account (memberships of suspended accounts do
/// not count, so the decision alone would say "not a member").
async fn suspension(oidc: &Oidc, customer_id: &str) -> Result<Option<String>, Problem> {
    let account = crate::identity::store::customers::find(&oidc.db, customer_id).await?;
    Ok(account
        .filter(|a| a.status == "suspended")
        .map(|_| format!("customer account {customer_id} is suspended")))
}

/// A JSON body (with Basic authentication) or a form body (which may carry the client's
/// credentials, as `client_secret_post`).
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<(Params, PermissionCheck), Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if json {
        let request = serde_json::from_slice(body)
            .map_err(|e| Problem::new(Kind::InvalidRequest, e.to_string()))?;
        return Ok((Params::default(), request));
    }
    let params = Params::from_form(headers, body)
        .map_err(|e| Problem::new(Kind::InvalidRequest, e.to_string()))?;
    let field = |name: &str| {
        params
            .get(name)
            .map(str::to_string)
            .ok_or_else(|| Problem::new(Kind::InvalidRequest, format!("{name} is missing")))
    };
    let request = PermissionCheck {
        sub: field("sub")?,
        customer_id: field("customer_id")?,
        permission: field("permission")?,
    };
    Ok((params, request))
}
