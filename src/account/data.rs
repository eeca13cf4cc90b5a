//! "Your data" on the privacy page: a person downloads everything held about them (GDPR
//! Art. 15 and 20), the same export the DPO would give, registered in the request register
//! as their own completed request. A sign-in older than five minutes must give the password
//! again first.

use super::data_text::DataWords;
use super::reauth::{self, Recheck};
use super::{AccountPages, Posted};
use crate::privacy::routes::zip_response;
use crate::web::client_addr::ClientAddr;
use crate::web::page::{error_page, hidden, unavailable};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use std::sync::Arc;

const ACTION: &str = "/account/data/export";

/// The section of the privacy page.
pub fn section(words: &DataWords, csrf: &str) -> Markup {
    html! {
        section id="your-data" {
            h2 { (words.your_data) }
            p { (words.your_data_intro) }
            form method="post" action=(ACTION) {
                (hidden("csrf", csrf))
                button type="submit" { (words.download) }
            }
        }
    }
}

/// Streams the export, after the password when the sign-in is not fresh.
pub async fn download(
    State(pages): State<Arc<AccountPages>>,
    client: ClientAddr,
    form: Posted,
) -> Response {
    if !reauth::signed_in_recently(&pages, &form.session) {
        // `asked`: the form below was sent, so an empty password is a wrong one.
        if !form.params.contains("asked") {
            return password_page(&pages, &form, None);
        }
        match reauth::confirm_password(&pages, &form, client).await {
            Ok(Recheck::Confirmed) => {}
            Ok(Recheck::Refused(status, message)) => {
                return password_page(&pages, &form, Some((status, message)));
            }
            Err(response) => return response,
        }
    }
    export(&pages, &form).await
}

async fn export(pages: &AccountPages, form: &Posted) -> Response {
    let (privacy, person, locale) = (&pages.privacy, &form.session.person_id, form.locale);
    let summary = match privacy.summary(person).await {
        Ok(Some(summary)) => summary,
        Ok(None) => return error_page(StatusCode::NOT_FOUND, locale, "no such person"),
        Err(error) => return unavailable(locale, "read the data to export", &error),
    };
    match privacy.own_export(person).await {
        Ok(row) => zip_response(privacy.export_body(summary, row.dsr_id), person),
        Err(error) => unavailable(locale, "register an export", &error),
    }
}

/// Asks for the password; `refusal` is why the last one was not accepted.
fn password_page(
    pages: &AccountPages,
    form: &Posted,
    refusal: Option<(StatusCode, String)>,
) -> Response {
    let words = DataWords::of(form.locale);
    let text = form.locale.text();
    let status = refusal
        .as_ref()
        .map_or(StatusCode::OK, |(status, _)| *status);
    let page = |csrf: &str| {
        html! {
            h1 { (words.confirm_title) }
            @if let Some((_, message)) = &refusal { p.error role="alert" { (message) } }
            p { (words.confirm_intro) }
            form method="post" action=(ACTION) {
                (hidden("csrf", csrf))
                (hidden("asked", "1"))
                (reauth::password_input(text.password))
                button type="submit" { (words.download) }
            }
            p { a href="/account/privacy" { (words.cancel) } }
        }
    };
    let headers = &form.headers;
    pages
        .forms
        .page(headers, form.locale, status, words.confirm_title, page)
}
