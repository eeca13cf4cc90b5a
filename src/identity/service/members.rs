//! Memberships, as delegated administration: a customer admin changes the roles of the
//! people in their own account and removes those who left, granting only roles their own
//! role may grant; staff do the same everywhere. The last customer admin of an account
//! cannot be removed or demoted, checked under a lock on the account so that two admins
//! demoting each other at once cannot both succeed.

use crate::audit::{self, Actor, Event};
use crate::authz::{Principal, RoleKind};
use crate::db::{self, Tx, WriteTx};
use crate::identity::store::customers;
use crate::identity::store::members::{self, MemberRow};
use crate::identity::store::persons;
use crate::identity::{Identity, IdentityError};

/// The role whose last holder an account may not lose.
pub const ADMIN_ROLE: &str = "customer-admin";

impl Identity {
    pub async fn list_members(
        &self,
        by: &Principal,
        customer: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MemberRow>, IdentityError> {
        self.require(by, "people.read", Some(customer), "customer account")?;
        if customers::find(&self.db, customer).await?.is_none() {
            return Err(IdentityError::NotFound("customer account"));
        }
        Ok(members::list(&self.db, customer, after, limit + 1).await?)
    }

    /// Gives a person exactly these roles in the account, creating the membership if staff
    /// add someone new. Returns the membership's new version.
    pub async fn put_member(
        &self,
        by: &Principal,
        customer: &str,
        person_id: &str,
        roles: Vec<String>,
        version: Option<i64>,
    ) -> Result<i64, IdentityError> {
        self.require(by, "roles.grant", Some(customer), "customer account")?;
        if roles.is_empty() {
            return Err(IdentityError::NoRoles);
        }
        self.policies.check_roles(RoleKind::Customer, &roles)?;
        let person = persons::find(&self.db, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        let now = self.clock.now();
        let mut tx = self.lock_account(customer).await?;
        let current = members::find(&mut tx, customer, person_id).await?;
        let held = match &current {
            Some((held_version, held)) => {
                if version.is_some_and(|v| v != *held_version) {
                    return Err(IdentityError::Stale);
                }
                held.clone()
            }
            // Only staff add people by id; a customer admin invites them.
            None if !by.is_staff() => return Err(IdentityError::NotFound("person")),
            None if person.kind == "staff" => return Err(IdentityError::KindMismatch),
            None => Vec::new(),
        };
        let changed: Vec<String> = held
            .iter()
            .filter(|r| !roles.contains(r))
            .chain(roles.iter().filter(|r| !held.contains(r)))
            .cloned()
            .collect();
        self.check_grants(by, Some(customer), RoleKind::Customer, &changed)?;
        if held.iter().any(|r| r == ADMIN_ROLE) && !roles.iter().any(|r| r == ADMIN_ROLE) {
            self.keep_an_admin(&mut tx, customer, person_id).await?;
        }
        let new_version = members::put(&mut tx, customer, person_id, &roles, now).await?;
        let action = if current.is_some() {
            "membership.updated"
        } else {
            "membership.created"
        };
        let event = Event::new(Actor::of(by), action)
            .target("person", person_id)
            .customer(customer)
            .detail("roles", roles);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(new_version)
    }

    /// Removes someone who left the company; their tokens for this account stop working at
    /// the next refresh.
    pub async fn remove_member(
        &self,
        by: &Principal,
        customer: &str,
        person_id: &str,
        version: Option<i64>,
    ) -> Result<(), IdentityError> {
        self.require(by, "people.manage", Some(customer), "customer account")?;
        let now = self.clock.now();
        let mut tx = self.lock_account(customer).await?;
        let (held_version, held) = members::find(&mut tx, customer, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        if version.is_some_and(|v| v != held_version) {
            return Err(IdentityError::Stale);
        }
        self.check_grants(by, Some(customer), RoleKind::Customer, &held)?;
        if held.iter().any(|r| r == ADMIN_ROLE) {
            self.keep_an_admin(&mut tx, customer, person_id).await?;
        }
        members::delete(&mut tx, customer, person_id).await?;
        let event = Event::new(Actor::of(by), "membership.removed")
            .target("person", person_id)
            .customer(customer);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A write transaction holding the account's row lock; 404 if there is no account.
    async fn lock_account(&self, customer: &str) -> Result<WriteTx, IdentityError> {
        let mut tx = db::begin_write(&self.db).await?;
        if !customers::lock(&mut tx, customer).await? {
            return Err(IdentityError::NotFound("customer account"));
        }
        Ok(tx)
    }

    /// Refuses a change that would leave the account without an active customer admin
    /// once `person_id` no longer is one.
    async fn keep_an_admin(
        &self,
        tx: &mut Tx,
        customer: &str,
        person_id: &str,
    ) -> Result<(), IdentityError> {
        if members::count_others_with_role(tx, customer, ADMIN_ROLE, person_id).await? == 0 {
            return Err(IdentityError::LastCustomerAdmin);
        }
        Ok(())
    }
}
