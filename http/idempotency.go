package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"

	"liaison"
)

type bodyKey struct{}

// bodyFrom returns a body already read by the idempotency layer.
func bodyFrom(r *http.Request) ([]byte, bool) {
	b, ok := r.Context().Value(bodyKey{}).([]byte)
	return b, ok
}

var idemKeyRE = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// inflight is the set of Idempotency-Keys whose requests run in this
// process now. A key is only ever written in the act's transaction, so
// "still running" is known here, not in the database: after a crash nothing
// is pending, and a retry either finds the act committed or runs it.
type inflight struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (f *inflight) add(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.keys[key] {
		return false
	}
	if f.keys == nil {
		f.keys = map[string]bool{}
	}
	f.keys[key] = true
	return true
}

func (f *inflight) remove(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.keys, key)
}

// creation is what an idempotent create endpoint makes: the audit object
// type of the created object, where it lives, and how to read it back to
// answer a retry whose first response was lost (nil: it cannot be, as for
// a token's secret, shown once).
type creation struct {
	objectType string
	location   string
	load       func(ctx context.Context, tx liaison.Tx, id string) (any, error)
}

func loader[T any](find func(liaison.Tx, context.Context, liaison.ID) (T, error)) func(context.Context, liaison.Tx, string) (any, error) {
	return func(ctx context.Context, tx liaison.Tx, id string) (any, error) { return find(tx, ctx, id) }
}

// creations are the idempotent create endpoints, by path.
var creations = map[string]creation{
	"/api/v1/agencies":    {"agency", "/api/v1/agencies/", loader(liaison.Tx.FindAgencyByID)},
	"/api/v1/users":       {"user", "/api/v1/users/", loader(liaison.Tx.FindUserByID)},
	"/api/v1/communities": {"community", "/api/v1/communities/", loader(liaison.Tx.FindCommunityByID)},
	"/api/v1/agreements":  {"agreement", "/api/v1/agreements/", loader(liaison.Tx.FindAgreementByID)},
	"/api/v1/tokens":      {"api_token", "", nil},
	"/api/v1/cases":       {"case", "/api/v1/cases/", loader(liaison.Tx.FindCaseByID)},
	"/api/v1/records":     {"intel", "/api/v1/records/", loader(liaison.Tx.FindIntelRecord)},
	"/api/v1/sars":        {"sar", "/api/v1/sars/", loader(liaison.Tx.FindSAR)},
	"/api/v1/operations":  {"operation", "/api/v1/operations/", loader(liaison.Tx.FindOperation)},
	"/api/v1/targets":     {"target", "/api/v1/targets/", loader(liaison.Tx.FindTarget)},
}

