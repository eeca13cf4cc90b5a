//! One person's console page: what the visitor may see of them (the service limits a
//! customer admin to their own accounts' memberships); for staff with `people.manage`, the
//! edit form with staff roles and the disable or enable button; for the DPO, the person's
//! data subject requests, the export, restriction and objection, the legal hold and
//! erasure, whose confirmation page is here too.

use super::forms::{Flash, PAGE_SIZE, href, role_boxes, select};
use super::person_privacy::StopProcessing;
use super::privacy::{self, received_fields, request_table};
use super::privacy_text::PrivacyWords;
use super::request::Visit;
use super::{Console, Words, errors};
use crate::authz::RoleKind;
use crate::clock::rfc3339;
use crate::identity::service::persons::PersonDetail;
use crate::identity::store::persons::PersonRow;
use crate::privacy::register::{RequestFilter, RequestRow};
use crate::web::page::{hidden, unavailable};
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
    let privacy = match PersonPrivacy::load(console, visit, person_id).await {
        Ok(privacy) => privacy,
        Err(page) => return page,
    };
    let flash = privacy::with_notice(visit, flash);
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
            (privacy.render(words, PrivacyWords::of(locale), csrf, visit, person_id))
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

/// What the person page shows of the person's data protection, by the visitor's permissions.
struct PersonPrivacy {
    export: bool,
    erase: bool,
    /// Restriction and objection, for those who may register requests.
    stop: Option<StopProcessing>,
    /// The legal hold's reason and since when, read only for those who may erase.
    hold: Option<(String, String)>,
    /// The person's requests, for those who may read the register.
    requests: Option<Vec<RequestRow>>,
    now: i64,
}

impl PersonPrivacy {
    async fn load(console: &Console, visit: &Visit, person_id: &str) -> Result<Self, Response> {
        let locale = visit.visitor.locale;
        let may = |permission| console.may(&visit.visitor, permission, None);
        let hold = if may("persons.erase") {
            let hold = console.privacy.legal_hold(person_id).await;
            let hold = hold.map_err(|e| unavailable(locale, "read a legal hold", &e))?;
            hold.map(|(reason, since)| (reason, crate::clock::rfc3339(since)))
        } else {
            None
        };
        let requests =
            if may("dsr.read") {
                let filter = RequestFilter {
                    person_id: Some(person_id.to_string()),
                    ..Default::default()
                };
                let by = &visit.visitor.principal;
                let listed = console.privacy.list_requests(by, &filter, PAGE_SIZE).await;
                Some(listed.map_err(|e| {
                    errors::page(locale, privacy::refusal(locale, "list requests", e))
                })?)
            } else {
                None
            };
        let stop = if may("dsr.manage") {
            let stop = StopProcessing::load(console, locale, person_id).await;
            Some(stop.map_err(|e| unavailable(locale, "read a restriction", &e))?)
        } else {
            None
        };
        Ok(Self {
            export: may("persons.export"),
            erase: may("persons.erase"),
            stop,
            hold,
            requests,
            now: console.privacy.clock.now(),
        })
    }

    fn render(
        &self,
        common: &Words,
        words: &PrivacyWords,
        csrf: &str,
        visit: &Visit,
        person_id: &str,
    ) -> Markup {
        if !self.export && !self.erase && self.requests.is_none() && self.stop.is_none() {
            return html! {};
        }
        let action = |what: &str| format!("{}/{what}", path(person_id));
        html! {
            h2 { (words.data_protection) }
            @if let Some(requests) = &self.requests {
                h3 { (words.person_requests) }
                (request_table(words, common, requests, self.now))
                @if self.stop.is_some() {
                    p { a href=(format!("{}#register", href("/console/requests", &[("person_id", Some(person_id))]))) { (words.register) } }
                }
            }
            @if self.export {
                form method="post" action=(action("export")) {
                    (hidden("csrf", csrf))
                    p.muted { (words.export_note) }
                    (received_fields(words, visit, false))
                    button type="submit" { (words.export) }
                }
            }
            @if let Some(stop) = &self.stop {
                (stop.render(words, csrf, visit, person_id))
            }
            @if self.erase {
                h3 { (words.held) }
                (hold_form(words, csrf, &action("legal-hold"), self.hold.as_ref()))
                @if self.hold.is_none() {
                    p.muted { (words.erase_note) }
                    p { a href=(action("erase")) { (words.erase) } }
                }
            }
        }
    }
}

