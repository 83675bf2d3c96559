package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

// opIn is a valid active raid at the given place, starting in an hour.
func (e *env) opIn(name string, lat, lon float64) service.OperationInput {
	t0 := e.clock.Now().Add(time.Hour)
	return service.OperationInput{Name: name, Kind: liaison.OpRaid, Center: &liaison.GeoPoint{Lat: lat, Lon: lon}, RadiusM: 150,
		Start: t0, End: t0.Add(3 * time.Hour), Officers: 14, PlainClothes: false, Notes: "entry team at the rear door of " + name,
		Contact: &liaison.PointOfContact{Phone: "+1 202 555 01" + name[len(name)-2:]}, Activate: true}
}

// deconflictWorld is two agencies that share nothing (no community, no
// agreement): conflicts must reach them anyway.
type deconflictWorld struct {
	e          *env
	aOff, bOff *liaison.User
	a, b       *liaison.Agency
}

func newDeconflictWorld(t *testing.T) *deconflictWorld {
	e := newEnv(t)
	a, b := e.agency("METRO-PD"), e.agency("FBI-WFO")
	return &deconflictWorld{e: e, a: a, b: b, aOff: e.userIn(a, "sgt.ruiz"), bOff: e.userIn(b, "sa.okafor")}
}

func TestOperationsConflictNotifiesBothSidesWithoutDetails(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	opA, err := e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9072, -77.0369))
	must(t, err)
	if opA.State != liaison.OpActive {
		t.Fatalf("state = %s", opA.State)
	}
	// 250 m away, same evening: the areas with margins overlap.
	opB, err := e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-02", 38.9094, -77.0369))
	must(t, err)
	// Far away: no conflict.
	_, err = e.svc.CreateOperation(e.as(w.bOff), e.opIn("Far-03", 39.2904, -76.6122))
	must(t, err)

	for _, side := range []struct {
		u            *liaison.User
		mine, theirs *liaison.Operation
		other        *liaison.User
		otherAgency  string
	}{{w.aOff, opA, opB, w.bOff, w.b.Name}, {w.bOff, opB, opA, w.aOff, w.a.Name}} {
		cs, err := e.svc.ListConflicts(e.as(side.u), nil, liaison.Page{})
		must(t, err)
		if len(cs) != 1 {
			t.Fatalf("%s sees %d conflicts, want 1", side.u.Login, len(cs))
		}
		c := cs[0]
		if c.Yours != side.mine.ID || c.Other.AgencyName != side.otherAgency || c.Other.Contact.UserID != side.other.ID ||
			c.Kind != liaison.ConflictPlaceTime || c.GapM == nil || *c.GapM >= 0 || c.OverlapMins == nil || *c.OverlapMins != 180 {
			t.Fatalf("%s's view: %+v", side.u.Login, c)
		}
		// Nothing of the other operation: not its id, name, notes, place or size.
		raw, _ := json.Marshal(c)
		for _, secret := range []string{side.theirs.ID, side.theirs.Name, side.theirs.Notes, "38.90", "lat", "officers", "where"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s's conflict view leaks %q: %s", side.u.Login, secret, raw)
			}
		}
		msgs, unread, err := e.svc.Inbox(e.as(side.u), liaison.InboxFilter{}, liaison.Page{})
		must(t, err)
		if unread != 1 || len(msgs) != 1 || msgs[0].Ref != c.ID {
			t.Fatalf("%s's inbox: %d unread, %+v", side.u.Login, unread, msgs)
		}
		text := msgs[0].Title + msgs[0].Body
		if !strings.Contains(text, side.otherAgency) || !strings.Contains(text, side.theirs.Contact.Phone) || !strings.Contains(text, side.mine.Name) {
			t.Errorf("%s's notice does not name the other agency, its phone and our own operation: %q", side.u.Login, text)
		}
		for _, secret := range []string{side.theirs.Name, side.theirs.Notes, side.theirs.ID} {
			if strings.Contains(text, secret) {
				t.Errorf("%s's notice leaks %q: %q", side.u.Login, secret, text)
			}
		}
		must(t, e.svc.MarkRead(e.as(side.u), msgs[0].ID))
		if _, unread, _ := e.svc.Inbox(e.as(side.u), liaison.InboxFilter{}, liaison.Page{}); unread != 0 {
			t.Errorf("unread after marking = %d", unread)
		}
	}
	// The other side's operation stays hidden: not found, and the try is audited.
	_, err = e.svc.GetOperation(e.as(w.aOff), opB.ID)
	wantErr(t, err, liaison.ENOTFOUND, "")
	if n := outcomes(e.audit(liaison.AuditFilter{Action: "operation.read"}))[liaison.OutcomeDenied]; n != 1 {
		t.Errorf("denied operation reads audited = %d, want 1", n)
	}
	if n := e.countSuccess("conflict.detect"); n != 1 {
		t.Errorf("conflict.detect audited %d times", n)
	}
	// Someone else's notice cannot be marked read.
	msgs, _, _ := e.svc.Inbox(e.as(w.aOff), liaison.InboxFilter{}, liaison.Page{})
	wantErr(t, e.svc.MarkRead(e.as(w.bOff), msgs[0].ID), liaison.ENOTFOUND, "")
}

