//! The steps between login and code: choosing the active customer account (a person in
//! several accounts works in one at a time) and allowing the client what it asks for. What
//! the person allowed is remembered per client; a client asking for more names only the
//! new scopes, and `prompt=consent` asks again for all of them.

use super::Oidc;
use super::authorize::{self, AuthorizationRequest, interaction_url};
use super::error::{ErrorCode, OAuthError};
use super::flow::load_pending;
use super::scope::Scope;
use super::store::{self, PendingRequest, Step};
use crate::audit::{self, Actor, Event};
use crate::consent::scope_grant;
use crate::db;
use crate::identity::session::{self, Session};
use crate::identity::store as identity_store;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, hidden, unavailable};
use crate::web::params::Params;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::sync::Arc;

/// A pending request together with the browser's session, or the response to send instead.
pub(super) struct Step2 {
    pub(super) pending: PendingRequest,
    pub(super) request: AuthorizationRequest,
    pub(super) session: Session,
    pub(super) locale: Locale,
}

pub(super) async fn context(
    state: &Oidc,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Step2, Response> {
    let (pending, request) = load_pending(state, headers, query).await?;
    let locale = authorize::headers_locale(&request, headers);
    let session = state
        .identity
        .current_session(headers)
        .await
        .map_err(|e| unavailable(locale, "read the browser session", &e))?;
    let Some(session) = session else {
        return Err(Redirect::to(&interaction_url(
            "/login",
            &pending.authorization_request_id,
        ))
        .into_response());
    };
    Ok(Step2 {
        pending,
        request,
        session,
        locale,
    })
}

/// The same for a form post, after checking its CSRF token.
pub(super) async fn posted(
    state: &Oidc,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Step2, Params), Response> {
    let params = Params::from_form(headers, body).unwrap_or_default();
    let locale = Locale::choose(None, headers);
    if !state.forms.verify(headers, params.get("csrf")) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            locale,
            locale.text().form_expired,
        ));
    }
    let query = format!(
        "auth={}",
        url::form_urlencoded::byte_serialize(params.get("auth").unwrap_or_default().as_bytes())
            .collect::<String>()
    );
    let step = context(state, headers, Some(&query)).await?;
    Ok((step, params))
}

pub(super) fn page(
    state: &Oidc,
    headers: &HeaderMap,
    locale: Locale,
    title: &str,
    body: impl FnOnce(&str) -> Markup,
) -> Response {
    state
        .forms
        .page(headers, locale, StatusCode::OK, title, body)
}

pub async fn select_account_page(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let step = match context(&state, &headers, query.as_deref()).await {
        Ok(step) => step,
        Err(response) => return response,
    };
    let memberships = match identity_store::memberships_of(&state.db, &step.session.person_id).await
    {
        Ok(memberships) => memberships,
        Err(error) => return unavailable(step.locale, "list memberships", &error),
    };
    let text = step.locale.text();
    let auth = step.pending.authorization_request_id.clone();
    page(&state, &headers, step.locale, text.choose_account, |csrf| {
        html! {
            h1 { (text.choose_account) }
            p { (text.choose_account_intro) }
            form method="post" action="/select-account" {
                (hidden("csrf", csrf))
                (hidden("auth", &auth))
                @for m in &memberships {
                    button.account type="submit" name="customer_account_id" value=(m.customer_account_id) { (m.customer_name) }
                }
            }
        }
    })
}

pub async fn select_account_submit(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (step, params) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let chosen = params.get("customer_account_id").unwrap_or_default();
    let result = async {
        let memberships =
            identity_store::memberships_of(&state.db, &step.session.person_id).await?;
        if !memberships.iter().any(|m| m.customer_account_id == chosen) {
            return Ok::<_, crate::identity::IdentityError>(None);
        }
        session::set_active_customer_account(&state.db, &step.session.sid, chosen).await?;
        store::mark_request(
            &state.db,
            &step.pending.authorization_request_id,
            Step::AccountChosen,
            state.clock.now(),
        )
        .await?;
        Ok(Some(()))
    }
    .await;
    match result {
        Ok(Some(())) => Redirect::to(&interaction_url(
            "/authorize/continue",
            &step.pending.authorization_request_id,
        ))
        .into_response(),
        Ok(None) => error_page(
            StatusCode::BAD_REQUEST,
            step.locale,
            step.locale.text().choose_account,
        ),
        Err(error) => unavailable(step.locale, "choose a customer account", &error),
    }
}

