-- +goose Up
-- Times are INTEGER microseconds since the Unix epoch, UTC.
CREATE TABLE agencies (
    id       TEXT PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    country  TEXT NOT NULL,
    contacts TEXT NOT NULL DEFAULT '[]',
    created  INTEGER NOT NULL,
    updated  INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    agency_id      TEXT NOT NULL REFERENCES agencies(id),
    roles          TEXT NOT NULL DEFAULT '[]',
    sworn          INTEGER NOT NULL DEFAULT 0,
    part23_trained INTEGER NOT NULL DEFAULT 0,
    clearance      TEXT NOT NULL DEFAULT 'none',
    disabled       INTEGER NOT NULL DEFAULT 0,
    locked         INTEGER,
    mfa_enrolled   INTEGER,
    password_hash  TEXT NOT NULL DEFAULT '',
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL
) STRICT;
CREATE INDEX users_agency ON users(agency_id, id);

CREATE TABLE communities (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL
) STRICT;

CREATE TABLE community_members (
    community_id TEXT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    agency_id    TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (community_id, agency_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX community_members_agency ON community_members(agency_id);

CREATE TABLE agreements (
    id                    TEXT PRIMARY KEY,
    agency_id             TEXT NOT NULL REFERENCES agencies(id),
    community_id          TEXT NOT NULL REFERENCES communities(id),
    legal_basis           TEXT NOT NULL,
    purposes              TEXT NOT NULL,
    record_kinds          TEXT NOT NULL,
    pii_allowed           INTEGER NOT NULL,
    international_release INTEGER NOT NULL,
    private_release       INTEGER NOT NULL,
    expires               INTEGER NOT NULL,
    created               INTEGER NOT NULL,
    updated               INTEGER NOT NULL
) STRICT;
CREATE INDEX agreements_agency ON agreements(agency_id);
CREATE INDEX agreements_community ON agreements(community_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    mfa_done      INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    authenticated INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix     TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    last_used  INTEGER,
    revoked    INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id, id);

CREATE TABLE login_attempts (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    success INTEGER NOT NULL,
    factor  TEXT NOT NULL,
    ip      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX login_attempts_user ON login_attempts(user_id, at);

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used      INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;

-- The audit log: an append-only RFC 6962 Merkle tree. idx is the leaf
-- index (dense, from 0); entry is the canonical entry and leaf its record
-- hash; the other columns are a search index over entry; audit_hashes holds
-- the stored tree hashes (tlog.StoredHashIndex order).
CREATE TABLE audit_events (
    idx         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    agency_id   TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    entry       BLOB NOT NULL, -- the canonical entry: the truth, hashed into leaf
    leaf        BLOB NOT NULL
) STRICT;
-- Search indexes: by user ("everything U did"), by object ("who accessed
-- X") and by time (reviews, reports; agency and action filters ride on it).
-- Each index is a B-tree write per entry: indexes on agency and action cost
-- 8% of audited write throughput (BENCHMARKS.md) and were left out.
CREATE INDEX audit_events_user ON audit_events(user_id, idx);
CREATE INDEX audit_events_object ON audit_events(object_id, idx);
CREATE INDEX audit_events_at ON audit_events(at);

-- Audit events wait here, written in the transaction of their act, until
-- the sequencer appends them to the Merkle log in one batch.
CREATE TABLE audit_queue (
    id    TEXT PRIMARY KEY,
    event BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
) STRICT;

CREATE TABLE audit_checkpoints (
    size    INTEGER PRIMARY KEY,
    root    BLOB NOT NULL,
    note    TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_keys (
    verifier_key TEXT PRIMARY KEY,
    created      INTEGER NOT NULL
) STRICT;

-- The dissemination ledger: one row per release outside the originator.
CREATE TABLE disseminations (
    id                  TEXT PRIMARY KEY,
    at                  INTEGER NOT NULL,
    item_kind           TEXT NOT NULL,
    item_id             TEXT NOT NULL,
    recipient_user_id   TEXT NOT NULL REFERENCES users(id),
    recipient_agency_id TEXT NOT NULL REFERENCES agencies(id),
    tlp                 TEXT NOT NULL,
    handling            TEXT NOT NULL DEFAULT '',
    sensitivity         TEXT NOT NULL DEFAULT '',
    originator_id       TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    redacted            INTEGER NOT NULL,
    audit_event_id      TEXT NOT NULL
) STRICT;
CREATE INDEX disseminations_item ON disseminations(item_id, id);
CREATE INDEX disseminations_recipient ON disseminations(recipient_agency_id, id);
CREATE INDEX disseminations_originator ON disseminations(originator_id, id);

CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    created      INTEGER NOT NULL
) STRICT;

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
