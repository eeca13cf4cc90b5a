//! Churn-risk signals and the reference-candidate mark, from one month's shown figures
//! against the shown months before it (policies/analytics.toml). Each signal names its
//! rule, the rule's version and its reasons with the numbers behind them.

use super::policy::AnalyticsPolicy;
use crate::clock::UnixTime;
use serde::Serialize;
use utoipa::ToSchema;

const DAY: i64 = 86_400;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Signal {
    /// `declining`, `unhappy_person`, `dormant`, `slow_response` or `reference_candidate`.
    pub rule: String,
    /// The version of the rule in policies/analytics.toml that fired.
    pub version: i64,
    pub reasons: Vec<String>,
}

/// What the rules look at: the evaluated month's shown figures (`None`: withheld or none)
/// and the shown baseline months'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthFigures {
    /// Weighted feature use per day in the month.
    pub activity_per_day: Option<f64>,
    pub activity_baseline: Vec<f64>,
    pub nps: Option<f64>,
    pub nps_baseline: Option<f64>,
    pub csat: Option<f64>,
    pub csat_baseline: Option<f64>,
    pub median_response_hours: Option<f64>,
    /// People who rated in the window, and how many of them are on a negative run with a
    /// detractor's NPS.
    pub raters: i64,
    pub unhappy_raters: i64,
    pub last_login_at: Option<UnixTime>,
}

pub struct Evaluation {
    pub signals: Vec<Signal>,
    pub reference: Option<Signal>,
    /// The sum of the weights of the signals raised.
    pub risk: i64,
}

pub fn evaluate(f: &MonthFigures, policy: &AnalyticsPolicy, now: UnixTime) -> Evaluation {
    let rules = &policy.signals;
    let mut signals = Vec::new();
    let mut risk = 0;
    let mut raise = |rule: &str, version: i64, weight: i64, reasons: Vec<String>| {
        risk += weight;
        signals.push(Signal {
            rule: rule.to_string(),
            version,
            reasons,
        });
    };
    if let Some(reasons) = declining(f, policy) {
        let d = rules.declining;
        raise("declining", d.version, d.weight, reasons);
    }
    let unhappy = rules.unhappy_person;
    if f.unhappy_raters > 0 && f.raters >= policy.min_group_size as i64 {
        let reason = format!(
            "someone among the {} people who rated gave {} negative ratings in a row and is an \
             NPS detractor",
            f.raters, unhappy.negative_in_a_row
        );
        raise(
            "unhappy_person",
            unhappy.version,
            unhappy.weight,
            vec![reason],
        );
    }
    let dormant = rules.dormant;
    if let Some(last) = f.last_login_at
        && now - last >= dormant.days_without_login * DAY
    {
        let reason = format!(
            "no sign-in for at least {} days (among people whose sign-ins are counted)",
            dormant.days_without_login
        );
        raise("dormant", dormant.version, dormant.weight, vec![reason]);
    }
    let slow = rules.slow_response;
    if let Some(median) = f.median_response_hours
        && median > slow.median_first_response_hours
    {
        let reason = format!(
            "median first response {median:.1} h, over the {} h threshold",
            slow.median_first_response_hours
        );
        raise("slow_response", slow.version, slow.weight, vec![reason]);
    }
    Evaluation {
        signals,
        reference: reference(f, policy),
        risk,
    }
}

/// Activity and satisfaction both fell beyond their thresholds.
fn declining(f: &MonthFigures, policy: &AnalyticsPolicy) -> Option<Vec<String>> {
    let rule = policy.signals.declining;
    let now = f.activity_per_day?;
    if f.activity_baseline.is_empty() {
        return None;
    }
    let base = f.activity_baseline.iter().sum::<f64>() / f.activity_baseline.len() as f64;
    if base <= 0.0 {
        return None;
    }
    let drop = 100.0 * (base - now) / base;
    if drop < rule.activity_drop_percent {
        return None;
    }
    let mut reasons = vec![format!(
        "weighted feature use per day fell {drop:.0}% ({now:.1} against {base:.1})"
    )];
    let fell = |name: &str, now: Option<f64>, base: Option<f64>| {
        let (now, base) = (now?, base?);
        (base - now >= rule.satisfaction_drop_points).then(|| {
            format!(
                "{name} fell {:.0} points ({now:.0} against {base:.0})",
                base - now
            )
        })
    };
    let satisfaction: Vec<String> = [
        fell("NPS", f.nps, f.nps_baseline),
        fell("CSAT", f.csat, f.csat_baseline),
    ]
    .into_iter()
    .flatten()
    .collect();
    if satisfaction.is_empty() {
        return None;
    }
    reasons.extend(satisfaction);
    Some(reasons)
}

fn reference(f: &MonthFigures, policy: &AnalyticsPolicy) -> Option<Signal> {
    let rule = policy.reference;
    let (nps, csat) = (f.nps?, f.csat?);
    (nps >= rule.min_nps && csat >= rule.min_csat_percent).then(|| Signal {
        rule: "reference_candidate".into(),
        version: rule.version,
        reasons: vec![format!("NPS {nps:.0} and CSAT {csat:.0}%")],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AnalyticsPolicy {
        let text = std::fs::read_to_string("policies/analytics.toml").unwrap();
        AnalyticsPolicy::parse("analytics.toml", &text).unwrap()
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn falling_activity_alone_is_not_declining() {
        let f = MonthFigures {
            activity_per_day: Some(5.0),
            activity_baseline: vec![10.0, 10.0, 10.0],
            nps: Some(30.0),
            nps_baseline: Some(35.0),
            ..Default::default()
        };
        assert!(evaluate(&f, &policy(), NOW).signals.is_empty());
    }

    #[test]
    fn falling_activity_and_nps_is_declining_with_its_numbers() {
        let f = MonthFigures {
            activity_per_day: Some(6.0),
            activity_baseline: vec![10.0, 10.0],
            nps: Some(10.0),
            nps_baseline: Some(25.0),
            ..Default::default()
        };
        let e = evaluate(&f, &policy(), NOW);
        assert_eq!(e.signals[0].rule, "declining");
        assert_eq!(e.signals[0].version, 1);
        assert!(e.signals[0].reasons[0].contains("fell 40%"));
        assert!(e.signals[0].reasons[1].contains("NPS fell 15 points"));
        assert_eq!(e.risk, 40);
    }

    #[test]
    fn an_unhappy_person_counts_only_among_enough_raters() {
        let mut f = MonthFigures {
            raters: 4,
            unhappy_raters: 1,
            ..Default::default()
        };
        assert!(evaluate(&f, &policy(), NOW).signals.is_empty());
        f.raters = 5;
        assert_eq!(
            evaluate(&f, &policy(), NOW).signals[0].rule,
            "unhappy_person"
        );
    }

    #[test]
    fn dormant_and_slow_accounts_are_flagged() {
        let f = MonthFigures {
            last_login_at: Some(NOW - 31 * DAY),
            median_response_hours: Some(30.0),
            ..Default::default()
        };
        let rules: Vec<String> = evaluate(&f, &policy(), NOW)
            .signals
            .into_iter()
            .map(|s| s.rule)
            .collect();
        assert_eq!(rules, ["dormant", "slow_response"]);
    }

    #[test]
    fn promoters_with_good_csat_make_a_reference_candidate() {
        let f = MonthFigures {
            nps: Some(45.0),
            csat: Some(90.0),
            ..Default::default()
        };
        assert!(evaluate(&f, &policy(), NOW).reference.is_some());
    }
}
