//! The consent API: the purposes and their texts; a person's decisions through a portal
//! app (`/api/v1/me/consents`, scope `consent`); a person's current decisions for a
//! service client gating its processing (`/api/v1/consents/{sub}`, scope
//! `consent:read`); and the ledger for staff (`/api/v1/persons/{id}/consents`).

use super::ledger::{Decision, Entry, Method, State as ConsentState};
use super::purpose::{LegalBasis, PurposeText};
use super::receipt::{self, TYP_RECEIPT};
use super::{Consent, Provider, PurposeState, Recording};
use crate::audit::Actor;
use crate::authz::Principal;
use crate::clock::rfc3339;
use crate::config::ControllerConfig;
use crate::crypto::MasterKey;
use crate::web::api::{Bearer, Json, Kind, Path, Problem, ProblemBody};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Lets a person's token read and record their own decisions.
pub const CONSENT_SCOPE: &str = "consent";
/// Lets a service client read any person's current decisions.
pub const CONSENT_READ_SCOPE: &str = "consent:read";
/// Lets a service client list who grants a purpose (targeted news).
pub const AUDIENCE_READ_SCOPE: &str = "audience:read";

/// What the consent routes need.
pub struct ConsentApi {
    pub consent: Consent,
    pub provider: Arc<dyn Provider>,
    pub controller: ControllerConfig,
    /// Seals audience cursors: a pairwise client must not learn person ids from them.
    pub cursors: MasterKey,
}

impl ConsentApi {
    /// The signed receipt of a decision, naming the person by `subject`.
    fn receipt(&self, entry: &Entry, subject: &str) -> Option<String> {
        let purpose = self.consent.purposes().get(&entry.purpose_id)?;
        let issuer = self.provider.issuer();
        let claims = receipt::claims(issuer, &self.controller, purpose, entry, subject);
        self.provider.sign(TYP_RECEIPT, &claims)
    }
}

pub fn api(state: Arc<ConsentApi>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_purposes))
        .routes(routes!(my_consents, record_my_consent))
        .routes(routes!(consents_of_subject))
        .routes(routes!(person_consents, record_person_consent))
        .with_state(state.clone())
        .merge(super::audience_routes::api(state))
}

/// A purpose as served now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurposeView {
    pub id: String,
    pub legal_basis: LegalBasis,
    /// Whether people are asked (only purposes resting on consent).
    pub asked: bool,
    /// SHA-256 of the texts: name it when recording a decision on them.
    pub version: String,
    pub data_categories: Vec<String>,
    /// Client ids of the portal apps that receive data under this purpose.
    pub recipients: Vec<String>,
    pub retention_days: u32,
    /// Title and text per language (`en`, `sv`).
    pub texts: BTreeMap<String, PurposeText>,
}

/// Where a person stands on one purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStateView {
    pub purpose: String,
    pub legal_basis: LegalBasis,
    /// Absent for a purpose that is not asked.
    pub state: Option<ConsentState>,
    /// Whether processing under this purpose may go on (`state` is `granted`, or the
    /// purpose is not asked).
    pub allowed: bool,
    pub current_version: String,
    pub latest: Option<DecisionView>,
}

impl From<PurposeState> for ConsentStateView {
    fn from(s: PurposeState) -> Self {
        Self {
            allowed: s.state.is_none_or(ConsentState::is_granted),
            purpose: s.purpose_id,
            legal_basis: s.legal_basis,
            state: s.state,
            current_version: s.current_version,
            latest: s.latest.map(DecisionView::from),
        }
    }
}

/// One recorded decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub receipt_id: String,
    pub purpose: String,
    pub version: String,
    /// `granted`, `refused` or `withdrawn`.
    pub decision: String,
    /// `login_prompt`, `account_page`, `portal_app` or `staff`.
    pub method: String,
    pub client_id: Option<String>,
    /// Only on staff-recorded decisions, and only shown to staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub language: String,
    pub recorded_at: String,
    /// In the answer to a recorded decision only: its consent receipt, a JWS signed with
    /// the provider's keys (verify it against `/jwks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

