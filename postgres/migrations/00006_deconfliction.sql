-- +goose Up
-- Event and target deconfliction. Bodies are the whole items as JSON; the
-- columns beside them are what queues, start-up rebuilds and the pair
-- uniqueness of conflicts need.
CREATE TABLE operations (
    id        uuid NOT NULL CONSTRAINT operations_pkey PRIMARY KEY,
    agency_id uuid NOT NULL CONSTRAINT operations_agency_id_fkey REFERENCES agencies (id),
    state     text NOT NULL,
    ends      timestamptz NOT NULL,
    body      jsonb NOT NULL,
    created   timestamptz NOT NULL,
    updated   timestamptz NOT NULL
);
CREATE INDEX operations_agency ON operations (agency_id, id);
CREATE INDEX operations_state ON operations (state, id);

CREATE TABLE targets (
    id           uuid NOT NULL CONSTRAINT targets_pkey PRIMARY KEY,
    agency_id    uuid NOT NULL CONSTRAINT targets_agency_id_fkey REFERENCES agencies (id),
    operation_id uuid CONSTRAINT targets_operation_id_fkey REFERENCES operations (id),
    active       boolean NOT NULL,
    body         jsonb NOT NULL,
    created      timestamptz NOT NULL
);
CREATE INDEX targets_agency ON targets (agency_id, id);
CREATE INDEX targets_active ON targets (active, id);
CREATE INDEX targets_operation ON targets (operation_id) WHERE operation_id IS NOT NULL;

-- A pair of items conflicts once: ref_lo < ref_hi are the two items' ids.
CREATE TABLE conflicts (
    id       uuid NOT NULL CONSTRAINT conflicts_pkey PRIMARY KEY,
    kind     text NOT NULL,
    state    text NOT NULL,
    ref_lo   uuid NOT NULL,
    ref_hi   uuid NOT NULL,
    body     jsonb NOT NULL,
    detected timestamptz NOT NULL,
    updated  timestamptz NOT NULL,
    CONSTRAINT conflicts_ref_key UNIQUE (ref_lo, ref_hi)
);
CREATE INDEX conflicts_state ON conflicts (state, id);

CREATE TABLE conflict_parties (
    agency_id   uuid NOT NULL,
    conflict_id uuid NOT NULL CONSTRAINT conflict_parties_conflict_id_fkey REFERENCES conflicts (id) ON DELETE CASCADE,
    CONSTRAINT conflict_parties_pkey PRIMARY KEY (agency_id, conflict_id)
);

CREATE TABLE inbox (
    id      uuid NOT NULL CONSTRAINT inbox_pkey PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT inbox_user_id_fkey REFERENCES users (id),
    read_at timestamptz,
    body    jsonb NOT NULL,
    created timestamptz NOT NULL
);
CREATE INDEX inbox_user ON inbox (user_id, id);
CREATE INDEX inbox_unread ON inbox (user_id, id) WHERE read_at IS NULL;

-- Events written in the transaction of their act, published after commit.
CREATE TABLE outbox (
    id      uuid NOT NULL CONSTRAINT outbox_pkey PRIMARY KEY,
    subject text NOT NULL,
    data    bytea NOT NULL,
    created timestamptz NOT NULL
);

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbox;
DROP TABLE conflict_parties;
DROP TABLE conflicts;
DROP TABLE targets;
DROP TABLE operations;
