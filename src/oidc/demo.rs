//! The demo relying party's landing page (`serve --demo` only): shows the code it received
//! and the command that exchanges it, so a login can be tried without writing a client.

use super::Oidc;
use crate::web::i18n::Locale;
use crate::web::page::layout;
use crate::web::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::html;
use std::sync::Arc;

pub async fn callback(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let locale = Locale::choose(None, &headers);
    let command = params.get("code").map(|code| {
        format!(
            "curl -s -u demo-portal:CLIENT_SECRET -d grant_type=authorization_code -d code={code} \
             --data-urlencode redirect_uri={}/demo/callback {}/token",
            state.issuer, state.issuer
        )
    });
    let body = html! {
        h1 { "Demo portal" }
        @if let Some(error) = params.get("error") { p.error { (error) ": " (params.get("error_description").unwrap_or_default()) } }
        @if let Some(command) = &command {
            p { "The portal app received an authorization code. Exchange it within 60 seconds (replace CLIENT_SECRET with the secret printed at start-up):" }
            pre { code { (command) } }
        }
        p { a href="/account" { "Your account" } }
    };
    layout(locale, "Demo portal", body).into_response()
}
