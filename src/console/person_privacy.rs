//! A person's data protection actions on the console: export (streams the zip), erasure
//! behind a confirmation, the legal hold, restriction of processing (GDPR Art. 18) and
//! objection to a purpose (Art. 21). Each is the DPO's, checked by the privacy service;
//! refusals are shown beside the form, never as a 500.

use super::Console;
use super::errors;
use super::forms::{Flash, done};
use super::person_page::{self, erasure_page};
use super::privacy::{path, received, refusal};
use super::privacy_text::PrivacyWords;
use super::request::{Submission, Visit};
use crate::clock::rfc3339;
use crate::consent::LegalBasis;
use crate::privacy::PrivacyError;
use crate::privacy::erasure::ErasureInput;
use crate::privacy::register::{Kind, RequestRow, Status};
use crate::privacy::routes::zip_response;
use crate::web::i18n::Locale;
use crate::web::page::{hidden, unavailable};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/persons/{person_id}/export", post(export_person))
        .route(
            "/console/persons/{person_id}/erase",
            get(confirm_erasure).post(erase_person),
        )
        .route("/console/persons/{person_id}/legal-hold", post(legal_hold))
        .route(
            "/console/persons/{person_id}/restriction",
            post(restriction),
        )
        .route("/console/persons/{person_id}/objection", post(objection))
}

/// Registers an access request and streams the zip; the download completes the request.
async fn export_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let Some((channel, verification)) = received(&visit) else {
        return errors::bad_request(locale);
    };
    let by = &visit.visitor.principal;
    let row = match console
        .privacy
        .request_export(by, &person_id, channel, verification)
        .await
    {
        Ok(row) => row,
        Err(error) => return back_to_person(&console, &visit, &person_id, "export", error).await,
    };
    let summary = match console.privacy.summary(&person_id).await {
        Ok(Some(summary)) => summary,
        Ok(None) => return errors::not_found(locale),
        Err(error) => return unavailable(locale, "read an export", &error),
    };
    if let Err(error) = console.privacy.export_downloaded(&row).await {
        return unavailable(locale, "complete an export", &error);
    }
    zip_response(console.privacy.export_body(summary, row.dsr_id), &person_id)
}

async fn back_to_person(
    console: &Console,
    visit: &Visit,
    person_id: &str,
    operation: &str,
    error: PrivacyError,
) -> Response {
    match refusal(visit.visitor.locale, operation, error) {
        Ok(refused) => {
            person_page::person_page(console, visit, person_id, Flash::refused(refused)).await
        }
        Err(page) => page,
    }
}

async fn confirm_erasure(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    visit: Visit,
) -> Response {
    erasure_page(&console, &visit, &person_id, Flash::of(&visit)).await
}

/// Erases at once, but only with the confirmation box ticked; a legal hold or an erasure
/// already waiting is shown on the confirmation page.
async fn erase_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let words = PrivacyWords::of(locale);
    let Some((channel, verification)) = received(&visit) else {
        return errors::bad_request(locale);
    };
    let again = |status, message: String| Flash::refused((status, message));
    if visit.get("confirm") != Some("yes") {
        let flash = again(
            StatusCode::UNPROCESSABLE_ENTITY,
            words.confirm_missing.into(),
        );
        return erasure_page(&console, &visit, &person_id, flash).await;
    }
    let input = ErasureInput {
        channel,
        verification,
        at_once: true,
    };
    let erased = console
        .privacy
        .request_erasure(&visit.visitor.principal, &person_id, input)
        .await;
    let flash = match erased {
        Ok(row) if row.status() == Status::Completed => {
            return if console.may(&visit.visitor, "dsr.read", None) {
                done(&path(&row.dsr_id), "erased")
            } else {
                done("/console/persons", "erased")
            };
        }
        // Refused by a hold set after the confirmation page was shown.
        Ok(row) if row.status() == Status::Rejected => {
            let reason = row.status_reason.unwrap_or_default();
            again(
                StatusCode::CONFLICT,
                format!("{} {reason}", words.erase_refused_held),
            )
        }
        // The service hands back an erasure already waiting instead of registering another.
        Ok(_) => again(StatusCode::CONFLICT, words.erasure_pending.into()),
        Err(error) => match refusal(locale, "erase a person", error) {
            Ok(refused) => Flash::refused(refused),
            Err(page) => return page,
        },
    };
    erasure_page(&console, &visit, &person_id, flash).await
}

