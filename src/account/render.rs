//! The account page itself.

use super::data_text::DataWords;
use super::{AccountPages, Words, deletion, reauth};
use crate::clock::rfc3339;
use crate::identity::session::Session;
use crate::identity::store;
use crate::privacy::register;
use crate::web::i18n::{Locale, Text};
use crate::web::page::{hidden, unavailable};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// Renders the page; `message` is a notice (Ok) or a refusal (Err) to show on top.
pub async fn page(
    pages: &AccountPages,
    headers: &HeaderMap,
    session: &Session,
    locale: Locale,
    message: Option<Result<&str, String>>,
    status: StatusCode,
) -> Response {
    let db = &pages.identity.db;
    let id = session.person_id.as_str();
    let loaded = async {
        let person = store::find_person(db, id).await?;
        let memberships = store::memberships_of(db, id).await?;
        let staff_roles = store::staff_roles_of(db, id).await?;
        let sessions = pages.identity.own_sessions(id).await?;
        let apps = pages.oidc.apps_of(id).await?;
        let principal = store::principal(db, id).await?;
        let pending = register::pending_erasure(db, id).await?;
        Ok::<_, crate::identity::IdentityError>((
            person,
            memberships,
            staff_roles,
            sessions,
            apps,
            principal,
            pending,
        ))
    };
    let loaded = loaded.await;
    let (person, memberships, staff_roles, sessions, apps, principal, pending) = match loaded {
        Ok(found) => found,
        Err(error) => return unavailable(locale, "render the account page", &error),
    };
    let Some(person) = person else {
        return Redirect::to("/login").into_response();
    };
    let administers = principal.is_some_and(|p| {
        [
            "customers.read",
            "people.read",
            "clients.manage",
            "audit.read",
        ]
        .iter()
        .any(|perm| {
            pages.identity.policies.decide(&p, perm, None).is_allowed()
                || !p.accounts_with(&pages.identity.policies, perm).is_empty()
        })
    });
    let text = locale.text();
    let words = Words::of(locale);
    let active = session.active_customer_account_id.as_deref();
    pages.forms.page(headers, locale, status, text.your_account, |csrf| {
        html! {
            h1 { (text.your_account) }
            p { strong { (person.display_name) } br; span.muted { (person.email) } }
            @match &message {
                Some(Ok(notice)) => p.notice role="status" { (notice) },
                Some(Err(refusal)) => p.error role="alert" { (refusal) },
                None => {},
            }
            @if let Some(row) = &pending {
                (deletion::banner(DataWords::of(locale), row, csrf, "/account?done=kept"))
            }
            p { a href="/account/privacy" { (words.privacy) } }
            @if administers { p { a href="/console" { (words.administration) } } }
            @if !memberships.is_empty() {
                h2 { (text.customer_accounts) }
                ul.accounts {
                    @for m in &memberships {
                        li {
                            strong { (m.customer_name) }
                            @if Some(m.customer_account_id.as_str()) == active { " (" (text.active) ")" }
                            br; span.muted { (text.roles) ": " (m.roles.join(", ")) }
                        }
                    }
                }
            }
            @if !staff_roles.is_empty() {
                h2 { (text.staff_roles) }
                p { (staff_roles.join(", ")) }
            }
            (profile_form(words, csrf, &person.display_name, person.locale.as_deref()))
            (email_form(words, csrf))
            (password_form(words, text, csrf))
            h2 { (words.sessions) }
            table {
                tr { th { (words.started) } th { (words.last_seen) } th { (words.browser) } th { (words.network) } th {} }
                @for s in &sessions {
                    tr {
                        td { (rfc3339(s.created_at)) }
                        td { (rfc3339(s.last_seen_at)) }
                        td { (s.user_agent.as_deref().unwrap_or("")) @if s.sid == session.sid { " (" (words.this_browser) ")" } }
                        td { (s.client_ip.as_deref().unwrap_or("")) }
                        td { (end_button("/account/sessions/end", "sid", &s.sid, csrf, words.end)) }
                    }
                }
            }
            h2 id="apps" { (words.apps) }
            @if apps.is_empty() { p.muted { (words.no_apps) } } @else {
                table {
                    tr { th { (words.app) } th { (words.scopes) } th { (words.signed_in_at) } th {} }
                    @for app in &apps {
                        tr {
                            td { (app.client_name) @if app.offline == 1 { " (" (words.stays_connected) ")" } }
                            td { (app.scope) }
                            td { (rfc3339(app.signed_in_at)) }
                            td { (end_button("/account/apps/revoke", "client_id", &app.client_id, csrf, words.end)) }
                        }
                    }
                }
            }
            form method="post" action="/logout" {
                (hidden("csrf", csrf))
                button type="submit" { (text.sign_out) }
            }
        }
    })
}

fn profile_form(words: &Words, csrf: &str, name: &str, locale: Option<&str>) -> Markup {
    let language = Locale::of_tag(locale).tag();
    html! {
        h2 { (words.profile) }
        form method="post" action="/account/profile" {
            (hidden("csrf", csrf))
            label for="name" { (words.name) }
            input id="name" name="name" required value=(name);
            label for="locale" { (words.language) }
            select id="locale" name="locale" {
                option value="sv" selected[language == "sv"] { "Svenska" }
                option value="en" selected[language == "en"] { "English" }
            }
            button type="submit" { (words.save) }
        }
    }
}

fn email_form(words: &Words, csrf: &str) -> Markup {
    html! {
        h2 { (words.change_email) }
        p.muted { (words.email_intro) }
        form method="post" action="/account/email" {
            (hidden("csrf", csrf))
            label for="email" { (words.new_email) }
            input id="email" type="email" name="email" autocomplete="email" required;
            (reauth::password_input(words.email_password))
            button type="submit" { (words.change_email) }
        }
    }
}

fn password_form(words: &Words, text: &Text, csrf: &str) -> Markup {
    html! {
        h2 { (words.change_password) }
        form method="post" action="/account/password" {
            (hidden("csrf", csrf))
            label for="current" { (words.current_password) }
            input id="current" type="password" name="current" autocomplete="current-password" required;
            label for="new" { (text.new_password) }
            input id="new" type="password" name="new" autocomplete="new-password" required minlength="10";
            label for="repeat" { (text.repeat_password) }
            input id="repeat" type="password" name="repeat" autocomplete="new-password" required;
            button type="submit" { (words.change_password) }
        }
    }
}

fn end_button(action: &str, name: &str, value: &str, csrf: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (hidden("csrf", csrf))
            (hidden(name, value))
            button.secondary type="submit" { (label) }
        }
    }
}
