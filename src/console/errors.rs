//! The console's one mapping from service errors to pages, following the API's: the same
//! error gives the same status. Outside the visitor's reach is a 404 page and inside it
//! without the permission a 403 page; a refusal the visitor can correct (a validation
//! message, a stale version, the last customer admin) is handed back to re-render the form
//! with it; a failure on our side is logged once, with its chain, and shown as 503.

use super::Words;
use crate::analytics::AnalyticsError;
use crate::identity::IdentityError;
use crate::oidc::admin::AdminError;
use crate::web::api::{Kind, Problem};
use crate::web::i18n::Locale;
use crate::web::page::{error_page, unavailable};
use axum::http::StatusCode;
use axum::response::Response;

/// A refusal to show beside the form that caused it: the status and the message.
pub type Refusal = (StatusCode, String);

pub fn not_found(locale: Locale) -> Response {
    error_page(StatusCode::NOT_FOUND, locale, Words::of(locale).not_found)
}

pub fn forbidden(locale: Locale) -> Response {
    error_page(StatusCode::FORBIDDEN, locale, Words::of(locale).forbidden)
}

pub fn bad_request(locale: Locale) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        locale,
        Words::of(locale).bad_request,
    )
}

pub fn form_expired(locale: Locale) -> Response {
    error_page(StatusCode::BAD_REQUEST, locale, locale.text().form_expired)
}

/// An identity service's error: the refusal to show with the form, or the page to show
/// instead.
pub fn identity(
    locale: Locale,
    operation: &str,
    error: IdentityError,
) -> Result<Refusal, Response> {
    match error {
        IdentityError::Database(_) | IdentityError::Hashing => {
            Err(unavailable(locale, operation, &error))
        }
        other => refusal(locale, Problem::from(other)),
    }
}

/// The client and key administration's error, mapped the same way.
pub fn clients(locale: Locale, operation: &str, error: AdminError) -> Result<Refusal, Response> {
    use crate::oidc::client::ClientError;
    match error {
        AdminError::Database(_)
        | AdminError::Client(ClientError::Database(_))
        | AdminError::Key(_)
        | AdminError::NoVault => Err(unavailable(locale, operation, &error)),
        other => refusal(locale, Problem::from(other)),
    }
}

/// The customer health reports' error, mapped the same way: a span the visitor can
/// correct is a refusal for the form; someone without `analytics.read` gets the 403 or 404
/// page the authorization decided.
pub fn analytics(
    locale: Locale,
    operation: &str,
    error: AnalyticsError,
) -> Result<Refusal, Response> {
    match error {
        AnalyticsError::Database(_) => Err(unavailable(locale, operation, &error)),
        other => refusal(locale, Problem::from(other)),
    }
}

/// An error met while reading a page: there is no form to go back to, so any refusal
/// becomes an error page with its status.
pub fn page(locale: Locale, result: Result<Refusal, Response>) -> Response {
    match result {
        Ok((status, message)) => error_page(status, locale, &message),
        Err(page) => page,
    }
}

/// A problem the API would answer: 404 and 403 become pages, a stale version says so in
/// the visitor's language, and the rest is a message for the form.
pub fn refusal(locale: Locale, problem: Problem) -> Result<Refusal, Response> {
    match problem.kind {
        Kind::NotFound => Err(not_found(locale)),
        Kind::Forbidden | Kind::Unauthorized => Err(forbidden(locale)),
        Kind::PreconditionFailed => Ok((StatusCode::CONFLICT, Words::of(locale).stale.to_string())),
        // Callers hand failures on our side to `unavailable` before they become problems.
        Kind::Internal => Err(error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            locale,
            locale.text().try_again,
        )),
        kind => Ok((kind.status(), problem.detail.into_owned())),
    }
}
