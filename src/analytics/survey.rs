//! When to ask a person the relationship NPS (`GET /api/v1/surveys/due`): only with
//! `satisfaction-surveys` granted; first `first_after_days` after trohet first saw them
//! sign in, then `after_first_answer_days` after their first answer, then every
//! `every_days`. Saying "due" marks the offer, so however many apps ask, only one is told
//! to ask; an offer left unanswered is made again after the same interval.

use super::error::AnalyticsError;
use super::event::{Fact, Touchpoint};
use super::policy::SurveyIntervals;
use super::pseudonym::{secret_of, survey_key};
use super::rows::Rows;
use super::write::Accepted;
use super::{Analytics, SURVEYS_PURPOSE};
use crate::clock::UnixTime;
use crate::db::{Db, Tx};
use std::collections::BTreeMap;

/// Where one person's survey rhythm stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SurveyState {
    pub first_seen_at: UnixTime,
    pub first_answer_at: Option<UnixTime>,
    pub last_answer_at: Option<UnixTime>,
    pub answers: i64,
    pub last_offered_at: Option<UnixTime>,
}

/// The answer to "ask now?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// The person has not granted `satisfaction-surveys` (or is restricted).
    NoConsent,
    /// Ask now; no other app will be told so until `next_due_at`.
    Now {
        next_due_at: UnixTime,
    },
    Later {
        next_due_at: UnixTime,
    },
}

/// When the next relationship NPS falls due.
pub fn next_due(state: &SurveyState, intervals: &SurveyIntervals) -> UnixTime {
    let (base, interval) = match (state.answers, state.first_answer_at, state.last_answer_at) {
        (0, _, _) | (_, None, _) => (
            state.first_seen_at + intervals.first_after_secs,
            intervals.after_first_answer_secs,
        ),
        (1, Some(first), _) => (
            first + intervals.after_first_answer_secs,
            intervals.after_first_answer_secs,
        ),
        (_, Some(first), last) => (
            last.unwrap_or(first) + intervals.every_secs,
            intervals.every_secs,
        ),
    };
    let answered = state.last_answer_at.unwrap_or(i64::MIN);
    match state.last_offered_at {
        Some(offered) if offered > answered => base.max(offered + interval),
        _ => base,
    }
}

impl Analytics {
    pub async fn survey_due(&self, client_id: &str, sub: &str) -> Result<Due, AnalyticsError> {
        let person = self
            .provider
            .person_of(client_id, sub)
            .await?
            .ok_or(AnalyticsError::UnknownSubject)?;
        // A public `sub` names a person who may not exist.
        let exists: Option<(String,)> =
            sqlx::query_as("select person_id from person where person_id = $1")
                .bind(&person)
                .fetch_optional(&self.db)
                .await?;
        if exists.is_none() {
            return Err(AnalyticsError::UnknownSubject);
        }
        let ids = [person.clone()];
        if !self
            .consent
            .granting_among(SURVEYS_PURPOSE, &ids)
            .await?
            .contains(&person)
        {
            return Ok(Due::NoConsent);
        }
        let secret = secret_of(&self.db, &person)
            .await?
            .ok_or(AnalyticsError::UnknownSubject)?;
        let key = survey_key(&secret);
        let now = self.clock.now();
        let state = state_or_start(&self.db, &key, now).await?;
        let next = next_due(&state, &self.policy.surveys);
        if next > now {
            return Ok(Due::Later { next_due_at: next });
        }
        // Only the caller whose update lands is told to ask; a sibling asking at the same
        // moment reads the offer and is told "later".
        let offered = sqlx::query(
            "update analytics_survey set last_offered_at = $1 where survey_key = $2 \
             and (last_offered_at is null and $3 = 0 or last_offered_at = $3)",
        )
        .bind(now)
        .bind(&key)
        .bind(state.last_offered_at.unwrap_or(0))
        .execute(&self.db)
        .await?;
        let after = SurveyState {
            last_offered_at: Some(now),
            ..state
        };
        let next_due_at = next_due(&after, &self.policy.surveys);
        match offered.rows_affected() {
            1 => Ok(Due::Now { next_due_at }),
            _ => Ok(Due::Later { next_due_at }),
        }
    }

