//! The pages behind e-mailed links: accepting an invitation (choosing a password), asking
//! for a password reset, choosing a new password, and confirming a new e-mail address
//! (in `email_change`). Each form is CSRF-protected and works without JavaScript; an
//! expired or used link says so plainly.

use super::email_change;
use super::text::Words;
use crate::identity::{Identity, IdentityError};
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, unavailable};
use crate::web::params::Params;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;
use std::sync::Arc;

pub struct Pages {
    pub identity: Identity,
    pub forms: Forms,
}

pub fn router(pages: Arc<Pages>) -> Router {
    Router::new()
        .route("/invitation", get(invitation_page).post(invitation_submit))
        .route("/password/forgot", get(forgot_page).post(forgot_submit))
        .route("/password/reset", get(reset_page).post(reset_submit))
        .route(
            email_change::PATH,
            get(email_change::confirm_page).post(email_change::confirm_submit),
        )
        .with_state(pages)
}

pub(super) fn query(raw: Option<String>) -> Params {
    Params::parse(raw.unwrap_or_default().as_bytes()).unwrap_or_default()
}

pub(super) fn expired(locale: Locale) -> Response {
    error_page(StatusCode::GONE, locale, Words::of(locale).link_expired)
}

/// A validation message for the person, or the page for a failure on our side.
fn refusal(locale: Locale, operation: &str, error: IdentityError) -> Result<String, Response> {
    match error {
        IdentityError::Database(_) | IdentityError::Hashing => {
            Err(unavailable(locale, operation, &error))
        }
        IdentityError::LinkExpired => Err(expired(locale)),
        other => Ok(other.to_string()),
    }
}

async fn invitation_page(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = query(raw);
    let token = params.get("token").unwrap_or_default();
    invitation_form(&pages, &headers, token, None, StatusCode::OK).await
}

async fn invitation_form(
    pages: &Pages,
    headers: &HeaderMap,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let fallback = Locale::choose(None, headers);
    let invitation = match pages.identity.invitation_for_link(token).await {
        Ok(Some(invitation)) => invitation,
        Ok(None) => return expired(fallback),
        Err(error) => return unavailable(fallback, "read an invitation", &error),
    };
    let locale = Locale::of_tag(invitation.row.locale.as_deref());
    let words = Words::of(locale);
    let account = invitation.customer_name.as_str();
    pages.forms.page(headers, locale, status, words.invitation_title, |csrf| {
        html! {
            h1 { (words.invitation_title) }
            p { (words.invitation_intro.replace("{account}", account)) }
            @if let Some(error) = &error { p.error role="alert" { (error) } }
            form method="post" action="/invitation" {
                (hidden("csrf", csrf))
                (hidden("token", token))
                @if invitation.needs_password {
                    label for="name" { (words.your_name) }
                    input id="name" name="name" required value=(invitation.row.display_name);
                    label for="password" { (locale.text().new_password) }
                    input id="password" type="password" name="password" autocomplete="new-password" required minlength="10";
                    label for="repeat" { (locale.text().repeat_password) }
                    input id="repeat" type="password" name="repeat" autocomplete="new-password" required;
                } @else {
                    p { (words.invitation_existing.replace("{account}", account)) }
                }
                button type="submit" { (words.accept) }
            }
        }
    })
}

async fn invitation_submit(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let token = params.get("token").unwrap_or_default();
    let locale = Locale::choose(None, &headers);
    let retry = |error: String| {
        invitation_form(
            &pages,
            &headers,
            token,
            Some(error),
            StatusCode::BAD_REQUEST,
        )
    };
    if !pages.forms.verify(&headers, params.get("csrf")) {
        return retry(locale.text().form_expired.into()).await;
    }
    let password = params.get("password");
    if password.is_some() && password != params.get("repeat") {
        return retry(locale.text().passwords_differ.into()).await;
    }
    let accepted = pages
        .identity
        .accept_invitation(token, params.get("name"), password)
        .await;
    match accepted {
        Ok(email) => {
            let email = url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>();
            Redirect::to(&format!("/login?notice=invitation-accepted&email={email}"))
                .into_response()
        }
        Err(error) => match refusal(locale, "accept an invitation", error) {
            Ok(message) => retry(message).await,
            Err(page) => page,
        },
    }
}

