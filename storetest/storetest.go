// Package storetest is the conformance suite every liaison.Store passes:
// the same calls must give the same results and the same error codes,
// whatever database is underneath.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
)

// Opener returns a fresh, empty, migrated store for one test.
type Opener func(t *testing.T) liaison.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, liaison.Store)
	}{
		{"Agencies", testAgencies},
		{"AgencyPaging", testAgencyPaging},
		{"Users", testUsers},
		{"Communities", testCommunities},
		{"Agreements", testAgreements},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"LoginAttempts", testLoginAttempts},
		{"RecoveryCodes", testRecoveryCodes},
		{"AuditEvents", testAuditEvents},
		{"Idempotency", testIdempotency},
		{"Rollback", testRollback},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ReadOnlyView", testReadOnlyView},
		{"MalformedIDs", testMalformedIDs},
		{"AuditLog", testAuditLog},
		{"AuditQueue", testAuditQueue},
		{"Checkpoints", testCheckpoints},
		{"Disseminations", testDisseminations},
		{"Cases", testCases},
		{"IntelRecords", testIntelRecords},
		{"SARs", testSARs},
		{"Operations", testOperations},
		{"Targets", testTargets},
		{"Conflicts", testConflicts},
		{"Inbox", testInbox},
		{"Outbox", testOutbox},
		{"DeconflictionClock", testDeconflictionClock},
		{"SARsInBulk", testSARsInBulk},
		{"AuditObjects", testAuditObjects},
		{"EmptyLists", testEmptyLists},
		{"Search", testSearch},
		{"ImportJobs", testImportJobs},
		{"Attachments", testAttachments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			tt.fn(t, s)
		})
	}
}

var epoch = time.Date(2026, 11, 25, 9, 30, 15, 123456000, time.UTC)

func update(t *testing.T, s liaison.Store, fn func(liaison.Tx) error) error {
	t.Helper()
	return s.Update(context.Background(), fn)
}

func view(t *testing.T, s liaison.Store, fn func(liaison.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

// sequence appends queued audit entries to the Merkle log.
func sequence(t *testing.T, s liaison.Store) {
	t.Helper()
	if _, err := audit.Sequence(context.Background(), s); err != nil {
		t.Fatalf("audit.Sequence: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks the domain code and, when field is set, the field at fault.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := liaison.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	fs := liaison.ErrorFields(err)
	if field == "" {
		if len(fs) != 0 {
			t.Fatalf("error fields = %+v, want none", fs)
		}
		return
	}
	if len(fs) != 1 || fs[0].Field != field {
		t.Fatalf("error fields = %+v, want exactly field %q", fs, field)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// equalJSON compares the JSON forms: records are stored as JSON, so
// JSON-equal is the contract (nil and empty slices may differ in Go).
func equalJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// NewAgency returns a valid agency with a unique code derived from n.
func NewAgency(n int) *liaison.Agency {
	return &liaison.Agency{ID: liaison.NewID(), Code: fmt.Sprintf("AG%04d", n), Name: fmt.Sprintf("Agency %d", n),
		Kind: liaison.AgencyLocal, Country: "US",
		Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov"}},
		Created:  epoch, Updated: epoch}
}

// NewUser returns a valid user of agency a.
func NewUser(login string, a *liaison.Agency) *liaison.User {
	return &liaison.User{ID: liaison.NewID(), Login: login, Name: "User " + login, Email: login + "@example.gov",
		AgencyID: a.ID, Roles: []liaison.Role{liaison.RoleAnalyst, liaison.RoleOfficer},
		Attributes:   liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceSecret},
		PasswordHash: "$argon2id$test", Created: epoch, Updated: epoch}
}

func testAgencies(t *testing.T, s liaison.Store) {
	a := NewAgency(1)
	a.Contacts = append(a.Contacts, liaison.Contact{Name: "Zoë Ångström", Role: "JTTF liaison", Phone: "+1 202 555 0100"})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(context.Background(), a) }))

	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindAgencyByID(context.Background(), a.ID)
		must(t, err)
		equal(t, "by id", got, a)
		got, err = tx.FindAgencyByCode(context.Background(), a.Code)
		must(t, err)
		equal(t, "by code", got, a)
		_, err = tx.FindAgencyByID(context.Background(), liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		// Codes compare exactly: the service upper-cases; the store does not fold case.
		_, err = tx.FindAgencyByCode(context.Background(), "ag0001")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})

	dup := NewAgency(1)
	err := update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(context.Background(), dup) })
	wantErr(t, err, liaison.ECONFLICT, "code")

	b := NewAgency(2)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(context.Background(), b) }))
	b.Code = a.Code
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateAgency(context.Background(), b) })
	wantErr(t, err, liaison.ECONFLICT, "code")

	b.Code, b.Name, b.Kind, b.Updated = "AG0002", "Renamed", liaison.AgencyTribal, epoch.Add(time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateAgency(context.Background(), b) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindAgencyByID(context.Background(), b.ID)
		must(t, err)
		equal(t, "updated", got, b)
		return nil
	})

	missing := NewAgency(3)
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateAgency(context.Background(), missing) })
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func testAgencyPaging(t *testing.T, s liaison.Store) {
	var ids []liaison.ID
	must(t, update(t, s, func(tx liaison.Tx) error {
		for i := range 7 {
			a := NewAgency(i)
			if i%2 == 0 {
				a.Kind, a.Country = liaison.AgencyFederal, "NL"
			}
			if err := tx.CreateAgency(context.Background(), a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	}))
	view(t, s, func(tx liaison.Tx) error {
		var got []liaison.ID
		p := liaison.Page{Limit: 3}
		for {
			page, err := tx.ListAgencies(context.Background(), liaison.AgencyFilter{}, p)
			must(t, err)
			for _, a := range page {
				got = append(got, a.ID)
			}
			if len(page) < 3 {
				break
			}
			p.After = page[len(page)-1].ID
		}
		equal(t, "all pages", got, ids)

		fed, err := tx.ListAgencies(context.Background(), liaison.AgencyFilter{Kind: liaison.AgencyFederal, Country: "NL"}, liaison.Page{})
		must(t, err)
		if len(fed) != 4 {
			t.Fatalf("filtered = %d agencies, want 4", len(fed))
		}
		none, err := tx.ListAgencies(context.Background(), liaison.AgencyFilter{Country: "FR"}, liaison.Page{})
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("empty list = %#v, want empty non-nil slice", none)
		}
		return nil
	})
}

func testUsers(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	u := NewUser("ana.lyst", a)
	locked := epoch.Add(time.Minute)
	u.Locked, u.MFAEnrolled, u.TOTPSecret, u.TOTPLastStep = &locked, &epoch, "JBSWY3DPEHPK3PXP", 59
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		return tx.CreateUser(ctx, u)
	}))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindUserByLogin(ctx, "ana.lyst")
		must(t, err)
		equal(t, "by login", got, u)
		got, err = tx.FindUserByID(ctx, u.ID)
		must(t, err)
		equal(t, "by id", got, u)
		_, err = tx.FindUserByLogin(ctx, "ANA.LYST")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})

	orphan := NewUser("orphan", NewAgency(9))
	err := update(t, s, func(tx liaison.Tx) error { return tx.CreateUser(ctx, orphan) })
	wantErr(t, err, liaison.EINVALID, "agency_id")

	dup := NewUser("ana.lyst", a)
	err = update(t, s, func(tx liaison.Tx) error { return tx.CreateUser(ctx, dup) })
	wantErr(t, err, liaison.ECONFLICT, "login")

	u.Locked, u.Roles, u.Disabled = nil, []liaison.Role{liaison.RoleAuditor}, true
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateUser(ctx, u) }))
	u.AgencyID = liaison.NewID()
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateUser(ctx, u) })
	wantErr(t, err, liaison.EINVALID, "agency_id")
	u.AgencyID = a.ID

	b := NewAgency(2)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, b))
		must(t, tx.CreateUser(ctx, NewUser("b.one", b)))
		return tx.CreateUser(ctx, NewUser("b.two", b))
	}))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindUserByID(ctx, u.ID)
		must(t, err)
		equal(t, "updated", got, u)
		byAgency, err := tx.ListUsers(ctx, liaison.UserFilter{AgencyID: b.ID}, liaison.Page{})
		must(t, err)
		if len(byAgency) != 2 {
			t.Fatalf("users of agency b = %d, want 2", len(byAgency))
		}
		auditors, err := tx.ListUsers(ctx, liaison.UserFilter{Role: liaison.RoleAuditor}, liaison.Page{})
		must(t, err)
		if len(auditors) != 1 || auditors[0].ID != u.ID {
			t.Fatalf("auditors = %+v, want only %s", auditors, u.Login)
		}
		// Text matches login, name or e-mail, ignoring case, with no
		// wildcards; it combines with the other filters and with paging.
		for _, c := range []struct {
			text string
			want int
		}{{"B.ONE", 1}, {"b.", 2}, {"User b.two", 1}, {"@EXAMPLE", 3}, {"%", 0}, {"_", 0}, {"b.one\nuser", 0}, {"nobody", 0}} {
			got, err := tx.ListUsers(ctx, liaison.UserFilter{Text: c.text}, liaison.Page{})
			must(t, err)
			if len(got) != c.want {
				t.Errorf("users matching %q = %d, want %d", c.text, len(got), c.want)
			}
		}
		both, err := tx.ListUsers(ctx, liaison.UserFilter{Text: "b.", AgencyID: b.ID}, liaison.Page{Limit: 1})
		must(t, err)
		rest, err := tx.ListUsers(ctx, liaison.UserFilter{Text: "b.", AgencyID: b.ID}, liaison.Page{After: both[0].ID})
		must(t, err)
		if len(both) != 1 || len(rest) != 1 || rest[0].ID == both[0].ID {
			t.Errorf("paged text search: %d then %d", len(both), len(rest))
		}
		return nil
	})
}

