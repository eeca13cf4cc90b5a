//! `/api/v1/customers/{customer_id}/invitations`: invite a colleague by e-mail with roles,
//! list pending invitations, withdraw one.

use crate::authz::Principal;
use crate::clock::{UnixTime, rfc3339};
use crate::identity::Identity;
use crate::identity::service::invitations::InviteInput;
use crate::identity::store::invitations::InvitationRow;
use crate::web::api::{Json, Path, Problem, ProblemBody};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api() -> OpenApiRouter<Arc<Identity>> {
    OpenApiRouter::new()
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(withdraw_invitation))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub customer_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub locale: Option<String>,
    /// `pending`, `accepted`, `withdrawn` or `expired`.
    pub status: String,
    pub created_at: String,
    pub expires_at: String,
    /// Only when trohet sends no mail (no SMTP configured): pass it on yourself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_url: Option<String>,
}

impl InvitationView {
    pub fn new(row: InvitationRow, now: UnixTime, accept_url: Option<String>) -> Self {
        Self {
            status: row.state(now).to_string(),
            roles: row.roles(),
            id: row.invitation_id,
            customer_id: row.customer_account_id,
            email: row.email,
            name: row.display_name,
            locale: row.locale,
            created_at: rfc3339(row.created_at),
            expires_at: rfc3339(row.expires_at),
            accept_url,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    /// `sv` or `en`: the language of the e-mail and of the account.
    pub locale: Option<String>,
}

/// Pending invitations of a customer account, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}/invitations", tag = "invitations",
    params(("customer_id" = String, Path)),
    responses((status = 200, description = "OK", body = Vec<InvitationView>), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn list_invitations(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(customer_id): Path<String>,
) -> Result<Json<Vec<InvitationView>>, Problem> {
    let now = identity.clock.now();
    let rows = identity.pending_invitations(&by, &customer_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| InvitationView::new(row, now, None))
            .collect(),
    ))
}

/// Invite someone by e-mail with roles; the link is valid for seven days.
#[utoipa::path(post, path = "/api/v1/customers/{customer_id}/invitations", tag = "invitations",
    params(("customer_id" = String, Path)),
    request_body = InvitationBody,
    responses((status = 201, description = "Created", body = InvitationView), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn create_invitation(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path(customer_id): Path<String>,
    Json(body): Json<InvitationBody>,
) -> Result<(StatusCode, Json<InvitationView>), Problem> {
    let input = InviteInput {
        email: body.email,
        display_name: body.name,
        roles: body.roles,
        locale: body.locale,
    };
    let invited = identity.invite(&by, &customer_id, input).await?;
    let view = InvitationView::new(invited.invitation, identity.clock.now(), invited.link);
    Ok((StatusCode::CREATED, Json(view)))
}

/// Withdraw a pending invitation; its link stops working.
#[utoipa::path(delete, path = "/api/v1/customers/{customer_id}/invitations/{invitation_id}", tag = "invitations",
    params(("customer_id" = String, Path), ("invitation_id" = String, Path)),
    responses((status = 204, description = "Done; no content"), (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn withdraw_invitation(
    State(identity): State<Arc<Identity>>,
    by: Principal,
    Path((customer_id, invitation_id)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    identity
        .withdraw_invitation(&by, &customer_id, &invitation_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
