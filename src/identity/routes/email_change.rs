//! The page behind the link that confirms a new e-mail address. GET only shows what will
//! change and a button (mail scanners follow links; following one must change nothing);
//! the CSRF-protected POST makes the change. A link that expired, was used or never
//! existed gets the plain expired page.

use super::links::{Pages, expired, query};
use super::text::Words;
use crate::identity::IdentityError;
use crate::identity::service::email_change::PendingEmailChange;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use std::sync::Arc;

pub const PATH: &str = "/email/confirm";

pub async fn confirm_page(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = query(raw);
    let token = params.get("token").unwrap_or_default();
    match pending(&pages, &headers, token).await {
        Ok((change, locale)) => form(&pages, &headers, token, &change, locale, false),
        Err(response) => response,
    }
}

pub async fn confirm_submit(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let token = params.get("token").unwrap_or_default();
    let (change, locale) = match pending(&pages, &headers, token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !pages.forms.verify(&headers, params.get("csrf")) {
        return form(&pages, &headers, token, &change, locale, true);
    }
    let words = Words::of(locale);
    match pages.identity.confirm_email_change(token).await {
        Ok(()) => changed(&pages, &headers, locale, &change.new_email),
        Err(IdentityError::LinkExpired) => expired(locale),
        Err(IdentityError::EmailTaken) => {
            error_page(StatusCode::CONFLICT, locale, words.email_taken)
        }
        Err(error) => unavailable(locale, "confirm an e-mail change", &error),
    }
}

/// The change behind a live link and the person's language, or the page to show instead.
async fn pending(
    pages: &Pages,
    headers: &HeaderMap,
    token: &str,
) -> Result<(PendingEmailChange, Locale), Response> {
    let fallback = Locale::choose(None, headers);
    match pages.identity.email_change_for_link(token).await {
        Ok(Some(change)) => {
            let locale = Locale::of_tag(change.locale.as_deref());
            Ok((change, locale))
        }
        Ok(None) => Err(expired(fallback)),
        Err(error) => Err(unavailable(fallback, "read an e-mail change link", &error)),
    }
}

fn form(
    pages: &Pages,
    headers: &HeaderMap,
    token: &str,
    change: &PendingEmailChange,
    locale: Locale,
    form_expired: bool,
) -> Response {
    let words = Words::of(locale);
    let status = if form_expired {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let intro = words.email_intro.replace("{email}", &change.new_email);
    pages
        .forms
        .page(headers, locale, status, words.email_title, |csrf| {
            html! {
                h1 { (words.email_title) }
                @if form_expired { p.error role="alert" { (locale.text().form_expired) } }
                p { (intro) }
                form method="post" action=(PATH) {
                    (hidden("csrf", csrf))
                    (hidden("token", token))
                    button type="submit" { (words.email_confirm) }
                }
            }
        })
}

fn changed(pages: &Pages, headers: &HeaderMap, locale: Locale, email: &str) -> Response {
    let words = Words::of(locale);
    let title = words.email_changed_title;
    let message = words.email_changed.replace("{email}", email);
    pages
        .forms
        .page(headers, locale, StatusCode::OK, title, |_| {
            html! {
                h1 { (title) }
                p.notice role="status" { (message) }
                p { a href="/account" { (words.to_account) } }
            }
        })
}
