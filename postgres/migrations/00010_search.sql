-- +goose Up
-- Search (issue 6). Writes to reports, records and cases queue the item in
-- their own transaction (triggers, so no write path can forget); a worker
-- drains the queue in batches into the index, so indexing never slows the
-- write and its lag is visible.
CREATE TABLE search_queue (
    id      bigserial NOT NULL CONSTRAINT search_queue_pkey PRIMARY KEY,
    kind    text NOT NULL,
    item_id uuid NOT NULL,
    queued  timestamptz NOT NULL
);

-- One statement-level trigger function for the three tables: the rows a
-- statement inserted or updated (a transition table, so a bulk COPY of
-- reports queues them with one INSERT) are queued as kind TG_ARGV[0].
-- Transition tables allow one event per trigger: an INSERT and an UPDATE
-- trigger per table.
-- +goose StatementBegin
CREATE FUNCTION search_queue_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_queue (kind, item_id, queued) SELECT TG_ARGV[0], id, clock_timestamp() FROM changed_rows;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER sars_search_insert AFTER INSERT ON sars REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('sar');
CREATE TRIGGER sars_search_update AFTER UPDATE ON sars REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('sar');
CREATE TRIGGER intel_search_insert AFTER INSERT ON intel_records REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('intelligence');
CREATE TRIGGER intel_search_update AFTER UPDATE ON intel_records REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('intelligence');
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('case');
CREATE TRIGGER cases_search_update AFTER UPDATE ON cases REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_queue_rows('case');

-- Everything already stored is indexed once.
INSERT INTO search_queue (kind, item_id, queued) SELECT 'sar', id, created FROM sars ORDER BY created, id;
INSERT INTO search_queue (kind, item_id, queued) SELECT 'intelligence', id, created FROM intel_records ORDER BY created, id;
INSERT INTO search_queue (kind, item_id, queued) SELECT 'case', id, created FROM cases ORDER BY created, id;

-- One row per indexed item: the label facts the decision point needs, the
-- weighted text (title A, names B, body D) as a tsvector and the
-- normalised identifiers for substring matching. The text itself is not
-- stored: results are read from the items, through the decision point.
-- seq only grows: a re-indexed item gets a new one, newest-first search
-- walks seq down and a saved search resumes after a seq.
CREATE TABLE search_docs (
    seq         bigserial NOT NULL CONSTRAINT search_docs_pkey PRIMARY KEY,
    kind        text NOT NULL,
    item_id     uuid NOT NULL,
    agency_id   uuid NOT NULL,
    state       text NOT NULL,
    tlp         text NOT NULL,
    handling    text NOT NULL,
    recipients  text[] NOT NULL,
    shared_with text[] NOT NULL,
    case_id     uuid,
    pointer     boolean NOT NULL,
    occurred    timestamptz NOT NULL,
    categories  text[] NOT NULL,
    lat         double precision,
    lon         double precision,
    tsv         tsvector NOT NULL,
    ids         text NOT NULL,
    CONSTRAINT search_docs_item_key UNIQUE (kind, item_id)
);
CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
-- seq ranges for a bitmap AND with the text index: a BRIN index gives a
-- range of any size for almost nothing where the primary key reads every
-- entry (35 ms for 262,144 seq values); seq follows the physical order.
CREATE INDEX search_docs_seq ON search_docs USING brin (seq) WITH (autosummarize = on);

-- Identifier substrings (ids ILIKE '%4471%') through a trigram index.
-- pg_trgm is one per database: if it is missing it goes into public (never
-- into a store's own schema, whose DROP ... CASCADE would take every other
-- schema's index with it), and the operator class is named in whatever
-- schema holds it. The lock keeps two stores migrating at once from both
-- creating it.
-- +goose StatementBegin
DO $$
DECLARE
    ext_schema text;
BEGIN
    PERFORM pg_advisory_xact_lock(7079657573747267); -- any fixed key, the same in every schema
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        ext_schema := 'public';
    END IF;
    EXECUTE format('CREATE INDEX search_docs_ids ON search_docs USING gin (ids %I.gin_trgm_ops)', ext_schema);
END;
$$;
-- +goose StatementEnd

CREATE TABLE pointers (
    id      uuid NOT NULL CONSTRAINT pointers_pkey PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT pointers_user_id_fkey REFERENCES users (id),
    body    jsonb NOT NULL,
    created timestamptz NOT NULL
);
CREATE INDEX pointers_user ON pointers (user_id, id);
CREATE INDEX pointers_created ON pointers (created);

CREATE TABLE access_requests (
    id           uuid NOT NULL CONSTRAINT access_requests_pkey PRIMARY KEY,
    requester_id uuid NOT NULL CONSTRAINT access_requests_requester_id_fkey REFERENCES users (id),
    holder_id    uuid NOT NULL CONSTRAINT access_requests_holder_id_fkey REFERENCES agencies (id),
    state        text NOT NULL,
    due          timestamptz NOT NULL,
    escalated    boolean NOT NULL,
    body         jsonb NOT NULL
);
CREATE INDEX access_requests_requester ON access_requests (requester_id, id);
CREATE INDEX access_requests_holder ON access_requests (holder_id, id);
CREATE INDEX access_requests_due ON access_requests (due) WHERE state = 'pending' AND NOT escalated;

CREATE TABLE grants (
    id        uuid NOT NULL CONSTRAINT grants_pkey PRIMARY KEY,
    user_id   uuid NOT NULL CONSTRAINT grants_user_id_fkey REFERENCES users (id),
    holder_id uuid NOT NULL CONSTRAINT grants_holder_id_fkey REFERENCES agencies (id),
    expires   timestamptz NOT NULL,
    revoked   boolean NOT NULL,
    body      jsonb NOT NULL
);
CREATE INDEX grants_user ON grants (user_id, id);
CREATE INDEX grants_holder ON grants (holder_id, id);

CREATE TABLE saved_searches (
    id       uuid NOT NULL CONSTRAINT saved_searches_pkey PRIMARY KEY,
    user_id  uuid NOT NULL CONSTRAINT saved_searches_user_id_fkey REFERENCES users (id),
    name     text NOT NULL,
    last_seq bigint NOT NULL,
    body     jsonb NOT NULL,
    CONSTRAINT saved_searches_name_key UNIQUE (user_id, name)
);

-- +goose Down
-- pg_trgm stays: other schemas of the database may use it.
DROP TABLE saved_searches;
DROP TABLE grants;
DROP TABLE access_requests;
DROP TABLE pointers;
DROP TABLE search_docs;
DROP TRIGGER cases_search_update ON cases;
DROP TRIGGER cases_search_insert ON cases;
DROP TRIGGER intel_search_update ON intel_records;
DROP TRIGGER intel_search_insert ON intel_records;
DROP TRIGGER sars_search_update ON sars;
DROP TRIGGER sars_search_insert ON sars;
DROP FUNCTION search_queue_rows();
DROP TABLE search_queue;
