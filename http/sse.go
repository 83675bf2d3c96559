package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"liaison"
)

// Live pages: a server-sent event stream per signed-in browser. It carries
// only that something changed (the kind, the conflict's id): the page then
// fetches itself again through the ordinary, audited service calls, so the
// stream can never show more than the page would.

// streams ends every open event stream when the server shuts down:
// http.Server.Shutdown waits for active requests, and a stream never ends
// by itself.
type streams struct {
	once sync.Once
	done chan struct{}
}

func newStreams() *streams { return &streams{done: make(chan struct{})} }

// shutdown ends every stream; it is registered with http.Server.RegisterOnShutdown.
func (st *streams) shutdown() { st.once.Do(func() { close(st.done) }) }

// Unwrap lets http.ResponseController reach the connection (to clear the
// write deadline of a long-lived stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sseHeartbeat is how often an idle stream sends a comment, so a client
// that went away is noticed and proxies keep the connection.
var sseHeartbeat = 20 * time.Second

// eventFilter decides which bus subjects a user's stream passes on: the
// events of the user's own agency, and for a watch officer those of every
// agency in the watch area. Subjects are "liaison.agency.<id>.<kind>".
type eventFilter struct {
	prefix string
	area   []liaison.ID // nil: only prefix
}

func (f eventFilter) pass(subject string) (agency, kind string, ok bool) {
	rest, ok := strings.CutPrefix(subject, "liaison.agency.")
	if !ok {
		return "", "", false
	}
	agency, kind, ok = strings.Cut(rest, ".")
	if !ok {
		return "", "", false
	}
	if f.area == nil {
		return agency, kind, strings.HasPrefix(subject, f.prefix)
	}
	return agency, kind, slices.Contains(f.area, agency)
}

// liveEvent is what the stream says: which kind of thing changed and, for
// a conflict, its id. Never content.
type liveEvent struct {
	Kind     string `json:"kind"`
	Type     string `json:"type,omitempty"`
	Conflict string `json:"conflict,omitempty"`
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	own := "liaison.agency." + me.AgencyID + "."
	f := eventFilter{prefix: own}
	sub := own
	if me.Has(liaison.RoleWatch) {
		area, err := s.svc.WatchArea(ctx)
		if err != nil {
			return err
		}
		f.area = append(area, me.AgencyID)
		sub = "liaison.agency."
	}
	rc := http.NewResponseController(w)
	// The server's write (and read) timeouts would cut a stream after a
	// minute or two; a stream lives until the client or the server goes.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	_ = rc.SetReadDeadline(time.Time{})
	ch, cancel := s.svc.Events.Subscribe(sub, 64)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		var msg string
		select {
		case <-ctx.Done():
			return nil
		case <-s.streams.done:
			return nil
		case <-tick.C:
			// A stream outlives no session: sign-out, the 12-hour limit and
			// 30 idle minutes end it (the check does not count as activity).
			if c, err := r.Cookie(sessionCookie); err != nil || !s.svc.SessionAlive(ctx, c.Value) {
				_, _ = fmt.Fprint(w, "event: expired\ndata: {}\n\n")
				_ = rc.Flush()
				return nil
			}
			msg = ": ping\n\n"
		case e := <-ch:
			_, kind, ok := f.pass(e.Subject)
			if !ok {
				continue
			}
			var body struct {
				Type     string `json:"type"`
				Conflict struct {
					ID string `json:"id"`
				} `json:"conflict"`
			}
			_ = json.Unmarshal(e.Data, &body)
			b, _ := json.Marshal(liveEvent{Kind: kind, Type: body.Type, Conflict: body.Conflict.ID})
			msg = "event: " + kind + "\ndata: " + string(b) + "\n\n"
		}
		if _, err := fmt.Fprint(w, msg); err != nil {
			return nil // the client went away
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