func testCommunities(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a, b, c := NewAgency(1), NewAgency(2), NewAgency(3)
	jttf := &liaison.Community{ID: liaison.NewID(), Name: "JTTF Capital", Kind: liaison.CommunityTaskForce,
		Description: "Joint terrorism task force", Members: sortedIDs(a.ID, b.ID), Created: epoch, Updated: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, ag := range []*liaison.Agency{a, b, c} {
			must(t, tx.CreateAgency(ctx, ag))
		}
		return tx.CreateCommunity(ctx, jttf)
	}))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindCommunityByID(ctx, jttf.ID)
		must(t, err)
		equal(t, "community", got, jttf)
		ofC, err := tx.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: c.ID}, liaison.Page{})
		must(t, err)
		if len(ofC) != 0 {
			t.Fatalf("communities of c = %d, want 0", len(ofC))
		}
		return nil
	})

	bad := &liaison.Community{ID: liaison.NewID(), Name: "Ghosts", Kind: liaison.CommunityOther,
		Members: []liaison.ID{liaison.NewID()}, Created: epoch, Updated: epoch}
	err := update(t, s, func(tx liaison.Tx) error { return tx.CreateCommunity(ctx, bad) })
	wantErr(t, err, liaison.EINVALID, "members")
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindCommunityByID(ctx, bad.ID)
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})

	dup := &liaison.Community{ID: liaison.NewID(), Name: "JTTF Capital", Kind: liaison.CommunityOther,
		Members: []liaison.ID{}, Created: epoch, Updated: epoch}
	err = update(t, s, func(tx liaison.Tx) error { return tx.CreateCommunity(ctx, dup) })
	wantErr(t, err, liaison.ECONFLICT, "name")

	jttf.Members = sortedIDs(b.ID, c.ID)
	jttf.Description = "changed"
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateCommunity(ctx, jttf) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindCommunityByID(ctx, jttf.ID)
		must(t, err)
		equal(t, "updated community", got, jttf)
		ofC, err := tx.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: c.ID}, liaison.Page{})
		must(t, err)
		if len(ofC) != 1 || !reflect.DeepEqual(ofC[0].Members, jttf.Members) {
			t.Fatalf("communities of c = %+v, want jttf with members", ofC)
		}
		return nil
	})
	ghost := &liaison.Community{ID: liaison.NewID(), Name: "x", Kind: liaison.CommunityOther, Members: []liaison.ID{}}
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateCommunity(ctx, ghost) })
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func sortedIDs(ids ...liaison.ID) []liaison.ID {
	out := append([]liaison.ID{}, ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func newAgreement(agency, community liaison.ID, expires time.Time) *liaison.Agreement {
	return &liaison.Agreement{ID: liaison.NewID(), AgencyID: agency, CommunityID: community,
		LegalBasis: "MOU 2026-14 between the partners", Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism},
		RecordKinds: []liaison.RecordKind{liaison.KindIntelligence, liaison.KindSAR}, PIIAllowed: true,
		Expires: expires, Created: epoch, Updated: epoch}
}

func testAgreements(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	c := &liaison.Community{ID: liaison.NewID(), Name: "Fusion area", Kind: liaison.CommunityFusionArea,
		Members: []liaison.ID{a.ID}, Created: epoch, Updated: epoch}
	old := newAgreement(a.ID, c.ID, epoch.Add(time.Hour))
	current := newAgreement(a.ID, c.ID, epoch.AddDate(1, 0, 0))
	current.InternationalRelease = true
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		must(t, tx.CreateCommunity(ctx, c))
		must(t, tx.CreateAgreement(ctx, old))
		return tx.CreateAgreement(ctx, current)
	}))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindAgreementByID(ctx, current.ID)
		must(t, err)
		equal(t, "agreement", got, current)
		active, err := tx.ListAgreements(ctx, liaison.AgreementFilter{AgencyID: a.ID, ActiveAt: epoch.Add(2 * time.Hour)}, liaison.Page{})
		must(t, err)
		if len(active) != 1 || active[0].ID != current.ID {
			t.Fatalf("active agreements = %+v, want only the current one", active)
		}
		// Expiry is exclusive: at the instant of expiry an agreement is no longer in force.
		atExpiry, err := tx.ListAgreements(ctx, liaison.AgreementFilter{CommunityID: c.ID, ActiveAt: old.Expires}, liaison.Page{})
		must(t, err)
		if len(atExpiry) != 1 {
			t.Fatalf("agreements active at the old one's expiry = %d, want 1", len(atExpiry))
		}
		return nil
	})
	err := update(t, s, func(tx liaison.Tx) error {
		return tx.CreateAgreement(ctx, newAgreement(liaison.NewID(), c.ID, epoch.AddDate(1, 0, 0)))
	})
	wantErr(t, err, liaison.EINVALID, "agency_id")
	err = update(t, s, func(tx liaison.Tx) error {
		return tx.CreateAgreement(ctx, newAgreement(a.ID, liaison.NewID(), epoch.AddDate(1, 0, 0)))
	})
	wantErr(t, err, liaison.EINVALID, "community_id")

	current.PIIAllowed, current.Expires = false, epoch.AddDate(2, 0, 0)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateAgreement(ctx, current) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindAgreementByID(ctx, current.ID)
		must(t, err)
		equal(t, "updated agreement", got, current)
		return nil
	})
}

