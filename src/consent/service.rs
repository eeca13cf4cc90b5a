//! Recording decisions and deriving where a person stands, for the person themselves,
//! for a portal app acting for them, and for staff (DPO reads, staff record with a note).

use futures_util::future::BoxFuture;

use super::error::ConsentError;
use super::ledger::{self, Decision, Entry, Method, State};
use super::purpose::{LegalBasis, Purpose};
use super::{Consent, store};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::crypto;
use crate::db::{self, Db};
use crate::identity::store::persons;
use std::sync::Arc;

const MAX_NOTE_CHARS: usize = 1000;
/// The newest entries a ledger read returns.
pub const HISTORY_LIMIT: i64 = 1000;

/// What consent needs from the OpenID provider: the subjects clients know people by
/// (pairwise ones included) and its signing keys. The `oidc` context implements it, so
/// that this one need not know how subjects are made or keys kept.
pub trait Provider: Send + Sync {
    /// The person behind the `sub` a client knows (a pairwise one only if it was issued;
    /// a public one names a person who may not exist).
    fn person_of<'a>(
        &'a self,
        client_id: &'a str,
        sub: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, sqlx::Error>>;

    /// The `sub` a client knows a person by, if the client exists.
    fn subject_for<'a>(
        &'a self,
        client_id: &'a str,
        person_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, sqlx::Error>>;

    fn issuer(&self) -> &str;

    /// A compact JWS of `claims` with the provider's current RS256 key.
    fn sign(&self, typ: &str, claims: &serde_json::Value) -> Option<String>;
}

/// Where a person stands on one purpose.
#[derive(Debug, Clone)]
pub struct PurposeState {
    pub purpose_id: String,
    pub legal_basis: LegalBasis,
    pub current_version: String,
    /// `None` for a purpose that is not asked (it rests on contract, law or interest).
    pub state: Option<State>,
    pub latest: Option<Entry>,
}

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

/// A decision to record.
#[derive(Debug, Clone)]
pub struct Recording {
    pub purpose_id: String,
    /// The version the person was shown; `None` on trohet's own pages, which show the
    /// current one.
    pub version: Option<String>,
    pub decision: Decision,
    pub method: Method,
    pub client_id: Option<String>,
    pub note: Option<String>,
    /// "en" or "sv": the language of the text shown.
    pub language: String,
}

impl Consent {
    /// Every purpose and where the person stands on it (nowhere, for an unknown person).
    pub async fn states(&self, person_id: &str) -> Result<Vec<PurposeState>, sqlx::Error> {
        let latest = self.latest_of(person_id).await?;
        Ok(self.states_from(latest.as_deref().map_or(&[][..], Vec::as_slice)))
    }

    /// The same, or `None` if there is no such person.
    pub async fn states_if_person(
        &self,
        person_id: &str,
    ) -> Result<Option<Vec<PurposeState>>, sqlx::Error> {
        let latest = self.latest_of(person_id).await?;
        Ok(latest.map(|latest| self.states_from(&latest)))
    }

    fn states_from(&self, latest: &[Entry]) -> Vec<PurposeState> {
        self.purposes
            .iter()
            .map(|purpose| {
                let latest = latest.iter().find(|e| e.purpose_id == purpose.id).cloned();
                self.state_of(purpose, latest)
            })
            .collect()
    }

    /// The person's latest decision per purpose (`None`: no such person), from
    /// `consent_current`, kept for a second: portal apps ask on every request they gate.
    /// This instance's own writes evict at once; another instance's show within the second.
    async fn latest_of(&self, person_id: &str) -> Result<Option<Arc<Vec<Entry>>>, sqlx::Error> {
        let key = person_id.to_string();
        if let Some(found) = self.latest.get(&key) {
            return Ok(found);
        }
        let found = store::current_of(&self.db, person_id).await?.map(Arc::new);
        self.latest.insert(key, found.clone(), None);
        Ok(found)
    }

    fn state_of(&self, purpose: &Purpose, latest: Option<Entry>) -> PurposeState {
        let versions = self
            .versions
            .get(&purpose.id)
            .map_or(&[][..], Vec::as_slice);
        PurposeState {
            purpose_id: purpose.id.clone(),
            legal_basis: purpose.legal_basis,
            current_version: purpose.version.clone(),
            state: purpose
                .is_asked()
                .then(|| ledger::state(versions, &purpose.version, latest.as_ref())),
            latest,
        }
    }

    /// The person's decisions, newest first.
    pub async fn history(&self, person_id: &str) -> Result<Vec<Entry>, sqlx::Error> {
        Ok(match store::subject_key(&self.db, person_id).await? {
            Some(key) => store::history(&self.db, &ledger::subject_of(&key), HISTORY_LIMIT).await?,
            None => Vec::new(),
        })
    }

