//! `/console/audit`: the audit log for staff with `audit.read`, newest first, filtered by
//! actor, target, action, customer account and time; a CSV export of every match; and a
//! button that recomputes the hash chain and names the first event that does not fit.

use super::errors;
use super::forms::{Flash, PAGE_SIZE, cursor, href, next_page};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::audit::routes::{AuditQuery, csv_response};
use crate::audit::store::ListedEvent;
use crate::audit::{Verification, store};
use crate::clock::rfc3339;
use crate::web::api::Page;
use crate::web::page::{hidden, unavailable};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/audit", get(list_events))
        .route("/console/audit/export", get(export_events))
        .route("/console/audit/verify", post(verify_chain))
}

const FILTERS: [&str; 6] = ["actor", "target", "action", "customer", "from", "to"];

fn filters(visit: &Visit) -> Vec<(&'static str, Option<&str>)> {
    FILTERS
        .iter()
        .map(|name| (*name, visit.get(name)))
        .collect()
}

/// The filters as the API reads them, so both accept and refuse the same times.
fn query(visit: &Visit) -> AuditQuery {
    let get = |name: &str| visit.get(name).map(str::to_string);
    AuditQuery {
        actor: get("actor"),
        target: get("target"),
        action: get("action"),
        customer: get("customer"),
        from: get("from"),
        to: get("to"),
        format: None,
    }
}

/// `Err` with the 403 page unless the visitor may read the log.
fn require_reader(console: &Console, visit: &Visit) -> Result<(), Response> {
    let locale = visit.visitor.locale;
    console
        .audit
        .require_reader(&visit.visitor.principal)
        .map_err(|problem| errors::page(locale, errors::refusal(locale, problem)))
}

async fn list_events(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    audit_page(&console, &visit, Flash::of(&visit), None).await
}

async fn export_events(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let locale = visit.visitor.locale;
    if let Err(page) = require_reader(&console, &visit) {
        return page;
    }
    match query(&visit).filter() {
        Ok(filter) => csv_response(console.audit.db.clone(), filter),
        Err(problem) => errors::page(locale, errors::refusal(locale, problem)),
    }
}

async fn verify_chain(
    State(console): State<Arc<Console>>,
    Submission(visit): Submission,
) -> Response {
    if let Err(page) = require_reader(&console, &visit) {
        return page;
    }
    match crate::audit::verify(&console.audit.db, &[]).await {
        Ok(verification) => {
            audit_page(&console, &visit, Flash::of(&visit), Some(verification)).await
        }
        Err(error) => unavailable(visit.visitor.locale, "verify the audit chain", &error),
    }
}

async fn audit_page(
    console: &Console,
    visit: &Visit,
    mut flash: Flash,
    verification: Option<Verification>,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    if let Err(page) = require_reader(console, visit) {
        return page;
    }
    let mut page = Page {
        items: Vec::new(),
        next_cursor: None,
    };
    match query(visit).filter() {
        Ok(mut filter) => {
            filter.before_seq = match cursor(visit) {
                Ok(before) => before,
                Err(page) => return page,
            };
            let rows = match store::list(&console.audit.db, &filter, PAGE_SIZE + 1).await {
                Ok(rows) => rows,
                Err(error) => return unavailable(locale, "list audit events", &error),
            };
            page = Page::from_rows(rows, PAGE_SIZE, |listed| listed.event.seq);
        }
        Err(problem) => match errors::refusal(locale, problem) {
            Ok(refusal) => flash = Flash::refused(refusal),
            Err(page) => return page,
        },
    }
    let filters = filters(visit);
    console.show(visit, flash.status, words.audit, |csrf| {
        html! {
            h1 { (words.audit) }
            (flash.render())
            @if let Some(verification) = &verification { (verified(words, verification)) }
            (filter_form(words, visit))
            p { a href=(href("/console/audit/export", &filters)) { (words.export_csv) } }
            (event_table(words, &page.items))
            (next_page(words, "/console/audit", &filters, page.next_cursor.as_deref()))
            form method="post" action="/console/audit/verify" {
                (hidden("csrf", csrf))
                p.muted { (words.verify_note) }
                button.secondary type="submit" { (words.verify_chain) }
            }
        }
    })
}

fn verified(words: &Words, verification: &Verification) -> Markup {
    let summary = words
        .chain_checked
        .replace("{events}", &verification.events.to_string())
        .replace(
            "{checkpoints}",
            &verification.checkpoints_checked.to_string(),
        );
    html! {
        @match &verification.problem {
            None => p.notice role="status" { (words.chain_intact) " " (summary) },
            Some(problem) => p.error role="alert" { (words.chain_broken) " " (problem.to_string()) },
        }
    }
}

fn filter_form(words: &Words, visit: &Visit) -> Markup {
    let labels = [
        ("actor", words.actor),
        ("target", words.target),
        ("action", words.action),
        ("customer", words.customer_id),
        ("from", words.from),
        ("to", words.to),
    ];
    html! {
        form.filters method="get" action="/console/audit" {
            @for (name, label) in labels {
                label for=(name) { (label) }
                input id=(name) name=(name) value=(visit.get(name).unwrap_or_default());
            }
            p.muted { (words.time_format) }
            button type="submit" { (words.search) }
        }
    }
}

fn event_table(words: &Words, events: &[ListedEvent]) -> Markup {
    // A person is shown by id while the reference still leads to one.
    let pair = |kind: &Option<String>, id: &Option<String>, person: &Option<String>| match (
        kind.as_deref(),
        id,
        person,
    ) {
        (Some("person"), _, Some(person)) => format!("person {person}"),
        (Some("person"), Some(_), None) => words.erased_person.to_string(),
        (Some(kind), Some(id), _) => format!("{kind} {id}"),
        (Some(kind), None, _) => kind.to_string(),
        _ => String::new(),
    };
    html! {
        @if events.is_empty() {
            p.muted { (words.none_found) }
        } @else {
            table.events {
                thead { tr {
                    th { "#" } th { (words.time) } th { (words.actor) } th { (words.action) }
                    th { (words.target) } th { (words.customer_id) } th { (words.outcome) } th { (words.details) }
                } }
                tbody {
                    @for listed in events {
                        @let event = &listed.event;
                        tr {
                            td { (event.seq) }
                            td { (rfc3339(event.occurred_at)) }
                            td { (pair(&Some(event.actor_kind.clone()), &event.actor_id, &listed.actor_person_id)) }
                            td { code { (event.action) } }
                            td { (pair(&event.target_kind, &event.target_id, &listed.target_person_id)) }
                            td { (event.customer_account_id.as_deref().unwrap_or_default()) }
                            td { (event.outcome) }
                            td { code { (event.details) } }
                        }
                    }
                }
            }
        }
    }
}
