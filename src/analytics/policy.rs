//! `policies/analytics.toml`: feature weights, the rating scale, the churn-risk rules,
//! the reference-candidate rule and the survey intervals. Validated at start (file, line,
//! what is wrong) like the other policies.

use crate::authz::PolicyError;
use crate::authz::error::{Source, read_policy_file};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

const FILE_NAME: &str = "analytics.toml";
const DAY: i64 = 86_400;

#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsPolicy {
    pub min_group_size: usize,
    pub csat_scale: i64,
    /// Feature key → how much one use counts.
    pub features: BTreeMap<String, i64>,
    pub signals: SignalRules,
    pub reference: ReferenceRule,
    pub surveys: SurveyIntervals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignalRules {
    pub baseline_months: i64,
    pub declining: Declining,
    pub unhappy_person: UnhappyPerson,
    pub dormant: Dormant,
    pub slow_response: SlowResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declining {
    pub version: i64,
    pub weight: i64,
    pub activity_drop_percent: f64,
    pub satisfaction_drop_points: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnhappyPerson {
    pub version: i64,
    pub weight: i64,
    pub negative_in_a_row: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dormant {
    pub version: i64,
    pub weight: i64,
    pub days_without_login: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowResponse {
    pub version: i64,
    pub weight: i64,
    pub median_first_response_hours: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRule {
    pub version: i64,
    pub min_nps: f64,
    pub min_csat_percent: f64,
}

/// The relationship NPS's rhythm, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyIntervals {
    pub first_after_secs: i64,
    pub after_first_answer_secs: i64,
    pub every_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    min_group_size: Spanned<i64>,
    csat_scale: Spanned<i64>,
    features: BTreeMap<Spanned<String>, Spanned<i64>>,
    signals: SignalsSection,
    reference: Spanned<ReferenceRule>,
    surveys: SurveysSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalsSection {
    baseline_months: Spanned<i64>,
    declining: Spanned<Declining>,
    unhappy_person: Spanned<UnhappyPerson>,
    dormant: Spanned<Dormant>,
    slow_response: Spanned<SlowResponse>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SurveysSection {
    first_after_days: Spanned<i64>,
    after_first_answer_days: Spanned<i64>,
    every_days: Spanned<i64>,
}

impl AnalyticsPolicy {
    pub fn load(dir: &Path) -> Result<AnalyticsPolicy, PolicyError> {
        let (origin, text) = read_policy_file(dir, FILE_NAME)?;
        Self::parse(&origin, &text)
    }

    pub fn parse(origin: &str, text: &str) -> Result<AnalyticsPolicy, PolicyError> {
        let source = Source { origin, text };
        let file: PolicyFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let within = |value: &Spanned<i64>, range: std::ops::RangeInclusive<i64>| {
            let number = *value.get_ref();
            match range.contains(&number) {
                true => Ok(number),
                false => Err(source.error(
                    value.span().start,
                    format!(
                        "must be between {} and {}, not {number}",
                        range.start(),
                        range.end()
                    ),
                )),
            }
        };
        let min_group_size = within(&file.min_group_size, 2..=1000)?;
        let csat_scale = *file.csat_scale.get_ref();
        if ![3, 5, 7].contains(&csat_scale) {
            let message = format!("CSAT's scale must be 3, 5 or 7 points, not {csat_scale}");
            return Err(source.error(file.csat_scale.span().start, message));
        }
        let mut features = BTreeMap::new();
        for (key, weight) in &file.features {
            if !is_feature_key(key.get_ref()) {
                let message = format!(
                    "feature `{}` must be lowercase letters, digits, dots, dashes or underscores",
                    key.get_ref()
                );
                return Err(source.error(key.span().start, message));
            }
            features.insert(key.get_ref().clone(), within(weight, 1..=100)?);
        }
        if features.is_empty() {
            return Err(source.error(0, "at least one feature must be declared"));
        }
        let s = &file.signals;
        let rules = [
            (s.declining.span().start, s.declining.get_ref().version),
            (
                s.unhappy_person.span().start,
                s.unhappy_person.get_ref().version,
            ),
            (s.dormant.span().start, s.dormant.get_ref().version),
            (
                s.slow_response.span().start,
                s.slow_response.get_ref().version,
            ),
            (
                file.reference.span().start,
                file.reference.get_ref().version,
            ),
        ];
        if let Some((at, _)) = rules.iter().find(|(_, version)| *version < 1) {
            return Err(source.error(*at, "a rule's version must be 1 or more"));
        }
        let unhappy = *s.unhappy_person.get_ref();
        if !(2..=20).contains(&unhappy.negative_in_a_row) {
            let message = "negative_in_a_row must be between 2 and 20".to_string();
            return Err(source.error(s.unhappy_person.span().start, message));
        }
        let signals = SignalRules {
            baseline_months: within(&s.baseline_months, 1..=12)?,
            declining: *s.declining.get_ref(),
            unhappy_person: unhappy,
            dormant: *s.dormant.get_ref(),
            slow_response: *s.slow_response.get_ref(),
        };
        let surveys = SurveyIntervals {
            first_after_secs: within(&file.surveys.first_after_days, 0..=366)? * DAY,
            after_first_answer_secs: within(&file.surveys.after_first_answer_days, 1..=366)? * DAY,
            every_secs: within(&file.surveys.every_days, 1..=366)? * DAY,
        };
        Ok(AnalyticsPolicy {
            min_group_size: min_group_size as usize,
            csat_scale,
            features,
            signals,
            reference: *file.reference.get_ref(),
            surveys,
        })
    }

    /// The weight of a feature, if it is declared.
    pub fn weight(&self, feature: &str) -> Option<i64> {
        self.features.get(feature).copied()
    }
}

fn is_feature_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> String {
        std::fs::read_to_string("policies/analytics.toml").unwrap()
    }

    #[test]
    fn the_shipped_policy_is_valid() {
        let policy = AnalyticsPolicy::parse("analytics.toml", &shipped()).unwrap();
        assert_eq!(policy.min_group_size, 5);
        assert_eq!(policy.weight("order.placed"), Some(10));
        assert_eq!(policy.surveys.first_after_secs, 7 * DAY);
    }

    #[test]
    fn a_csat_scale_of_four_points_is_refused_with_its_line() {
        let text = shipped().replace("csat_scale = 5", "csat_scale = 4");
        let error = AnalyticsPolicy::parse("analytics.toml", &text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("3, 5 or 7"), "{message}");
        assert!(message.starts_with("analytics.toml:"), "{message}");
    }

    #[test]
    fn a_group_size_of_one_is_refused() {
        let text = shipped().replace("min_group_size = 5", "min_group_size = 1");
        assert!(AnalyticsPolicy::parse("analytics.toml", &text).is_err());
    }

    #[test]
    fn a_feature_weight_out_of_range_is_refused() {
        let text = shipped().replace("\"news.read\" = 1", "\"news.read\" = 0");
        assert!(AnalyticsPolicy::parse("analytics.toml", &text).is_err());
    }
}
