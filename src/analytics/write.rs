//! Writing accepted events: the raw rows and every rollup, in the caller's transaction.
//! Ingest and `trohet analytics rebuild` both go through [`apply`], so the rollups a
//! rebuild makes are the ones ingest made.

use super::calendar::{day_start, month_start};
use super::event::{Fact, Rating, RatingKind, SocialAction, Touchpoint};
use super::rollups;
use super::rows::Rows;
use crate::clock::UnixTime;
use crate::db::Tx;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// An event that will be counted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub event_id: String,
    pub client_id: String,
    /// What the client sent it with: an event is known by its time, client and key.
    pub idempotency_key: String,
    pub customer_id: String,
    /// `None` for staff engagement.
    pub pseudonym: Option<String>,
    /// For a relationship NPS: the person's survey key, to move their survey rhythm on.
    pub survey_key: Option<String>,
    pub occurred_at: UnixTime,
    pub received_at: UnixTime,
    pub fact: Fact,
}

/// A new event's id: time-ordered (UUIDv7), so the raw table's index grows at its end
/// instead of splitting pages all over a file of millions of rows.
pub fn new_event_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// What a rollup row adds up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Activity {
    logins: i64,
    feature_uses: i64,
    feature_weight: i64,
    social: i64,
}

impl Activity {
    fn of(fact: &Fact) -> Option<Activity> {
        let mut add = Activity::default();
        match fact {
            Fact::Login => add.logins = 1,
            Fact::FeatureUsed { weight, .. } => {
                add.feature_uses = 1;
                add.feature_weight = *weight;
            }
            Fact::Social { .. } => add.social = 1,
            _ => return None,
        }
        Some(add)
    }

    fn add(&mut self, other: Activity) {
        self.logins += other.logins;
        self.feature_uses += other.feature_uses;
        self.feature_weight += other.feature_weight;
        self.social += other.social;
    }
}

const ACTIVITY_COLUMNS: &[&str] = &[
    "customer_account_id",
    "day",
    "pseudonym",
    "logins",
    "feature_uses",
    "feature_weight",
    "social",
];

const ADD_ACTIVITY: &str = "do update set logins = {t}.logins + excluded.logins, \
     feature_uses = {t}.feature_uses + excluded.feature_uses, \
     feature_weight = {t}.feature_weight + excluded.feature_weight, \
     social = {t}.social + excluded.social";

/// Writes the events not stored before (an event is known by its time, client and
/// idempotency key: a retry is turned away by the raw table's unique index) and adds them
/// to the rollups. Returns which events were written. `negative_cap` bounds the stored
/// streak of negative ratings (the policy's threshold is all the signal needs).
pub async fn apply(
    tx: &mut Tx,
    events: &[&Accepted],
    negative_cap: i64,
) -> Result<Fresh, sqlx::Error> {
    let inserted = raw_rows(events).write(tx).await?;
    // Nearly always every event is new; only when some were not does it pay to ask which.
    let written = if inserted == events.len() as u64 {
        Fresh::All
    } else {
        Fresh::Only(stored_as_sent(tx, events).await?)
    };
    let fresh: Vec<&Accepted> = events
        .iter()
        .copied()
        .filter(|e| written.contains(e))
        .collect();
    replay(tx, &fresh, negative_cap).await?;
    Ok(written)
}

/// Which of a group's events were written.
pub enum Fresh {
    All,
    /// The ids of the events written; the others were retries.
    Only(HashSet<String>),
}

impl Fresh {
    pub fn contains(&self, event: &Accepted) -> bool {
        match self {
            Fresh::All => true,
            Fresh::Only(ids) => ids.contains(&event.event_id),
        }
    }
}

/// The ids of the events the raw table holds as these events (not as an earlier event
/// with the same identity).
async fn stored_as_sent(tx: &mut Tx, events: &[&Accepted]) -> Result<HashSet<String>, sqlx::Error> {
    let mut keys = Rows::new(
        "sent",
        &["day", "client_id", "idempotency_key", "occurred_at"],
        "",
    );
    for e in events {
        keys.push(vec![
            day_start(e.occurred_at).into(),
            e.client_id.as_str().into(),
            e.idempotency_key.as_str().into(),
            e.occurred_at.into(),
        ]);
    }
    let stored = keys
        .select_text(
            tx,
            "select e.event_id from sent join analytics_event e on e.day = sent.day \
             and e.client_id = sent.client_id and e.idempotency_key = sent.idempotency_key \
             and e.occurred_at = sent.occurred_at",
        )
        .await?;
    let ids: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    Ok(stored
        .into_iter()
        .filter(|id| ids.contains(id.as_str()))
        .collect())
}

