//! The console: trohet's own first-party administration pages under `/console`, reached
//! through the normal login (no consent screen), server-rendered with maud in English and
//! Swedish, usable without JavaScript, every form CSRF-protected. It calls the same
//! services as the admin API, so a customer admin sees exactly what the API would show
//! them: their own company, nothing of any other. Each section (customers, persons,
//! clients, keys, audit) is a file with its own router; `errors` maps every service error
//! to a page in one place, and `request` turns a request into the signed-in visitor with
//! the query or the CSRF-checked form.

mod audit;
mod client_form;
mod client_pages;
mod clients;
mod consent_text;
mod consents;
mod customers;
mod errors;
mod forms;
mod health;
mod health_page;
mod health_text;
mod keys;
mod members;
mod people;
mod person_page;
mod person_privacy;
mod persons;
mod privacy;
mod privacy_text;
mod request;
mod svg;
mod text;

use crate::audit::routes::AuditApi;
use crate::authz::Principal;
use crate::consent::Consent;
use crate::identity::Identity;
use crate::identity::store as identity_store;
use crate::oidc::admin::OidcAdmin;
use crate::web::forms::Forms;
use crate::web::i18n::Locale;
use crate::web::page::unavailable;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use request::Visit;
use std::sync::Arc;
pub use text::Words;

/// What the console's pages need: the services they call and the form plumbing.
pub struct Console {
    pub identity: Identity,
    pub consent: Consent,
    pub clients: OidcAdmin,
    pub audit: AuditApi,
    pub forms: Forms,
    pub privacy: crate::privacy::Privacy,
    pub analytics: Arc<crate::analytics::Analytics>,
}

pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/console", get(dashboard))
        .merge(customers::router())
        .merge(members::router())
        .merge(persons::router())
        .merge(clients::router())
        .merge(keys::router())
        .merge(audit::router())
        .merge(consents::router())
        .merge(privacy::router())
        .merge(health::router())
        .with_state(console)
}

/// The signed-in person behind a console request.
pub struct Visitor {
    pub principal: Principal,
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
        Ok(Visitor {
            principal,
            locale: Locale::for_person(stored.as_deref(), headers),
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
        let mut response = self
            .forms
            .page(headers, visitor.locale, status, title, |csrf| {
                html! {
                    nav.console {
                        a href="/console" { (words.console) }
                        @for (href, label) in &nav { " · " a href=(href) { (label) } }
                        " · " a href="/account" { (words.your_account) }
                    }
                    (body(csrf))
                }
            });
        // Console pages show people's data, and some a secret or a link shown only once:
        // no browser or proxy keeps a copy.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    /// A console page for this visit.
    pub fn show(
        &self,
        visit: &Visit,
        status: StatusCode,
        title: &str,
        body: impl FnOnce(&str) -> Markup,
    ) -> Response {
        self.page(&visit.headers, &visit.visitor, status, title, body)
    }

    /// Whether the visitor's roles allow `permission` (in `customer`, or staff-wide with
    /// `None`). Only decides which forms to offer: the services decide what happens.
    pub fn may(&self, visitor: &Visitor, permission: &str, customer: Option<&str>) -> bool {
        self.identity
            .policies
            .decide(&visitor.principal, permission, customer)
            .is_allowed()
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
        if staff("consents.statistics") {
            nav.push((
                "/console/consents",
                consent_text::ConsentWords::of(visitor.locale).title,
            ));
        }
        if staff("analytics.read") {
            nav.push((
                "/console/health",
                health_text::HealthWords::of(visitor.locale).title,
            ));
        }
        if staff("dsr.read") {
            nav.push((
                "/console/requests",
                privacy_text::PrivacyWords::of(visitor.locale).requests,
            ));
        }
        nav
    }
}

async fn dashboard(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let words = Words::of(visit.visitor.locale);
    let nav = console.navigation(&visit.visitor);
    console.show(&visit, StatusCode::OK, words.console, |_| {
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
