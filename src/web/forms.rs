//! What every HTML form handler needs and nothing more: the CSRF key and whether cookies
//! must be `Secure`. Contexts hold a `Forms`, never the key itself.

use super::cookies;
use super::csrf::{self, Csrf};
use super::i18n::Locale;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use maud::Markup;

#[derive(Clone)]
pub struct Forms {
    csrf_key: [u8; 32],
    /// Whether cookies get `Secure` and responses HSTS (the issuer is https).
    pub https: bool,
}

impl Forms {
    pub fn new(csrf_key: [u8; 32], https: bool) -> Self {
        Self { csrf_key, https }
    }

    pub fn csrf(&self, headers: &HeaderMap) -> Csrf {
        csrf::issue(&self.csrf_key, headers, self.https)
    }

    pub fn verify(&self, headers: &HeaderMap, submitted: Option<&str>) -> bool {
        csrf::verify(&self.csrf_key, headers, submitted)
    }

    /// A page holding a form, with a CSRF token for its body.
    pub fn page(
        &self,
        headers: &HeaderMap,
        locale: Locale,
        status: StatusCode,
        title: &str,
        body: impl FnOnce(&str) -> Markup,
    ) -> Response {
        super::page::form_page(self.csrf(headers), locale, status, title, body)
    }

    pub fn session_cookie(&self, value: &str, max_age_secs: i64) -> HeaderValue {
        cookies::set(cookies::SESSION_COOKIE, value, max_age_secs, self.https)
    }

    pub fn clear_session_cookie(&self) -> HeaderValue {
        cookies::clear(cookies::SESSION_COOKIE, self.https)
    }
}
