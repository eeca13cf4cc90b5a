//! News topics and audiences: the people who grant a purpose now, for a portal back-end
//! sending targeted news, drawn from the current-state cache, which a test holds against
//! the ledger.

use super::error::ConsentError;
use super::ledger::{self, State};
use super::purpose::Purpose;
use super::{Consent, current};
use crate::audit::{self, Actor, Event};
use crate::db;

/// Who is in an audience: people who grant `purpose_id`, optionally only those in one
/// customer account, holding one role (there, if a customer is named), or interested in
/// one topic.
#[derive(Debug, Clone, Default)]
pub struct AudienceQuery {
    pub purpose_id: String,
    pub customer: Option<String>,
    pub role: Option<String>,
    pub interest: Option<String>,
}

impl Consent {
    /// Whether `consent_current` (the cache audiences are listed from) says exactly what the
    /// ledger says, derived afresh through every subject key.
    pub async fn current_agrees_with_ledger(&self) -> Result<bool, sqlx::Error> {
        let cached = current::current_rows(&self.db).await?;
        Ok(cached == current::derived_current_rows(&self.db).await?)
    }

    /// The person's chosen news topics.
    pub async fn interests_of(&self, person_id: &str) -> Result<Vec<String>, sqlx::Error> {
        current::interests(&self.db, person_id).await
    }

    /// Replaces the person's news topics; refused while the purpose they serve is not
    /// granted, since they would be kept without a reason.
    pub async fn set_interests(
        &self,
        person_id: &str,
        topics: &[String],
    ) -> Result<(), ConsentError> {
        if let Some(unknown) = topics.iter().find(|t| !self.interests.is_topic(t)) {
            return Err(ConsentError::UnknownTopic(unknown.clone()));
        }
        let serves = self.interests.purpose();
        let granted = self
            .states(person_id)
            .await?
            .iter()
            .any(|s| s.purpose_id == serves && s.state.is_some_and(State::is_granted));
        if !granted {
            return Err(ConsentError::NotGranted(serves.to_string()));
        }
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        current::set_interests(&mut tx, person_id, topics, now).await?;
        let event = Event::new(Actor::Person(person_id.to_string()), "interests.changed")
            .target("person", person_id)
            .detail("topics", topics.len());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Among these people, the ones who grant a purpose now and whose processing is not
    /// restricted (Art. 18): whose data may be used for it. An unknown purpose grants
    /// nobody.
    pub async fn granting_among(
        &self,
        purpose_id: &str,
        person_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, sqlx::Error> {
        let Some(purpose) = self.purposes.get(purpose_id) else {
            return Ok(Default::default());
        };
        let versions = self.standing_versions(purpose);
        current::granting_among(&self.db, purpose_id, &versions, person_ids).await
    }

    /// The versions of a purpose on which a grant still counts: the current one and those
    /// served before it since its last material change.
    fn standing_versions(&self, purpose: &Purpose) -> Vec<String> {
        let versions = self
            .versions
            .get(&purpose.id)
            .map_or(&[][..], Vec::as_slice);
        versions
            .iter()
            .filter(|v| {
                ledger::state(versions, &purpose.version, Some(&ledger::probe(&v.version)))
                    == State::Granted
            })
            .map(|v| v.version.clone())
            .collect()
    }

    /// A page of the people who grant a purpose now, by person id (the caller turns them
    /// into the subjects its client knows).
    pub async fn audience(
        &self,
        query: &AudienceQuery,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, ConsentError> {
        let purpose = self
            .purposes
            .get(&query.purpose_id)
            .ok_or_else(|| ConsentError::UnknownPurpose(query.purpose_id.clone()))?;
        if !purpose.is_asked() {
            return Err(ConsentError::NotAskable {
                purpose: purpose.id.clone(),
                basis: purpose.legal_basis.as_str(),
            });
        }
        if let Some(topic) = query
            .interest
            .as_deref()
            .filter(|t| !self.interests.is_topic(t))
        {
            return Err(ConsentError::UnknownTopic(topic.to_string()));
        }
        let versions = self.standing_versions(purpose);
        let filter = current::AudienceFilter {
            purpose_id: &purpose.id,
            versions: &versions,
            customer: query.customer.as_deref(),
            role: query.role.as_deref(),
            interest: query.interest.as_deref(),
            after,
        };
        Ok(current::audience(&self.db, &filter, limit).await?)
    }
}
