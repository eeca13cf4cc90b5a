//! The page after login that asks about the purposes a person has not decided on (or
//! decided on a text since changed materially): each with its full text, Accept and Refuse
//! of equal weight, nothing preselected, and "decide later", which goes on with the login
//! and is not asked again in this browser session. It never blocks a login.

use super::Oidc;
use super::authorize::interaction_url;
use super::interaction::{Step2, context, page, posted};
use super::store::{self, Step};
use crate::audit::Actor;
use crate::consent::{ConsentError, Decision, Method, PurposeState, Recording, State as Standing};
use crate::web::page::{hidden, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

pub async fn choices_page(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let step = match context(&state, &headers, query.as_deref()).await {
        Ok(step) => step,
        Err(response) => return response,
    };
    let to_ask = match state.consent.to_ask(&step.session.person_id).await {
        Ok(to_ask) => to_ask,
        Err(error) => return unavailable(step.locale, "read the privacy choices", &error),
    };
    if to_ask.is_empty() {
        return proceed(&state, &step).await;
    }
    let text = step.locale.text();
    let language = step.locale.tag();
    let auth = step.pending.authorization_request_id.clone();
    page(&state, &headers, step.locale, text.choices_title, |csrf| {
        html! {
            h1 { (text.choices_title) }
            p { (text.choices_intro) }
            form method="post" action="/privacy-choices" {
                (hidden("csrf", csrf))
                (hidden("auth", &auth))
                @for asked in &to_ask {
                    @if let Some(purpose) = state.consent.purposes().get(&asked.purpose_id) {
                        @let shown = purpose.text(language);
                        @let name = format!("choice.{}", purpose.id);
                        fieldset.purpose {
                            legend { (shown.title) }
                            p { (shown.text) }
                            @if asked.state == Some(Standing::Outdated) {
                                p.note { (text.choices_changed) }
                            }
                            (hidden(&format!("version.{}", purpose.id), &purpose.version))
                            label.check { input type="radio" name=(name) value="granted"; " " (text.accept) }
                            label.check { input type="radio" name=(name) value="refused"; " " (text.refuse) }
                        }
                    }
                }
                button type="submit" name="action" value="save" { (text.save_choices) }
                " "
                button type="submit" name="action" value="later" { (text.decide_later) }
            }
        }
    })
}

pub async fn choices_submit(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (step, params) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if params.get("action") == Some("save") {
        let to_ask = match state.consent.to_ask(&step.session.person_id).await {
            Ok(to_ask) => to_ask,
            Err(error) => return unavailable(step.locale, "read the privacy choices", &error),
        };
        match record_choices(&state, &step, &params, &to_ask).await {
            Ok(()) => {}
            // The text changed while the page was open: show the new one.
            Err(ConsentError::StaleVersion { .. }) => {
                let id = &step.pending.authorization_request_id;
                return Redirect::to(&interaction_url("/privacy-choices", id)).into_response();
            }
            Err(error) => return unavailable(step.locale, "record the privacy choices", &error),
        }
    }
    // Whatever was chosen, this session is not asked again.
    if let Err(error) = state.consent.defer_prompt(&step.session.sid).await {
        return unavailable(step.locale, "remember \"decide later\"", &error);
    }
    proceed(&state, &step).await
}

async fn record_choices(
    state: &Oidc,
    step: &Step2,
    params: &Params,
    to_ask: &[PurposeState],
) -> Result<(), ConsentError> {
    let person = &step.session.person_id;
    for asked in to_ask {
        let id = &asked.purpose_id;
        let decision = match params.get(&format!("choice.{id}")) {
            Some("granted") => Decision::Granted,
            Some("refused") => Decision::Refused,
            _ => continue,
        };
        let recording = Recording {
            purpose_id: id.clone(),
            version: params.get(&format!("version.{id}")).map(str::to_string),
            decision,
            method: Method::LoginPrompt,
            client_id: Some(step.request.client_id.clone()),
            note: None,
            language: step.locale.tag().to_string(),
        };
        let actor = Actor::Person(person.clone());
        state.consent.record(actor, person, recording).await?;
    }
    Ok(())
}

/// Marks the page as shown for this request and goes on with the login.
async fn proceed(state: &Oidc, step: &Step2) -> Response {
    let id = &step.pending.authorization_request_id;
    let now = state.clock.now();
    match store::mark_request(&state.db, id, Step::PurposesAsked, now).await {
        Ok(()) => Redirect::to(&interaction_url("/authorize/continue", id)).into_response(),
        Err(error) => unavailable(step.locale, "continue the login", &error),
    }
}
