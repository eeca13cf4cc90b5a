-- Customer health analytics. No row here holds a person id, e-mail, name or `sub`: a
-- person's rows carry a pseudonym, HMAC-SHA-256(their pseudonym secret, customer account
-- id), and the secret (in subject_key) is deleted on erasure. Times are Unix seconds;
-- `day` and `month` are the Unix seconds at the start of the UTC day and month.

-- Raw events, append-only, kept as long as policies/retention.toml says. `detail` is a
-- JSON object without personal data (feature, kind, scale, score, touchpoint, item).
-- Staff engagement events have no pseudonym: they are about the customer account.
create table analytics_event (
    event_id text primary key,
    client_id text not null,
    customer_account_id text not null,
    pseudonym text,
    event_type text not null check (event_type in ('login', 'feature_used', 'rating', 'social',
        'case_opened', 'case_first_response', 'case_closed', 'news_published')),
    occurred_at integer not null,
    received_at integer not null,
    detail text not null
) strict;
create index analytics_event_time on analytics_event (occurred_at);
-- A person's export finds their events by their pseudonyms.
create index analytics_event_pseudonym on analytics_event (pseudonym);

-- The idempotency keys of accepted events, so that a retried batch is not counted twice.
create table analytics_event_key (
    client_id text not null,
    idempotency_key text not null,
    received_at integer not null,
    primary key (client_id, idempotency_key)
) strict;
create index analytics_event_key_received on analytics_event_key (received_at);

-- Rollups, maintained at ingest (and by `trohet analytics rebuild`): per person and day,
-- per person and month, so that reports count distinct people without raw events. On
-- SQLite they are stored in key order (without rowid): one account's rows are one range
-- of pages, not a row on each of thousands.
create table analytics_activity_day (
    customer_account_id text not null,
    day integer not null,
    pseudonym text not null,
    logins integer not null check (logins >= 0),
    feature_uses integer not null check (feature_uses >= 0),
    feature_weight integer not null check (feature_weight >= 0),
    social integer not null check (social >= 0),
    primary key (customer_account_id, day, pseudonym)
) strict, without rowid;

create table analytics_activity_month (
    customer_account_id text not null,
    month integer not null,
    pseudonym text not null,
    logins integer not null check (logins >= 0),
    feature_uses integer not null check (feature_uses >= 0),
    feature_weight integer not null check (feature_weight >= 0),
    social integer not null check (social >= 0),
    primary key (customer_account_id, month, pseudonym)
) strict, without rowid;
-- The portfolio reads every account's last months: an index holding what it sums.
create index analytics_activity_month_month on analytics_activity_month
    (month, customer_account_id, logins, feature_uses, feature_weight, social);
create index analytics_activity_month_pseudonym on analytics_activity_month (pseudonym);

-- One row per rating (its event id), without the free-text answer.
create table analytics_rating (
    rating_id text primary key,
    customer_account_id text not null,
    pseudonym text not null,
    occurred_at integer not null,
    month integer not null,
    kind text not null check (kind in ('csat', 'nps', 'ces')),
    scale integer not null check (scale in (3, 5, 7, 10)),
    score integer not null check (score >= 0 and score <= scale),
    touchpoint text not null check (touchpoint in ('purchase', 'delivery', 'use', 'support_case', 'renewal', 'relationship')),
    item_id text
) strict;
create index analytics_rating_customer on analytics_rating (customer_account_id, month);
create index analytics_rating_month on analytics_rating
    (month, kind, customer_account_id, score, pseudonym);
create index analytics_rating_pseudonym on analytics_rating (pseudonym, occurred_at);

-- Free-text answers to the open question: only with the pseudonym, in the person's export
-- while the secret exists, deleted on erasure, never in an aggregate.
create table analytics_answer (
    rating_id text primary key,
    customer_account_id text not null,
    pseudonym text not null,
    occurred_at integer not null,
    answer text not null
) strict;
create index analytics_answer_pseudonym on analytics_answer (pseudonym);
create index analytics_answer_time on analytics_answer (occurred_at);

-- Each rater's latest ratings, for the "one unhappy person" signal.
create table analytics_rater (
    customer_account_id text not null,
    pseudonym text not null,
    last_rated_at integer not null,
    negative_streak integer not null check (negative_streak >= 0),
    last_nps integer,
    primary key (customer_account_id, pseudonym)
) strict;
create index analytics_rater_time on analytics_rater (last_rated_at);
create index analytics_rater_pseudonym on analytics_rater (pseudonym);

-- Support cases as the portal app knows them, for staff response times.
create table analytics_case (
    client_id text not null,
    case_id text not null,
    customer_account_id text not null,
    opened_at integer,
    first_response_at integer,
    closed_at integer,
    primary key (client_id, case_id)
) strict;
create index analytics_case_customer on analytics_case (customer_account_id, opened_at);
create index analytics_case_opened on analytics_case (opened_at);

-- Per customer account and day: what needs no people (news published, cases closed) and
-- the last sign-in.
create table analytics_account_day (
    customer_account_id text not null,
    day integer not null,
    month integer not null,
    logins integer not null check (logins >= 0),
    news_published integer not null check (news_published >= 0),
    cases_opened integer not null check (cases_opened >= 0),
    cases_closed integer not null check (cases_closed >= 0),
    primary key (customer_account_id, day)
) strict, without rowid;

create table analytics_last_login (
    customer_account_id text primary key,
    last_login_at integer not null
) strict;

-- When to ask a person the relationship NPS, keyed by HMAC(pseudonym secret, "survey"):
-- unlinkable once the secret is gone.
create table analytics_survey (
    survey_key text primary key,
    first_seen_at integer not null,
    first_answer_at integer,
    last_answer_at integer,
    answers integer not null default 0,
    last_offered_at integer
) strict;