    /// One of the person's own decisions, by its receipt id.
    pub async fn own_entry(
        &self,
        person_id: &str,
        receipt_id: &str,
    ) -> Result<Option<Entry>, sqlx::Error> {
        let Some(key) = store::subject_key(&self.db, person_id).await? else {
            return Ok(None);
        };
        store::entry(&self.db, &ledger::subject_of(&key), receipt_id).await
    }

    /// Whether `consent_current` (the cache audiences are listed from) says exactly what the
    /// ledger says, derived afresh through every subject key.
    pub async fn current_agrees_with_ledger(&self) -> Result<bool, sqlx::Error> {
        let cached = store::current_rows(&self.db).await?;
        Ok(cached == store::derived_current_rows(&self.db).await?)
    }

    /// The person's chosen news topics.
    pub async fn interests_of(&self, person_id: &str) -> Result<Vec<String>, sqlx::Error> {
        store::interests(&self.db, person_id).await
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
        store::set_interests(&mut tx, person_id, topics, now).await?;
        let event = Event::new(Actor::Person(person_id.to_string()), "interests.changed")
            .target("person", person_id)
            .detail("topics", topics.len());
        audit::record(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
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
        let filter = store::AudienceFilter {
            purpose_id: &purpose.id,
            versions: &versions,
            customer: query.customer.as_deref(),
            role: query.role.as_deref(),
            interest: query.interest.as_deref(),
            after,
        };
        Ok(store::audience(&self.db, &filter, limit).await?)
    }

    /// The purposes to ask the person about after login: those resting on consent that
    /// they have not decided on, or decided on a text since changed materially.
    pub async fn to_ask(&self, person_id: &str) -> Result<Vec<PurposeState>, sqlx::Error> {
        let states = self.states(person_id).await?;
        Ok(states
            .into_iter()
            .filter(|s| s.state.is_some_and(State::needs_asking))
            .collect())
    }

    /// Whether the page after login should ask: something is undecided and this browser
    /// session did not choose "decide later".
    pub async fn should_prompt(&self, person_id: &str, sid: &str) -> Result<bool, sqlx::Error> {
        if self.to_ask(person_id).await?.is_empty() {
            return Ok(false);
        }
        Ok(!store::prompt_deferred(&self.db, sid).await?)
    }

    /// "Decide later": this browser session is not asked again.
    pub async fn defer_prompt(&self, sid: &str) -> Result<(), sqlx::Error> {
        store::defer_prompt(&self.db, sid, self.clock.now()).await
    }

    /// Appends a decision to the ledger and its hash to the audit chain, in one
    /// transaction: when this returns, both are durable.
    pub async fn record(
        &self,
        actor: Actor,
        person_id: &str,
        recording: Recording,
    ) -> Result<Entry, ConsentError> {
        let purpose = self.askable(&recording)?;
        check_note(&recording)?;
        let now = self.clock.now();
        let mut tx = db::begin_write(&self.db).await?;
        let key = store::subject_key_for_write(&mut tx, person_id, now).await?;
        let subject = ledger::subject_of(&key);
        if recording.decision == Decision::Withdrawn {
            let latest = store::latest_on(&mut tx, &subject, &purpose.id).await?;
            if latest.and_then(|e| e.decision()) != Some(Decision::Granted) {
                return Err(ConsentError::NothingToWithdraw(purpose.id.clone()));
            }
        }
        let mut entry = Entry {
            receipt_id: crypto::random_id(),
            subject,
            purpose_id: purpose.id.clone(),
            purpose_version: purpose.version.clone(),
            decision: recording.decision.as_str().to_string(),
            method: recording.method.as_str().to_string(),
            client_id: recording.client_id,
            note: recording.note,
            language: recording.language,
            recorded_at: now,
            entry_hash: String::new(),
            audit_seq: 0,
        };
        entry.entry_hash = entry.compute_hash();
        let event = Event::new(actor, decision_action(recording.decision))
            .target("consent", &entry.receipt_id)
            .detail("purpose", entry.purpose_id.as_str())
            .detail("version", entry.purpose_version.as_str())
            .detail("method", entry.method.as_str())
            .detail("entry_hash", entry.entry_hash.as_str());
        entry.audit_seq = audit::record(&mut tx, event, now).await?;
        store::insert(&mut tx, &entry).await?;
        store::set_current(&mut tx, person_id, &entry).await?;
        if purpose.id == self.interests.purpose() && recording.decision != Decision::Granted {
            // Topics are kept only while the purpose they serve is granted.
            store::forget_interests(&mut tx, person_id).await?;
        }
        tx.commit().await?;
        self.latest.remove(&person_id.to_string());
        Ok(entry)
    }

    /// The purpose a recording is about, if people decide on it and the version shown
    /// is the current one.
    fn askable(&self, recording: &Recording) -> Result<&Purpose, ConsentError> {
        let purpose = self
            .purposes
            .get(&recording.purpose_id)
            .ok_or_else(|| ConsentError::UnknownPurpose(recording.purpose_id.clone()))?;
        if !purpose.is_asked() {
            return Err(ConsentError::NotAskable {
                purpose: purpose.id.clone(),
                basis: purpose.legal_basis.as_str(),
            });
        }
        match &recording.version {
            Some(shown) if *shown != purpose.version => Err(ConsentError::StaleVersion {
                purpose: purpose.id.clone(),
                current: purpose.version.clone(),
            }),
            _ => Ok(purpose),
        }
    }

    /// A person's states and ledger, for staff holding `consents.read`.
    pub async fn ledger_for_staff(
        &self,
        by: &Principal,
        person_id: &str,
    ) -> Result<(Vec<PurposeState>, Vec<Entry>), ConsentError> {
        self.staff_may(by, "consents.read", person_id).await?;
        Ok((
            self.states(person_id).await?,
            self.history(person_id).await?,
        ))
    }

    /// Records a decision received outside trohet (paper, phone), for staff holding
    /// `consents.record`.
    pub async fn record_by_staff(
        &self,
        by: &Principal,
        person_id: &str,
        recording: Recording,
    ) -> Result<Entry, ConsentError> {
        self.staff_may(by, "consents.record", person_id).await?;
        self.record(Actor::of(by), person_id, recording).await
    }

    async fn staff_may(
        &self,
        by: &Principal,
        permission: &str,
        person_id: &str,
    ) -> Result<(), ConsentError> {
        let decision = self.policies.decide(by, permission, None);
        if !decision.is_allowed() {
            return Err(ConsentError::denied(decision, "person"));
        }
        match persons::find(&self.db, person_id).await? {
            Some(_) => Ok(()),
            None => Err(ConsentError::NotFound("person")),
        }
    }
}

fn decision_action(decision: Decision) -> &'static str {
    match decision {
        Decision::Granted => "consent.granted",
        Decision::Refused => "consent.refused",
        Decision::Withdrawn => "consent.withdrawn",
    }
}

