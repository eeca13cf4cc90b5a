//! `trohet demo generate`: a believable history of customer health, for trying the reports
//! and the console and for benchmarks. Most accounts are steady, a fifth drift away over
//! the last months (less activity, lower ratings, slower staff, one chronically unhappy
//! person), a tenth are promoters, and a few are too small to show figures. Like real
//! analytics rows, the history holds pseudonyms only: each synthetic person is a random
//! secret, so no person rows are needed. The same seed tells the same story.

mod story;

use super::calendar::{DAY, add_months, day_start, month_start};
use super::policy::AnalyticsPolicy;
use super::pseudonym::{pseudonym, survey_key};
use super::write::Accepted;
use super::{Analytics, AnalyticsError};
use crate::clock::UnixTime;
use rand::Rng;
use rand::rngs::StdRng;
use story::Story;

/// Events per transaction, as ingest's largest batches are written.
const BATCH: usize = 5_000;

/// What to generate: about `people` people per account over `months` months.
pub struct Plan {
    pub people: usize,
    pub months: i64,
    pub seed: u64,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub people: usize,
    pub events: u64,
}

/// A company-like name for the demo account at `index`.
pub fn customer_name(index: usize) -> String {
    const FIRST: [&str; 12] = [
        "Nordic", "Baltic", "Svea", "Fjord", "Norrland", "Göta", "Vänern", "Kust", "Berg", "Skog",
        "Polar", "Mälar",
    ];
    const SECOND: [&str; 10] = [
        "Steel",
        "Timber",
        "Logistics",
        "Foods",
        "Pharma",
        "Energy",
        "Textiles",
        "Marine",
        "Paper",
        "Tools",
    ];
    const FORM: [&str; 4] = ["AB", "Oy", "AS", "A/S"];
    format!(
        "{} {} {} {}",
        FIRST[index % 12],
        SECOND[(index / 12) % 10],
        FORM[(index / 3) % 4],
        index + 1
    )
}

/// Generates the history of these (existing) customer accounts up to `now` and stores it
/// as ingest does, oldest first.
/// Generates the history of these (existing) customer accounts from `plan.months` months
/// ago (or as far back as raw events are kept) up to `now`, and stores it as ingest does,
/// oldest first.
pub async fn generate(
    analytics: &Analytics,
    customers: &[String],
    plan: &Plan,
    now: UnixTime,
) -> Result<Summary, AnalyticsError> {
    let kept = day_start(now - analytics.raw_events_secs) + DAY;
    let start = add_months(month_start(now), -plan.months).max(kept);
    let mut story = Story::new(&analytics.policy, customers, plan, start, now);
    let mut summary = Summary {
        people: story.people(),
        events: 0,
    };
    let mut pending: Vec<Accepted> = Vec::new();
    while let Some(events) = story.next_day() {
        pending.extend(events);
        if pending.len() >= BATCH {
            summary.events += store(analytics, std::mem::take(&mut pending)).await?;
        }
    }
    summary.events += store(analytics, pending).await?;
    Ok(summary)
}

async fn store(analytics: &Analytics, events: Vec<Accepted>) -> Result<u64, AnalyticsError> {
    let mut written = 0;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let batch: Vec<Accepted> = events.by_ref().take(BATCH).collect();
        written += analytics.store(batch).await?.0 as u64;
    }
    Ok(written)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mood {
    Healthy,
    Drifting,
    Promoter,
}

struct Member {
    pseudonym: String,
    survey_key: String,
    /// How keen on the portal, around 1.
    zeal: f64,
    /// Which day of the quarter they answer the relationship NPS.
    nps_day: i64,
    unhappy: bool,
}

struct Account {
    id: String,
    mood: Mood,
    members: Vec<Member>,
}

fn account(rng: &mut StdRng, index: usize, id: &str, people: usize) -> Account {
    let mood = match index % 10 {
        2 | 7 => Mood::Drifting,
        9 => Mood::Promoter,
        _ => Mood::Healthy,
    };
    // A few accounts are small on purpose, so that withheld figures show; the others have
    // at least six people, so that they are not small by chance.
    let size = match index % 50 {
        4 | 11 => rng.gen_range(2..=4),
        _ => rng.gen_range((people / 2).max(6)..=(people * 3 / 2).max(6)),
    };
    // Each account's people are asked the relationship NPS in the same fortnight.
    let campaign = rng.gen_range(0..91);
    let members = (0..size)
        .map(|n| {
            let mut secret = [0u8; 32];
            rng.fill(&mut secret);
            Member {
                pseudonym: pseudonym(&secret, id),
                survey_key: survey_key(&secret),
                zeal: rng.gen_range(0.4..1.6),
                nps_day: (campaign + rng.gen_range(0..14)) % 91,
                unhappy: mood == Mood::Drifting && n == 0,
            }
        })
        .collect();
    Account {
        id: id.to_string(),
        mood,
        members,
    }
}

/// The policy's features, each used about as often as it weighs little: news is read
/// every day, orders are placed now and then.
fn features(policy: &AnalyticsPolicy) -> Vec<(String, i64, f64)> {
    let features = &policy.features;
    let total: f64 = features.values().map(|w| 1.0 / *w as f64).sum();
    features
        .iter()
        .map(|(name, weight)| (name.clone(), *weight, (1.0 / *weight as f64) / total))
        .collect()
}
