-- +goose Up
-- An audit entry for one act on many objects (a bulk import) names them in
-- its "objects" detail; each is indexed here beside object_id, so "who
-- touched object X" finds the entry. Written by the sequencer with the entry.
CREATE TABLE audit_objects (
    object_id text NOT NULL,
    idx       bigint NOT NULL,
    CONSTRAINT audit_objects_pkey PRIMARY KEY (object_id, idx)
);

-- +goose Down
DROP TABLE audit_objects;
