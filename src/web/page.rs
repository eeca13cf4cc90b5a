//! The HTML frame of our few pages, rendered with maud (escaping by construction, no
//! JavaScript) and the error page shown when we must not redirect.

use super::csrf::Csrf;
use super::i18n::Locale;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

pub fn layout(locale: Locale, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href="/static/style.css";
            }
            body { main { (body) } }
        }
    }
}

/// A page holding a form: the body gets the CSRF token, and the browser gets the CSRF
/// cookie if it had none.
pub fn form_page(
    csrf: Csrf,
    locale: Locale,
    status: StatusCode,
    title: &str,
    body: impl FnOnce(&str) -> Markup,
) -> Response {
    let mut response = (status, layout(locale, title, body(&csrf.token))).into_response();
    if let Some(cookie) = csrf.set_cookie {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    response
}

/// A hidden form field, rendered the same way everywhere.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// An HTML error page: used when the client or redirect URI cannot be trusted, so the
/// error must not be sent anywhere.
pub fn error_page(status: StatusCode, locale: Locale, message: &str) -> Response {
    let text = locale.text();
    let body = html! {
        h1 { (text.error_title) }
        p.error { (message) }
    };
    (status, layout(locale, text.error_title, body)).into_response()
}

/// The page for a failure on our side. The error is logged here, once, with its whole
/// chain and the operation that failed; the page never shows it.
pub fn unavailable(locale: Locale, operation: &str, error: &dyn std::error::Error) -> Response {
    tracing::error!(operation, error = %super::error_chain(error), "request failed");
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        locale.text().try_again,
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}
