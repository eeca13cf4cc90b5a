-- Raw events, laid out for ingest (see the SQLite migration of the same name). An event
-- is known by the client that sent it, its idempotency key and when it happened: the raw
-- table's own unique index turns a retry away, instead of a table of keys written beside
-- every event. It leads with the day the event happened (which `occurred_at` fixes), so
-- entries grow per day, and holds `occurred_at`, as a unique index of a table partitioned
-- by it must. A person's export reads the account-months their rollups name, by account
-- and day; retention drops whole months. Events stored before this kept no link to their
-- key: their id stands in for it.
alter table analytics_event add column idempotency_key text;
alter table analytics_event add column day bigint;
update analytics_event set idempotency_key = event_id, day = occurred_at - occurred_at % 86400;
alter table analytics_event alter column idempotency_key set not null;
alter table analytics_event alter column day set not null;
drop index analytics_event_time;
drop index analytics_event_pseudonym;
create unique index analytics_event_identity on analytics_event
    (day, client_id, idempotency_key, occurred_at);
create index analytics_event_account_day on analytics_event (customer_account_id, day);
drop table analytics_event_key;

-- Each rater keeps their latest ratings (as many as the run the policy looks for) and the
-- time of their latest NPS, so a rating arriving late is placed among them instead of the
-- rater's history being read again. Rows from before start from what they held.
alter table analytics_rater add column recent text not null default '[]';
alter table analytics_rater add column last_nps_at bigint;
