//! One person's console page: what the visitor may see of them (the service limits a
//! customer admin to their own accounts' memberships) and, for staff with
//! `people.manage`, the edit form with staff roles and the disable or enable button.

use super::forms::{Flash, role_boxes, select};
use super::request::Visit;
use super::{Console, Words, errors};
use crate::authz::RoleKind;
use crate::clock::rfc3339;
use crate::identity::service::persons::PersonDetail;
use crate::identity::store::persons::PersonRow;
use crate::web::page::hidden;
use axum::response::Response;
use maud::{Markup, html};

pub fn path(person_id: &str) -> String {
    format!("/console/persons/{person_id}")
}

/// Staff role checkboxes are named `role.<name>`.
pub const STAFF_ROLE: &str = "role.";

pub async fn person_page(
    console: &Console,
    visit: &Visit,
    person_id: &str,
    flash: Flash,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let found = console
        .identity
        .person(&visit.visitor.principal, person_id)
        .await;
    let person = match found {
        Ok(person) => person,
        Err(error) => {
            return errors::page(locale, errors::identity(locale, "read a person", error));
        }
    };
    let may_manage = console.may(&visit.visitor, "people.manage", None);
    console.show(visit, flash.status, &person.row.display_name, |csrf| {
        html! {
            p.muted { a href="/console/persons" { (words.persons) } }
            h1 { (person.row.display_name) }
            (flash.render())
            (person_facts(words, &person))
            (memberships(words, &person))
            @if console.may(&visit.visitor, "consents.read", None) {
                p { a href=(super::consents::path(person_id)) { (super::consent_text::ConsentWords::of(locale).consents_link) } }
            }
            @if may_manage {
                (edit_form(console, words, csrf, visit, &person))
                (status_form(words, csrf, &person.row))
            }
        }
    })
}

fn person_facts(words: &Words, person: &PersonDetail) -> Markup {
    let row = &person.row;
    html! {
        dl {
            dt { (words.email) } dd { (row.email) }
            dt { (words.language) } dd { (row.locale.as_deref().unwrap_or("—")) }
            dt { (words.kind) } dd { (words.kind_name(&row.kind)) }
            dt { (words.status) } dd { (words.status_name(&row.status)) }
            dt { (words.created) } dd { (rfc3339(row.created_at)) }
            @if let Some(roles) = &person.staff_roles {
                dt { (words.staff_roles) } dd { (roles.join(", ")) }
            }
        }
    }
}

fn memberships(words: &Words, person: &PersonDetail) -> Markup {
    html! {
        @if !person.memberships.is_empty() {
            h2 { (words.customers) }
            table {
                thead { tr { th { (words.name) } th { (words.status) } th { (words.roles) } } }
                tbody {
                    @for (id, name, status, roles) in &person.memberships {
                        tr {
                            td { a href=(super::customers::path(id)) { (name) } }
                            td { (words.status_name(status)) }
                            td { (roles.join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

fn edit_form(
    console: &Console,
    words: &Words,
    csrf: &str,
    visit: &Visit,
    person: &PersonDetail,
) -> Markup {
    let row = &person.row;
    let is_staff = row.kind == "staff";
    let choices = console.role_choices(visit, RoleKind::Staff, None);
    let held = person.staff_roles.clone().unwrap_or_default();
    let mut languages = vec![("en", "English"), ("sv", "Svenska")];
    if row.locale.is_none() {
        // Leaving the language unset keeps it unset.
        languages.insert(0, ("", "—"));
    }
    html! {
        h2 { (words.edit) }
        form method="post" action=(path(&row.person_id)) {
            (hidden("csrf", csrf))
            (hidden("version", &row.version.to_string()))
            label for="email" { (words.email) }
            input id="email" type="email" name="email" required value=(visit.get("email").unwrap_or(&row.email));
            label for="name" { (words.name) }
            input id="name" name="name" required maxlength="200" value=(visit.get("name").unwrap_or(&row.display_name));
            label for="locale" { (words.language) }
            (select("locale", &languages, visit.get("locale").or(row.locale.as_deref())))
            @if is_staff {
                (hidden("staff", "on"))
                fieldset {
                    legend { (words.staff_roles) }
                    (role_boxes(STAFF_ROLE, &choices, &held))
                }
            }
            button type="submit" { (words.save) }
        }
    }
}

/// Disabling ends every session and revokes every token at once; enabling revives none.
fn status_form(words: &Words, csrf: &str, row: &PersonRow) -> Markup {
    let (action, label, note) = if row.status == "disabled" {
        ("enable", words.enable, words.enable_note)
    } else {
        ("disable", words.disable, words.disable_note)
    };
    html! {
        form method="post" action=(format!("{}/{action}", path(&row.person_id))) {
            (hidden("csrf", csrf))
            p.muted { (note) }
            button.secondary type="submit" { (label) }
        }
    }
}
