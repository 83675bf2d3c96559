package liaison

import "time"

// RowError is one problem with one row of an imported file.
type RowError struct {
	Row     int    `json:"row"` // 1-based, not counting a CSV header
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportReport totals a bulk import of reports.
type ImportReport struct {
	Imported int        `json:"imported"`
	Skipped  int        `json:"skipped"` // already filed by the same author
	Errors   []RowError `json:"errors"`  // in row order
}

// ImportJob is a file of reports being imported in the background, kept
// in the store so that its owner can follow it from any node and read its
// report after a restart. Only its owner sees it.
type ImportJob struct {
	ID      ID        `json:"id"`
	OwnerID ID        `json:"owner_id"`
	Name    string    `json:"name"`   // the uploaded file's name
	Format  string    `json:"format"` // csv or json
	Size    int64     `json:"size"`   // bytes
	Read    int64     `json:"read"`   // bytes of the file read so far
	Rows    int64     `json:"rows"`   // rows read so far
	Node    string    `json:"node,omitempty"`
	Started time.Time `json:"started"`
	// Updated is the last time the running import recorded its progress;
	// a job that stopped updating without finishing was interrupted.
	Updated  time.Time     `json:"updated"`
	Finished *time.Time    `json:"finished,omitempty"`
	Report   *ImportReport `json:"report,omitempty"`
	Error    string        `json:"error,omitempty"` // why it stopped early
	// Interrupted is set when the job is read after it stopped recording
	// progress without finishing; it is never stored.
	Interrupted bool `json:"interrupted,omitempty"`
}
