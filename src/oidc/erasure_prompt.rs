//! The page after login for a person whose account is to be deleted (they asked, GDPR
//! Art. 17, and the grace period runs): when it will happen, "Keep my account" and
//! "Continue, delete it as planned". Keeping cancels on the account pages, which own the
//! person's requests, and comes back to the login; continuing goes on past this page, so
//! it cannot come back. Shown only when the person signed in during this request, and
//! never to a silent one (`prompt=none`).

use super::Oidc;
use super::authorize::{AuthorizationRequest, Decision, interaction_url};
use super::interaction::{context, page, posted};
use super::store::PendingRequest;
use crate::clock::date_text;
use crate::identity::session::Session;
use crate::privacy::register;
use crate::web::i18n::Locale;
use crate::web::page::{hidden, unavailable};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

pub const PATH: &str = "/scheduled-deletion";
/// The account pages' "Keep my account", which returns to `return_to`.
const KEEP: &str = "/account/deletion/cancel";

/// Where to send the person instead of `decision`, when the page is due: after a login in
/// this request, before the code or the purposes page (a person leaving has no use for
/// being asked about new purposes first).
pub(super) async fn interrupt(
    state: &Oidc,
    request: &AuthorizationRequest,
    decision: &Decision,
    pending: Option<&PendingRequest>,
    session: Option<&Session>,
) -> Result<Option<Response>, sqlx::Error> {
    let (Some(pending), Some(session)) = (pending, session) else {
        return Ok(None);
    };
    let silent = request.prompt.iter().any(|p| p == "none");
    let next = matches!(decision, Decision::Issue | Decision::AskPurposes);
    if silent || !next || pending.login_at.is_none() {
        return Ok(None);
    }
    if register::pending_erasure(&state.db, &session.person_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let url = interaction_url(PATH, &pending.authorization_request_id);
    Ok(Some(Redirect::to(&url).into_response()))
}

pub async fn deletion_page(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let step = match context(&state, &headers, query.as_deref()).await {
        Ok(step) => step,
        Err(response) => return response,
    };
    let back = interaction_url(
        "/authorize/continue",
        &step.pending.authorization_request_id,
    );
    let pending = match register::pending_erasure(&state.db, &step.session.person_id).await {
        Ok(Some(row)) => row,
        // Kept meanwhile (another tab): nothing to say.
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(error) => return unavailable(step.locale, "read a pending erasure", &error),
    };
    let words = Words::of(step.locale);
    let title = words.title.replace(
        "{date}",
        &date_text(pending.act_at.unwrap_or(pending.received_at)),
    );
    let auth = step.pending.authorization_request_id.clone();
    page(&state, &headers, step.locale, &title, |csrf| {
        html! {
            h1 { (title) }
            p { (words.intro) }
            form.inline method="post" action=(KEEP) {
                (hidden("csrf", csrf))
                (hidden("return_to", &back))
                button type="submit" name="keep" value="1" { (words.keep) }
            }
            " "
            form.inline method="post" action=(PATH) {
                (hidden("csrf", csrf))
                (hidden("auth", &auth))
                button.secondary type="submit" name="action" value="continue" { (words.proceed) }
            }
        }
    })
}

/// "Continue, delete it as planned".
pub async fn deletion_submit(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (step, _) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // "Decide later" on purposes as well: this login goes straight on, and a person
    // leaving is not asked for new consents.
    if let Err(error) = state.consent.defer_prompt(&step.session.sid).await {
        return unavailable(step.locale, "remember \"decide later\"", &error);
    }
    super::flow::resume_past_deletion(&state, &headers, step.pending, step.request).await
}

struct Words {
    title: &'static str,
    intro: &'static str,
    keep: &'static str,
    proceed: &'static str,
}

impl Words {
    fn of(locale: Locale) -> &'static Words {
        match locale {
            Locale::En => &EN,
            Locale::Sv => &SV,
        }
    }
}

static EN: Words = Words {
    title: "Your account will be deleted on {date}",
    intro: "You asked for your account to be deleted. Nothing has been deleted yet: you can \
            still keep it.",
    keep: "Keep my account",
    proceed: "Continue, delete it as planned",
};

static SV: Words = Words {
    title: "Ditt konto raderas den {date}",
    intro: "Du har bett om att ditt konto ska raderas. Inget har raderats ännu: du kan \
            fortfarande behålla det.",
    keep: "Behåll mitt konto",
    proceed: "Fortsätt, radera det som planerat",
};
