-- +goose Up
-- Bulk imports started from the web UI, followed by their owners from any
-- node and kept for a week after their last progress.
CREATE TABLE import_jobs (
    id       TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    updated  INTEGER NOT NULL,
    body     TEXT NOT NULL
) STRICT;
CREATE INDEX import_jobs_updated ON import_jobs (updated);

-- +goose Down
DROP TABLE import_jobs;
