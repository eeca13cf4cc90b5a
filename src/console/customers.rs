//! `/console/customers`: the customer accounts the visitor may see (staff: all; a customer
//! admin: their own), a form for new ones, and each account's page with its name and
//! status, its people and its invitations.

use super::errors;
use super::forms::{Flash, PAGE_SIZE, cursor, done, href, next_page, select, version};
use super::people;
use super::request::{Submission, Visit};
use super::{Console, Words};
use crate::clock::rfc3339;
use crate::identity::service::customers::CustomerPatch;
use crate::identity::store::customers::{CustomerFilter, CustomerRow};
use crate::web::api::Page;
use crate::web::page::hidden;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route(
            "/console/customers",
            get(list_customers).post(create_customer),
        )
        .route(
            "/console/customers/{customer_id}",
            get(show_customer).post(update_customer),
        )
}

pub fn path(customer_id: &str) -> String {
    format!("/console/customers/{customer_id}")
}

async fn list_customers(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    customers_page(&console, &visit, Flash::of(&visit)).await
}

async fn create_customer(
    State(console): State<Arc<Console>>,
    Submission(visit): Submission,
) -> Response {
    let name = visit.get("name").unwrap_or_default();
    let created = console
        .identity
        .create_customer(&visit.visitor.principal, name)
        .await;
    match created {
        Ok(row) => done(&path(&row.customer_account_id), "created"),
        Err(error) => {
            match errors::identity(visit.visitor.locale, "create a customer account", error) {
                Ok(refusal) => customers_page(&console, &visit, Flash::refused(refusal)).await,
                Err(page) => page,
            }
        }
    }
}

async fn show_customer(
    State(console): State<Arc<Console>>,
    Path(customer_id): Path<String>,
    visit: Visit,
) -> Response {
    customer_page(&console, &visit, &customer_id, Flash::of(&visit)).await
}

async fn update_customer(
    State(console): State<Arc<Console>>,
    Path(customer_id): Path<String>,
    Submission(visit): Submission,
) -> Response {
    let version = match version(&visit) {
        Ok(version) => version,
        Err(page) => return page,
    };
    let patch = CustomerPatch {
        name: visit.get("name").map(str::to_string),
        status: visit.get("status").map(str::to_string),
    };
    let updated = console
        .identity
        .update_customer(&visit.visitor.principal, &customer_id, patch, version)
        .await;
    match updated {
        Ok(_) => done(&path(&customer_id), "saved"),
        Err(error) => {
            match errors::identity(visit.visitor.locale, "update a customer account", error) {
                Ok(refusal) => {
                    customer_page(&console, &visit, &customer_id, Flash::refused(refusal)).await
                }
                Err(page) => page,
            }
        }
    }
}

/// The list, filtered by `q` (name prefix) and `status`, in name order.
async fn customers_page(console: &Console, visit: &Visit, flash: Flash) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let filter = CustomerFilter {
        q: visit.get("q").map(str::to_string),
        status: visit.get("status").map(str::to_string),
        only: None,
        after: match cursor(visit) {
            Ok(after) => after,
            Err(page) => return page,
        },
    };
    let listed = console
        .identity
        .list_customers(&visit.visitor.principal, filter, PAGE_SIZE)
        .await;
    let rows = match listed {
        Ok(rows) => rows,
        Err(error) => {
            return errors::page(
                locale,
                errors::identity(locale, "list customer accounts", error),
            );
        }
    };
    let page = Page::from_rows(rows, PAGE_SIZE, |row| {
        (row.name_normalized.clone(), row.customer_account_id.clone())
    });
    let may_create = console.may(&visit.visitor, "customers.manage", None);
    let filters = [("q", visit.get("q")), ("status", visit.get("status"))];
    console.show(visit, flash.status, words.customers, |csrf| {
        html! {
            h1 { (words.customers) }
            (flash.render())
            (filter_form(words, visit))
            (customer_table(words, &page.items))
            (next_page(words, "/console/customers", &filters, page.next_cursor.as_deref()))
            @if may_create { (new_customer_form(words, csrf, visit)) }
        }
    })
}

