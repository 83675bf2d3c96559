package service_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
)

// validAgency is an agency input that passes every rule.
func validAgency() liaison.AgencyInput {
	return liaison.AgencyInput{Code: "VA0290100", Name: "Arlington County Police", Kind: liaison.AgencyLocal,
		Country: "US", Contacts: []liaison.Contact{{Name: "Watch desk", Email: "watch@example.gov", Phone: "+1 703 555 0100"}}}
}

// countSuccess counts the successful audit events of action.
func (e *env) countSuccess(action string) int {
	e.t.Helper()
	return outcomes(e.audit(liaison.AuditFilter{Action: action}))[liaison.OutcomeSuccess]
}

func (e *env) listAgencies() []*liaison.Agency {
	e.t.Helper()
	as, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	must(e.t, err)
	return as
}

func TestCreateAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := validAgency()
	in.Code, in.Country, in.Name = " va0290100 ", "us", "  Arlington County Police "
	a, err := e.svc.CreateAgency(e.sys, in)
	must(t, err)
	if got, want := a.Code, "VA0290100"; got != want {
		t.Errorf("Code: got %q, want %q", got, want)
	}
	if got, want := a.Country, "US"; got != want {
		t.Errorf("Country: got %q, want %q", got, want)
	}
	if got, want := a.Name, "Arlington County Police"; got != want {
		t.Errorf("Name: got %q, want %q", got, want)
	}
	if !a.Created.Equal(e.clock.Now()) || !liaison.ValidID(a.ID) {
		t.Errorf("got id %q created %v, want a valid id created %v", a.ID, a.Created, e.clock.Now())
	}
	for _, key := range []string{a.ID, "VA0290100", "va0290100"} {
		got, err := e.svc.FindAgency(e.sys, key)
		must(t, err)
		if got.ID != a.ID {
			t.Errorf("FindAgency(%q): got %s, want %s", key, got.ID, a.ID)
		}
	}
	_, err = e.svc.FindAgency(e.sys, "NOSUCH")
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.FindAgency(e.anon, a.ID)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	evs := e.audit(liaison.AuditFilter{Action: "agency.create"})
	if len(evs) != 1 {
		t.Fatalf("agency.create events: got %d, want 1", len(evs))
	}
	ev := evs[0]
	if ev.ObjectID != a.ID || ev.Actor != "system:test" || ev.Outcome != liaison.OutcomeSuccess ||
		ev.Details["code"] != "VA0290100" || ev.Details["kind"] != "local" {
		t.Errorf("agency.create event %+v, want a success by system:test naming VA0290100", ev)
	}
}

func TestCreateAgencyInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(in *liaison.AgencyInput)
		field string
	}{
		{"no code", func(in *liaison.AgencyInput) { in.Code = "" }, "code"},
		{"one-character code", func(in *liaison.AgencyInput) { in.Code = "V" }, "code"},
		{"code with a space", func(in *liaison.AgencyInput) { in.Code = "VA 0290100" }, "code"},
		{"code with punctuation", func(in *liaison.AgencyInput) { in.Code = "VA0290100;" }, "code"},
		{"code starting with a dash", func(in *liaison.AgencyInput) { in.Code = "-VA0290100" }, "code"},
		{"code too long", func(in *liaison.AgencyInput) { in.Code = strings.Repeat("A", 25) }, "code"},
		{"unknown kind", func(in *liaison.AgencyInput) { in.Kind = "municipal" }, "kind"},
		{"kind in capitals", func(in *liaison.AgencyInput) { in.Kind = "LOCAL" }, "kind"},
		{"no kind", func(in *liaison.AgencyInput) { in.Kind = "" }, "kind"},
		{"three-letter country", func(in *liaison.AgencyInput) { in.Country = "USA" }, "country"},
		{"country with a digit", func(in *liaison.AgencyInput) { in.Country = "U1" }, "country"},
		{"no country", func(in *liaison.AgencyInput) { in.Country = "" }, "country"},
		{"no name", func(in *liaison.AgencyInput) { in.Name = "   " }, "name"},
		{"name with control characters", func(in *liaison.AgencyInput) { in.Name = "Police\x00Dept" }, "name"},
		{"contact without a way to reach it", func(in *liaison.AgencyInput) {
			in.Contacts = []liaison.Contact{{Name: "Desk"}}
		}, "contacts[0]"},
		{"contact with a bad e-mail", func(in *liaison.AgencyInput) {
			in.Contacts = []liaison.Contact{{Name: "Desk", Email: "Desk <desk@example.gov>"}}
		}, "contacts[0].email"},
		{"contact with a bad phone", func(in *liaison.AgencyInput) {
			in.Contacts = []liaison.Contact{{Name: "Desk", Phone: "call me"}}
		}, "contacts[0].phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			in := validAgency()
			tt.edit(&in)
			a, err := e.svc.CreateAgency(e.sys, in)
			wantErr(t, err, liaison.EINVALID, tt.field)
			if a != nil {
				t.Errorf("got agency %+v with the error", a)
			}
			if n := len(e.listAgencies()); n != 0 {
				t.Errorf("agencies: got %d, want 0", n)
			}
			if n := len(e.audit(liaison.AuditFilter{Action: "agency.create"})); n != 0 {
				t.Errorf("agency.create events: got %d, want 0", n)
			}
		})
	}
}

func TestCreateAgencyReportsEveryProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "x", Kind: "nope", Country: "usa"})
	var got []string
	for _, f := range liaison.ErrorFields(err) {
		got = append(got, f.Field)
	}
	if want := []string{"code", "name", "kind", "country"}; !slices.Equal(got, want) {
		t.Errorf("fields: got %q, want %q", got, want)
	}
}

func TestCreateAgencyDuplicateCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, err := e.svc.CreateAgency(e.sys, validAgency())
	must(t, err)
	in := validAgency()
	in.Code, in.Name = "va0290100", "Another name"
	_, err = e.svc.CreateAgency(e.sys, in)
	wantErr(t, err, liaison.ECONFLICT, "code")
	as := e.listAgencies()
	if len(as) != 1 || as[0].ID != first.ID || as[0].Name != first.Name {
		t.Errorf("agencies: got %d, want only the first", len(as))
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "agency.create"})); n != 1 {
		t.Errorf("agency.create events: got %d, want 1", n)
	}
}

func TestUpdateAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, err := e.svc.CreateAgency(e.sys, validAgency())
	must(t, err)
	e.clock.Add(time.Hour)
	name, kind := "  Arlington County PD ", liaison.AgencyState
	got, err := e.svc.UpdateAgency(e.sys, a.ID, liaison.AgencyUpdate{Name: &name, Kind: &kind})
	must(t, err)
	if got.Name != "Arlington County PD" || got.Kind != kind || got.Code != a.Code || got.Country != a.Country {
		t.Errorf("UpdateAgency: got %+v", got)
	}
	if !got.Updated.Equal(e.clock.Now()) || !got.Created.Equal(a.Created) {
		t.Errorf("times: created %v updated %v, want %v and %v", got.Created, got.Updated, a.Created, e.clock.Now())
	}

	bad := liaison.AgencyKind("municipal")
	_, err = e.svc.UpdateAgency(e.sys, a.ID, liaison.AgencyUpdate{Kind: &bad})
	wantErr(t, err, liaison.EINVALID, "kind")
	_, err = e.svc.UpdateAgency(e.sys, liaison.NewID(), liaison.AgencyUpdate{Name: &name})
	wantErr(t, err, liaison.ENOTFOUND, "")
	now, err := e.svc.FindAgency(e.sys, a.ID)
	must(t, err)
	if now.Kind != liaison.AgencyState {
		t.Errorf("kind after a refused update: got %q, want %q", now.Kind, liaison.AgencyState)
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "agency.update"})); n != 1 {
		t.Errorf("agency.update events: got %d, want 1", n)
	}
}

// directory is a small partnership to act on: an agency, a user, a
// community and an agreement.
type directory struct {
	agency    *liaison.Agency
	user      *liaison.User
	community *liaison.Community
	agreement *liaison.Agreement
}

func (e *env) directory() directory {
	e.t.Helper()
	a := e.agency("HQ")
	u := e.userIn(a, "carol")
	c, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Capital JTTF", Kind: liaison.CommunityTaskForce,
		Members: []liaison.ID{a.ID}})
	must(e.t, err)
	ag, err := e.svc.CreateAgreement(e.sys, validAgreement(e, a.ID, c.ID))
	must(e.t, err)
	return directory{agency: a, user: u, community: c, agreement: ag}
}

func validAgreement(e *env, agencyID, communityID liaison.ID) liaison.AgreementInput {
	return liaison.AgreementInput{AgencyID: agencyID, CommunityID: communityID, LegalBasis: "MOU 2026-17",
		Purposes:    []liaison.Purpose{liaison.PurposeCounterterrorism},
		RecordKinds: []liaison.RecordKind{liaison.KindSAR}, Expires: e.clock.Now().AddDate(1, 0, 0)}
}

