package http

import (
	"bufio"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"liaison"
	"liaison/service"
)

// Bulk import and export of reports in the web UI. An import runs in the
// background as the user who started it (Service.StartSARImport, through
// ImportSARs like the CLI); its page shows how much of the file has been
// read and then the report: what was filed, what was skipped as already
// filed, and each bad row with the field and what to fix. Jobs are kept
// in the store for a week, so any node answers for them and a restart
// shows an interrupted import as such.

// maxImportBytes bounds an uploaded file of reports.
const maxImportBytes = 256 << 20

// importStatus is a job as its page and its JSON poll show it.
type importStatus struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Size        int64                 `json:"size"`
	Read        int64                 `json:"read"`
	Rows        int64                 `json:"rows"`
	Percent     int                   `json:"percent"`
	Done        bool                  `json:"done"`
	Interrupted bool                  `json:"interrupted,omitempty"`
	Error       string                `json:"error,omitempty"`
	Report      *liaison.ImportReport `json:"report,omitempty"`
	Started     time.Time             `json:"started"`
	Finished    *time.Time            `json:"finished,omitempty"`
}

func importStatusOf(j *liaison.ImportJob) importStatus {
	st := importStatus{ID: j.ID, Name: j.Name, Size: j.Size, Read: j.Read, Rows: j.Rows, Started: j.Started,
		Report: j.Report, Done: j.Finished != nil || j.Interrupted, Interrupted: j.Interrupted, Error: j.Error, Finished: j.Finished}
	if j.Size > 0 {
		st.Percent = int(min(100, st.Read*100/j.Size))
	}
	if j.Finished != nil {
		st.Percent = 100
	}
	return st
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
	// A large upload is a temporary file the server unlinks when the
	// handler returns; the open file stays readable (Linux) until the
	// import closes it.
	j, err := s.svc.StartSARImport(ctx, hdr.Filename, format, hdr.Size, file)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/imports/"+j.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) sarImportJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.svc.ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	st := importStatusOf(j)
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
	_, err := s.svc.ExportSARs(r.Context(), func(rep *service.ReleasedSAR) error {
		if !started {
			started = true
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reports-%s.%s"`, s.svc.Now().UTC().Format("20060102-1504"), format))
			var err error
			if sw, err = service.NewSARWriter(bw, format); err != nil {
				return err
			}
		}
		return sw.WriteReleased(rep)
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
