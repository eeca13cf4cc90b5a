-- Consent: the purposes' texts as served, each person's subject key, and the append-only
-- ledger of decisions (GDPR Art. 7(1): the portal owner must be able to demonstrate each
-- consent).

-- Every version of every purpose trohet ever served, so a decision can always show the
-- words behind it. `seq` orders a purpose's versions as they were first served;
-- `material` says whether the version asked everyone again.
create table purpose_version (
    purpose_id text not null,
    version text not null check (length(version) = 64),
    seq integer not null check (seq > 0),
    material integer not null check (material in (0, 1)),
    legal_basis text not null
        check (legal_basis in ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    texts text not null,
    first_served_at integer not null,
    primary key (purpose_id, version),
    unique (purpose_id, seq)
) strict;

-- A person's keys, apart from the person so that erasure can destroy them: the ledger
-- names a person only by a digest keyed with `subject_key`, and analytics by a pseudonym
-- keyed with `pseudonym_secret`. Once this row is gone, those rows are anonymous.
create table subject_key (
    person_id text primary key references person (person_id) on delete cascade,
    subject_key text not null,
    pseudonym_secret text not null,
    created_at integer not null
) strict;

-- One row per decision, never changed. `subject` is HMAC-SHA-256(subject key, "consent"),
-- never the person id, e-mail or a client's `sub`. `entry_hash` covers every other column
-- and is in the audit event at `audit_seq`, so an edit is caught by `trohet audit verify`.
create table consent_event (
    consent_event_id integer primary key,
    receipt_id text not null unique,
    subject text not null,
    purpose_id text not null,
    purpose_version text not null,
    decision text not null check (decision in ('granted', 'refused', 'withdrawn')),
    method text not null check (method in ('login_prompt', 'account_page', 'portal_app', 'staff')),
    client_id text,
    note text,
    language text not null check (language in ('en', 'sv')),
    recorded_at integer not null,
    entry_hash text not null check (length(entry_hash) = 64),
    audit_seq integer not null unique,
    foreign key (purpose_id, purpose_version) references purpose_version (purpose_id, version)
) strict;
create index consent_event_subject on consent_event (subject, purpose_id, consent_event_id);
create index consent_event_purpose on consent_event (purpose_id, consent_event_id);

create trigger consent_event_refuses_update before update on consent_event
begin
    select raise(abort, 'consent_event is append-only');
end;
create trigger consent_event_refuses_delete before delete on consent_event
begin
    select raise(abort, 'consent_event is append-only');
end;

-- What a person allowed each client (OAuth consent, remembered): the next login with the
-- same or fewer scopes skips the consent page. First-party clients (the portal owner's own
-- apps) never ask.
alter table client add column first_party integer not null default 0 check (first_party in (0, 1));

create table scope_grant (
    person_id text not null references person (person_id) on delete cascade,
    client_id text not null references client (client_id) on delete cascade,
    scope text not null,
    granted_at integer not null,
    last_used_at integer not null,
    primary key (person_id, client_id)
) strict;

-- The page after login that asks about purposes not yet decided: a request remembers that
-- it was shown, and a session that chose "decide later" is not asked again.
alter table authorization_request add column purposes_asked_at integer;

create table purpose_prompt_deferral (
    sid text primary key references session (sid) on delete cascade,
    deferred_at integer not null
) strict;

-- Each person's latest decision per purpose: a cache of the ledger, written in the
-- transaction of each ledger row (and rebuilt from the ledger in the tests), so that the
-- people who grant a purpose can be listed (audiences). It names the person, so it goes
-- with them; the ledger does not.
create table consent_current (
    person_id text not null references person (person_id) on delete cascade,
    purpose_id text not null,
    purpose_version text not null,
    decision text not null check (decision in ('granted', 'refused', 'withdrawn')),
    receipt_id text not null,
    primary key (person_id, purpose_id)
) strict;
create index consent_current_purpose on consent_current (purpose_id, decision, person_id);

-- The news topics a person chose (policies/interests.toml); kept only while they grant
-- the purpose the topics serve.
create table person_interest (
    person_id text not null references person (person_id) on delete cascade,
    topic text not null,
    chosen_at integer not null,
    primary key (person_id, topic)
) strict;
create index person_interest_topic on person_interest (topic, person_id);

-- Each ledger row as one JSON document, so that a history of a thousand decisions is read
-- as a thousand single-column rows: the driver's cost per column, not SQL, bounded it.
create view consent_event_document as
select consent_event_id, receipt_id, subject, json_array(receipt_id, subject, purpose_id, purpose_version, decision, method, client_id, note, language, recorded_at, entry_hash, audit_seq) as document
from consent_event;
-- A history reads the newest rows of one subject: this index walks them in order and stops.
create index consent_event_history on consent_event (subject, consent_event_id);
