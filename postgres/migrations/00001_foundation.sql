-- +goose Up
-- Constraints are named explicitly: the store maps a violated constraint's
-- name to the input field at fault.
CREATE TABLE agencies (
    id       uuid NOT NULL CONSTRAINT agencies_pkey PRIMARY KEY,
    code     text NOT NULL CONSTRAINT agencies_code_key UNIQUE,
    name     text NOT NULL,
    kind     text NOT NULL,
    country  text NOT NULL,
    contacts jsonb NOT NULL DEFAULT '[]',
    created  timestamptz NOT NULL,
    updated  timestamptz NOT NULL
);

CREATE TABLE users (
    id             uuid NOT NULL CONSTRAINT users_pkey PRIMARY KEY,
    login          text NOT NULL CONSTRAINT users_login_key UNIQUE,
    name           text NOT NULL,
    email          text NOT NULL,
    agency_id      uuid NOT NULL CONSTRAINT users_agency_id_fkey REFERENCES agencies (id),
    roles          text[] NOT NULL DEFAULT '{}',
    sworn          boolean NOT NULL DEFAULT false,
    part23_trained boolean NOT NULL DEFAULT false,
    clearance      text NOT NULL DEFAULT 'none',
    disabled       boolean NOT NULL DEFAULT false,
    locked         timestamptz,
    mfa_enrolled   timestamptz,
    password_hash  text NOT NULL DEFAULT '',
    totp_secret    text NOT NULL DEFAULT '',
    totp_last_step bigint NOT NULL DEFAULT 0,
    created        timestamptz NOT NULL,
    updated        timestamptz NOT NULL
);
CREATE INDEX users_agency ON users (agency_id, id);

CREATE TABLE communities (
    id          uuid NOT NULL CONSTRAINT communities_pkey PRIMARY KEY,
    name        text NOT NULL CONSTRAINT communities_name_key UNIQUE,
    kind        text NOT NULL,
    description text NOT NULL DEFAULT '',
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);

CREATE TABLE community_members (
    community_id uuid NOT NULL CONSTRAINT community_members_community_id_fkey
        REFERENCES communities (id) ON DELETE CASCADE,
    agency_id    uuid NOT NULL CONSTRAINT community_members_agency_id_fkey REFERENCES agencies (id),
    CONSTRAINT community_members_pkey PRIMARY KEY (community_id, agency_id)
);
CREATE INDEX community_members_agency ON community_members (agency_id);

CREATE TABLE agreements (
    id                    uuid NOT NULL CONSTRAINT agreements_pkey PRIMARY KEY,
    agency_id             uuid NOT NULL CONSTRAINT agreements_agency_id_fkey REFERENCES agencies (id),
    community_id          uuid NOT NULL CONSTRAINT agreements_community_id_fkey REFERENCES communities (id),
    legal_basis           text NOT NULL,
    purposes              text[] NOT NULL,
    record_kinds          text[] NOT NULL,
    pii_allowed           boolean NOT NULL,
    international_release boolean NOT NULL,
    private_release       boolean NOT NULL,
    expires               timestamptz NOT NULL,
    created               timestamptz NOT NULL,
    updated               timestamptz NOT NULL
);
CREATE INDEX agreements_agency ON agreements (agency_id);
CREATE INDEX agreements_community ON agreements (community_id);

CREATE TABLE sessions (
    id            uuid NOT NULL CONSTRAINT sessions_pkey PRIMARY KEY,
    token_hash    text NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    user_id       uuid NOT NULL CONSTRAINT sessions_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    mfa_done      boolean NOT NULL,
    created       timestamptz NOT NULL,
    authenticated timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    ip            text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         uuid NOT NULL CONSTRAINT api_tokens_pkey PRIMARY KEY,
    user_id    uuid NOT NULL CONSTRAINT api_tokens_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    token_hash text NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
    prefix     text NOT NULL,
    scopes     text[] NOT NULL,
    created    timestamptz NOT NULL,
    expires    timestamptz NOT NULL,
    last_used  timestamptz,
    revoked    timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

CREATE TABLE login_attempts (
    id      uuid NOT NULL CONSTRAINT login_attempts_pkey PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT login_attempts_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    at      timestamptz NOT NULL,
    success boolean NOT NULL,
    factor  text NOT NULL,
    ip      text NOT NULL DEFAULT ''
);
CREATE INDEX login_attempts_user ON login_attempts (user_id, at);

CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL CONSTRAINT recovery_codes_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used      timestamptz,
    CONSTRAINT recovery_codes_pkey PRIMARY KEY (user_id, code_hash)
);

