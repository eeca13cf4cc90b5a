//! `policies/retention.toml`: how long each kind of data lives. Validated at start (file,
//! line, what is wrong), like the other policies; enforced by the janitor.

use crate::authz::PolicyError;
use crate::authz::error::{Source, read_policy_file};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

const FILE_NAME: &str = "retention.toml";
const DAY: i64 = 86_400;
/// An audit log kept less than a year could not show an auditor last year's actions.
const MIN_AUDIT_DAYS: i64 = 365;

/// The rules, in seconds where they are ages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub sessions_expired_secs: i64,
    pub audit_events_secs: i64,
    pub consent_after_erasure_secs: i64,
    pub closed_requests_secs: i64,
    pub analytics_raw_events_secs: i64,
    pub analytics_rollups_secs: i64,
    /// `None`: inactive people are never erased.
    pub inactive: Option<Inactivity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inactivity {
    pub months: i64,
    pub warning_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionFile {
    sessions: SessionsSection,
    audit: AuditSection,
    consent: ConsentSection,
    requests: RequestsSection,
    analytics: AnalyticsSection,
    inactive: InactiveSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionsSection {
    expired_days: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditSection {
    events_days: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentSection {
    after_erasure_days: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestsSection {
    closed_days: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyticsSection {
    raw_events_days: Spanned<i64>,
    rollups_days: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InactiveSection {
    months: Spanned<i64>,
    warning_days: Spanned<i64>,
}

impl Retention {
    pub fn load(dir: &Path) -> Result<Retention, PolicyError> {
        let (origin, text) = read_policy_file(dir, FILE_NAME)?;
        Self::parse(&origin, &text)
    }

    pub fn parse(origin: &str, text: &str) -> Result<Retention, PolicyError> {
        let source = Source { origin, text };
        let file: RetentionFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let days = |value: &Spanned<i64>, min: i64| -> Result<i64, PolicyError> {
            let days = *value.get_ref();
            if !(min..=36_500).contains(&days) {
                let message = format!("must be between {min} and 36500 days, not {days}");
                return Err(source.error(value.span().start, message));
            }
            Ok(days * DAY)
        };
        let months = *file.inactive.months.get_ref();
        if !(0..=1_200).contains(&months) {
            let message = format!("must be between 0 (never) and 1200 months, not {months}");
            return Err(source.error(file.inactive.months.span().start, message));
        }
        let warning_secs = days(&file.inactive.warning_days, 1)?;
        let raw_events_secs = days(&file.analytics.raw_events_days, 1)?;
        Ok(Retention {
            sessions_expired_secs: days(&file.sessions.expired_days, 0)?,
            audit_events_secs: days(&file.audit.events_days, MIN_AUDIT_DAYS)?,
            consent_after_erasure_secs: days(&file.consent.after_erasure_days, 0)?,
            closed_requests_secs: days(&file.requests.closed_days, 0)?,
            analytics_raw_events_secs: raw_events_secs,
            analytics_rollups_secs: days(&file.analytics.rollups_days, raw_events_secs / DAY)?,
            inactive: (months > 0).then_some(Inactivity {
                months,
                warning_secs,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../policies/retention.toml");

    #[test]
    fn the_shipped_policy_is_valid() {
        let retention = Retention::parse("retention.toml", SHIPPED).unwrap();
        assert_eq!(retention.audit_events_secs, 1825 * DAY);
        assert_eq!(retention.inactive.map(|i| i.months), Some(24));
    }

    #[test]
    fn a_short_audit_log_is_refused_with_its_line() {
        let text = SHIPPED.replace("events_days = 1825", "events_days = 30");
        let error = Retention::parse("retention.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(error.contains("retention.toml:"), "{error}");
        assert!(error.contains("between 365"), "{error}");
    }

    #[test]
    fn unknown_keys_and_missing_sections_are_refused() {
        let text = SHIPPED.replace("expired_days", "expired_dayz");
        assert!(Retention::parse("retention.toml", &text).is_err());
        let text = SHIPPED.replace("[inactive]", "[inactivity]");
        assert!(Retention::parse("retention.toml", &text).is_err());
    }
}
