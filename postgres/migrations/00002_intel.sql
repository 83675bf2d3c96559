-- +goose Up
CREATE TABLE cases (
    id        uuid NOT NULL CONSTRAINT cases_pkey PRIMARY KEY,
    title     text NOT NULL,
    agency_id uuid NOT NULL CONSTRAINT cases_agency_id_fkey REFERENCES agencies (id),
    created   timestamptz NOT NULL,
    updated   timestamptz NOT NULL
);

CREATE TABLE case_assignments (
    case_id uuid NOT NULL CONSTRAINT case_assignments_case_id_fkey REFERENCES cases (id) ON DELETE CASCADE,
    user_id uuid NOT NULL CONSTRAINT case_assignments_user_id_fkey REFERENCES users (id),
    CONSTRAINT case_assignments_pkey PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_assignments_user ON case_assignments (user_id);

-- Criminal intelligence records: the latest version, with the label
-- columns the read prefilter uses; body is the whole record as JSON.
CREATE TABLE intel_records (
    id            uuid NOT NULL CONSTRAINT intel_records_pkey PRIMARY KEY,
    version       integer NOT NULL,
    originator_id uuid NOT NULL CONSTRAINT intel_records_originator_id_fkey REFERENCES agencies (id),
    case_id       uuid NOT NULL CONSTRAINT intel_records_case_id_fkey REFERENCES cases (id),
    tlp_rank      integer NOT NULL,
    retain_until  timestamptz NOT NULL,
    body          jsonb NOT NULL,
    created       timestamptz NOT NULL,
    updated       timestamptz NOT NULL
);
CREATE INDEX intel_records_originator ON intel_records (originator_id, id);
CREATE INDEX intel_records_case ON intel_records (case_id, id);
CREATE INDEX intel_records_retention ON intel_records (retain_until);

CREATE TABLE intel_shares (
    record_id    uuid NOT NULL CONSTRAINT intel_shares_record_id_fkey REFERENCES intel_records (id) ON DELETE CASCADE,
    community_id text NOT NULL,
    CONSTRAINT intel_shares_pkey PRIMARY KEY (record_id, community_id)
);
CREATE INDEX intel_shares_community ON intel_shares (community_id, record_id);

CREATE TABLE intel_recipients (
    record_id uuid NOT NULL CONSTRAINT intel_recipients_record_id_fkey REFERENCES intel_records (id) ON DELETE CASCADE,
    user_id   text NOT NULL,
    CONSTRAINT intel_recipients_pkey PRIMARY KEY (record_id, user_id)
);
CREATE INDEX intel_recipients_user ON intel_recipients (user_id, record_id);

-- Every version of every record: corrections never overwrite.
CREATE TABLE intel_versions (
    record_id uuid NOT NULL CONSTRAINT intel_versions_record_id_fkey REFERENCES intel_records (id) ON DELETE CASCADE,
    version   integer NOT NULL,
    body      jsonb NOT NULL,
    created   timestamptz NOT NULL,
    CONSTRAINT intel_versions_pkey PRIMARY KEY (record_id, version)
);

-- +goose Down
DROP TABLE intel_versions;
DROP TABLE intel_recipients;
DROP TABLE intel_shares;
DROP TABLE intel_records;
DROP TABLE case_assignments;
DROP TABLE cases;
