-- +goose Up
-- Suspicious activity reports: state and label columns for queues and the
-- read prefilter; body is the whole report as JSON.
CREATE TABLE sars (
    id        TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    author_id TEXT NOT NULL DEFAULT '',
    state     TEXT NOT NULL,
    tlp_rank  INTEGER NOT NULL,
    body      TEXT NOT NULL,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
) STRICT;
CREATE INDEX sars_agency_state ON sars(agency_id, state, id);
CREATE INDEX sars_state ON sars(state, id);

CREATE TABLE sar_shares (
    sar_id       TEXT NOT NULL REFERENCES sars(id) ON DELETE CASCADE,
    community_id TEXT NOT NULL,
    PRIMARY KEY (sar_id, community_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX sar_shares_community ON sar_shares(community_id, sar_id);

-- +goose Down
DROP TABLE sar_shares;
DROP TABLE sars;
