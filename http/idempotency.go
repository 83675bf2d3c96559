package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"

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

// idempotent makes a create endpoint safe to retry: a request with an
// Idempotency-Key header runs once per key and caller; a retry with the
// same body gets the first response again, a different body gets 409.
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
		rec := &liaison.IdempotencyRecord{Key: principal + ":" + key, RequestHash: hex.EncodeToString(sum[:]),
			Created: s.svc.Now().UTC()}
		ctx := r.Context()

		replay, err := s.claim(ctx, rec)
		if err != nil {
			return err
		}
		if replay != nil {
			if replay.Location != "" {
				w.Header().Set("Location", replay.Location)
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(replay.Status)
			_, err := w.Write(replay.Body)
			return err
		}

		rw := &recorder{ResponseWriter: w}
		herr := h(rw, r.WithContext(context.WithValue(ctx, bodyKey{}, body)))
		if herr != nil {
			// The handler did not answer; render the problem into the recorder so it is kept too.
			s.renderError(rw, r, route{}, herr)
		}
		if rw.status >= 500 || rw.status == 0 {
			return s.svc.Store.Update(ctx, func(tx liaison.Tx) error { return tx.DeleteIdempotencyKey(ctx, rec.Key) })
		}
		rec.Status, rec.Body, rec.Location = rw.status, rw.body.Bytes(), rw.Header().Get("Location")
		return s.svc.Store.Update(ctx, func(tx liaison.Tx) error { return tx.CompleteIdempotencyKey(ctx, rec) })
	}
}

// claim reserves rec's key, or returns the stored response to replay.
func (s *Server) claim(ctx context.Context, rec *liaison.IdempotencyRecord) (*liaison.IdempotencyRecord, error) {
	var replay *liaison.IdempotencyRecord
	err := s.svc.Store.Update(ctx, func(tx liaison.Tx) error {
		old, err := tx.FindIdempotencyKey(ctx, rec.Key)
		switch {
		case liaison.ErrorCode(err) == liaison.ENOTFOUND:
			return tx.ClaimIdempotencyKey(ctx, rec)
		case err != nil:
			return err
		case old.RequestHash != rec.RequestHash:
			return &liaison.Error{Code: liaison.ECONFLICT, Message: "Idempotency-Key was already used with a different request; use a new key for a new request",
				Fields: []liaison.FieldError{{Field: "Idempotency-Key", Message: "was already used with a different request"}}}
		case old.Status == 0 && rec.Created.Sub(old.Created) < s.IdempotencyPendingTTL:
			return liaison.Errorf(liaison.ECONFLICT, "a request with this Idempotency-Key is still running; retry in a moment")
		case old.Status == 0: // abandoned by a crash: run it again
			if err := tx.DeleteIdempotencyKey(ctx, rec.Key); err != nil {
				return err
			}
			return tx.ClaimIdempotencyKey(ctx, rec)
		}
		replay = old
		return nil
	})
	return replay, err
}
