//! Each rater's run of negative ratings and latest NPS, kept at ingest for the "one
//! unhappy person" signal. Ratings arriving in time order extend the run; a rating older
//! than the rater's latest (an app catching up) makes the run be counted again from the
//! stored ratings, so the result never depends on the order events arrived in.

use super::event::{RatingKind, negative};
use super::rollups::ratings;
use super::rows::Rows;
use super::write::Accepted;
use crate::clock::UnixTime;
use crate::db::{Tx, placeholders};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
struct Rater {
    last_rated_at: UnixTime,
    negative_streak: i64,
    last_nps: Option<i64>,
}

type RaterKey = (String, String);
/// A rating as it arrived: (time, event id, kind, scale, score).
type Arrival<'a> = (UnixTime, &'a str, RatingKind, i64, i64);

pub async fn update(tx: &mut Tx, events: &[Accepted], cap: i64) -> Result<(), sqlx::Error> {
    let mut arrived: BTreeMap<RaterKey, Vec<Arrival>> = BTreeMap::new();
    for (e, pseudonym, r) in ratings(events) {
        arrived
            .entry((e.customer_id.clone(), pseudonym.to_string()))
            .or_default()
            .push((e.occurred_at, &e.event_id, r.kind, r.scale, r.score));
    }
    if arrived.is_empty() {
        return Ok(());
    }
    let known = load(tx, arrived.keys()).await?;
    let mut rows = Rows::new(
        "analytics_rater",
        &[
            "customer_account_id",
            "pseudonym",
            "last_rated_at",
            "negative_streak",
            "last_nps",
        ],
        "on conflict (customer_account_id, pseudonym) do update set \
         last_rated_at = excluded.last_rated_at, negative_streak = excluded.negative_streak, \
         last_nps = excluded.last_nps",
    );
    for (key, mut new) in arrived {
        new.sort();
        let before = known.get(&key).copied();
        let rater = match before {
            Some(b) if b.last_rated_at >= new[0].0 => recount(tx, &key, cap).await?,
            _ => {
                let mut rater = before.unwrap_or(Rater {
                    last_rated_at: new[0].0,
                    negative_streak: 0,
                    last_nps: None,
                });
                for (at, _, kind, scale, score) in new {
                    rater.last_rated_at = at;
                    rater.negative_streak = match negative(kind, scale, score) {
                        true => (rater.negative_streak + 1).min(cap),
                        false => 0,
                    };
                    if kind == RatingKind::Nps {
                        rater.last_nps = Some(score);
                    }
                }
                rater
            }
        };
        rows.push(vec![
            key.0.into(),
            key.1.into(),
            rater.last_rated_at.into(),
            rater.negative_streak.into(),
            rater.last_nps.into(),
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
            "select customer_account_id, pseudonym, last_rated_at, negative_streak, last_nps \
             from analytics_rater where pseudonym in ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, String, i64, i64, Option<i64>)>(&sql);
        for pseudonym in chunk {
            query = query.bind(*pseudonym);
        }
        for (customer, pseudonym, last_rated_at, negative_streak, last_nps) in
            query.fetch_all(&mut **tx).await?
        {
            let rater = Rater {
                last_rated_at,
                negative_streak,
                last_nps,
            };
            found.insert((customer, pseudonym), rater);
        }
    }
    Ok(found)
}

/// Counts a rater's run and latest NPS again from the stored ratings.
async fn recount(tx: &mut Tx, key: &RaterKey, cap: i64) -> Result<Rater, sqlx::Error> {
    let latest: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "select occurred_at, kind, scale, score from analytics_rating \
         where customer_account_id = $1 and pseudonym = $2 \
         order by occurred_at desc, rating_id desc limit $3",
    )
    .bind(&key.0)
    .bind(&key.1)
    .bind(cap)
    .fetch_all(&mut **tx)
    .await?;
    let last_nps: Option<(i64,)> = sqlx::query_as(
        "select score from analytics_rating where customer_account_id = $1 and pseudonym = $2 \
         and kind = 'nps' order by occurred_at desc, rating_id desc limit 1",
    )
    .bind(&key.0)
    .bind(&key.1)
    .fetch_optional(&mut **tx)
    .await?;
    let streak = latest
        .iter()
        .take_while(|(_, kind, scale, score)| {
            RatingKind::parse(kind).is_some_and(|k| negative(k, *scale, *score))
        })
        .count();
    Ok(Rater {
        last_rated_at: latest.first().map_or(0, |r| r.0),
        negative_streak: streak as i64,
        last_nps: last_nps.map(|(score,)| score),
    })
}
