//! Invitations: an admin invites a colleague by e-mail with roles; the link (single use,
//! seven days, stored as a digest) lets them choose a password and join. Without SMTP the
//! inviting admin is given the link to pass on. Accepting needs no sign-in: the link
//! proves the mailbox. An address that already has an account joins with it; the
//! invitation's answer is the same either way, so an admin learns nothing of other
//! accounts.

use crate::audit::{self, Actor, Event};
use crate::authz::{Principal, RoleKind};
use crate::crypto;
use crate::db;
use crate::identity::password_policy::check_new_password;
use crate::identity::service::persons::{checked_email, checked_locale, checked_name};
use crate::identity::store::invitations::{self, InvitationRow, NewInvitation};
use crate::identity::store::{customers, members, persons};
use crate::identity::{Identity, IdentityError, mail};
use crate::outbox;
use crate::web::i18n::Locale;

pub const INVITATION_TTL_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone)]
pub struct InviteInput {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub locale: Option<String>,
}

/// A new invitation, and its link when no mail is delivered (to pass on by hand).
#[derive(Debug, Clone)]
pub struct Invited {
    pub invitation: InvitationRow,
    pub link: Option<String>,
}

/// What the acceptance page needs to know about a live link.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub row: InvitationRow,
    pub customer_name: String,
    /// False when the address already has an account with a password.
    pub needs_password: bool,
}

impl Identity {
    pub async fn invite(
        &self,
        by: &Principal,
        customer: &str,
        input: InviteInput,
    ) -> Result<Invited, IdentityError> {
        self.require(by, "people.manage", Some(customer), "customer account")?;
        let account = customers::find(&self.db, customer)
            .await?
            .ok_or(IdentityError::NotFound("customer account"))?;
        if input.roles.is_empty() {
            return Err(IdentityError::NoRoles);
        }
        self.check_grants(by, Some(customer), RoleKind::Customer, &input.roles)?;
        let email = checked_email(&input.email)?;
        let name = checked_name(&input.display_name)?;
        let locale = checked_locale(input.locale.as_deref())?;
        let token = crypto::random_token();
        let link = format!("{}/invitation?token={token}", self.public_url);
        let now = self.clock.now();
        let actor = Actor::of(by);
        let mut tx = db::begin_write(&self.db).await?;
        let new = NewInvitation {
            customer_account_id: customer,
            email,
            display_name: name,
            locale,
            roles: &input.roles,
            token_digest: &crypto::digest_hex(&token),
            invited_by: actor.id().unwrap_or("system"),
            expires_at: now + INVITATION_TTL_SECS,
        };
        let id = invitations::insert(&mut tx, &new, now).await?;
        let message = mail::invitation(Locale::of_tag(locale), email, name, &account.name, &link);
        outbox::enqueue_email(&mut tx, &message, now).await?;
        let event = Event::new(Actor::of(by), "invitation.created")
            .target("invitation", &id)
            .customer(customer)
            .detail("roles", input.roles.clone());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        let invitation = invitations::pending(&self.db, customer, now)
            .await?
            .into_iter()
            .find(|i| i.invitation_id == id)
            .ok_or(IdentityError::NotFound("invitation"))?;
        Ok(Invited {
            invitation,
            link: (!self.mail_delivered).then_some(link),
        })
    }

    pub async fn pending_invitations(
        &self,
        by: &Principal,
        customer: &str,
    ) -> Result<Vec<InvitationRow>, IdentityError> {
        self.require(by, "people.read", Some(customer), "customer account")?;
        Ok(invitations::pending(&self.db, customer, self.clock.now()).await?)
    }

    pub async fn withdraw_invitation(
        &self,
        by: &Principal,
        customer: &str,
        invitation_id: &str,
    ) -> Result<(), IdentityError> {
        self.require(by, "people.manage", Some(customer), "customer account")?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        if !invitations::withdraw(&mut tx, customer, invitation_id, now).await? {
            return Err(IdentityError::NotFound("invitation"));
        }
        let event = Event::new(Actor::of(by), "invitation.withdrawn")
            .target("invitation", invitation_id)
            .customer(customer);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation behind a link, if it is still live.
    pub async fn invitation_for_link(
        &self,
        token: &str,
    ) -> Result<Option<Invitation>, IdentityError> {
        let now = self.clock.now();
        let Some(row) = invitations::find_live(&self.db, &crypto::digest_hex(token), now).await?
        else {
            return Ok(None);
        };
        let Some(account) = customers::find(&self.db, &row.customer_account_id).await? else {
            return Ok(None);
        };
        let needs_password = match persons::find_by_email(&self.db, &row.email).await? {
            Some(person) => !persons::has_password(&self.db, &person.person_id).await?,
            None => true,
        };
        Ok(Some(Invitation {
            row,
            customer_name: account.name,
            needs_password,
        }))
    }

    /// Accepts a live invitation: creates the person (with the chosen password) or adds
    /// the membership to the existing one; returns the email to sign in with.
    pub async fn accept_invitation(
        &self,
        token: &str,
        display_name: Option<&str>,
        password: Option<&str>,
    ) -> Result<String, IdentityError> {
        let invitation = self
            .invitation_for_link(token)
            .await?
            .ok_or(IdentityError::LinkExpired)?;
        let row = &invitation.row;
        let name = checked_name(display_name.unwrap_or(&row.display_name))?;
        let hash = match (invitation.needs_password, password) {
            (false, _) => None,
            (true, None) => return Err(IdentityError::Empty("password")),
            (true, Some(password)) => {
                check_new_password(password, &row.email)?;
                Some(self.hasher.hash(password).await?)
            }
        };
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        if !invitations::accept(&mut tx, &row.invitation_id, now).await? {
            return Err(IdentityError::LinkExpired);
        }
        let person_id = match persons::find_by_email(&self.db, &row.email).await? {
            Some(person) if person.kind == "staff" => return Err(IdentityError::KindMismatch),
            Some(person) => person.person_id,
            None => {
                let record = persons::NewPersonRecord {
                    email: &row.email,
                    display_name: name,
                    locale: row.locale.as_deref(),
                    kind: "customer",
                };
                persons::insert(&mut tx, &record, now).await?
            }
        };
        if let Some(hash) = &hash {
            persons::set_password_hash(&mut tx, &person_id, hash, now).await?;
        }
        let customer = &row.customer_account_id;
        let mut roles = members::find(&mut tx, customer, &person_id)
            .await?
            .map(|(_, held)| held)
            .unwrap_or_default();
        roles.extend(row.roles());
        roles.sort();
        roles.dedup();
        members::put(&mut tx, customer, &person_id, &roles, now).await?;
        let event = Event::new(Actor::Person(person_id.clone()), "invitation.accepted")
            .target("invitation", &row.invitation_id)
            .customer(customer)
            .detail("roles", roles);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(row.email.clone())
    }
}