func TestDirectoryNeedsAdmin(t *testing.T) {
	t.Parallel()
	ops := []struct {
		action string
		do     func(e *env, ctx context.Context, d directory) error
	}{
		{"agency.create", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.CreateAgency(ctx, validAgency())
			return err
		}},
		{"agency.update", func(e *env, ctx context.Context, d directory) error {
			name := "Renamed"
			_, err := e.svc.UpdateAgency(ctx, d.agency.ID, liaison.AgencyUpdate{Name: &name})
			return err
		}},
		{"user.create", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.CreateUser(ctx, liaison.UserInput{Login: "dave", Name: "Dave", Email: "dave@example.gov",
				AgencyID: d.agency.ID, Roles: []liaison.Role{liaison.RoleAdmin}, Password: password})
			return err
		}},
		{"user.update", func(e *env, ctx context.Context, d directory) error {
			roles := []liaison.Role{liaison.RoleAdmin}
			_, err := e.svc.UpdateUser(ctx, d.user.ID, liaison.UserUpdate{Roles: &roles})
			return err
		}},
		{"community.create", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.CreateCommunity(ctx, liaison.CommunityInput{Name: "Another", Kind: liaison.CommunityOther})
			return err
		}},
		{"community.update", func(e *env, ctx context.Context, d directory) error {
			members := []liaison.ID{}
			_, err := e.svc.UpdateCommunity(ctx, d.community.ID, liaison.CommunityUpdate{Members: &members})
			return err
		}},
		{"agreement.create", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.CreateAgreement(ctx, validAgreement(e, d.agency.ID, d.community.ID))
			return err
		}},
		{"agreement.update", func(e *env, ctx context.Context, d directory) error {
			pii := true
			_, err := e.svc.UpdateAgreement(ctx, d.agreement.ID, liaison.AgreementUpdate{PIIAllowed: &pii})
			return err
		}},
		{"account.unlock", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.Unlock(ctx, d.user.ID)
			return err
		}},
		{"mfa.reset", func(e *env, ctx context.Context, d directory) error {
			_, err := e.svc.ResetMFA(ctx, d.user.ID)
			return err
		}},
	}
	actors := []struct {
		name  string
		ctx   func(e *env, f people) context.Context
		code  string
		actor string // as the audit names them
	}{
		{"officer", func(e *env, f people) context.Context { return e.as(f.alice.user) }, liaison.EFORBIDDEN, "alice"},
		{"admin through a token without admin scope", func(e *env, f people) context.Context {
			return liaison.NewContext(context.Background(), liaison.Actor{User: f.root.user,
				Token: &liaison.APIToken{Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}})
		}, liaison.EFORBIDDEN, "root"},
		{"anonymous", func(e *env, f people) context.Context { return e.anon }, liaison.EUNAUTHORIZED, "anonymous"},
	}
	for _, op := range ops {
		t.Run(op.action, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			d := e.directory()
			for _, a := range actors {
				before := e.audit(liaison.AuditFilter{})
				err := op.do(e, a.ctx(e, f), d)
				if got := liaison.ErrorCode(err); got != a.code {
					t.Errorf("%s: got %q (%v), want %q", a.name, got, err, a.code)
				}
				after := e.audit(liaison.AuditFilter{})
				if len(after) != len(before)+1 {
					t.Fatalf("%s: %d new audit events, want exactly one", a.name, len(after)-len(before))
				}
				ev := after[len(after)-1]
				if ev.Action != op.action || ev.Outcome != liaison.OutcomeDenied || ev.Actor != a.actor || ev.Reason == "" {
					t.Errorf("%s: audit event %+v, want %s denied to %s with a reason", a.name, ev, op.action, a.actor)
				}
			}
			// Nothing changed.
			e2 := directoryNow(t, e, d)
			if !slices.Equal(e2, directorySnapshot(d)) {
				t.Errorf("directory changed:\n got  %q\n want %q", e2, directorySnapshot(d))
			}
			if n := e.countSuccess(op.action); n != map[string]int{"agency.create": 4, "user.create": 4,
				"community.create": 1, "agreement.create": 1}[op.action] {
				t.Errorf("successful %s events: got %d, want only the set-up's", op.action, n)
			}

			// An administrator may.
			if err := op.do(e, e.as(f.root.user), d); err != nil {
				t.Errorf("admin: %v", err)
			}
		})
	}
}

// directorySnapshot renders what the refused acts could have changed.
func directorySnapshot(d directory) []string {
	u := d.user
	return []string{d.agency.Name, strings.Join(roleStrings(u.Roles), ","), strings.Join(d.community.Members, ","),
		boolString(d.agreement.PIIAllowed), boolString(u.Locked != nil), boolString(u.MFAEnrolled != nil)}
}

func directoryNow(t *testing.T, e *env, d directory) []string {
	t.Helper()
	a, err := e.svc.FindAgency(e.sys, d.agency.ID)
	must(t, err)
	u, err := e.svc.FindUser(e.sys, d.user.ID)
	must(t, err)
	c, err := e.svc.FindCommunity(e.sys, d.community.ID)
	must(t, err)
	ag, err := e.svc.FindAgreement(e.sys, d.agreement.ID)
	must(t, err)
	if n := len(e.listAgencies()); n != 4 {
		t.Errorf("agencies: got %d, want 4", n)
	}
	cs, _, err := e.svc.ListCommunities(e.sys, liaison.CommunityFilter{}, liaison.Page{})
	must(t, err)
	as, _, err := e.svc.ListAgreements(e.sys, liaison.AgreementFilter{}, liaison.Page{})
	must(t, err)
	us, _, err := e.svc.ListUsers(e.sys, liaison.UserFilter{}, liaison.Page{})
	must(t, err)
	if len(cs) != 1 || len(as) != 1 || len(us) != 4 {
		t.Errorf("communities %d, agreements %d, users %d: want 1, 1, 4", len(cs), len(as), len(us))
	}
	return directorySnapshot(directory{agency: a, user: u, community: c, agreement: ag})
}

