//! The login page: an HTML form that works without JavaScript, protected against CSRF,
//! in English or Swedish. A successful login always starts a new session (no fixation).
//! Checking the password, throttling and auditing are identity's; this page carries the
//! pending authorization request (or a local `return_to`, such as the console) through.

use super::Oidc;
use super::authorize::AuthorizationRequest;
use super::flow::find_pending;
use super::store::PendingRequest;
use super::store::{self, Step};
use crate::identity::service::login::LoginOutcome;
use crate::identity::session::{self, SessionMeta};
use crate::web::client_addr::ClientAddr;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::sync::Arc;

struct LoginForm<'a> {
    auth: Option<&'a str>,
    return_to: Option<&'a str>,
    client_name: Option<String>,
    email: Option<&'a str>,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// The pending request a login form belongs to, the application's name and the language.
struct Context {
    pending: Option<(PendingRequest, AuthorizationRequest)>,
    client_name: Option<String>,
    locale: Locale,
}

/// Loads the login's context, or the page to show instead (expired, or our failure).
async fn context(
    state: &Oidc,
    headers: &HeaderMap,
    auth: Option<&str>,
) -> Result<Context, Response> {
    let fallback = Locale::choose(None, headers);
    let pending = find_pending(state, auth)
        .await
        .map_err(|e| unavailable(fallback, "read a pending authorization request", &e))?;
    let locale = Locale::choose(
        pending.as_ref().and_then(|(_, r)| r.ui_locales.as_deref()),
        headers,
    );
    if auth.is_some() && pending.is_none() {
        let message = locale.text().request_expired;
        return Err(error_page(StatusCode::BAD_REQUEST, locale, message));
    }
    let client_name = match &pending {
        Some((request, _)) => super::cache::client(state, &request.client_id)
            .await
            .map_err(|e| unavailable(locale, "read the client of a login", &e))?
            .map(|client| client.name.clone()),
        None => None,
    };
    Ok(Context {
        pending,
        client_name,
        locale,
    })
}

/// A local path to go to after signing in, never another site.
fn local_path(path: Option<&str>) -> Option<&str> {
    path.filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
}

pub async fn login_page(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let auth = params.get("auth");
    let context = match context(&state, &headers, auth).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    let text = context.locale.text();
    let hint = context
        .pending
        .as_ref()
        .and_then(|(_, r)| r.login_hint.as_deref());
    let form = LoginForm {
        auth,
        return_to: local_path(params.get("return_to")),
        client_name: context.client_name,
        email: hint.or(params.get("email")),
        error: None,
        notice: match params.get("notice") {
            Some("invitation-accepted") => Some(text.invitation_accepted),
            Some("password-reset") => Some(text.password_was_reset),
            _ => None,
        },
    };
    render(&state, &headers, context.locale, StatusCode::OK, form)
}

pub async fn login_submit(
    State(state): State<Arc<Oidc>>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body).unwrap_or_default();
    let auth = params.get("auth");
    let context = match context(&state, &headers, auth).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    let locale = context.locale;
    let text = locale.text();
    let return_to = local_path(params.get("return_to"));
    let retry = |status, error: String| {
        let form = LoginForm {
            auth,
            return_to,
            client_name: context.client_name.clone(),
            email: params.get("email"),
            error: Some(error),
            notice: None,
        };
        render(&state, &headers, locale, status, form)
    };
    if !state.forms.verify(&headers, params.get("csrf")) {
        return retry(StatusCode::BAD_REQUEST, text.form_expired.into());
    }
    let (Some(email), Some(password)) = (params.get("email"), params.get("password")) else {
        return retry(StatusCode::BAD_REQUEST, text.wrong_credentials.into());
    };
    let network = client.network();
    let outcome = state
        .identity
        .authenticate(email, password, network.as_deref())
        .await;
    let person = match outcome {
        Ok(LoginOutcome::Success { person_id }) => person_id,
        Ok(LoginOutcome::Rejected) => {
            state.metrics.login(false);
            return retry(StatusCode::UNAUTHORIZED, text.wrong_credentials.into());
        }
        Ok(LoginOutcome::Throttled { wait_secs }) => {
            state.metrics.login(false);
            let message = text.too_many_attempts(wait_secs);
            return retry(StatusCode::TOO_MANY_REQUESTS, message);
        }
        Ok(LoginOutcome::NoActiveAccount) => {
            state.metrics.login(false);
            return retry(StatusCode::FORBIDDEN, text.no_active_account.into());
        }
        Err(error) => return unavailable(locale, "verify a password", &error),
    };
    state.metrics.login(true);
    let pending_id = context
        .pending
        .as_ref()
        .map(|(p, _)| p.authorization_request_id.as_str());
    let meta = SessionMeta {
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        network,
    };
    let target = match pending_id {
        Some(_) => None,
        None => Some(return_to.unwrap_or("/account")),
    };
    match start_session(&state, &headers, &person, pending_id, target, &meta).await {
        Ok(response) => response,
        Err(error) => unavailable(locale, "start a session", &error),
    }
}

async fn start_session(
    state: &Oidc,
    headers: &HeaderMap,
    person_id: &str,
    pending_id: Option<&str>,
    target: Option<&str>,
    meta: &SessionMeta,
) -> Result<Response, crate::identity::IdentityError> {
    let now = state.clock.now();
    if let Some(old) = state.identity.current_session(headers).await? {
        session::delete(&state.db, &old.sid).await?;
    }
    let (cookie_value, _) =
        session::create(&state.db, person_id, &state.identity.sessions, now, meta).await?;
    let target = match pending_id {
        Some(id) => {
            store::mark_request(&state.db, id, Step::Login, now).await?;
            super::authorize::interaction_url("/authorize/continue", id)
        }
        None => target.unwrap_or("/account").to_string(),
    };
    let mut response = Redirect::to(&target).into_response();
    let max_age = state.identity.sessions.absolute_timeout_secs;
    response.headers_mut().append(
        header::SET_COOKIE,
        state.forms.session_cookie(&cookie_value, max_age),
    );
    Ok(response)
}

fn render(
    state: &Oidc,
    headers: &HeaderMap,
    locale: Locale,
    status: StatusCode,
    form: LoginForm,
) -> Response {
    let text = locale.text();
    state.forms.page(headers, locale, status, text.sign_in, |token| {
        html! {
            h1 { (text.sign_in) }
            @if let Some(name) = &form.client_name { p.muted { (text.sign_in_to) " " strong { (name) } } }
            @if let Some(notice) = form.notice { p.notice role="status" { (notice) } }
            @if let Some(error) = &form.error { p.error role="alert" { (error) } }
            form method="post" action="/login" {
                (hidden("csrf", token))
                @if let Some(auth) = form.auth { (hidden("auth", auth)) }
                @if let Some(path) = form.return_to { (hidden("return_to", path)) }
                label for="email" { (text.email) }
                input id="email" type="email" name="email" autocomplete="username" required value=(form.email.unwrap_or_default());
                label for="password" { (text.password) }
                input id="password" type="password" name="password" autocomplete="current-password" required;
                button type="submit" { (text.sign_in) }
            }
            p { a href="/password/forgot" { (text.forgot_password) } }
        }
    })
}