func TestOwnAgencyOperationsAreNotConflicts(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	_, err := e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9072, -77.0369))
	must(t, err)
	_, err = e.svc.CreateOperation(e.as(e.userIn(w.a, "sgt.second")), e.opIn("Lantern-02", 38.9072, -77.0369))
	must(t, err)
	if cs, _ := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 0 {
		t.Fatalf("an agency's own operations conflicted: %+v", cs)
	}
	// Another agency's still does, with both.
	_, err = e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-03", 38.9072, -77.0369))
	must(t, err)
	if cs, _ := e.svc.ListConflicts(e.as(w.bOff), nil, liaison.Page{}); len(cs) != 2 {
		t.Fatalf("B's conflicts = %d, want 2", len(cs))
	}
}

func TestDraftsDoNotMatchUntilActive(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	in := e.opIn("Lantern-01", 38.9072, -77.0369)
	in.Activate = false
	draft, err := e.svc.CreateOperation(e.as(w.aOff), in)
	must(t, err)
	_, err = e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-02", 38.9072, -77.0369))
	must(t, err)
	if cs, _ := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 0 {
		t.Fatalf("a draft conflicted: %+v", cs)
	}
	_, err = e.svc.TransitionOperation(e.as(w.aOff), draft.ID, liaison.OpActive, "briefed")
	must(t, err)
	if cs, _ := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 1 {
		t.Fatalf("activation found %d conflicts, want 1", len(cs))
	}
	// Out of order: an active operation cannot go back to active or draft.
	_, err = e.svc.TransitionOperation(e.as(w.aOff), draft.ID, liaison.OpActive, "")
	wantErr(t, err, liaison.EINVALID, "to")
	// Another agency cannot end it.
	_, err = e.svc.TransitionOperation(e.as(w.bOff), draft.ID, liaison.OpCancelled, "")
	wantErr(t, err, liaison.ENOTFOUND, "")
	done, err := e.svc.TransitionOperation(e.as(w.aOff), draft.ID, liaison.OpCompleted, "warrant served")
	must(t, err)
	if len(done.History) != 2 || done.History[1].Reason != "warrant served" || done.History[1].By != w.aOff.ID {
		t.Fatalf("history: %+v", done.History)
	}
	// A completed operation no longer matches.
	_, err = e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-03", 38.9072, -77.0369))
	must(t, err)
	if cs, _ := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 1 {
		t.Fatalf("a completed operation matched: %d conflicts", len(cs))
	}
}

