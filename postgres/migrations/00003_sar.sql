-- +goose Up
-- Suspicious activity reports: state and label columns for queues and the
-- read prefilter; body is the whole report as JSON.
CREATE TABLE sars (
    id        uuid NOT NULL CONSTRAINT sars_pkey PRIMARY KEY,
    agency_id uuid NOT NULL CONSTRAINT sars_agency_id_fkey REFERENCES agencies (id),
    author_id text NOT NULL DEFAULT '',
    state     text NOT NULL,
    tlp_rank  integer NOT NULL,
    body      jsonb NOT NULL,
    created   timestamptz NOT NULL,
    updated   timestamptz NOT NULL
);
CREATE INDEX sars_agency_state ON sars (agency_id, state, id);
CREATE INDEX sars_state ON sars (state, id);

CREATE TABLE sar_shares (
    sar_id       uuid NOT NULL CONSTRAINT sar_shares_sar_id_fkey REFERENCES sars (id) ON DELETE CASCADE,
    community_id text NOT NULL,
    CONSTRAINT sar_shares_pkey PRIMARY KEY (sar_id, community_id)
);
CREATE INDEX sar_shares_community ON sar_shares (community_id, sar_id);

-- +goose Down
DROP TABLE sar_shares;
DROP TABLE sars;