/// Adds stored events to the rollups (what a rebuild does with the raw events).
pub async fn replay(
    tx: &mut Tx,
    events: &[&Accepted],
    negative_cap: i64,
) -> Result<(), sqlx::Error> {
    activity_rows(events).write(tx).await?;
    rollups::account_rows(events).write(tx).await?;
    rollups::last_login_rows(events).write(tx).await?;
    rollups::rating_rows(events).write(tx).await?;
    rollups::answer_rows(events).write(tx).await?;
    rollups::case_rows(events).write(tx).await?;
    super::raters::update(tx, events, negative_cap).await?;
    super::survey::answered(tx, events).await?;
    Ok(())
}

fn raw_rows(events: &[&Accepted]) -> Rows {
    let mut rows = Rows::new(
        "analytics_event",
        &[
            "event_id",
            "client_id",
            "idempotency_key",
            "customer_account_id",
            "pseudonym",
            "event_type",
            "day",
            "occurred_at",
            "received_at",
            "detail",
        ],
        "on conflict (day, client_id, idempotency_key, occurred_at) do nothing",
    );
    for e in events {
        rows.push(vec![
            e.event_id.as_str().into(),
            e.client_id.as_str().into(),
            e.idempotency_key.as_str().into(),
            e.customer_id.as_str().into(),
            e.pseudonym.clone().into(),
            e.fact.type_name().into(),
            day_start(e.occurred_at).into(),
            e.occurred_at.into(),
            e.received_at.into(),
            detail(&e.fact).into(),
        ]);
    }
    rows
}

/// The raw row's `detail`: what the fact says, without the free-text answer.
pub fn detail(fact: &Fact) -> String {
    let detail = match fact {
        Fact::Login => Detail::Nothing {},
        Fact::FeatureUsed { feature, weight } => Detail::Feature {
            feature,
            weight: *weight,
        },
        Fact::Rating(r) => Detail::Rating {
            item_id: &r.item_id,
            kind: r.kind,
            scale: r.scale,
            score: r.score,
            touchpoint: r.touchpoint,
        },
        Fact::Social { action } => Detail::Social { action: *action },
        Fact::CaseOpened { case_id }
        | Fact::CaseFirstResponse { case_id }
        | Fact::CaseClosed { case_id } => Detail::Case { case_id },
        Fact::NewsPublished { item_id } => Detail::News { item_id },
    };
    // Strings and numbers always serialize; the fallback is never taken.
    serde_json::to_string(&detail).unwrap_or_else(|_| "{}".into())
}

/// The shapes of `detail`, written straight from the fact (a raw row per event: no map
/// built in between).
#[derive(Serialize)]
#[serde(untagged)]
enum Detail<'a> {
    Nothing {},
    Feature {
        feature: &'a str,
        weight: i64,
    },
    Rating {
        item_id: &'a Option<String>,
        kind: RatingKind,
        scale: i64,
        score: i64,
        touchpoint: Touchpoint,
    },
    Social {
        action: SocialAction,
    },
    Case {
        case_id: &'a str,
    },
    News {
        item_id: &'a Option<String>,
    },
}