/// The hold in force and the form to lift it, or the form to set one.
fn hold_form(
    words: &PrivacyWords,
    csrf: &str,
    action: &str,
    hold: Option<&(String, String)>,
) -> Markup {
    html! {
        form method="post" action=(action) {
            (hidden("csrf", csrf))
            @if let Some((reason, since)) = hold {
                p.held { strong { (words.held) ": " } (reason) " (" (words.held_since) " " (since) ")" }
                (hidden("action", "lift"))
                button.secondary type="submit" { (words.lift_hold) }
            } @else {
                p.muted { (words.no_hold) }
                (hidden("action", "set"))
                label for="hold_reason" { (words.hold_reason) }
                input id="hold_reason" name="reason" required maxlength="500";
                button.secondary type="submit" { (words.set_hold) }
            }
        }
    }
}

/// The erasure's confirmation: names everything that goes, and what stays, before the DPO
/// ticks the box. Under a legal hold it shows the hold instead of the form.
pub async fn erasure_page(
    console: &Console,
    visit: &Visit,
    person_id: &str,
    flash: Flash,
) -> Response {
    let locale = visit.visitor.locale;
    let words = PrivacyWords::of(locale);
    let by = &visit.visitor.principal;
    let person = match console.identity.person(by, person_id).await {
        Ok(person) => person,
        Err(error) => {
            return errors::page(locale, errors::identity(locale, "read a person", error));
        }
    };
    if !console.may(&visit.visitor, "persons.erase", None) {
        return errors::forbidden(locale);
    }
    let summary = match console.privacy.summary(person_id).await {
        Ok(Some(summary)) => summary,
        Ok(None) => return errors::not_found(locale),
        Err(error) => return unavailable(locale, "read what an erasure takes", &error),
    };
    let hold = summary.profile["legal_hold"]["reason"]
        .as_str()
        .map(|reason| {
            (
                reason.to_string(),
                summary.profile["legal_hold"]["since"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        });
    let row = &person.row;
    console.show(visit, flash.status, words.erase_title, |csrf| {
        html! {
            p.muted { a href=(path(person_id)) { (row.display_name) } }
            h1 { (words.erase_title) }
            (flash.render())
            p { (words.erase_goes) }
            ul.goes {
                li { (words.goes_profile.replace("{name}", &row.display_name).replace("{email}", &row.email)) }
                li { (words.goes_sign_in) }
                @if person.memberships.is_empty() {
                    li { (words.goes_no_memberships) }
                } @else {
                    li { (words.goes_memberships) " "
                        (person.memberships.iter().map(|(_, name, _, roles)| format!("{name} ({})", roles.join(", "))).collect::<Vec<_>>().join("; ")) }
                }
                @if summary.apps.is_empty() {
                    li { (words.goes_no_apps) }
                } @else {
                    li { (words.goes_apps) " "
                        (summary.apps.iter().map(|a| a.client_name.as_str()).collect::<Vec<_>>().join(", ")) }
                }
                li { (words.goes_rest) }
                li { (words.goes_keys) }
            }
            p.muted { (words.erase_stays) }
            @if let Some((reason, _)) = &hold {
                p.error { (words.erase_refused_held) " " (reason) }
            } @else {
                form method="post" action=(format!("{}/erase", path(person_id))) {
                    (hidden("csrf", csrf))
                    (received_fields(words, visit, false))
                    label.check {
                        input type="checkbox" name="confirm" value="yes" required;
                        " " (words.confirm_erase)
                    }
                    button type="submit" { (words.erase_for_good) }
                }
            }
        }
    })
}
