package storetest

import (
	"context"
	"testing"
	"time"

	"liaison"
)

func newOperation(agency liaison.ID, state liaison.OperationState) *liaison.Operation {
	return &liaison.Operation{ID: liaison.NewID(), AgencyID: agency, CreatedBy: liaison.NewID(), Name: "Op Lantern",
		Kind: liaison.OpRaid, State: state, Center: &liaison.GeoPoint{Lat: 38.9, Lon: -77.03}, RadiusM: 300,
		Start: epoch, End: epoch.Add(4 * time.Hour), Officers: 12, PlainClothes: true,
		Contact: liaison.PointOfContact{UserID: liaison.NewID(), Name: "Sgt Ruiz", Phone: "+1 202 555 0100"},
		History: []liaison.OperationTransition{}, Created: epoch, Updated: epoch}
}

func testOperations(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a1, a2 := NewAgency(1), NewAgency(2)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a1))
		return tx.CreateAgency(ctx, a2)
	}))
	draft, active, other := newOperation(a1.ID, liaison.OpDraft), newOperation(a1.ID, liaison.OpActive), newOperation(a2.ID, liaison.OpActive)
	active.CheckArea = &liaison.Circle{Lat: 38.9, Lon: -77.03, RadiusM: 300}
	other.Polygon, other.Center, other.RadiusM = []liaison.GeoPoint{{Lat: 1, Lon: 2}, {Lat: 1, Lon: 3}, {Lat: 2, Lon: 2}}, nil, 0
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, o := range []*liaison.Operation{draft, active, other} {
			if err := tx.CreateOperation(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}))
	bad := newOperation(liaison.NewID(), liaison.OpDraft)
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateOperation(ctx, bad) }), liaison.EINVALID, "agency_id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateOperation(ctx, active) }), liaison.ECONFLICT, "id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateOperation(ctx, newOperation(a1.ID, liaison.OpActive)) }),
		liaison.ENOTFOUND, "")

	draft.State, draft.Updated = liaison.OpActive, epoch.Add(time.Minute)
	draft.History = append(draft.History, liaison.OperationTransition{From: liaison.OpDraft, To: liaison.OpActive, By: draft.CreatedBy, At: draft.Updated})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateOperation(ctx, draft) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindOperation(ctx, draft.ID)
		must(t, err)
		equalJSON(t, "operation", got, draft)
		got, err = tx.FindOperation(ctx, other.ID)
		must(t, err)
		equalJSON(t, "polygon operation", got, other)
		_, err = tx.FindOperation(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		n := func(f liaison.OperationFilter, p liaison.Page) int {
			os, err := tx.ListOperations(ctx, f, p)
			must(t, err)
			return len(os)
		}
		equal(t, "active", n(liaison.OperationFilter{States: []liaison.OperationState{liaison.OpActive}}, liaison.Page{}), 3)
		equal(t, "agency 1", n(liaison.OperationFilter{AgencyID: a1.ID}, liaison.Page{}), 2)
		equal(t, "drafts", n(liaison.OperationFilter{States: []liaison.OperationState{liaison.OpDraft}}, liaison.Page{}), 0)
		equal(t, "page of one", n(liaison.OperationFilter{}, liaison.Page{Limit: 1}), 1)
		first, err := tx.ListOperations(ctx, liaison.OperationFilter{}, liaison.Page{Limit: 1})
		must(t, err)
		equal(t, "after the first", n(liaison.OperationFilter{}, liaison.Page{After: first[0].ID}), 2)
		areas, err := tx.ListActiveAreas(ctx, liaison.Page{})
		must(t, err)
		equal(t, "active areas", len(areas), 3)
		for _, ar := range areas {
			switch ar.ID {
			case active.ID:
				equal(t, "area", *ar.Area, *active.CheckArea)
				equal(t, "window", []time.Time{ar.Start, ar.End}, []time.Time{active.Start, active.End})
				equal(t, "kind and agency", []string{string(ar.Kind), ar.AgencyID}, []string{string(active.Kind), active.AgencyID})
			default:
				if ar.Area != nil {
					t.Fatalf("an operation stored without a check area has one: %+v", ar.Area)
				}
			}
		}
		return nil
	})
}

