-- Administration: the audit chain, the outbox, invitations, password resets, login
-- throttling, and what the admin API needs on existing tables (row versions for ETags,
-- normalized names for prefix search, staff roles of service clients).

alter table customer_account add column version bigint not null default 1;
alter table customer_account add column name_normalized text collate "C" not null default '';
update customer_account set name_normalized = lower(name);
create index customer_account_name on customer_account (name_normalized, customer_account_id);

-- Prefix search and keyset paging compare bytes, as SQLite does, whatever the
-- database's collation.
alter table person alter column email_normalized type text collate "C";
alter table person add column name_normalized text collate "C" not null default '';
alter table person add column version bigint not null default 1;
update person set name_normalized = lower(display_name);
create index person_name on person (name_normalized, person_id);

alter table membership add column version bigint not null default 1;
create index membership_customer on membership (customer_account_id, person_id);

alter table client add column roles text not null default '[]';
alter table client add column version bigint not null default 1;

alter table session add column user_agent text;
alter table session add column client_ip text;


-- The subjects pairwise clients know, so that a client's `sub` can be resolved back to
-- the person (permission checks). Deleted with the person.
create table pairwise_subject (
    sector_identifier text not null,
    subject text not null,
    person_id text not null references person (person_id) on delete cascade,
    primary key (sector_identifier, subject)
);
create index pairwise_subject_person on pairwise_subject (person_id);

-- Heads of append-only hash chains; appends lock the head row.
create table chain_head (
    chain text primary key,
    seq bigint not null check (seq >= 0),
    hash text not null check (length(hash) = 64)
);
insert into chain_head (chain, seq, hash)
    values ('audit', 0, '0000000000000000000000000000000000000000000000000000000000000000');

create table audit_event (
    seq bigint primary key check (seq > 0),
    occurred_at bigint not null,
    actor_kind text not null check (actor_kind in ('person', 'client', 'system', 'anonymous')),
    actor_id text,
    action text not null,
    target_kind text,
    target_id text,
    customer_account_id text,
    outcome text not null check (outcome in ('success', 'failure', 'denied')),
    details text not null,
    prev_hash text not null check (length(prev_hash) = 64),
    hash text not null check (length(hash) = 64)
);
create index audit_event_actor on audit_event (actor_id, seq);
create index audit_event_target on audit_event (target_id, seq);
create index audit_event_customer on audit_event (customer_account_id, seq);
create index audit_event_action on audit_event (action, seq);
create index audit_event_time on audit_event (occurred_at, seq);

create function refuse_audit_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_event is append-only';
end
$$;
create trigger audit_event_refuses_change before update or delete on audit_event
    for each row execute function refuse_audit_change();
create trigger audit_event_refuses_truncate before truncate on audit_event
    for each statement execute function refuse_audit_change();

-- Each event as one JSON document, so verification reads thousands of events per row:
-- the driver's cost per row, not hashing, would otherwise bound it (about 10 µs a row).
create view audit_event_document as
select seq, json_build_array(seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id,
                  customer_account_id, outcome, details, prev_hash, hash)::text as document
from audit_event;

-- Signed checkpoints of the chain head (`trohet audit checkpoint`); verification checks
-- the chain still holds each one. Copies kept outside the database prove a rewrite.
create table audit_checkpoint (
    seq bigint primary key,
    hash text not null,
    jws text not null,
    created_at bigint not null
);

-- Everything sent outside (e-mail today), written in the transaction that caused it and
-- delivered by a background task. The payload is emptied once delivered.
create table outbox (
    outbox_id text primary key,
    kind text not null check (kind in ('email')),
    payload text not null,
    created_at bigint not null,
    next_attempt_at bigint not null,
    attempts bigint not null default 0,
    claimed_until bigint,
    delivered_at bigint,
    failed_at bigint,
    last_error text
);
create index outbox_due on outbox (next_attempt_at) where delivered_at is null and failed_at is null;

create table invitation (
    invitation_id text primary key,
    customer_account_id text not null references customer_account (customer_account_id) on delete cascade,
    email text not null,
    email_normalized text not null,
    display_name text not null,
    locale text,
    roles text not null,
    token_digest text not null unique,
    invited_by text not null,
    created_at bigint not null,
    expires_at bigint not null,
    accepted_at bigint,
    withdrawn_at bigint
);
create index invitation_customer on invitation (customer_account_id, created_at);

create table password_reset (
    token_digest text primary key,
    person_id text not null references person (person_id) on delete cascade,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint
);
create index password_reset_person on password_reset (person_id);

-- Failed logins per account (keyed by a digest of the normalized email, so an unknown
-- address is throttled like a known one) and per client network.
create table login_throttle (
    throttle_key text primary key,
    failures bigint not null,
    window_started_at bigint not null,
    blocked_until bigint not null
);
