-- Raw events, laid out for ingest. Every index a batch writes into must grow at a few
-- places only: an index whose entries land all over a file of millions of rows makes a
-- commit write a page per event. Rows are appended (rowid order); two indexes:
--  * identity: an event is known by the client that sent it, its idempotency key and
--    when it happened, so a retry is turned away by this unique index (it replaces the
--    table of keys that was written beside every event). It leads with the day the event
--    happened, which `occurred_at` fixes: entries grow per day, retention deletes old
--    days from its start, and a rebuild reads in its order.
--  * account and day: a person's export reads the account-months their rollups name.
-- Events stored before this kept no link to their key: their id stands in for it.
create table analytics_event_new (
    event_id text not null,
    client_id text not null,
    idempotency_key text not null,
    customer_account_id text not null,
    pseudonym text,
    event_type text not null check (event_type in ('login', 'feature_used', 'rating', 'social',
        'case_opened', 'case_first_response', 'case_closed', 'news_published')),
    day integer not null,
    occurred_at integer not null,
    received_at integer not null,
    detail text not null
) strict;
insert into analytics_event_new (event_id, client_id, idempotency_key, customer_account_id,
    pseudonym, event_type, day, occurred_at, received_at, detail)
select event_id, client_id, event_id, customer_account_id, pseudonym, event_type,
    occurred_at - occurred_at % 86400, occurred_at, received_at, detail
from analytics_event order by occurred_at;
drop table analytics_event;
alter table analytics_event_new rename to analytics_event;
create unique index analytics_event_identity on analytics_event
    (day, client_id, idempotency_key, occurred_at);
create index analytics_event_account_day on analytics_event (customer_account_id, day);
drop table analytics_event_key;

-- Each rater keeps their latest ratings (as many as the run the policy looks for) and the
-- time of their latest NPS, so a rating arriving late is placed among them instead of the
-- rater's history being read again. Rows from before start from what they held.
alter table analytics_rater add column recent text not null default '[]';
alter table analytics_rater add column last_nps_at integer;