func TestOperationBadInputChangesNothing(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	ctx := e.as(w.aOff)
	cases := []struct {
		name, field string
		edit        func(*service.OperationInput)
	}{
		{"zero radius", "radius_m", func(in *service.OperationInput) { in.RadiusM = 0 }},
		{"negative radius", "radius_m", func(in *service.OperationInput) { in.RadiusM = -5 }},
		{"absurd radius", "radius_m", func(in *service.OperationInput) { in.RadiusM = 4_000_000 }},
		{"latitude out of range", "center.lat", func(in *service.OperationInput) { in.Center.Lat = 91 }},
		{"longitude out of range", "center.lon", func(in *service.OperationInput) { in.Center.Lon = -181 }},
		{"end before start", "end", func(in *service.OperationInput) { in.End = in.Start.Add(-time.Minute) }},
		{"window too long", "end", func(in *service.OperationInput) { in.End = in.Start.Add(31 * 24 * time.Hour) }},
		{"no place", "location", func(in *service.OperationInput) { in.Center = nil }},
		{"self-crossing polygon", "polygon", func(in *service.OperationInput) {
			in.Center = nil
			in.Polygon = []liaison.GeoPoint{{Lat: 38.90, Lon: -77.04}, {Lat: 38.91, Lon: -77.03}, {Lat: 38.90, Lon: -77.03}, {Lat: 38.91, Lon: -77.04}}
		}},
		{"unknown kind", "kind", func(in *service.OperationInput) { in.Kind = "picnic" }},
		{"no officers", "officers", func(in *service.OperationInput) { in.Officers = 0 }},
		{"no contact phone", "contact.phone", func(in *service.OperationInput) { in.Contact = nil }},
		{"contact from another agency", "contact.user_id", func(in *service.OperationInput) { in.Contact.UserID = w.bOff.ID }},
		{"absurd phone", "contact.phone", func(in *service.OperationInput) { in.Contact.Phone = strings.Repeat("5", 500) }},
		{"control characters in the contact's name", "contact.name", func(in *service.OperationInput) { in.Contact.Name = "Sgt\x00Ruiz" }},
		{"already over", "end", func(in *service.OperationInput) {
			in.Start, in.End = e.clock.Now().Add(-3*time.Hour), e.clock.Now().Add(-time.Hour)
		}},
	}
	for _, c := range cases {
		in := e.opIn("Lantern-01", 38.9072, -77.0369)
		c.edit(&in)
		_, err := e.svc.CreateOperation(ctx, in)
		if liaison.ErrorCode(err) != liaison.EINVALID {
			t.Errorf("%s: error %v, want invalid", c.name, err)
			continue
		}
		fs := liaison.ErrorFields(err)
		if len(fs) == 0 || fs[0].Field != c.field {
			t.Errorf("%s: fields %+v, want %s", c.name, fs, c.field)
		}
	}
	ops, err := e.svc.ListOperations(ctx, nil, liaison.Page{})
	must(t, err)
	if len(ops) != 0 {
		t.Fatalf("bad input stored %d operations", len(ops))
	}
	if n := e.countSuccess("operation.create"); n != 0 {
		t.Fatalf("bad input audited %d creations", n)
	}
	// Roles that do not work operations are refused, and the refusal audited.
	auditor := e.userIn(w.a, "auditor", liaison.RoleAuditor)
	_, err = e.svc.CreateOperation(e.as(auditor), e.opIn("Lantern-01", 38.9, -77))
	wantErr(t, err, liaison.EFORBIDDEN, "")
}

func TestOperationsNearTheAntimeridianAndThePole(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	// Fiji, either side of 180°: 2.2 km apart across the line.
	a := e.opIn("Suva-01", -16.5, 179.99)
	a.RadiusM = 1500
	_, err := e.svc.CreateOperation(e.as(w.aOff), a)
	must(t, err)
	b := e.opIn("Suva-02", -16.5, -179.99)
	b.RadiusM = 1500
	_, err = e.svc.CreateOperation(e.as(w.bOff), b)
	must(t, err)
	// Near the pole, 180° of longitude apart but 2.2 km across it.
	c := e.opIn("Pole-03", 89.99, 0)
	c.RadiusM = 1500
	_, err = e.svc.CreateOperation(e.as(w.aOff), c)
	must(t, err)
	d := e.opIn("Pole-04", 89.99, 180)
	d.RadiusM = 1500
	_, err = e.svc.CreateOperation(e.as(w.bOff), d)
	must(t, err)
	cs, err := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{})
	must(t, err)
	if len(cs) != 2 {
		t.Fatalf("conflicts across the antimeridian and the pole: %d, want 2", len(cs))
	}
}

