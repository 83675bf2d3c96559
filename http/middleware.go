package http

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"liaison"
)

// authMode says who may call a route.
type authMode int

const (
	authPublic  authMode = iota // anyone
	authUser                    // a signed-in user: session cookie or bearer token
	authSession                 // a browser session only (the web UI)
)

// handlerFunc handles a request; a returned error is rendered by wrap.
type handlerFunc func(http.ResponseWriter, *http.Request) error

type ctxKey int

const (
	requestIDKey ctxKey = iota
	sessionKey
)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func sessionFrom(ctx context.Context) *liaison.Session {
	s, _ := ctx.Value(sessionKey).(*liaison.Session)
	return s
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// wrap applies everything every route needs: request id, security
// headers, recovery, authentication, CSRF, logging, metrics and error rendering.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		rid := r.Header.Get("X-Request-ID")
		if !requestIDRE.MatchString(rid) {
			rid = liaison.NewID()
		}
		h := w.Header()
		h.Set("X-Request-ID", rid)
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Strict-Transport-Security", "max-age=31536000")

		actor := liaison.Actor{IP: clientIP(r), UserAgent: r.UserAgent(), RequestID: rid,
			Purpose: purposeHeader(r.Header.Get("Liaison-Purpose"))}
		if rt.anonymous {
			actor.IP, actor.UserAgent = "", ""
		}
		ctx := context.WithValue(r.Context(), requestIDKey, rid)
		ctx = liaison.NewContext(ctx, actor)
		r = r.WithContext(ctx)

		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "request_id", rid, "panic", v, "path", r.URL.Path)
				s.renderError(w, r, rt, liaison.Errorf(liaison.EINTERNAL, "panic: %v", v))
			}
			status := w.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.requests.WithLabelValues(rt.name, fmt.Sprint(status)).Inc()
			s.latency.WithLabelValues(rt.name).Observe(d.Seconds())
			a := liaison.ActorFrom(r.Context())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []any{"request_id", rid, "method", r.Method, "path", r.URL.Path,
				"route", rt.name, "status", status, "duration_ms", float64(d.Microseconds()) / 1000, "actor", a.Name()}
			if actor.IP != "" {
				attrs = append(attrs, "ip", actor.IP)
			}
			s.log.Log(r.Context(), level, "request", attrs...)
		}()

		if rt.auth != authPublic {
			var err error
			if r, err = s.authenticate(w, r, rt); err != nil {
				s.renderError(w, r, rt, err)
				return
			}
		}
		if err := checkPathValues(r, rt.pattern); err != nil {
			s.renderError(w, r, rt, err)
			return
		}
		if err := rt.h(w, r); err != nil {
			s.renderError(w, r, rt, err)
		}
	})
}

// authenticate attaches the actor for a bearer token or a session cookie,
// and checks token scopes and CSRF tokens.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rt route) (*http.Request, error) {
	ctx := r.Context()
	a := liaison.ActorFrom(ctx)
	if authz := r.Header.Get("Authorization"); authz != "" && rt.auth == authUser {
		secret, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok {
			return r, liaison.Errorf(liaison.EUNAUTHORIZED, "use an Authorization: Bearer <token> header")
		}
		tok, u, err := s.svc.AuthenticateToken(ctx, strings.TrimSpace(secret))
		if err != nil {
			return r, err
		}
		need := liaison.ScopeRead
		// A search is a read sent as POST (its query is a body); the
		// pointers and notices it leaves are its record, as an audit entry is.
		if r.Method != http.MethodGet && r.Method != http.MethodHead && rt.name != "search" {
			need = liaison.ScopeWrite
		}
		if !tok.Allows(need) {
			return r, liaison.Errorf(liaison.EFORBIDDEN, "this token lacks the %q scope", need)
		}
		a.User, a.Token = u, tok
		return r.WithContext(liaison.NewContext(ctx, a)), nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return r, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	authn := s.svc.Authenticate
	if passive(r, rt) {
		authn = s.svc.AuthenticatePassive
	}
	sess, u, err := authn(ctx, c.Value)
	if err != nil {
		// The cookie stays: it may be a sign-in still waiting for its second factor.
		return r, err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			// A browser form: read it within the forms' limit before the
			// token in it is checked (Go's own limit is 10 MB, and none for
			// multipart).
			limit := int64(maxFormBytes)
			if rt.upload > 0 {
				limit = rt.upload
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			err := r.ParseForm()
			if err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				// Fields and small files in memory; a large file spills to a temporary file.
				err = r.ParseMultipartForm(maxFormBytes)
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return r, tooLarge{limit: mbe.Limit}
				}
				return r, liaison.Errorf(liaison.EINVALID, "the form could not be read")
			}
			got = r.PostFormValue("csrf")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return r, liaison.Errorf(liaison.EFORBIDDEN, "the form's security token is missing or stale; reload the page and try again")
		}
	}
	a.User, a.SessionID = u, sess.ID
	ctx = liaison.NewContext(ctx, a)
	ctx = context.WithValue(ctx, sessionKey, sess)
	return r.WithContext(ctx), nil
}

// liveHeader marks a request a page makes by itself to refresh its live
// regions (app.js); such a read, like the event stream, is not activity.
const liveHeader = "X-Liaison-Live"

// passive reports whether r is the browser's own doing, not the user's: it
// must not count against the idle limit.
func passive(r *http.Request, rt route) bool {
	return rt.name == "ui.events" || rt.name == "ui.inbox.badge" ||
		(r.Method == http.MethodGet && r.Header.Get(liveHeader) == "1")
}

// renderError sends err as problem+json, or as a page for the web UI.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, rt route, err error) {
	p := problemFor(r, err)
	if p.Status >= 500 {
		s.log.Error("internal error", "request_id", requestIDFrom(r.Context()), "error", err)
	}
	if rt.ui {
		if p.Status == http.StatusUnauthorized {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		p.RequestID = requestIDFrom(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(p.Status)
		s.render(w, r, "error.html", map[string]any{"Problem": p})
		return
	}
	writeProblem(w, r, p)
}

// purposeHeader keeps the first 200 printable characters of the purpose
// a caller declares for its request; it goes into every audit entry.
func purposeHeader(v string) string {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(v))
	if len(v) > 200 {
		v = v[:200]
	}
	return v
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
