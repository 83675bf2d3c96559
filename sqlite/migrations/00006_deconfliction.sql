-- +goose Up
-- Event and target deconfliction. Bodies are the whole items as JSON; the
-- columns beside them are what queues, start-up rebuilds and the pair
-- uniqueness of conflicts need.
CREATE TABLE operations (
    id        TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    state     TEXT NOT NULL,
    ends      INTEGER NOT NULL,
    body      TEXT NOT NULL,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
) STRICT;
CREATE INDEX operations_agency ON operations(agency_id, id);
CREATE INDEX operations_state ON operations(state, id);

CREATE TABLE targets (
    id           TEXT PRIMARY KEY,
    agency_id    TEXT NOT NULL REFERENCES agencies(id),
    operation_id TEXT REFERENCES operations(id),
    active       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created      INTEGER NOT NULL
) STRICT;
CREATE INDEX targets_agency ON targets(agency_id, id);
CREATE INDEX targets_active ON targets(active, id);
CREATE INDEX targets_operation ON targets(operation_id) WHERE operation_id IS NOT NULL;

-- A pair of items conflicts once: ref_lo < ref_hi are the two items' ids.
CREATE TABLE conflicts (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    state    TEXT NOT NULL,
    ref_lo   TEXT NOT NULL,
    ref_hi   TEXT NOT NULL,
    body     TEXT NOT NULL,
    detected INTEGER NOT NULL,
    updated  INTEGER NOT NULL,
    UNIQUE (ref_lo, ref_hi)
) STRICT;
CREATE INDEX conflicts_state ON conflicts(state, id);

CREATE TABLE conflict_parties (
    agency_id   TEXT NOT NULL,
    conflict_id TEXT NOT NULL REFERENCES conflicts(id) ON DELETE CASCADE,
    PRIMARY KEY (agency_id, conflict_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE inbox (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    read_at INTEGER,
    body    TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX inbox_user ON inbox(user_id, id);
CREATE INDEX inbox_unread ON inbox(user_id, id) WHERE read_at IS NULL;

-- Events written in the transaction of their act, published after commit.
CREATE TABLE outbox (
    id      TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    data    BLOB NOT NULL,
    created INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbox;
DROP TABLE conflict_parties;
DROP TABLE conflicts;
DROP TABLE targets;
DROP TABLE operations;
