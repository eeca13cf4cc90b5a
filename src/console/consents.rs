//! `/console/consents`: per purpose, how many people granted, refused or withdrew (counts
//! only, under the small-group rule), for staff with `consents.statistics`; and
//! `/console/persons/{id}/consents`: one person's decisions and ledger for the DPO
//! (`consents.read`), with a form to record a paper or phone decision (`consents.record`).

use super::consent_text::ConsentWords;
use super::errors;
use super::forms::{Flash, done};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::clock::rfc3339;
use crate::consent::statistics::Count;
use crate::consent::{ConsentError, Decision, Method, Recording, State as Standing};
use crate::web::api::Problem;
use crate::web::i18n::Locale;
use crate::web::page::{hidden, unavailable};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/consents", get(statistics))
        .route(
            "/console/persons/{person_id}/consents",
            get(person_consents).post(record_decision),
        )
}

/// A consent error as the console shows it: a refusal to put beside the form, or a page.
fn refusal(
    locale: Locale,
    operation: &str,
    error: ConsentError,
) -> Result<errors::Refusal, Response> {
    match error {
        ConsentError::Database(_) => Err(unavailable(locale, operation, &error)),
        other => {
            let problem = Problem::from(other);
            match problem.kind.status() {
                StatusCode::NOT_FOUND => Err(errors::not_found(locale)),
                StatusCode::FORBIDDEN => Err(errors::forbidden(locale)),
                status => Ok((status, problem.detail.into_owned())),
            }
        }
    }
}

fn count(words: &ConsentWords, count: Count) -> String {
    match count {
        Count::People(n) => n.to_string(),
        Count::FewerThan(n) => words.fewer_than.replace("{n}", &n.to_string()),
    }
}

async fn statistics(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let locale = visit.visitor.locale;
    let words = ConsentWords::of(locale);
    let counts = match console.consent.statistics(&visit.visitor.principal).await {
        Ok(counts) => counts,
        Err(error) => return errors::page(locale, refusal(locale, "count decisions", error)),
    };
    let title = |id: &str| {
        console
            .consent
            .purposes()
            .get(id)
            .map_or(id.to_string(), |p| p.text(locale.tag()).title.clone())
    };
    console.show(&visit, StatusCode::OK, words.title, |_| {
        html! {
            h1 { (words.title) }
            p.muted { (words.intro) }
            table.counts {
                thead { tr { th { (words.purpose) } th { (words.granted) } th { (words.refused) } th { (words.withdrawn) } th { (words.outdated) } } }
                tbody {
                    @for c in &counts {
                        tr {
                            td { (title(&c.purpose_id)) }
                            td { (count(words, c.granted)) }
                            td { (count(words, c.refused)) }
                            td { (count(words, c.withdrawn)) }
                            td { (count(words, c.outdated)) }
                        }
                    }
                }
            }
        }
    })
}

fn state_word(words: &ConsentWords, state: Standing) -> &'static str {
    match state {
        Standing::Granted => words.granted,
        Standing::Refused => words.refused,
        Standing::Withdrawn => words.withdrawn,
        Standing::Outdated => words.outdated,
        Standing::NotAsked => words.not_decided,
    }
}

pub fn path(person_id: &str) -> String {
    format!("/console/persons/{person_id}/consents")
}

async fn person_consents(
    State(console): State<Arc<Console>>,
    visit: Visit,
    Path(person_id): Path<String>,
) -> Response {
    person_page(&console, &visit, &person_id, Flash::of(&visit)).await
}

