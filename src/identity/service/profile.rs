//! What a person does for themselves at `/account`: change their name and language, and
//! see and end their sessions. Each change is audited with the person as the actor.

use crate::audit::{self, Actor, Event};
use crate::db;
use crate::identity::service::persons::{checked_locale, checked_name};
use crate::identity::session::{self, SessionInfo};
use crate::identity::store::persons;
use crate::identity::{Identity, IdentityError};

impl Identity {
    pub async fn update_own_profile(
        &self,
        person_id: &str,
        display_name: &str,
        locale: Option<&str>,
    ) -> Result<(), IdentityError> {
        let mut row = persons::find(&self.db, person_id)
            .await?
            .ok_or(IdentityError::NotFound("person"))?;
        row.display_name = checked_name(display_name)?.to_string();
        row.locale = checked_locale(locale)?.map(str::to_string);
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        persons::update(&mut tx, &row, row.version)
            .await?
            .ok_or(IdentityError::Stale)?;
        let event = Event::new(Actor::Person(person_id.into()), "person.updated")
            .target("person", person_id)
            .detail("changed", vec!["name", "locale"]);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn own_sessions(&self, person_id: &str) -> Result<Vec<SessionInfo>, IdentityError> {
        Ok(session::list_of(&self.db, person_id).await?)
    }

    /// Ends one of the person's own sessions and the grants that lived with it.
    pub async fn end_own_session(&self, person_id: &str, sid: &str) -> Result<(), IdentityError> {
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        if !session::delete_of(&mut tx, person_id, sid).await? {
            return Err(IdentityError::NotFound("session"));
        }
        let grants = self
            .revoker
            .revoke_session(&mut tx, person_id, sid, now)
            .await?;
        let event = Event::new(Actor::Person(person_id.into()), "session.ended")
            .target("person", person_id)
            .detail("grants_revoked", grants);
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