func seedUser(t *testing.T, s liaison.Store, login string) *liaison.User {
	t.Helper()
	a := NewAgency(len(login) + int(time.Now().UnixNano()%9000))
	u := NewUser(login, a)
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(context.Background(), a))
		return tx.CreateUser(context.Background(), u)
	}))
	return u
}

func testSessions(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "sess")
	ss := &liaison.Session{ID: liaison.NewID(), TokenHash: "h1", UserID: u.ID, CSRFToken: "csrf",
		Created: epoch, Authenticated: epoch, LastSeen: epoch, IP: "127.0.0.1", UserAgent: "test"}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSession(ctx, ss) }))
	err := update(t, s, func(tx liaison.Tx) error {
		dup := *ss
		dup.ID = liaison.NewID()
		return tx.CreateSession(ctx, &dup)
	})
	wantErr(t, err, liaison.ECONFLICT, "")
	ss.MFADone, ss.LastSeen, ss.TokenHash = true, epoch.Add(time.Minute), "h2"
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSession(ctx, ss) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindSessionByTokenHash(ctx, "h2")
		must(t, err)
		equal(t, "session", got, ss)
		_, err = tx.FindSessionByTokenHash(ctx, "h1")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
	other := &liaison.Session{ID: liaison.NewID(), TokenHash: "h3", UserID: u.ID, CSRFToken: "c",
		Created: epoch, Authenticated: epoch, LastSeen: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSession(ctx, other) }))
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSession(ctx, ss.ID) }))
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteSession(ctx, ss.ID) }))
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindSessionByTokenHash(ctx, "h2")
		wantErr(t, err, liaison.ENOTFOUND, "")
		_, err = tx.FindSessionByTokenHash(ctx, "h3")
		must(t, err)
		return nil
	})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteUserSessions(ctx, u.ID) }))
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindSessionByTokenHash(ctx, "h3")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateSession(ctx, ss) })
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func testTokens(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "tok")
	tk := &liaison.APIToken{ID: liaison.NewID(), UserID: u.ID, Name: "partner feed", TokenHash: "th",
		Prefix: "lsn_abcd", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite},
		Created: epoch, Expires: epoch.AddDate(0, 3, 0)}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateToken(ctx, tk) }))
	err := update(t, s, func(tx liaison.Tx) error {
		bad := *tk
		bad.ID, bad.TokenHash, bad.UserID = liaison.NewID(), "other", liaison.NewID()
		return tx.CreateToken(ctx, &bad)
	})
	wantErr(t, err, liaison.EINVALID, "user_id")
	used, revoked := epoch.Add(time.Second), epoch.Add(time.Hour)
	tk.LastUsed, tk.Revoked = &used, &revoked
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateToken(ctx, tk) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindTokenByHash(ctx, "th")
		must(t, err)
		equal(t, "token", got, tk)
		got, err = tx.FindTokenByID(ctx, tk.ID)
		must(t, err)
		equal(t, "token by id", got, tk)
		all, err := tx.ListTokens(ctx, u.ID, liaison.Page{})
		must(t, err)
		if len(all) != 1 {
			t.Fatalf("tokens = %d, want 1", len(all))
		}
		_, err = tx.FindTokenByHash(ctx, "nope")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