pub async fn consent_page(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let step = match context(&state, &headers, query.as_deref()).await {
        Ok(step) => step,
        Err(response) => return response,
    };
    let client_name = match super::cache::client(&state, &step.request.client_id).await {
        Ok(client) => client.map(|c| c.name.clone()).unwrap_or_default(),
        Err(error) => return unavailable(step.locale, "read the client asking consent", &error),
    };
    let allowed = if step.request.prompt.iter().any(|p| p == "consent") {
        None
    } else {
        let person = &step.session.person_id;
        match scope_grant::allowed(&state.db, person, &step.request.client_id).await {
            Ok(allowed) => allowed.map(|a| Scope::parse(&a)),
            Err(error) => return unavailable(step.locale, "read what was allowed", &error),
        }
    };
    let text = step.locale.text();
    let scope = Scope::parse(&step.request.scope);
    let is_new = |name: &str| allowed.as_ref().is_none_or(|a| !a.contains(name));
    let described: Vec<&str> = text
        .scope_names
        .iter()
        .filter(|(name, _)| scope.contains(name) && is_new(name))
        .map(|(_, description)| *description)
        .collect();
    let intro = match allowed {
        Some(_) => text.consent_more,
        None => text.consent_intro,
    };
    let auth = step.pending.authorization_request_id.clone();
    page(&state, &headers, step.locale, text.consent_title, |csrf| {
        html! {
            h1 { (text.consent_title) }
            p { strong { (client_name) } " " (intro) }
            ul.scopes { @for d in &described { li { (d) } } }
            form method="post" action="/consent" {
                (hidden("csrf", csrf))
                (hidden("auth", &auth))
                button type="submit" name="decision" value="allow" { (text.allow) }
                " "
                button.secondary type="submit" name="decision" value="deny" { (text.deny) }
            }
        }
    })
}

pub async fn consent_submit(
    State(state): State<Arc<Oidc>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (step, params) = match posted(&state, &headers, &body).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let id = &step.pending.authorization_request_id;
    if params.get("decision") == Some("allow") {
        return match allow(&state, &step).await {
            Ok(()) => Redirect::to(&interaction_url("/authorize/continue", id)).into_response(),
            Err(error) => unavailable(step.locale, "record consent", &error),
        };
    }
    if let Err(error) = store::delete_request(&state.db, id).await {
        return unavailable(step.locale, "forget a denied request", &error);
    }
    let error = OAuthError::new(ErrorCode::AccessDenied, "the person denied the request");
    authorize::redirect_error(
        &state,
        &step.request.redirect_uri,
        step.request.state.as_deref(),
        &error,
    )
}

/// Remembers what the person allowed the client (with what they allowed before), audited,
/// and marks the request as consented.
async fn allow(state: &Oidc, step: &Step2) -> Result<(), sqlx::Error> {
    let now = state.clock.now();
    let person = &step.session.person_id;
    let client = &step.request.client_id;
    let before = scope_grant::allowed(&state.db, person, client).await?;
    let mut allowed = Scope::parse(before.as_deref().unwrap_or_default());
    allowed.extend(&Scope::parse(&step.request.scope));
    let mut tx = db::begin_write(&state.db).await?;
    scope_grant::remember(&mut tx, person, client, &allowed.to_string(), now).await?;
    let event = Event::new(Actor::Person(person.clone()), "app.allowed")
        .target("client", client.as_str())
        .detail("scope", step.request.scope.as_str());
    audit::record(&mut tx, event, now).await?;
    tx.commit().await?;
    let id = &step.pending.authorization_request_id;
    store::mark_request(&state.db, id, Step::ConsentGiven, now).await
}