func TestIndexRebuiltAtStartUpAndExpiry(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	opA, err := e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9072, -77.0369))
	must(t, err)
	// A new node over the same store (a restart) rebuilds the index.
	svc2 := service.New(e.store)
	svc2.Now = e.clock.Now
	st, err := svc2.LoadDeconfliction(context.Background())
	must(t, err)
	if st.Operations != 1 {
		t.Fatalf("rebuilt %d operations, want 1", st.Operations)
	}
	_, err = svc2.CreateOperation(e.as(w.bOff), e.opIn("Harbor-02", 38.9072, -77.0369))
	must(t, err)
	if cs, _ := svc2.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 1 {
		t.Fatalf("after restart: %d conflicts, want 1", len(cs))
	}
	// When the windows and margins have passed, operations expire: they
	// stop matching and are marked completed.
	e.clock.Add(7 * time.Hour)
	sys := liaison.NewContext(context.Background(), liaison.Actor{System: "deconfliction"})
	n, err := svc2.ExpireOperations(sys)
	must(t, err)
	if n != 2 {
		t.Fatalf("expired %d, want 2", n)
	}
	got, err := svc2.GetOperation(e.as(w.aOff), opA.ID)
	must(t, err)
	if got.State != liaison.OpCompleted || got.History[len(got.History)-1].Reason != "window ended" {
		t.Fatalf("expired operation: %s %+v", got.State, got.History)
	}
	in := e.opIn("Late-03", 38.9072, -77.0369)
	_, err = svc2.CreateOperation(e.as(w.bOff), in)
	must(t, err)
	if cs, _ := svc2.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 1 {
		t.Fatalf("an expired operation matched")
	}
}

func TestConcurrentRegistrationsFindEachOther(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, u := range []*liaison.User{w.aOff, w.bOff} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.svc.CreateOperation(e.as(u), e.opIn("Race-0"+string(rune('1'+i)), 38.9072, -77.0369))
		}()
	}
	wg.Wait()
	must(t, errs[0])
	must(t, errs[1])
	if cs, _ := e.svc.ListConflicts(e.as(w.aOff), nil, liaison.Page{}); len(cs) != 1 {
		t.Fatalf("simultaneous registrations: %d conflicts, want 1", len(cs))
	}
}

