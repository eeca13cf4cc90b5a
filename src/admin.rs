//! The administration facade: creating customer accounts, persons, memberships and clients.
//! The CLI and the tests use it today; the admin API of a later issue will too. It checks
//! roles against `policies/` and passwords against the password policy before storing.

use crate::authz::{Policies, PolicyError, RoleKind};
use crate::clock::Clock;
use crate::db::Db;
use crate::identity::password::PasswordHasher;
use crate::identity::password_policy::check_new_password;
use crate::identity::store::{self, NewPersonRow};
use crate::identity::{IdentityError, PersonKind};
use crate::oidc::client::{self, ClientError};
use std::sync::Arc;

pub use crate::oidc::client::{NewClient, RegisteredClient};

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub staff: bool,
    pub staff_roles: Vec<String>,
    pub memberships: Vec<NewMembership>,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct NewMembership {
    pub customer_account_id: String,
    pub roles: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(
        "staff cannot have customer-account memberships, and customer users cannot hold staff roles"
    )]
    KindMismatch,
    #[error("a membership needs at least one role")]
    NoRoles,
}

#[derive(Clone)]
pub struct Admin {
    db: Db,
    policies: Arc<Policies>,
    hasher: PasswordHasher,
    clock: Clock,
}

impl Admin {
    pub(crate) fn new(
        db: Db,
        policies: Arc<Policies>,
        hasher: PasswordHasher,
        clock: Clock,
    ) -> Self {
        Self {
            db,
            policies,
            hasher,
            clock,
        }
    }

    pub async fn add_customer_account(&self, name: &str) -> Result<String, AdminError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(IdentityError::Empty("customer account name").into());
        }
        Ok(store::insert_customer_account(&self.db, name, self.clock.now()).await?)
    }

    pub async fn add_person(&self, new: NewPerson) -> Result<String, AdminError> {
        validate_email(&new.email)?;
        if new.display_name.trim().is_empty() {
            return Err(IdentityError::Empty("display name").into());
        }
        if new.staff && !new.memberships.is_empty() || !new.staff && !new.staff_roles.is_empty() {
            return Err(AdminError::KindMismatch);
        }
        self.policies
            .check_roles(RoleKind::Staff, &new.staff_roles)?;
        let mut memberships = Vec::new();
        for membership in new.memberships {
            self.check_membership_roles(&membership.roles)?;
            memberships.push((membership.customer_account_id, membership.roles));
        }
        check_new_password(&new.password, &new.email).map_err(IdentityError::from)?;
        let password_hash = self.hasher.hash(&new.password).await?;
        let row = NewPersonRow {
            email: &new.email,
            display_name: new.display_name.trim(),
            locale: new.locale.as_deref(),
            kind: if new.staff {
                PersonKind::Staff
            } else {
                PersonKind::Customer
            },
            password_hash: &password_hash,
        };
        let now = self.clock.now();
        Ok(store::insert_person(&self.db, row, &new.staff_roles, &memberships, now).await?)
    }

    pub async fn add_membership(
        &self,
        person_id: &str,
        customer_account_id: &str,
        roles: Vec<String>,
    ) -> Result<(), AdminError> {
        self.check_membership_roles(&roles)?;
        let person = store::find_person(&self.db, person_id)
            .await?
            .ok_or_else(|| IdentityError::UnknownPerson(person_id.to_string()))?;
        if person.is_staff() {
            return Err(AdminError::KindMismatch);
        }
        let now = self.clock.now();
        Ok(store::add_membership(&self.db, person_id, customer_account_id, &roles, now).await?)
    }

    pub async fn add_client(&self, new: NewClient) -> Result<RegisteredClient, AdminError> {
        Ok(client::register(&self.db, new, self.clock.now()).await?)
    }

    /// Whether a person with this email exists (the demo seeds itself once).
    pub async fn person_exists(&self, email: &str) -> Result<bool, AdminError> {
        Ok(store::find_login(&self.db, email).await?.is_some())
    }

    pub(crate) async fn register_or_reset_client(
        &self,
        client_id: &str,
        new: NewClient,
    ) -> Result<RegisteredClient, AdminError> {
        Ok(client::register_or_reset_secret(&self.db, client_id, new, self.clock.now()).await?)
    }

    fn check_membership_roles(&self, roles: &[String]) -> Result<(), AdminError> {
        if roles.is_empty() {
            return Err(AdminError::NoRoles);
        }
        Ok(self.policies.check_roles(RoleKind::Customer, roles)?)
    }
}

/// Deliberately loose (RFC 5322 is not worth parsing): one `@`, something on each side, a
/// dot in the domain, no spaces. Delivery is the real test, and trohet sends no mail yet.
fn validate_email(email: &str) -> Result<(), IdentityError> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(IdentityError::InvalidEmail)
    }
}
