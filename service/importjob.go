package service

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"liaison"
)

// ImportJobTTL is how long an import's job and report are kept after its
// last progress; starting an import deletes older ones.
const ImportJobTTL = 7 * 24 * time.Hour

// importSaveEvery is how often a running import records its progress.
const importSaveEvery = time.Second

// importStale is how long a running import may go without recording its
// progress before it counts as interrupted (its node stopped).
const importStale = time.Minute

// StartSARImport records an import job for the caller and files the
// reports of file (csv or json) in the background as ImportSARs does,
// recording its progress every second and its report at the end, when the
// import is audited as sar.import. The job outlives the request: it keeps
// the caller's actor but not the cancellation. The file is closed when
// the import ends. EUNAUTHORIZED, EINVALID (format).
func (s *Service) StartSARImport(ctx context.Context, name, format string, size int64, file io.ReadCloser) (*liaison.ImportJob, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		file.Close()
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if format != "csv" && format != "json" {
		file.Close()
		return nil, liaison.FieldErrorf("format", "must be csv or json")
	}
	now := s.now()
	j := &liaison.ImportJob{ID: liaison.NewID(), OwnerID: a.User.ID, Name: fileName(name), Format: format, Size: max(size, 0),
		Node: s.Node, Started: now, Updated: now}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if _, err := tx.DeleteImportJobs(ctx, now.Add(-ImportJobTTL)); err != nil {
			return err
		}
		return tx.PutImportJob(ctx, j)
	})
	if err != nil {
		file.Close()
		return nil, err
	}
	run := *j
	go s.runImport(context.WithoutCancel(ctx), &run, file)
	return j, nil
}

// fileName keeps an uploaded file's name fit to show: its base name,
// printable, at most 200 characters.
func fileName(name string) string {
	name = strings.ToValidUTF8(name, "?")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	for utf8.RuneCountInString(name) > 200 {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" {
		return "upload"
	}
	return name
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (s *Service) runImport(ctx context.Context, j *liaison.ImportJob, file io.ReadCloser) {
	defer file.Close()
	var read, rows atomic.Int64
	in := bufio.NewReaderSize(countingReader{r: file, n: &read}, 64<<10)
	seq := ReadSARsCSV(in)
	if j.Format == "json" {
		seq = ReadSARsJSON(in)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(importSaveEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				j.Read, j.Rows, j.Updated = read.Load(), rows.Load(), s.now()
				if err := s.Store.Update(ctx, func(tx liaison.Tx) error { return tx.PutImportJob(ctx, j) }); err != nil {
					s.Alert("import", "the progress of import "+string(j.ID)+" could not be recorded: "+err.Error())
				}
			}
		}
	}()
	rep, err := s.ImportSARs(ctx, seq, func(n int) { rows.Store(int64(n)) })
	close(stop)
	<-stopped
	now := s.now()
	j.Read, j.Rows, j.Updated, j.Finished, j.Report = read.Load(), rows.Load(), now, &now, rep
	if err != nil {
		j.Error = liaison.ErrorMessage(err)
	}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.PutImportJob(ctx, j); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "sar.import", "sar", "")
		e.Details = map[string]string{"job": string(j.ID), "format": j.Format, "bytes": itoa(int(j.Read)), "rows": itoa(int(j.Rows))}
		if rep != nil {
			e.Details["imported"], e.Details["skipped"], e.Details["row_errors"] = itoa(rep.Imported), itoa(rep.Skipped), itoa(len(rep.Errors))
		}
		if j.Error != "" {
			e.Outcome, e.Reason = liaison.OutcomeFailure, j.Error
		}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		s.Alert("import", "import "+string(j.ID)+" ended but its report could not be recorded: "+err.Error())
	}
}

// ImportJob returns one of the caller's imports. A job that stopped
// recording progress without finishing (its node stopped) comes back
// finished, marked Interrupted. Anyone else's job is ENOTFOUND, as a
// missing one is.
func (s *Service) ImportJob(ctx context.Context, id liaison.ID) (*liaison.ImportJob, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var j *liaison.ImportJob
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		j, err = tx.FindImportJob(ctx, id)
		return err
	})
	if liaison.ErrorCode(err) == liaison.ENOTFOUND || (err == nil && j.OwnerID != a.User.ID) {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no such import of yours: imports are kept for a week")
	}
	if err != nil {
		return nil, err
	}
	if j.Finished == nil && s.now().Sub(j.Updated) > importStale {
		j.Interrupted = true
		j.Error = "the server stopped before the import finished"
	}
	return j, nil
}
