//! The login page: an HTML form that works without JavaScript, protected against CSRF,
//! in English or Swedish. A successful login always starts a new session (no fixation).

use super::authorize::AuthorizationRequest;
use super::flow::find_pending;
use super::store::PendingRequest;
use super::store::{self, Step};
use crate::app::AppState;
use crate::identity::password_policy::MAX_PASSWORD_BYTES;
use crate::identity::{session, store as identity_store};
use crate::web::i18n::Locale;
use crate::web::page::{form_page, hidden};
use crate::web::params::Params;
use crate::web::{cookies, csrf};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

struct LoginForm<'a> {
    auth: Option<&'a str>,
    client_name: Option<String>,
    email: Option<&'a str>,
    error: Option<&'static str>,
}

pub async fn login_page(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let auth = params.get("auth");
    let pending = find_pending(&state, auth).await;
    let locale = Locale::choose(
        pending.as_ref().and_then(|(_, r)| r.ui_locales.as_deref()),
        &headers,
    );
    if auth.is_some() && pending.is_none() {
        return crate::web::page::error_page(
            StatusCode::BAD_REQUEST,
            locale,
            locale.text().request_expired,
        );
    }
    let form = LoginForm {
        auth,
        client_name: client_name(&state, pending.as_ref()).await,
        email: pending.as_ref().and_then(|(_, r)| r.login_hint.as_deref()),
        error: None,
    };
    render(&state, &headers, locale, StatusCode::OK, form)
}

pub async fn login_submit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let auth = params.get("auth");
    let pending = find_pending(&state, auth).await;
    let locale = Locale::choose(
        pending.as_ref().and_then(|(_, r)| r.ui_locales.as_deref()),
        &headers,
    );
    let text = locale.text();
    let client_name = client_name(&state, pending.as_ref()).await;
    let retry = |status, error| {
        let form = LoginForm {
            auth,
            client_name: client_name.clone(),
            email: params.get("email"),
            error: Some(error),
        };
        render(&state, &headers, locale, status, form)
    };
    if !csrf::verify(&state.csrf_key, &headers, params.get("csrf")) {
        return retry(StatusCode::BAD_REQUEST, text.form_expired);
    }
    let (Some(email), Some(password)) = (params.get("email"), params.get("password")) else {
        return retry(StatusCode::BAD_REQUEST, text.wrong_credentials);
    };
    let person = match verify_credentials(&state, email, password).await {
        Ok(Some(person_id)) => person_id,
        Ok(None) => {
            state.metrics.login(false);
            return retry(StatusCode::UNAUTHORIZED, text.wrong_credentials);
        }
        Err(error) => {
            tracing::error!(error = %crate::web::error_chain(&error), "login failed");
            return crate::web::page::unavailable(locale);
        }
    };
    state.metrics.login(true);
    match start_session(
        &state,
        &headers,
        &person,
        pending
            .as_ref()
            .map(|(p, _)| p.authorization_request_id.as_str()),
    )
    .await
    {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(error = %crate::web::error_chain(&error), "cannot start a session");
            crate::web::page::unavailable(locale)
        }
    }
}

/// The name of the application the person is signing in to, shown on the form.
async fn client_name(
    state: &AppState,
    pending: Option<&(PendingRequest, AuthorizationRequest)>,
) -> Option<String> {
    let (request, _) = pending?;
    let client = super::cache::client(state, &request.client_id)
        .await
        .ok()??;
    Some(client.name.clone())
}

/// The person id if the email and password match an active person. An unknown email still
/// costs one Argon2 verification, so timing does not tell who has an account.
async fn verify_credentials(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Option<String>, crate::identity::IdentityError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let found = identity_store::find_login(&state.db, email).await?;
    let (person, hash) = match found {
        Some((person, hash)) => (Some(person), Some(hash)),
        None => (None, None),
    };
    let verified = state.hasher.verify(hash, password).await;
    Ok(person
        .filter(|p| verified && p.is_active())
        .map(|p| p.person_id))
}

async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    person_id: &str,
    pending_id: Option<&str>,
) -> Result<Response, crate::identity::IdentityError> {
    let now = state.clock.now();
    if let Some(old) = crate::identity::routes::current_session(state, headers).await? {
        session::delete(&state.db, &old.sid).await?;
    }
    let (cookie_value, _) =
        session::create(&state.db, person_id, &state.config.session, now).await?;
    let target = match pending_id {
        Some(id) => {
            store::mark_request(&state.db, id, Step::Login, now).await?;
            super::authorize::interaction_url("/authorize/continue", id)
        }
        None => "/account".to_string(),
    };
    let mut response = Redirect::to(&target).into_response();
    let max_age = state.config.session.absolute_timeout_secs;
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION_COOKIE, &cookie_value, max_age, state.https),
    );
    Ok(response)
}

fn render(
    state: &AppState,
    headers: &HeaderMap,
    locale: Locale,
    status: StatusCode,
    form: LoginForm,
) -> Response {
    let text = locale.text();
    let csrf = csrf::issue(&state.csrf_key, headers, state.https);
    form_page(csrf, locale, status, text.sign_in, |token| {
        html! {
            h1 { (text.sign_in) }
            @if let Some(name) = &form.client_name { p.muted { (text.sign_in_to) " " strong { (name) } } }
            @if let Some(error) = form.error { p.error role="alert" { (error) } }
            form method="post" action="/login" {
                (hidden("csrf", token))
                @if let Some(auth) = form.auth { (hidden("auth", auth)) }
                label for="email" { (text.email) }
                input id="email" type="email" name="email" autocomplete="username" required value=(form.email.unwrap_or_default());
                label for="password" { (text.password) }
                input id="password" type="password" name="password" autocomplete="current-password" required;
                button type="submit" { (text.sign_in) }
            }
        }
    })
}
