//! The administration facade of the command line and the tests: every operation goes
//! through the same services as the admin API, acting as the operator on the host
//! ([`Principal::system`]), so each one is checked the same way and lands in the audit log.

use crate::authz::Principal;
use crate::identity::service::persons::{NewPersonInput, PersonDetail};
use crate::identity::{Identity, IdentityError};
use crate::oidc::admin::{AdminError as ClientAdminError, OidcAdmin};

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
    Clients(#[from] ClientAdminError),
}

#[derive(Clone)]
pub struct Admin {
    identity: Identity,
    clients: OidcAdmin,
    operator: Principal,
}

impl Admin {
    pub(crate) fn new(identity: Identity, clients: OidcAdmin) -> Self {
        Self {
            identity,
            clients,
            operator: Principal::system(),
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn clients(&self) -> &OidcAdmin {
        &self.clients
    }

    /// The principal the facade acts as.
    pub fn operator(&self) -> &Principal {
        &self.operator
    }

    pub async fn add_customer_account(&self, name: &str) -> Result<String, AdminError> {
        let row = self.identity.create_customer(&self.operator, name).await?;
        Ok(row.customer_account_id)
    }

    pub async fn add_person(&self, new: NewPerson) -> Result<String, AdminError> {
        let detail = self.create_person(new).await?;
        Ok(detail.row.person_id)
    }

    pub async fn create_person(&self, new: NewPerson) -> Result<PersonDetail, AdminError> {
        let input = NewPersonInput {
            email: new.email,
            display_name: new.display_name,
            locale: new.locale,
            staff: new.staff,
            staff_roles: new.staff_roles,
            memberships: new
                .memberships
                .into_iter()
                .map(|m| (m.customer_account_id, m.roles))
                .collect(),
            password: Some(new.password),
        };
        Ok(self.identity.create_person(&self.operator, input).await?)
    }

    /// Gives the person exactly these roles in the account, adding the membership if new.
    pub async fn add_membership(
        &self,
        person_id: &str,
        customer_account_id: &str,
        roles: Vec<String>,
    ) -> Result<(), AdminError> {
        self.identity
            .put_member(&self.operator, customer_account_id, person_id, roles, None)
            .await?;
        Ok(())
    }

    pub async fn add_client(&self, new: NewClient) -> Result<RegisteredClient, AdminError> {
        let (_, registered) = self.clients.create_client(&self.operator, new).await?;
        Ok(registered)
    }

    /// Whether a person with this email exists (the demo seeds itself once).
    pub async fn person_exists(&self, email: &str) -> Result<bool, AdminError> {
        let found = crate::identity::store::persons::find_by_email(&self.identity.db, email)
            .await
            .map_err(IdentityError::from)?;
        Ok(found.is_some())
    }

    pub(crate) async fn register_or_reset_client(
        &self,
        client_id: &str,
        new: NewClient,
    ) -> Result<RegisteredClient, AdminError> {
        Ok(self.clients.register_or_reset(client_id, new).await?)
    }
}
