package service

import (
	"context"

	"liaison"
)

// The web UI's small needs that the API does not have.

// UnreadCount returns how many of the caller's notices are unread, for the
// badge every page shows. It is not audited: it reveals only a number about
// the caller's own inbox, and an audit entry per page view would bury the
// reads that matter; opening the inbox (Inbox) is audited.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return 0, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var n int
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		n, err = tx.CountUnread(ctx, a.User.ID)
		return err
	})
	return n, err
}

// WatchArea returns the agencies whose conflicts the calling watch officer
// sees, so a live page can pass on only their events. Opening the stream
// is audited once.
func (s *Service) WatchArea(ctx context.Context) ([]liaison.ID, error) {
	u, err := requireWatch(ctx)
	if err != nil {
		return nil, s.denied(ctx, "conflict.watch_stream", "conflict", "", err)
	}
	var area []liaison.ID
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if area, err = watchArea(ctx, tx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "conflict.watch_stream", "conflict", ""))
	})
	return area, err
}

// SessionAlive reports whether a browser session is still signed in,
// without marking it used: a live page's open event stream checks it, and
// must not keep an idle session alive by doing so.
func (s *Service) SessionAlive(ctx context.Context, token string) bool {
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		sess, _, err := s.session(ctx, tx, token)
		if err == nil && !sess.MFADone {
			return liaison.Errorf(liaison.EUNAUTHORIZED, "second factor pending")
		}
		return err
	})
	return err == nil
}

// AuthenticatePassive is Authenticate without marking the session used:
// what a page does by itself (a live refresh, its event stream) must not
// keep an idle session alive, or the 30-minute idle limit would never
// come for a browser left open on a live page.
func (s *Service) AuthenticatePassive(ctx context.Context, token string) (*liaison.Session, *liaison.User, error) {
	var sess *liaison.Session
	var u *liaison.User
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		sess, u, err = s.session(ctx, tx, token)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !sess.MFADone {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "finish signing in with your second factor")
	}
	return sess, u, nil
}

// Refuse records in the audit log that the caller was refused an area of
// the web UI its role does not open (action names the page), and returns
// err: a page that refuses before calling the service still leaves a
// denial in the log, as the service's own checks do.
func (s *Service) Refuse(ctx context.Context, action string, err error) error {
	return s.denied(ctx, action, "ui", "", err)
}
