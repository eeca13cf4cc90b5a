//! Passwords: the forgotten-password link (30 minutes, single use, the same answer whether
//! or not the address exists) and changing one's password at `/account`. Either way every
//! session and grant of the person ends and a notice goes to their address, so a takeover
//! cannot go unnoticed or keep a foothold.

use crate::audit::{self, Actor, Event};
use crate::crypto;
use crate::db::{self, Tx};
use crate::identity::Ending;
use crate::identity::password_policy::check_new_password;
use crate::identity::store::persons::{self, PersonRow};
use crate::identity::store::{self, resets};
use crate::identity::{Identity, IdentityError, mail, session};
use crate::outbox;
use crate::web::i18n::Locale;

pub const RESET_TTL_SECS: i64 = 30 * 60;
/// Reset links one address may be sent per hour.
const RESETS_PER_HOUR: i64 = 3;

impl Identity {
    /// Sends a reset link if the address belongs to an active person (quietly does nothing
    /// otherwise, and beyond three links an hour).
    pub async fn request_password_reset(&self, email: &str) -> Result<(), IdentityError> {
        let now = self.clock.now();
        let Some(person) = persons::find_by_email(&self.db, email).await? else {
            return Ok(());
        };
        if person.status != "active"
            || resets::count_since(&self.db, &person.person_id, now - 3600).await?
                >= RESETS_PER_HOUR
        {
            return Ok(());
        }
        let token = crypto::random_token();
        let link = format!("{}/password/reset?token={token}", self.public_url);
        let message = mail::password_reset(
            Locale::of_tag(person.locale.as_deref()),
            &person.email,
            &person.display_name,
            &link,
        );
        let mut tx = db::begin_write(&self.db).await?;
        let digest = crypto::digest_hex(&token);
        resets::insert(
            &mut tx,
            &digest,
            &person.person_id,
            now,
            now + RESET_TTL_SECS,
        )
        .await?;
        outbox::enqueue_email(&mut tx, &message, now).await?;
        let event = Event::new(Actor::Anonymous, "password.reset_requested")
            .target("person", &person.person_id);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn reset_link_is_live(&self, token: &str) -> Result<bool, IdentityError> {
        let digest = crypto::digest_hex(token);
        Ok(resets::find_live(&self.db, &digest, self.clock.now())
            .await?
            .is_some())
    }

    /// Sets a new password through a reset link; ends every session and grant.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), IdentityError> {
        let digest = crypto::digest_hex(token);
        let person_id = resets::find_live(&self.db, &digest, self.clock.now())
            .await?
            .ok_or(IdentityError::LinkExpired)?;
        let person = persons::find(&self.db, &person_id)
            .await?
            .ok_or(IdentityError::LinkExpired)?;
        check_new_password(password, &person.email)?;
        let hash = self.hasher.hash(password).await?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        if resets::use_link(&mut tx, &digest, now).await?.as_deref() != Some(person_id.as_str()) {
            return Err(IdentityError::LinkExpired);
        }
        self.replace_password(&mut tx, &person, &hash, None, "password.reset")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the password of a signed-in person who knows the current one; every other
    /// session and every grant ends, the current session stays.
    pub async fn change_password(
        &self,
        person_id: &str,
        current_sid: &str,
        current: &str,
        new: &str,
    ) -> Result<(), IdentityError> {
        let (person, stored) = store::find_login_by_id(&self.db, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        if !self.hasher.verify(stored, current).await {
            return Err(IdentityError::WrongPassword);
        }
        check_new_password(new, &person.email)?;
        let hash = self.hasher.hash(new).await?;
        let row = persons::find(&self.db, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        let mut tx = db::begin_write(&self.db).await?;
        self.replace_password(&mut tx, &row, &hash, Some(current_sid), "password.changed")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replace_password(
        &self,
        tx: &mut Tx,
        person: &PersonRow,
        hash: &str,
        keep_sid: Option<&str>,
        action: &'static str,
    ) -> Result<(), IdentityError> {
        let now = self.clock.now();
        persons::set_password_hash(tx, &person.person_id, hash, now).await?;
        let sessions = session::delete_all_but(tx, &person.person_id, keep_sid).await?;
        let grants = self
            .revoker
            .revoke_person(tx, &person.person_id, Ending::NewPassword, now)
            .await?;
        let notice = mail::password_changed(
            Locale::of_tag(person.locale.as_deref()),
            &person.email,
            &person.display_name,
        );
        outbox::enqueue_email(tx, &notice, now).await?;
        let event = Event::new(Actor::Person(person.person_id.clone()), action)
            .target("person", &person.person_id)
            .detail("sessions_ended", sessions)
            .detail("grants_revoked", grants);
        audit::record(tx, event, now).await?;
        Ok(())
    }
}
