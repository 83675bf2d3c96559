package http

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"liaison"
)

// timeParam reads an RFC 3339 time or a YYYY-MM-DD date (UTC midnight).
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, liaison.FieldErrorf(name, "must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T08:00:00Z)")
}

func intParam(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, liaison.FieldErrorf(name, "must be a whole number, 0 or more")
	}
	return n, nil
}

func (s *Server) auditEvents(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "user_id", "agency_id", "action", "object_type", "object_id", "outcome", "since", "until", "order"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.AuditFilter{UserID: q.Get("user_id"), AgencyID: q.Get("agency_id"), Action: q.Get("action"),
		ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Outcome: q.Get("outcome")}
	if f.Since, err = timeParam(r, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(r, "until"); err != nil {
		return err
	}
	switch q.Get("order") {
	case "", "oldest":
	case "newest":
		f.Newest = true
	default:
		return liaison.FieldErrorf("order", "must be oldest (log order, the default) or newest")
	}
	items, next, err := s.svc.QueryAudit(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) auditReview(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "since", "until"); err != nil {
		return err
	}
	since, err := timeParam(r, "since")
	if err != nil {
		return err
	}
	until, err := timeParam(r, "until")
	if err != nil {
		return err
	}
	rev, err := s.svc.AuditReview(r.Context(), since, until)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rev)
}

func (s *Server) listCheckpoints(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "before", "limit"); err != nil {
		return err
	}
	before, err := intParam(r, "before", 0)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", liaison.DefaultPageSize)
	if err != nil {
		return err
	}
	cps, err := s.svc.Checkpoints(r.Context(), before, int(limit))
	if err != nil {
		return err
	}
	next := ""
	if len(cps) > 0 && len(cps) == int(limit) {
		next = strconv.FormatInt(cps[len(cps)-1].Size, 10)
	}
	return writeList(w, cps, next)
}

func (s *Server) signCheckpoint(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.SignCheckpoint(r.Context())
	if err != nil {
		return err
	}
	return created(w, "/api/v1/audit/checkpoints", c)
}

type cosignRequest struct {
	Note        string `json:"note"`
	VerifierKey string `json:"verifier_key"`
}

func (s *Server) cosign(w http.ResponseWriter, r *http.Request) error {
	size, err := strconv.ParseInt(r.PathValue("size"), 10, 64)
	if err != nil {
		return liaison.FieldErrorf("size", "must be a checkpoint size")
	}
	var in cosignRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.Cosign(r.Context(), size, in.Note, in.VerifierKey)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "index", "size"); err != nil {
		return err
	}
	if r.URL.Query().Get("index") == "" {
		return liaison.FieldErrorf("index", "is required: the audit entry to prove")
	}
	index, err := intParam(r, "index", 0)
	if err != nil {
		return err
	}
	size, err := intParam(r, "size", -1)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("size") == "" {
		size = -1
	}
	p, err := s.svc.ProveInclusion(r.Context(), index, size)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "old", "new"); err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("old") == "" || q.Get("new") == "" {
		return liaison.FieldErrorf("old", "old and new checkpoint sizes are both required")
	}
	oldSize, err := intParam(r, "old", 0)
	if err != nil {
		return err
	}
	newSize, err := intParam(r, "new", 0)
	if err != nil {
		return err
	}
	p, err := s.svc.ProveConsistency(r.Context(), oldSize, newSize)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) auditKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.AuditKeys(r.Context())
	if err != nil {
		return err
	}
	current := ""
	if s.svc.Signer != nil {
		current = s.svc.Signer.VerifierKey
	}
	return writeJSON(w, http.StatusOK, map[string]any{"current": current, "all": keys})
}

func (s *Server) disseminationFilter(r *http.Request) (liaison.DisseminationFilter, error) {
	q := r.URL.Query()
	f := liaison.DisseminationFilter{ItemID: q.Get("item_id"), RecipientAgencyID: q.Get("recipient_agency_id"),
		OriginatorID: q.Get("originator_id")}
	var err error
	if f.Since, err = timeParam(r, "since"); err != nil {
		return f, err
	}
	f.Until, err = timeParam(r, "until")
	return f, err
}

func (s *Server) listDisseminations(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "item_id", "recipient_agency_id", "originator_id", "since", "until"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	f, err := s.disseminationFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListDisseminations(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

// exportDisseminations streams the whole (filtered) ledger as CSV.
func (s *Server) exportDisseminations(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "item_id", "recipient_agency_id", "originator_id", "since", "until"); err != nil {
		return err
	}
	f, err := s.disseminationFilter(r)
	if err != nil {
		return err
	}
	p := liaison.Page{Limit: liaison.MaxPageSize}
	var cw *csv.Writer
	for {
		items, next, err := s.svc.ListDisseminations(r.Context(), f, p)
		if err != nil {
			if cw == nil {
				return err
			}
			s.log.Error("ledger export", "error", err)
			return nil // headers are sent; the truncated file ends without the closing row
		}
		if cw == nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="dissemination-ledger.csv"`)
			cw = csv.NewWriter(w)
			_ = cw.Write([]string{"id", "at", "item_kind", "item_id", "recipient_user_id", "recipient_agency_id",
				"tlp", "handling", "sensitivity", "originator_agency_id", "purpose", "redacted", "audit_event_id"})
		}
		for _, d := range items {
			_ = cw.Write([]string{d.ID, d.At.Format(time.RFC3339Nano), d.ItemKind, d.ItemID, d.RecipientUserID,
				d.RecipientAgencyID, d.Labels.TLP, d.Labels.Handling, d.Labels.Sensitivity, d.Labels.Originator,
				string(d.Purpose), strconv.FormatBool(d.Redacted), d.AuditEventID})
		}
		if next == "" {
			break
		}
		p.After = next
	}
	_ = cw.Write([]string{"# end of ledger"})
	cw.Flush()
	return cw.Error()
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) error {
	if !liaison.ActorFrom(r.Context()).IsAdmin() {
		return liaison.Errorf(liaison.EFORBIDDEN, "only administrators see operational alerts")
	}
	items, total := s.svc.Alerts.Recent()
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) transparencyJSON(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "months"); err != nil {
		return err
	}
	months, err := intParam(r, "months", 12)
	if err != nil || months < 1 || months > 36 {
		return liaison.FieldErrorf("months", "must be between 1 and 36")
	}
	t, err := s.svc.TransparencyReport(r.Context(), int(months))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) transparencyPage(w http.ResponseWriter, r *http.Request) error {
	t, err := s.svc.TransparencyReport(r.Context(), 12)
	if err != nil {
		return err
	}
	// Rows by measure, then month, for the table.
	table := map[string]map[string]TransparencyCell{}
	for _, row := range t.Rows {
		if table[row.Measure] == nil {
			table[row.Measure] = map[string]TransparencyCell{}
		}
		c := TransparencyCell{Suppressed: row.Suppressed}
		if row.Count != nil {
			c.Count = *row.Count
		}
		table[row.Measure][row.Month] = c
	}
	s.render(w, r, "transparency.html", map[string]any{"Report": t, "Table": table})
	return nil
}

// TransparencyCell is one figure of the public table.
type TransparencyCell struct {
	Count      int64
	Suppressed bool
}
