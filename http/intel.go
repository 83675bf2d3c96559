package http

import (
	"net/http"
	"time"

	"liaison"
	"liaison/policy"
	"liaison/service"
)

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	var in liaison.CaseInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.CreateCase(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/cases/"+c.ID, c)
}

type assignRequest struct {
	Assigned []liaison.ID `json:"assigned" required:"true"` // the whole list: null or absent is refused, never "nobody"
}

func (s *Server) assignCase(w http.ResponseWriter, r *http.Request) error {
	var in assignRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.AssignCase(r.Context(), r.PathValue("id"), in.Assigned)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) error {
	var in liaison.IntelInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rec, err := s.svc.CreateIntelRecord(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/records/"+rec.ID, rec)
}

func (s *Server) correctRecord(w http.ResponseWriter, r *http.Request) error {
	var in liaison.IntelInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rec, err := s.svc.CorrectIntelRecord(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// recordResponse is a record as released, with the decision behind it.
type recordResponse struct {
	Record   *service.ReleasedRecord `json:"record"`
	Decision *policy.Decision        `json:"decision"`
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	rec, dec, err := s.svc.GetIntelRecord(r.Context(), r.PathValue("id"), liaison.Purpose(r.URL.Query().Get("purpose")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, recordResponse{Record: rec, Decision: dec})
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "case_id", "purpose"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.svc.ListIntelRecords(r.Context(), q.Get("case_id"), liaison.Purpose(q.Get("purpose")), p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) explainRecord(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "as", "purpose"); err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("as") == "" {
		return liaison.FieldErrorf("as", "is required: the login or id of the user to explain")
	}
	dec, err := s.svc.ExplainAccess(r.Context(), r.PathValue("id"), q.Get("as"), liaison.Purpose(q.Get("purpose")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, dec)
}

func (s *Server) policyText(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write(policy.DefaultPolicies())
	return err
}

func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "within"); err != nil {
		return err
	}
	var within time.Duration
	if v := r.URL.Query().Get("within"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return liaison.FieldErrorf("within", "must be a positive duration such as 720h")
		}
		within = d
	}
	items, err := s.svc.DueForReview(r.Context(), within)
	if err != nil {
		return err
	}
	return writeList(w, items, "")
}

type reviewRequest struct {
	Reason      string    `json:"reason"`
	RetainUntil time.Time `json:"retain_until"`
}

func (s *Server) reviewRecord(w http.ResponseWriter, r *http.Request) error {
	var in reviewRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rec, err := s.svc.ReviewIntelRecord(r.Context(), r.PathValue("id"), in.Reason, in.RetainUntil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

type purgeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) purgeRecord(w http.ResponseWriter, r *http.Request) error {
	var in purgeRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.svc.PurgeIntelRecord(r.Context(), r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) recordHistory(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	versions, err := s.svc.IntelHistory(r.Context(), r.PathValue("id"), liaison.Purpose(r.URL.Query().Get("purpose")))
	if err != nil {
		return err
	}
	return writeList(w, versions, "")
}

type assessRequest struct {
	Justification string `json:"justification"`
}

func (s *Server) assessRecord(w http.ResponseWriter, r *http.Request) error {
	var in assessRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.Assess(r.Context(), r.PathValue("id"), in.Justification)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.FindCase(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}
