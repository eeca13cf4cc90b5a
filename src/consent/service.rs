//! Recording decisions and deriving where a person stands, for the person themselves,
//! for a portal app acting for them, and for staff (DPO reads, staff record with a note).

use futures_util::future::BoxFuture;

use super::error::ConsentError;
use super::ledger::{self, Decision, Entry, Method, State};
use super::purpose::{LegalBasis, Purpose};
use super::{Consent, current, store};
use crate::audit::{self, Actor, Event};
use crate::authz::Principal;
use crate::crypto;
use crate::db;
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
        let found = current::current_of(&self.db, person_id)
            .await?
            .map(Arc::new);
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
            // A purpose on legitimate interest has a state only once objected to.
            state: (purpose.is_asked() || latest.is_some())
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
        Ok(!current::prompt_deferred(&self.db, sid).await?)
    }

    /// "Decide later": this browser session is not asked again.
    pub async fn defer_prompt(&self, sid: &str) -> Result<(), sqlx::Error> {
        current::defer_prompt(&self.db, sid, self.clock.now()).await
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
        if recording.decision == Decision::Withdrawn && purpose.is_asked() {
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
        current::set_current(&mut tx, person_id, &entry).await?;
        if purpose.id == self.interests.purpose() && recording.decision != Decision::Granted {
            // Topics are kept only while the purpose they serve is granted.
            current::forget_interests(&mut tx, person_id).await?;
        }
        tx.commit().await?;
        self.latest.remove(&person_id.to_string());
        Ok(entry)
    }

    /// Whether the person's processing is restricted (Art. 18).
    pub async fn is_restricted(&self, person_id: &str) -> Result<bool, sqlx::Error> {
        current::is_restricted(&self.db, person_id).await
    }

    /// Forgets what this instance cached about a person (erased).
    pub fn forget_person(&self, person_id: &str) {
        self.latest.remove(&person_id.to_string());
    }

    /// The purpose a recording is about, if people decide on it and the version shown
    /// is the current one.
    fn askable(&self, recording: &Recording) -> Result<&Purpose, ConsentError> {
        let purpose = self
            .purposes
            .get(&recording.purpose_id)
            .ok_or_else(|| ConsentError::UnknownPurpose(recording.purpose_id.clone()))?;
        // Art. 21: processing on legitimate interest is not asked, but a person may object
        // to it (recorded as a withdrawal) and later lift the objection (a grant).
        let objection = purpose.legal_basis == LegalBasis::LegitimateInterest
            && recording.decision != Decision::Refused;
        if !purpose.is_asked() && !objection {
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
