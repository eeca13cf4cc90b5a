//! Satisfaction per month: each kind (CSAT, NPS, CES) overall and per touchpoint, through
//! the small-group rule (a touchpoint is shown only if it and what the month's other
//! touchpoints leave over are big enough), with trends against the shown months before.

use super::calendar::{Span, add_months};
use super::cells::withheld_reason;
use super::disclosure::{self, People, Tree};
use super::event::{RatingKind, Touchpoint};
use super::figures::{self, Distribution, round2};
use super::read::RatingRow;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RatingCell {
    Shown(RatingFigures),
    Withheld { reason: String },
    NoRatings,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RatingFigures {
    pub people: usize,
    pub ratings: i64,
    /// CSAT: % of ratings in the top two points; NPS: % promoters − % detractors;
    /// CES: the mean score.
    pub score: f64,
    pub scale: i64,
    /// Score → ratings.
    pub distribution: BTreeMap<String, i64>,
    /// Against the shown months of the baseline, pooled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<ScoreTrend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoreTrend {
    pub baseline_score: f64,
    pub baseline_months: usize,
    /// This month's score minus the baseline's (percentage points for CSAT and NPS).
    pub change_points: f64,
}

/// One month's satisfaction: each kind overall and per touchpoint.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SatisfactionMonth {
    /// `YYYY-MM`.
    pub month: String,
    #[serde(skip)]
    pub start: i64,
    pub csat: RatingCell,
    pub nps: RatingCell,
    pub ces: RatingCell,
    /// Touchpoints with ratings this month.
    pub by_touchpoint: Vec<TouchpointCells>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TouchpointCells {
    pub touchpoint: Touchpoint,
    pub csat: RatingCell,
    pub nps: RatingCell,
    pub ces: RatingCell,
}

impl SatisfactionMonth {
    pub fn cell(&self, kind: RatingKind) -> &RatingCell {
        match kind {
            RatingKind::Csat => &self.csat,
            RatingKind::Nps => &self.nps,
            RatingKind::Ces => &self.ces,
        }
    }
}

/// Satisfaction per month: a kind's month is shown with enough raters, a touchpoint of it
/// with enough raters and enough left over in the month's other touchpoints.
pub fn satisfaction(
    rows: &[RatingRow],
    months: &[Span],
    scale_of: impl Fn(RatingKind) -> i64,
    baseline_months: usize,
    min: usize,
) -> Vec<SatisfactionMonth> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    for row in rows {
        let next = index.len() as u32;
        index.entry(row.pseudonym.as_str()).or_insert(next);
    }
    let mut out: Vec<SatisfactionMonth> = Vec::new();
    // Per kind: the shown months' distributions, for baselines.
    let mut shown_before: HashMap<RatingKind, Vec<(i64, Distribution)>> = HashMap::new();
    for month in months {
        let in_month: Vec<&RatingRow> = rows.iter().filter(|r| r.month == month.start).collect();
        let mut cells: HashMap<RatingKind, (RatingCell, Vec<(Touchpoint, RatingCell)>)> =
            HashMap::new();
        for kind in RatingKind::ALL {
            let of_kind: Vec<&&RatingRow> = in_month
                .iter()
                .filter(|r| r.kind == kind.as_str())
                .collect();
            let touchpoints: Vec<Touchpoint> = Touchpoint::ALL
                .into_iter()
                .filter(|t| of_kind.iter().any(|r| r.touchpoint == t.as_str()))
                .collect();
            let atoms: Vec<People> = touchpoints
                .iter()
                .map(|t| {
                    of_kind
                        .iter()
                        .filter(|r| r.touchpoint == t.as_str())
                        .map(|r| index[r.pseudonym.as_str()])
                        .collect()
                })
                .collect();
            let tree = Tree {
                atoms: &atoms,
                levels: vec![(0..atoms.len()).map(|i| i..i + 1).collect()],
            };
            let shown = disclosure::decide(&tree, min);
            let scale = scale_of(kind);
            let window_start = add_months(month.start, -(baseline_months as i64));
            let baseline: Vec<&Distribution> = shown_before
                .get(&kind)
                .map(|v| {
                    v.iter()
                        .filter(|(start, _)| (window_start..month.start).contains(start))
                        .map(|(_, d)| d)
                        .collect()
                })
                .unwrap_or_default();
            let all = distribution(of_kind.iter().map(|r| r.score));
            let overall = rating_cell(
                kind,
                scale,
                &all,
                atoms_people(&atoms),
                shown.root,
                &baseline,
                min,
            );
            if shown.root && !all.is_empty() {
                shown_before
                    .entry(kind)
                    .or_default()
                    .push((month.start, all));
            }
            let per_touchpoint = touchpoints
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let d = distribution(
                        of_kind
                            .iter()
                            .filter(|r| r.touchpoint == t.as_str())
                            .map(|r| r.score),
                    );
                    let people = disclosure::people_in(&atoms, i..i + 1);
                    (
                        *t,
                        rating_cell(kind, scale, &d, people, shown.levels[0][i], &[], min),
                    )
                })
                .collect();
            cells.insert(kind, (overall, per_touchpoint));
        }
        out.push(month_cells(month, cells));
    }
    out
}