func testLoginAttempts(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "att")
	add := func(at time.Time, ok bool) {
		must(t, update(t, s, func(tx liaison.Tx) error {
			return tx.AddLoginAttempt(ctx, &liaison.LoginAttempt{ID: liaison.NewID(), UserID: u.ID, At: at,
				Success: ok, Factor: "password", IP: "127.0.0.1"})
		}))
	}
	count := func(since time.Time) int {
		var n int
		view(t, s, func(tx liaison.Tx) error {
			var err error
			n, err = tx.CountLoginFailures(ctx, u.ID, since)
			return err
		})
		return n
	}
	add(epoch, false)
	add(epoch.Add(time.Minute), false)
	if got := count(epoch); got != 2 {
		t.Fatalf("failures = %d, want 2", got)
	}
	if got := count(epoch.Add(time.Second)); got != 1 {
		t.Fatalf("failures since +1s = %d, want 1", got)
	}
	add(epoch.Add(2*time.Minute), true)
	add(epoch.Add(3*time.Minute), false)
	if got := count(epoch); got != 1 {
		t.Fatalf("failures after a success = %d, want 1", got)
	}
}

func testRecoveryCodes(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "rec")
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.ReplaceRecoveryCodes(ctx, u.ID, []string{"a", "b", "c"}) }))
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UseRecoveryCode(ctx, u.ID, "b", epoch) }))
	err := update(t, s, func(tx liaison.Tx) error { return tx.UseRecoveryCode(ctx, u.ID, "b", epoch) })
	wantErr(t, err, liaison.ENOTFOUND, "")
	err = update(t, s, func(tx liaison.Tx) error { return tx.UseRecoveryCode(ctx, u.ID, "zzz", epoch) })
	wantErr(t, err, liaison.ENOTFOUND, "")
	view(t, s, func(tx liaison.Tx) error {
		n, err := tx.CountRecoveryCodes(ctx, u.ID)
		must(t, err)
		if n != 2 {
			t.Fatalf("unused codes = %d, want 2", n)
		}
		return nil
	})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.ReplaceRecoveryCodes(ctx, u.ID, []string{"d"}) }))
	view(t, s, func(tx liaison.Tx) error {
		n, err := tx.CountRecoveryCodes(ctx, u.ID)
		must(t, err)
		if n != 1 {
			t.Fatalf("unused codes after replace = %d, want 1", n)
		}
		return nil
	})
}

func testAuditEvents(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	var events []*liaison.AuditEvent
	must(t, update(t, s, func(tx liaison.Tx) error {
		for i := range 5 {
			e := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch.Add(time.Duration(i) * time.Hour),
				UserID: "u1", Actor: "ana", Action: "agency.create", ObjectType: "agency", ObjectID: fmt.Sprint(i),
				Outcome: liaison.OutcomeSuccess, IP: "10.0.0.1", RequestID: "r"}
			if i == 3 {
				e.UserID, e.Action, e.Outcome, e.Reason = "u2", "login.failure", liaison.OutcomeFailure, "bad password"
				e.Details = map[string]string{"factor": "password", "ünïcode": "✓"}
			}
			if err := audit.Append(ctx, tx, e); err != nil {
				return err
			}
			events = append(events, e)
		}
		return nil
	}))
	sequence(t, s)
	for i, e := range events {
		e.Index = int64(i)
	}
	view(t, s, func(tx liaison.Tx) error {
		all, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{})
		must(t, err)
		equal(t, "all events", all, events)
		byUser, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{UserID: "u2"}, liaison.Page{})
		must(t, err)
		equal(t, "by user", byUser, events[3:4])
		window, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Since: epoch.Add(time.Hour), Until: epoch.Add(3 * time.Hour), Action: "agency.create"}, liaison.Page{})
		must(t, err)
		equal(t, "window", window, events[1:3])
		byObject, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{ObjectID: "4"}, liaison.Page{})
		must(t, err)
		equal(t, "by object", byObject, events[4:5])
		prefix, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Action: "login."}, liaison.Page{})
		must(t, err)
		equal(t, "action prefix", prefix, events[3:4])
		failures, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Outcome: liaison.OutcomeFailure}, liaison.Page{})
		must(t, err)
		equal(t, "by outcome", failures, events[3:4])
		page, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{After: "1", Limit: 2})
		must(t, err)
		equal(t, "page after index 1", page, events[2:4])
		newest, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Newest: true}, liaison.Page{Limit: 2})
		must(t, err)
		equal(t, "newest first", newest, []*liaison.AuditEvent{events[4], events[3]})
		older, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Newest: true}, liaison.Page{After: "3", Limit: 2})
		must(t, err)
		equal(t, "newest first, the page before index 3", older, []*liaison.AuditEvent{events[2], events[1]})
		newestOfKind, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Newest: true, Action: "agency.create", Since: epoch.Add(time.Hour)}, liaison.Page{})
		must(t, err)
		equal(t, "newest first, filtered", newestOfKind, []*liaison.AuditEvent{events[4], events[2], events[1]})
		_, err = tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{After: "x"})
		wantErr(t, err, liaison.EINVALID, "cursor")
		none, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Since: epoch.AddDate(1, 0, 0)}, liaison.Page{})
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("events in an empty window = %#v, want an empty slice", none)
		}
		return nil
	})
}