fn check_note(recording: &Recording) -> Result<(), ConsentError> {
    let note = recording.note.as_deref().map(str::trim);
    match (recording.method, note) {
        (Method::Staff, None | Some("")) => Err(ConsentError::NoteRequired),
        (Method::Staff, Some(note)) if note.chars().count() > MAX_NOTE_CHARS => {
            Err(ConsentError::NoteTooLong(MAX_NOTE_CHARS))
        }
        (Method::Staff, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(ConsentError::NoteNotAllowed),
    }
}

/// [`verify_ledger`] as the audit log's check of the records it covers.
pub fn ledger_check(db: &Db) -> BoxFuture<'_, Result<Option<(i64, String)>, sqlx::Error>> {
    Box::pin(verify_ledger(db))
}

/// Checks the ledger against the audit chain: every row's hash matches its content and
/// is the one recorded in its audit event, and every audited decision has its row.
/// Returns the audit seq of the first row that does not fit and what is wrong with it.
pub async fn verify_ledger(db: &Db) -> Result<Option<(i64, String)>, sqlx::Error> {
    const PAGE: i64 = 10_000;
    let mut after = 0;
    let mut rows = 0;
    loop {
        let page = store::ledger_page(db, after, PAGE).await?;
        let Some((last, _, _)) = page.last() else {
            break;
        };
        after = *last;
        for (id, entry, audit) in &page {
            rows += 1;
            if let Some(problem) = misfit(*id, entry, audit.as_ref()) {
                return Ok(Some((entry.audit_seq, problem)));
            }
        }
    }
    let audited = store::audited_decisions(db).await?;
    Ok((audited != rows).then(|| {
        let detail =
            format!("the audit log records {audited} consent decisions, the ledger holds {rows}");
        (0, detail)
    }))
}

fn misfit(id: i64, entry: &Entry, audit: Option<&(String, String)>) -> Option<String> {
    if entry.compute_hash() != entry.entry_hash {
        return Some(format!(
            "consent entry {id} does not match its hash: it was changed"
        ));
    }
    let recorded = audit.and_then(|(target, details)| {
        let details: serde_json::Value = serde_json::from_str(details).ok()?;
        let hash = details.get("entry_hash")?.as_str()?.to_string();
        (*target == entry.receipt_id).then_some(hash)
    });
    match recorded {
        Some(hash) if hash == entry.entry_hash => None,
        _ => Some(format!(
            "consent entry {id} is not the one its audit event {} recorded",
            entry.audit_seq
        )),
    }
}