fn atoms_people(atoms: &[People]) -> usize {
    disclosure::people_in(atoms, 0..atoms.len())
}

fn distribution(scores: impl Iterator<Item = i64>) -> Distribution {
    let mut d = Distribution::new();
    for score in scores {
        *d.entry(score).or_default() += 1;
    }
    d
}

fn rating_cell(
    kind: RatingKind,
    scale: i64,
    d: &Distribution,
    people: usize,
    shown: bool,
    baseline: &[&Distribution],
    min: usize,
) -> RatingCell {
    let Some(score) = figures::score(kind, scale, d) else {
        return RatingCell::NoRatings;
    };
    if !shown {
        return RatingCell::Withheld {
            reason: withheld_reason(min),
        };
    }
    let mut pooled = Distribution::new();
    for d in baseline {
        for (s, n) in d.iter() {
            *pooled.entry(*s).or_default() += n;
        }
    }
    let trend = figures::score(kind, scale, &pooled).map(|base| ScoreTrend {
        baseline_score: round2(base),
        baseline_months: baseline.len(),
        change_points: round2(score - base),
    });
    RatingCell::Shown(RatingFigures {
        people,
        ratings: figures::ratings_in(d),
        score: round2(score),
        scale,
        distribution: d.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        trend,
    })
}

fn month_cells(
    month: &Span,
    mut cells: HashMap<RatingKind, (RatingCell, Vec<(Touchpoint, RatingCell)>)>,
) -> SatisfactionMonth {
    let mut take = |kind| {
        cells
            .remove(&kind)
            .unwrap_or((RatingCell::NoRatings, Vec::new()))
    };
    let (csat, csat_t) = take(RatingKind::Csat);
    let (nps, nps_t) = take(RatingKind::Nps);
    let (ces, ces_t) = take(RatingKind::Ces);
    let find = |list: &[(Touchpoint, RatingCell)], t: Touchpoint| {
        list.iter()
            .find(|(x, _)| *x == t)
            .map_or(RatingCell::NoRatings, |(_, c)| c.clone())
    };
    let by_touchpoint = Touchpoint::ALL
        .into_iter()
        .filter(|t| {
            [&csat_t, &nps_t, &ces_t]
                .iter()
                .any(|l| l.iter().any(|(x, _)| x == t))
        })
        .map(|t| TouchpointCells {
            touchpoint: t,
            csat: find(&csat_t, t),
            nps: find(&nps_t, t),
            ces: find(&ces_t, t),
        })
        .collect();
    SatisfactionMonth {
        month: super::calendar::month_text(month.start),
        start: month.start,
        csat,
        nps,
        ces,
        by_touchpoint,
    }
}
