package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"liaison"
)

// MaxSavedSearches is how many saved searches one user may keep.
const MaxSavedSearches = 50

// SaveSearch keeps a search under a name. It re-runs as new data is
// indexed, and what it finds goes to the user's inbox. The search is
// checked as Search checks it.
func (s *Service) SaveSearch(ctx context.Context, name string, in SearchRequest) (*liaison.SavedSearch, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	in.Cursor, in.Limit = "", 0
	if _, err := parseSearch(in); err != nil {
		return nil, prefixError("query.", err)
	}
	if _, err := purposeOf(ctx, in.Purpose); err != nil {
		return nil, prefixError("query.", err)
	}
	q, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ss := &liaison.SavedSearch{ID: liaison.NewID(), UserID: a.User.ID, Name: strings.TrimSpace(name), Query: q, Created: now, Updated: now}
	if err := ss.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		mine, err := tx.ListSavedSearches(ctx, a.User.ID, liaison.Page{Limit: MaxSavedSearches})
		if err != nil {
			return err
		}
		if len(mine) >= MaxSavedSearches {
			return liaison.FieldErrorf("name", "you have %d saved searches, the most one user may keep; delete one first", MaxSavedSearches)
		}
		st, err := tx.SearchIndexState(ctx)
		if err != nil {
			return err
		}
		ss.LastSeq = st.MaxSeq // from now on: what is already indexed is found by searching
		if err := tx.CreateSavedSearch(ctx, ss); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "search.save", "saved_search", ss.ID)
		e.Details = map[string]string{"name": ss.Name, "query": string(q)}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return ss, nil
}

func prefixError(prefix string, err error) error {
	fs := liaison.ErrorFields(err)
	if len(fs) == 0 {
		return err
	}
	return &liaison.Error{Code: liaison.ErrorCode(err), Message: liaison.ErrorMessage(err), Fields: prefixFields(prefix, fs)}
}

// ListSavedSearches lists the caller's saved searches.
func (s *Service) ListSavedSearches(ctx context.Context) ([]*liaison.SavedSearch, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	var out []*liaison.SavedSearch
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListSavedSearches(ctx, a.User.ID, liaison.Page{Limit: MaxSavedSearches})
		return err
	})
	return out, err
}

// DeleteSavedSearch removes one of the caller's saved searches; ENOTFOUND.
func (s *Service) DeleteSavedSearch(ctx context.Context, id liaison.ID) error {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if !liaison.ValidID(id) {
		return liaison.Errorf(liaison.ENOTFOUND, "no such saved search")
	}
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.DeleteSavedSearch(ctx, a.User.ID, id); err != nil {
			if liaison.ErrorCode(err) == liaison.ENOTFOUND {
				return liaison.Errorf(liaison.ENOTFOUND, "no such saved search")
			}
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "search.unsave", "saved_search", id))
	})
}

// runSavedSearches runs every saved search over the documents indexed
// after its last run (Seq > LastSeq), as its owner, through the decision
// point, and tells the owner of new results and pointers.
func (s *Service) runSavedSearches(ctx context.Context) error {
	for after := ""; ; {
		var batch []*liaison.SavedSearch
		var maxSeq int64
		err := s.Store.View(ctx, func(tx liaison.Tx) error {
			var err error
			if batch, err = tx.ListSavedSearches(ctx, "", liaison.Page{After: after, Limit: liaison.MaxPageSize}); err != nil {
				return err
			}
			st, err := tx.SearchIndexState(ctx)
			if err == nil {
				maxSeq = st.MaxSeq
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, ss := range batch {
			if ss.LastSeq >= maxSeq {
				continue
			}
			if err := s.runSaved(ctx, ss, maxSeq); err != nil {
				return fmt.Errorf("saved search %s: %w", ss.ID, err)
			}
		}
		if len(batch) < liaison.MaxPageSize {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

func (s *Service) runSaved(ctx context.Context, ss *liaison.SavedSearch, upTo int64) error {
	var u *liaison.User
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		u, err = tx.FindUserByID(ctx, ss.UserID)
		return err
	})
	if err != nil {
		return err
	}
	var in SearchRequest
	if err := json.Unmarshal(ss.Query, &in); err != nil {
		return err
	}
	ps, err := parseSearch(in)
	if err != nil || u.Disabled {
		// A search that no longer parses, or a disabled owner: skip ahead.
		ss.LastSeq = upTo
		return s.Store.Update(ctx, func(tx liaison.Tx) error { return tx.UpdateSavedSearch(ctx, ss) })
	}
	ps.limit = searchPageMax
	ctx = liaison.NewContext(ctx, liaison.Actor{User: u, System: "saved-search"})
	resp, receipt, err := s.runSearch(ctx, u, in.Purpose, ps, ss.LastSeq)
	if err != nil {
		return err
	}
	found := len(resp.Results) + len(resp.Pointers)
	if found > 0 {
		if err := s.recordSearch(ctx, u, in.Purpose, in, resp, receipt, ss.ID); err != nil {
			return err
		}
	}
	now := s.now()
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		ss.LastSeq, ss.Hits, ss.Updated = upTo, ss.Hits+found, now
		if err := tx.UpdateSavedSearch(ctx, ss); err != nil {
			return err
		}
		if found == 0 {
			return nil
		}
		// The notice names no item's content, only which items: it is kept,
		// and the items may be narrowed, withdrawn or purged after it.
		// Opening one reads it through release, as it is then.
		var lines []string
		for _, r := range resp.Results {
			lines = append(lines, fmt.Sprintf("%s %s", kindNoun(r.Kind), r.ID))
		}
		for _, p := range resp.Pointers {
			lines = append(lines, fmt.Sprintf("pointer: %s holds %s (handle %s)", p.Agency, kindNoun(p.Kind), p.ID))
		}
		m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: u.ID, Kind: "saved_search", Created: now, RefKind: "saved_search", Ref: ss.ID,
			Title: fmt.Sprintf("Saved search %q: %d new results, %d pointers", ss.Name, len(resp.Results), len(resp.Pointers)),
			Body:  strings.Join(lines, "\n")}
		return s.deliver(ctx, tx, m)
	})
}