func TestTargetsMatchAcrossAgencies(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	op, err := e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9, -77))
	must(t, err)
	phone := &liaison.PointOfContact{Phone: "+1 202 555 0111"}
	reg := func(u *liaison.User, in service.TargetInput) *liaison.Target {
		t.Helper()
		in.Contact = phone
		tg, err := e.svc.RegisterTarget(e.as(u), in)
		must(t, err)
		return tg
	}
	carA := reg(w.aOff, service.TargetInput{Kind: liaison.TargetVehicle, Value: "abc-1234", OperationID: op.ID})
	reg(w.aOff, service.TargetInput{Kind: liaison.TargetPerson, Name: "Jonathan Smith", DOB: "1984-03-12", OperationID: op.ID})
	caseB := e.caseFor(w.b)
	reg(w.bOff, service.TargetInput{Kind: liaison.TargetVehicle, Value: "ABC 1234", CaseID: caseB})
	reg(w.bOff, service.TargetInput{Kind: liaison.TargetPerson, Name: "Jonathon Smith", DOB: "1984-03-21", CaseID: caseB})
	reg(w.bOff, service.TargetInput{Kind: liaison.TargetPhone, Value: "(202) 555-0199", CaseID: caseB})
	cs, err := e.svc.ListConflicts(e.as(w.bOff), nil, liaison.Page{})
	must(t, err)
	if len(cs) != 2 {
		t.Fatalf("target conflicts = %d, want 2 (plate, person): %+v", len(cs), cs)
	}
	kinds := map[string]bool{}
	for _, c := range cs {
		kinds[c.Match] = true
		if c.Kind != liaison.ConflictSubject || c.Other.AgencyName != w.a.Name {
			t.Fatalf("view: %+v", c)
		}
	}
	if !kinds["exact"] || !kinds["fuzzy"] {
		t.Fatalf("matches: %v", kinds)
	}
	msgs, _, err := e.svc.Inbox(e.as(w.aOff), liaison.InboxFilter{}, liaison.Page{})
	must(t, err)
	for _, m := range msgs {
		if strings.Contains(m.Body, "Jonathon") || strings.Contains(m.Body, caseB) {
			t.Errorf("notice leaks the other side's target: %q", m.Body)
		}
	}
	// Bad input: a target needs one home, a known kind and a value.
	_, err = e.svc.RegisterTarget(e.as(w.bOff), service.TargetInput{Kind: liaison.TargetVehicle, Value: "X1", Contact: phone})
	wantErr(t, err, liaison.EINVALID, "operation_id")
	_, err = e.svc.RegisterTarget(e.as(w.bOff), service.TargetInput{Kind: "drone", Value: "X1", CaseID: caseB, Contact: phone})
	wantErr(t, err, liaison.EINVALID, "kind")
	_, err = e.svc.RegisterTarget(e.as(w.bOff), service.TargetInput{Kind: liaison.TargetPerson, DOB: "1984-13-40", Name: "A B", CaseID: caseB, Contact: phone})
	wantErr(t, err, liaison.EINVALID, "dob")
	_, err = e.svc.RegisterTarget(e.as(w.bOff), service.TargetInput{Kind: liaison.TargetVehicle, Value: "X1", OperationID: op.ID, Contact: phone})
	wantErr(t, err, liaison.EINVALID, "operation_id") // another agency's operation
	// Ending the operation retires its targets: they stop matching.
	_, err = e.svc.TransitionOperation(e.as(w.aOff), op.ID, liaison.OpCancelled, "called off")
	must(t, err)
	reg(w.bOff, service.TargetInput{Kind: liaison.TargetVehicle, Value: "abc1234", CaseID: caseB})
	if cs, _ := e.svc.ListConflicts(e.as(w.bOff), nil, liaison.Page{}); len(cs) != 2 {
		t.Fatalf("a retired target matched: %d conflicts", len(cs))
	}
	_, err = e.svc.RetireTarget(e.as(w.bOff), carA.ID)
	wantErr(t, err, liaison.ENOTFOUND, "")
}

// caseFor creates a case led by agency a.
func (e *env) caseFor(a *liaison.Agency) liaison.ID {
	e.t.Helper()
	c := &liaison.Case{ID: liaison.NewID(), Title: "Case of " + a.Code, AgencyID: a.ID, Assigned: []liaison.ID{}, Created: start, Updated: start}
	must(e.t, e.store.Update(context.Background(), func(tx liaison.Tx) error { return tx.CreateCase(context.Background(), c) }))
	return c.ID
}

