//! `POST /api/v1/events`: a batch of up to 1,000 events from a portal app. Each event is
//! checked on its own; the ones about a person are kept only if that person grants the
//! purpose the event needs and is not restricted, under their pseudonym for the event's
//! customer account. A retried event (same client, same idempotency key) is counted once.

use super::error::AnalyticsError;
use super::event::{self, Checked, Fact};
use super::pseudonym::{pseudonym, secrets, survey_key};
use super::write::{self, Accepted};
use super::writer::Batch;
use super::{ANALYTICS_PURPOSE, Analytics, SURVEYS_PURPOSE};
use crate::clock::UnixTime;
use crate::db::{Db, placeholders};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

pub const MAX_BATCH: usize = 1000;

/// What became of a batch.
#[derive(Debug, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct IngestReport {
    /// Events stored and counted.
    pub accepted: usize,
    /// Events whose idempotency key was already counted (a retry).
    pub duplicates: usize,
    /// Events of people who have not granted the purpose the event needs, or whose
    /// processing is restricted (GDPR Art. 18): not stored.
    pub dropped_no_consent: usize,
    /// Events refused, each with its reason; the rest of the batch is counted.
    pub rejected: Vec<Rejection>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Rejection {
    /// The event's position in the batch, from 0.
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub reason: String,
}

/// What the database says about the people and accounts a batch names.
struct Known {
    customers: HashSet<String>,
    /// Person id → their customer accounts (people who exist only).
    memberships: HashMap<String, HashSet<String>>,
    person_of_sub: HashMap<String, String>,
    granting: HashMap<&'static str, HashSet<String>>,
    /// (person, customer account) → pseudonym, for people with a secret.
    pseudonyms: HashMap<(String, String), String>,
    /// Person → survey key, for people with a secret.
    survey_keys: HashMap<String, String>,
}

impl Analytics {
    pub async fn ingest(
        &self,
        client_id: &str,
        batch: Vec<serde_json::Value>,
    ) -> Result<IngestReport, AnalyticsError> {
        if batch.len() > MAX_BATCH {
            return Err(AnalyticsError::Validation(format!(
                "a batch holds at most {MAX_BATCH} events, not {}",
                batch.len()
            )));
        }
        let now = self.clock.now();
        let oldest = now - self.raw_events_secs;
        let mut report = IngestReport::default();
        let mut checked = Vec::with_capacity(batch.len());
        for (index, value) in batch.into_iter().enumerate() {
            let key = value
                .get("idempotency_key")
                .and_then(|k| k.as_str())
                .map(str::to_string);
            match event::check(value, &self.policy, now, oldest) {
                Ok(event) => checked.push((index, event)),
                Err(reason) => report.rejected.push(Rejection {
                    index,
                    idempotency_key: key,
                    reason,
                }),
            }
        }
        let known = self.look_up(client_id, &checked).await?;
        let mut accepted = Vec::with_capacity(checked.len());
        for (index, event) in checked {
            match self.accept(client_id, &event, &known, now) {
                Ok(Some(kept)) => accepted.push(kept),
                Ok(None) => report.dropped_no_consent += 1,
                Err(reason) => report.rejected.push(Rejection {
                    index,
                    idempotency_key: Some(event.idempotency_key),
                    reason,
                }),
            }
        }
        report.rejected.sort_by_key(|r| r.index);
        let (fresh, duplicates) = self.store(accepted).await?;
        report.accepted = fresh;
        report.duplicates += duplicates;
        Ok(report)
    }

