//! Each rater's run of negative ratings and latest NPS, kept at ingest for the "one
//! unhappy person" signal. A rater's row keeps their latest ratings (as many as the run
//! the policy looks for) and when their latest NPS was given, so a rating that arrives
//! late (an app catching up) is placed among them: the result never depends on the order
//! events arrived in, and no rater's history is read again.

use super::event::{RatingKind, negative};
use super::rollups::ratings;
use super::rows::Rows;
use super::write::Accepted;
use crate::clock::UnixTime;
use crate::db::{Tx, placeholders};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One of a rater's latest ratings: (time, rating id, negative).
type Recent = (UnixTime, String, bool);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rater {
    /// Latest first, at most `cap` of them.
    recent: Vec<Recent>,
    /// The latest NPS: (time, rating id, score).
    last_nps: Option<(UnixTime, String, i64)>,
}

#[derive(Serialize, Deserialize)]
struct StoredRecent(Vec<Recent>);

impl Rater {
    fn add(&mut self, at: UnixTime, rating_id: &str, kind: RatingKind, scale: i64, score: i64) {
        self.recent
            .push((at, rating_id.to_string(), negative(kind, scale, score)));
        if kind == RatingKind::Nps {
            let later = self
                .last_nps
                .as_ref()
                .is_none_or(|(t, id, _)| (at, rating_id) > (*t, id.as_str()));
            if later {
                self.last_nps = Some((at, rating_id.to_string(), score));
            }
        }
    }

    /// Keeps the latest `cap` ratings, latest first.
    fn trim(&mut self, cap: i64) {
        self.recent.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        self.recent.truncate(cap.max(1) as usize);
    }

    fn negative_streak(&self) -> i64 {
        self.recent.iter().take_while(|r| r.2).count() as i64
    }
}

type RaterKey = (String, String);

pub async fn update(tx: &mut Tx, events: &[&Accepted], cap: i64) -> Result<(), sqlx::Error> {
    let mut arrived: BTreeMap<RaterKey, Vec<(&Accepted, RatingKind, i64, i64)>> = BTreeMap::new();
    for (e, pseudonym, r) in ratings(events) {
        arrived
            .entry((e.customer_id.clone(), pseudonym.to_string()))
            .or_default()
            .push((e, r.kind, r.scale, r.score));
    }
    if arrived.is_empty() {
        return Ok(());
    }
    let mut known = load(tx, arrived.keys()).await?;
    let mut rows = Rows::new(
        "analytics_rater",
        &[
            "customer_account_id",
            "pseudonym",
            "last_rated_at",
            "negative_streak",
            "last_nps",
            "last_nps_at",
            "recent",
        ],
        "on conflict (customer_account_id, pseudonym) do update set \
         last_rated_at = excluded.last_rated_at, negative_streak = excluded.negative_streak, \
         last_nps = excluded.last_nps, last_nps_at = excluded.last_nps_at, \
         recent = excluded.recent",
    );
    for (key, new) in arrived {
        let mut rater = known.remove(&key).unwrap_or_default();
        for (e, kind, scale, score) in new {
            rater.add(e.occurred_at, &e.event_id, kind, scale, score);
        }
        rater.trim(cap);
        let last_rated_at = rater.recent.first().map_or(0, |r| r.0);
        let recent = serde_json::to_string(&StoredRecent(rater.recent.clone()))
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        rows.push(vec![
            key.0.into(),
            key.1.into(),
            last_rated_at.into(),
            rater.negative_streak().into(),
            rater.last_nps.as_ref().map(|n| n.2).into(),
            rater.last_nps.as_ref().map(|n| n.0).into(),
            recent.into(),
        ]);
    }
    rows.write(tx).await?;
    Ok(())
}

async fn load<'a>(
    tx: &mut Tx,
    keys: impl Iterator<Item = &'a RaterKey>,
) -> Result<HashMap<RaterKey, Rater>, sqlx::Error> {
    let pseudonyms: Vec<&str> = keys.map(|(_, p)| p.as_str()).collect();
    let mut found = HashMap::new();
    for chunk in pseudonyms.chunks(500) {
        let sql = format!(
            "select customer_account_id, pseudonym, recent, last_nps, last_nps_at \
             from analytics_rater where pseudonym in ({})",
            placeholders(1, chunk.len())
        );
        let mut query =
            sqlx::query_as::<_, (String, String, String, Option<i64>, Option<i64>)>(&sql);
        for pseudonym in chunk {
            query = query.bind(*pseudonym);
        }
        for (customer, pseudonym, recent, last_nps, last_nps_at) in
            query.fetch_all(&mut **tx).await?
        {
            let recent = serde_json::from_str::<StoredRecent>(&recent)
                .map(|r| r.0)
                .unwrap_or_default();
            // A stored NPS carries no id: a later one at the same second replaces it.
            let last_nps = last_nps
                .zip(last_nps_at)
                .map(|(s, at)| (at, String::new(), s));
            found.insert((customer, pseudonym), Rater { recent, last_nps });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rater(ratings: &[(UnixTime, &str, i64)], cap: i64) -> Rater {
        let mut rater = Rater::default();
        for (at, id, score) in ratings {
            rater.add(*at, id, RatingKind::Csat, 5, *score);
        }
        rater.trim(cap);
        rater
    }

    #[test]
    fn a_late_rating_takes_its_place_in_time() {
        let in_order = rater(&[(1, "a", 1), (2, "b", 5), (3, "c", 1), (4, "d", 2)], 3);
        assert_eq!(in_order.negative_streak(), 2);
        let mut late = rater(&[(1, "a", 1), (3, "c", 1), (4, "d", 2)], 3);
        assert_eq!(late.negative_streak(), 3);
        late.add(2, "b", RatingKind::Csat, 5, 5);
        late.trim(3);
        assert_eq!(
            late.negative_streak(),
            2,
            "the late positive breaks the run"
        );
        assert_eq!(late.recent, in_order.recent);
    }

    #[test]
    fn the_latest_nps_is_the_latest_in_time_not_in_arrival() {
        let mut rater = Rater::default();
        rater.add(10, "b", RatingKind::Nps, 10, 9);
        rater.add(5, "a", RatingKind::Nps, 10, 3);
        assert_eq!(rater.last_nps.map(|n| n.2), Some(9));
    }
}
