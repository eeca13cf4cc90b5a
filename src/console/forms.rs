//! Pieces every console page and form shares: the notice after a change, role checkboxes,
//! versions from hidden fields, and links to the next page of a list.

use super::errors::{self, Refusal};
use super::request::Visit;
use super::{Console, Words};
use crate::authz::RoleKind;
use crate::web::api::Cursor;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

/// Rows per console list page.
pub const PAGE_SIZE: i64 = 50;

/// What a page says above its content, and the status it is sent with.
pub struct Flash {
    pub status: StatusCode,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    /// A value shown this once (a client secret, an invitation link) with what it is.
    pub once: Option<(&'static str, String)>,
}

impl Flash {
    /// The notice a redirect after a change asked for (`?done=saved`), if any.
    pub fn of(visit: &Visit) -> Flash {
        let words = Words::of(visit.visitor.locale);
        Flash {
            status: StatusCode::OK,
            notice: visit.get("done").and_then(|done| words.done(done)),
            error: None,
            once: None,
        }
    }

    pub fn refused((status, message): Refusal) -> Flash {
        Flash {
            status,
            notice: None,
            error: Some(message),
            once: None,
        }
    }

    /// A page shown right after a change, holding something that cannot be shown again.
    pub fn once(
        status: StatusCode,
        notice: &'static str,
        what: &'static str,
        value: String,
    ) -> Flash {
        Flash {
            status,
            notice: Some(notice),
            error: None,
            once: Some((what, value)),
        }
    }

    pub fn render(&self) -> Markup {
        html! {
            @if let Some(notice) = self.notice { p.notice role="status" { (notice) } }
            @if let Some(error) = &self.error { p.error role="alert" { (error) } }
            @if let Some((what, value)) = &self.once {
                div.once { p { (what) } code { (value) } }
            }
        }
    }
}

/// Post-redirect-get: back to `path`, which shows the notice for `done`.
pub fn done(path: &str, done: &str) -> Response {
    Redirect::to(&format!("{path}?done={done}")).into_response()
}

/// The keyset cursor of the page asked for; a forged one is a 400 page.
pub fn cursor<K: DeserializeOwned>(visit: &Visit) -> Result<Option<K>, Response> {
    visit
        .get("cursor")
        .map(Cursor::decode)
        .transpose()
        .map_err(|_| errors::bad_request(visit.visitor.locale))
}

/// `path?name=value&…` with the absent values left out.
pub fn href(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The link to the next page, keeping the filters, when there is one.
pub fn next_page(
    words: &Words,
    path: &str,
    filters: &[(&str, Option<&str>)],
    cursor: Option<&str>,
) -> Markup {
    let Some(cursor) = cursor else {
        return html! {};
    };
    let mut pairs = filters.to_vec();
    pairs.push(("cursor", Some(cursor)));
    html! { p.paging { a href=(href(path, &pairs)) rel="next" { (words.next_page) } } }
}

/// The optimistic-concurrency version a form carries; malformed is a 400 page.
pub fn version(visit: &Visit) -> Result<Option<i64>, Response> {
    visit
        .get("version")
        .map(|v| v.parse::<i64>())
        .transpose()
        .map_err(|_| errors::bad_request(visit.visitor.locale))
}

/// Non-empty trimmed lines of a text area (redirect URIs).
pub fn lines(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// A role the visitor sees in a form: whether they may grant it decides whether it is a
/// checkbox they can change.
pub struct RoleChoice {
    pub name: String,
    pub description: String,
    pub grantable: bool,
}

impl Console {
    /// The roles of `kind`, each marked with whether the visitor may grant it in
    /// `customer` (or staff-wide with `None`).
    pub fn role_choices(
        &self,
        visit: &Visit,
        kind: RoleKind,
        customer: Option<&str>,
    ) -> Vec<RoleChoice> {
        let policies = &self.identity.policies;
        policies
            .roles()
            .filter(|role| role.kind == kind)
            .map(|role| RoleChoice {
                name: role.name.clone(),
                description: role.description.clone(),
                grantable: visit
                    .visitor
                    .principal
                    .may_grant(policies, customer, &role.name),
            })
            .collect()
    }
}

/// The roles a form submitted: a checkbox per role, named `{prefix}{role}`.
pub fn checked_roles(visit: &Visit, prefix: &str, choices: &[RoleChoice]) -> Vec<String> {
    choices
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| visit.params.contains(&format!("{prefix}{name}")))
        .map(str::to_string)
        .collect()
}

/// A checkbox per role the visitor may grant, ticked for those `held`. A held role they
/// may not grant is shown ticked but fixed, and submitted unchanged through a hidden
/// field, so saving does not try to take it away.
pub fn role_boxes(prefix: &str, choices: &[RoleChoice], held: &[String]) -> Markup {
    html! {
        @for choice in choices {
            @let name = format!("{prefix}{}", choice.name);
            @let is_held = held.contains(&choice.name);
            @if choice.grantable {
                label.check title=(choice.description) {
                    input type="checkbox" name=(name) checked[is_held];
                    " " (choice.name)
                }
            } @else if is_held {
                (crate::web::page::hidden(&name, "on"))
                label.check title=(choice.description) {
                    input type="checkbox" checked disabled;
                    " " (choice.name)
                }
            }
        }
    }
}

/// A `<select>` of `(value, label)` options.
pub fn select(name: &str, options: &[(&str, &str)], selected: Option<&str>) -> Markup {
    html! {
        select id=(name) name=(name) {
            @for (value, label) in options {
                option value=(value) selected[Some(*value) == selected] { (label) }
            }
        }
    }
}
