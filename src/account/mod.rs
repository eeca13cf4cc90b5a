//! `/account`: a signed-in person sees who they are, their customer accounts and roles,
//! changes their name, language, e-mail address (Art. 16, confirmed from the new address)
//! and password, sees their active sessions and the apps they signed in to, and ends any
//! of them (GDPR Art. 15 and 21 in miniature);
//! `/account/privacy` shows each purpose and takes their consent decisions (Art. 7), hands
//! the person their data (Art. 15 and 20) and deletes the account on request (Art. 17).
//! The page composes identity (the person, sessions), the provider (the apps) and privacy
//! (export, erasure), so it lives above them.

mod data;
mod data_text;
mod deletion;
mod privacy;
mod privacy_text;
mod reauth;
mod render;
mod text;

use crate::config::ControllerConfig;
use crate::identity::service::email_change::EmailChangeAsked;
use crate::identity::{Identity, IdentityError, session::Session};
use crate::oidc::Oidc;
use crate::web::client_addr::ClientAddr;
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::{error_page, unavailable};
use crate::web::params::{MAX_PARAMS_BYTES, Params};
use axum::Router;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use reauth::Recheck;
use std::sync::Arc;
use text::Words;

pub struct AccountPages {
    pub identity: Identity,
    pub oidc: Arc<Oidc>,
    pub forms: Forms,
    /// Named in consent receipts.
    pub controller: ControllerConfig,
    pub privacy: crate::privacy::Privacy,
}

pub fn router(pages: Arc<AccountPages>) -> Router {
    Router::new()
        .route("/account", get(account))
        .route("/account/profile", post(save_profile))
        .route("/account/email", post(change_email))
        .route("/account/password", post(change_password))
        .route("/account/sessions/end", post(end_session))
        .route(
            "/account/apps",
            get(|| async { Redirect::to("/account#apps") }),
        )
        .route("/account/apps/revoke", post(revoke_app))
        .route("/account/privacy", get(privacy::privacy))
        .route("/account/privacy/decide", post(privacy::decide))
        .route("/account/privacy/interests", post(privacy::save_interests))
        .route(
            "/account/privacy/receipts/{receipt_id}",
            get(privacy::receipt_download),
        )
        .route("/account/data/export", post(data::download))
        .route(
            "/account/deletion",
            get(deletion::deletion_page).post(deletion::confirm),
        )
        .route("/account/deletion/cancel", post(deletion::keep))
        .with_state(pages)
}

/// The person's session and page language, or the response to send instead.
async fn signed_in(
    pages: &AccountPages,
    headers: &HeaderMap,
) -> Result<(Session, Locale), Response> {
    let fallback = Locale::choose(None, headers);
    let session = pages
        .identity
        .current_session(headers)
        .await
        .map_err(|e| unavailable(fallback, "read the browser session", &e))?
        .ok_or_else(|| Redirect::to("/login?return_to=%2Faccount").into_response())?;
    let person = crate::identity::store::find_person(&pages.identity.db, &session.person_id)
        .await
        .map_err(|e| unavailable(fallback, "read the person", &e))?;
    let locale = Locale::for_person(person.and_then(|p| p.locale).as_deref(), headers);
    Ok((session, locale))
}

async fn account(
    State(pages): State<Arc<AccountPages>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (session, locale) = match signed_in(&pages, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let params = Params::parse(raw.unwrap_or_default().as_bytes()).unwrap_or_default();
    let words = Words::of(locale);
    let notice = match params.get("done") {
        Some("profile") => Some(words.saved),
        Some("email") => Some(words.email_link_sent),
        Some("password") => Some(words.password_changed),
        Some("session") => Some(words.session_ended),
        Some("app") => Some(words.app_ended),
        Some("kept") => Some(data_text::DataWords::of(locale).account_kept),
        _ => None,
    };
    render::page(
        &pages,
        &headers,
        &session,
        locale,
        notice.map(Ok),
        StatusCode::OK,
    )
    .await
}

/// A form posted to the account page: its fields after the CSRF check, with the session,
/// the page language and the headers (the page needs them to answer).
struct Posted {
    params: Params,
    session: Session,
    locale: Locale,
    headers: HeaderMap,
}

impl FromRequest<Arc<AccountPages>> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, pages: &Arc<AccountPages>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let (session, locale) = signed_in(pages, &parts.headers).await?;
        let body = axum::body::to_bytes(body, MAX_PARAMS_BYTES + 1)
            .await
            .unwrap_or_default();
        let params = Params::from_form(&parts.headers, &body).unwrap_or_default();
        if !pages.forms.verify(&parts.headers, params.get("csrf")) {
            let expired = locale.text().form_expired;
            return Err(error_page(StatusCode::BAD_REQUEST, locale, expired));
        }
        Ok(Posted {
            params,
            session,
            locale,
            headers: parts.headers,
        })
    }
}