    /// One query each for the accounts, people, memberships, grants and secrets a batch
    /// names.
    async fn look_up(
        &self,
        client_id: &str,
        checked: &[(usize, Checked)],
    ) -> Result<Known, AnalyticsError> {
        let customers: Vec<String> = distinct(checked.iter().map(|(_, e)| e.customer_id.clone()));
        let subs: Vec<String> = distinct(checked.iter().filter_map(|(_, e)| e.sub.clone()));
        let mut person_of_sub = HashMap::new();
        for sub in subs {
            if let Some(person) = self.provider.person_of(client_id, &sub).await? {
                person_of_sub.insert(sub, person);
            }
        }
        let people: Vec<String> = distinct(person_of_sub.values().cloned());
        let mut granting = HashMap::new();
        for purpose in [ANALYTICS_PURPOSE, SURVEYS_PURPOSE] {
            let grants = self.consent.granting_among(purpose, &people).await?;
            granting.insert(purpose, grants);
        }
        let memberships = memberships(&self.db, &people).await?;
        let secrets = secrets(&self.db, &people).await?;
        // One HMAC per person and account, however many events they sent.
        let mut pseudonyms = HashMap::new();
        let mut survey_keys = HashMap::new();
        for (person, secret) in &secrets {
            for customer in memberships.get(person).into_iter().flatten() {
                let key = (person.clone(), customer.clone());
                pseudonyms.insert(key, pseudonym(secret, customer));
            }
            survey_keys.insert(person.clone(), survey_key(secret));
        }
        Ok(Known {
            customers: existing_customers(&self.db, &customers).await?,
            memberships,
            person_of_sub,
            granting,
            pseudonyms,
            survey_keys,
        })
    }

    /// The event to store, `None` if its person does not allow it, or the reason it is
    /// refused.
    fn accept(
        &self,
        client_id: &str,
        event: &Checked,
        known: &Known,
        now: UnixTime,
    ) -> Result<Option<Accepted>, String> {
        if !known.customers.contains(&event.customer_id) {
            return Err("unknown customer account".into());
        }
        let mut accepted = Accepted {
            event_id: write::new_event_id(),
            client_id: client_id.to_string(),
            idempotency_key: event.idempotency_key.clone(),
            customer_id: event.customer_id.clone(),
            pseudonym: None,
            survey_key: None,
            occurred_at: event.occurred_at,
            received_at: now,
            fact: event.fact.clone(),
        };
        let (Some(sub), Some(purpose)) = (&event.sub, event.fact.purpose()) else {
            return Ok(Some(accepted));
        };
        let person = known
            .person_of_sub
            .get(sub)
            .filter(|p| known.memberships.contains_key(*p))
            .ok_or("unknown subject")?;
        if !known.memberships[person].contains(&event.customer_id) {
            return Err("the person is not a member of that customer account".into());
        }
        let granted = known
            .granting
            .get(purpose)
            .is_some_and(|g| g.contains(person));
        let key = (person.clone(), event.customer_id.clone());
        let Some(pseudonym) = known.pseudonyms.get(&key).filter(|_| granted) else {
            return Ok(None);
        };
        accepted.pseudonym = Some(pseudonym.clone());
        if matches!(event.fact, Fact::Rating(_)) {
            accepted.survey_key = known.survey_keys.get(person).cloned();
        }
        Ok(Some(accepted))
    }
}

impl Analytics {
    /// Writes events through the one writer (see `writer.rs`): returns (written,
    /// retries) once they are committed.
    pub(super) async fn store(
        &self,
        events: Vec<Accepted>,
    ) -> Result<(usize, usize), AnalyticsError> {
        if events.is_empty() {
            return Ok((0, 0));
        }
        let written = self.writer.write(Batch { events }).await?;
        Ok((written.fresh, written.duplicates))
    }
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let set: HashSet<String> = values.collect();
    set.into_iter().collect()
}

async fn existing_customers(db: &Db, ids: &[String]) -> Result<HashSet<String>, sqlx::Error> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "select customer_account_id from customer_account \
             where status = 'active' and customer_account_id in ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String,)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        found.extend(query.fetch_all(db).await?.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// The customer accounts of each of these people who exist (an empty set: no account).
async fn memberships(
    db: &Db,
    people: &[String],
) -> Result<HashMap<String, HashSet<String>>, sqlx::Error> {
    let mut found: HashMap<String, HashSet<String>> = HashMap::new();
    for chunk in people.chunks(500) {
        let sql = format!(
            "select p.person_id, m.customer_account_id from person p \
             left join membership m on m.person_id = p.person_id \
             where p.person_id in ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, Option<String>)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for (person, customer) in query.fetch_all(db).await? {
            let accounts = found.entry(person).or_default();
            accounts.extend(customer);
        }
    }
    Ok(found)
}
