package http

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"liaison"
	"liaison/service"
)

// limiter allows n events per window per client address. It keeps no
// address: each is hashed with a key drawn at start-up (HMAC-SHA256), so
// what it holds cannot be matched with an address by anyone without the
// key, which lives only in this process; and each hash is forgotten once
// its window has passed.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	key    []byte
	seen   map[[sha256.Size]byte][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &limiter{n: n, window: window, key: key, seen: map[[sha256.Size]byte][]time.Time{}}
}

// allow records an event for addr and reports whether it is within the limit.
func (l *limiter) allow(addr string, now time.Time) bool {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(addr))
	var key [sha256.Size]byte
	copy(key[:], m.Sum(nil))
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			keep = append(keep, t)
		}
	}
	if len(keep) >= l.n {
		l.seen[key] = keep
		return false
	}
	l.seen[key] = append(keep, now)
	if len(l.seen) > 100_000 { // bound memory under a flood of addresses
		for k, v := range l.seen {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	return true
}

func (s *Server) tipPage(w http.ResponseWriter, r *http.Request) error {
	agencies, err := s.svc.TipAgencies(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, "tip.html", map[string]any{"LoginCSRF": loginToken(w, r), "Agencies": agencies})
	return nil
}

func (s *Server) tipSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := checkLoginCSRF(r); err != nil {
		return err
	}
	again := func(status int, msg string, agencies []*liaison.Agency) error {
		w.WriteHeader(status)
		s.render(w, r, "tip.html", map[string]any{"LoginCSRF": loginToken(w, r), "Agencies": agencies, "Error": msg,
			"What": r.PostFormValue("what"), "Where": r.PostFormValue("where")})
		return nil
	}
	agencies, err := s.svc.TipAgencies(r.Context())
	if err != nil {
		return err
	}
	if r.PostFormValue("website") != "" { // a field people never see: only bots fill it
		return again(http.StatusBadRequest, "Your tip could not be accepted.", agencies)
	}
	if !s.tips.allow(clientIP(r), time.Now()) {
		return again(http.StatusTooManyRequests, "Too many tips from your connection in the last hour. If this is an emergency, call 911.", agencies)
	}
	var when liaison.SARTime
	if v := r.PostFormValue("when"); v != "" {
		if err := when.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
			return again(http.StatusBadRequest, "When: give a date such as 2026-11-24 or a date and time.", agencies)
		}
	}
	receipt, err := s.svc.SubmitTip(r.Context(), service.TipInput{AgencyID: r.PostFormValue("agency"), What: r.PostFormValue("what"),
		When: when, Where: r.PostFormValue("where")})
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		return again(http.StatusBadRequest, liaison.ErrorMessage(err), agencies)
	}
	s.render(w, r, "tip-done.html", map[string]any{"Receipt": receipt, "LoginCSRF": loginToken(w, r)})
	return nil
}

func (s *Server) tipAdd(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := checkLoginCSRF(r); err != nil {
		return err
	}
	if !s.tips.allow(clientIP(r), time.Now()) {
		w.WriteHeader(http.StatusTooManyRequests)
		s.render(w, r, "tip-done.html", map[string]any{"Error": "Too many submissions from your connection in the last hour."})
		return nil
	}
	if err := s.svc.AddToTip(r.Context(), r.PostFormValue("receipt"), r.PostFormValue("information")); err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "tip-done.html", map[string]any{"Error": liaison.ErrorMessage(err), "LoginCSRF": loginToken(w, r)})
		return nil
	}
	s.render(w, r, "tip-done.html", map[string]any{"Added": true, "LoginCSRF": loginToken(w, r)})
	return nil
}
