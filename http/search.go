package http

import (
	"net/http"

	"liaison"
	"liaison/service"
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	var in service.SearchRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	resp, err := s.svc.Search(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

func (s *Server) requestAccess(w http.ResponseWriter, r *http.Request) error {
	var in service.AccessRequestInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	req, err := s.svc.RequestAccess(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/access-requests/"+req.ID, req)
}

var accessStates = []liaison.AccessRequestState{liaison.RequestPending, liaison.RequestApproved, liaison.RequestPartial, liaison.RequestDenied}

func (s *Server) listAccessRequests(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "box", "state", "limit", "cursor"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	states, err := statesOf(r, accessStates)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListAccessRequests(r.Context(), r.URL.Query().Get("box"), states, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) getAccessRequest(w http.ResponseWriter, r *http.Request) error {
	req, err := s.svc.GetAccessRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

func (s *Server) decideAccessRequest(w http.ResponseWriter, r *http.Request) error {
	var in service.AccessDecision
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	req, err := s.svc.DecideAccessRequest(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "box", "limit", "cursor"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListGrants(r.Context(), r.URL.Query().Get("box"), p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

// revokeRequest says why a grant ends early.
type revokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	var in revokeRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	g, err := s.svc.RevokeGrant(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

// saveSearchRequest names a search to keep.
type saveSearchRequest struct {
	Name  string                `json:"name"`
	Query service.SearchRequest `json:"query"`
}

func (s *Server) saveSearch(w http.ResponseWriter, r *http.Request) error {
	var in saveSearchRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ss, err := s.svc.SaveSearch(r.Context(), in.Name, in.Query)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/saved-searches/"+ss.ID, ss)
}

func (s *Server) listSavedSearches(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	items, err := s.svc.ListSavedSearches(r.Context())
	if err != nil {
		return err
	}
	return writeList(w, items, "")
}

func (s *Server) deleteSavedSearch(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteSavedSearch(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