    /// Notes that a person who grants surveys signed in, starting their rhythm.
    pub(super) async fn seen_signing_in(
        &self,
        secret: &[u8; 32],
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        state_or_start(&self.db, &survey_key(secret), now).await?;
        Ok(())
    }
}

async fn state_or_start(db: &Db, key: &str, now: UnixTime) -> Result<SurveyState, sqlx::Error> {
    sqlx::query(
        "insert into analytics_survey (survey_key, first_seen_at, answers) values ($1, $2, 0) \
         on conflict (survey_key) do nothing",
    )
    .bind(key)
    .bind(now)
    .execute(db)
    .await?;
    sqlx::query_as(
        "select first_seen_at, first_answer_at, last_answer_at, answers, last_offered_at \
         from analytics_survey where survey_key = $1",
    )
    .bind(key)
    .fetch_one(db)
    .await
}

/// Moves the rhythm of everyone who answered the relationship NPS among the events: one
/// statement, each person's answers added up first (a statement may not update a row
/// twice).
pub async fn answered(tx: &mut Tx, events: &[&Accepted]) -> Result<(), sqlx::Error> {
    // Survey key → (answers, first, last).
    let mut answers: BTreeMap<&str, (i64, UnixTime, UnixTime)> = BTreeMap::new();
    for e in events {
        let (Fact::Rating(rating), Some(key)) = (&e.fact, &e.survey_key) else {
            continue;
        };
        if rating.touchpoint != Touchpoint::Relationship {
            continue;
        }
        let entry = answers
            .entry(key)
            .or_insert((0, e.occurred_at, e.occurred_at));
        *entry = (
            entry.0 + 1,
            entry.1.min(e.occurred_at),
            entry.2.max(e.occurred_at),
        );
    }
    let mut rows = Rows::new(
        "analytics_survey",
        &[
            "survey_key",
            "first_seen_at",
            "first_answer_at",
            "last_answer_at",
            "answers",
        ],
        "on conflict (survey_key) do update set \
         answers = analytics_survey.answers + excluded.answers, \
         first_answer_at = case when analytics_survey.first_answer_at is null \
           or excluded.first_answer_at < analytics_survey.first_answer_at \
           then excluded.first_answer_at else analytics_survey.first_answer_at end, \
         last_answer_at = case when analytics_survey.last_answer_at is null \
           or excluded.last_answer_at > analytics_survey.last_answer_at \
           then excluded.last_answer_at else analytics_survey.last_answer_at end",
    );
    for (key, (count, first, last)) in answers {
        rows.push(vec![
            key.into(),
            first.into(),
            first.into(),
            last.into(),
            count.into(),
        ]);
    }
    rows.write(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const INTERVALS: SurveyIntervals = SurveyIntervals {
        first_after_secs: 7 * DAY,
        after_first_answer_secs: 30 * DAY,
        every_secs: 90 * DAY,
    };

    fn state(
        answers: i64,
        first: Option<i64>,
        last: Option<i64>,
        offered: Option<i64>,
    ) -> SurveyState {
        SurveyState {
            first_seen_at: 0,
            first_answer_at: first,
            last_answer_at: last,
            answers,
            last_offered_at: offered,
        }
    }

    #[test]
    fn the_first_survey_is_a_week_after_the_first_sign_in() {
        assert_eq!(next_due(&state(0, None, None, None), &INTERVALS), 7 * DAY);
    }

    #[test]
    fn after_the_first_answer_thirty_days_then_every_ninety() {
        let first = 10 * DAY;
        assert_eq!(
            next_due(&state(1, Some(first), Some(first), None), &INTERVALS),
            40 * DAY
        );
        let second = 45 * DAY;
        assert_eq!(
            next_due(
                &state(2, Some(first), Some(second), Some(44 * DAY)),
                &INTERVALS
            ),
            135 * DAY
        );
    }

    #[test]
    fn an_unanswered_offer_is_not_made_again_within_the_interval() {
        let offered = 8 * DAY;
        assert_eq!(
            next_due(&state(0, None, None, Some(offered)), &INTERVALS),
            offered + 30 * DAY
        );
    }
}
