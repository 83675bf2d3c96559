package http

import (
	"errors"
	"io"
	"net/http"
	"strings"

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

func (s *Server) editSAR(w http.ResponseWriter, r *http.Request) error {
	var in service.SARInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rep, err := s.svc.EditSARDraft(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
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
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	var in liaison.IntelInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rec, err := s.svc.PromoteSAR(r.Context(), r.PathValue("id"), liaison.Purpose(r.URL.Query().Get("purpose")), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/records/"+rec.ID, rec)
}

func (s *Server) attachToSAR(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "name"); err != nil {
		return err
	}
	data, err := s.readAttachment(w, r)
	if err != nil {
		return err
	}
	att, err := s.svc.Attach(r.Context(), r.PathValue("id"), r.URL.Query().Get("name"), data)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/sars/"+r.PathValue("id")+"/attachments/"+att.Hash, att)
}

// readAttachment reads a raw upload within the attachment limit (413 past it).
func (s *Server) readAttachment(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, service.MaxAttachment))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge{limit: mbe.Limit}
	}
	if err != nil {
		return nil, liaison.Errorf(liaison.EINVALID, "could not read the upload")
	}
	return b, nil
}

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	att, data, err := s.svc.ReadAttachment(r.Context(), r.PathValue("id"), r.PathValue("hash"), liaison.Purpose(r.URL.Query().Get("purpose")))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(att.Name, `"`, "")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}

type attachCaseRequest struct {
	CaseID liaison.ID `json:"case_id"`
}

func (s *Server) attachSARToCase(w http.ResponseWriter, r *http.Request) error {
	var in attachCaseRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rep, err := s.svc.AttachSARToCase(r.Context(), r.PathValue("id"), in.CaseID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
