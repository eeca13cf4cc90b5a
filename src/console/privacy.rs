//! `/console/requests`: the register of data subject requests as the DPO works it (GDPR
//! Art. 12 to 22): the queue by deadline with overdue requests first, registering a request
//! received by letter, phone, e-mail or in person, and one request with what was done and,
//! for an erasure, how each portal app's notification went (Art. 19). Also the person
//! page's privacy forms: the export zip (Art. 15, 20), erasure after a confirmation
//! (Art. 17) and legal holds (Art. 17(3)). The privacy service checks every permission
//! itself; these pages only choose which links and forms to offer.

use super::errors::{self, Refusal};
use super::forms::{Flash, PAGE_SIZE, cursor, done, next_page, select};
use super::person_page;
use super::privacy_text::{KINDS, PrivacyWords, STATUSES};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::clock::{date_text, rfc3339};
use crate::privacy::PrivacyError;
use crate::privacy::notify::NotificationStatus;
use crate::privacy::register::{Channel, Kind, RequestFilter, RequestRow, Status};
use crate::privacy::requests::NewRequestInput;
use crate::web::api::{Page, Problem};
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
        .route(
            "/console/requests",
            get(list_requests).post(register_request),
        )
        .route("/console/requests/{dsr_id}", get(show_request))
        .route("/console/requests/{dsr_id}/status", post(change_status))
        .merge(super::person_privacy::router())
}

pub fn path(dsr_id: &str) -> String {
    format!("/console/requests/{dsr_id}")
}

/// Channels a request reaches the DPO by; self-service and API requests register themselves.
const RECEIVED_BY: [Channel; 4] = [
    Channel::Letter,
    Channel::Phone,
    Channel::Email,
    Channel::InPerson,
];

/// What the register says when the DPO leaves the verification empty (as the API does).
pub(super) const BY_THE_DPO: &str = "by the data protection officer";

/// A privacy error as the console shows it: a refusal to put beside the form, or a page.
pub fn refusal(locale: Locale, operation: &str, error: PrivacyError) -> Result<Refusal, Response> {
    match error {
        PrivacyError::Database(_) => Err(unavailable(locale, operation, &error)),
        other => errors::refusal(locale, Problem::from(other)),
    }
}

/// The page's flash, with the notice for this module's `?done=…` keys.
pub fn with_notice(visit: &Visit, flash: Flash) -> Flash {
    let words = PrivacyWords::of(visit.visitor.locale);
    match visit.get("done").and_then(|key| words.done(key)) {
        Some(notice) => Flash {
            notice: Some(notice),
            ..flash
        },
        None => flash,
    }
}

async fn list_requests(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let flash = with_notice(&visit, Flash::of(&visit));
    queue_page(&console, &visit, flash).await
}

async fn queue_page(console: &Console, visit: &Visit, flash: Flash) -> Response {
    let locale = visit.visitor.locale;
    let words = PrivacyWords::of(locale);
    let now = console.privacy.clock.now();
    let show = visit.get("show").unwrap_or("open");
    if !matches!(show, "open" | "overdue" | "all") {
        return errors::bad_request(locale);
    }
    let filter = RequestFilter {
        open: show == "open",
        overdue_at: (show == "overdue").then_some(now),
        after: match cursor(visit) {
            Ok(after) => after,
            Err(page) => return page,
        },
        ..Default::default()
    };
    let by = &visit.visitor.principal;
    let rows = match console
        .privacy
        .list_requests(by, &filter, PAGE_SIZE + 1)
        .await
    {
        Ok(rows) => rows,
        Err(error) => return errors::page(locale, refusal(locale, "list requests", error)),
    };
    let mut page = Page::from_rows(rows, PAGE_SIZE, |r| (r.deadline.clone(), r.dsr_id.clone()));
    // Open requests come by deadline, so the overdue ones lead already; among all requests,
    // closed ones with early deadlines would come first, so the page puts overdue ones ahead.
    page.items.sort_by_key(|r| !r.is_overdue(now));
    let choices = [
        ("open", words.show_open),
        ("overdue", words.show_overdue),
        ("all", words.show_all),
    ];
    console.show(visit, flash.status, words.requests, |csrf| {
        html! {
            h1 { (words.requests) }
            p.muted { (words.queue_intro) }
            p {
                @for (i, (value, label)) in choices.iter().enumerate() {
                    @if i > 0 { " · " }
                    @if *value == show { strong { (label) } }
                    @else { a href=(format!("/console/requests?show={value}")) { (label) } }
                }
            }
            (flash.render())
            (request_table(words, Words::of(locale), &page.items, now))
            (next_page(Words::of(locale), "/console/requests", &[("show", Some(show))], page.next_cursor.as_deref()))
            @if console.may(&visit.visitor, "dsr.manage", None) {
                (register_form(console, words, csrf, visit))
            }
        }
    })
}

