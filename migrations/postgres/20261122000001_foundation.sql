create table customer_account (
    customer_account_id text primary key,
    name text not null,
    status text not null default 'active' check (status in ('active', 'suspended')),
    created_at bigint not null
);

create table person (
    person_id text primary key,
    email text not null,
    email_normalized text not null unique,
    display_name text not null,
    locale text,
    kind text not null check (kind in ('staff', 'customer')),
    status text not null default 'active' check (status in ('active', 'disabled')),
    created_at bigint not null
);

create table credential (
    person_id text primary key references person (person_id) on delete cascade,
    password_hash text not null,
    updated_at bigint not null
);

create table membership (
    person_id text not null references person (person_id) on delete cascade,
    customer_account_id text not null references customer_account (customer_account_id) on delete cascade,
    created_at bigint not null,
    primary key (person_id, customer_account_id)
);

create table membership_role (
    person_id text not null,
    customer_account_id text not null,
    role text not null,
    primary key (person_id, customer_account_id, role),
    foreign key (person_id, customer_account_id)
        references membership (person_id, customer_account_id) on delete cascade
);

create table staff_role (
    person_id text not null references person (person_id) on delete cascade,
    role text not null,
    primary key (person_id, role)
);

create table session (
    session_digest text primary key,
    sid text not null unique,
    person_id text not null references person (person_id) on delete cascade,
    active_customer_account_id text references customer_account (customer_account_id) on delete set null,
    auth_time bigint not null,
    created_at bigint not null,
    last_seen_at bigint not null,
    expires_at bigint not null
);
create index session_person on session (person_id);

create table client (
    client_id text primary key,
    name text not null,
    secret_digest text,
    redirect_uris text not null,
    post_logout_redirect_uris text not null,
    grant_types text not null,
    scopes text not null,
    id_token_alg text not null,
    subject_type text not null check (subject_type in ('public', 'pairwise')),
    sector_identifier text not null,
    created_at bigint not null
);

create table authorization_request (
    authorization_request_id text primary key,
    client_id text not null references client (client_id) on delete cascade,
    params text not null,
    -- what the person has done for this request so far (prompt=login, select_account, consent)
    login_at bigint,
    account_chosen_at bigint,
    consent_given_at bigint,
    created_at bigint not null,
    expires_at bigint not null
);

create table oauth_grant (
    grant_id text primary key,
    client_id text not null references client (client_id) on delete cascade,
    person_id text references person (person_id) on delete cascade,
    customer_account_id text,
    sid text,
    scope text not null,
    auth_time bigint,
    offline bigint not null,
    created_at bigint not null,
    revoked_at bigint
);
create index oauth_grant_person on oauth_grant (person_id);
create index oauth_grant_sid on oauth_grant (sid);

create table authorization_code (
    code_digest text primary key,
    grant_id text not null references oauth_grant (grant_id) on delete cascade,
    client_id text not null,
    redirect_uri text not null,
    code_challenge text,
    nonce text,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint
);

create table refresh_token (
    token_digest text primary key,
    grant_id text not null references oauth_grant (grant_id) on delete cascade,
    created_at bigint not null,
    expires_at bigint not null,
    rotated_at bigint
);
create index refresh_token_grant on refresh_token (grant_id);

create table revoked_access_token (
    jti text primary key,
    expires_at bigint not null
);

create table signing_key (
    kid text primary key,
    alg text not null,
    sealed_private_key bytea not null,
    public_jwk text not null,
    created_at bigint not null,
    retired_at bigint
);
