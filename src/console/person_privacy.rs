//! A person's data protection actions on the console: export (streams the zip), erasure
//! behind a confirmation, and the legal hold. Each is the DPO's, checked by the privacy
//! service; refusals are shown beside the form, never as a 500.

use super::Console;
use super::errors;
use super::forms::{Flash, done};
use super::person_page::{self, erasure_page};
use super::privacy::{path, received, refusal};
use super::privacy_text::PrivacyWords;
use super::request::{Submission, Visit};
use crate::privacy::PrivacyError;
use crate::privacy::erasure::ErasureInput;
use crate::privacy::register::Status;
use crate::privacy::routes::zip_response;
use crate::web::page::unavailable;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/persons/{person_id}/export", post(export_person))
        .route(
            "/console/persons/{person_id}/erase",
            get(confirm_erasure).post(erase_person),
        )
        .route("/console/persons/{person_id}/legal-hold", post(legal_hold))
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