// testAuditLog pins the Merkle log's storage: dense indexes, stored hashes,
// scanning with leaves, conflicts on a reused index, monthly counts.
func testAuditLog(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	var events []*liaison.AuditEvent
	for i := range 9 {
		e := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch.AddDate(0, i/5, 0), Actor: "x", Action: "agency.read",
			Outcome: liaison.OutcomeSuccess, Decision: "permit: policy default", Node: "n1", Details: map[string]string{"n": fmt.Sprint(i)}}
		must(t, update(t, s, func(tx liaison.Tx) error { return audit.Append(ctx, tx, e) }))
		e.Index = int64(i)
		events = append(events, e)
		if i == 4 {
			sequence(t, s) // two batches: the second extends the first's tree
		}
	}
	sequence(t, s)
	view(t, s, func(tx liaison.Tx) error {
		n, err := tx.AuditLogSize(ctx)
		must(t, err)
		if n != 9 {
			t.Fatalf("log size = %d, want 9", n)
		}
		var got []*liaison.AuditEvent
		err = tx.ScanAuditEntries(ctx, 2, 1<<62, func(idx int64, entry []byte, leaf liaison.Hash) error {
			e, err := liaison.ParseAuditEntry(entry)
			if err != nil || e.Index != idx {
				t.Errorf("entry %d does not parse back: %v", idx, err)
				return err
			}
			if leaf != audit.LeafHash(e) {
				t.Errorf("entry %d: stored leaf does not match its content", e.Index)
			}
			got = append(got, e)
			return nil
		})
		must(t, err)
		equal(t, "scan from 2", got, events[2:])
		_, err = tx.ReadAuditHashes(ctx, []int64{0, 1, 2})
		must(t, err)
		_, err = tx.ReadAuditHashes(ctx, []int64{1 << 40})
		wantErr(t, err, liaison.ENOTFOUND, "")
		counts, err := tx.CountAuditActions(ctx, epoch.AddDate(0, -1, 0), epoch.AddDate(1, 0, 0))
		must(t, err)
		want := []liaison.ActionCount{{Month: "2026-11", Action: "agency.read", Outcome: "success", Count: 5},
			{Month: "2026-12", Action: "agency.read", Outcome: "success", Count: 4}}
		equal(t, "monthly counts", counts, want)
		return nil
	})
	// A second writer that skipped the lock and reuses an index is refused.
	err := update(t, s, func(tx liaison.Tx) error {
		e := &liaison.AuditEvent{Index: 3, ID: liaison.NewID(), At: epoch, Actor: "x", Action: "forged", Outcome: liaison.OutcomeSuccess}
		return tx.AppendAuditEvents(ctx, []liaison.AuditAppend{{Event: e, Entry: e.Canonical(), FirstHash: 99999, Hashes: []liaison.Hash{audit.LeafHash(e)}}})
	})
	wantErr(t, err, liaison.ECONFLICT, "index")
}

func testCheckpoints(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	for _, size := range []int64{3, 7, 5} {
		c := &liaison.Checkpoint{Size: size, Root: liaison.Hash{byte(size)}, Note: fmt.Sprintf("note %d\n", size), Created: epoch}
		must(t, update(t, s, func(tx liaison.Tx) error { return tx.AddCheckpoint(ctx, c) }))
	}
	err := update(t, s, func(tx liaison.Tx) error {
		return tx.AddCheckpoint(ctx, &liaison.Checkpoint{Size: 5, Note: "dup", Created: epoch})
	})
	wantErr(t, err, liaison.ECONFLICT, "size")
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateCheckpointNote(ctx, 5, "cosigned\n") }))
	err = update(t, s, func(tx liaison.Tx) error { return tx.UpdateCheckpointNote(ctx, 6, "x") })
	wantErr(t, err, liaison.ENOTFOUND, "")
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.PutAuditKey(ctx, "k1", epoch))
		must(t, tx.PutAuditKey(ctx, "k1", epoch))
		return tx.PutAuditKey(ctx, "k2", epoch.Add(time.Second))
	}))
	view(t, s, func(tx liaison.Tx) error {
		latest, err := tx.FindCheckpoint(ctx, -1)
		must(t, err)
		if latest.Size != 7 || latest.Root != (liaison.Hash{7}) || !latest.Created.Equal(epoch) {
			t.Fatalf("latest = %+v, want size 7", latest)
		}
		five, err := tx.FindCheckpoint(ctx, 5)
		must(t, err)
		if five.Note != "cosigned\n" {
			t.Fatalf("note = %q", five.Note)
		}
		_, err = tx.FindCheckpoint(ctx, 4)
		wantErr(t, err, liaison.ENOTFOUND, "")
		all, err := tx.ListCheckpoints(ctx, 0, 0)
		must(t, err)
		before, err := tx.ListCheckpoints(ctx, 7, 1)
		must(t, err)
		if len(all) != 3 || all[0].Size != 7 || all[2].Size != 3 || len(before) != 1 || before[0].Size != 5 {
			t.Fatalf("checkpoints = %d (first %d), before 7 = %+v", len(all), all[0].Size, before)
		}
		keys, err := tx.ListAuditKeys(ctx)
		must(t, err)
		equal(t, "keys", keys, []string{"k1", "k2"})
		return nil
	})
}

func testDisseminations(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	u := seedUser(t, s, "recipient")
	var e *liaison.AuditEvent
	must(t, update(t, s, func(tx liaison.Tx) error {
		e = &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "x", Action: "sar.release", Outcome: liaison.OutcomeSuccess}
		return audit.Append(ctx, tx, e)
	}))
	sequence(t, s)
	item := liaison.NewID()
	d := &liaison.Dissemination{ID: liaison.NewID(), At: epoch, ItemKind: "sar", ItemID: item, RecipientUserID: u.ID,
		RecipientAgencyID: u.AgencyID, Labels: liaison.Labels{TLP: "AMBER", Handling: "H2", Originator: liaison.NewID()},
		Purpose: liaison.PurposeCounterterrorism, Redacted: true, AuditEventID: e.ID}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateDissemination(ctx, d) }))
	err := update(t, s, func(tx liaison.Tx) error {
		bad := *d
		bad.ID, bad.RecipientUserID = liaison.NewID(), liaison.NewID()
		return tx.CreateDissemination(ctx, &bad)
	})
	wantErr(t, err, liaison.EINVALID, "recipient_user_id")
	err = update(t, s, func(tx liaison.Tx) error { // the user is not of that agency
		bad := *d
		bad.ID, bad.RecipientAgencyID = liaison.NewID(), liaison.NewID()
		return tx.CreateDissemination(ctx, &bad)
	})
	wantErr(t, err, liaison.EINVALID, "recipient_user_id")
	item2 := liaison.NewID()
	batch := []*liaison.Dissemination{}
	for range 3 {
		d2 := *d
		d2.ID, d2.ItemID = liaison.NewID(), item2
		batch = append(batch, &d2)
	}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateDisseminations(ctx, batch) }))
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateDisseminations(ctx, nil) }))
	err = update(t, s, func(tx liaison.Tx) error {
		bad := *d
		bad.ID, bad.RecipientUserID = liaison.NewID(), liaison.NewID()
		return tx.CreateDisseminations(ctx, []*liaison.Dissemination{&bad})
	})
	wantErr(t, err, liaison.EINVALID, "recipient_user_id")
	view(t, s, func(tx liaison.Tx) error {
		got2, err := tx.ListDisseminations(ctx, liaison.DisseminationFilter{ItemID: item2}, liaison.Page{})
		must(t, err)
		equal(t, "batch", got2, batch)
		got, err := tx.ListDisseminations(ctx, liaison.DisseminationFilter{ItemID: item}, liaison.Page{})
		must(t, err)
		equal(t, "by item", got, []*liaison.Dissemination{d})
		got, err = tx.ListDisseminations(ctx, liaison.DisseminationFilter{RecipientAgencyID: u.AgencyID, Since: epoch, Until: epoch.Add(time.Second)}, liaison.Page{})
		must(t, err)
		equal(t, "by recipient", got, append([]*liaison.Dissemination{d}, batch...))
		got, err = tx.ListDisseminations(ctx, liaison.DisseminationFilter{OriginatorID: liaison.NewID()}, liaison.Page{})
		must(t, err)
		if got == nil || len(got) != 0 {
			t.Fatalf("other originator = %#v, want empty", got)
		}
		return nil
	})
}

