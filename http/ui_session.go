package http

import (
	"net/http"
	"time"

	"liaison"
)

// sessionClock is what a page tells the user about their session's end:
// the idle deadline (30 minutes after the last use the server counted)
// and the hard 12-hour limit. session.js counts down and warns before
// either; without script the header still says when.
type sessionClock struct {
	Now          time.Time `json:"now"`
	IdleDeadline time.Time `json:"idle_deadline"`
	End          time.Time `json:"end"`
	IdleMinutes  int       `json:"idle_minutes"`
}

func sessionTimes(sess *liaison.Session, now time.Time) sessionClock {
	return sessionClock{Now: now.UTC(), IdleDeadline: sess.LastSeen.Add(liaison.SessionIdle).UTC(),
		End: sess.Authenticated.Add(liaison.SessionMaxAge).UTC(), IdleMinutes: int(liaison.SessionIdle / time.Minute)}
}

// keepAlive is the warning's "Stay signed in": an ordinary authenticated
// request (which marks the session used) that answers with the new times.
func (s *Server) keepAlive(w http.ResponseWriter, r *http.Request) error {
	sess := sessionFrom(r.Context())
	if sess == nil {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	return writeJSON(w, http.StatusOK, sessionTimes(sess, s.svc.Now()))
}

// inboxBadge is the nav's inbox link alone, for live pages to refresh the
// unread count without fetching a whole page.
func (s *Server) inboxBadge(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, "nav-inbox", map[string]any{})
	return nil
}
