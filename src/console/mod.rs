//! The console: trohet's own first-party administration pages under `/console`, reached
//! through the normal login (no consent screen), server-rendered with maud in English and
//! Swedish, usable without JavaScript, every form CSRF-protected. It calls the same
//! services as the admin API, so a customer admin sees exactly what the API would show
//! them: their own company, nothing of any other.

mod text;

use crate::audit::routes::AuditApi;
use crate::authz::Principal;
use crate::identity::Identity;
use crate::identity::store as identity_store;
use crate::oidc::admin::OidcAdmin;
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::unavailable;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use std::sync::Arc;
pub use text::Words;

/// What the console's pages need: the services they call and the form plumbing.
pub struct Console {
    pub identity: Identity,
    pub clients: OidcAdmin,
    pub audit: AuditApi,
    pub forms: Forms,
}

pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/console", get(dashboard))
        .with_state(console)
}

/// The signed-in person behind a console request.
pub struct Visitor {
    pub principal: Principal,
    pub sid: String,
    pub locale: Locale,
}

impl Console {
    /// The visitor, or the response to send instead: the login page (coming back here
    /// afterwards) without a session, or our failure page.
    pub async fn visitor(&self, headers: &HeaderMap, uri: &Uri) -> Result<Visitor, Response> {
        let fallback = Locale::choose(None, headers);
        let session = self
            .identity
            .current_session(headers)
            .await
            .map_err(|e| unavailable(fallback, "read the browser session", &e))?;
        let login = || {
            let back = uri.path_and_query().map_or("/console", |p| p.as_str());
            let back = url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
            Redirect::to(&format!("/login?return_to={back}")).into_response()
        };
        let Some(session) = session else {
            return Err(login());
        };
        let principal = identity_store::principal(&self.identity.db, &session.person_id)
            .await
            .map_err(|e| unavailable(fallback, "read the visitor's roles", &e))?
            .ok_or_else(login)?;
        let person = identity_store::find_person(&self.identity.db, &session.person_id)
            .await
            .map_err(|e| unavailable(fallback, "read the visitor", &e))?;
        let stored = person.and_then(|p| p.locale);
        let locale = match headers.get(axum::http::header::ACCEPT_LANGUAGE) {
            Some(_) => Locale::choose(None, headers),
            None => Locale::of_tag(stored.as_deref()),
        };
        Ok(Visitor {
            principal,
            sid: session.sid,
            locale,
        })
    }

    /// A console page: the shared frame with the navigation the visitor may use.
    pub fn page(
        &self,
        headers: &HeaderMap,
        visitor: &Visitor,
        status: StatusCode,
        title: &str,
        body: impl FnOnce(&str) -> Markup,
    ) -> Response {
        let words = Words::of(visitor.locale);
        let nav = self.navigation(visitor);
        self.forms
            .page(headers, visitor.locale, status, title, |csrf| {
                html! {
                    nav.console {
                        a href="/console" { (words.console) }
                        @for (href, label) in &nav { " · " a href=(href) { (label) } }
                        " · " a href="/account" { (words.your_account) }
                    }
                    (body(csrf))
                }
            })
    }

    /// The sections the visitor's permissions open.
    pub fn navigation(&self, visitor: &Visitor) -> Vec<(&'static str, &'static str)> {
        let words = Words::of(visitor.locale);
        let policies = &self.identity.policies;
        let p = &visitor.principal;
        let staff = |permission: &str| policies.decide(p, permission, None).is_allowed();
        let anywhere = |permission: &str| {
            staff(permission) || !p.accounts_with(policies, permission).is_empty()
        };
        let mut nav = Vec::new();
        if anywhere("customers.read") {
            nav.push(("/console/customers", words.customers));
        }
        if anywhere("people.read") {
            nav.push(("/console/persons", words.persons));
        }
        if staff("clients.manage") {
            nav.push(("/console/clients", words.clients));
        }
        if staff("keys.manage") {
            nav.push(("/console/keys", words.keys));
        }
        if staff("audit.read") {
            nav.push(("/console/audit", words.audit));
        }
        nav
    }
}

async fn dashboard(State(console): State<Arc<Console>>, headers: HeaderMap, uri: Uri) -> Response {
    let visitor = match console.visitor(&headers, &uri).await {
        Ok(visitor) => visitor,
        Err(response) => return response,
    };
    let words = Words::of(visitor.locale);
    let nav = console.navigation(&visitor);
    console.page(&headers, &visitor, StatusCode::OK, words.console, |_| {
        html! {
            h1 { (words.console) }
            @if nav.is_empty() {
                p { (words.nothing_to_administer) }
            } @else {
                ul { @for (href, label) in &nav { li { a href=(href) { (label) } } } }
            }
        }
    })
}
