//! Customer health as CSV: one row per period of an account, or per account of the
//! portfolio. A withheld figure is the word `withheld`, never a number.

use super::cells::{ActivityCell, ResponseCell};
use super::portfolio::Portfolio;
use super::report::CustomerHealth;
use super::satisfaction::RatingCell;
use crate::web::csv::line;

const WITHHELD: &str = "withheld";

pub fn health(health: &CustomerHealth) -> String {
    let mut out = line(&[
        "start",
        "end",
        "people",
        "logins",
        "feature_uses",
        "feature_weight",
        "social",
        "feature_weight_change_percent",
        "feature_weight_z_score",
        "cases_opened",
        "cases_closed",
        "news_published",
        "first_response_median_hours",
        "first_response_p90_hours",
        "csat_percent",
        "nps",
        "ces",
    ]);
    for period in &health.periods {
        let mut fields = vec![period.start.clone(), period.end.clone()];
        fields.extend(activity_fields(&period.activity));
        let e = &period.engagement;
        fields.extend([
            e.cases_opened.to_string(),
            e.cases_closed.to_string(),
            e.news_published.to_string(),
        ]);
        fields.extend(match &e.first_response {
            ResponseCell::Shown {
                median_hours,
                p90_hours,
                ..
            } => [median_hours.to_string(), p90_hours.to_string()],
            ResponseCell::Withheld { .. } => [WITHHELD.into(), WITHHELD.into()],
            ResponseCell::NoCases => [String::new(), String::new()],
        });
        // Satisfaction is monthly: a period gets its month's scores only when it is one.
        let monthly = health.granularity == super::calendar::Granularity::Month;
        let month = health
            .satisfaction
            .iter()
            .find(|m| monthly && period.start.starts_with(&m.month));
        for cell in month.map_or([None, None, None], |m| {
            [Some(&m.csat), Some(&m.nps), Some(&m.ces)]
        }) {
            fields.push(cell.map_or(String::new(), rating_field));
        }
        out.push_str(&line(&fields));
    }
    out
}

fn activity_fields(cell: &ActivityCell) -> Vec<String> {
    match cell {
        ActivityCell::Shown(f) => {
            let trend = f.trend.as_ref();
            vec![
                f.people.to_string(),
                f.logins.to_string(),
                f.feature_uses.to_string(),
                f.feature_weight.to_string(),
                f.social.to_string(),
                optional(trend.and_then(|t| t.change_percent)),
                optional(trend.and_then(|t| t.z_score)),
            ]
        }
        ActivityCell::Withheld { .. } => {
            let mut fields = vec![WITHHELD.to_string(); 5];
            fields.extend([String::new(), String::new()]);
            fields
        }
    }
}

fn rating_field(cell: &RatingCell) -> String {
    match cell {
        RatingCell::Shown(f) => f.score.to_string(),
        RatingCell::Withheld { .. } => WITHHELD.into(),
        RatingCell::NoRatings => String::new(),
    }
}

fn optional(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

pub fn portfolio(portfolio: &Portfolio) -> String {
    let mut out = line(&[
        "customer_id",
        "customer_name",
        "month",
        "risk",
        "signals",
        "reference_candidate",
        "people",
        "feature_weight",
        "feature_weight_change_percent",
        "nps",
        "csat_percent",
    ]);
    for a in &portfolio.accounts {
        let signals: Vec<String> = a
            .signals
            .iter()
            .map(|s| format!("{} v{}", s.rule, s.version))
            .collect();
        let (people, weight) = match &a.activity {
            ActivityCell::Shown(f) => (f.people.to_string(), f.feature_weight.to_string()),
            ActivityCell::Withheld { .. } => (WITHHELD.into(), WITHHELD.into()),
        };
        out.push_str(&line(&[
            a.customer_id.clone(),
            a.customer_name.clone(),
            portfolio.month.clone(),
            a.risk.to_string(),
            signals.join("; "),
            a.reference_candidate.is_some().to_string(),
            people,
            weight,
            optional(a.activity_change_percent),
            optional(a.nps),
            optional(a.csat),
        ]));
    }
    out
}
