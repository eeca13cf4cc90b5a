//! Changing one's own e-mail address (GDPR Art. 16, rectification, self-service). The
//! signed-in person asks with their password (checked by the caller, as login checks it);
//! nothing changes until a single-use link mailed to the new address is confirmed within
//! 24 hours, and the old address is told of the request. Whether the new address belongs
//! to someone else is never revealed: the request is answered the same, but no link goes
//! to a taken address. The confirmed change is entered in the register of data subject
//! requests (handed in as [`RequestRegister`](crate::identity::RequestRegister)) as a
//! completed rectification, in the transaction that makes it.

use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::config::ControllerConfig;
use crate::crypto;
use crate::db::{self, Tx};
use crate::identity::service::persons::checked_email;
use crate::identity::store::email_changes::{self, NewEmailChange};
use crate::identity::store::normalize_email;
use crate::identity::store::persons::{self, PersonRow};
use crate::identity::{Identity, IdentityError, mail};
use crate::outbox;
use crate::web::i18n::Locale;

pub const EMAIL_CHANGE_TTL_SECS: i64 = 24 * 3600;

/// How the register says the requester was identified.
const VERIFICATION: &str = "confirmed from the new address and the password";

/// The answer to a request for a new address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailChangeAsked {
    /// The old address was told, and a link went to the new one unless it is taken; the
    /// caller cannot tell which, so neither can the page it shows.
    Queued,
    /// Not an e-mail address.
    InvalidAddress,
    /// The address the person already has.
    SameAddress,
}

/// A link that can still be confirmed, as its page shows it.
#[derive(Debug, Clone)]
pub struct PendingEmailChange {
    pub new_email: String,
    pub locale: Option<String>,
}

impl Identity {
    /// Queues the link and the notice for a person whose password the caller just checked.
    pub async fn request_email_change(
        &self,
        person_id: &str,
        new_email: &str,
        controller: &ControllerConfig,
    ) -> Result<EmailChangeAsked, IdentityError> {
        let person = persons::find(&self.db, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        let Ok(new_email) = checked_email(new_email) else {
            return Ok(EmailChangeAsked::InvalidAddress);
        };
        let normalized = normalize_email(new_email);
        if normalized == person.email_normalized {
            return Ok(EmailChangeAsked::SameAddress);
        }
        let taken = persons::find_by_email(&self.db, new_email).await?.is_some();
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        email_changes::delete_ended_of(&mut tx, person_id, now).await?;
        if !taken {
            self.queue_link(&mut tx, &person, new_email, &normalized, now)
                .await?;
        }
        let notice = mail::email_change_notice(
            Locale::of_tag(person.locale.as_deref()),
            &person.email,
            &person.display_name,
            &contact(controller),
        );
        outbox::enqueue_email(&mut tx, &notice, now).await?;
        let event = Event::new(
            Actor::Person(person_id.into()),
            "person.email_change_requested",
        )
        .target("person", person_id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(EmailChangeAsked::Queued)
    }

    async fn queue_link(
        &self,
        tx: &mut Tx,
        person: &PersonRow,
        new_email: &str,
        normalized: &str,
        now: UnixTime,
    ) -> Result<(), IdentityError> {
        let token = crypto::random_token();
        let digest = crypto::digest_hex(&token);
        let new = NewEmailChange {
            token_digest: &digest,
            person_id: &person.person_id,
            new_email,
            new_email_normalized: normalized,
        };
        email_changes::insert(tx, &new, now, now + EMAIL_CHANGE_TTL_SECS).await?;
        let link = format!("{}/email/confirm?token={token}", self.public_url);
        let message = mail::email_change_link(
            Locale::of_tag(person.locale.as_deref()),
            new_email,
            &person.display_name,
            &link,
        );
        outbox::enqueue_email(tx, &message, now).await?;
        Ok(())
    }

    /// What a live link would change, for its page; `None` if it is not live.
    pub async fn email_change_for_link(
        &self,
        token: &str,
    ) -> Result<Option<PendingEmailChange>, IdentityError> {
        let digest = crypto::digest_hex(token);
        let Some(change) = email_changes::find_live(&self.db, &digest, self.clock.now()).await?
        else {
            return Ok(None);
        };
        let person = persons::find(&self.db, &change.person_id).await?;
        Ok(person.map(|person| PendingEmailChange {
            new_email: change.new_email,
            locale: person.locale,
        }))
    }

    /// Confirms a change through its link: the address, the used link, the register entry
    /// and the audit event commit together. `LinkExpired` for a link that is not live,
    /// `EmailTaken` if someone took the address since it was sent.
    pub async fn confirm_email_change(&self, token: &str) -> Result<(), IdentityError> {
        let digest = crypto::digest_hex(token);
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let change = email_changes::use_link(&mut tx, &digest, now)
            .await?
            .ok_or(IdentityError::LinkExpired)?;
        let person_id = change.person_id.clone();
        match email_changes::set_email(&mut tx, &person_id, &change).await {
            Ok(true) => {}
            Ok(false) => return Err(IdentityError::LinkExpired),
            Err(error) if db::is_unique_violation(&error) => return Err(IdentityError::EmailTaken),
            Err(error) => return Err(error.into()),
        }
        let request = self
            .register
            .rectified(
                &mut tx,
                &person_id,
                VERIFICATION,
                "e-mail address changed",
                now,
            )
            .await?;
        let event = Event::new(Actor::Person(person_id.clone()), "person.email_changed")
            .target("person", &person_id)
            .detail("request", request);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whom the notice says to contact: the controller, and how, when configured.
fn contact(controller: &ControllerConfig) -> String {
    match &controller.contact_email {
        Some(address) => format!("{} ({address})", controller.name),
        None => controller.name.clone(),
    }
}
