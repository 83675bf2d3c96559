-- +goose Up
-- A logical clock for deconfliction writes. A registration takes the next
-- tick first (the row lock serialises registrations across nodes until
-- commit), then reads every operation and target changed since the ticks
-- its node has seen, so each node's in-memory index catches up with the
-- others before it checks.
CREATE TABLE deconfliction_clock (
    id  integer NOT NULL CONSTRAINT deconfliction_clock_pkey PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO deconfliction_clock (id, seq) VALUES (1, 0);
ALTER TABLE operations ADD COLUMN seq bigint NOT NULL DEFAULT 0;
-- The check area and window, so the index rebuild reads no bodies.
ALTER TABLE operations ADD COLUMN kind text;
ALTER TABLE operations ADD COLUMN area_lat double precision;
ALTER TABLE operations ADD COLUMN area_lon double precision;
ALTER TABLE operations ADD COLUMN area_radius double precision;
ALTER TABLE operations ADD COLUMN starts timestamptz;
ALTER TABLE targets ADD COLUMN seq bigint NOT NULL DEFAULT 0;
CREATE INDEX operations_seq ON operations (seq);
CREATE INDEX targets_seq ON targets (seq);

-- +goose Down
DROP INDEX targets_seq;
DROP INDEX operations_seq;
ALTER TABLE targets DROP COLUMN seq;
ALTER TABLE operations DROP COLUMN starts;
ALTER TABLE operations DROP COLUMN area_radius;
ALTER TABLE operations DROP COLUMN area_lon;
ALTER TABLE operations DROP COLUMN area_lat;
ALTER TABLE operations DROP COLUMN kind;
ALTER TABLE operations DROP COLUMN seq;
DROP TABLE deconfliction_clock;
