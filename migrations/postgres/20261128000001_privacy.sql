-- Data subject rights: the register of requests, legal holds, restriction, where portal
-- apps want security events and back-channel logouts, and the outbox rows that carry them.

-- How the audit log names a person: a random reference kept beside the subject key, so
-- that erasure, which deletes this row, leaves the chain intact but no longer tied to
-- anyone. The audit log never holds a person id.
alter table subject_key add column audit_ref text;
update subject_key set audit_ref = md5(random()::text || clock_timestamp()::text || person_id)
    where audit_ref is null;
create unique index subject_key_audit_ref on subject_key (audit_ref);

-- Art. 17(3): a reason the DPO gave for keeping a person's data; erasure is refused
-- while it is set. Art. 18: restricted processing (analytics and audiences skip them).
alter table person add column legal_hold_reason text;
alter table person add column legal_hold_at bigint;
alter table person add column restricted_at bigint;

-- Every data subject request (GDPR Art. 12 to 22). `person_id` is cleared when the person
-- is erased; `subject_ref` (the audit reference) is kept so the request still matches its
-- audit events. `deadline` is a calendar date (Art. 12(3), counted per Reg. 1182/71).
-- An erasure with `act_at` set is a job: the privacy worker carries it out when due,
-- also after a crash half-way.
create table dsr_request (
    dsr_id text primary key,
    kind text not null check (kind in ('access', 'portability', 'erasure', 'rectification', 'restriction', 'objection')),
    person_id text references person (person_id) on delete set null,
    subject_ref text,
    purpose_id text,
    channel text not null check (channel in ('self_service', 'email', 'letter', 'phone', 'in_person', 'api', 'retention')),
    verification text not null,
    received_at bigint not null,
    deadline text collate "C" not null,
    status text not null check (status in ('received', 'verified', 'in_progress', 'completed', 'rejected', 'extended')),
    status_reason text,
    act_at bigint,
    completed_at bigint,
    actions text not null default '[]',
    version bigint not null default 1
);
create index dsr_request_open on dsr_request (deadline, dsr_id) where status not in ('completed', 'rejected');
create index dsr_request_person on dsr_request (person_id);
create index dsr_request_due on dsr_request (act_at) where act_at is not null;

-- Where a client wants RFC 8935 security event tokens and OIDC back-channel logout tokens.
alter table client add column events_uri text;
alter table client add column backchannel_logout_uri text;

-- The outbox now carries security events and logout tokens to clients too; `client_id`
-- and `dsr_id` let a request show which apps confirmed. `recipient_digest` (SHA-256 of
-- the normalized address) lets erasure drop mail still waiting for the erased person.
alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check
    check (kind in ('email', 'security_event', 'logout_token'));
alter table outbox add column client_id text;
alter table outbox add column dsr_id text;
alter table outbox add column recipient_digest text;
create index outbox_dsr on outbox (dsr_id) where dsr_id is not null;
create index outbox_recipient on outbox (recipient_digest) where recipient_digest is not null;

-- Retention (policies/retention.toml). When a person last signed in, and when they were
-- warned that inactivity will erase them.
alter table person add column last_login_at bigint;
alter table person add column inactivity_warned_at bigint;
-- One janitor at a time across instances: a lease on this row.
create table janitor_lock (
    name text primary key,
    holder text not null,
    until bigint not null
);
-- The append-only tables refuse deletes unless the janitor's own transaction holds a permit
-- here: pruning the oldest audit events behind a signed checkpoint, and anonymous consent
-- decisions past their retention. No one else ever writes this table.
create table prune_permit (
    table_name text primary key
);
-- Where the audit chain now starts: events up to `through_seq` were pruned; the signed
-- checkpoint at that seq is what the rest is verified from.
create table audit_prune (
    through_seq bigint primary key,
    hash text not null,
    pruned_at bigint not null
);
create or replace function refuse_audit_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and exists (select 1 from prune_permit where table_name = 'audit_event') then
        return old;
    end if;
    raise exception 'audit_event is append-only';
end
$$;
create or replace function refuse_consent_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and exists (select 1 from prune_permit where table_name = 'consent_event') then
        return old;
    end if;
    raise exception 'consent_event is append-only';
end
$$;
-- The audit events of consent decisions deleted by retention (anonymous, past their time),
-- so verification knows those events rightly have no ledger row.
create table consent_pruned (
    audit_seq bigint primary key
);
