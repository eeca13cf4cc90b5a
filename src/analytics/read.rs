//! The SQL that reports read: rollups only, never raw events.

use super::calendar::Span;
use crate::clock::UnixTime;
use crate::db::Db;

/// One person's activity on one day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub day: i64,
    pub pseudonym: String,
    pub logins: i64,
    pub feature_uses: i64,
    pub feature_weight: i64,
    pub social: i64,
}

/// One rating, without its answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingRow {
    pub month: i64,
    pub pseudonym: String,
    pub kind: String,
    pub scale: i64,
    pub score: i64,
    pub touchpoint: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountDayRow {
    pub day: i64,
    pub news_published: i64,
    pub cases_opened: i64,
    pub cases_closed: i64,
}

/// Seconds from a case opened to its first staff response.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResponseRow {
    pub opened_at: i64,
    pub seconds: i64,
}

pub async fn activity(
    db: &Db,
    customer: &str,
    span: Span,
) -> Result<Vec<ActivityRow>, sqlx::Error> {
    sqlx::query_as(
        "select day, pseudonym, logins, feature_uses, feature_weight, social \
         from analytics_activity_day where customer_account_id = $1 and day >= $2 and day < $3",
    )
    .bind(customer)
    .bind(span.start)
    .bind(span.end)
    .fetch_all(db)
    .await
}

pub async fn ratings(db: &Db, customer: &str, span: Span) -> Result<Vec<RatingRow>, sqlx::Error> {
    sqlx::query_as(
        "select month, pseudonym, kind, scale, score, touchpoint from analytics_rating \
         where customer_account_id = $1 and month >= $2 and month < $3",
    )
    .bind(customer)
    .bind(span.start)
    .bind(span.end)
    .fetch_all(db)
    .await
}

pub async fn account_days(
    db: &Db,
    customer: &str,
    span: Span,
) -> Result<Vec<AccountDayRow>, sqlx::Error> {
    sqlx::query_as(
        "select day, news_published, cases_opened, cases_closed from analytics_account_day \
         where customer_account_id = $1 and day >= $2 and day < $3",
    )
    .bind(customer)
    .bind(span.start)
    .bind(span.end)
    .fetch_all(db)
    .await
}

pub async fn responses(
    db: &Db,
    customer: &str,
    span: Span,
) -> Result<Vec<ResponseRow>, sqlx::Error> {
    sqlx::query_as(
        "select opened_at, first_response_at - opened_at as seconds from analytics_case \
         where customer_account_id = $1 and opened_at >= $2 and opened_at < $3 \
         and first_response_at is not null",
    )
    .bind(customer)
    .bind(span.start)
    .bind(span.end)
    .fetch_all(db)
    .await
}

pub async fn last_login(db: &Db, customer: &str) -> Result<Option<UnixTime>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "select last_login_at from analytics_last_login where customer_account_id = $1",
    )
    .bind(customer)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(at,)| at))
}

/// Raters of the account who rated since `since`: (how many, how many of them are on a
/// run of `run` negative ratings with a detractor's latest NPS).
pub async fn raters(
    db: &Db,
    customer: &str,
    since: UnixTime,
    run: i64,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "select count(*), coalesce(sum(case when negative_streak >= $3 and last_nps <= 6 \
         then 1 else 0 end), 0) from analytics_rater \
         where customer_account_id = $1 and last_rated_at >= $2",
    )
    .bind(customer)
    .bind(since)
    .bind(run)
    .fetch_one(db)
    .await
}

/// The account's name, if it exists.
pub async fn customer_name(db: &Db, customer: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("select name from customer_account where customer_account_id = $1")
            .bind(customer)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(name,)| name))
}
