-- GDPR Art. 16 (rectification), self-service: a person asks to change their e-mail address
-- and confirms it from the new address. Only a SHA-256 digest of the link's token is
-- kept; a link lives 24 hours and is used once. Erasing the person removes pending ones.
create table email_change (
    token_digest text primary key check (length(token_digest) = 64),
    person_id text not null references person (person_id) on delete cascade,
    new_email text not null,
    new_email_normalized text not null,
    created_at integer not null,
    expires_at integer not null check (expires_at > created_at),
    used_at integer
) strict;
create index email_change_person on email_change (person_id);
