//! The rollups besides per-person activity (`write.rs`): per account and day, the last
//! sign-in, each rating and free-text answer, and support cases. Each is added up within
//! the batch first, as one statement may not update a row twice.

use super::calendar::{day_start, month_start};
use super::event::{Fact, Rating};
use super::rows::{Rows, Value};
use super::write::Accepted;
use crate::clock::UnixTime;
use std::collections::{BTreeMap, HashMap};

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

pub(super) fn account_rows(events: &[&Accepted]) -> Rows {
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

pub(super) fn last_login_rows(events: &[&Accepted]) -> Rows {
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

pub(super) fn rating_rows(events: &[&Accepted]) -> Rows {
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

pub(super) fn answer_rows(events: &[&Accepted]) -> Rows {
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
pub(super) fn ratings<'a>(
    events: &'a [&'a Accepted],
) -> impl Iterator<Item = (&'a Accepted, &'a str, &'a Rating)> {
    events
        .iter()
        .copied()
        .filter_map(|e| match (&e.fact, &e.pseudonym) {
            (Fact::Rating(r), Some(p)) => Some((e, p.as_str(), r)),
            _ => None,
        })
}

pub(super) fn case_rows(events: &[&Accepted]) -> Rows {
    let mut cases: BTreeMap<(&str, &str), (&str, Case)> = BTreeMap::new();
    for e in events {
        let (case_id, set): (&str, fn(&mut Case, UnixTime)) = match &e.fact {
            Fact::CaseOpened { case_id } => {
                (case_id, |c, t| c.opened_at = earliest(c.opened_at, t))
            }
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