fn status_options(words: &Words) -> [(&'static str, &'static str); 2] {
    [
        ("active", words.status_active),
        ("suspended", words.status_suspended),
    ]
}

fn filter_form(words: &Words, visit: &Visit) -> Markup {
    let any = [("", words.any_status)];
    let options: Vec<_> = any.into_iter().chain(status_options(words)).collect();
    html! {
        form.filters method="get" action="/console/customers" {
            label for="q" { (words.search_name) }
            input id="q" name="q" type="search" value=(visit.get("q").unwrap_or_default());
            label for="status" { (words.status) }
            (select("status", &options, visit.get("status")))
            button type="submit" { (words.search) }
        }
    }
}

fn customer_table(words: &Words, rows: &[CustomerRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (words.none_found) }
        } @else {
            table {
                thead { tr { th { (words.name) } th { (words.status) } th { (words.created) } } }
                tbody {
                    @for row in rows {
                        tr {
                            td { a href=(path(&row.customer_account_id)) { (row.name) } }
                            td { (words.status_name(&row.status)) }
                            td { (rfc3339(row.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn new_customer_form(words: &Words, csrf: &str, visit: &Visit) -> Markup {
    html! {
        h2 { (words.new_customer) }
        form method="post" action="/console/customers" {
            (hidden("csrf", csrf))
            label for="name" { (words.name) }
            input id="name" name="name" required maxlength="200" value=(visit.get("name").unwrap_or_default());
            button type="submit" { (words.create) }
        }
    }
}

/// One account: its details, the form to change them (for those who may), and its
/// people. Also the page a refused member or invitation form comes back to.
pub async fn customer_page(
    console: &Console,
    visit: &Visit,
    customer_id: &str,
    flash: Flash,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let found = console
        .identity
        .customer(&visit.visitor.principal, customer_id)
        .await;
    let customer = match found {
        Ok(customer) => customer,
        Err(error) => {
            return errors::page(
                locale,
                errors::identity(locale, "read a customer account", error),
            );
        }
    };
    let people = match people::load(console, visit, customer_id).await {
        Ok(people) => people,
        Err(page) => return page,
    };
    let may_edit = console.may(&visit.visitor, "customers.manage", Some(customer_id));
    console.show(visit, flash.status, &customer.name, |csrf| {
        html! {
            p.muted { a href="/console/customers" { (words.customers) } }
            h1 { (customer.name) }
            (flash.render())
            (customer_facts(words, &customer))
            @if may_edit { (edit_form(words, csrf, visit, &customer)) }
            @if let Some(people) = &people { (people.render(words, csrf, visit, customer_id)) }
        }
    })
}

fn customer_facts(words: &Words, customer: &CustomerRow) -> Markup {
    let people = href(
        "/console/persons",
        &[("customer", Some(&customer.customer_account_id))],
    );
    html! {
        dl {
            dt { (words.status) } dd { (words.status_name(&customer.status)) }
            dt { (words.created) } dd { (rfc3339(customer.created_at)) }
            dt { (words.id) } dd { code { (customer.customer_account_id) } }
        }
        p { a href=(people) { (words.people_of_account) } }
    }
}

fn edit_form(words: &Words, csrf: &str, visit: &Visit, customer: &CustomerRow) -> Markup {
    let name = visit.get("name").unwrap_or(&customer.name);
    let status = visit.get("status").unwrap_or(&customer.status);
    html! {
        h2 { (words.edit) }
        form method="post" action=(path(&customer.customer_account_id)) {
            (hidden("csrf", csrf))
            (hidden("version", &customer.version.to_string()))
            label for="name" { (words.name) }
            input id="name" name="name" required maxlength="200" value=(name);
            label for="status" { (words.status) }
            (select("status", &status_options(words), Some(status)))
            button type="submit" { (words.save) }
        }
    }
}
