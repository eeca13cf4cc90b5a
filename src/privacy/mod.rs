//! Data subject rights (GDPR Art. 12 to 22): the register of requests with their legal
//! deadlines, export of everything held about a person, erasure that leaves nothing behind
//! but what the law keeps, legal holds, and telling the portal apps (Art. 19) through the
//! outbox with security event tokens and back-channel logout.

pub mod deadline;
pub mod erasure;
pub mod error;
pub mod export;
mod export_data;
mod export_html;
pub mod janitor;
pub mod notify;
pub mod register;
pub mod register_routes;
pub mod requests;
pub mod restriction;
pub mod retention;
pub mod routes;

pub use error::PrivacyError;

use crate::authz::{Policies, Principal};
use crate::clock::Clock;
use crate::config::{ControllerConfig, PrivacyConfig};
use crate::consent::{Consent, Provider};
use crate::db::Db;
use crate::identity::AccessRevoker;
use std::sync::Arc;

/// What the privacy context works with.
#[derive(Clone)]
pub struct Privacy {
    pub db: Db,
    pub clock: Clock,
    pub policies: Arc<Policies>,
    /// Ends a person's grants and forgets what the provider cached about them.
    pub revoker: Arc<dyn AccessRevoker>,
    /// The `sub` each client knows, and the provider's signing key.
    pub provider: Arc<dyn Provider>,
    pub consent: Consent,
    pub controller: ControllerConfig,
    pub config: PrivacyConfig,
}

impl Privacy {
    /// A staff-wide permission (data subject requests are never a customer admin's).
    fn require(&self, by: &Principal, permission: &str) -> Result<(), PrivacyError> {
        let decision = self.policies.decide(by, permission, None);
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(PrivacyError::denied(decision, "person"))
        }
    }
}
