//! `trohet analytics rebuild|health|portfolio`: the rollups recomputed from the raw
//! events, and the customer health reports of the API, from the host. The operator acts
//! as the system principal; `--json` prints what the API returns, `--csv` its CSV.

use super::report;
use crate::analytics::calendar::Granularity;
use crate::analytics::portfolio::{Portfolio, PortfolioQuery};
use crate::analytics::report::{CustomerHealth, HealthQuery};
use crate::analytics::{ActivityCell, RatingCell, ResponseCell};
use crate::authz::Principal;
use crate::config::Config;
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum AnalyticsCommand {
    /// Recompute the rollups from the raw events still kept
    Rebuild,
    /// One customer account's health: activity, engagement, satisfaction and signals
    Health {
        /// The customer account's id
        customer_id: String,
        /// First month (YYYY-MM) [default: 11 months before --to]
        #[arg(long, value_name = "YYYY-MM")]
        from: Option<String>,
        /// Last month (YYYY-MM) [default: this month]
        #[arg(long, value_name = "YYYY-MM")]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "month")]
        granularity: GranularityArg,
        /// Print the periods as CSV
        #[arg(long)]
        csv: bool,
    },
    /// Every active customer account ranked by churn risk
    Portfolio {
        /// Judge the month before this one (YYYY-MM) [default: the last complete month]
        #[arg(long, value_name = "YYYY-MM")]
        before: Option<String>,
        /// Print one row per account as CSV
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GranularityArg {
    Day,
    Week,
    Month,
}

impl From<GranularityArg> for Granularity {
    fn from(arg: GranularityArg) -> Granularity {
        match arg {
            GranularityArg::Day => Granularity::Day,
            GranularityArg::Week => Granularity::Week,
            GranularityArg::Month => Granularity::Month,
        }
    }
}

pub async fn analytics(
    config: &Config,
    command: AnalyticsCommand,
    json: bool,
) -> anyhow::Result<()> {
    let csv = match &command {
        AnalyticsCommand::Health { csv, .. } | AnalyticsCommand::Portfolio { csv, .. } => *csv,
        AnalyticsCommand::Rebuild => false,
    };
    if csv && json {
        anyhow::bail!("choose one of --csv and --json");
    }
    let analytics = crate::app::open_analytics(config).await?;
    let operator = Principal::system();
    match command {
        AnalyticsCommand::Rebuild => {
            let started = std::time::Instant::now();
            let cap = analytics.policy.signals.unhappy_person.negative_in_a_row;
            let now = analytics.clock.now();
            let rebuilt = crate::analytics::rebuild::rebuild(
                &analytics.db,
                now,
                analytics.raw_events_secs,
                cap,
            )
            .await?;
            let text = match &rebuilt.from {
                Some(from) => format!(
                    "rebuilt the rollups from {from} out of {} raw events in {:.1} s",
                    rebuilt.events,
                    started.elapsed().as_secs_f64()
                ),
                None => "no raw events: nothing to rebuild".to_string(),
            };
            report(json, serde_json::to_value(&rebuilt)?, &text)
        }
        AnalyticsCommand::Health {
            customer_id,
            from,
            to,
            granularity,
            ..
        } => {
            let query = HealthQuery {
                from,
                to,
                granularity: Some(granularity.into()),
                format: None,
            };
            let health = analytics
                .customer_health(&operator, &customer_id, &query)
                .await?;
            match csv {
                true => print!("{}", crate::analytics::csv::health(&health)),
                false => report(json, serde_json::to_value(&health)?, &health_table(&health))?,
            }
            Ok(())
        }
        AnalyticsCommand::Portfolio { before, .. } => {
            let query = PortfolioQuery {
                before,
                format: None,
            };
            let portfolio = analytics.portfolio(&operator, &query).await?;
            match csv {
                true => print!("{}", crate::analytics::csv::portfolio(&portfolio)),
                false => report(
                    json,
                    serde_json::to_value(&portfolio)?,
                    &portfolio_table(&portfolio),
                )?,
            }
            Ok(())
        }
    }
}

/// A withheld figure reads `<5` (fewer people than the group size), never a number.
fn activity_columns(cell: &ActivityCell, min: usize) -> [String; 4] {
    match cell {
        ActivityCell::Shown(f) => [
            f.people.to_string(),
            f.logins.to_string(),
            f.feature_weight.to_string(),
            f.social.to_string(),
        ],
        ActivityCell::Withheld { .. } => std::array::from_fn(|_| format!("<{min}")),
    }
}

fn rating(cell: &RatingCell, min: usize) -> String {
    match cell {
        RatingCell::Shown(f) => format!("{:.0}", f.score),
        RatingCell::Withheld { .. } => format!("<{min}"),
        RatingCell::NoRatings => "-".into(),
    }
}

fn health_table(h: &CustomerHealth) -> String {
    let min = h.min_group_size;
    let mut out = format!(
        "{} ({}), {} to {}, by {}\n\n{:<12} {:>6} {:>7} {:>8} {:>6} {:>6} {:>6} {:>5} {:>9}\n",
        h.customer_name,
        h.customer_id,
        h.from,
        h.to,
        h.granularity.as_str(),
        "period",
        "people",
        "logins",
        "weight",
        "social",
        "opened",
        "closed",
        "news",
        "response"
    );
    for p in &h.periods {
        let [people, logins, weight, social] = activity_columns(&p.activity, min);
        let e = &p.engagement;
        let response = match &e.first_response {
            ResponseCell::Shown { median_hours, .. } => format!("{median_hours:.1} h"),
            ResponseCell::Withheld { .. } => format!("<{min}"),
            ResponseCell::NoCases => "-".into(),
        };
        out.push_str(&format!(
            "{:<12} {people:>6} {logins:>7} {weight:>8} {social:>6} {:>6} {:>6} {:>5} {response:>9}\n",
            p.start, e.cases_opened, e.cases_closed, e.news_published
        ));
    }
    out.push_str(&format!(
        "\n{:<8} {:>5} {:>5} {:>5}\n",
        "month", "CSAT%", "NPS", "CES"
    ));
    for m in &h.satisfaction {
        out.push_str(&format!(
            "{:<8} {:>5} {:>5} {:>5}\n",
            m.month,
            rating(&m.csat, min),
            rating(&m.nps, min),
            rating(&m.ces, min)
        ));
    }
    let judged = h.signals_month.as_deref().unwrap_or("no complete month");
    out.push_str(&format!("\nsignals ({judged}, risk {}):", h.risk));
    if h.signals.is_empty() {
        out.push_str(" none");
    }
    for s in h.signals.iter().chain(&h.reference_candidate) {
        out.push_str(&format!(
            "\n  {} v{}: {}",
            s.rule,
            s.version,
            s.reasons.join("; ")
        ));
    }
    out
}

fn portfolio_table(p: &Portfolio) -> String {
    let mut out = format!(
        "{}, {} accounts, highest risk first\n\n{:>4} {:<32} {:>6} {:>8} {:>7} {:>5} {:>5}  signals\n",
        p.month,
        p.accounts.len(),
        "risk",
        "customer",
        "people",
        "weight",
        "change",
        "NPS",
        "CSAT%"
    );
    let number = |n: Option<f64>| n.map_or("-".to_string(), |n| format!("{n:.0}"));
    for a in &p.accounts {
        let [people, _, weight, _] = activity_columns(&a.activity, p.min_group_size);
        let change = a
            .activity_change_percent
            .map_or("-".to_string(), |c| format!("{c:+.0}%"));
        let mut signals: Vec<&str> = a.signals.iter().map(|s| s.rule.as_str()).collect();
        if a.reference_candidate.is_some() {
            signals.push("reference candidate");
        }
        let name: String = a.customer_name.chars().take(32).collect();
        out.push_str(&format!(
            "{:>4} {name:<32} {people:>6} {weight:>8} {change:>7} {:>5} {:>5}  {}\n",
            a.risk,
            number(a.nps),
            number(a.csat),
            signals.join(", ")
        ));
    }
    out.trim_end().to_string()
}