/// Requests as rows: each links to its page, overdue ones say so.
pub fn request_table(
    words: &PrivacyWords,
    common: &Words,
    rows: &[RequestRow],
    now: i64,
) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (common.none_found) }
        } @else {
            table.requests {
                thead { tr {
                    th { (words.kind) } th { (words.person) } th { (words.channel) }
                    th { (words.received) } th { (words.deadline) } th { (words.status) }
                } }
                tbody {
                    @for row in rows {
                        @let overdue = row.is_overdue(now);
                        tr.overdue[overdue] {
                            td { a href=(path(&row.dsr_id)) { (words.kind_text(&row.kind)) } }
                            td { (person_link(common, row.person_id.as_deref())) }
                            td { (words.channel_text(&row.channel)) }
                            td { (date_text(row.received_at)) }
                            td {
                                (row.deadline)
                                @if overdue { " " strong.overdue { "(" (words.overdue) ")" } }
                            }
                            td { (words.status(row.status())) }
                        }
                    }
                }
            }
        }
    }
}

fn person_link(common: &Words, person_id: Option<&str>) -> Markup {
    html! {
        @match person_id {
            Some(id) => a href=(person_page::path(id)) { code { (id) } },
            None => em { (common.erased_person) },
        }
    }
}

fn register_form(console: &Console, words: &PrivacyWords, csrf: &str, visit: &Visit) -> Markup {
    let language = visit.visitor.locale.tag();
    let kinds: Vec<_> = KINDS.iter().map(|k| (k.as_str(), words.kind(*k))).collect();
    let purposes: Vec<_> = console
        .consent
        .purposes()
        .iter()
        .map(|p| (p.id.as_str(), p.text(language).title.as_str()))
        .collect();
    let purposes: Vec<_> = [("", "—")].into_iter().chain(purposes).collect();
    html! {
        h2 id="register" { (words.register) }
        p.muted { (words.register_intro) }
        form method="post" action="/console/requests" {
            (hidden("csrf", csrf))
            label for="kind" { (words.kind) }
            (select("kind", &kinds, visit.get("kind")))
            label for="person_id" { (words.person_id) }
            input id="person_id" name="person_id" required value=(visit.get("person_id").unwrap_or_default());
            (received_fields(words, visit, true))
            label for="purpose" { (words.purpose_for_objection) }
            (select("purpose", &purposes, visit.get("purpose")))
            button type="submit" { (words.register) }
        }
    }
}

/// How a request came in and how the requester was identified: the register keeps both.
pub fn received_fields(words: &PrivacyWords, visit: &Visit, required: bool) -> Markup {
    let channels: Vec<_> = RECEIVED_BY
        .iter()
        .map(|c| (c.as_str(), words.channel(*c)))
        .collect();
    html! {
        label for="channel" { (words.channel) }
        (select("channel", &channels, visit.get("channel")))
        label for="verification" { (words.verification) }
        input id="verification" name="verification" maxlength="500" required[required]
            value=(visit.get("verification").unwrap_or_default());
        @if !required { p.muted { (words.verification_default) } }
    }
}

/// The channel and verification a form submitted; `None` for a forged channel.
pub(super) fn received(visit: &Visit) -> Option<(Channel, &str)> {
    let channel = visit
        .get("channel")
        .and_then(Channel::parse)
        .filter(|c| RECEIVED_BY.contains(c))?;
    let verification = visit
        .get("verification")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(BY_THE_DPO);
    Some((channel, verification))
}

async fn register_request(
    State(console): State<Arc<Console>>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let (Some(kind), Some((channel, _))) =
        (visit.get("kind").and_then(Kind::parse), received(&visit))
    else {
        return errors::bad_request(locale);
    };
    let input = NewRequestInput {
        kind,
        person_id: visit.get("person_id").unwrap_or_default().trim(),
        channel,
        // Unlike the person page's forms, registering asks for it: the service refuses blank.
        verification: visit.get("verification").unwrap_or_default(),
        purpose_id: visit.get("purpose").filter(|p| !p.is_empty()),
    };
    let registered = console
        .privacy
        .register_request(&visit.visitor.principal, input)
        .await;
    let refused = match registered {
        Ok(row) => return done(&path(&row.dsr_id), "registered"),
        // A mistyped person id is the form's mistake, not a missing page.
        Err(PrivacyError::NotFound("person")) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            PrivacyWords::of(locale).no_such_person.to_string(),
        )),
        Err(error) => refusal(locale, "register a request", error),
    };
    match refused {
        Ok(refused) => queue_page(&console, &visit, Flash::refused(refused)).await,
        Err(page) => page,
    }
}

async fn show_request(
    State(console): State<Arc<Console>>,
    Path(dsr_id): Path<String>,
    visit: Visit,
) -> Response {
    let flash = with_notice(&visit, Flash::of(&visit));
    request_page(&console, &visit, &dsr_id, flash).await
}

