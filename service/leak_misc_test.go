package service_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/demo"
	"liaison/sar"
	"liaison/service"
	"liaison/storetest"
)

// world is one test's partnership on one store, for the suites that run on
// every backend (env is SQLite only).
type world struct {
	t     *testing.T
	store liaison.Store
	svc   *service.Service
	clock *clock
	sys   context.Context
}

// onEveryStore runs fn once per backend, each with a fresh world.
func onEveryStore(t *testing.T, fn func(t *testing.T, w *world)) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			store := be.Open(t)
			c := &clock{t: start}
			svc := service.New(store)
			svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
			svc.Now = c.Now
			fn(t, &world{t: t, store: store, svc: svc, clock: c, sys: liaison.NewContext(context.Background(), liaison.Actor{System: "test"})})
		})
	}
}

func (w *world) agency(code string, kind liaison.AgencyKind) *liaison.Agency {
	w.t.Helper()
	a, err := w.svc.CreateAgency(w.sys, liaison.AgencyInput{Code: code, Name: "Agency " + code, Kind: kind, Country: "US",
		Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov"}}})
	must(w.t, err)
	return a
}

func (w *world) user(a *liaison.Agency, login string, attrs liaison.Attributes, roles ...liaison.Role) *liaison.User {
	w.t.Helper()
	u, err := w.svc.CreateUser(w.sys, liaison.UserInput{Login: login, Name: "User " + login, Email: login + "@example.gov",
		AgencyID: a.ID, Roles: roles, Attributes: attrs, Password: password})
	must(w.t, err)
	return u
}

func (w *world) community(name string, members ...*liaison.Agency) *liaison.Community {
	w.t.Helper()
	var ids []liaison.ID
	for _, a := range members {
		ids = append(ids, a.ID)
	}
	c, err := w.svc.CreateCommunity(w.sys, liaison.CommunityInput{Name: name, Kind: liaison.CommunityFusionArea, Members: ids})
	must(w.t, err)
	return c
}

func as(u *liaison.User) context.Context {
	return liaison.NewContext(context.Background(), liaison.Actor{User: u})
}

// TestWatchOfficerOfAPartyGetsACoarseMidpoint: a watch officer whose own
// agency is a party to a conflict knows its own centre, so the exact
// midpoint would give away the other side's. That officer gets the midpoint
// on a grid of about a kilometre; a watch officer of an agency that is no
// party keeps the exact one.
func TestWatchOfficerOfAPartyGetsACoarseMidpoint(t *testing.T) {
	onEveryStore(t, func(t *testing.T, w *world) {
		fc := w.agency("NCR-FC", liaison.AgencyFusionCenter)
		other := w.agency("FBI-WFO", liaison.AgencyFederal)
		neutral := w.agency("NCR-WATCH", liaison.AgencyState)
		w.community("National Capital Region", fc, other, neutral)
		partyWatch := w.user(fc, "watch.party", liaison.Attributes{}, liaison.RoleWatch)
		neutralWatch := w.user(neutral, "watch.neutral", liaison.Attributes{}, liaison.RoleWatch)
		t0 := w.clock.Now().Add(time.Hour)
		op := func(u *liaison.User, name string, lat, lon float64) {
			_, err := w.svc.CreateOperation(as(u), service.OperationInput{Name: name, Kind: liaison.OpRaid,
				Center: &liaison.GeoPoint{Lat: lat, Lon: lon}, RadiusM: 150, Start: t0, End: t0.Add(3 * time.Hour), Officers: 8,
				Contact: &liaison.PointOfContact{Phone: "+1 202 555 0100"}, Activate: true})
			must(t, err)
		}
		op(w.user(fc, "det.fc", liaison.Attributes{}, liaison.RoleOfficer), "Lantern-01", 38.907212, -77.036871)
		op(w.user(other, "sa.other", liaison.Attributes{}, liaison.RoleOfficer), "Harbor-02", 38.908431, -77.035102)
		exact := liaison.GeoPoint{Lat: (38.907212 + 38.908431) / 2, Lon: (-77.036871 + -77.035102) / 2}

		near := func(p liaison.GeoPoint, q liaison.GeoPoint) float64 { // metres, locally flat
			dy := (p.Lat - q.Lat) * 111_320
			dx := (p.Lon - q.Lon) * 111_320 * math.Cos(q.Lat*math.Pi/180)
			return math.Hypot(dx, dy)
		}
		tests := []struct {
			name   string
			who    *liaison.User
			coarse bool
		}{
			{"watch officer of a party", partyWatch, true},
			{"watch officer of no party", neutralWatch, false},
		}
		for _, tt := range tests {
			cs, err := w.svc.WatchConflicts(as(tt.who), nil, liaison.Page{})
			must(t, err)
			if len(cs) != 1 || cs[0].Where == nil {
				t.Fatalf("%s: conflicts %+v, want one with a midpoint", tt.name, cs)
			}
			got := *cs[0].Where
			off := near(got, exact)
			if tt.coarse {
				if off < 1 || off > 1000 {
					t.Errorf("%s: midpoint %v is %.0f m from the exact %v, want coarsened by less than a kilometre", tt.name, got, off, exact)
				}
				// On the grid: nudging the centres a little moves nothing.
				if g := math.Round(got.Lat * 111_320 / 1000); math.Abs(got.Lat*111_320/1000-g) > 1e-3 {
					t.Errorf("%s: latitude %v is not on the kilometre grid", tt.name, got.Lat)
				}
			} else if off > 0.01 {
				t.Errorf("%s: midpoint %v, want the exact %v", tt.name, got, exact)
			}
		}
		// Handling it answers the same view.
		cs, err := w.svc.WatchConflicts(as(partyWatch), nil, liaison.Page{})
		must(t, err)
		c, err := w.svc.HandleConflict(as(partyWatch), cs[0].ID, service.WatchAction{Action: "take"})
		must(t, err)
		if c.Where == nil || *c.Where != *cs[0].Where {
			t.Errorf("take answers the midpoint %v, want the coarse %v", c.Where, cs[0].Where)
		}
		// The stored conflict keeps the exact midpoint for the neutral watch.
		cs, err = w.svc.WatchConflicts(as(neutralWatch), nil, liaison.Page{})
		must(t, err)
		if near(*cs[0].Where, exact) > 0.01 {
			t.Errorf("after the party's watch took it, the neutral watch sees %v, want the exact %v", cs[0].Where, exact)
		}
	})
}

// TestStaffDirectoryIsTheAdministrators: outside administrators, nobody
// lists staff (roles, clearance, e-mail addresses); another user's account
// reads as a name card; a private-sector or international partner sees only
// its own agency's users, and any other answers as a missing one does.
func TestStaffDirectoryIsTheAdministrators(t *testing.T) {
	onEveryStore(t, func(t *testing.T, w *world) {
		pd := w.agency("METRO-PD", liaison.AgencyLocal)
		bank := w.agency("BANK", liaison.AgencyPrivate)
		intl := w.agency("INTL", liaison.AgencyInternational)
		admin := w.user(pd, "root", liaison.Attributes{}, liaison.RoleAdmin)
		analyst := w.user(pd, "analyst", liaison.Attributes{Clearance: liaison.ClearanceSecret, Part23Trained: true}, liaison.RoleAnalyst)
		sgt := w.user(pd, "sgt", liaison.Attributes{SwornOfficer: true}, liaison.RoleSupervisor)
		banker := w.user(bank, "banker", liaison.Attributes{}, liaison.RolePartnerLiaison)
		teller := w.user(bank, "teller", liaison.Attributes{}, liaison.RolePartnerLiaison)
		attache := w.user(intl, "attache", liaison.Attributes{}, liaison.RolePartnerLiaison)
		denied := func() int {
			var n int
			_, err := audit.Sequence(context.Background(), w.store)
			must(t, err)
			must(t, w.store.View(context.Background(), func(tx liaison.Tx) error {
				es, err := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{Action: "user.list", Outcome: liaison.OutcomeDenied}, liaison.Page{Limit: liaison.MaxPageSize})
				n = len(es)
				return err
			}))
			return n
		}

		// The list.
		us, _, err := w.svc.ListUsers(as(admin), liaison.UserFilter{}, liaison.Page{})
		must(t, err)
		if len(us) != 6 {
			t.Errorf("admin lists %d users, want 6", len(us))
		}
		for i, who := range []*liaison.User{analyst, sgt, banker, attache} {
			us, _, err := w.svc.ListUsers(as(who), liaison.UserFilter{AgencyID: pd.ID}, liaison.Page{})
			wantErr(t, err, liaison.EFORBIDDEN, "")
			if us != nil {
				t.Errorf("%s: refused list still returned %d users", who.Login, len(us))
			}
			if got, want := denied(), i+1; got != want {
				t.Errorf("%s: %d refused lists audited, want %d", who.Login, got, want)
			}
		}

		// One user.
		missing := func(who *liaison.User, idOrLogin string) error {
			_, err := w.svc.FindUser(as(who), idOrLogin)
			return err
		}
		const full, card, hidden = "full", "card", "hidden"
		tests := []struct {
			name   string
			who    *liaison.User
			target *liaison.User
			want   string
		}{
			{"admin reads anyone", admin, banker, full},
			{"a user reads themself", analyst, analyst, full},
			{"a private partner reads themself", banker, banker, full},
			{"a colleague", analyst, sgt, card},
			{"a partner agency's user", analyst, banker, card},
			{"a private partner, a colleague", banker, teller, card},
			{"a private partner, the police", banker, analyst, hidden},
			{"an international partner, the police", attache, sgt, hidden},
			{"an international partner, a bank", attache, banker, hidden},
		}
		for _, tt := range tests {
			for _, key := range []string{tt.target.ID, tt.target.Login} {
				u, err := w.svc.FindUser(as(tt.who), key)
				switch tt.want {
				case hidden:
					wantErr(t, err, liaison.ENOTFOUND, "")
					gone := missing(tt.who, liaison.NewID())
					if key == tt.target.Login {
						gone = missing(tt.who, "nobody-here")
					}
					if err.Error() != gone.Error() {
						t.Errorf("%s: hidden answers %q, missing %q", tt.name, err, gone)
					}
				case card:
					must(t, err)
					want := liaison.User{ID: tt.target.ID, Login: tt.target.Login, Name: tt.target.Name, AgencyID: tt.target.AgencyID}
					if u.ID != want.ID || u.Login != want.Login || u.Name != want.Name || u.AgencyID != want.AgencyID ||
						u.Email != "" || len(u.Roles) != 0 || u.Attributes != (liaison.Attributes{}) || !u.Created.IsZero() {
						t.Errorf("%s (%s): got %+v, want only the card %+v", tt.name, key, u, want)
					}
				case full:
					must(t, err)
					if u.Email != tt.target.Email || len(u.Roles) != len(tt.target.Roles) || u.Attributes != tt.target.Attributes {
						t.Errorf("%s (%s): got %+v, want the whole account", tt.name, key, u)
					}
				}
			}
		}
	})
}

// TestStepTwoIsTheVettingChain: a report awaiting step 2 is for the
// analysts of fusion centers and task forces that share a community with
// the originating agency. A trained analyst of a fusion center outside
// those communities neither finds it in the queue nor reads it, nor takes a
// step on it: it answers as a missing report does.
func TestStepTwoIsTheVettingChain(t *testing.T) {
	onEveryStore(t, func(t *testing.T, w *world) {
		pd := w.agency("METRO-PD", liaison.AgencyLocal)
		near := w.agency("NCR-FC", liaison.AgencyFusionCenter)
		jttf := w.agency("JTTF", liaison.AgencyTaskForce)
		far := w.agency("FAR-FC", liaison.AgencyFusionCenter)
		other := w.agency("FAR-PD", liaison.AgencyLocal)
		w.community("National Capital Region", pd, near)
		w.community("Joint terrorism task force", jttf, pd)
		w.community("Far area", far, other)
		trained := liaison.Attributes{Part23Trained: true}
		officer := w.user(pd, "officer", liaison.Attributes{SwornOfficer: true}, liaison.RoleOfficer)
		sgt := w.user(pd, "sgt", liaison.Attributes{SwornOfficer: true}, liaison.RoleSupervisor)
		analysts := []struct {
			who     *liaison.User
			inChain bool
		}{
			{w.user(near, "near.analyst", trained, liaison.RoleAnalyst), true},
			{w.user(jttf, "jttf.analyst", trained, liaison.RoleAnalyst), true},
			{w.user(far, "far.analyst", trained, liaison.RoleAnalyst), false},
		}
		r, err := w.svc.CreateSAR(as(officer), service.SARInput{Title: "Man photographing the substation",
			Narrative: "Observed for twenty minutes from the fence.", Where: liaison.Place{Address: "1 Grid Rd"},
			When: liaison.SARTime{Time: w.clock.Now().Add(-time.Hour)}, Categories: []liaison.Category{liaison.CatPhotography}, Submit: true})
		must(t, err)
		_, err = w.svc.StepSAR(as(sgt), r.ID, service.StepInput{Step: sar.Forward})
		must(t, err)

		for _, a := range analysts {
			q, _, err := w.svc.SARQueue(as(a.who), sar.AwaitingStep2, "", liaison.Page{})
			must(t, err)
			if got := len(q) == 1 && q[0].ID == r.ID; got != a.inChain {
				t.Errorf("%s: report in the step-2 queue: %v, want %v", a.who.Login, got, a.inChain)
			}
			got, err := w.svc.GetSAR(as(a.who), r.ID, "")
			_, missErr := w.svc.GetSAR(as(a.who), liaison.NewID(), "")
			if a.inChain {
				must(t, err)
				if got.Narrative != r.Narrative {
					t.Errorf("%s: reads %q, want the whole report", a.who.Login, got.Narrative)
				}
				continue
			}
			wantErr(t, err, liaison.ENOTFOUND, "")
			if err.Error() != missErr.Error() {
				t.Errorf("%s: hidden answers %q, missing %q", a.who.Login, err, missErr)
			}
			_, err = w.svc.StepSAR(as(a.who), r.ID, service.StepInput{Step: sar.RetainLocal, Reason: "kept at the far center"})
			_, missErr = w.svc.StepSAR(as(a.who), liaison.NewID(), service.StepInput{Step: sar.RetainLocal, Reason: "kept at the far center"})
			wantErr(t, err, liaison.ENOTFOUND, "")
			if err.Error() != missErr.Error() {
				t.Errorf("%s: a step on the hidden report answers %q, on a missing one %q", a.who.Login, err, missErr)
			}
		}
		// The chain still does step 2.
		shared, err := w.svc.StepSAR(as(analysts[1].who), r.ID, service.StepInput{Step: sar.RetainLocal, Reason: "kept for the task force"})
		must(t, err)
		if shared.State != liaison.SARRetained {
			t.Errorf("state after step 2: %s, want retained", shared.State)
		}
	})
}

// TestDemoStepTwoQueueIsTheChain: the demo's report awaiting step 2 (from
// the Riverside police) is in the queue of the state fusion center's and
// the JTTF's analysts, who share communities with Riverside.
func TestDemoStepTwoQueueIsTheChain(t *testing.T) {
	onEveryStore(t, func(t *testing.T, w *world) {
		w.svc.Now = time.Now
		if _, err := demo.Seed(context.Background(), w.svc); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"analyst", "jttf.analyst"} {
			u, err := w.svc.FindUser(w.sys, login)
			must(t, err)
			q, _, err := w.svc.SARQueue(as(u), sar.AwaitingStep2, "", liaison.Page{})
			must(t, err)
			var titles []string
			for _, r := range q {
				titles = append(titles, r.Title)
			}
			if !slices.Contains(titles, "Awaiting step 2: fence cut at the substation") {
				t.Errorf("%s's step-2 queue: %q, want the demo report awaiting step 2", login, titles)
			}
		}
	})
}
