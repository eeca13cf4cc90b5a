//! The ledger's entries and what a person's current state is, derived from them and
//! nothing else: the latest decision on a purpose stands while no material change of
//! the purpose's text came after the version it was made on.

use serde::{Deserialize, Serialize};

use crate::crypto;

/// A person's decision about one purpose version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Granted,
    Refused,
    Withdrawn,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::Refused => "refused",
            Decision::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "granted" => Some(Decision::Granted),
            "refused" => Some(Decision::Refused),
            "withdrawn" => Some(Decision::Withdrawn),
            _ => None,
        }
    }
}

/// How a decision reached trohet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The page that asks after login.
    LoginPrompt,
    /// The person's own privacy page.
    AccountPage,
    /// A portal app, in its own UI, on the person's behalf (with its client id).
    PortalApp,
    /// Staff recording a decision received on paper or by phone (with a note).
    Staff,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::LoginPrompt => "login_prompt",
            Method::AccountPage => "account_page",
            Method::PortalApp => "portal_app",
            Method::Staff => "staff",
        }
    }
}

/// One ledger row as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub receipt_id: String,
    /// HMAC-SHA-256(subject key, "consent"): anonymous once the key is destroyed.
    pub subject: String,
    pub purpose_id: String,
    pub purpose_version: String,
    pub decision: String,
    pub method: String,
    pub client_id: Option<String>,
    pub note: Option<String>,
    pub language: String,
    pub recorded_at: i64,
    pub entry_hash: String,
    pub audit_seq: i64,
}

impl Entry {
    /// SHA-256 over the canonical JSON of every column but the hash and the audit link.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.receipt_id,
            self.subject,
            self.purpose_id,
            self.purpose_version,
            self.decision,
            self.method,
            self.client_id,
            self.note,
            self.language,
            self.recorded_at,
        ]);
        crypto::digest_hex(&canonical.to_string())
    }

    /// An entry from its row in `consent_event_document` (a JSON array of the columns).
    pub fn from_document(document: &str) -> Option<Entry> {
        type Columns = (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            i64,
            String,
            i64,
        );
        let c: Columns = serde_json::from_str(document).ok()?;
        Some(Entry {
            receipt_id: c.0,
            subject: c.1,
            purpose_id: c.2,
            purpose_version: c.3,
            decision: c.4,
            method: c.5,
            client_id: c.6,
            note: c.7,
            language: c.8,
            recorded_at: c.9,
            entry_hash: c.10,
            audit_seq: c.11,
        })
    }

    pub fn decision(&self) -> Option<Decision> {
        Decision::parse(&self.decision)
    }
}

/// A granted entry on `version`, to ask [`state`] whether a grant on it still counts.
pub fn probe(version: &str) -> Entry {
    Entry {
        receipt_id: String::new(),
        subject: String::new(),
        purpose_id: String::new(),
        purpose_version: version.to_string(),
        decision: Decision::Granted.as_str().to_string(),
        method: Method::AccountPage.as_str().to_string(),
        client_id: None,
        note: None,
        language: String::new(),
        recorded_at: 0,
        entry_hash: String::new(),
        audit_seq: 0,
    }
}

/// The ledger's name for a person: keyed with their subject key, so it cannot be
/// computed, nor tied back to them, once the key is destroyed.
pub fn subject_of(subject_key: &[u8; 32]) -> String {
    crypto::hmac_b64(subject_key, b"consent")
}

/// A served version of a purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: String,
    /// Order in which the purpose's versions were first served.
    pub seq: i64,
    /// Whether this version asked everyone again.
    pub material: bool,
}

/// Where a person stands on one purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Granted,
    Refused,
    Withdrawn,
    /// Never decided.
    NotAsked,
    /// Decided on a text that has since changed materially: asked again, and a grant
    /// made on the old text no longer counts.
    Outdated,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Granted => "granted",
            State::Refused => "refused",
            State::Withdrawn => "withdrawn",
            State::NotAsked => "not_asked",
            State::Outdated => "outdated",
        }
    }

    pub fn is_granted(self) -> bool {
        self == State::Granted
    }

    /// Whether the login prompt should ask.
    pub fn needs_asking(self) -> bool {
        matches!(self, State::NotAsked | State::Outdated)
    }
}

/// The state behind the latest decision on a purpose, given the purpose's served versions
/// (in order) and the version served now.
pub fn state(versions: &[VersionInfo], current: &str, latest: Option<&Entry>) -> State {
    let Some(entry) = latest else {
        return State::NotAsked;
    };
    let decided = match entry.decision() {
        Some(Decision::Granted) => State::Granted,
        Some(Decision::Refused) => State::Refused,
        Some(Decision::Withdrawn) => State::Withdrawn,
        None => return State::Outdated,
    };
    if entry.purpose_version == current {
        return decided;
    }
    let seq_of = |v: &str| versions.iter().find(|i| i.version == v).map(|i| i.seq);
    let (Some(from), Some(to)) = (seq_of(&entry.purpose_version), seq_of(current)) else {
        return State::Outdated;
    };
    let changed = versions
        .iter()
        .any(|v| v.seq > from && v.seq <= to && v.material);
    if from < to && !changed {
        decided
    } else {
        State::Outdated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(name: &str, seq: i64, material: bool) -> VersionInfo {
        VersionInfo {
            version: name.to_string(),
            seq,
            material,
        }
    }

    fn decided(version: &str, decision: Decision) -> Entry {
        Entry {
            receipt_id: "r".into(),
            subject: "s".into(),
            purpose_id: "p".into(),
            purpose_version: version.into(),
            decision: decision.as_str().into(),
            method: Method::AccountPage.as_str().into(),
            client_id: None,
            note: None,
            language: "en".into(),
            recorded_at: 0,
            entry_hash: String::new(),
            audit_seq: 1,
        }
    }

    #[test]
    fn a_person_who_never_decided_is_not_asked_yet() {
        assert_eq!(state(&[version("a", 1, true)], "a", None), State::NotAsked);
    }

    #[test]
    fn a_decision_on_the_current_text_stands() {
        let versions = [version("a", 1, true)];
        let entry = decided("a", Decision::Withdrawn);
        assert_eq!(state(&versions, "a", Some(&entry)), State::Withdrawn);
    }

    #[test]
    fn an_editorial_change_keeps_the_decision_and_a_material_one_asks_again() {
        let entry = decided("a", Decision::Granted);
        let editorial = [version("a", 1, true), version("b", 2, false)];
        assert_eq!(state(&editorial, "b", Some(&entry)), State::Granted);
        let material = [
            version("a", 1, true),
            version("b", 2, false),
            version("c", 3, true),
        ];
        assert_eq!(state(&material, "c", Some(&entry)), State::Outdated);
        assert!(!State::Outdated.is_granted());
    }

    #[test]
    fn a_decision_on_a_text_served_after_the_current_one_asks_again() {
        let versions = [version("a", 1, true), version("b", 2, false)];
        let entry = decided("b", Decision::Granted);
        assert_eq!(state(&versions, "a", Some(&entry)), State::Outdated);
    }

    #[test]
    fn the_entry_hash_covers_every_recorded_column() {
        let entry = decided("a", Decision::Granted);
        let mut edited = entry.clone();
        edited.note = Some("changed".into());
        assert_ne!(entry.compute_hash(), edited.compute_hash());
        let mut relinked = entry.clone();
        relinked.audit_seq = 9;
        assert_eq!(entry.compute_hash(), relinked.compute_hash());
    }
}
