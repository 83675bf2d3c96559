-- +goose Up
-- An idempotency key is now written in the transaction of the act it
-- guards, naming the object created, so a retry after a crash is answered
-- from that object. Keys left unfinished by the old scheme (claimed before
-- the act, in a transaction of their own) say nothing about whether the
-- act ran; they are dropped, as the old scheme would have after a minute.
ALTER TABLE idempotency_keys ADD COLUMN object_type TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN object_id TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN run TEXT NOT NULL DEFAULT '';
DELETE FROM idempotency_keys WHERE status = 0;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN run;
ALTER TABLE idempotency_keys DROP COLUMN object_id;
ALTER TABLE idempotency_keys DROP COLUMN object_type;
