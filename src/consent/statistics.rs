//! How many people stand where on each purpose, for staff, as counts only and under the
//! small-group rule (DESIGN.md): a count drawn from fewer than [`MIN_GROUP_SIZE`] people is
//! withheld, not rounded, so that no figure can single anyone out.

use super::error::ConsentError;
use super::ledger::State;
use super::{Consent, current};
use crate::authz::Principal;
use serde::Serialize;
use std::collections::BTreeMap;

/// The smallest group a figure may be drawn from. (Issue 8 moves it into
/// `policies/analytics.toml` with the other analytics rules.)
pub const MIN_GROUP_SIZE: i64 = 5;

/// A count, or the fact that it is too small to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    People(i64),
    FewerThan(i64),
}

impl Count {
    fn of(people: i64) -> Count {
        if people < MIN_GROUP_SIZE {
            Count::FewerThan(MIN_GROUP_SIZE)
        } else {
            Count::People(people)
        }
    }
}

/// Where people stand on one purpose resting on consent.
#[derive(Debug, Clone, Serialize)]
pub struct PurposeCounts {
    pub purpose_id: String,
    pub granted: Count,
    pub refused: Count,
    pub withdrawn: Count,
    /// Decided on a text since changed materially: asked again.
    pub outdated: Count,
}

impl Consent {
    /// Counts per purpose, for staff holding `consents.statistics`.
    pub async fn statistics(&self, by: &Principal) -> Result<Vec<PurposeCounts>, ConsentError> {
        let decision = self.policies.decide(by, "consents.statistics", None);
        if !decision.is_allowed() {
            return Err(ConsentError::denied(decision, "statistics"));
        }
        let mut raw: BTreeMap<(String, State), i64> = BTreeMap::new();
        for (purpose_id, version, decided, people) in current::decision_counts(&self.db).await? {
            let Some(purpose) = self.purposes.get(&purpose_id) else {
                continue;
            };
            let versions = self
                .versions
                .get(&purpose_id)
                .map_or(&[][..], Vec::as_slice);
            let mut probe = super::ledger::probe(&version);
            probe.decision = decided;
            let state = super::ledger::state(versions, &purpose.version, Some(&probe));
            *raw.entry((purpose_id, state)).or_default() += people;
        }
        let count = |purpose: &str, state: State| {
            Count::of(raw.get(&(purpose.to_string(), state)).copied().unwrap_or(0))
        };
        Ok(self
            .purposes
            .iter()
            .filter(|p| p.is_asked())
            .map(|p| PurposeCounts {
                purpose_id: p.id.clone(),
                granted: count(&p.id, State::Granted),
                refused: count(&p.id, State::Refused),
                withdrawn: count(&p.id, State::Withdrawn),
                outdated: count(&p.id, State::Outdated),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_below_the_small_group_size_is_withheld_not_rounded() {
        assert_eq!(Count::of(4), Count::FewerThan(5));
        assert_eq!(Count::of(0), Count::FewerThan(5));
        assert_eq!(Count::of(5), Count::People(5));
    }
}
