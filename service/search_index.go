package service

import (
	"context"
	"strings"
	"time"

	"liaison"
)

// searchBatch is how many queued items one indexing transaction takes.
const searchBatch = 500

// nameKeys are the entity attributes that hold a name: they are indexed
// with their sound (Soundex) for fuzzy name search.
var nameKeys = map[string]bool{"name": true, "full_name": true, "first_name": true, "last_name": true, "alias": true, "aka": true}

// identifierKeys are the attributes indexed for substring search.
var identifierKeys = map[string]bool{"plate": true, "vin": true, "registration": true, "phone": true, "number": true, "msisdn": true,
	"imei": true, "ssn": true, "national_id": true, "passport": true, "passport_number": true, "drivers_license": true,
	"license_number": true, "id_number": true, "document_number": true, "account_number": true, "iban": true, "card_number": true,
	"serial_number": true, "email": true, "username": true, "handle": true, "ip": true, "tail_number": true, "hull_number": true}

// nameKey reports whether an attribute holds a name (name, surname,
// given_name, maiden_name...), indexed with the sound of its words.
func nameKey(k string) bool {
	return nameKeys[k] || k == "surname" || strings.HasSuffix(k, "_name") && k != "user_name"
}

// identifierKey reports whether an attribute holds an identifier indexed
// for substring search: a known key, or one named like one
// (license_plate, phone_number, passport_no, vehicle_reg...).
func identifierKey(k string) bool {
	if identifierKeys[k] {
		return true
	}
	for _, part := range strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' || r == ' ' }) {
		switch part {
		case "plate", "phone", "mobile", "passport", "licence", "license", "reg", "registration", "vin", "imei", "iban",
			"account", "card", "serial", "email", "ssn", "no", "number", "num", "id":
			return true
		}
	}
	return false
}

// entityText returns the names text (every attribute value, with the sound
// of name words) and the normalised identifiers of entities.
func entityText(es []liaison.Entity) (names, ids string) {
	var nb, ib strings.Builder
	for _, e := range es {
		for k, v := range e.Attributes {
			k = strings.ToLower(k)
			nb.WriteString(v)
			nb.WriteByte(' ')
			if nameKey(k) {
				for _, w := range words(v) {
					if sx := soundexToken(w); sx != "" {
						nb.WriteString(sx)
						nb.WriteByte(' ')
					}
				}
			}
			if identifierKey(k) {
				if n := liaison.NormalizeIdentifier(v); len(n) >= 3 {
					ib.WriteString(n)
					ib.WriteByte(' ')
				}
			}
		}
	}
	return nb.String(), ib.String()
}

// sarDoc is a report's search document. A report gives a pointer only
// once vetted and shared, below TLP:RED, unless marked no-pointer.
func sarDoc(r *liaison.SAR) *liaison.SearchDoc {
	names, ids := entityText(r.Involved)
	if r.Where.Address != "" {
		names += r.Where.Address
	}
	d := &liaison.SearchDoc{Kind: liaison.KindSAR, ItemID: r.ID, AgencyID: r.AgencyID, State: string(r.State), TLP: r.TLP,
		Handling: liaison.H0, SharedWith: r.SharedWith, CaseID: r.CaseID, Occurred: r.When, Lat: r.Where.Lat, Lon: r.Where.Lon,
		Pointer: r.State == liaison.SARShared && r.TLP != liaison.TLPRed && !r.NoPointer,
		Title:   r.Title, Body: r.Narrative + "\n" + r.Why, Names: names, Identifiers: ids}
	for _, c := range r.Categories {
		d.Categories = append(d.Categories, string(c))
	}
	return d
}

// intelDoc is a record's search document.
func intelDoc(r *liaison.IntelRecord) *liaison.SearchDoc {
	names, ids := entityText(r.Subjects)
	return &liaison.SearchDoc{Kind: liaison.KindIntelligence, ItemID: r.ID, AgencyID: r.Originator, TLP: r.TLP, Handling: r.Handling,
		Recipients: r.Recipients, SharedWith: r.SharedWith, CaseID: r.CaseID, Occurred: r.Created,
		Pointer: r.TLP != liaison.TLPRed && !r.NoPointer,
		Title:   r.Title, Body: r.Narrative + "\n" + r.Predicate, Names: names, Identifiers: ids}
}

// caseDoc is a case's search document: its title, for its lead agency; to
// others, at most a pointer.
func caseDoc(c *liaison.Case) *liaison.SearchDoc {
	return &liaison.SearchDoc{Kind: liaison.KindCase, ItemID: c.ID, AgencyID: c.AgencyID, TLP: liaison.TLPAmber, Handling: liaison.H0,
		CaseID: c.ID, Occurred: c.Created, Pointer: true, Title: c.Title}
}

// IndexSearch drains the search queue in batches until it is empty and
// returns how many items it (re)indexed. Purged or deleted items leave the
// index. Saved searches then run over what was added.
func (s *Service) IndexSearch(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.indexBatch(ctx)
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total > 0 {
		if err := s.runSavedSearches(ctx); err != nil {
			return total, err
		}
	}
	return total, nil
}

