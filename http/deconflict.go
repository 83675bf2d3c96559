package http

import (
	"net/http"
	"slices"
	"strings"

	"liaison"
	"liaison/service"
)

// statesOf reads a comma-separated "state" parameter, each one of valid.
func statesOf[T ~string](r *http.Request, valid []T) ([]T, error) {
	v := r.URL.Query().Get("state")
	if v == "" {
		return nil, nil
	}
	var out []T
	for _, s := range strings.Split(v, ",") {
		if !slices.Contains(valid, T(s)) {
			return nil, liaison.FieldErrorf("state", "%q is not one of %s", s, joinStrings(valid))
		}
		out = append(out, T(s))
	}
	return out, nil
}

func joinStrings[T ~string](vs []T) string {
	ss := make([]string, len(vs))
	for i, v := range vs {
		ss[i] = string(v)
	}
	return strings.Join(ss, ", ")
}

// nextCursor is the cursor after a full page of items with ids.
func nextCursor[T any](items []T, p liaison.Page, id func(T) liaison.ID) string {
	if len(items) == 0 || len(items) < p.Clamp().Limit {
		return ""
	}
	return id(items[len(items)-1])
}

// listByState answers a list endpoint whose only filter is a
// comma-separated state: it reads state, limit and cursor, calls list and
// writes the page with its next cursor.
func listByState[S ~string, T any](w http.ResponseWriter, r *http.Request, valid []S,
	list func(states []S, p liaison.Page) ([]T, error), id func(T) liaison.ID) error {
	if err := checkQuery(r, "state", "limit", "cursor"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	states, err := statesOf(r, valid)
	if err != nil {
		return err
	}
	items, err := list(states, p)
	if err != nil {
		return err
	}
	return writeList(w, items, nextCursor(items, p, id))
}

var (
	operationStates = []liaison.OperationState{liaison.OpDraft, liaison.OpActive, liaison.OpCompleted, liaison.OpCancelled}
	conflictStates  = []liaison.ConflictState{liaison.ConflictOpen, liaison.ConflictContacted, liaison.ConflictResolved}
)

func (s *Server) createOperation(w http.ResponseWriter, r *http.Request) error {
	var in service.OperationInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.svc.CreateOperation(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/operations/"+o.ID, o)
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request) error {
	return listByState(w, r, operationStates, func(states []liaison.OperationState, p liaison.Page) ([]*liaison.Operation, error) {
		return s.svc.ListOperations(r.Context(), states, p)
	}, func(o *liaison.Operation) liaison.ID { return o.ID })
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request) error {
	o, err := s.svc.GetOperation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

// transitionRequest moves an operation.
type transitionRequest struct {
	To     liaison.OperationState `json:"to"`
	Reason string                 `json:"reason"`
}

func (s *Server) transitionOperation(w http.ResponseWriter, r *http.Request) error {
	var in transitionRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.svc.TransitionOperation(r.Context(), r.PathValue("id"), in.To, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) registerTarget(w http.ResponseWriter, r *http.Request) error {
	var in service.TargetInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.svc.RegisterTarget(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/targets/"+t.ID, t)
}

func (s *Server) listTargets(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "active", "operation_id", "limit", "cursor"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	f := liaison.TargetFilter{OperationID: r.URL.Query().Get("operation_id")}
	switch r.URL.Query().Get("active") {
	case "", "false":
	case "true":
		f.ActiveOnly = true
	default:
		return liaison.FieldErrorf("active", "must be true or false")
	}
	ts, err := s.svc.ListTargets(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, ts, nextCursor(ts, p, func(t *liaison.Target) liaison.ID { return t.ID }))
}

func (s *Server) retireTarget(w http.ResponseWriter, r *http.Request) error {
	t, err := s.svc.RetireTarget(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) listConflicts(w http.ResponseWriter, r *http.Request) error {
	return listByState(w, r, conflictStates, func(states []liaison.ConflictState, p liaison.Page) ([]*service.ConflictView, error) {
		return s.svc.ListConflicts(r.Context(), states, p)
	}, func(c *service.ConflictView) liaison.ID { return c.ID })
}

func (s *Server) getConflict(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.GetConflict(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) watchConflicts(w http.ResponseWriter, r *http.Request) error {
	return listByState(w, r, conflictStates, func(states []liaison.ConflictState, p liaison.Page) ([]*liaison.Conflict, error) {
		return s.svc.WatchConflicts(r.Context(), states, p)
	}, func(c *liaison.Conflict) liaison.ID { return c.ID })
}

func (s *Server) handleConflict(w http.ResponseWriter, r *http.Request) error {
	var in service.WatchAction
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.HandleConflict(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// inboxResponse is a page of notices and the unread count.
type inboxResponse struct {
	Items      []*liaison.InboxMessage `json:"items"`
	Unread     int                     `json:"unread"`
	NextCursor string                  `json:"next_cursor,omitempty"`
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "unread", "limit", "cursor"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	var f liaison.InboxFilter
	switch r.URL.Query().Get("unread") {
	case "", "false":
	case "true":
		f.UnreadOnly = true
	default:
		return liaison.FieldErrorf("unread", "must be true or false")
	}
	ms, unread, err := s.svc.Inbox(r.Context(), f, p)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*liaison.InboxMessage{}
	}
	return writeJSON(w, http.StatusOK, inboxResponse{Items: ms, Unread: unread,
		NextCursor: nextCursor(ms, p, func(m *liaison.InboxMessage) liaison.ID { return m.ID })})
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.MarkRead(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