/// The fact of a raw row, read back for a rebuild (the answer is not in it).
pub fn fact_from(event_type: &str, detail: &serde_json::Value) -> Option<Fact> {
    let text = |name: &str| {
        detail
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let int = |name: &str| detail.get(name).and_then(serde_json::Value::as_i64);
    Some(match event_type {
        "login" => Fact::Login,
        "feature_used" => Fact::FeatureUsed {
            feature: text("feature")?,
            weight: int("weight")?,
        },
        "rating" => Fact::Rating(Rating {
            kind: RatingKind::parse(&text("kind")?)?,
            scale: int("scale")?,
            score: int("score")?,
            touchpoint: Touchpoint::parse(&text("touchpoint")?)?,
            item_id: text("item_id"),
            answer: None,
        }),
        "social" => Fact::Social {
            action: serde_json::from_value(detail.get("action")?.clone()).ok()?,
        },
        "case_opened" => Fact::CaseOpened {
            case_id: text("case_id")?,
        },
        "case_first_response" => Fact::CaseFirstResponse {
            case_id: text("case_id")?,
        },
        "case_closed" => Fact::CaseClosed {
            case_id: text("case_id")?,
        },
        "news_published" => Fact::NewsPublished {
            item_id: text("item_id"),
        },
        _ => return None,
    })
}

/// The per-person rollups by day and by month, added up within the batch first (one
/// statement may not update a row twice).
struct ActivityRows {
    by_day: BTreeMap<(String, UnixTime, String), Activity>,
    by_month: BTreeMap<(String, UnixTime, String), Activity>,
}

fn activity_rows(events: &[&Accepted]) -> ActivityRows {
    let mut out = ActivityRows {
        by_day: BTreeMap::new(),
        by_month: BTreeMap::new(),
    };
    for e in events {
        let (Some(pseudonym), Some(add)) = (&e.pseudonym, Activity::of(&e.fact)) else {
            continue;
        };
        let day = (
            e.customer_id.clone(),
            day_start(e.occurred_at),
            pseudonym.clone(),
        );
        out.by_day.entry(day).or_default().add(add);
        let month = (
            e.customer_id.clone(),
            month_start(e.occurred_at),
            pseudonym.clone(),
        );
        out.by_month.entry(month).or_default().add(add);
    }
    out
}

impl ActivityRows {
    async fn write(&self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        for (table, sums, columns) in [
            ("analytics_activity_day", &self.by_day, ACTIVITY_COLUMNS),
            ("analytics_activity_month", &self.by_month, MONTH_COLUMNS),
        ] {
            let suffix = upsert_suffix(table);
            let mut rows = Rows::new(table, columns, suffix);
            for ((customer, at, pseudonym), a) in sums {
                rows.push(vec![
                    customer.as_str().into(),
                    (*at).into(),
                    pseudonym.as_str().into(),
                    a.logins.into(),
                    a.feature_uses.into(),
                    a.feature_weight.into(),
                    a.social.into(),
                ]);
            }
            rows.write(tx).await?;
        }
        Ok(())
    }
}

const MONTH_COLUMNS: &[&str] = &[
    "customer_account_id",
    "month",
    "pseudonym",
    "logins",
    "feature_uses",
    "feature_weight",
    "social",
];

/// The `on conflict` clause adding to a rollup row; built once per table and kept, as
/// [`Rows`] takes static text.
fn upsert_suffix(table: &'static str) -> &'static str {
    use std::sync::OnceLock;
    static DAY: OnceLock<String> = OnceLock::new();
    static MONTH: OnceLock<String> = OnceLock::new();
    let (cell, key) = match table {
        "analytics_activity_day" => (&DAY, "customer_account_id, day, pseudonym"),
        _ => (&MONTH, "customer_account_id, month, pseudonym"),
    };
    cell.get_or_init(|| format!("on conflict ({key}) {}", ADD_ACTIVITY.replace("{t}", table)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_reads_back_from_its_detail() {
        let facts = [
            Fact::Login,
            Fact::FeatureUsed {
                feature: "order.placed".into(),
                weight: 5,
            },
            Fact::Rating(Rating {
                kind: RatingKind::Nps,
                scale: 10,
                score: 9,
                touchpoint: Touchpoint::Relationship,
                item_id: Some("d-1".into()),
                answer: None,
            }),
            Fact::Social {
                action: SocialAction::Comment,
            },
            Fact::CaseOpened {
                case_id: "c-1".into(),
            },
            Fact::CaseFirstResponse {
                case_id: "c-1".into(),
            },
            Fact::CaseClosed {
                case_id: "c-1".into(),
            },
            Fact::NewsPublished { item_id: None },
        ];
        for fact in facts {
            let detail: serde_json::Value = serde_json::from_str(&detail(&fact)).unwrap();
            assert_eq!(fact_from(fact.type_name(), &detail), Some(fact));
        }
        assert_eq!(detail(&Fact::Login), "{}");
    }
}
