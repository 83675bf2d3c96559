-- +goose Up
-- Attachments are stored once by content (SHA-256) and linked to reports.
CREATE TABLE blobs (
    hash         text NOT NULL CONSTRAINT blobs_pkey PRIMARY KEY,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL
);

CREATE TABLE sar_attachments (
    sar_id uuid NOT NULL CONSTRAINT sar_attachments_sar_id_fkey REFERENCES sars (id) ON DELETE CASCADE,
    hash   text NOT NULL CONSTRAINT sar_attachments_hash_fkey REFERENCES blobs (hash),
    name   text NOT NULL,
    added  timestamptz NOT NULL,
    CONSTRAINT sar_attachments_pkey PRIMARY KEY (sar_id, hash)
);

-- +goose Down
DROP TABLE sar_attachments;
DROP TABLE blobs;
