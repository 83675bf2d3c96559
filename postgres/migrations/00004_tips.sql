-- +goose Up
-- Receipts of anonymous tips: only a hash of the code the tipster keeps.
CREATE TABLE sar_receipts (
    receipt_hash text NOT NULL CONSTRAINT sar_receipts_pkey PRIMARY KEY,
    sar_id       uuid NOT NULL CONSTRAINT sar_receipts_sar_id_fkey REFERENCES sars (id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE sar_receipts;
