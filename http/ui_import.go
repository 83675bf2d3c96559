package http

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liaison"
	"liaison/service"
)

// Bulk import and export of reports in the web UI. An import runs in the
// background as the user who started it (through ImportSARs, like the
// CLI); its page shows how much of the file has been read and then the
// report: what was filed, what was skipped as already filed, and each bad
// row with the field and what to fix. Jobs live in this node's memory for
// an hour after they end.

// maxImportBytes bounds an uploaded file of reports.
const maxImportBytes = 256 << 20

// importJobTTL is how long a finished import's report stays.
const importJobTTL = time.Hour

type importJob struct {
	ID, Owner, Name string
	Size            int64
	Started         time.Time
	read            atomic.Int64 // bytes of the file read so far
	rows            atomic.Int64 // rows committed so far

	mu     sync.Mutex
	done   time.Time
	report *service.ImportReport
	err    error
}

// importStatus is a job as its page and its JSON poll show it.
type importStatus struct {
	ID       string                `json:"id"`
	Name     string                `json:"name"`
	Size     int64                 `json:"size"`
	Read     int64                 `json:"read"`
	Rows     int64                 `json:"rows"`
	Percent  int                   `json:"percent"`
	Done     bool                  `json:"done"`
	Error    string                `json:"error,omitempty"`
	Report   *service.ImportReport `json:"report,omitempty"`
	Started  time.Time             `json:"started"`
	Finished *time.Time            `json:"finished,omitempty"`
}

func (j *importJob) status() importStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := importStatus{ID: j.ID, Name: j.Name, Size: j.Size, Read: j.read.Load(), Rows: j.rows.Load(), Started: j.Started,
		Report: j.report, Done: !j.done.IsZero()}
	if j.Size > 0 {
		st.Percent = int(min(100, st.Read*100/j.Size))
	}
	if st.Done {
		st.Percent = 100
		d := j.done
		st.Finished = &d
	}
	if j.err != nil {
		st.Error = liaison.ErrorMessage(j.err)
	}
	return st
}

// importJobs holds this node's imports.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

func (js *importJobs) add(j *importJob) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jobs == nil {
		js.jobs = map[string]*importJob{}
	}
	for id, old := range js.jobs { // forget reports older than the TTL
		old.mu.Lock()
		stale := !old.done.IsZero() && time.Since(old.done) > importJobTTL
		old.mu.Unlock()
		if stale {
			delete(js.jobs, id)
		}
	}
	js.jobs[j.ID] = j
}

// get returns a job to its owner; anyone else is told it does not exist.
func (js *importJobs) get(id, user string) (*importJob, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok || j.Owner != user {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no such import (an import's report is kept for an hour on the server that ran it)")
	}
	return j, nil
}

// progressReader counts the bytes read through it.
type progressReader struct {
	r io.Reader
	n *atomic.Int64
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

func (s *Server) sarImportPage(w http.ResponseWriter, r *http.Request) error {
	if !mayFile(liaison.ActorFrom(r.Context()).User) {
		return liaison.Errorf(liaison.EFORBIDDEN, "only officers, supervisors, analysts and partner liaisons file reports")
	}
	s.render(w, r, "sar-import.html", map[string]any{})
	return nil
}

// sarImport starts an import of the uploaded file and sends the browser
// to its progress page.
func (s *Server) sarImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	if !mayFile(me) {
		return liaison.Errorf(liaison.EFORBIDDEN, "only officers, supervisors, analysts and partner liaisons file reports")
	}
	refuse := func(id, label, msg string) error {
		errs := newFormErrors()
		errs.add(id, label, msg)
		w.WriteHeader(http.StatusUnprocessableEntity)
		s.render(w, r, "sar-import.html", map[string]any{"Summary": errs.summary, "Errors": errs.byID})
		return nil
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return refuse("file", "File", "choose a CSV or JSON file of reports to import")
	}
	format := r.PostFormValue("format")
	if format == "" || format == "auto" {
		format = "csv"
		if strings.EqualFold(filepath.Ext(hdr.Filename), ".json") {
			format = "json"
		}
	}
	if format != "csv" && format != "json" {
		file.Close()
		return refuse("format", "Format", "must be CSV, JSON, or worked out from the file name")
	}
	j := &importJob{ID: liaison.NewID(), Owner: me.ID, Name: hdr.Filename, Size: hdr.Size, Started: s.svc.Now()}
	s.imports.add(j)
	// The import outlives the request (and the browser's connection): it
	// keeps the actor, audit details included, but not the cancellation.
	// A large upload is a temporary file the server unlinks when the
	// handler returns; the open file stays readable (Linux) until closed.
	go s.runImport(context.WithoutCancel(ctx), j, file, format)
	http.Redirect(w, r, "/imports/"+j.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) runImport(ctx context.Context, j *importJob, file multipart.File, format string) {
	defer file.Close()
	in := bufio.NewReaderSize(progressReader{r: file, n: &j.read}, 64<<10)
	rows := service.ReadSARsCSV(in)
	if format == "json" {
		rows = service.ReadSARsJSON(in)
	}
	rep, err := s.svc.ImportSARs(ctx, rows, func(n int) { j.rows.Store(int64(n)) })
	if err != nil {
		s.log.Warn("import", "job", j.ID, "error", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.report, j.err, j.done = rep, err, s.svc.Now()
}

func (s *Server) sarImportJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.imports.get(r.PathValue("id"), liaison.ActorFrom(r.Context()).User.ID)
	if err != nil {
		return err
	}
	st := j.status()
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		return writeJSON(w, http.StatusOK, st)
	}
	var bad int
	rowsSeen := map[int]bool{}
	if st.Report != nil {
		for _, e := range st.Report.Errors {
			if !rowsSeen[e.Row] {
				rowsSeen[e.Row], bad = true, bad+1
			}
		}
	}
	s.render(w, r, "sar-import-job.html", map[string]any{"Job": st, "BadRows": bad})
	return nil
}

// sarExport streams every report the user's agency originated, as CSV or
// JSON, as a download (the browser shows its progress).
func (s *Server) sarExport(w http.ResponseWriter, r *http.Request) error {
	if !mayFile(liaison.ActorFrom(r.Context()).User) {
		return liaison.Errorf(liaison.EFORBIDDEN, "only officers, supervisors, analysts and partner liaisons export reports")
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		return liaison.Problems{{Field: "format", Message: "must be csv or json"}}.Err()
	}
	ctype := map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json"}[format]
	started := false
	var sw *service.SARWriter
	bw := bufio.NewWriterSize(w, 64<<10)
	_, err := s.svc.ExportSARs(r.Context(), func(rep *liaison.SAR) error {
		if !started {
			started = true
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reports-%s.%s"`, s.svc.Now().UTC().Format("20060102-1504"), format))
			var err error
			if sw, err = service.NewSARWriter(bw, format); err != nil {
				return err
			}
		}
		return sw.Write(rep)
	})
	if err != nil {
		if started {
			s.log.Warn("export cut short", "error", err)
			return nil // the headers are gone: the download ends short
		}
		return err
	}
	if !started {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reports-%s.%s"`, s.svc.Now().UTC().Format("20060102-1504"), format))
		if sw, err = service.NewSARWriter(bw, format); err != nil {
			return err
		}
	}
	if err := sw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}