impl Posted {
    fn get(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }

    /// The page again with the reason a change was refused; our failures get the error
    /// page instead.
    async fn refused(
        &self,
        pages: &AccountPages,
        operation: &str,
        error: IdentityError,
    ) -> Response {
        match error {
            IdentityError::Database(_) | IdentityError::Hashing => {
                unavailable(self.locale, operation, &error)
            }
            other => self.refuse(pages, other.to_string()).await,
        }
    }

    async fn refuse(&self, pages: &AccountPages, message: String) -> Response {
        self.refuse_with(pages, StatusCode::UNPROCESSABLE_ENTITY, message)
            .await
    }

    async fn refuse_with(
        &self,
        pages: &AccountPages,
        status: StatusCode,
        message: String,
    ) -> Response {
        let (headers, session, locale) = (&self.headers, &self.session, self.locale);
        render::page(pages, headers, session, locale, Some(Err(message)), status).await
    }
}

fn done(what: &str) -> Response {
    Redirect::to(&format!("/account?done={what}")).into_response()
}

async fn save_profile(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    let (person, locale) = (&form.session.person_id, form.params.get("locale"));
    match pages
        .identity
        .update_own_profile(person, form.get("name"), locale)
        .await
    {
        Ok(()) => done("profile"),
        Err(error) => form.refused(&pages, "save a profile", error).await,
    }
}

/// Asks for a new address once the password is typed again, so that a browser left open
/// is not enough to take the account over. The answer is the same whether or not the
/// address belongs to someone else.
async fn change_email(
    State(pages): State<Arc<AccountPages>>,
    client: ClientAddr,
    form: Posted,
) -> Response {
    match reauth::confirm_password(&pages, &form, client).await {
        Ok(Recheck::Confirmed) => {}
        Ok(Recheck::Refused(status, message)) => {
            return form.refuse_with(&pages, status, message).await;
        }
        Err(response) => return response,
    }
    let (person, words) = (&form.session.person_id, Words::of(form.locale));
    let asked = pages
        .identity
        .request_email_change(person, form.get("email"), &pages.controller)
        .await;
    match asked {
        Ok(EmailChangeAsked::Queued) => done("email"),
        Ok(EmailChangeAsked::InvalidAddress) => {
            form.refuse(&pages, words.email_invalid.into()).await
        }
        Ok(EmailChangeAsked::SameAddress) => form.refuse(&pages, words.email_same.into()).await,
        Err(error) => {
            form.refused(&pages, "ask for an e-mail change", error)
                .await
        }
    }
}

async fn change_password(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    if form.get("new") != form.get("repeat") {
        let differ = form.locale.text().passwords_differ.to_string();
        return form.refuse(&pages, differ).await;
    }
    let session = &form.session;
    match pages
        .identity
        .change_password(
            &session.person_id,
            &session.sid,
            form.get("current"),
            form.get("new"),
        )
        .await
    {
        Ok(()) => done("password"),
        Err(error) => form.refused(&pages, "change a password", error).await,
    }
}

async fn end_session(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    let sid = form.get("sid");
    match pages
        .identity
        .end_own_session(&form.session.person_id, sid)
        .await
    {
        Ok(()) if sid == form.session.sid => {
            let mut response = Redirect::to("/login").into_response();
            let cookie = pages.forms.clear_session_cookie();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(()) => done("session"),
        Err(error) => form.refused(&pages, "end a session", error).await,
    }
}

async fn revoke_app(State(pages): State<Arc<AccountPages>>, form: Posted) -> Response {
    let person = &form.session.person_id;
    match pages.oidc.revoke_app(person, form.get("client_id")).await {
        Ok(_) => done("app"),
        Err(error) => unavailable(form.locale, "sign an app out", &error),
    }
}
