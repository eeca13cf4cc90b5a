//! Reading and writing the two cookies we use (session and CSRF). Both are HttpOnly and
//! SameSite=Lax; Secure whenever the issuer is https.

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION_COOKIE: &str = "trohet_session";
pub const CSRF_COOKIE: &str = "trohet_csrf";

pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

pub fn set(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", 0, secure)
}
