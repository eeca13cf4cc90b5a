//! Persons: staff search and read everyone; a customer admin sees only the people of their
//! own accounts (name, email, status and roles there, never other memberships). Creating,
//! editing, disabling and enabling people is staff work. Disabling ends every session,
//! grant and refresh token at once; enabling revives none of them.

use crate::audit::{self, Actor, Event};
use crate::authz::{Principal, RoleKind};
use crate::db;
use crate::identity::Ending;
use crate::identity::password_policy::check_new_password;
use crate::identity::store::customers::normalize;
use crate::identity::store::persons::{self, NewPersonRecord, PersonFilter, PersonRow};
use crate::identity::store::{members, staff_roles_of};
use crate::identity::{Identity, IdentityError, session};

const MAX_NAME_CHARS: usize = 200;

/// A person as one principal may see them.
#[derive(Debug, Clone)]
pub struct PersonDetail {
    pub row: PersonRow,
    /// Only shown to staff.
    pub staff_roles: Option<Vec<String>>,
    /// (customer id, name, status, roles), limited to what the viewer may see.
    pub memberships: Vec<(String, String, String, Vec<String>)>,
}

/// A person to create. Without a password they sign in after an invitation or reset.
#[derive(Debug, Clone, Default)]
pub struct NewPersonInput {
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub staff: bool,
    pub staff_roles: Vec<String>,
    pub memberships: Vec<(String, Vec<String>)>,
    pub password: Option<String>,
}

/// A change to a person; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PersonPatch {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub staff_roles: Option<Vec<String>>,
}