// indexBatch indexes one batch.
func (s *Service) indexBatch(ctx context.Context) (n int, err error) {
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		queued, err := tx.ListSearchQueue(ctx, searchBatch)
		if err != nil || len(queued) == 0 {
			return err
		}
		seen := map[liaison.SearchRef]bool{}
		var docs []*liaison.SearchDoc
		var gone []liaison.SearchRef
		ids := make([]int64, len(queued))
		for i, q := range queued {
			ids[i] = q.ID
			ref := liaison.SearchRef{Kind: q.Kind, ItemID: q.ItemID}
			if seen[ref] {
				continue
			}
			seen[ref] = true
			d, err := s.searchDoc(ctx, tx, ref)
			if err != nil {
				return err
			}
			if d == nil {
				gone = append(gone, ref)
			} else {
				docs = append(docs, d)
			}
		}
		if err := tx.DeleteSearchDocs(ctx, gone); err != nil {
			return err
		}
		if err := tx.PutSearchDocs(ctx, docs); err != nil {
			return err
		}
		n = len(seen)
		return tx.DeleteSearchQueue(ctx, ids)
	})
	return n, err
}

// searchDoc builds an item's document, or nil when it must not be in the
// index (gone, or a purged record's tombstone).
func (s *Service) searchDoc(ctx context.Context, tx liaison.Tx, ref liaison.SearchRef) (*liaison.SearchDoc, error) {
	var d *liaison.SearchDoc
	var err error
	switch ref.Kind {
	case liaison.KindSAR:
		var r *liaison.SAR
		if r, err = tx.FindSAR(ctx, ref.ItemID); err == nil {
			d = sarDoc(r)
		}
	case liaison.KindIntelligence:
		var r *liaison.IntelRecord
		if r, err = tx.FindIntelRecord(ctx, ref.ItemID); err == nil && !r.Purged {
			d = intelDoc(r)
		}
	case liaison.KindCase:
		var c *liaison.Case
		if c, err = tx.FindCaseByID(ctx, ref.ItemID); err == nil {
			d = caseDoc(c)
		}
	default:
		return nil, nil
	}
	if liaison.ErrorCode(err) == liaison.ENOTFOUND {
		return nil, nil
	}
	return d, err
}

// Reindex queues every report, record and case for indexing again (after
// a change to what documents hold). Administrators only.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	if err := requireAdmin(ctx); err != nil {
		return 0, err
	}
	// Each kind is listed a page at a time and its ids queued.
	lists := []struct {
		kind liaison.RecordKind
		ids  func(tx liaison.Tx, p liaison.Page) ([]liaison.ID, error)
	}{
		{liaison.KindSAR, func(tx liaison.Tx, p liaison.Page) ([]liaison.ID, error) {
			rs, err := tx.ListSARs(ctx, liaison.SARFilter{}, p)
			ids := make([]liaison.ID, len(rs))
			for i, r := range rs {
				ids[i] = r.ID
			}
			return ids, err
		}},
		{liaison.KindIntelligence, func(tx liaison.Tx, p liaison.Page) ([]liaison.ID, error) {
			rs, err := tx.ListIntelRecords(ctx, liaison.IntelFilter{}, p)
			ids := make([]liaison.ID, len(rs))
			for i, r := range rs {
				ids[i] = r.ID
			}
			return ids, err
		}},
	}
	total := 0
	for _, l := range lists {
		for after := ""; ; {
			var ids []liaison.ID
			err := s.Store.View(ctx, func(tx liaison.Tx) error {
				var err error
				ids, err = l.ids(tx, liaison.Page{After: after, Limit: liaison.MaxPageSize})
				return err
			})
			if err != nil {
				return total, err
			}
			if len(ids) == 0 {
				break
			}
			refs := make([]liaison.SearchRef, len(ids))
			for i, id := range ids {
				refs[i] = liaison.SearchRef{Kind: l.kind, ItemID: id}
			}
			if err := s.Store.Update(ctx, func(tx liaison.Tx) error { return tx.QueueSearch(ctx, refs) }); err != nil {
				return total, err
			}
			total += len(refs)
			after = ids[len(ids)-1]
		}
	}
	e := liaison.NewAuditEvent(ctx, s.now(), "search.reindex", "search", "")
	e.Details = map[string]string{"queued": itoa(total)}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error { return s.audit(ctx, tx, e) })
	return total, err
}

// SearchWorker keeps the index up to date: it drains the queue at an
// interval, or at once when kicked after a write.
type SearchWorker struct {
	Service  *Service
	Interval time.Duration
	OnError  func(error)
}

// Run indexes until ctx ends.
func (w *SearchWorker) Run(ctx context.Context) error {
	ctx = liaison.NewContext(ctx, liaison.Actor{System: "search-indexer"})
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	var escalated time.Time
	for {
		if _, err := w.Service.IndexSearch(ctx); err != nil && ctx.Err() == nil && w.OnError != nil {
			w.OnError(err)
		}
		if time.Since(escalated) >= time.Minute {
			escalated = time.Now()
			if _, err := w.Service.EscalateAccessRequests(ctx); err != nil && ctx.Err() == nil && w.OnError != nil {
				w.OnError(err)
			}
			if _, err := w.Service.DeleteExpiredPointers(ctx); err != nil && ctx.Err() == nil && w.OnError != nil {
				w.OnError(err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// DeleteExpiredPointers removes pointers whose handles have expired: the
// items behind them are kept server-side no longer than the handle lives.
func (s *Service) DeleteExpiredPointers(ctx context.Context) (int64, error) {
	var n int64
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		n, err = tx.DeletePointers(ctx, s.now().Add(-pointerLife))
		return err
	})
	return n, err
}