func testIdempotency(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	r := &liaison.IdempotencyRecord{Key: "u1:k1", RequestHash: "abc", Created: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.ClaimIdempotencyKey(ctx, r) }))
	err := update(t, s, func(tx liaison.Tx) error { return tx.ClaimIdempotencyKey(ctx, r) })
	wantErr(t, err, liaison.ECONFLICT, "Idempotency-Key")
	r.Status, r.Body, r.Location = 201, []byte(`{"id":"x"}`), "/api/v1/agencies/x"
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CompleteIdempotencyKey(ctx, r) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindIdempotencyKey(ctx, "u1:k1")
		must(t, err)
		equal(t, "record", got, r)
		return nil
	})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteIdempotencyKey(ctx, "u1:k1") }))
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindIdempotencyKey(ctx, "u1:k1")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

func testRollback(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	boom := errors.New("boom")
	err := update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		must(t, audit.Append(ctx, tx, &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "x",
			Action: "agency.create", Outcome: liaison.OutcomeSuccess}))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	sequence(t, s)
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindAgencyByID(ctx, a.ID)
		wantErr(t, err, liaison.ENOTFOUND, "")
		ev, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{})
		must(t, err)
		if len(ev) != 0 {
			t.Fatalf("audit events after rollback = %d, want 0", len(ev))
		}
		return nil
	})
	// A failed statement inside a transaction also rolls back what came before it.
	b := NewAgency(2)
	err = update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, b))
		return tx.CreateUser(ctx, NewUser("x", NewAgency(99)))
	})
	wantErr(t, err, liaison.EINVALID, "agency_id")
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindAgencyByID(ctx, b.ID)
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

func testConcurrentWriters(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(ctx, func(tx liaison.Tx) error {
					a := NewAgency(w*1000 + i)
					if err := tx.CreateAgency(ctx, a); err != nil {
						return err
					}
					return audit.Append(ctx, tx, &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "x",
						Action: "agency.create", ObjectID: a.ID, Outcome: liaison.OutcomeSuccess})
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent write: %v", err)
	}
	sequence(t, s)
	view(t, s, func(tx liaison.Tx) error {
		ag, err := tx.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		must(t, err)
		ev, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
		must(t, err)
		if len(ag) != writers*each || len(ev) != writers*each {
			t.Fatalf("agencies = %d, audit events = %d, want %d each", len(ag), len(ev), writers*each)
		}
		return nil
	})
}

func testReadOnlyView(t *testing.T, s liaison.Store) {
	err := s.View(context.Background(), func(tx liaison.Tx) error {
		return tx.CreateAgency(context.Background(), NewAgency(1))
	})
	wantErr(t, err, liaison.EINTERNAL, "")
	view(t, s, func(tx liaison.Tx) error {
		n, err := tx.ListAgencies(context.Background(), liaison.AgencyFilter{}, liaison.Page{})
		must(t, err)
		if len(n) != 0 {
			t.Fatalf("agencies after a write in View = %d, want 0", len(n))
		}
		return nil
	})
}

