//! Writing accepted events: the raw rows and every rollup, in the caller's transaction.
//! Ingest and `trohet analytics rebuild` both go through [`apply`], so the rollups a
//! rebuild makes are the ones ingest made.

use super::calendar::{day_start, month_start};
use super::event::{Fact, Rating, RatingKind, Touchpoint};
use super::rows::{Rows, Value};
use crate::clock::UnixTime;
use crate::db::Tx;
use std::collections::{BTreeMap, HashMap};

/// An event that will be counted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub event_id: String,
    pub client_id: String,
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

#[derive(Debug, Default, Clone, Copy)]
struct AccountDay {
    logins: i64,
    news_published: i64,
    cases_opened: i64,
    cases_closed: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Case {
    opened_at: Option<UnixTime>,
    first_response_at: Option<UnixTime>,
    closed_at: Option<UnixTime>,
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

/// Writes the events and adds them to the rollups. `negative_cap` bounds the stored
/// streak of negative ratings (the policy's threshold is all the signal needs).
pub async fn apply(tx: &mut Tx, events: &[Accepted], negative_cap: i64) -> Result<(), sqlx::Error> {
    raw_rows(events).write(tx).await?;
    replay(tx, events, negative_cap).await
}

/// Adds stored events to the rollups (what a rebuild does with the raw events).
pub async fn replay(tx: &mut Tx, events: &[Accepted], negative_cap: i64) -> Result<(), sqlx::Error> {
    activity_rows(events).write(tx).await?;
    account_rows(events).write(tx).await?;
    last_login_rows(events).write(tx).await?;
    rating_rows(events).write(tx).await?;
    answer_rows(events).write(tx).await?;
    case_rows(events).write(tx).await?;
    super::raters::update(tx, events, negative_cap).await?;
    super::survey::answered(tx, events).await?;
    Ok(())
}

fn raw_rows(events: &[Accepted]) -> Rows {
    let mut rows = Rows::new(
        "analytics_event",
        &[
            "event_id",
            "client_id",
            "customer_account_id",
            "pseudonym",
            "event_type",
            "occurred_at",
            "received_at",
            "detail",
        ],
        "",
    );
    for e in events {
        rows.push(vec![
            e.event_id.as_str().into(),
            e.client_id.as_str().into(),
            e.customer_id.as_str().into(),
            e.pseudonym.clone().into(),
            e.fact.type_name().into(),
            e.occurred_at.into(),
            e.received_at.into(),
            detail(&e.fact).to_string().into(),
        ]);
    }
    rows
}

/// The raw row's `detail`: what the fact says, without the free-text answer.
pub fn detail(fact: &Fact) -> serde_json::Value {
    use serde_json::json;
    match fact {
        Fact::Login => json!({}),
        Fact::FeatureUsed { feature, weight } => json!({"feature": feature, "weight": weight}),
        Fact::Rating(r) => json!({"kind": r.kind, "scale": r.scale, "score": r.score,
            "touchpoint": r.touchpoint, "item_id": r.item_id}),
        Fact::Social { action } => json!({"action": action}),
        Fact::CaseOpened { case_id }
        | Fact::CaseFirstResponse { case_id }
        | Fact::CaseClosed { case_id } => json!({"case_id": case_id}),
        Fact::NewsPublished { item_id } => json!({"item_id": item_id}),
    }
}

/// The fact of a raw row, read back for a rebuild (the answer is not in it).
pub fn fact_from(event_type: &str, detail: &serde_json::Value) -> Option<Fact> {
    let text = |name: &str| detail.get(name).and_then(|v| v.as_str()).map(str::to_string);
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
        "case_opened" => Fact::CaseOpened { case_id: text("case_id")? },
        "case_first_response" => Fact::CaseFirstResponse { case_id: text("case_id")? },
        "case_closed" => Fact::CaseClosed { case_id: text("case_id")? },
        "news_published" => Fact::NewsPublished { item_id: text("item_id") },
        _ => return None,
    })
}

/// The per-person rollups by day and by month, added up within the batch first (one
/// statement may not update a row twice).
struct ActivityRows {
    by_day: BTreeMap<(String, UnixTime, String), Activity>,
    by_month: BTreeMap<(String, UnixTime, String), Activity>,
}