async fn person_page(console: &Console, visit: &Visit, person_id: &str, flash: Flash) -> Response {
    let locale = visit.visitor.locale;
    let words = ConsentWords::of(locale);
    let by = &visit.visitor.principal;
    let (states, history) = match console.consent.ledger_for_staff(by, person_id).await {
        Ok(found) => found,
        Err(error) => return errors::page(locale, refusal(locale, "read a ledger", error)),
    };
    let may_record = console.may(&visit.visitor, "consents.record", None);
    let language = locale.tag();
    let title = |id: &str| {
        console
            .consent
            .purposes()
            .get(id)
            .map_or(id.to_string(), |p| p.text(language).title.clone())
    };
    let flash = match visit.get("done") {
        Some("recorded") => Flash {
            notice: Some(words.recorded),
            ..flash
        },
        _ => flash,
    };
    console.show(visit, flash.status, words.person_title, |csrf| {
        html! {
            p.muted { a href=(super::person_page::path(person_id)) { (Words::of(locale).persons) } }
            h1 { (words.person_title) }
            (flash.render())
            table {
                thead { tr { th { (words.purpose) } th { (words.state) } } }
                tbody {
                    @for s in &states {
                        tr {
                            td { (title(&s.purpose_id)) }
                            td { @match s.state {
                                Some(state) => (state_word(words, state)),
                                None => (words.not_asked),
                            } }
                        }
                    }
                }
            }
            h2 { (words.history) }
            table {
                thead { tr { th { (words.when) } th { (words.purpose) } th { (words.decision) } th { (words.method) } th { (words.version) } th { (words.note) } th { (words.receipt) } } }
                tbody {
                    @for e in &history {
                        tr {
                            td { (rfc3339(e.recorded_at)) }
                            td { (title(&e.purpose_id)) }
                            td { (e.decision) }
                            td { (e.method) @if let Some(client) = &e.client_id { " (" (client) ")" } }
                            td { code { (&e.purpose_version[..12]) } }
                            td { (e.note.as_deref().unwrap_or("")) }
                            td { code { (e.receipt_id) } }
                        }
                    }
                }
            }
            @if may_record { (record_form(console, words, csrf, person_id, language)) }
        }
    })
}

fn record_form(
    console: &Console,
    words: &ConsentWords,
    csrf: &str,
    person_id: &str,
    language: &str,
) -> Markup {
    let asked = console.consent.purposes().iter().filter(|p| p.is_asked());
    html! {
        h2 { (words.record) }
        p.muted { (words.record_intro) }
        form method="post" action=(path(person_id)) {
            (hidden("csrf", csrf))
            label for="purpose" { (words.purpose) }
            select id="purpose" name="purpose" {
                @for p in asked { option value=(p.id) { (p.text(language).title) } }
            }
            label for="decision" { (words.decision) }
            select id="decision" name="decision" {
                option value="granted" { (words.granted) }
                option value="refused" { (words.refused) }
                option value="withdrawn" { (words.withdrawn) }
            }
            label for="language" { (words.language) }
            select id="language" name="language" {
                option value="sv" selected[language == "sv"] { "Svenska" }
                option value="en" selected[language == "en"] { "English" }
            }
            label for="note" { (words.note) }
            input id="note" name="note" required maxlength="1000";
            button type="submit" { (words.record) }
        }
    }
}

async fn record_decision(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let decision = match visit.get("decision") {
        Some("granted") => Decision::Granted,
        Some("refused") => Decision::Refused,
        Some("withdrawn") => Decision::Withdrawn,
        _ => return errors::bad_request(locale),
    };
    let language = match visit.get("language") {
        Some(l @ ("en" | "sv")) => l.to_string(),
        _ => return errors::bad_request(locale),
    };
    let recording = Recording {
        purpose_id: visit.get("purpose").unwrap_or_default().to_string(),
        version: None,
        decision,
        method: Method::Staff,
        client_id: None,
        note: visit.get("note").map(str::to_string),
        language,
    };
    let by = &visit.visitor.principal;
    match console
        .consent
        .record_by_staff(by, &person_id, recording)
        .await
    {
        Ok(_) => done(&path(&person_id), "recorded"),
        Err(error) => match refusal(locale, "record a decision", error) {
            Ok(refused) => person_page(&console, &visit, &person_id, Flash::refused(refused)).await,
            Err(page) => page,
        },
    }
}
