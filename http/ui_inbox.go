package http

import (
	"net/http"
	"net/url"

	"liaison"
)

// The inbox page and the unread badge every page's navigation shows.

// layoutUnread is the unread count for the navigation badge, or -1 when
// there is no signed-in user or the count failed (the page still renders).
func (s *Server) layoutUnread(r *http.Request) int {
	if liaison.ActorFrom(r.Context()).User == nil || sessionFrom(r.Context()) == nil {
		return -1
	}
	n, err := s.svc.UnreadCount(r.Context())
	if err != nil {
		return -1
	}
	return n
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "cursor", "unread"); err != nil {
		return err
	}
	unreadOnly := r.URL.Query().Get("unread") == "true"
	p := liaison.Page{After: r.URL.Query().Get("cursor"), Limit: 100}
	ms, unread, err := s.svc.Inbox(r.Context(), liaison.InboxFilter{UnreadOnly: unreadOnly}, p)
	if err != nil {
		return err
	}
	data := map[string]any{"Messages": ms, "UnreadOnly": unreadOnly, "UnreadTotal": unread, "Live": true}
	if next := nextCursor(ms, p, func(m *liaison.InboxMessage) liaison.ID { return m.ID }); next != "" {
		q := url.Values{"cursor": {next}}
		if unreadOnly {
			q.Set("unread", "true")
		}
		data["Next"] = "/inbox?" + q.Encode()
	}
	s.render(w, r, "inbox.html", data)
	return nil
}

func (s *Server) inboxMarkRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	// Marking a notice that is already read (a second click) changes nothing.
	if err := s.svc.MarkRead(r.Context(), id); err != nil && liaison.ErrorCode(err) != liaison.ENOTFOUND {
		return err
	}
	dest := "/inbox"
	if r.PostFormValue("unread") == "true" {
		dest += "?unread=true"
	}
	http.Redirect(w, r, dest+"#notice-"+id, http.StatusSeeOther)
	return nil
}