fn activity_rows(events: &[Accepted]) -> ActivityRows {
    let mut out = ActivityRows {
        by_day: BTreeMap::new(),
        by_month: BTreeMap::new(),
    };
    for e in events {
        let (Some(pseudonym), Some(add)) = (&e.pseudonym, Activity::of(&e.fact)) else {
            continue;
        };
        let day = (e.customer_id.clone(), day_start(e.occurred_at), pseudonym.clone());
        out.by_day.entry(day).or_default().add(add);
        let month = (e.customer_id.clone(), month_start(e.occurred_at), pseudonym.clone());
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

fn account_rows(events: &[Accepted]) -> Rows {
    let mut days: BTreeMap<(String, UnixTime), AccountDay> = BTreeMap::new();
    for e in events {
        let day = days
            .entry((e.customer_id.clone(), day_start(e.occurred_at)))
            .or_default();
        match &e.fact {
            Fact::Login => day.logins += 1,
            Fact::NewsPublished { .. } => day.news_published += 1,
            Fact::CaseOpened { .. } => day.cases_opened += 1,
            Fact::CaseClosed { .. } => day.cases_closed += 1,
            _ => {}
        }
    }
    let mut rows = Rows::new(
        "analytics_account_day",
        &[
            "customer_account_id",
            "day",
            "month",
            "logins",
            "news_published",
            "cases_opened",
            "cases_closed",
        ],
        "on conflict (customer_account_id, day) do update set \
         logins = analytics_account_day.logins + excluded.logins, \
         news_published = analytics_account_day.news_published + excluded.news_published, \
         cases_opened = analytics_account_day.cases_opened + excluded.cases_opened, \
         cases_closed = analytics_account_day.cases_closed + excluded.cases_closed",
    );
    for ((customer, day), d) in days {
        let values: Vec<Value> = vec![
            customer.into(),
            day.into(),
            month_start(day).into(),
            d.logins.into(),
            d.news_published.into(),
            d.cases_opened.into(),
            d.cases_closed.into(),
        ];
        rows.push(values);
    }
    rows
}

fn last_login_rows(events: &[Accepted]) -> Rows {
    let mut last: HashMap<&str, UnixTime> = HashMap::new();
    for e in events.iter().filter(|e| e.fact == Fact::Login) {
        let at = last.entry(&e.customer_id).or_insert(e.occurred_at);
        *at = (*at).max(e.occurred_at);
    }
    let mut rows = Rows::new(
        "analytics_last_login",
        &["customer_account_id", "last_login_at"],
        "on conflict (customer_account_id) do update set last_login_at = \
         case when excluded.last_login_at > analytics_last_login.last_login_at \
         then excluded.last_login_at else analytics_last_login.last_login_at end",
    );
    for (customer, at) in last {
        rows.push(vec![customer.into(), at.into()]);
    }
    rows
}

fn rating_rows(events: &[Accepted]) -> Rows {
    let mut rows = Rows::new(
        "analytics_rating",
        &[
            "rating_id",
            "customer_account_id",
            "pseudonym",
            "occurred_at",
            "month",
            "kind",
            "scale",
            "score",
            "touchpoint",
            "item_id",
        ],
        "on conflict (rating_id) do nothing",
    );
    for (e, pseudonym, r) in ratings(events) {
        rows.push(vec![
            e.event_id.as_str().into(),
            e.customer_id.as_str().into(),
            pseudonym.into(),
            e.occurred_at.into(),
            month_start(e.occurred_at).into(),
            r.kind.as_str().into(),
            r.scale.into(),
            r.score.into(),
            r.touchpoint.as_str().into(),
            r.item_id.clone().into(),
        ]);
    }
    rows
}

fn answer_rows(events: &[Accepted]) -> Rows {
    let mut rows = Rows::new(
        "analytics_answer",
        &[
            "rating_id",
            "customer_account_id",
            "pseudonym",
            "occurred_at",
            "answer",
        ],
        "on conflict (rating_id) do nothing",
    );
    for (e, pseudonym, r) in ratings(events) {
        if let Some(answer) = &r.answer {
            rows.push(vec![
                e.event_id.as_str().into(),
                e.customer_id.as_str().into(),
                pseudonym.into(),
                e.occurred_at.into(),
                answer.as_str().into(),
            ]);
        }
    }
    rows
}

/// The ratings among the events, with their raters' pseudonyms.
pub fn ratings(events: &[Accepted]) -> impl Iterator<Item = (&Accepted, &str, &Rating)> {
    events.iter().filter_map(|e| match (&e.fact, &e.pseudonym) {
        (Fact::Rating(r), Some(p)) => Some((e, p.as_str(), r)),
        _ => None,
    })
}

fn case_rows(events: &[Accepted]) -> Rows {
    let mut cases: BTreeMap<(&str, &str), (&str, Case)> = BTreeMap::new();
    for e in events {
        let (case_id, set): (&str, fn(&mut Case, UnixTime)) = match &e.fact {
            Fact::CaseOpened { case_id } => (case_id, |c, t| c.opened_at = earliest(c.opened_at, t)),
            Fact::CaseFirstResponse { case_id } => (case_id, |c, t| {
                c.first_response_at = earliest(c.first_response_at, t)
            }),
            Fact::CaseClosed { case_id } => (case_id, |c, t| {
                c.closed_at = Some(c.closed_at.map_or(t, |at| at.max(t)))
            }),
            _ => continue,
        };
        let entry = cases
            .entry((&e.client_id, case_id))
            .or_insert((&e.customer_id, Case::default()));
        set(&mut entry.1, e.occurred_at);
    }
    let mut rows = Rows::new(
        "analytics_case",
        &[
            "client_id",
            "case_id",
            "customer_account_id",
            "opened_at",
            "first_response_at",
            "closed_at",
        ],
        "on conflict (client_id, case_id) do update set \
         opened_at = case when analytics_case.opened_at is null \
           or excluded.opened_at < analytics_case.opened_at \
           then coalesce(excluded.opened_at, analytics_case.opened_at) \
           else analytics_case.opened_at end, \
         first_response_at = case when analytics_case.first_response_at is null \
           or excluded.first_response_at < analytics_case.first_response_at \
           then coalesce(excluded.first_response_at, analytics_case.first_response_at) \
           else analytics_case.first_response_at end, \
         closed_at = case when analytics_case.closed_at is null \
           or excluded.closed_at > analytics_case.closed_at \
           then coalesce(excluded.closed_at, analytics_case.closed_at) \
           else analytics_case.closed_at end",
    );
    for ((client, case_id), (customer, case)) in cases {
        rows.push(vec![
            client.into(),
            case_id.into(),
            customer.into(),
            case.opened_at.into(),
            case.first_response_at.into(),
            case.closed_at.into(),
        ]);
    }
    rows
}

fn earliest(current: Option<UnixTime>, time: UnixTime) -> Option<UnixTime> {
    Some(current.map_or(time, |at| at.min(time)))
}
