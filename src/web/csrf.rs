//! CSRF protection for our HTML forms: a signed double-submit cookie (OWASP). The form
//! carries HMAC(key, cookie value); a cross-site page can neither read the cookie nor forge
//! the HMAC, and the key is derived from the master key so every instance accepts it.

use super::cookies;
use crate::crypto;
use axum::http::{HeaderMap, HeaderValue};

pub struct Csrf {
    /// The token to embed in forms.
    pub token: String,
    /// A Set-Cookie to send when the browser had no CSRF cookie yet.
    pub set_cookie: Option<HeaderValue>,
}

/// The CSRF cookie outlives any form a person might leave open.
const CSRF_COOKIE_MAX_AGE: i64 = 24 * 3600;

pub fn issue(key: &[u8; 32], headers: &HeaderMap, secure: bool) -> Csrf {
    match cookies::read(headers, cookies::CSRF_COOKIE).filter(|v| v.len() >= 32) {
        Some(value) => Csrf {
            token: crypto::hmac_b64(key, value.as_bytes()),
            set_cookie: None,
        },
        None => {
            let value = crypto::random_token();
            Csrf {
                token: crypto::hmac_b64(key, value.as_bytes()),
                set_cookie: Some(cookies::set(
                    cookies::CSRF_COOKIE,
                    &value,
                    CSRF_COOKIE_MAX_AGE,
                    secure,
                )),
            }
        }
    }
}

pub fn verify(key: &[u8; 32], headers: &HeaderMap, submitted: Option<&str>) -> bool {
    let (Some(cookie), Some(submitted)) = (cookies::read(headers, cookies::CSRF_COOKIE), submitted)
    else {
        return false;
    };
    let expected = crypto::hmac_b64(key, cookie.as_bytes());
    crypto::constant_time_eq(expected.as_bytes(), submitted.as_bytes())
}
