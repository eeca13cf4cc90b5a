//! One customer account's health (`GET /api/v1/customers/{id}/health`): activity and
//! engagement per day, week or month, satisfaction per month, and the churn-risk signals
//! of the last complete month. Periods are whole calendar months or parts of them (see
//! `calendar.rs`): `from` and `to` are widened to whole months, so no two reports can be
//! subtracted to isolate a few days.

use super::Analytics;
use super::calendar::{self, Granularity, Span, add_months, buckets, month_start};
use super::cells::{self, ActivityCell, Engagement};
use super::error::AnalyticsError;
use super::event::RatingKind;
use super::read;
use super::satisfaction::{self, RatingCell, SatisfactionMonth};
use super::signals::{self, MonthFigures, Signal};
use crate::authz::Principal;
use crate::clock::{self, UnixTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The longest span one report covers.
const MAX_MONTHS: i64 = 36;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// First month (`YYYY-MM` or any date in it). Default: 11 months before `to`.
    pub from: Option<String>,
    /// Last month (`YYYY-MM` or any date in it). Default: this month.
    pub to: Option<String>,
    /// `day`, `week` (parts of a month: days 1–7, 8–14, 15–21, 22–28, 29–end) or `month`
    /// (the default). Satisfaction is always per month.
    pub granularity: Option<Granularity>,
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerHealth {
    pub customer_id: String,
    pub customer_name: String,
    /// First day covered (`YYYY-MM-DD`).
    pub from: String,
    /// The day after the last one covered.
    pub to: String,
    pub granularity: Granularity,
    /// Figures drawn from fewer distinct people are withheld.
    pub min_group_size: usize,
    pub periods: Vec<Period>,
    pub satisfaction: Vec<SatisfactionMonth>,
    /// The month the signals read (`YYYY-MM`): the last complete one in the span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals_month: Option<String>,
    pub signals: Vec<Signal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_candidate: Option<Signal>,
    /// The sum of the weights of the signals raised; the portfolio ranks by it.
    pub risk: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    /// `YYYY-MM-DD`.
    pub start: String,
    /// The day after the period (`YYYY-MM-DD`).
    pub end: String,
    pub activity: ActivityCell,
    pub engagement: Engagement,
}

impl Analytics {
    pub async fn customer_health(
        &self,
        by: &Principal,
        customer: &str,
        query: &HealthQuery,
    ) -> Result<CustomerHealth, AnalyticsError> {
        self.require_read(by)?;
        let name = read::customer_name(&self.db, customer)
            .await?
            .ok_or(AnalyticsError::NotFound("customer account"))?;
        let now = self.clock.now();
        let span = requested_span(query, now)?;
        let granularity = query.granularity.unwrap_or_default();
        let baseline_months = self.policy.signals.baseline_months;
        let loaded = Span {
            start: add_months(span.start, -(baseline_months + 1)),
            end: span.end,
        };
        let months = buckets(Granularity::Month, loaded);
        let min = self.policy.min_group_size;
        let activity_rows = read::activity(&self.db, customer, loaded).await?;
        let rating_rows = read::ratings(&self.db, customer, loaded).await?;
        let days = read::account_days(&self.db, customer, loaded).await?;
        let responses = read::responses(&self.db, customer, loaded).await?;
        let activity = cells::activity(&activity_rows, &months, granularity, baseline_months, min);
        let month_activity = match granularity {
            Granularity::Month => activity.clone(),
            _ => cells::activity(
                &activity_rows,
                &months,
                Granularity::Month,
                baseline_months,
                min,
            ),
        };
        let satisfaction = satisfaction::satisfaction(
            &rating_rows,
            &months,
            |kind| self.scale_of(kind),
            baseline_months as usize,
            min,
        );
        let shown: Vec<(Span, ActivityCell)> = activity
            .into_iter()
            .filter(|(s, _)| s.start >= span.start)
            .collect();
        let spans: Vec<Span> = shown.iter().map(|(s, _)| *s).collect();
        let engagement = cells::engagement(&days, &responses, &spans, min);
        let periods = shown
            .into_iter()
            .zip(engagement)
            .map(|((s, activity), engagement)| Period {
                start: clock::date_text(s.start),
                end: clock::date_text(s.end),
                activity,
                engagement,
            })
            .collect();
        let judged = months
            .iter()
            .rev()
            .find(|m| m.start >= span.start && m.end <= now && m.end <= span.end)
            .copied();
        let mut health = CustomerHealth {
            customer_id: customer.to_string(),
            customer_name: name,
            from: clock::date_text(span.start),
            to: clock::date_text(span.end),
            granularity,
            min_group_size: min,
            periods,
            satisfaction: Vec::new(),
            signals_month: judged.map(|m| calendar::month_text(m.start)),
            signals: Vec::new(),
            reference_candidate: None,
            risk: 0,
        };
        if let Some(month) = judged {
            let figures = MonthFigures {
                median_response_hours: median_of(&cells::engagement(
                    &days,
                    &responses,
                    &[month],
                    min,
                )),
                ..self
                    .month_figures(customer, month, &month_activity, &satisfaction)
                    .await?
            };
            let evaluation = signals::evaluate(&figures, &self.policy, now);
            health.signals = evaluation.signals;
            health.reference_candidate = evaluation.reference;
            health.risk = evaluation.risk;
        }
        health.satisfaction = satisfaction
            .into_iter()
            .filter(|m| m.start >= span.start)
            .collect();
        Ok(health)
    }

    /// The evaluated month's figures, from cells already decided.
    async fn month_figures(
        &self,
        customer: &str,
        month: Span,
        activity: &[(Span, ActivityCell)],
        satisfaction: &[SatisfactionMonth],
    ) -> Result<MonthFigures, AnalyticsError> {
        let baseline_start = add_months(month.start, -self.policy.signals.baseline_months);
        let per_day = |(span, cell): &(Span, ActivityCell)| match cell {
            ActivityCell::Shown(f) => Some(f.feature_weight as f64 / span.days() as f64),
            ActivityCell::Withheld { .. } => None,
        };
        let activity_per_day = activity.iter().find(|(s, _)| *s == month).and_then(per_day);
        let activity_baseline = activity
            .iter()
            .filter(|(s, _)| s.start >= baseline_start && s.end <= month.start)
            .filter_map(per_day)
            .collect();
        let this = satisfaction.iter().find(|m| m.start == month.start);
        let score = |kind| this.and_then(|m| shown_score(m.cell(kind)));
        let baseline = |kind| this.and_then(|m| baseline_score(m.cell(kind)));
        let run = self.policy.signals.unhappy_person.negative_in_a_row;
        let (raters, unhappy_raters) =
            read::raters(&self.db, customer, baseline_start, run).await?;
        Ok(MonthFigures {
            activity_per_day,
            activity_baseline,
            nps: score(RatingKind::Nps),
            nps_baseline: baseline(RatingKind::Nps),
            csat: score(RatingKind::Csat),
            csat_baseline: baseline(RatingKind::Csat),
            median_response_hours: None,
            raters,
            unhappy_raters,
            last_login_at: read::last_login(&self.db, customer).await?,
        })
    }

    pub fn scale_of(&self, kind: RatingKind) -> i64 {
        match kind {
            RatingKind::Csat => self.policy.csat_scale,
            RatingKind::Nps => 10,
            RatingKind::Ces => 7,
        }
    }
}

pub fn shown_score(cell: &RatingCell) -> Option<f64> {
    match cell {
        RatingCell::Shown(f) => Some(f.score),
        _ => None,
    }
}

fn baseline_score(cell: &RatingCell) -> Option<f64> {
    match cell {
        RatingCell::Shown(f) => f.trend.as_ref().map(|t| t.baseline_score),
        _ => None,
    }
}

fn median_of(engagement: &[Engagement]) -> Option<f64> {
    match engagement.first().map(|e| &e.first_response) {
        Some(cells::ResponseCell::Shown { median_hours, .. }) => Some(*median_hours),
        _ => None,
    }
}

/// The whole months a report covers.
pub fn requested_span(query: &HealthQuery, now: UnixTime) -> Result<Span, AnalyticsError> {
    let to = match &query.to {
        Some(text) => month_of(text, "to")?,
        None => month_start(now),
    };
    let from = match &query.from {
        Some(text) => month_of(text, "from")?,
        None => add_months(to, -11),
    };
    if from > to {
        return Err(AnalyticsError::Validation(
            "from must not be after to".into(),
        ));
    }
    if add_months(from, MAX_MONTHS) <= to {
        return Err(AnalyticsError::Validation(format!(
            "a report covers at most {MAX_MONTHS} months"
        )));
    }
    Ok(calendar::whole_months(from, to))
}

/// The start of the month a `YYYY-MM` or date names.
pub fn month_of(text: &str, name: &str) -> Result<UnixTime, AnalyticsError> {
    let date = match text.len() {
        7 => format!("{text}-01"),
        _ => text.to_string(),
    };
    clock::parse_rfc3339(&date)
        .map(month_start)
        .ok_or_else(|| AnalyticsError::Validation(format!("{name} must be YYYY-MM or a date")))
}
