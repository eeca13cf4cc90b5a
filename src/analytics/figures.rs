//! The arithmetic of the figures, apart from where the numbers come from: CSAT, NPS and
//! CES from a distribution of scores, medians and percentiles of response times, and a
//! period's trend against its own baseline.

use super::event::RatingKind;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Scores → how many ratings gave each.
pub type Distribution = BTreeMap<i64, i64>;

pub fn ratings_in(distribution: &Distribution) -> i64 {
    distribution.values().sum()
}

/// The headline number of a kind: CSAT as the percentage of ratings in the top two points
/// of the scale; NPS as % promoters (9–10) minus % detractors (0–6); CES as the mean.
pub fn score(kind: RatingKind, scale: i64, distribution: &Distribution) -> Option<f64> {
    let total = ratings_in(distribution) as f64;
    if total == 0.0 {
        return None;
    }
    let count = |keep: &dyn Fn(i64) -> bool| -> f64 {
        distribution
            .iter()
            .filter(|(s, _)| keep(**s))
            .map(|(_, n)| *n as f64)
            .sum()
    };
    Some(match kind {
        RatingKind::Csat => 100.0 * count(&|s| s >= scale - 1) / total,
        RatingKind::Nps => 100.0 * (count(&|s| s >= 9) - count(&|s| s <= 6)) / total,
        RatingKind::Ces => {
            distribution
                .iter()
                .map(|(s, n)| (s * n) as f64)
                .sum::<f64>()
                / total
        }
    })
}

/// The value below which `share` (0–1) of the sorted values lie, interpolating between
/// neighbours (the method spreadsheets call PERCENTILE.INC).
pub fn percentile(sorted: &[f64], share: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = share * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    Some(sorted[below] + (sorted[above] - sorted[below]) * fraction)
}

/// A period's level against the account's own baseline: the same kind of periods in the
/// baseline window, each as a level per day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trend {
    /// This period's level per day.
    pub per_day: f64,
    /// The mean of the baseline periods' levels per day.
    pub baseline_per_day: f64,
    /// How many baseline periods were shown (withheld ones are not used).
    pub baseline_periods: usize,
    /// Change against the baseline, in percent; absent when the baseline is zero.
    pub change_percent: Option<f64>,
    /// Standard scores against the baseline periods; absent with fewer than two of them
    /// or when they do not vary.
    pub z_score: Option<f64>,
}

pub fn trend(per_day: f64, baseline: &[f64]) -> Option<Trend> {
    if baseline.is_empty() {
        return None;
    }
    let n = baseline.len() as f64;
    let mean = baseline.iter().sum::<f64>() / n;
    let z_score = match baseline.len() {
        0 | 1 => None,
        _ => {
            let variance = baseline.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let sd = variance.sqrt();
            (sd > f64::EPSILON).then(|| round2((per_day - mean) / sd))
        }
    };
    Some(Trend {
        per_day: round2(per_day),
        baseline_per_day: round2(mean),
        baseline_periods: baseline.len(),
        change_percent: (mean > 0.0).then(|| round2(100.0 * (per_day - mean) / mean)),
        z_score,
    })
}

/// Two decimals: figures are for people to read, and a JSON diff should not churn on
/// the last bits of a float.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(pairs: &[(i64, i64)]) -> Distribution {
        pairs.iter().copied().collect()
    }

    #[test]
    fn nps_is_promoters_minus_detractors_by_hand() {
        // 10 ratings: 5 promoters (9, 10), 2 passives (7, 8), 3 detractors (0–6).
        let d = dist(&[(10, 3), (9, 2), (8, 1), (7, 1), (6, 2), (0, 1)]);
        assert_eq!(score(RatingKind::Nps, 10, &d), Some(20.0));
    }

    #[test]
    fn csat_is_the_top_two_points_of_its_scale() {
        let five = dist(&[(5, 2), (4, 1), (3, 1), (1, 1)]);
        assert_eq!(score(RatingKind::Csat, 5, &five), Some(60.0));
        let three = dist(&[(3, 1), (2, 1), (1, 2)]);
        assert_eq!(score(RatingKind::Csat, 3, &three), Some(50.0));
        let seven = dist(&[(7, 1), (6, 1), (5, 2)]);
        assert_eq!(score(RatingKind::Csat, 7, &seven), Some(50.0));
    }

    #[test]
    fn ces_is_the_mean_score() {
        let d = dist(&[(7, 1), (5, 2), (2, 1)]);
        assert_eq!(score(RatingKind::Ces, 7, &d), Some(4.75));
    }

    #[test]
    fn percentiles_interpolate_between_neighbours() {
        let hours = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile(&hours, 0.5), Some(3.0));
        assert_eq!(percentile(&hours, 0.9).map(round2), Some(7.6));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[1.0, 2.0], 0.5), Some(1.5));
    }

    #[test]
    fn a_trend_compares_against_the_baselines_mean_and_spread() {
        // Baseline 8, 10, 12 per day: mean 10, sample sd 2. Now 6 per day.
        let t = trend(6.0, &[8.0, 10.0, 12.0]).unwrap();
        assert_eq!(t.change_percent, Some(-40.0));
        assert_eq!(t.z_score, Some(-2.0));
        assert_eq!(trend(6.0, &[10.0]).unwrap().z_score, None);
        assert_eq!(trend(6.0, &[0.0, 0.0]).unwrap().change_percent, None);
        assert!(trend(6.0, &[]).is_none());
    }
}