// idempotent makes a create endpoint safe to retry: a request with an
// Idempotency-Key header runs once per key and caller; a retry with the
// same body gets the first response again, a different body gets 409.
//
// The key is written by the service in the transaction that creates the
// object (see liaison.WithIdempotency), so the act cannot commit without
// it. The response is stored just after; if the server dies in between, a
// retry is answered from the created object. A refusal (4xx) is stored
// after it, and a 5xx is not, so its retry runs again.
func (s *Server) idempotent(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(w, r)
		}
		if !idemKeyRE.MatchString(key) {
			return liaison.FieldErrorf("Idempotency-Key", "must be 1-255 printable ASCII characters, e.g. a UUID")
		}
		body, err := s.readBody(w, r)
		if err != nil {
			return err
		}
		a := liaison.ActorFrom(r.Context())
		principal := a.Name()
		if a.User != nil {
			principal = a.User.ID
		}
		sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
		cr := creations[r.URL.Path]
		rec := &liaison.IdempotencyRecord{Key: principal + ":" + key, RequestHash: hex.EncodeToString(sum[:]),
			Created: s.svc.Now().UTC(), ObjectType: cr.objectType, Run: liaison.NewID()}
		ctx := r.Context()

		if !s.inflight.add(rec.Key) {
			return errStillRunning()
		}
		defer s.inflight.remove(rec.Key)
		old, err := s.findKey(ctx, rec.Key)
		if err != nil {
			return err
		}
		if old != nil {
			if old.RequestHash != rec.RequestHash {
				return &liaison.Error{Code: liaison.ECONFLICT, Message: "Idempotency-Key was already used with a different request; use a new key for a new request",
					Fields: []liaison.FieldError{{Field: "Idempotency-Key", Message: "was already used with a different request"}}}
			}
			if old.Status == 0 {
				// The act committed but its response was lost (a crash).
				if old, err = s.answerFromObject(ctx, cr, old); err != nil {
					return err
				}
			}
			return replay(w, old)
		}

		rw := &recorder{ResponseWriter: w}
		ctx = liaison.WithIdempotency(ctx, rec)
		herr := h(rw, r.WithContext(context.WithValue(ctx, bodyKey{}, body)))
		if herr != nil {
			// The handler did not answer; render the problem into the recorder so it is kept too.
			s.renderError(rw, r, route{}, herr)
		}
		ctx = r.Context()
		mine, err := s.findKey(ctx, rec.Key)
		if err != nil || rw.status >= 500 || rw.status == 0 {
			return nil // already answered; a committed key is answered from its object
		}
		rec.Status, rec.Body, rec.Location = rw.status, rw.body.Bytes(), rw.Header().Get("Location")
		switch {
		case mine != nil && mine.Run == rec.Run:
			rec.ObjectID = mine.ObjectID
			s.keep(r, s.svc.Store.Update(ctx, func(tx liaison.Tx) error { return tx.CompleteIdempotencyKey(ctx, rec) }))
		case mine == nil:
			// Refused before anything committed: the refusal is kept, so a
			// retry gets it again. (A success here is an act that audited no
			// object of the endpoint's type, so its key was not in its
			// transaction; it is kept too, but not atomically.)
			if rec.Status < 300 {
				s.log.Warn("idempotent request committed without its key", "path", r.URL.Path)
			}
			s.keep(r, s.svc.Store.Update(ctx, func(tx liaison.Tx) error {
				if err := tx.ClaimIdempotencyKey(ctx, rec); err != nil {
					return err
				}
				return tx.CompleteIdempotencyKey(ctx, rec)
			}))
		}
		return nil // answered; or another run holds the key
	}
}

// keep logs a response that could not be stored. The client has it
// already; a committed act's retry is answered from its object.
func (s *Server) keep(r *http.Request, err error) {
	if err != nil {
		s.log.Warn("idempotent response not stored", "path", r.URL.Path, "error", err)
	}
}

func errStillRunning() error {
	return liaison.Errorf(liaison.ECONFLICT, "a request with this Idempotency-Key is still running; retry in a moment")
}

func replay(w http.ResponseWriter, old *liaison.IdempotencyRecord) error {
	if old.Location != "" {
		w.Header().Set("Location", old.Location)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(old.Status)
	_, err := w.Write(old.Body)
	return err
}

// findKey returns the record of key, or nil if there is none.
func (s *Server) findKey(ctx context.Context, key string) (*liaison.IdempotencyRecord, error) {
	var rec *liaison.IdempotencyRecord
	err := s.svc.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		rec, err = tx.FindIdempotencyKey(ctx, key)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			rec, err = nil, nil
		}
		return err
	})
	return rec, err
}

// answerFromObject renders the first response of a committed act whose
// response was lost, from the object it created, as the create answered
// (201, Location, the object), and stores it for the next retry.
func (s *Server) answerFromObject(ctx context.Context, cr creation, rec *liaison.IdempotencyRecord) (*liaison.IdempotencyRecord, error) {
	if cr.load == nil || rec.ObjectID == "" {
		return nil, liaison.Errorf(liaison.ECONFLICT, "this request was carried out, but its answer was lost when the server restarted and cannot be shown again; check what it created (%s %s) before sending a new request", rec.ObjectType, rec.ObjectID)
	}
	var obj any
	err := s.svc.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		obj, err = cr.load(ctx, tx, rec.ObjectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(obj); err != nil {
		return nil, err
	}
	out := *rec
	out.Status, out.Body, out.Location = http.StatusCreated, b.Bytes(), cr.location+rec.ObjectID
	if err := s.svc.Store.Update(ctx, func(tx liaison.Tx) error { return tx.CompleteIdempotencyKey(ctx, &out) }); err != nil {
		return nil, err
	}
	return &out, nil
}
