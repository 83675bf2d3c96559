-- +goose Up
-- An agency's reports in id order (export, "my reports"): without it the
-- paging query sorted all of the agency's remaining reports for every page.
CREATE INDEX sars_agency ON sars (agency_id, id);

-- +goose Down
DROP INDEX sars_agency;
