//! One person's analytics data, for their export (Art. 15/20) and their erasure (Art. 17).
//! Their rows are found through their pseudonym secret: a pseudonym per customer account
//! (every account, also ones they have left). Erasure deletes what could still say
//! something about them on its own (free-text answers, their survey rhythm); the counted
//! events and rollups stay, unlinkable once the secret is gone, so the customers'
//! figures do not change.

use super::pseudonym::{pseudonym, secret_of, survey_key};
use crate::clock::rfc3339;
use crate::db::{Db, Tx, placeholders};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// Pseudonym → customer account, over every customer account there is.
async fn pseudonyms_of(db: &Db, secret: &[u8; 32]) -> Result<HashMap<String, String>, sqlx::Error> {
    let accounts: Vec<(String,)> =
        sqlx::query_as("select customer_account_id from customer_account")
            .fetch_all(db)
            .await?;
    Ok(accounts
        .into_iter()
        .map(|(id,)| (pseudonym(secret, &id), id))
        .collect())
}

/// The `analytics` section of a person's export; empty when they have no secret.
pub async fn export(db: &Db, person_id: &str) -> Result<Value, sqlx::Error> {
    let Some(secret) = secret_of(db, person_id).await? else {
        return Ok(json!({}));
    };
    let pseudonyms = pseudonyms_of(db, &secret).await?;
    let keys: Vec<String> = pseudonyms.keys().cloned().collect();
    let mut months = Vec::new();
    let mut answers = Vec::new();
    // The account-months holding the person's raw events: each event about a person adds
    // to their monthly activity or is a rating, and rollups are kept as long as raw
    // events at least. A rating is found through its rater (a row per account the person
    // rated in), as ratings are not indexed by pseudonym.
    let mut event_months: BTreeSet<(String, i64)> = BTreeSet::new();
    for chunk in keys.chunks(500) {
        let marks = placeholders(1, chunk.len());
        let rated: Vec<(String, i64)> = bind_all(
            &format!(
                "select distinct g.pseudonym, g.month from analytics_rater r \
                 join analytics_rating g on g.customer_account_id = r.customer_account_id \
                 and g.pseudonym = r.pseudonym where r.pseudonym in ({marks})"
            ),
            chunk,
        )
        .fetch_all(db)
        .await?;
        event_months.extend(rated);
        let rows: Vec<(String, String, i64, i64, i64, i64, i64)> = bind_all(
            &format!(
                "select pseudonym, customer_account_id, month, logins, feature_uses, \
                 feature_weight, social from analytics_activity_month where pseudonym in ({marks}) \
                 order by month"
            ),
            chunk,
        )
        .fetch_all(db)
        .await?;
        for (p, customer, month, logins, uses, weight, social) in rows {
            event_months.insert((p, month));
            months.push(
                json!({"customer_id": customer, "month": super::calendar::month_text(month),
                "logins": logins, "feature_uses": uses, "feature_weight": weight,
                "social": social}),
            );
        }
        let rows: Vec<(String, String, i64, String)> = bind_all(
            &format!(
                "select pseudonym, customer_account_id, occurred_at, answer from analytics_answer \
                 where pseudonym in ({marks}) order by occurred_at"
            ),
            chunk,
        )
        .fetch_all(db)
        .await?;
        for (_, customer, at, answer) in rows {
            answers.push(json!({"customer_id": customer, "answered_at": rfc3339(at),
                "answer": answer}));
        }
    }
    let mut events = Vec::new();
    for (p, month) in event_months {
        let customer = &pseudonyms[&p];
        let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
            "select event_type, client_id, occurred_at, detail from analytics_event \
             where customer_account_id = $1 and day >= $2 and day < $3 and pseudonym = $4",
        )
        .bind(customer)
        .bind(month)
        .bind(super::calendar::add_months(month, 1))
        .bind(&p)
        .fetch_all(db)
        .await?;
        for (event_type, client_id, at, detail) in rows {
            let detail: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
            events.push((
                at,
                json!({"customer_id": customer, "type": event_type,
                "client_id": client_id, "occurred_at": rfc3339(at), "detail": detail}),
            ));
        }
    }
    events.sort_by_key(|(at, _)| *at);
    let events: Vec<Value> = events.into_iter().map(|(_, event)| event).collect();
    let survey: Option<(i64, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
        "select first_seen_at, last_answer_at, answers, last_offered_at from analytics_survey \
         where survey_key = $1",
    )
    .bind(survey_key(&secret))
    .fetch_optional(db)
    .await?;
    let survey = survey.map(|(seen, answered, count, offered)| {
        json!({"first_seen_at": rfc3339(seen), "last_answer_at": answered.map(rfc3339),
               "answers": count, "last_offered_at": offered.map(rfc3339)})
    });
    Ok(json!({
        "about": "Kept under a pseudonym per customer account; shown in figures of at least \
                  five people only. Erasure makes these rows unlinkable to you.",
        "events": events, "monthly_activity": months, "answers": answers,
        "relationship_survey": survey,
    }))
}

fn bind_all<'q, O>(
    sql: &'q str,
    values: &'q [String],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    let mut query = sqlx::query_as(sql);
    for value in values {
        query = query.bind(value);
    }
    query
}

/// Deletes, in the erasure's transaction and before the secret goes, what of a person's
/// analytics could still say something about them: their free-text answers and their
/// survey rhythm. Returns how many answers went.
pub async fn forget(tx: &mut Tx, person_id: &str) -> Result<u64, sqlx::Error> {
    let secret: Option<(String,)> =
        sqlx::query_as("select pseudonym_secret from subject_key where person_id = $1")
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(secret) = secret.and_then(|(s,)| crate::crypto::b64url_decode(&s)) else {
        return Ok(0);
    };
    let Ok(secret) = <[u8; 32]>::try_from(secret) else {
        return Ok(0);
    };
    let accounts: Vec<(String,)> =
        sqlx::query_as("select customer_account_id from customer_account")
            .fetch_all(&mut **tx)
            .await?;
    let keys: Vec<String> = accounts
        .iter()
        .map(|(id,)| pseudonym(&secret, id))
        .collect();
    let mut deleted = 0;
    for chunk in keys.chunks(500) {
        let sql = format!(
            "delete from analytics_answer where pseudonym in ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for key in chunk {
            query = query.bind(key);
        }
        deleted += query.execute(&mut **tx).await?.rows_affected();
    }
    sqlx::query("delete from analytics_survey where survey_key = $1")
        .bind(survey_key(&secret))
        .execute(&mut **tx)
        .await?;
    Ok(deleted)
}
