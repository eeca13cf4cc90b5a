//! Every active customer account ranked by churn risk (`GET /api/v1/health`): the last
//! complete month's figures and signals per account, read in six grouped queries over the
//! monthly rollups, whatever the number of accounts. A month's cells are decided as in
//! the account's own report (a month is shown when it has enough people, whatever its
//! weeks and days), so the two always agree.

use super::calendar::{Span, add_months, month_start, month_text};
use super::cells::{ActivityCell, ActivityFigures, withheld_reason};
use super::error::AnalyticsError;
use super::event::RatingKind;
use super::figures::{self, Distribution, percentile, round2};
use super::signals::{self, MonthFigures, Signal};
use super::{Analytics, report};
use crate::authz::Principal;
use crate::clock::UnixTime;
use crate::db::Db;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    /// Judge the month before this one (`YYYY-MM` or a date). Default: the last complete
    /// month.
    pub before: Option<String>,
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Portfolio {
    /// The month judged (`YYYY-MM`).
    pub month: String,
    pub min_group_size: usize,
    /// Highest risk first.
    pub accounts: Vec<AccountHealth>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountHealth {
    pub customer_id: String,
    pub customer_name: String,
    pub risk: i64,
    pub signals: Vec<Signal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_candidate: Option<Signal>,
    /// The month's activity (without trend).
    pub activity: ActivityCell,
    /// Weighted feature use per day against the baseline months, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_change_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<f64>,
}

/// One account's months, as the grouped queries give them.
#[derive(Default)]
struct AccountMonths {
    activity: HashMap<i64, ActivityFigures>,
    /// (month, kind) → (raters, distribution).
    ratings: HashMap<(i64, RatingKind), (usize, Distribution)>,
    response_hours: Vec<f64>,
    raters: (i64, i64),
    last_login_at: Option<UnixTime>,
}

impl Analytics {
    pub async fn portfolio(
        &self,
        by: &Principal,
        query: &PortfolioQuery,
    ) -> Result<Portfolio, AnalyticsError> {
        self.require_read(by)?;
        let now = self.clock.now();
        let before = match &query.before {
            Some(text) => report::month_of(text, "before")?,
            None => month_start(now),
        };
        let month = Span {
            start: add_months(before, -1),
            end: before,
        };
        let baseline_start = add_months(month.start, -self.policy.signals.baseline_months);
        let window = Span {
            start: baseline_start,
            end: month.end,
        };
        let mut accounts = self.load_months(window, month).await?;
        let names = active_customers(&self.db).await?;
        let mut out: Vec<AccountHealth> = names
            .into_iter()
            .map(|(id, name)| {
                let months = accounts.remove(&id).unwrap_or_default();
                self.account_health(id, name, &months, month, now)
            })
            .collect();
        out.sort_by(|a, b| {
            b.risk
                .cmp(&a.risk)
                .then(
                    a.activity_change_percent
                        .unwrap_or(0.0)
                        .total_cmp(&b.activity_change_percent.unwrap_or(0.0)),
                )
                .then(a.customer_name.cmp(&b.customer_name))
        });
        Ok(Portfolio {
            month: month_text(month.start),
            min_group_size: self.policy.min_group_size,
            accounts: out,
        })
    }

    fn account_health(
        &self,
        customer_id: String,
        customer_name: String,
        months: &AccountMonths,
        month: Span,
        now: UnixTime,
    ) -> AccountHealth {
        let min = self.policy.min_group_size;
        let shown = |figures: &ActivityFigures| figures.people >= min;
        let per_day = |m: i64| {
            let days = (add_months(m, 1) - m) / 86_400;
            months
                .activity
                .get(&m)
                .filter(|f| shown(f))
                .map(|f| f.feature_weight as f64 / days as f64)
        };
        let baseline_months: Vec<i64> = (1..=self.policy.signals.baseline_months)
            .map(|back| add_months(month.start, -back))
            .collect();
        let activity_baseline: Vec<f64> =
            baseline_months.iter().filter_map(|m| per_day(*m)).collect();
        let score = |kind: RatingKind, ms: &[i64]| {
            let mut pooled = Distribution::new();
            for m in ms {
                if let Some((people, d)) = months.ratings.get(&(*m, kind))
                    && *people >= min
                {
                    for (s, n) in d {
                        *pooled.entry(*s).or_default() += n;
                    }
                }
            }
            figures::score(kind, self.scale_of(kind), &pooled).map(round2)
        };
        let mut hours = months.response_hours.clone();
        hours.sort_by(f64::total_cmp);
        let figures = MonthFigures {
            activity_per_day: per_day(month.start),
            activity_baseline: activity_baseline.clone(),
            nps: score(RatingKind::Nps, &[month.start]),
            nps_baseline: score(RatingKind::Nps, &baseline_months),
            csat: score(RatingKind::Csat, &[month.start]),
            csat_baseline: score(RatingKind::Csat, &baseline_months),
            median_response_hours: (hours.len() >= min)
                .then(|| percentile(&hours, 0.5).map(round2))
                .flatten(),
            raters: months.raters.0,
            unhappy_raters: months.raters.1,
            last_login_at: months.last_login_at,
        };
        let evaluation = signals::evaluate(&figures, &self.policy, now);
        let activity = match months.activity.get(&month.start) {
            Some(f) if shown(f) => ActivityCell::Shown(f.clone()),
            Some(_) => ActivityCell::Withheld {
                reason: withheld_reason(min),
            },
            None => ActivityCell::Shown(ActivityFigures::default()),
        };
        let change = figures
            .activity_per_day
            .and_then(|now| figures::trend(now, &activity_baseline))
            .and_then(|t| t.change_percent);
        AccountHealth {
            customer_id,
            customer_name,
            risk: evaluation.risk,
            signals: evaluation.signals,
            reference_candidate: evaluation.reference,
            activity,
            activity_change_percent: change,
            nps: figures.nps,
            csat: figures.csat,
        }
    }

    /// Every account's months in the window, in six grouped queries.
    async fn load_months(
        &self,
        window: Span,
        month: Span,
    ) -> Result<HashMap<String, AccountMonths>, sqlx::Error> {
        let db = &self.db;
        let mut accounts: HashMap<String, AccountMonths> = HashMap::new();
        let activity: Vec<(String, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "select customer_account_id, month, count(*), cast(sum(logins) as bigint), \
             cast(sum(feature_uses) as bigint), cast(sum(feature_weight) as bigint), \
             cast(sum(social) as bigint) from analytics_activity_month \
             where month >= $1 and month < $2 group by customer_account_id, month",
        )
        .bind(window.start)
        .bind(window.end)
        .fetch_all(db)
        .await?;
        for (customer, m, people, logins, feature_uses, feature_weight, social) in activity {
            let figures = ActivityFigures {
                people: people as usize,
                logins,
                feature_uses,
                feature_weight,
                social,
                trend: None,
            };
            accounts
                .entry(customer)
                .or_default()
                .activity
                .insert(m, figures);
        }
        let distributions: Vec<(String, i64, String, i64, i64)> = sqlx::query_as(
            "select customer_account_id, month, kind, score, count(*) from analytics_rating \
             where month >= $1 and month < $2 and kind in ('nps', 'csat') \
             group by customer_account_id, month, kind, score",
        )
        .bind(window.start)
        .bind(window.end)
        .fetch_all(db)
        .await?;
        for (customer, m, kind, score, count) in distributions {
            let Some(kind) = RatingKind::parse(&kind) else {
                continue;
            };
            let entry = accounts.entry(customer).or_default();
            let cell = entry.ratings.entry((m, kind)).or_default();
            cell.1.insert(score, count);
        }
        let raters: Vec<(String, i64, String, i64)> = sqlx::query_as(
            "select customer_account_id, month, kind, count(distinct pseudonym) \
             from analytics_rating where month >= $1 and month < $2 and kind in ('nps', 'csat') \
             group by customer_account_id, month, kind",
        )
        .bind(window.start)
        .bind(window.end)
        .fetch_all(db)
        .await?;
        for (customer, m, kind, people) in raters {
            if let Some(kind) = RatingKind::parse(&kind) {
                let entry = accounts.entry(customer).or_default();
                entry.ratings.entry((m, kind)).or_default().0 = people as usize;
            }
        }
        let responses: Vec<(String, i64)> = sqlx::query_as(
            "select customer_account_id, first_response_at - opened_at from analytics_case \
             where opened_at >= $1 and opened_at < $2 and first_response_at is not null",
        )
        .bind(month.start)
        .bind(month.end)
        .fetch_all(db)
        .await?;
        for (customer, seconds) in responses {
            let entry = accounts.entry(customer).or_default();
            entry.response_hours.push(seconds as f64 / 3600.0);
        }
        let run = self.policy.signals.unhappy_person.negative_in_a_row;
        let unhappy: Vec<(String, i64, i64)> = sqlx::query_as(
            "select customer_account_id, count(*), coalesce(sum(case when negative_streak >= $2 \
             and last_nps <= 6 then 1 else 0 end), 0) from analytics_rater \
             where last_rated_at >= $1 group by customer_account_id",
        )
        .bind(window.start)
        .bind(run)
        .fetch_all(db)
        .await?;
        for (customer, count, sad) in unhappy {
            accounts.entry(customer).or_default().raters = (count, sad);
        }
        let logins: Vec<(String, i64)> =
            sqlx::query_as("select customer_account_id, last_login_at from analytics_last_login")
                .fetch_all(db)
                .await?;
        for (customer, at) in logins {
            accounts.entry(customer).or_default().last_login_at = Some(at);
        }
        Ok(accounts)
    }
}

async fn active_customers(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "select customer_account_id, name from customer_account where status = 'active' \
         order by name",
    )
    .fetch_all(db)
    .await
}