impl Identity {
    pub async fn list_persons(
        &self,
        by: &Principal,
        mut filter: PersonFilter,
        customer: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonRow>, IdentityError> {
        filter.accounts = match customer {
            Some(customer) => {
                self.require(by, "people.read", Some(customer), "customer account")?;
                Some(vec![customer.to_string()])
            }
            None => self.visible_accounts(by, "people.read")?,
        };
        Ok(persons::list(&self.db, &filter, limit + 1).await?)
    }

    /// The person, if the principal may see them: staff with `people.read`, or someone
    /// holding `people.read` in an account the person belongs to (404 otherwise).
    pub async fn person(&self, by: &Principal, id: &str) -> Result<PersonDetail, IdentityError> {
        let row = persons::find(&self.db, id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        let all = members::of_person(&self.db, id).await?;
        if self.policies.decide(by, "people.read", None).is_allowed() {
            let staff_roles = staff_roles_of(&self.db, id).await?;
            return Ok(PersonDetail {
                row,
                staff_roles: Some(staff_roles),
                memberships: all,
            });
        }
        let visible = by.accounts_with(&self.policies, "people.read");
        let memberships: Vec<_> = all.into_iter().filter(|m| visible.contains(&m.0)).collect();
        if memberships.is_empty() {
            return Err(IdentityError::NotFound("person"));
        }
        Ok(PersonDetail {
            row,
            staff_roles: None,
            memberships,
        })
    }

    pub async fn create_person(
        &self,
        by: &Principal,
        new: NewPersonInput,
    ) -> Result<PersonDetail, IdentityError> {
        self.require(by, "people.manage", None, "person")?;
        let (email, name) = (checked_email(&new.email)?, checked_name(&new.display_name)?);
        if new.staff && !new.memberships.is_empty() || !new.staff && !new.staff_roles.is_empty() {
            return Err(IdentityError::KindMismatch);
        }
        self.check_grants(by, None, RoleKind::Staff, &new.staff_roles)?;
        for (customer, roles) in &new.memberships {
            self.check_grants(by, Some(customer), RoleKind::Customer, roles)?;
        }
        let hash = match &new.password {
            Some(password) => {
                check_new_password(password, email)?;
                Some(self.hasher.hash(password).await?)
            }
            None => None,
        };
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let record = NewPersonRecord {
            email,
            display_name: name,
            locale: checked_locale(new.locale.as_deref())?,
            kind: if new.staff { "staff" } else { "customer" },
        };
        let id = persons::insert(&mut tx, &record, now)
            .await
            .map_err(unique_email)?;
        if let Some(hash) = &hash {
            persons::set_password_hash(&mut tx, &id, hash, now).await?;
        }
        persons::replace_staff_roles(&mut tx, &id, &new.staff_roles).await?;
        let mut event = Event::new(Actor::of(by), "person.created")
            .target("person", &id)
            .detail("kind", record.kind)
            .detail("staff_roles", new.staff_roles.clone());
        for (customer, roles) in &new.memberships {
            members::put(&mut tx, customer, &id, roles, now)
                .await
                .map_err(|e| unknown_account(e, customer))?;
            event = event.customer(customer).detail("roles", roles.clone());
        }
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.person(&crate::authz::Principal::system(), &id).await
    }

    pub async fn update_person(
        &self,
        by: &Principal,
        id: &str,
        patch: PersonPatch,
        version: Option<i64>,
    ) -> Result<PersonDetail, IdentityError> {
        self.require_staff_visible(by, id, "people.manage").await?;
        let current = persons::find(&self.db, id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        let mut row = current.clone();
        if let Some(email) = &patch.email {
            row.email = checked_email(email)?.to_string();
        }
        if let Some(name) = &patch.display_name {
            row.display_name = checked_name(name)?.to_string();
        }
        if let Some(locale) = &patch.locale {
            row.locale = checked_locale(Some(locale))?.map(str::to_string);
        }
        if let Some(roles) = &patch.staff_roles {
            if current.kind != "staff" && !roles.is_empty() {
                return Err(IdentityError::KindMismatch);
            }
            let held = staff_roles_of(&self.db, id).await?;
            let changed: Vec<String> = symmetric_difference(&held, roles);
            self.check_grants(by, None, RoleKind::Staff, &changed)?;
        }
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let updated = persons::update(&mut tx, &row, version.unwrap_or(current.version))
            .await
            .map_err(unique_email)?
            .ok_or(IdentityError::Stale)?;
        let mut changed = Vec::new();
        if updated.email_normalized != current.email_normalized {
            changed.push("email");
        }
        if normalize(&updated.display_name) != normalize(&current.display_name) {
            changed.push("name");
        }
        if updated.locale != current.locale {
            changed.push("locale");
        }
        let mut event = Event::new(Actor::of(by), "person.updated").target("person", id);
        if let Some(roles) = &patch.staff_roles {
            persons::replace_staff_roles(&mut tx, id, roles).await?;
            changed.push("staff_roles");
            event = event.detail("staff_roles", roles.clone());
        }
        audit::record(&mut tx, event.detail("changed", changed), now).await?;
        tx.commit().await?;
        self.person(by, id).await
    }

    /// Disables a person: every session ends, every grant and refresh token is revoked,
    /// in the same transaction as the audit event.
    pub async fn disable_person(
        &self,
        by: &Principal,
        id: &str,
    ) -> Result<PersonDetail, IdentityError> {
        self.set_person_status(by, id, "disabled", "person.disabled")
            .await
    }

    /// Enables a disabled person; nothing that disabling ended comes back.
    pub async fn enable_person(
        &self,
        by: &Principal,
        id: &str,
    ) -> Result<PersonDetail, IdentityError> {
        self.set_person_status(by, id, "active", "person.enabled")
            .await
    }

    async fn set_person_status(
        &self,
        by: &Principal,
        id: &str,
        status: &str,
        action: &'static str,
    ) -> Result<PersonDetail, IdentityError> {
        self.require_staff_visible(by, id, "people.manage").await?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        if !persons::set_status(&mut tx, id, status).await? {
            return Err(IdentityError::NotFound("person"));
        }
        let mut event = Event::new(Actor::of(by), action).target("person", id);
        if status == "disabled" {
            let sessions = session::delete_all_of(&mut tx, id).await?;
            let grants = self
                .revoker
                .revoke_person(&mut tx, id, Ending::Disabled, now)
                .await?;
            event = event
                .detail("sessions_ended", sessions)
                .detail("grants_revoked", grants);
        } else {
            self.revoker.reinstate(&mut tx, id, now).await?;
        }
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        self.person(by, id).await
    }

    /// Staff-wide permission, answered 404 when the person is outside what the principal
    /// may see at all and 403 when visible but not theirs to change.
    async fn require_staff_visible(
        &self,
        by: &Principal,
        id: &str,
        permission: &str,
    ) -> Result<(), IdentityError> {
        if self.policies.decide(by, permission, None).is_allowed() {
            return Ok(());
        }
        self.person(by, id).await?;
        Err(IdentityError::Forbidden(format!(
            "no staff role grants {permission}"
        )))
    }

    /// Every role must exist with the right kind, and be one the principal may grant.
    pub fn check_grants(
        &self,
        by: &Principal,
        customer: Option<&str>,
        kind: RoleKind,
        roles: &[String],
    ) -> Result<(), IdentityError> {
        self.policies.check_roles(kind, roles)?;
        match roles
            .iter()
            .find(|r| !by.may_grant(&self.policies, customer, r))
        {
            Some(role) => Err(IdentityError::MayNotGrant(role.clone())),
            None => Ok(()),
        }
    }
}

fn symmetric_difference(a: &[String], b: &[String]) -> Vec<String> {
    a.iter()
        .filter(|r| !b.contains(r))
        .chain(b.iter().filter(|r| !a.contains(r)))
        .cloned()
        .collect()
}

fn unique_email(error: sqlx::Error) -> IdentityError {
    if db::is_unique_violation(&error) {
        IdentityError::EmailTaken
    } else {
        error.into()
    }
}

fn unknown_account(error: sqlx::Error, customer: &str) -> IdentityError {
    if db::is_foreign_key_violation(&error) {
        IdentityError::UnknownCustomerAccount(customer.to_string())
    } else {
        error.into()
    }
}

/// Deliberately loose (RFC 5322 is not worth parsing): one `@`, something on each side, a
/// dot in the domain, no spaces. Delivery is the real test.
pub fn checked_email(email: &str) -> Result<&str, IdentityError> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(IdentityError::InvalidEmail)
    }
}

pub fn checked_name(name: &str) -> Result<&str, IdentityError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(IdentityError::Empty("name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(IdentityError::TooLong("the name"));
    }
    Ok(name)
}

/// A BCP 47 tag of letters, digits and dashes (`sv`, `sv-SE`), or none.
pub fn checked_locale(locale: Option<&str>) -> Result<Option<&str>, IdentityError> {
    match locale.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(tag)
            if tag.len() <= 35
                && tag.split('-').all(|part| {
                    !part.is_empty()
                        && part.len() <= 8
                        && part.bytes().all(|b| b.is_ascii_alphanumeric())
                }) =>
        {
            Ok(Some(tag))
        }
        Some(_) => Err(IdentityError::Invalid(
            "locale must be a language tag such as sv or en-GB".into(),
        )),
    }
}