func roleStrings(rs []liaison.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.agency("HQ")
	u, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: " Dana.Scully ", Name: " Dana Scully ",
		Email: "dscully@example.gov", AgencyID: a.ID,
		Roles:      []liaison.Role{liaison.RoleOfficer, liaison.RoleAnalyst, liaison.RoleOfficer},
		Attributes: liaison.Attributes{SwornOfficer: true}, Password: password})
	must(t, err)
	if got, want := u.Login, "dana.scully"; got != want {
		t.Errorf("Login: got %q, want %q", got, want)
	}
	if got, want := u.Roles, []liaison.Role{liaison.RoleAnalyst, liaison.RoleOfficer}; !slices.Equal(got, want) {
		t.Errorf("Roles: got %v, want %v", got, want)
	}
	if got, want := u.Attributes.Clearance, liaison.ClearanceNone; got != want {
		t.Errorf("Clearance: got %q, want %q", got, want)
	}
	if u.MFAEnrolled != nil || u.Locked != nil || u.Disabled {
		t.Errorf("new user: %+v, want not enrolled, locked or disabled", u)
	}
	if strings.Contains(u.PasswordHash, password) {
		t.Error("PasswordHash holds the password")
	}
	evs := e.audit(liaison.AuditFilter{Action: "user.create"})
	if len(evs) != 1 {
		t.Fatalf("user.create events: got %d, want 1", len(evs))
	}
	want := map[string]string{"login": "dana.scully", "agency_id": a.ID, "roles": "analyst,officer",
		"clearance": "none", "sworn_officer": "true", "part23_trained": "false", "disabled": "false"}
	for k, v := range want {
		if got := evs[0].Details[k]; got != v {
			t.Errorf("user.create details[%s]: got %q, want %q", k, got, v)
		}
	}
	for k, v := range evs[0].Details {
		if strings.Contains(v, password) || strings.Contains(v, "argon2") {
			t.Errorf("user.create details[%s] = %q holds a credential", k, v)
		}
	}
	if _, err := e.svc.Login(e.anon, "DANA.SCULLY", password); err != nil {
		t.Errorf("Login: %v", err)
	}
}

func TestCreateUserInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		edit        func(in *liaison.UserInput)
		code, field string
	}{
		{"home agency does not exist", func(in *liaison.UserInput) { in.AgencyID = liaison.NewID() }, liaison.EINVALID, "agency_id"},
		{"home agency not an id", func(in *liaison.UserInput) { in.AgencyID = "HQ" }, liaison.EINVALID, "agency_id"},
		{"no home agency", func(in *liaison.UserInput) { in.AgencyID = "" }, liaison.EINVALID, "agency_id"},
		{"short password", func(in *liaison.UserInput) { in.Password = "hunter2hunt" }, liaison.EINVALID, "password"},
		{"no password", func(in *liaison.UserInput) { in.Password = "" }, liaison.EINVALID, "password"},
		{"login with a space", func(in *liaison.UserInput) { in.Login = "dana scully" }, liaison.EINVALID, "login"},
		{"one-character login", func(in *liaison.UserInput) { in.Login = "d" }, liaison.EINVALID, "login"},
		{"bad e-mail", func(in *liaison.UserInput) { in.Email = "dana at example.gov" }, liaison.EINVALID, "email"},
		{"unknown role", func(in *liaison.UserInput) { in.Roles = []liaison.Role{"superuser"} }, liaison.EINVALID, "roles[0]"},
		{"unknown clearance", func(in *liaison.UserInput) { in.Attributes.Clearance = "cosmic" }, liaison.EINVALID, "attributes.clearance"},
		{"login taken", func(in *liaison.UserInput) { in.Login = "Carol" }, liaison.ECONFLICT, "login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.agency("HQ")
			e.userIn(a, "carol")
			in := liaison.UserInput{Login: "dana", Name: "Dana", Email: "dana@example.gov", AgencyID: a.ID,
				Roles: []liaison.Role{liaison.RoleOfficer}, Password: password}
			tt.edit(&in)
			u, err := e.svc.CreateUser(e.sys, in)
			wantErr(t, err, tt.code, tt.field)
			if u != nil {
				t.Errorf("got user %+v with the error", u)
			}
			us, _, err := e.svc.ListUsers(e.sys, liaison.UserFilter{}, liaison.Page{})
			must(t, err)
			if len(us) != 1 || us[0].Login != "carol" {
				t.Errorf("users: got %d, want only carol", len(us))
			}
			if n := len(e.audit(liaison.AuditFilter{Action: "user.create"})); n != 1 {
				t.Errorf("user.create events: got %d, want 1 (carol's)", n)
			}
		})
	}
}

func TestCreateUserReportsPasswordWithOtherProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.agency("HQ")
	_, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: "dana", Name: "Dana", Email: "nope",
		AgencyID: a.ID, Password: "short"})
	var got []string
	for _, f := range liaison.ErrorFields(err) {
		got = append(got, f.Field)
	}
	if want := []string{"email", "password"}; !slices.Equal(got, want) {
		t.Errorf("fields: got %q, want %q", got, want)
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		update     func(other liaison.ID) liaison.UserUpdate
		action     string
		details    map[string]string // the diff, with <agency> and <other> for ids
		endsSessns bool
	}{
		{"name only", func(other liaison.ID) liaison.UserUpdate {
			n := "Alice Liddell"
			return liaison.UserUpdate{Name: &n}
		}, "user.update", map[string]string{}, false},
		{"e-mail", func(other liaison.ID) liaison.UserUpdate {
			m := "liddell@example.gov"
			return liaison.UserUpdate{Email: &m}
		}, "user.update", map[string]string{}, false},
		{"same roles, repeated", func(other liaison.ID) liaison.UserUpdate {
			r := []liaison.Role{liaison.RoleOfficer, liaison.RoleOfficer}
			return liaison.UserUpdate{Roles: &r}
		}, "user.update", map[string]string{}, false},
		{"roles", func(other liaison.ID) liaison.UserUpdate {
			r := []liaison.Role{liaison.RoleOfficer, liaison.RoleAdmin}
			return liaison.UserUpdate{Roles: &r}
		}, "user.permissions", map[string]string{"roles": "officer -> admin,officer"}, true},
		{"roles removed", func(other liaison.ID) liaison.UserUpdate {
			r := []liaison.Role{}
			return liaison.UserUpdate{Roles: &r}
		}, "user.permissions", map[string]string{"roles": "officer -> "}, true},
		{"clearance and training", func(other liaison.ID) liaison.UserUpdate {
			a := liaison.Attributes{Part23Trained: true, Clearance: liaison.ClearanceSecret}
			return liaison.UserUpdate{Attributes: &a}
		}, "user.permissions", map[string]string{"clearance": "none -> secret", "part23_trained": "false -> true"}, true},
		{"home agency", func(other liaison.ID) liaison.UserUpdate {
			return liaison.UserUpdate{AgencyID: &other}
		}, "user.permissions", map[string]string{"agency_id": "<agency> -> <other>"}, true},
		{"disabled", func(other liaison.ID) liaison.UserUpdate {
			yes := true
			return liaison.UserUpdate{Disabled: &yes}
		}, "user.permissions", map[string]string{"disabled": "false -> true"}, true},
		{"name and roles", func(other liaison.ID) liaison.UserUpdate {
			n, r := "Alice Liddell", []liaison.Role{liaison.RoleAnalyst}
			return liaison.UserUpdate{Name: &n, Roles: &r}
		}, "user.permissions", map[string]string{"roles": "officer -> analyst"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			other := e.agency("OTHER").ID
			e.clock.Add(time.Minute)
			u, err := e.svc.UpdateUser(e.as(f.root.user), f.alice.user.ID, tt.update(other))
			must(t, err)
			if !u.Updated.Equal(e.clock.Now()) {
				t.Errorf("Updated: got %v, want %v", u.Updated, e.clock.Now())
			}

			evs := e.audit(liaison.AuditFilter{ObjectID: f.alice.user.ID})
			ev := evs[len(evs)-1]
			if ev.Action != tt.action || ev.Actor != "root" || ev.Outcome != liaison.OutcomeSuccess {
				t.Errorf("audit event %s by %s (%s), want %s by root", ev.Action, ev.Actor, ev.Outcome, tt.action)
			}
			want := map[string]string{}
			for k, v := range tt.details {
				v = strings.ReplaceAll(v, "<agency>", f.alice.user.AgencyID)
				want[k] = strings.ReplaceAll(v, "<other>", other)
			}
			got := ev.Details
			if got == nil {
				got = map[string]string{}
			}
			if !maps.Equal(got, want) {
				t.Errorf("audit details: got %v, want %v", got, want)
			}

			_, _, err = e.svc.Authenticate(e.anon, f.alice.token)
			if tt.endsSessns {
				wantErr(t, err, liaison.EUNAUTHORIZED, "")
			} else if err != nil {
				t.Errorf("alice's session after %s: %v, want it kept", tt.action, err)
			}
			if _, _, err := e.svc.Authenticate(e.anon, f.bob.token); err != nil {
				t.Errorf("bob's session: %v", err)
			}
		})
	}
}

func TestUpdateUserInvalid(t *testing.T) {
	t.Parallel()
	unknown := liaison.NewID()
	badMail, badRole := "not an address", []liaison.Role{"god"}
	tests := []struct {
		name        string
		id          func(f people) string
		up          liaison.UserUpdate
		code, field string
	}{
		{"home agency does not exist", func(f people) string { return f.alice.user.ID }, liaison.UserUpdate{AgencyID: &unknown}, liaison.EINVALID, "agency_id"},
		{"bad e-mail", func(f people) string { return f.alice.user.ID }, liaison.UserUpdate{Email: &badMail}, liaison.EINVALID, "email"},
		{"unknown role", func(f people) string { return f.alice.user.ID }, liaison.UserUpdate{Roles: &badRole}, liaison.EINVALID, "roles[0]"},
		{"no such user", func(f people) string { return liaison.NewID() }, liaison.UserUpdate{Email: &badMail}, liaison.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			_, err := e.svc.UpdateUser(e.sys, tt.id(f), tt.up)
			wantErr(t, err, tt.code, tt.field)
			u, err := e.svc.FindUser(e.sys, f.alice.user.ID)
			must(t, err)
			if u.AgencyID != f.alice.user.AgencyID || u.Email != f.alice.user.Email || !slices.Equal(u.Roles, f.alice.user.Roles) {
				t.Errorf("alice changed: %+v", u)
			}
			if _, _, err := e.svc.Authenticate(e.anon, f.alice.token); err != nil {
				t.Errorf("alice's session: %v", err)
			}
			for _, action := range []string{"user.update", "user.permissions"} {
				if n := len(e.audit(liaison.AuditFilter{Action: action})); n != 0 {
					t.Errorf("%s events: got %d, want 0", action, n)
				}
			}
		})
	}
}