func testTargets(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	op := newOperation(a.ID, liaison.OpActive)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		return tx.CreateOperation(ctx, op)
	}))
	contact := liaison.PointOfContact{UserID: liaison.NewID(), Name: "Det. Okafor", Phone: "555-0101"}
	person := &liaison.Target{ID: liaison.NewID(), AgencyID: a.ID, Kind: liaison.TargetPerson, Name: "John Smith",
		DOB: "1980-02-03", OperationID: op.ID, Contact: contact, Active: true, Created: epoch}
	car := &liaison.Target{ID: liaison.NewID(), AgencyID: a.ID, Kind: liaison.TargetVehicle, Value: "ABC 123",
		CaseID: liaison.NewID(), Contact: contact, Active: true, Created: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateTarget(ctx, person))
		return tx.CreateTarget(ctx, car)
	}))
	orphan := *car
	orphan.ID, orphan.OperationID, orphan.CaseID = liaison.NewID(), liaison.NewID(), ""
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateTarget(ctx, &orphan) }), liaison.EINVALID, "operation_id")
	car.Active, car.Retired = false, epoch.Add(time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateTarget(ctx, car) }))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateTarget(ctx, &orphan) }), liaison.ENOTFOUND, "")
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindTarget(ctx, car.ID)
		must(t, err)
		equalJSON(t, "target", got, car)
		n := func(f liaison.TargetFilter) int {
			gs, err := tx.ListTargets(ctx, f, liaison.Page{})
			must(t, err)
			return len(gs)
		}
		equal(t, "active", n(liaison.TargetFilter{ActiveOnly: true}), 1)
		equal(t, "all of the agency", n(liaison.TargetFilter{AgencyID: a.ID}), 2)
		equal(t, "of the operation", n(liaison.TargetFilter{OperationID: op.ID}), 1)
		_, err = tx.FindTarget(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

func testConflicts(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a1, a2, a3 := liaison.NewID(), liaison.NewID(), liaison.NewID()
	mk := func(x, y liaison.ID) *liaison.Conflict {
		return &liaison.Conflict{ID: liaison.NewID(), Kind: liaison.ConflictPlaceTime,
			A:    liaison.ConflictParty{AgencyID: x, AgencyName: "A", Ref: liaison.NewID(), Contact: liaison.PointOfContact{UserID: liaison.NewID(), Name: "a", Phone: "111"}},
			B:    liaison.ConflictParty{AgencyID: y, AgencyName: "B", Ref: liaison.NewID(), Contact: liaison.PointOfContact{UserID: liaison.NewID(), Name: "b", Phone: "222"}},
			GapM: -120.5, Overlap: 90 * time.Minute, Where: &liaison.GeoPoint{Lat: 38.9, Lon: -77}, State: liaison.ConflictOpen,
			Detected: epoch, Updated: epoch}
	}
	c12, c23 := mk(a1, a2), mk(a2, a3)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateConflict(ctx, c12))
		return tx.CreateConflict(ctx, c23)
	}))
	// The same pair of items again, in the other order, is refused.
	again := mk(a2, a1)
	again.A.Ref, again.B.Ref = c12.B.Ref, c12.A.Ref
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateConflict(ctx, again) }), liaison.ECONFLICT, "ref")
	c12.State, c12.Owner, c12.Owned, c12.Contacted = liaison.ConflictContacted, liaison.NewID(), epoch.Add(time.Minute), epoch.Add(2*time.Minute)
	c12.Updated = c12.Contacted
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateConflict(ctx, c12) }))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateConflict(ctx, mk(a1, a3)) }), liaison.ENOTFOUND, "")
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindConflict(ctx, c12.ID)
		must(t, err)
		equalJSON(t, "conflict", got, c12)
		n := func(f liaison.ConflictFilter) int {
			cs, err := tx.ListConflicts(ctx, f, liaison.Page{})
			must(t, err)
			return len(cs)
		}
		equal(t, "agency 2 is party to both", n(liaison.ConflictFilter{AgencyIDs: []liaison.ID{a2}}), 2)
		equal(t, "agency 1", n(liaison.ConflictFilter{AgencyIDs: []liaison.ID{a1}}), 1)
		equal(t, "agencies 1 or 3", n(liaison.ConflictFilter{AgencyIDs: []liaison.ID{a1, a3}}), 2)
		equal(t, "open", n(liaison.ConflictFilter{States: []liaison.ConflictState{liaison.ConflictOpen}}), 1)
		equal(t, "unrelated agency", n(liaison.ConflictFilter{AgencyIDs: []liaison.ID{liaison.NewID()}}), 0)
		return nil
	})
}

func testInbox(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "inbox.owner")
	other := seedUser(t, s, "inbox.other")
	var ms []*liaison.InboxMessage
	must(t, update(t, s, func(tx liaison.Tx) error {
		for i := range 3 {
			m := &liaison.InboxMessage{ID: liaison.NewID(), UserID: u.ID, Kind: "conflict", Title: "Conflict", Body: "call",
				RefKind: "conflict", Ref: liaison.NewID(), Created: epoch.Add(time.Duration(i) * time.Second)}
			ms = append(ms, m)
			if err := tx.CreateInboxMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}))
	wantErr(t, update(t, s, func(tx liaison.Tx) error {
		return tx.CreateInboxMessage(ctx, &liaison.InboxMessage{ID: liaison.NewID(), UserID: liaison.NewID(), Kind: "x", Created: epoch})
	}), liaison.EINVALID, "user_id")
	// Another user cannot mark someone else's message read.
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.MarkInboxRead(ctx, other.ID, ms[0].ID, epoch) }), liaison.ENOTFOUND, "")
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.MarkInboxRead(ctx, u.ID, ms[0].ID, epoch.Add(time.Hour)) }))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.MarkInboxRead(ctx, u.ID, ms[0].ID, epoch) }), liaison.ENOTFOUND, "")
	view(t, s, func(tx liaison.Tx) error {
		all, err := tx.ListInbox(ctx, u.ID, liaison.InboxFilter{}, liaison.Page{})
		must(t, err)
		equal(t, "newest first", []liaison.ID{all[0].ID, all[1].ID, all[2].ID}, []liaison.ID{ms[2].ID, ms[1].ID, ms[0].ID})
		equal(t, "read at", all[2].Read, epoch.Add(time.Hour))
		unread, err := tx.ListInbox(ctx, u.ID, liaison.InboxFilter{UnreadOnly: true}, liaison.Page{})
		must(t, err)
		equal(t, "unread", len(unread), 2)
		next, err := tx.ListInbox(ctx, u.ID, liaison.InboxFilter{}, liaison.Page{After: ms[2].ID, Limit: 1})
		must(t, err)
		equal(t, "next page", next[0].ID, ms[1].ID)
		n, err := tx.CountUnread(ctx, u.ID)
		must(t, err)
		equal(t, "count unread", n, 2)
		none, err := tx.ListInbox(ctx, other.ID, liaison.InboxFilter{}, liaison.Page{})
		must(t, err)
		equal(t, "other user's inbox", len(none), 0)
		return nil
	})
}

