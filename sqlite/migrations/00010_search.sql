-- +goose Up
-- Search (issue 6). Writes to reports, records and cases queue the item in
-- their own transaction (triggers, so no write path can forget); a worker
-- drains the queue in batches into the index, so indexing never slows the
-- write and its lag is visible.
-- A plain rowid (no AUTOINCREMENT, whose sqlite_sequence update cost every
-- write another b-tree write): ids stay in insertion order while the
-- queue holds rows, which is all the worker's FIFO needs.
CREATE TABLE search_queue (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    item_id TEXT NOT NULL,
    queued  INTEGER NOT NULL
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER sars_search_insert AFTER INSERT ON sars BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('sar', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sars_search_update AFTER UPDATE ON sars BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('sar', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER intel_search_insert AFTER INSERT ON intel_records BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('intelligence', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER intel_search_update AFTER UPDATE ON intel_records BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('intelligence', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('case', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER cases_search_update AFTER UPDATE ON cases BEGIN
    INSERT INTO search_queue (kind, item_id, queued) VALUES ('case', NEW.id, CAST(unixepoch('subsec') * 1000000 AS INTEGER));
END;
-- +goose StatementEnd

-- Everything already stored is indexed once.
INSERT INTO search_queue (kind, item_id, queued) SELECT 'sar', id, created FROM sars;
INSERT INTO search_queue (kind, item_id, queued) SELECT 'intelligence', id, created FROM intel_records;
INSERT INTO search_queue (kind, item_id, queued) SELECT 'case', id, created FROM cases;

-- One row per indexed item: the label facts the decision point needs.
-- seq only grows (AUTOINCREMENT): newest-first search is rowid order in
-- FTS5, which stops early, and a saved search resumes after a seq.
CREATE TABLE search_docs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    agency_id   TEXT NOT NULL,
    state       TEXT NOT NULL,
    tlp         TEXT NOT NULL,
    handling    TEXT NOT NULL,
    recipients  TEXT NOT NULL,
    shared_with TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    pointer     INTEGER NOT NULL,
    occurred    INTEGER NOT NULL,
    categories  TEXT NOT NULL,
    lat         REAL,
    lon         REAL,
    UNIQUE (kind, item_id)
) STRICT;

-- The text, indexed but not stored (contentless): results are read from
-- the items themselves, through the decision point. acl holds tokens for
-- the holding agency, the communities an item is shared to, its named
-- recipients and its categories, so the visibility prefilter and the
-- category filter are intersections inside FTS5 rather than a row-by-row
-- check of every match (words typed by users never match acl).
CREATE VIRTUAL TABLE search_fts USING fts5(title, body, names, acl, content='', contentless_delete=1,
    tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_ids USING fts5(ids, content='', contentless_delete=1, tokenize='trigram');

CREATE TABLE pointers (
    id      TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    body    TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX pointers_user ON pointers(user_id, id);
CREATE INDEX pointers_created ON pointers(created);

CREATE TABLE access_requests (
    id           TEXT PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES users(id),
    holder_id    TEXT NOT NULL REFERENCES agencies(id),
    state        TEXT NOT NULL,
    due          INTEGER NOT NULL,
    escalated    INTEGER NOT NULL,
    body         TEXT NOT NULL
) STRICT;
CREATE INDEX access_requests_requester ON access_requests(requester_id, id);
CREATE INDEX access_requests_holder ON access_requests(holder_id, id);
CREATE INDEX access_requests_due ON access_requests(due) WHERE state = 'pending' AND escalated = 0;

CREATE TABLE grants (
    id        TEXT PRIMARY KEY,
    user_id   TEXT NOT NULL REFERENCES users(id),
    holder_id TEXT NOT NULL REFERENCES agencies(id),
    expires   INTEGER NOT NULL,
    revoked   INTEGER NOT NULL,
    body      TEXT NOT NULL
) STRICT;
CREATE INDEX grants_user ON grants(user_id, id);
CREATE INDEX grants_holder ON grants(holder_id, id);

CREATE TABLE saved_searches (
    id       TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users(id),
    name     TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    body     TEXT NOT NULL,
    UNIQUE (user_id, name)
) STRICT;

-- +goose Down
DROP TABLE saved_searches;
DROP TABLE grants;
DROP TABLE access_requests;
DROP TABLE pointers;
DROP TABLE search_ids;
DROP TABLE search_fts;
DROP TABLE search_docs;
DROP TRIGGER cases_search_update;
DROP TRIGGER cases_search_insert;
DROP TRIGGER intel_search_update;
DROP TRIGGER intel_search_insert;
DROP TRIGGER sars_search_update;
DROP TRIGGER sars_search_insert;
DROP TABLE search_queue;