func TestCommunities(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.agency("AAA"), e.agency("BBB")
	c, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: " Capital JTTF ", Kind: liaison.CommunityTaskForce,
		Members: []liaison.ID{b.ID, a.ID, b.ID}})
	must(t, err)
	if got, want := c.Members, []liaison.ID{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Errorf("Members: got %v, want %v", got, want)
	}
	got, err := e.svc.FindCommunity(e.sys, c.ID)
	must(t, err)
	if got.Name != "Capital JTTF" || !slices.Equal(got.Members, c.Members) {
		t.Errorf("FindCommunity: got %+v", got)
	}
	_, err = e.svc.FindCommunity(e.sys, "garbage")
	wantErr(t, err, liaison.ENOTFOUND, "")
	cs, _, err := e.svc.ListCommunities(e.sys, liaison.CommunityFilter{AgencyID: b.ID}, liaison.Page{})
	must(t, err)
	if len(cs) != 1 || cs[0].ID != c.ID {
		t.Errorf("ListCommunities of BBB: got %d, want the JTTF", len(cs))
	}

	members := []liaison.ID{a.ID}
	_, err = e.svc.UpdateCommunity(e.sys, c.ID, liaison.CommunityUpdate{Members: &members})
	must(t, err)
	evs := e.audit(liaison.AuditFilter{Action: "community.members"})
	if len(evs) != 1 || evs[0].Details["members"] != a.ID+","+b.ID+" -> "+a.ID {
		t.Errorf("community.members events: got %+v, want one with the change", evs)
	}
	desc := "Joint terrorism task force"
	_, err = e.svc.UpdateCommunity(e.sys, c.ID, liaison.CommunityUpdate{Description: &desc})
	must(t, err)
	if n := len(e.audit(liaison.AuditFilter{Action: "community.update"})); n != 1 {
		t.Errorf("community.update events: got %d, want 1", n)
	}
	cs, _, err = e.svc.ListCommunities(e.sys, liaison.CommunityFilter{AgencyID: b.ID}, liaison.Page{})
	must(t, err)
	if len(cs) != 0 {
		t.Errorf("ListCommunities of BBB after removal: got %d, want 0", len(cs))
	}
}

func TestCreateCommunityInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          func(a *liaison.Agency) liaison.CommunityInput
		code, field string
	}{
		{"unknown member", func(a *liaison.Agency) liaison.CommunityInput {
			return liaison.CommunityInput{Name: "JTTF", Kind: liaison.CommunityTaskForce, Members: []liaison.ID{a.ID, liaison.NewID()}}
		}, liaison.EINVALID, "members"},
		{"member not an id", func(a *liaison.Agency) liaison.CommunityInput {
			return liaison.CommunityInput{Name: "JTTF", Kind: liaison.CommunityTaskForce, Members: []liaison.ID{"HQ"}}
		}, liaison.EINVALID, "members[0]"},
		{"unknown kind", func(a *liaison.Agency) liaison.CommunityInput {
			return liaison.CommunityInput{Name: "JTTF", Kind: "club"}
		}, liaison.EINVALID, "kind"},
		{"no name", func(a *liaison.Agency) liaison.CommunityInput {
			return liaison.CommunityInput{Name: " ", Kind: liaison.CommunityOther}
		}, liaison.EINVALID, "name"},
		{"name taken", func(a *liaison.Agency) liaison.CommunityInput {
			return liaison.CommunityInput{Name: "Existing", Kind: liaison.CommunityOther}
		}, liaison.ECONFLICT, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.agency("HQ")
			_, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Existing", Kind: liaison.CommunityOther})
			must(t, err)
			c, err := e.svc.CreateCommunity(e.sys, tt.in(a))
			wantErr(t, err, tt.code, tt.field)
			if c != nil {
				t.Errorf("got community %+v with the error", c)
			}
			cs, _, err := e.svc.ListCommunities(e.sys, liaison.CommunityFilter{}, liaison.Page{})
			must(t, err)
			if len(cs) != 1 {
				t.Errorf("communities: got %d, want 1", len(cs))
			}
			cs, _, err = e.svc.ListCommunities(e.sys, liaison.CommunityFilter{AgencyID: a.ID}, liaison.Page{})
			must(t, err)
			if len(cs) != 0 {
				t.Errorf("communities of HQ: got %d, want 0 (no orphan membership rows)", len(cs))
			}
			if n := len(e.audit(liaison.AuditFilter{Action: "community.create"})); n != 1 {
				t.Errorf("community.create events: got %d, want 1", n)
			}
		})
	}
}

func TestCreateAgreementInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(e *env, in *liaison.AgreementInput)
		field string
	}{
		{"already expired", func(e *env, in *liaison.AgreementInput) { in.Expires = e.clock.Now().Add(-time.Hour) }, "expires_at"},
		{"expires now", func(e *env, in *liaison.AgreementInput) { in.Expires = e.clock.Now() }, "expires_at"},
		{"no expiry", func(e *env, in *liaison.AgreementInput) { in.Expires = time.Time{} }, "expires_at"},
		{"expiry beyond 10 years", func(e *env, in *liaison.AgreementInput) { in.Expires = e.clock.Now().AddDate(10, 0, 1) }, "expires_at"},
		{"unknown community", func(e *env, in *liaison.AgreementInput) { in.CommunityID = liaison.NewID() }, "community_id"},
		{"unknown agency", func(e *env, in *liaison.AgreementInput) { in.AgencyID = liaison.NewID() }, "agency_id"},
		{"community not an id", func(e *env, in *liaison.AgreementInput) { in.CommunityID = "JTTF" }, "community_id"},
		{"no purposes", func(e *env, in *liaison.AgreementInput) { in.Purposes = nil }, "purposes"},
		{"unknown purpose", func(e *env, in *liaison.AgreementInput) { in.Purposes = []liaison.Purpose{"curiosity"} }, "purposes[0]"},
		{"no record kinds", func(e *env, in *liaison.AgreementInput) { in.RecordKinds = nil }, "record_kinds"},
		{"unknown record kind", func(e *env, in *liaison.AgreementInput) { in.RecordKinds = []liaison.RecordKind{"gossip"} }, "record_kinds[0]"},
		{"legal basis too short", func(e *env, in *liaison.AgreementInput) { in.LegalBasis = "no" }, "legal_basis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.agency("HQ")
			c, err := e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "JTTF", Kind: liaison.CommunityTaskForce,
				Members: []liaison.ID{a.ID}})
			must(t, err)
			in := validAgreement(e, a.ID, c.ID)
			tt.edit(e, &in)
			ag, err := e.svc.CreateAgreement(e.sys, in)
			wantErr(t, err, liaison.EINVALID, tt.field)
			if ag != nil {
				t.Errorf("got agreement %+v with the error", ag)
			}
			as, _, err := e.svc.ListAgreements(e.sys, liaison.AgreementFilter{}, liaison.Page{})
			must(t, err)
			if len(as) != 0 {
				t.Errorf("agreements: got %d, want 0", len(as))
			}
			if n := len(e.audit(liaison.AuditFilter{Action: "agreement.create"})); n != 0 {
				t.Errorf("agreement.create events: got %d, want 0", n)
			}
		})
	}
}

func TestAgreementLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.directory()
	ag := d.agreement
	if got, want := ag.Expires, e.clock.Now().AddDate(1, 0, 0); !got.Equal(want) {
		t.Errorf("Expires: got %v, want %v", got, want)
	}
	as, _, err := e.svc.ListAgreements(e.sys, liaison.AgreementFilter{AgencyID: d.agency.ID, ActiveAt: e.clock.Now()}, liaison.Page{})
	must(t, err)
	if len(as) != 1 {
		t.Errorf("active agreements: got %d, want 1", len(as))
	}

	// Amend, then end it early.
	e.clock.Add(24 * time.Hour)
	pii := true
	got, err := e.svc.UpdateAgreement(e.sys, ag.ID, liaison.AgreementUpdate{PIIAllowed: &pii})
	must(t, err)
	if !got.PIIAllowed || !got.Expires.Equal(ag.Expires) {
		t.Errorf("UpdateAgreement: got %+v", got)
	}
	past := e.clock.Now().Add(-time.Hour)
	got, err = e.svc.UpdateAgreement(e.sys, ag.ID, liaison.AgreementUpdate{Expires: &past})
	must(t, err)
	if !got.Expires.Equal(e.clock.Now()) {
		t.Errorf("ended agreement expires %v, want now, %v", got.Expires, e.clock.Now())
	}
	for _, action := range []string{"agreement.update", "agreement.end"} {
		if n := e.countSuccess(action); n != 1 {
			t.Errorf("%s events: got %d, want 1", action, n)
		}
	}

	// An ended agreement stays ended.
	e.clock.Add(time.Second)
	later := e.clock.Now().AddDate(0, 6, 0)
	_, err = e.svc.UpdateAgreement(e.sys, ag.ID, liaison.AgreementUpdate{Expires: &later})
	wantErr(t, err, liaison.EINVALID, "expires_at")
	as, _, err = e.svc.ListAgreements(e.sys, liaison.AgreementFilter{AgencyID: d.agency.ID, ActiveAt: e.clock.Now()}, liaison.Page{})
	must(t, err)
	if len(as) != 0 {
		t.Errorf("active agreements after the end: got %d, want 0", len(as))
	}
	_, err = e.svc.UpdateAgreement(e.sys, liaison.NewID(), liaison.AgreementUpdate{PIIAllowed: &pii})
	wantErr(t, err, liaison.ENOTFOUND, "")
}

func TestListAgenciesPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []string
	for _, code := range []string{"AG1", "AG2", "AG3", "AG4", "AG5"} {
		want = append(want, e.agency(code).ID)
	}
	f := e.people() // any signed-in user may list
	ctx := e.as(f.alice.user)
	var got []string
	var sizes []int
	p := liaison.Page{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		as, next, err := e.svc.ListAgencies(ctx, liaison.AgencyFilter{Country: "us"}, p)
		must(t, err)
		sizes = append(sizes, len(as))
		for _, a := range as {
			if strings.HasPrefix(a.Code, "AG-") { // the people's own agencies
				continue
			}
			got = append(got, a.ID)
		}
		if next == "" {
			break
		}
		if len(as) == 0 || next != as[len(as)-1].ID {
			t.Fatalf("cursor %q does not follow page %v", next, as)
		}
		p.After = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("walked agencies:\n got  %v\n want %v", got, want)
	}
	// 5 agencies plus the 3 people's own, in pages of at most 2.
	if total := sum(sizes); total != 8 {
		t.Errorf("page sizes %v add up to %d, want 8", sizes, total)
	}
	for _, n := range sizes {
		if n > 2 {
			t.Errorf("page sizes %v, want at most 2", sizes)
		}
	}
}