impl DecisionView {
    fn with_receipt(mut self, receipt: Option<String>) -> Self {
        self.receipt = receipt;
        self
    }
}

impl From<Entry> for DecisionView {
    fn from(e: Entry) -> Self {
        Self {
            receipt_id: e.receipt_id,
            purpose: e.purpose_id,
            version: e.purpose_version,
            decision: e.decision,
            method: e.method,
            client_id: e.client_id,
            note: e.note,
            language: e.language,
            recorded_at: rfc3339(e.recorded_at),
            receipt: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStates {
    /// Art. 18: the person's processing is restricted; every purpose is then not allowed.
    pub restricted: bool,
    pub purposes: Vec<ConsentStateView>,
}

impl ConsentStates {
    fn of(states: Vec<PurposeState>, restricted: bool) -> Self {
        let mut purposes: Vec<ConsentStateView> =
            states.into_iter().map(ConsentStateView::from).collect();
        if restricted {
            for purpose in &mut purposes {
                purpose.allowed = false;
            }
        }
        Self {
            restricted,
            purposes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonLedger {
    pub purposes: Vec<ConsentStateView>,
    /// Every decision, newest first (at most 1,000).
    pub history: Vec<DecisionView>,
}

/// A decision a person made in a portal app's own UI.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    pub purpose: String,
    /// The version of the text the person was shown; refused (409, with the current
    /// version) when it is no longer the one served.
    pub version: String,
    pub decision: Decision,
    /// `en` or `sv`: the language of the text shown.
    pub language: String,
}

/// A decision received outside trohet (paper, phone), recorded by staff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffDecision {
    pub purpose: String,
    /// The version of the text the person agreed to, if known; the current one if absent.
    pub version: Option<String>,
    pub decision: Decision,
    /// Where the decision came from (e.g. "signed form 2026-11-20, filed at HR").
    pub note: String,
    pub language: String,
}

fn language(text: &str) -> Result<String, Problem> {
    match text {
        "en" | "sv" => Ok(text.to_string()),
        _ => Err(Problem::new(Kind::Validation, "language must be en or sv")),
    }
}

/// Every purpose with its current version and texts.
#[utoipa::path(get, path = "/api/v1/purposes", tag = "consent", security(()),
    responses((status = 200, description = "OK", body = Vec<PurposeView>)))]
async fn list_purposes(State(state): State<Arc<ConsentApi>>) -> Json<Vec<PurposeView>> {
    let purposes = state.consent.purposes().iter().map(|p| PurposeView {
        id: p.id.clone(),
        legal_basis: p.legal_basis,
        asked: p.is_asked(),
        version: p.version.clone(),
        data_categories: p.data_categories.clone(),
        recipients: p.recipients.clone(),
        retention_days: p.retention_days,
        texts: p.texts.clone(),
    });
    Json(purposes.collect())
}

/// The calling person's current decisions (a person's token with scope `consent`).
#[utoipa::path(get, path = "/api/v1/me/consents", tag = "consent",
    responses((status = 200, description = "OK", body = ConsentStates),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn my_consents(
    State(state): State<Arc<ConsentApi>>,
    bearer: Bearer,
) -> Result<Json<ConsentStates>, Problem> {
    let person = bearer.person_with(CONSENT_SCOPE)?;
    let states = state.consent.states(person).await?;
    let restricted = state.consent.is_restricted(person).await?;
    Ok(Json(ConsentStates::of(states, restricted)))
}

/// Records a decision the calling person made in the portal app's own UI.
#[utoipa::path(post, path = "/api/v1/me/consents", tag = "consent", request_body = NewDecision,
    responses((status = 201, description = "Recorded, durably", body = DecisionView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn record_my_consent(
    State(state): State<Arc<ConsentApi>>,
    bearer: Bearer,
    Json(body): Json<NewDecision>,
) -> Result<(StatusCode, Json<DecisionView>), Problem> {
    let person = bearer.person_with(CONSENT_SCOPE)?;
    let recording = Recording {
        purpose_id: body.purpose,
        version: Some(body.version),
        decision: body.decision,
        method: Method::PortalApp,
        client_id: Some(bearer.client_id.clone()),
        note: None,
        language: language(&body.language)?,
    };
    let actor = Actor::Person(person.to_string());
    let entry = state.consent.record(actor, person, recording).await?;
    let subject = state
        .provider
        .subject_for(&bearer.client_id, person)
        .await?
        .unwrap_or_else(|| person.to_string());
    let receipt = state.receipt(&entry, &subject);
    let view = DecisionView::from(entry).with_receipt(receipt);
    Ok((StatusCode::CREATED, Json(view)))
}

/// A person's current decisions, by the subject the calling client knows them by (a
/// client_credentials token with scope `consent:read`).
#[utoipa::path(get, path = "/api/v1/consents/{sub}", tag = "consent",
    params(("sub" = String, Path, description = "The person's subject as this client knows it")),
    responses((status = 200, description = "OK", body = ConsentStates),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn consents_of_subject(
    State(state): State<Arc<ConsentApi>>,
    bearer: Bearer,
    Path(sub): Path<String>,
) -> Result<Json<ConsentStates>, Problem> {
    let client = bearer.client_with(CONSENT_READ_SCOPE)?;
    let unknown = || Problem::not_found("subject");
    let person = state
        .provider
        .person_of(client, &sub)
        .await?
        .ok_or_else(unknown)?;
    let states = state
        .consent
        .states_if_person(&person)
        .await?
        .ok_or_else(unknown)?;
    let restricted = state.consent.is_restricted(&person).await?;
    let mut answer = ConsentStates::of(states, restricted);
    // Staff notes are for staff; a portal app needs the decision only.
    for latest in answer.purposes.iter_mut().filter_map(|p| p.latest.as_mut()) {
        latest.note = None;
    }
    Ok(Json(answer))
}

/// A person's current decisions and whole ledger (staff with `consents.read`).
#[utoipa::path(get, path = "/api/v1/persons/{person_id}/consents", tag = "consent",
    params(("person_id" = String, Path)),
    responses((status = 200, description = "OK", body = PersonLedger),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn person_consents(
    State(state): State<Arc<ConsentApi>>,
    by: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<PersonLedger>, Problem> {
    let (states, history) = state.consent.ledger_for_staff(&by, &person_id).await?;
    Ok(Json(PersonLedger {
        purposes: states.into_iter().map(ConsentStateView::from).collect(),
        history: history.into_iter().map(DecisionView::from).collect(),
    }))
}

/// Records a decision received outside trohet, with a note (staff with `consents.record`).
#[utoipa::path(post, path = "/api/v1/persons/{person_id}/consents", tag = "consent",
    params(("person_id" = String, Path)), request_body = NewStaffDecision,
    responses((status = 201, description = "Recorded, durably", body = DecisionView),
              (status = "4XX", description = "The request was refused: an RFC 9457 problem", body = ProblemBody)))]
async fn record_person_consent(
    State(state): State<Arc<ConsentApi>>,
    by: Principal,
    Path(person_id): Path<String>,
    Json(body): Json<NewStaffDecision>,
) -> Result<(StatusCode, Json<DecisionView>), Problem> {
    let recording = Recording {
        purpose_id: body.purpose,
        version: body.version,
        decision: body.decision,
        method: Method::Staff,
        client_id: None,
        note: Some(body.note),
        language: language(&body.language)?,
    };
    let entry = state
        .consent
        .record_by_staff(&by, &person_id, recording)
        .await?;
    let receipt = state.receipt(&entry, &person_id);
    let view = DecisionView::from(entry).with_receipt(receipt);
    Ok((StatusCode::CREATED, Json(view)))
}
