package http

import (
	"net/http"

	"liaison"
	"liaison/sar"
	"liaison/service"
)

func (s *Server) createSAR(w http.ResponseWriter, r *http.Request) error {
	var in service.SARInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rep, err := s.svc.CreateSAR(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/sars/"+rep.ID, rep)
}

func (s *Server) stepSAR(w http.ResponseWriter, r *http.Request) error {
	var in service.StepInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rep, err := s.svc.StepSAR(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) getSAR(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	rep, err := s.svc.GetSAR(r.Context(), r.PathValue("id"), liaison.Purpose(r.URL.Query().Get("purpose")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) sarQueue(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "queue", "limit", "cursor", "purpose"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := sar.Queue(r.URL.Query().Get("queue"))
	if q == "" {
		q = sar.MyDrafts
	}
	items, next, err := s.svc.SARQueue(r.Context(), q, liaison.Purpose(r.URL.Query().Get("purpose")), p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) promoteSAR(w http.ResponseWriter, r *http.Request) error {
	var in liaison.IntelInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rec, err := s.svc.PromoteSAR(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/records/"+rec.ID, rec)
}
