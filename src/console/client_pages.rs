//! The pages of the client administration: the list with the registration form, and one
//! client's page with its settings, the edit form, secret rotation and deletion.

use super::client_form::{self, fields};
use super::forms::{Flash, PAGE_SIZE, RoleChoice, cursor, next_page};
use super::request::Visit;
use super::{Console, Words, errors};
use crate::authz::RoleKind;
use crate::clock::rfc3339;
use crate::oidc::client::{Client, NewClient};
use crate::web::api::Page;
use crate::web::page::hidden;
use axum::response::Response;
use maud::{Markup, html};

pub fn path(client_id: &str) -> String {
    format!("/console/clients/{client_id}")
}

/// The staff roles a service client may be given, as the visitor may grant them.
pub fn role_choices(console: &Console, visit: &Visit) -> Vec<RoleChoice> {
    console.role_choices(visit, RoleKind::Staff, None)
}

pub async fn clients_page(
    console: &Console,
    visit: &Visit,
    flash: Flash,
    draft: Option<&NewClient>,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let after = match cursor(visit) {
        Ok(after) => after,
        Err(page) => return page,
    };
    let listed = console
        .clients
        .list_clients(&visit.visitor.principal, visit.get("q"), after, PAGE_SIZE)
        .await;
    let rows = match listed {
        Ok(rows) => rows,
        Err(error) => return errors::page(locale, errors::clients(locale, "list clients", error)),
    };
    let page = Page::from_rows(rows, PAGE_SIZE, |c| (c.name.clone(), c.client_id.clone()));
    let roles = role_choices(console, visit);
    let blank = NewClient::new("", Vec::new());
    let draft = draft.unwrap_or(&blank);
    console.show(visit, flash.status, words.clients, |csrf| {
        html! {
            h1 { (words.clients) }
            (flash.render())
            form.filters method="get" action="/console/clients" {
                label for="q" { (words.search_name) }
                input id="q" name="q" type="search" value=(visit.get("q").unwrap_or_default());
                button type="submit" { (words.search) }
            }
            (client_table(words, &page.items))
            (next_page(words, "/console/clients", &[("q", visit.get("q"))], page.next_cursor.as_deref()))
            h2 { (words.new_client) }
            form method="post" action="/console/clients" {
                (hidden("csrf", csrf))
                (fields(words, draft, &roles, true))
                button type="submit" { (words.create) }
            }
        }
    })
}

fn client_table(words: &Words, clients: &[Client]) -> Markup {
    html! {
        @if clients.is_empty() {
            p.muted { (words.none_found) }
        } @else {
            table {
                thead { tr { th { (words.name) } th { (words.client_id) } th { (words.client_type) } th { (words.grant_types) } } }
                tbody {
                    @for client in clients {
                        tr {
                            td { a href=(path(&client.client_id)) { (client.name) } }
                            td { code { (client.client_id) } }
                            td { (client_type(words, client)) }
                            td { (client.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

fn client_type(words: &Words, client: &Client) -> &'static str {
    if client.is_public() {
        words.public_client
    } else {
        words.confidential_client
    }
}

pub async fn client_page(
    console: &Console,
    visit: &Visit,
    client_id: &str,
    flash: Flash,
    draft: Option<NewClient>,
) -> Response {
    let locale = visit.visitor.locale;
    let words = Words::of(locale);
    let found = console
        .clients
        .client_for_admin(&visit.visitor.principal, client_id)
        .await;
    let client = match found {
        Ok(client) => client,
        Err(error) => return errors::page(locale, errors::clients(locale, "read a client", error)),
    };
    let draft = draft.unwrap_or_else(|| client_form::settings(&client));
    let roles = role_choices(console, visit);
    console.show(visit, flash.status, &client.name, |csrf| {
        html! {
            p.muted { a href="/console/clients" { (words.clients) } }
            h1 { (client.name) }
            (flash.render())
            (client_facts(words, &client))
            h2 { (words.edit) }
            form method="post" action=(path(&client.client_id)) {
                (hidden("csrf", csrf))
                (hidden("version", &client.version.to_string()))
                (fields(words, &draft, &roles, false))
                button type="submit" { (words.save) }
            }
            @if !client.is_public() {
                form method="post" action=(format!("{}/secret", path(&client.client_id))) {
                    (hidden("csrf", csrf))
                    p.muted { (words.rotate_secret_note) }
                    button.secondary type="submit" { (words.rotate_secret) }
                }
            }
            p { a href=(format!("{}/delete", path(&client.client_id))) { (words.delete_client) } }
        }
    })
}

fn client_facts(words: &Words, client: &Client) -> Markup {
    html! {
        dl {
            dt { (words.client_id) } dd { code { (client.client_id) } }
            dt { (words.client_type) } dd { (client_type(words, client)) }
            dt { (words.pairwise) } dd { (words.yes_no(client.pairwise)) }
            dt { (words.first_party) } dd { (words.yes_no(client.first_party)) }
            dt { (words.events_uri) } dd { (endpoint(client.events_uri.as_deref())) }
            dt { (words.backchannel_logout_uri) } dd { (endpoint(client.backchannel_logout_uri.as_deref())) }
            dt { (words.id_token_alg) } dd { (client.id_token_alg.as_str()) }
            dt { (words.scopes) } dd { (client.scopes.join(" ")) }
            dt { (words.created) } dd { (rfc3339(client.created_at)) }
        }
    }
}

fn endpoint(uri: Option<&str>) -> Markup {
    html! {
        @match uri {
            Some(uri) => code { (uri) },
            None => "—",
        }
    }
}