func testOutbox(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	var es []*liaison.OutboxEvent
	must(t, update(t, s, func(tx liaison.Tx) error {
		for i := range 3 {
			e := &liaison.OutboxEvent{ID: liaison.NewID(), Subject: "liaison.test", Data: []byte{'{', byte('0' + i), '}'}, Created: epoch}
			es = append(es, e)
			if err := tx.AddOutboxEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}))
	// An event written in a transaction that fails is never published.
	_ = update(t, s, func(tx liaison.Tx) error {
		must(t, tx.AddOutboxEvent(ctx, &liaison.OutboxEvent{ID: liaison.NewID(), Subject: "lost", Data: []byte("x"), Created: epoch}))
		return liaison.Errorf(liaison.EINVALID, "rolled back")
	})
	var got []*liaison.OutboxEvent
	view(t, s, func(tx liaison.Tx) error {
		var err error
		got, err = tx.ListOutboxEvents(ctx, 2)
		return err
	})
	equalJSON(t, "first two, oldest first", got, es[:2])
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteOutboxEvents(ctx, []liaison.ID{es[0].ID, es[1].ID}) }))
	view(t, s, func(tx liaison.Tx) error {
		var err error
		got, err = tx.ListOutboxEvents(ctx, 10)
		return err
	})
	equalJSON(t, "what is left", got, es[2:])
}

func testDeconflictionClock(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(ctx, a) }))
	var seqs []int64
	var ops []*liaison.Operation
	for i := range 3 {
		must(t, update(t, s, func(tx liaison.Tx) error {
			seq, err := tx.TickDeconflictionClock(ctx)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
			o := newOperation(a.ID, liaison.OpActive)
			o.Seq = seq
			ops = append(ops, o)
			if i == 2 { // a target changed at the same tick
				g := &liaison.Target{ID: liaison.NewID(), AgencyID: a.ID, Kind: liaison.TargetPhone, Value: "5550100", CaseID: liaison.NewID(),
					Contact: o.Contact, Active: true, Created: epoch, Seq: seq}
				if err := tx.CreateTarget(ctx, g); err != nil {
					return err
				}
			}
			return tx.CreateOperation(ctx, o)
		}))
	}
	equal(t, "ticks", seqs, []int64{1, 2, 3})
	// A tick in a transaction that rolls back is not kept.
	_ = update(t, s, func(tx liaison.Tx) error {
		if _, err := tx.TickDeconflictionClock(ctx); err != nil {
			return err
		}
		return liaison.Errorf(liaison.EINVALID, "rolled back")
	})
	// The first operation changes again at tick 4.
	must(t, update(t, s, func(tx liaison.Tx) error {
		seq, err := tx.TickDeconflictionClock(ctx)
		if err != nil {
			return err
		}
		equal(t, "tick after a rollback", seq, int64(4))
		ops[0].State, ops[0].Seq = liaison.OpCancelled, seq
		return tx.UpdateOperation(ctx, ops[0])
	}))
	view(t, s, func(tx liaison.Tx) error {
		now, err := tx.DeconflictionClock(ctx)
		must(t, err)
		equal(t, "clock", now, int64(4))
		changed, targets, err := tx.ListDeconflictionChanges(ctx, 1, 4)
		must(t, err)
		got := []int64{}
		for _, o := range changed {
			got = append(got, o.Seq)
		}
		equal(t, "operations changed after tick 1, in tick order", got, []int64{2, 3, 4})
		equal(t, "the cancelled one last", changed[2].State, liaison.OpCancelled)
		equal(t, "targets changed", len(targets), 1)
		equal(t, "target tick", targets[0].Seq, int64(3))
		none, noTargets, err := tx.ListDeconflictionChanges(ctx, 4, 4)
		must(t, err)
		equal(t, "nothing after the last tick", len(none)+len(noTargets), 0)
		return nil
	})
}
