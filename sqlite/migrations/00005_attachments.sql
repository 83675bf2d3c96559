-- +goose Up
-- Attachments are stored once by content (SHA-256) and linked to reports.
CREATE TABLE blobs (
    hash         TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sar_attachments (
    sar_id TEXT NOT NULL REFERENCES sars(id) ON DELETE CASCADE,
    hash   TEXT NOT NULL REFERENCES blobs(hash),
    name   TEXT NOT NULL,
    added  INTEGER NOT NULL,
    PRIMARY KEY (sar_id, hash)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE sar_attachments;
DROP TABLE blobs;
