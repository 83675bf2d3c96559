-- +goose Up
CREATE TABLE cases (
    id        TEXT PRIMARY KEY,
    title     TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
) STRICT;

CREATE TABLE case_assignments (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_assignments_user ON case_assignments(user_id);

-- Criminal intelligence records: the latest version, with the label
-- columns the read prefilter uses; body is the whole record as JSON.
CREATE TABLE intel_records (
    id            TEXT PRIMARY KEY,
    version       INTEGER NOT NULL,
    originator_id TEXT NOT NULL REFERENCES agencies(id),
    case_id       TEXT NOT NULL REFERENCES cases(id),
    tlp_rank      INTEGER NOT NULL,
    retain_until  INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
) STRICT;
CREATE INDEX intel_records_originator ON intel_records(originator_id, id);
CREATE INDEX intel_records_case ON intel_records(case_id, id);
CREATE INDEX intel_records_retention ON intel_records(retain_until);

CREATE TABLE intel_shares (
    record_id    TEXT NOT NULL REFERENCES intel_records(id) ON DELETE CASCADE,
    community_id TEXT NOT NULL,
    PRIMARY KEY (record_id, community_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX intel_shares_community ON intel_shares(community_id, record_id);

CREATE TABLE intel_recipients (
    record_id TEXT NOT NULL REFERENCES intel_records(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (record_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX intel_recipients_user ON intel_recipients(user_id, record_id);

-- Every version of every record: corrections never overwrite.
CREATE TABLE intel_versions (
    record_id TEXT NOT NULL REFERENCES intel_records(id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    body      TEXT NOT NULL,
    created   INTEGER NOT NULL,
    PRIMARY KEY (record_id, version)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE intel_versions;
DROP TABLE intel_recipients;
DROP TABLE intel_shares;
DROP TABLE intel_records;
DROP TABLE case_assignments;
DROP TABLE cases;