// testMalformedIDs pins that ids which are not canonical UUIDs find nothing
// and leave the transaction usable (PostgreSQL would abort it on a cast error).
func testMalformedIDs(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, id := range []string{"nope", "", strings.ToUpper(liaison.NewID()), "01234567-89ab-cdef-0123-456789abcdeg"} {
			_, err := tx.FindAgencyByID(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
			_, err = tx.FindUserByID(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
			_, err = tx.FindCommunityByID(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
			_, err = tx.FindAgreementByID(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
			_, err = tx.FindTokenByID(ctx, id)
			wantErr(t, err, liaison.ENOTFOUND, "")
		}
		return tx.CreateAgency(ctx, a) // the transaction still works
	}))
	view(t, s, func(tx liaison.Tx) error {
		_, err := tx.FindAgencyByID(ctx, a.ID)
		must(t, err)
		_, err = tx.FindAgencyByID(ctx, strings.ToUpper(a.ID))
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}

// testEmptyLists pins that every list answers an empty, non-nil slice.
func testEmptyLists(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	view(t, s, func(tx liaison.Tx) error {
		a, err := tx.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{})
		must(t, err)
		u, err := tx.ListUsers(ctx, liaison.UserFilter{}, liaison.Page{})
		must(t, err)
		c, err := tx.ListCommunities(ctx, liaison.CommunityFilter{}, liaison.Page{})
		must(t, err)
		g, err := tx.ListAgreements(ctx, liaison.AgreementFilter{}, liaison.Page{})
		must(t, err)
		k, err := tx.ListTokens(ctx, liaison.NewID(), liaison.Page{})
		must(t, err)
		e, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{})
		must(t, err)
		if a == nil || u == nil || c == nil || g == nil || k == nil || e == nil ||
			len(a)+len(u)+len(c)+len(g)+len(k)+len(e) != 0 {
			t.Fatalf("empty lists = %#v %#v %#v %#v %#v %#v, want empty non-nil slices", a, u, c, g, k, e)
		}
		return nil
	})
}

func testAuditQueue(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	var ids []liaison.ID
	must(t, update(t, s, func(tx liaison.Tx) error {
		for i := range 3 {
			e := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "x", Action: "a", Outcome: liaison.OutcomeSuccess,
				Details: map[string]string{"n": fmt.Sprint(i)}}
			if err := audit.Append(ctx, tx, e); err != nil {
				return err
			}
			ids = append(ids, e.ID)
		}
		return nil
	}))
	err := update(t, s, func(tx liaison.Tx) error {
		return tx.QueueAuditEvent(ctx, &liaison.AuditEvent{ID: ids[0], At: epoch, Actor: "x", Action: "a", Outcome: liaison.OutcomeSuccess})
	})
	wantErr(t, err, liaison.ECONFLICT, "id")
	view(t, s, func(tx liaison.Tx) error {
		q, err := tx.ListQueuedAuditEvents(ctx, 2)
		must(t, err)
		if len(q) != 2 || q[0].ID != ids[0] || q[1].ID != ids[1] || q[1].Details["n"] != "1" {
			t.Fatalf("queued = %+v", q)
		}
		n, err := tx.AuditLogSize(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("log size before sequencing = %d", n)
		}
		return nil
	})
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.DeleteQueuedAuditEvents(ctx, ids[:1]) }))
	sequence(t, s)
	view(t, s, func(tx liaison.Tx) error {
		q, err := tx.ListQueuedAuditEvents(ctx, 10)
		must(t, err)
		n, err := tx.AuditLogSize(ctx)
		must(t, err)
		if len(q) != 0 || n != 2 {
			t.Fatalf("after sequencing: %d queued, log size %d; want 0 and 2", len(q), n)
		}
		return nil
	})
}

func testCases(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	a := NewAgency(1)
	u1, u2 := NewUser("case.one", a), NewUser("case.two", a)
	c := &liaison.Case{ID: liaison.NewID(), Title: "Operation Lantern", AgencyID: a.ID, Assigned: sortedIDs(u1.ID, u2.ID), Created: epoch, Updated: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, a))
		must(t, tx.CreateUser(ctx, u1))
		must(t, tx.CreateUser(ctx, u2))
		return tx.CreateCase(ctx, c)
	}))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindCaseByID(ctx, c.ID)
		must(t, err)
		equal(t, "case", got, c)
		mine, err := tx.ListUserCases(ctx, u1.ID)
		must(t, err)
		equal(t, "u1 cases", mine, []liaison.ID{c.ID})
		none, err := tx.ListUserCases(ctx, liaison.NewID())
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("cases of nobody = %#v", none)
		}
		return nil
	})
	err := update(t, s, func(tx liaison.Tx) error {
		return tx.CreateCase(ctx, &liaison.Case{ID: liaison.NewID(), Title: "x", AgencyID: liaison.NewID(), Assigned: []liaison.ID{}, Created: epoch, Updated: epoch})
	})
	wantErr(t, err, liaison.EINVALID, "agency_id")
	err = update(t, s, func(tx liaison.Tx) error {
		return tx.CreateCase(ctx, &liaison.Case{ID: liaison.NewID(), Title: "x", AgencyID: a.ID, Assigned: []liaison.ID{liaison.NewID()}, Created: epoch, Updated: epoch})
	})
	wantErr(t, err, liaison.EINVALID, "assigned")
	c.Assigned, c.Title = []liaison.ID{u2.ID}, "Renamed"
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateCase(ctx, c) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindCaseByID(ctx, c.ID)
		must(t, err)
		equal(t, "updated case", got, c)
		mine, err := tx.ListUserCases(ctx, u1.ID)
		must(t, err)
		if len(mine) != 0 {
			t.Fatalf("u1 still assigned: %v", mine)
		}
		return nil
	})
}

