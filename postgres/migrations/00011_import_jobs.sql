-- +goose Up
-- Bulk imports started from the web UI, followed by their owners from any
-- node and kept for a week after their last progress.
CREATE TABLE import_jobs (
    id       uuid NOT NULL CONSTRAINT import_jobs_pkey PRIMARY KEY,
    owner_id uuid NOT NULL CONSTRAINT import_jobs_owner_id_fkey REFERENCES users (id),
    updated  timestamptz NOT NULL,
    body     jsonb NOT NULL
);
CREATE INDEX import_jobs_updated ON import_jobs (updated);

-- +goose Down
DROP TABLE import_jobs;
