//! `/console/persons`: searching people by email or name prefix, and each person's page.
//! Staff see everyone with their staff roles and every membership; a customer admin sees
//! only the people of their own accounts and those memberships (the service decides).
//! Editing, staff roles and disabling are for staff holding `people.manage`.

use super::errors;
use super::forms::{
    Flash, PAGE_SIZE, checked_roles, cursor, done, href, next_page, select, version,
};
use super::person_page::{STAFF_ROLE, path, person_page};
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::authz::RoleKind;
use crate::identity::IdentityError;
use crate::identity::service::persons::{PersonDetail, PersonPatch};
use crate::identity::store::persons::{PersonFilter, PersonRow};
use crate::web::api::Page;
use crate::web::page::hidden;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/persons", get(list_persons))
        .route(
            "/console/persons/{person_id}",
            get(show_person).post(update_person),
        )
        .route("/console/persons/{person_id}/disable", post(disable_person))
        .route("/console/persons/{person_id}/enable", post(enable_person))
}

async fn list_persons(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let filter = PersonFilter {
        q: visit.get("q").map(str::to_string),
        status: visit.get("status").map(str::to_string),
        accounts: None,
        after: match cursor(&visit) {
            Ok(after) => after,
            Err(page) => return page,
        },
    };
    let customer = visit.get("customer");
    let listed = console
        .identity
        .list_persons(&visit.visitor.principal, filter, customer, PAGE_SIZE)
        .await;
    let rows = match listed {
        Ok(rows) => rows,
        Err(error) => return errors::page(locale, errors::identity(locale, "list persons", error)),
    };
    let page = Page::from_rows(rows, PAGE_SIZE, |row| row.email_normalized.clone());
    let filters = [
        ("q", visit.get("q")),
        ("status", visit.get("status")),
        ("customer", customer),
    ];
    let flash = Flash::of(&visit);
    console.show(&visit, flash.status, words.persons, |_| {
        html! {
            h1 { (words.persons) }
            (flash.render())
            (filter_form(words, &visit))
            (person_table(words, &page.items))
            (next_page(words, "/console/persons", &filters, page.next_cursor.as_deref()))
        }
    })
}

fn status_options(words: &Words) -> [(&'static str, &'static str); 2] {
    [
        ("active", words.status_active),
        ("disabled", words.status_disabled),
    ]
}

fn filter_form(words: &Words, visit: &Visit) -> Markup {
    let options: Vec<_> = [("", words.any_status)]
        .into_iter()
        .chain(status_options(words))
        .collect();
    html! {
        form.filters method="get" action="/console/persons" {
            label for="q" { (words.search_email_or_name) }
            input id="q" name="q" type="search" value=(visit.get("q").unwrap_or_default());
            label for="status" { (words.status) }
            (select("status", &options, visit.get("status")))
            @if let Some(customer) = visit.get("customer") {
                (hidden("customer", customer))
                p.muted {
                    (words.only_account) " " code { (customer) } " · "
                    a href=(href("/console/persons", &[("q", visit.get("q")), ("status", visit.get("status"))])) { (words.all_accounts) }
                }
            }
            button type="submit" { (words.search) }
        }
    }
}

fn person_table(words: &Words, rows: &[PersonRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (words.none_found) }
        } @else {
            table {
                thead { tr { th { (words.email) } th { (words.name) } th { (words.kind) } th { (words.status) } } }
                tbody {
                    @for row in rows {
                        tr {
                            td { a href=(path(&row.person_id)) { (row.email) } }
                            td { (row.display_name) }
                            td { (words.kind_name(&row.kind)) }
                            td { (words.status_name(&row.status)) }
                        }
                    }
                }
            }
        }
    }
}

async fn show_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    visit: Visit,
) -> Response {
    person_page(&console, &visit, &person_id, Flash::of(&visit)).await
}

async fn update_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    // Only a staff member's form has role boxes; a customer user holds no staff roles.
    let staff_roles = visit.params.contains("staff").then(|| {
        let choices = console.role_choices(&visit, RoleKind::Staff, None);
        checked_roles(&visit, STAFF_ROLE, &choices)
    });
    let patch = PersonPatch {
        email: visit.get("email").map(str::to_string),
        display_name: visit.get("name").map(str::to_string),
        locale: visit.get("locale").map(str::to_string),
        staff_roles,
    };
    let updated = console
        .identity
        .update_person(&visit.visitor.principal, &person_id, patch, version)
        .await;
    finish(
        &console,
        &visit,
        &person_id,
        updated,
        "update a person",
        "saved",
    )
    .await
}

async fn disable_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let disabled = console
        .identity
        .disable_person(&visit.visitor.principal, &person_id)
        .await;
    finish(
        &console,
        &visit,
        &person_id,
        disabled,
        "disable a person",
        "disabled",
    )
    .await
}

async fn enable_person(
    State(console): State<Arc<Console>>,
    Path(person_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let enabled = console
        .identity
        .enable_person(&visit.visitor.principal, &person_id)
        .await;
    finish(
        &console,
        &visit,
        &person_id,
        enabled,
        "enable a person",
        "enabled",
    )
    .await
}

async fn finish(
    console: &Console,
    visit: &Visit,
    person_id: &str,
    result: Result<PersonDetail, IdentityError>,
    operation: &str,
    done_key: &str,
) -> Response {
    match result {
        Ok(_) => done(&path(person_id), done_key),
        Err(error) => match errors::identity(visit.visitor.locale, operation, error) {
            Ok(refusal) => person_page(console, visit, person_id, Flash::refused(refusal)).await,
            Err(page) => page,
        },
    }
}
