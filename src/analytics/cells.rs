//! Turning rollup rows into shown or withheld cells: activity per day, week or month and
//! engagement per period (satisfaction is in `satisfaction.rs`). Every cell goes through
//! the small-group rule of `disclosure.rs`; trends use shown cells only, so they reveal
//! nothing the shown cells do not.

use super::calendar::{DAY, Granularity, Span, add_months, buckets, day_start};
use super::disclosure::{self, People, Tree};
use super::figures::{self, Trend, round2};
use super::read::{AccountDayRow, ActivityRow, ResponseRow};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Why a cell is withheld, in the words the API and console show.
pub fn withheld_reason(min: usize) -> String {
    format!("fewer than {min} people")
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ActivityCell {
    Shown(ActivityFigures),
    Withheld { reason: String },
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, ToSchema)]
pub struct ActivityFigures {
    /// Distinct people active (who let their activity be counted).
    pub people: usize,
    pub logins: i64,
    pub feature_uses: i64,
    /// Feature uses weighed by policies/analytics.toml.
    pub feature_weight: i64,
    /// Likes and comments.
    pub social: i64,
    /// Weighted feature use per day against the shown periods of the same kind in the
    /// baseline before this one: the 3 months before a month, the 90 days before a week or day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ResponseCell {
    Shown {
        cases: usize,
        median_hours: f64,
        p90_hours: f64,
    },
    /// Fewer cases than the group size: a time could single out one staff member's case.
    Withheld {
        reason: String,
    },
    NoCases,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Engagement {
    pub cases_opened: i64,
    pub cases_closed: i64,
    pub news_published: i64,
    /// From a case opened to the first staff response.
    pub first_response: ResponseCell,
}

/// Activity per bucket of a kind, for whole months of day rows.
pub fn activity(
    rows: &[ActivityRow],
    months: &[Span],
    granularity: Granularity,
    baseline_months: i64,
    min: usize,
) -> Vec<(Span, ActivityCell)> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut by_day: HashMap<i64, Vec<&ActivityRow>> = HashMap::new();
    for row in rows {
        let next = index.len() as u32;
        index.entry(row.pseudonym.as_str()).or_insert(next);
        by_day.entry(day_start(row.day)).or_default().push(row);
    }
    let mut out = Vec::new();
    for month in months {
        let days = buckets(Granularity::Day, *month);
        let atoms: Vec<People> = days
            .iter()
            .map(|d| {
                let rows = by_day.get(&d.start).map_or(&[][..], Vec::as_slice);
                rows.iter().map(|r| index[r.pseudonym.as_str()]).collect()
            })
            .collect();
        let weeks: Vec<_> = buckets(Granularity::Week, *month)
            .iter()
            .map(|w| day_index(month, w.start)..day_index(month, w.end))
            .collect();
        let each_day: Vec<_> = (0..days.len()).map(|i| i..i + 1).collect();
        let tree = Tree {
            atoms: &atoms,
            levels: vec![weeks.clone(), each_day.clone()],
        };
        let shown = disclosure::decide(&tree, min);
        let (cells, flags): (Vec<std::ops::Range<usize>>, Vec<bool>) = match granularity {
            Granularity::Month => (std::iter::once(0..days.len()).collect(), vec![shown.root]),
            Granularity::Week => (weeks, shown.levels[0].clone()),
            Granularity::Day => (each_day, shown.levels[1].clone()),
        };
        for (range, is_shown) in cells.into_iter().zip(flags) {
            let span = Span {
                start: days[range.start].start,
                end: days[range.end - 1].end,
            };
            let cell = match is_shown {
                true => ActivityCell::Shown(sum_activity(&atoms, range, &days, &by_day)),
                false => ActivityCell::Withheld {
                    reason: withheld_reason(min),
                },
            };
            out.push((span, cell));
        }
    }
    add_activity_trends(&mut out, granularity, baseline_months);
    out
}

fn day_index(month: &Span, time: i64) -> usize {
    ((time - month.start) / DAY) as usize
}

fn sum_activity(
    atoms: &[People],
    range: std::ops::Range<usize>,
    days: &[Span],
    by_day: &HashMap<i64, Vec<&ActivityRow>>,
) -> ActivityFigures {
    let mut figures = ActivityFigures {
        people: disclosure::people_in(atoms, range.clone()),
        ..Default::default()
    };
    for day in &days[range] {
        for row in by_day.get(&day.start).map_or(&[][..], Vec::as_slice) {
            figures.logins += row.logins;
            figures.feature_uses += row.feature_uses;
            figures.feature_weight += row.feature_weight;
            figures.social += row.social;
        }
    }
    figures
}

/// Weighted use per day against the shown buckets of the baseline before each: the
/// `baseline_months` calendar months before a month (as the signals and the portfolio
/// read it), the 90 days before a week or a day.
fn add_activity_trends(
    cells: &mut [(Span, ActivityCell)],
    granularity: Granularity,
    baseline_months: i64,
) {
    let levels: Vec<(Span, Option<f64>)> = cells
        .iter()
        .map(|(span, cell)| match cell {
            ActivityCell::Shown(f) => (*span, Some(f.feature_weight as f64 / span.days() as f64)),
            ActivityCell::Withheld { .. } => (*span, None),
        })
        .collect();
    let baseline_start = |start: i64| match granularity {
        Granularity::Month => add_months(start, -baseline_months),
        _ => start - 90 * DAY,
    };
    for (span, cell) in cells.iter_mut() {
        let ActivityCell::Shown(figures) = cell else {
            continue;
        };
        let baseline: Vec<f64> = levels
            .iter()
            .filter(|(b, _)| b.end <= span.start && b.start >= baseline_start(span.start))
            .filter_map(|(_, level)| *level)
            .collect();
        let per_day = figures.feature_weight as f64 / span.days() as f64;
        figures.trend = figures::trend(per_day, &baseline);
    }
}

/// Engagement per bucket: counts need no people; response times need enough cases.
pub fn engagement(
    days: &[AccountDayRow],
    responses: &[ResponseRow],
    periods: &[Span],
    min: usize,
) -> Vec<Engagement> {
    periods
        .iter()
        .map(|period| {
            let in_period = days.iter().filter(|d| period.contains(d.day));
            let mut e = Engagement {
                cases_opened: 0,
                cases_closed: 0,
                news_published: 0,
                first_response: ResponseCell::NoCases,
            };
            for d in in_period {
                e.cases_opened += d.cases_opened;
                e.cases_closed += d.cases_closed;
                e.news_published += d.news_published;
            }
            let mut hours: Vec<f64> = responses
                .iter()
                .filter(|r| period.contains(r.opened_at))
                .map(|r| r.seconds as f64 / 3600.0)
                .collect();
            hours.sort_by(f64::total_cmp);
            e.first_response = response_cell(&hours, min);
            e
        })
        .collect()
}

fn response_cell(sorted_hours: &[f64], min: usize) -> ResponseCell {
    match sorted_hours.len() {
        0 => ResponseCell::NoCases,
        n if n < min => ResponseCell::Withheld {
            reason: format!("fewer than {min} cases"),
        },
        n => ResponseCell::Shown {
            cases: n,
            median_hours: figures::percentile(sorted_hours, 0.5).map_or(0.0, round2),
            p90_hours: figures::percentile(sorted_hours, 0.9).map_or(0.0, round2),
        },
    }
}
