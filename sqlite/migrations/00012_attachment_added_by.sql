-- +goose Up
-- Who attached each file, for the report page. No foreign key: like a
-- report's author it is a record of who acted, and files attached before
-- this column existed have none.
ALTER TABLE sar_attachments ADD COLUMN added_by TEXT;

-- +goose Down
ALTER TABLE sar_attachments DROP COLUMN added_by;