-- The audit log: an append-only RFC 6962 Merkle tree. idx is the leaf
-- index (dense, from 0); leaf is its record hash; audit_hashes holds the
-- stored tree hashes (tlog.StoredHashIndex order). user_id, agency_id and
-- object_id are free text: they may be empty or name objects kept elsewhere.
CREATE TABLE audit_events (
    idx         bigint NOT NULL CONSTRAINT audit_events_pkey PRIMARY KEY,
    at          timestamptz NOT NULL,
    user_id     text NOT NULL DEFAULT '',
    agency_id   text NOT NULL DEFAULT '',
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    outcome     text NOT NULL,
    entry       bytea NOT NULL, -- the canonical entry: the truth, hashed into leaf
    leaf        bytea NOT NULL
);
-- Search indexes: by user ("everything U did"), by object ("who accessed
-- X") and by time (reviews, reports; agency and action filters ride on it).
-- Each index is a B-tree write per entry: indexes on agency and action cost
-- 8% of audited write throughput (BENCHMARKS.md) and were left out.
CREATE INDEX audit_events_user ON audit_events (user_id, idx);
CREATE INDEX audit_events_object ON audit_events (object_id, idx);
CREATE INDEX audit_events_at ON audit_events (at);

-- Audit events wait here, written in the transaction of their act, until
-- the sequencer appends them to the Merkle log in one batch.
CREATE TABLE audit_queue (
    id    uuid NOT NULL CONSTRAINT audit_queue_pkey PRIMARY KEY,
    event bytea NOT NULL
);

CREATE TABLE audit_hashes (
    idx  bigint NOT NULL CONSTRAINT audit_hashes_pkey PRIMARY KEY,
    hash bytea NOT NULL
);

CREATE TABLE audit_checkpoints (
    size    bigint NOT NULL CONSTRAINT audit_checkpoints_pkey PRIMARY KEY,
    root    bytea NOT NULL,
    note    text NOT NULL,
    created timestamptz NOT NULL
);

CREATE TABLE audit_keys (
    verifier_key text NOT NULL CONSTRAINT audit_keys_pkey PRIMARY KEY,
    created      timestamptz NOT NULL
);

-- The dissemination ledger: one row per release outside the originator.
CREATE TABLE disseminations (
    id                  uuid NOT NULL CONSTRAINT disseminations_pkey PRIMARY KEY,
    at                  timestamptz NOT NULL,
    item_kind           text NOT NULL,
    item_id             text NOT NULL,
    recipient_user_id   uuid NOT NULL CONSTRAINT disseminations_recipient_user_id_fkey REFERENCES users (id),
    recipient_agency_id uuid NOT NULL CONSTRAINT disseminations_recipient_agency_id_fkey REFERENCES agencies (id),
    tlp                 text NOT NULL,
    handling            text NOT NULL DEFAULT '',
    sensitivity         text NOT NULL DEFAULT '',
    originator_id       text NOT NULL,
    purpose             text NOT NULL,
    redacted            boolean NOT NULL,
    audit_event_id      text NOT NULL
);
CREATE INDEX disseminations_item ON disseminations (item_id, id);
CREATE INDEX disseminations_recipient ON disseminations (recipient_agency_id, id);
CREATE INDEX disseminations_originator ON disseminations (originator_id, id);

CREATE TABLE idempotency_keys (
    key          text NOT NULL CONSTRAINT idempotency_keys_pkey PRIMARY KEY,
    request_hash text NOT NULL,
    status       integer NOT NULL,
    body         bytea NOT NULL,
    location     text NOT NULL DEFAULT '',
    created      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE disseminations;
DROP TABLE audit_keys;
DROP TABLE audit_checkpoints;
DROP TABLE audit_hashes;
DROP TABLE audit_queue;
DROP TABLE audit_events;
DROP TABLE recovery_codes;
DROP TABLE login_attempts;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE agreements;
DROP TABLE community_members;
DROP TABLE communities;
DROP TABLE users;
DROP TABLE agencies;
