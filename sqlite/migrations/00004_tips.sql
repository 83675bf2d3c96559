-- +goose Up
-- Receipts of anonymous tips: only a hash of the code the tipster keeps.
CREATE TABLE sar_receipts (
    receipt_hash TEXT PRIMARY KEY,
    sar_id       TEXT NOT NULL REFERENCES sars(id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE sar_receipts;