func testIntelRecords(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	pd, other := NewAgency(1), NewAgency(2)
	reader := NewUser("reader", other)
	c := &liaison.Case{ID: liaison.NewID(), Title: "Case", AgencyID: pd.ID, Assigned: []liaison.ID{}, Created: epoch, Updated: epoch}
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, pd))
		must(t, tx.CreateAgency(ctx, other))
		must(t, tx.CreateUser(ctx, reader))
		return tx.CreateCase(ctx, c)
	}))
	community := liaison.NewID()
	mk := func(tlp liaison.TLP, shared []liaison.ID, recipients []liaison.ID) *liaison.IntelRecord {
		return &liaison.IntelRecord{ID: liaison.NewID(), Version: 1, Title: "R", Narrative: "n", Predicate: "p",
			Subjects: []liaison.Entity{{ID: liaison.NewID(), Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Zoë"}}},
			Links:    []liaison.Link{}, LawfulCollection: true, Grading: liaison.Grading{Source: "B", Information: 2}, TLP: tlp,
			Handling: liaison.H0, Originator: pd.ID, ControlOfficial: liaison.NewID(), CaseID: c.ID, Recipients: recipients,
			SharedWith: shared, RetainUntil: epoch.AddDate(1, 0, 0), Created: epoch, Updated: epoch}
	}
	green := mk(liaison.TLPGreen, []liaison.ID{community}, []liaison.ID{})
	strict := mk(liaison.TLPAmberStrict, []liaison.ID{community}, []liaison.ID{})
	red := mk(liaison.TLPRed, []liaison.ID{}, []liaison.ID{reader.ID})
	private := mk(liaison.TLPAmber, []liaison.ID{}, []liaison.ID{})
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, r := range []*liaison.IntelRecord{green, strict, red, private} {
			if err := tx.CreateIntelRecord(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	bad := mk(liaison.TLPGreen, []liaison.ID{}, []liaison.ID{})
	bad.CaseID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateIntelRecord(ctx, bad) }), liaison.EINVALID, "case_id")
	bad = mk(liaison.TLPGreen, []liaison.ID{}, []liaison.ID{})
	bad.Originator = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateIntelRecord(ctx, bad) }), liaison.EINVALID, "originator_agency_id")

	// A correction is a new version; a stale version is refused.
	v2 := *green
	v2.Version, v2.Narrative, v2.Updated = 2, "corrected", epoch.Add(time.Hour)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateIntelRecord(ctx, &v2) }))
	stale := v2
	stale.Narrative = "stale"
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateIntelRecord(ctx, &stale) }), liaison.ECONFLICT, "version")
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindIntelRecord(ctx, green.ID)
		must(t, err)
		equalJSON(t, "latest", got, &v2)
		versions, err := tx.ListIntelVersions(ctx, green.ID)
		must(t, err)
		if len(versions) != 2 || versions[0].Narrative != "n" || versions[1].Narrative != "corrected" {
			t.Fatalf("versions = %+v", versions)
		}
		_, err = tx.FindIntelRecord(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")

		ids := func(f liaison.IntelFilter) []liaison.ID {
			rs, err := tx.ListIntelRecords(ctx, f, liaison.Page{})
			must(t, err)
			out := []liaison.ID{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		// The prefilter: the reader's agency belongs to the community.
		vis := &liaison.Visibility{Agency: other.ID, Communities: []liaison.ID{community}, UserID: reader.ID}
		equal(t, "visible to the reader", ids(liaison.IntelFilter{Visible: vis}), sortedIDs(green.ID, red.ID))
		vis.Granted = []liaison.ID{private.ID}
		equal(t, "with a grant", ids(liaison.IntelFilter{Visible: vis}), sortedIDs(green.ID, red.ID, private.ID))
		own := &liaison.Visibility{Agency: pd.ID, UserID: liaison.NewID()}
		equal(t, "own agency", ids(liaison.IntelFilter{Visible: own}), sortedIDs(green.ID, strict.ID, red.ID, private.ID))
		equal(t, "by case", len(ids(liaison.IntelFilter{CaseID: c.ID})), 4)
		equal(t, "other originator", ids(liaison.IntelFilter{Originator: other.ID}), []liaison.ID{})
		due, err := tx.ListIntelDue(ctx, epoch.AddDate(2, 0, 0), 10)
		must(t, err)
		none, err := tx.ListIntelDue(ctx, epoch, 10)
		must(t, err)
		if len(due) != 4 || len(none) != 0 {
			t.Fatalf("due = %d, due before epoch = %d; want 4 and 0", len(due), len(none))
		}
		return nil
	})
	// A purge leaves only the tombstone, in the record and in every version.
	tomb := v2.Tombstone(epoch.Add(2*time.Hour), "retention expired")
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.PurgeIntelRecord(ctx, tomb) }))
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindIntelRecord(ctx, green.ID)
		must(t, err)
		if !got.Purged || got.Narrative != "" || len(got.Subjects) != 0 || got.Version != 3 {
			t.Fatalf("purged record = %+v", got)
		}
		versions, err := tx.ListIntelVersions(ctx, green.ID)
		must(t, err)
		for _, v := range versions {
			if !v.Purged || strings.Contains(v.Narrative, "corrected") || len(v.Subjects) != 0 {
				t.Fatalf("a version kept content after the purge: %+v", v)
			}
		}
		due, err := tx.ListIntelDue(ctx, epoch.AddDate(2, 0, 0), 10)
		must(t, err)
		if len(due) != 3 {
			t.Fatalf("due after a purge = %d, want 3", len(due))
		}
		return nil
	})
	wantErr(t, update(t, s, func(tx liaison.Tx) error {
		return tx.PurgeIntelRecord(ctx, (&liaison.IntelRecord{ID: liaison.NewID()}).Tombstone(epoch, "x"))
	}), liaison.ENOTFOUND, "")
}

func testSARs(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	pd := NewAgency(1)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(ctx, pd) }))
	comm := liaison.NewID()
	mk := func(state liaison.SARState, tlp liaison.TLP, shared ...liaison.ID) *liaison.SAR {
		return &liaison.SAR{ID: liaison.NewID(), AgencyID: pd.ID, AuthorID: "a1", Source: liaison.SourceOfficer, Title: "t",
			Narrative: "n", When: epoch, Where: liaison.Place{Address: "1 Main St"}, Categories: []liaison.Category{liaison.CatTheft},
			Involved: []liaison.Entity{}, State: state, History: []liaison.SARTransition{}, TLP: tlp, SharedWith: shared, Created: epoch, Updated: epoch}
	}
	draft := mk(liaison.SARDraft, "")
	shared := mk(liaison.SARShared, liaison.TLPGreen, comm)
	strict := mk(liaison.SARShared, liaison.TLPAmberStrict, comm)
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, r := range []*liaison.SAR{draft, shared, strict} {
			if err := tx.CreateSAR(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	bad := mk(liaison.SARDraft, "")
	bad.AgencyID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSAR(ctx, bad) }), liaison.EINVALID, "agency_id")
	draft.State, draft.Updated = liaison.SARSubmitted, epoch.Add(time.Minute)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSAR(ctx, draft) }))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.UpdateSAR(ctx, mk(liaison.SARDraft, "")) }), liaison.ENOTFOUND, "")
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.FindSAR(ctx, draft.ID)
		must(t, err)
		equalJSON(t, "sar", got, draft)
		ids := func(f liaison.SARFilter) int {
			rs, err := tx.ListSARs(ctx, f, liaison.Page{})
			must(t, err)
			return len(rs)
		}
		equal(t, "submitted", ids(liaison.SARFilter{AgencyID: pd.ID, States: []liaison.SARState{liaison.SARSubmitted}}), 1)
		equal(t, "shared to the community, AMBER or wider", ids(liaison.SARFilter{SharedWith: []liaison.ID{comm}, States: []liaison.SARState{liaison.SARShared}}), 1)
		equal(t, "by author", ids(liaison.SARFilter{AuthorID: "a1"}), 3)
		_, err = tx.FindSAR(ctx, liaison.NewID())
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}