async fn legal_hold(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let (reason, done_key) = match visit.get("action") {
        Some("set") => (Some(visit.get("reason").unwrap_or_default()), "held"),
        Some("lift") => (None, "lifted"),
        _ => return errors::bad_request(visit.visitor.locale),
    };
    let by = &visit.visitor.principal;
    match console.privacy.set_legal_hold(by, &person_id, reason).await {
        Ok(()) => done(&person_page::path(&person_id), done_key),
        Err(error) => back_to_person(&console, &visit, &person_id, "set a legal hold", error).await,
    }
}

/// Restricts the person's processing (registering a request, completed at once) or lifts
/// the restriction.
async fn restriction(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let (by, privacy) = (&visit.visitor.principal, &console.privacy);
    let landing = match visit.get("action") {
        Some("set") => privacy
            .restrict(by, &person_id, None)
            .await
            .map(|row| to_request(&console, &visit, &row, "restricted")),
        Some("lift") => privacy
            .lift_restriction(by, &person_id)
            .await
            .map(|()| done(&person_page::path(&person_id), "unrestricted")),
        _ => return errors::bad_request(visit.visitor.locale),
    };
    match landing {
        Ok(landing) => landing,
        Err(error) => {
            back_to_person(&console, &visit, &person_id, "restrict processing", error).await
        }
    }
}

/// Records an objection to a purpose; the service refuses one it has no right to.
async fn objection(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let purpose = visit.get("purpose").unwrap_or_default();
    let by = &visit.visitor.principal;
    match console.privacy.object(by, &person_id, purpose, None).await {
        Ok(row) => to_request(&console, &visit, &row, "objected"),
        Err(error) => {
            back_to_person(&console, &visit, &person_id, "record an objection", error).await
        }
    }
}

/// The request's page with a notice, or the person's for one who may not read the register.
fn to_request(console: &Console, visit: &Visit, row: &RequestRow, done_key: &str) -> Response {
    match &row.person_id {
        Some(id) if !console.may(&visit.visitor, "dsr.read", None) => {
            done(&person_page::path(id), done_key)
        }
        _ => done(&path(&row.dsr_id), done_key),
    }
}

/// Restriction and objection on the person page, for those with `dsr.manage`.
pub(super) struct StopProcessing {
    /// Since when the person's processing is restricted, if it is.
    restricted_since: Option<String>,
    /// Purposes one may object to, resting on consent or legitimate interest: id and title.
    purposes: Vec<(String, String)>,
}

impl StopProcessing {
    pub(super) async fn load(
        console: &Console,
        locale: Locale,
        person_id: &str,
    ) -> Result<Self, sqlx::Error> {
        let restricted = console.privacy.restricted_since(person_id).await?;
        let purposes = console
            .consent
            .purposes()
            .iter()
            .filter(|p| {
                matches!(
                    p.legal_basis,
                    LegalBasis::Consent | LegalBasis::LegitimateInterest
                )
            })
            .map(|p| (p.id.clone(), p.text(locale.tag()).title.clone()))
            .collect();
        Ok(Self {
            restricted_since: restricted.map(rfc3339),
            purposes,
        })
    }

    pub(super) fn render(
        &self,
        words: &PrivacyWords,
        csrf: &str,
        visit: &Visit,
        person_id: &str,
    ) -> Markup {
        let action = |what: &str| format!("{}/{what}", person_page::path(person_id));
        let purposes: Vec<_> = self
            .purposes
            .iter()
            .map(|(id, title)| (id.as_str(), title.as_str()))
            .collect();
        html! {
            h3 { (words.kind(Kind::Restriction)) }
            form method="post" action=(action("restriction")) {
                (hidden("csrf", csrf))
                @if let Some(since) = &self.restricted_since {
                    p.held { strong { (words.restricted) } " (" (words.held_since) " " (since) ")" }
                    p.muted { (words.lift_restriction_note) }
                    (hidden("action", "lift"))
                    button.secondary type="submit" { (words.lift_restriction) }
                } @else {
                    p.muted { (words.not_restricted) " " (words.restrict_note) }
                    (hidden("action", "set"))
                    button.secondary type="submit" { (words.restrict) }
                }
            }
            @if !purposes.is_empty() {
                h3 { (words.kind(Kind::Objection)) }
                form method="post" action=(action("objection")) {
                    (hidden("csrf", csrf))
                    p.muted { (words.object_note) }
                    label for="purpose" { (words.purpose) }
                    (super::forms::select("purpose", &purposes, visit.get("purpose")))
                    button.secondary type="submit" { (words.record_objection) }
                }
            }
        }
    }
}