async fn forgot_page(State(pages): State<Arc<Pages>>, headers: HeaderMap) -> Response {
    forgot_form(&pages, &headers, None)
}

fn forgot_form(pages: &Pages, headers: &HeaderMap, sent: Option<&str>) -> Response {
    let locale = Locale::choose(None, headers);
    let words = Words::of(locale);
    let text = locale.text();
    pages.forms.page(
        headers,
        locale,
        StatusCode::OK,
        words.forgot_title,
        |csrf| {
            html! {
                h1 { (words.forgot_title) }
                @if let Some(sent) = sent { p.notice role="status" { (sent) } }
                p { (words.forgot_intro) }
                form method="post" action="/password/forgot" {
                    (hidden("csrf", csrf))
                    label for="email" { (text.email) }
                    input id="email" type="email" name="email" autocomplete="username" required;
                    button type="submit" { (words.send_link) }
                }
            }
        },
    )
}

/// Answers the same whether or not the address has an account.
async fn forgot_submit(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let locale = Locale::choose(None, &headers);
    if !pages.forms.verify(&headers, params.get("csrf")) {
        return error_page(StatusCode::BAD_REQUEST, locale, locale.text().form_expired);
    }
    if let Some(email) = params.get("email")
        && let Err(error) = pages.identity.request_password_reset(email).await
    {
        return unavailable(locale, "request a password reset", &error);
    }
    forgot_form(&pages, &headers, Some(Words::of(locale).link_sent))
}

async fn reset_page(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = query(raw);
    let token = params.get("token").unwrap_or_default();
    reset_form(&pages, &headers, token, None).await
}

async fn reset_form(
    pages: &Pages,
    headers: &HeaderMap,
    token: &str,
    error: Option<String>,
) -> Response {
    let locale = Locale::choose(None, headers);
    match pages.identity.reset_link_is_live(token).await {
        Ok(true) => {}
        Ok(false) => return expired(locale),
        Err(error) => return unavailable(locale, "read a reset link", &error),
    }
    let words = Words::of(locale);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    pages.forms.page(headers, locale, status, words.reset_title, |csrf| {
        html! {
            h1 { (words.reset_title) }
            @if let Some(error) = &error { p.error role="alert" { (error) } }
            form method="post" action="/password/reset" {
                (hidden("csrf", csrf))
                (hidden("token", token))
                label for="password" { (locale.text().new_password) }
                input id="password" type="password" name="password" autocomplete="new-password" required minlength="10";
                label for="repeat" { (locale.text().repeat_password) }
                input id="repeat" type="password" name="repeat" autocomplete="new-password" required;
                button type="submit" { (words.save_password) }
            }
        }
    })
}

async fn reset_submit(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let token = params.get("token").unwrap_or_default();
    let locale = Locale::choose(None, &headers);
    if !pages.forms.verify(&headers, params.get("csrf")) {
        return reset_form(
            &pages,
            &headers,
            token,
            Some(locale.text().form_expired.into()),
        )
        .await;
    }
    let password = params.get("password").unwrap_or_default();
    if Some(password) != params.get("repeat") {
        return reset_form(
            &pages,
            &headers,
            token,
            Some(locale.text().passwords_differ.into()),
        )
        .await;
    }
    match pages.identity.reset_password(token, password).await {
        Ok(()) => Redirect::to("/login?notice=password-reset").into_response(),
        Err(error) => match refusal(locale, "reset a password", error) {
            Ok(message) => reset_form(&pages, &headers, token, Some(message)).await,
            Err(page) => page,
        },
    }
}