func TestWatchCenterHandlesConflictsInItsArea(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	fc := e.agency("NCR-FC")
	watch := e.userIn(fc, "watch.lee", liaison.RoleWatch)
	far := e.agency("FAR-FC")
	farWatch := e.userIn(far, "watch.far", liaison.RoleWatch)
	_, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "National Capital Region", Kind: liaison.CommunityFusionArea,
		Members: []liaison.ID{fc.ID, w.a.ID}})
	must(t, err)
	_, err = e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9072, -77.0369))
	must(t, err)
	_, err = e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-02", 38.9072, -77.0369))
	must(t, err)

	cs, err := e.svc.WatchConflicts(e.as(watch), nil, liaison.Page{})
	must(t, err)
	if len(cs) != 1 || cs[0].Where == nil || cs[0].A.Contact.Phone == "" || cs[0].B.Contact.Phone == "" {
		t.Fatalf("watch view: %+v", cs)
	}
	if cs, _ := e.svc.WatchConflicts(e.as(farWatch), nil, liaison.Page{}); len(cs) != 0 {
		t.Fatalf("a watch center outside the area sees %d conflicts", len(cs))
	}
	_, err = e.svc.WatchConflicts(e.as(w.aOff), nil, liaison.Page{})
	wantErr(t, err, liaison.EFORBIDDEN, "")
	id := cs[0].ID
	_, err = e.svc.HandleConflict(e.as(farWatch), id, service.WatchAction{Action: "take"})
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "resolve", Resolution: "x"})
	wantErr(t, err, liaison.ECONFLICT, "")
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "take"})
	must(t, err)
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "contact", At: e.clock.Now().Add(time.Hour)})
	wantErr(t, err, liaison.EINVALID, "contacted_at")
	e.clock.Add(10 * time.Minute)
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "contact"})
	must(t, err)
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "resolve"})
	wantErr(t, err, liaison.EINVALID, "resolution")
	_, err = e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "resolve", Resolution: "moved\x1b[2Jto 21:00"})
	wantErr(t, err, liaison.EINVALID, "resolution")
	c, err := e.svc.HandleConflict(e.as(watch), id, service.WatchAction{Action: "resolve", Resolution: "FBI moves its entry to 21:00"})
	must(t, err)
	if c.State != liaison.ConflictResolved || c.Owner != watch.ID || !c.Contacted.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("resolved conflict: %+v", c)
	}
	v, err := e.svc.GetConflict(e.as(w.bOff), id)
	must(t, err)
	if v.Resolution != "FBI moves its entry to 21:00" || v.State != liaison.ConflictResolved {
		t.Fatalf("party sees %+v", v)
	}
	_, unread, _ := e.svc.Inbox(e.as(w.bOff), liaison.InboxFilter{}, liaison.Page{})
	if unread != 3 { // detected, contacted, resolved
		t.Fatalf("B has %d unread notices, want 3", unread)
	}
	// Not a party and not a watch officer: not found.
	_, err = e.svc.GetConflict(e.as(e.userIn(far, "nosy")), id)
	wantErr(t, err, liaison.ENOTFOUND, "")
	for _, a := range []string{"conflict.take", "conflict.contact", "conflict.resolve"} {
		if e.countSuccess(a) != 1 {
			t.Errorf("%s not audited once", a)
		}
	}
}

func TestOutboxRelayPublishesEachSideItsView(t *testing.T) {
	w := newDeconflictWorld(t)
	e := w.e
	bus := service.NewMemoryBus()
	evA, stopA := bus.Subscribe("liaison.agency."+w.a.ID+".", 10)
	defer stopA()
	evB, stopB := bus.Subscribe("liaison.agency."+w.b.ID+".", 10)
	defer stopB()
	_, err := e.svc.CreateOperation(e.as(w.aOff), e.opIn("Lantern-01", 38.9072, -77.0369))
	must(t, err)
	opB, err := e.svc.CreateOperation(e.as(w.bOff), e.opIn("Harbor-02", 38.9072, -77.0369))
	must(t, err)
	relay := &service.OutboxRelay{Store: e.store, Bus: bus}
	n, err := relay.Flush(context.Background())
	must(t, err)
	if n != 2 {
		t.Fatalf("published %d events, want 2", n)
	}
	a, b := <-evA, <-evB
	if strings.Contains(string(a.Data), opB.ID) || !strings.Contains(string(b.Data), opB.ID) {
		t.Fatalf("events: A %s / B %s", a.Data, b.Data)
	}
	if n, _ := relay.Flush(context.Background()); n != 0 {
		t.Fatalf("published again: %d", n)
	}
}
