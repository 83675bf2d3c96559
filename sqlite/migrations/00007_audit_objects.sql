-- +goose Up
-- An audit entry for one act on many objects (a bulk import) names them in
-- its "objects" detail; each is indexed here beside object_id, so "who
-- touched object X" finds the entry. Written by the sequencer with the entry.
CREATE TABLE audit_objects (
    object_id TEXT NOT NULL,
    idx       INTEGER NOT NULL,
    PRIMARY KEY (object_id, idx)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE audit_objects;