func TestListAgenciesPagingExact(t *testing.T) {
	t.Parallel()
	// 5 agencies, pages of 2: the last page is short and has no cursor.
	e := newEnv(t)
	var want []string
	for _, code := range []string{"AG1", "AG2", "AG3", "AG4", "AG5"} {
		want = append(want, e.agency(code).ID)
	}
	var got []string
	var sizes []int
	var cursors []string
	p := liaison.Page{Limit: 2}
	for range 10 {
		as, next, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, p)
		must(t, err)
		sizes = append(sizes, len(as))
		cursors = append(cursors, next)
		for _, a := range as {
			got = append(got, a.ID)
		}
		if next == "" {
			break
		}
		p.After = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("walked agencies:\n got  %v\n want %v", got, want)
	}
	if want := []int{2, 2, 1}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes: got %v, want %v", sizes, want)
	}
	if want := []string{want[1], want[3], ""}; !slices.Equal(cursors, want) {
		t.Errorf("cursors: got %q, want %q", cursors, want)
	}
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

func TestListInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		list  func(e *env) error
		field string
	}{
		{"garbage cursor", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{After: "garbage"})
			return err
		}, "cursor"},
		{"injection in cursor", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{After: "' OR 1=1 --"})
			return err
		}, "cursor"},
		{"upper-case id cursor", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{After: strings.ToUpper(liaison.NewID())})
			return err
		}, "cursor"},
		{"negative limit", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{Limit: -1})
			return err
		}, "limit"},
		{"limit too large", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize + 1})
			return err
		}, "limit"},
		{"unknown kind filter", func(e *env) error {
			_, _, err := e.svc.ListAgencies(e.sys, liaison.AgencyFilter{Kind: "municipal"}, liaison.Page{})
			return err
		}, "kind"},
		{"users, garbage cursor", func(e *env) error {
			_, _, err := e.svc.ListUsers(e.sys, liaison.UserFilter{}, liaison.Page{After: "garbage"})
			return err
		}, "cursor"},
		{"users, unknown role filter", func(e *env) error {
			_, _, err := e.svc.ListUsers(e.sys, liaison.UserFilter{Role: "god"}, liaison.Page{})
			return err
		}, "role"},
		{"users, agency filter not an id", func(e *env) error {
			_, _, err := e.svc.ListUsers(e.sys, liaison.UserFilter{AgencyID: "HQ"}, liaison.Page{})
			return err
		}, "agency_id"},
		{"communities, garbage cursor", func(e *env) error {
			_, _, err := e.svc.ListCommunities(e.sys, liaison.CommunityFilter{}, liaison.Page{After: "garbage"})
			return err
		}, "cursor"},
		{"agreements, community filter not an id", func(e *env) error {
			_, _, err := e.svc.ListAgreements(e.sys, liaison.AgreementFilter{CommunityID: "JTTF"}, liaison.Page{})
			return err
		}, "community_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.agency("HQ")
			wantErr(t, tt.list(e), liaison.EINVALID, tt.field)
		})
	}
}

func TestListNeedsSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.svc.ListAgencies(e.anon, liaison.AgencyFilter{}, liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.ListUsers(e.anon, liaison.UserFilter{}, liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.ListCommunities(e.anon, liaison.CommunityFilter{}, liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.ListAgreements(e.anon, liaison.AgreementFilter{}, liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, err = e.svc.FindUser(e.anon, "alice")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	tests := []struct {
		name   string
		filter liaison.UserFilter
		want   []string
	}{
		{"all", liaison.UserFilter{}, []string{"alice", "bob", "root"}},
		{"admins", liaison.UserFilter{Role: liaison.RoleAdmin}, []string{"root"}},
		{"officers", liaison.UserFilter{Role: liaison.RoleOfficer}, []string{"alice", "bob"}},
		{"of bob's agency", liaison.UserFilter{AgencyID: f.bob.user.AgencyID}, []string{"bob"}},
		{"of an unknown agency", liaison.UserFilter{AgencyID: liaison.NewID()}, nil},
		{"by part of a login, any case, trimmed", liaison.UserFilter{Text: "  ALI "}, []string{"alice"}},
		{"by part of an e-mail address", liaison.UserFilter{Text: "bob@"}, []string{"bob"}},
		{"text and role", liaison.UserFilter{Text: "o", Role: liaison.RoleAdmin}, []string{"root"}},
		{"no wildcards", liaison.UserFilter{Text: "%"}, nil},
	}
	for _, bad := range []string{strings.Repeat("a", 101), "ali\x00ce", "bad\xffutf8"} {
		_, _, err := e.svc.ListUsers(e.as(f.root.user), liaison.UserFilter{Text: bad}, liaison.Page{})
		wantErr(t, err, liaison.EINVALID, "q")
	}
	for _, tt := range tests {
		us, next, err := e.svc.ListUsers(e.as(f.root.user), tt.filter, liaison.Page{})
		must(t, err)
		var got []string
		for _, u := range us {
			got = append(got, u.Login)
		}
		if !slices.Equal(got, tt.want) || next != "" {
			t.Errorf("%s: got %q (next %q), want %q", tt.name, got, next, tt.want)
		}
	}
}