async fn request_page(console: &Console, visit: &Visit, dsr_id: &str, flash: Flash) -> Response {
    let locale = visit.visitor.locale;
    let (words, common) = (PrivacyWords::of(locale), Words::of(locale));
    let (row, notifications) = match console
        .privacy
        .request(&visit.visitor.principal, dsr_id)
        .await
    {
        Ok(found) => found,
        Err(error) => return errors::page(locale, refusal(locale, "read a request", error)),
    };
    let now = console.privacy.clock.now();
    let status = row.status();
    let may_move = !status.is_closed() && console.may(&visit.visitor, "dsr.manage", None);
    let title = format!("{}: {}", words.request, words.kind_text(&row.kind));
    console.show(visit, flash.status, &title, |csrf| {
        html! {
            p.muted { a href="/console/requests" { (words.requests) } }
            h1 { (title) }
            (flash.render())
            dl {
                dt { (words.status) }
                dd { (words.status(status)) @if let Some(reason) = &row.status_reason { ": " (reason) } }
                dt { (words.person) } dd { (person_link(common, row.person_id.as_deref())) }
                @if let Some(id) = &row.purpose_id {
                    dt { (words.purpose) }
                    dd { (console.consent.purposes().get(id).map_or(id.as_str(), |p| p.text(locale.tag()).title.as_str())) }
                }
                dt { (words.channel) } dd { (words.channel_text(&row.channel)) }
                dt { (words.verification) } dd { (row.verification) }
                dt { (words.received) } dd { (rfc3339(row.received_at)) }
                dt { (words.deadline) }
                dd { (row.deadline) @if row.is_overdue(now) { " " strong.overdue { "(" (words.overdue) ")" } } }
                @if let Some(at) = row.act_at { dt { (words.act_at) } dd { (rfc3339(at)) } }
                @if let Some(at) = row.completed_at { dt { (words.closed_at) } dd { (rfc3339(at)) } }
            }
            h2 { (words.actions) }
            table {
                thead { tr { th { (words.when) } th { (words.what) } } }
                tbody { @for action in row.actions() { tr { td { (rfc3339(action.at)) } td { (action.what) } } } }
            }
            @if row.kind() == Some(Kind::Erasure) { (notification_table(words, &notifications)) }
            @if may_move { (status_form(words, csrf, &row, visit)) }
        }
    })
}

fn notification_table(words: &PrivacyWords, notifications: &[NotificationStatus]) -> Markup {
    html! {
        h2 { (words.apps_told) }
        @if notifications.is_empty() {
            p.muted { (words.no_apps_told) }
        } @else {
            table.notifications {
                thead { tr { th { (words.app) } th { (words.message) } th { (words.state) } th { (words.last_error) } } }
                tbody {
                    @for n in notifications {
                        tr {
                            td { code { (n.client_id) } }
                            td { (n.kind) }
                            td { (notification_state(words, n)) }
                            td { (n.last_error.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// Delivered, failed for good, still waiting for a first try, or retrying since it was queued.
fn notification_state(words: &PrivacyWords, n: &NotificationStatus) -> String {
    use crate::privacy::notify::DeliveryState as Delivery;
    let (text, at) = match n.delivery() {
        Delivery::Delivered => (words.delivered, n.delivered_at.unwrap_or_default()),
        Delivery::Failed => (words.failed, n.failed_at.unwrap_or_default()),
        Delivery::Queued => (words.queued, n.queued_at),
        Delivery::Retrying => (words.retrying, n.queued_at),
    };
    text.replace("{at}", &rfc3339(at))
        .replace("{n}", &n.attempts.to_string())
}

fn status_form(words: &PrivacyWords, csrf: &str, row: &RequestRow, visit: &Visit) -> Markup {
    let choices: Vec<_> = STATUSES
        .iter()
        .filter(|s| **s != Status::Received)
        .map(|s| (s.as_str(), words.status(*s)))
        .collect();
    html! {
        h2 { (words.move_along) }
        p.muted { (words.move_note) }
        form method="post" action=(format!("{}/status", path(&row.dsr_id))) {
            (hidden("csrf", csrf))
            label for="status" { (words.new_status) }
            (select("status", &choices, visit.get("status")))
            label for="reason" { (words.reason) }
            input id="reason" name="reason" maxlength="500" value=(visit.get("reason").unwrap_or_default());
            button type="submit" { (words.change_status) }
        }
    }
}

async fn change_status(
    State(console): State<Arc<Console>>,
    Path(dsr_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let locale = visit.visitor.locale;
    let Some(status) = visit.get("status").and_then(Status::parse) else {
        return errors::bad_request(locale);
    };
    let changed = console
        .privacy
        .change_status(
            &visit.visitor.principal,
            &dsr_id,
            status,
            visit.get("reason"),
        )
        .await;
    match changed.map_err(|e| refusal(locale, "change a request's status", e)) {
        Ok(_) => done(&path(&dsr_id), "moved"),
        Err(Ok(refused)) => request_page(&console, &visit, &dsr_id, Flash::refused(refused)).await,
        Err(Err(page)) => page,
    }
}
