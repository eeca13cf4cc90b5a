//! "Delete my account" (GDPR Art. 17): a page that says plainly what goes and what the law
//! keeps, confirmed with the password; the privacy context registers the erasure and
//! carries it out when the grace period ends. Until then the account pages show when it
//! will happen with a button to keep the account, and so does the page after login. A
//! legal hold (Art. 17(3)) is shown with its reason.

use super::data_text::DataWords;
use super::privacy_text::PrivacyWords;
use super::reauth::{self, Recheck};
use super::{AccountPages, Posted, signed_in};
use crate::privacy::PrivacyError;
use crate::privacy::register::{self, RequestRow};
use crate::web::client_addr::ClientAddr;
use crate::web::i18n::Locale;
use crate::web::page::{hidden, unavailable};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::sync::Arc;

const PAGE: &str = "/account/deletion";
const KEEP: &str = "/account/deletion/cancel";

/// When a pending erasure will be carried out.
fn erase_at(row: &RequestRow) -> i64 {
    row.act_at.unwrap_or(row.received_at)
}

/// The "Keep my account" button; `return_to` is where the person lands afterwards.
pub fn keep_form(words: &DataWords, csrf: &str, return_to: &str) -> Markup {
    html! {
        form.inline method="post" action=(KEEP) {
            (hidden("csrf", csrf))
            (hidden("return_to", return_to))
            button type="submit" name="keep" value="1" { (words.keep) }
        }
    }
}

/// The banner on the account pages while an erasure is pending.
pub fn banner(words: &DataWords, pending: &RequestRow, csrf: &str, return_to: &str) -> Markup {
    html! {
        div.once.deletion role="alert" {
            strong { (words.scheduled(erase_at(pending))) }
            " " (words.scheduled_more)
            (keep_form(words, csrf, return_to))
        }
    }
}

/// The section of the privacy page.
pub fn section(pages: &AccountPages, words: &DataWords, pending: Option<&RequestRow>) -> Markup {
    let days = pages.privacy.config.erasure_grace_days;
    html! {
        section id="delete-account" {
            h2 { (words.delete_title) }
            @if let Some(row) = pending {
                p { (words.scheduled(erase_at(row))) }
            } @else {
                p { (words.delete_intro(days)) }
                p { a href=(PAGE) { (words.delete_title) } }
            }
        }
    }
}

pub async fn deletion_page(State(pages): State<Arc<AccountPages>>, headers: HeaderMap) -> Response {
    match signed_in(&pages, &headers).await {
        Ok((session, locale)) => show(&pages, &headers, &session.person_id, locale, None).await,
        Err(response) => response,
    }
}

/// The confirmation page, or what is scheduled when the person already asked.
async fn show(
    pages: &AccountPages,
    headers: &HeaderMap,
    person_id: &str,
    locale: Locale,
    refusal: Option<(StatusCode, String)>,
) -> Response {
    let words = DataWords::of(locale);
    let pending = match register::pending_erasure(&pages.privacy.db, person_id).await {
        Ok(pending) => pending,
        Err(error) => return unavailable(locale, "read a pending erasure", &error),
    };
    let status = refusal
        .as_ref()
        .map_or(StatusCode::OK, |(status, _)| *status);
    let title = words.delete_title;
    pages.forms.page(headers, locale, status, title, |csrf| {
        html! {
            h1 { (title) }
            @if let Some(row) = &pending {
                p.notice role="status" { (words.scheduled(erase_at(row))) }
                p { (words.scheduled_more) }
                (keep_form(words, csrf, "/account/privacy?done=kept"))
                p { a href="/account" { (PrivacyWords::of(locale).back) } }
            } @else {
                (explanation(pages, words, csrf, refusal.as_ref()))
            }
        }
    })
}

/// What goes, what stays, when, and the form that confirms with the password.
fn explanation(
    pages: &AccountPages,
    words: &DataWords,
    csrf: &str,
    refusal: Option<&(StatusCode, String)>,
) -> Markup {
    let days = pages.privacy.config.erasure_grace_days;
    let at = pages.privacy.clock.now() + days * 86_400;
    html! {
        @if let Some((_, message)) = refusal { p.error role="alert" { (message) } }
        h2 { (words.what_goes) }
        ul { @for item in words.gone { li { (item) } } }
        h2 { (words.what_stays) }
        ul { @for item in words.kept { li { (item) } } }
        p { strong { (words.when(days, at)) } }
        form method="post" action=(PAGE) {
            (hidden("csrf", csrf))
            (reauth::password_input(words.confirm_delete))
            button type="submit" name="confirm" value="1" { (words.delete_button) }
        }
        p { a href="/account/privacy" { (words.cancel) } }
    }
}

/// Registers the erasure after the password; shows what is scheduled, or the legal hold.
pub async fn confirm(
    State(pages): State<Arc<AccountPages>>,
    client: ClientAddr,
    form: Posted,
) -> Response {
    let (person, locale) = (&form.session.person_id, form.locale);
    match reauth::confirm_password(&pages, &form, client).await {
        Ok(Recheck::Confirmed) => {}
        Ok(Recheck::Refused(status, message)) => {
            return show(
                &pages,
                &form.headers,
                person,
                locale,
                Some((status, message)),
            )
            .await;
        }
        Err(response) => return response,
    }
    match pages.privacy.request_own_erasure(person).await {
        Ok(_) => Redirect::to(PAGE).into_response(),
        Err(PrivacyError::LegalHold(reason)) => held(&pages, &form, &reason),
        Err(error) => unavailable(locale, "register an erasure", &error),
    }
}

/// The data is held (Art. 17(3)): the person sees why, and whom to ask.
fn held(pages: &AccountPages, form: &Posted, reason: &str) -> Response {
    let words = DataWords::of(form.locale);
    let contact = pages.controller.contact_email.as_deref();
    let (headers, locale) = (&form.headers, form.locale);
    pages
        .forms
        .page(headers, locale, StatusCode::CONFLICT, words.held_title, |_| {
            html! {
                h1 { (words.held_title) }
                p { (words.held_intro) }
                p.error role="alert" { (reason) }
                @if let Some(contact) = contact {
                    p { (words.held_contact) " " a href=(format!("mailto:{contact}")) { (contact) } }
                }
                p { a href="/account/privacy" { (words.cancel) } }
            }
        })
}

/// "Keep my account": cancels the pending erasure and goes back where the person was.
pub async fn keep(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    match pages
        .privacy
        .cancel_own_erasure(&form.session.person_id)
        .await
    {
        Ok(_) => Redirect::to(back_to(form.params.get("return_to"))).into_response(),
        Err(error) => unavailable(form.locale, "cancel an erasure", &error),
    }
}

/// A local path to return to, never another site.
fn back_to(path: Option<&str>) -> &str {
    path.filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or("/account/privacy?done=kept")
}
