//! `index.html` of an export: a readable summary in the person's language.

use super::export::{Summary, retention_statements};
use crate::web::i18n::Locale;
use maud::{DOCTYPE, html};
use serde_json::Value;

struct Words {
    title: &'static str,
    intro: &'static str,
    profile: &'static str,
    memberships: &'static str,
    staff_roles: &'static str,
    consents: &'static str,
    apps: &'static str,
    held: &'static str,
    controller: &'static str,
    rights: &'static str,
    rights_text: &'static str,
    counts: &'static str,
    none: &'static str,
}

const EN: Words = Words {
    title: "Your data",
    intro: "Everything the portal's identity service holds about you. data.json beside this page has all of it in a machine-readable form.",
    profile: "Profile",
    memberships: "Organisations and roles",
    staff_roles: "Staff roles",
    consents: "Your choices",
    apps: "Apps that received your data",
    held: "What is kept, where it came from, and for how long",
    controller: "Who is responsible",
    rights: "Your rights",
    rights_text: "You may have your data corrected, erased or restricted, object to its use, take it elsewhere (data.json), withdraw consent at any time, and complain to a supervisory authority.",
    counts: "In data.json",
    none: "None.",
};

const SV: Words = Words {
    title: "Dina uppgifter",
    intro: "Allt som portalens identitetstjänst har om dig. data.json bredvid den här sidan innehåller allt i maskinläsbar form.",
    profile: "Profil",
    memberships: "Organisationer och roller",
    staff_roles: "Personalroller",
    consents: "Dina val",
    apps: "Appar som fått dina uppgifter",
    held: "Vad som sparas, varifrån det kommer och hur länge",
    controller: "Personuppgiftsansvarig",
    rights: "Dina rättigheter",
    rights_text: "Du kan få dina uppgifter rättade, raderade eller begränsade, invända mot behandlingen, ta med dem (data.json), återkalla samtycke när som helst och klaga hos en tillsynsmyndighet.",
    counts: "I data.json",
    none: "Inga.",
};

pub fn render(summary: &Summary, (decisions, events): (u64, u64)) -> String {
    let w = match summary.locale {
        Locale::Sv => &SV,
        Locale::En => &EN,
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let profile = &summary.profile;
    let controller = &summary.information["controller"];
    html! {
        (DOCTYPE)
        html lang=(summary.locale.tag()) {
            head { meta charset="utf-8"; title { (w.title) } }
            body {
                h1 { (w.title) }
                p { (w.intro) }
                h2 { (w.profile) }
                dl {
                    dt { "Id" } dd { (text(&profile["id"])) }
                    dt { "E-mail" } dd { (text(&profile["email"])) }
                    dt { "Name" } dd { (text(&profile["name"])) }
                    dt { "Created" } dd { (text(&profile["created_at"])) }
                }
                h2 { (w.memberships) }
                ul {
                    @for m in summary.memberships.as_array().into_iter().flatten() {
                        li { (text(&m["customer_name"])) ": " (m["roles"].as_array().map(|r| r.iter().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                    }
                }
                @if summary.staff_roles.as_array().is_some_and(|r| !r.is_empty()) {
                    h2 { (w.staff_roles) }
                    p { (summary.staff_roles.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join(", ")) }
                }
                h2 { (w.consents) }
                ul {
                    @for c in summary.consents.as_array().into_iter().flatten() {
                        li { (text(&c["purpose"])) " (" (text(&c["legal_basis"])) "): " (c["state"].as_str().unwrap_or("-")) }
                    }
                }
                h2 { (w.apps) }
                @if summary.apps.is_empty() { p { (w.none) } }
                ul {
                    @for a in &summary.apps {
                        li { (a.client_name) " — " (a.scopes().join(" ")) " (" (crate::clock::rfc3339(a.first_at)) " – " (crate::clock::rfc3339(a.last_at)) ")" }
                    }
                }
                h2 { (w.held) }
                table {
                    @for (category, source, retention) in retention_statements() {
                        tr { td { (category) } td { (source) } td { (retention) } }
                    }
                }
                h2 { (w.counts) }
                p { "consent_ledger: " (decisions) " · audit_events: " (events) }
                h2 { (w.controller) }
                p { (text(&controller["name"])) @if let Some(contact) = controller["contact"].as_str() { " · " a href={"mailto:" (contact)} { (contact) } } }
                h2 { (w.rights) }
                p { (w.rights_text) }
            }
        }
    }
    .into_string()
}
