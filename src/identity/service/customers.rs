//! Customer accounts: listing (staff see all; a customer admin only their own), creating,
//! renaming, suspending and reactivating. A suspended account's members cannot log in to
//! it or refresh tokens for it.

use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::db;
use crate::identity::store::customers::{self, CustomerFilter, CustomerRow};
use crate::identity::{Identity, IdentityError};

pub const STATUSES: [&str; 2] = ["active", "suspended"];
const MAX_NAME_CHARS: usize = 200;

/// A change to a customer account; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub status: Option<String>,
}

impl Identity {
    /// A page of customer accounts the principal may see (up to `limit + 1` rows, for the
    /// caller to tell whether there are more).
    pub async fn list_customers(
        &self,
        by: &Principal,
        mut filter: CustomerFilter,
        limit: i64,
    ) -> Result<Vec<CustomerRow>, IdentityError> {
        if let Some(status) = &filter.status {
            check_status(status)?;
        }
        filter.only = self.visible_accounts(by, "customers.read")?;
        Ok(customers::list(&self.db, &filter, limit + 1).await?)
    }

    /// `None` for staff holding `permission` (every account); otherwise the accounts where
    /// the principal's roles grant it, or 403 when there are none.
    pub fn visible_accounts(
        &self,
        by: &Principal,
        permission: &str,
    ) -> Result<Option<Vec<String>>, IdentityError> {
        if self.policies.decide(by, permission, None).is_allowed() {
            return Ok(None);
        }
        let accounts = by.accounts_with(&self.policies, permission);
        if accounts.is_empty() {
            return Err(IdentityError::Forbidden(format!(
                "no role grants {permission}"
            )));
        }
        Ok(Some(accounts))
    }

    pub async fn customer(&self, by: &Principal, id: &str) -> Result<CustomerRow, IdentityError> {
        self.require(by, "customers.read", Some(id), "customer account")?;
        customers::find(&self.db, id)
            .await?
            .ok_or(IdentityError::NotFound("customer account"))
    }

    pub async fn create_customer(
        &self,
        by: &Principal,
        name: &str,
    ) -> Result<CustomerRow, IdentityError> {
        self.require(by, "customers.manage", None, "customer account")?;
        let name = checked_name(name)?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let id = customers::insert(&mut tx, name, now).await?;
        let event = Event::new(Actor::of(by), "customer.created")
            .target("customer", &id)
            .customer(&id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        customers::find(&self.db, &id)
            .await?
            .ok_or(IdentityError::NotFound("customer account"))
    }

    /// Renames, suspends or reactivates, if the account is still at `version`.
    pub async fn update_customer(
        &self,
        by: &Principal,
        id: &str,
        patch: CustomerPatch,
        version: Option<i64>,
    ) -> Result<CustomerRow, IdentityError> {
        self.require(by, "customers.manage", Some(id), "customer account")?;
        let current = customers::find(&self.db, id)
            .await?
            .ok_or(IdentityError::NotFound("customer account"))?;
        let expected = version.unwrap_or(current.version);
        let name = match &patch.name {
            Some(name) => checked_name(name)?,
            None => current.name.as_str(),
        };
        let status = patch.status.as_deref().unwrap_or(&current.status);
        check_status(status)?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let updated = customers::update(&mut tx, id, name, status, expected)
            .await?
            .ok_or(IdentityError::Stale)?;
        let mut changed = Vec::new();
        if updated.name != current.name {
            changed.push("name");
        }
        if updated.status != current.status {
            changed.push("status");
        }
        let action = match (current.status.as_str(), updated.status.as_str()) {
            ("active", "suspended") => "customer.suspended",
            ("suspended", "active") => "customer.reactivated",
            _ => "customer.updated",
        };
        let event = Event::new(Actor::of(by), action)
            .target("customer", id)
            .customer(id)
            .detail("changed", changed);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(updated)
    }
}

fn checked_name(name: &str) -> Result<&str, IdentityError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(IdentityError::Empty("customer account name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(IdentityError::TooLong("the customer account name"));
    }
    Ok(name)
}

fn check_status(status: &str) -> Result<(), IdentityError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(IdentityError::Invalid(format!(
            "status must be one of {}",
            STATUSES.join(", ")
        )))
    }
}
