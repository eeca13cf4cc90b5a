//! Identity: customer accounts, persons, memberships with roles, credentials and browser
//! sessions. Everything else refers to people through this module; GDPR data minimisation
//! starts here (email, display name and locale are all we keep about a person).

mod error;
pub mod mail;
pub mod password;
pub mod password_policy;
pub mod routes;
pub mod service;
pub mod session;
pub mod store;
pub mod throttle;

pub use error::IdentityError;
pub use store::{CustomerAccount, Membership, Person, PersonKind};

use crate::authz::{Policies, Principal};
use crate::clock::Clock;
use crate::config::SessionConfig;
use crate::db::Db;
use crate::web::cookies;
use axum::http::HeaderMap;
use password::PasswordHasher;
use session::Session;
use std::sync::Arc;

/// Why all of a person's access ends; it decides what the portal apps are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Disabled by an administrator (apps get RISC account-disabled and logout tokens).
    Disabled,
    /// A new password ended every other session (CAEP session-revoked, logout tokens).
    NewPassword,
    /// Erasure, which tells the apps itself, under its request.
    Erasure,
}

/// What ending a person's access means outside this context: the provider revokes their
/// grants and refresh tokens and queues word to the portal apps that registered for it.
/// `identity` cannot call `oidc` (which depends on it), so `app.rs` hands in the provider's
/// implementation; it runs in the caller's transaction.
pub trait AccessRevoker: Send + Sync {
    /// Every grant and refresh token of the person.
    fn revoke_person<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        why: Ending,
        now: crate::clock::UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sqlx::Error>>;

    /// The grants that lived only as long as one of the person's browser sessions.
    fn revoke_session<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        sid: &'a str,
        now: crate::clock::UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sqlx::Error>>;

    /// A disabled person may sign in again: the apps are told.
    fn reinstate<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        now: crate::clock::UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<(), sqlx::Error>>;
}

/// What the identity context works with: its tables, the time, session lifetimes, the
/// password hasher, the role policy, and where links in e-mail lead.
#[derive(Clone)]
pub struct Identity {
    pub db: Db,
    pub clock: Clock,
    pub sessions: SessionConfig,
    pub hasher: PasswordHasher,
    pub policies: Arc<Policies>,
    /// The public base URL (the issuer), for links in e-mail.
    pub public_url: String,
    /// Whether e-mail is delivered (SMTP is configured); if not, the inviting admin is
    /// shown the link to pass on.
    pub mail_delivered: bool,
    pub revoker: Arc<dyn AccessRevoker>,
    /// Where the requests identity completes itself are registered.
    pub register: Arc<dyn RequestRegister>,
}

/// The register of data subject requests, for the one request identity completes on its
/// own (a verified change of e-mail address, GDPR Art. 16). It belongs to the privacy
/// context, which depends on identity, so `app.rs` hands it in; it writes in the caller's
/// transaction, so the change and its record commit together.
pub trait RequestRegister: Send + Sync {
    /// Enters a completed self-service rectification; returns its id.
    fn rectified<'a>(
        &'a self,
        tx: &'a mut crate::db::Tx,
        person_id: &'a str,
        verification: &'a str,
        what: &'a str,
        now: crate::clock::UnixTime,
    ) -> futures_util::future::BoxFuture<'a, Result<String, sqlx::Error>>;
}

/// A person signing in to a portal app in a customer account. Analytics counts it for
/// people who allow it; it belongs to a context that depends on identity, so `app.rs`
/// hands it in (to the provider, which issues the code that completes a sign-in).
pub struct SignIn<'a> {
    pub person_id: &'a str,
    pub customer_account_id: &'a str,
    pub client_id: &'a str,
    /// The browser session and its authentication time: the same pair is one sign-in,
    /// however many codes a silent renewal issues.
    pub sid: &'a str,
    pub auth_time: crate::clock::UnixTime,
}

pub trait SignInRecorder: Send + Sync {
    /// Records the sign-in; a failure is logged, never shown to the person signing in.
    fn signed_in<'a>(&'a self, sign_in: SignIn<'a>) -> futures_util::future::BoxFuture<'a, ()>;
}

impl Identity {
    /// Asks `authz` and turns anything but "allowed" into the matching error: 404 outside
    /// the caller's tenant (naming `what` could not be found), 403 inside it.
    pub fn require(
        &self,
        by: &Principal,
        permission: &str,
        customer: Option<&str>,
        what: &'static str,
    ) -> Result<(), IdentityError> {
        let decision = self.policies.decide(by, permission, customer);
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(IdentityError::denied(decision, what))
        }
    }

    /// The live session behind the browser's cookie, if any.
    pub async fn current_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Session>, IdentityError> {
        match cookies::read(headers, cookies::SESSION_COOKIE) {
            Some(value) => {
                session::find_live(&self.db, &value, &self.sessions, self.clock.now()).await
            }
            None => Ok(None),
        }
    }
}
