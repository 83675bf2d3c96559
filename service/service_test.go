package service_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/audit"
	"liaison/service"
	"liaison/sqlite"
)

// password is every test user's initial password.
const password = "correct horse battery staple"

// start is where every fake clock begins: a Wednesday morning, well inside
// a 30-second TOTP step.
var start = time.Date(2026, 11, 25, 9, 0, 10, 0, time.UTC)

// clock is a fake, manually advanced clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one test's world: a fresh SQLite store, the service over it and
// the clock it reads.
type env struct {
	t     *testing.T
	dir   string
	store liaison.Store
	svc   *service.Service
	clock *clock
	sys   context.Context // the system acting, for set-up
	anon  context.Context // nobody signed in
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, dir, sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvOn(t, store)
	e.dir = dir
	return e
}

// newEnvOn is newEnv over store, for tests that run on every backend.
func newEnvOn(t *testing.T, store liaison.Store) *env {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: start}
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	svc.Now = c.Now
	return &env{t: t, store: store, svc: svc, clock: c,
		sys: liaison.NewContext(ctx, liaison.Actor{System: "test"}), anon: ctx}
}

// as returns a context in which u acts (through a browser session).
func (e *env) as(u *liaison.User) context.Context {
	return liaison.NewContext(context.Background(), liaison.Actor{User: u})
}

// agency creates a valid agency with the given code.
func (e *env) agency(code string) *liaison.Agency {
	e.t.Helper()
	a, err := e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: code, Name: "Agency " + code,
		Kind: liaison.AgencyLocal, Country: "US",
		Contacts: []liaison.Contact{{Name: "Duty desk", Email: "duty@example.gov"}}})
	if err != nil {
		e.t.Fatalf("CreateAgency(%s): %v", code, err)
	}
	return a
}

// user creates an account with the test password in a new agency.
func (e *env) user(login string, roles ...liaison.Role) *liaison.User {
	e.t.Helper()
	return e.userIn(e.agency("AG-"+login), login, roles...)
}

// userIn creates an account with the test password in agency a.
func (e *env) userIn(a *liaison.Agency, login string, roles ...liaison.Role) *liaison.User {
	e.t.Helper()
	if len(roles) == 0 {
		roles = []liaison.Role{liaison.RoleOfficer}
	}
	u, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: login, Name: "User " + login,
		Email: login + "@example.gov", AgencyID: a.ID, Roles: roles, Password: password})
	if err != nil {
		e.t.Fatalf("CreateUser(%s): %v", login, err)
	}
	return u
}

// member is a user who has enrolled a second factor.
type member struct {
	user     *liaison.User
	secret   string   // TOTP secret
	recovery []string // recovery codes
	token    string   // the session token of the enrolling sign-in
}

// enrolled creates a user and takes them through their first sign-in,
// leaving them signed in with a full session.
func (e *env) enrolled(login string, roles ...liaison.Role) *member {
	e.t.Helper()
	u := e.user(login, roles...)
	lr, err := e.svc.Login(e.anon, login, password)
	if err != nil {
		e.t.Fatalf("Login(%s): %v", login, err)
	}
	st, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	if err != nil {
		e.t.Fatalf("BeginEnrolment(%s): %v", login, err)
	}
	res, err := e.svc.ConfirmEnrolment(e.anon, lr.Token, e.code(st.Secret))
	if err != nil {
		e.t.Fatalf("ConfirmEnrolment(%s): %v", login, err)
	}
	return &member{user: u, secret: st.Secret, recovery: res.RecoveryCodes, token: res.Token}
}

// signIn moves the clock to the next TOTP step (the last code was used)
// and signs m in with password and code, returning the session token.
func (e *env) signIn(m *member) string {
	e.t.Helper()
	e.clock.Add(30 * time.Second)
	lr, err := e.svc.Login(e.anon, m.user.Login, password)
	if err != nil {
		e.t.Fatalf("Login(%s): %v", m.user.Login, err)
	}
	res, err := e.svc.VerifyMFA(e.anon, lr.Token, e.code(m.secret))
	if err != nil {
		e.t.Fatalf("VerifyMFA(%s): %v", m.user.Login, err)
	}
	return res.Token
}

// code is the current TOTP code for secret.
func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := service.TOTPCode(secret, service.TOTPStep(e.clock.Now()))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// audit returns every audit event matching f, oldest first.
func (e *env) audit(f liaison.AuditFilter) []*liaison.AuditEvent {
	e.t.Helper()
	var out []*liaison.AuditEvent
	if _, err := audit.Sequence(context.Background(), e.store); err != nil {
		e.t.Fatalf("audit.Sequence: %v", err)
	}
	err := e.store.View(context.Background(), func(tx liaison.Tx) error {
		p := liaison.Page{Limit: liaison.MaxPageSize}
		for {
			evs, err := tx.ListAuditEvents(context.Background(), f, p)
			if err != nil {
				return err
			}
			out = append(out, evs...)
			if len(evs) < p.Limit {
				return nil
			}
			p.After = strconv.FormatInt(evs[len(evs)-1].Index, 10)
		}
	})
	if err != nil {
		e.t.Fatalf("ListAuditEvents: %v", err)
	}
	return out
}

// actions returns the actions of events, in order.
func actions(evs []*liaison.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Action
	}
	return out
}

// outcomes counts events by outcome.
func outcomes(evs []*liaison.AuditEvent) map[string]int {
	out := map[string]int{}
	for _, ev := range evs {
		out[ev.Outcome]++
	}
	return out
}

// wantErr checks the domain error code of err and, if field is set, that
// the error names that field.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := liaison.ErrorCode(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
	if field == "" {
		return
	}
	var fields []string
	for _, f := range liaison.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if !slices.Contains(fields, field) {
		t.Fatalf("error fields: got %q, want one to be %q (%v)", fields, field, err)
	}
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	svc := service.New(nil)
	if got, want := svc.Argon2, service.DefaultArgon2; got != want {
		t.Errorf("Argon2: got %+v, want %+v", got, want)
	}
	if got, want := svc.Issuer, "Liaison"; got != want {
		t.Errorf("Issuer: got %q, want %q", got, want)
	}
	if svc.Now == nil {
		t.Fatal("Now: got nil, want a clock")
	}
	if got := time.Since(svc.Now()); got < 0 || got > time.Minute {
		t.Errorf("Now: %v from the real time, want the real time", got)
	}
}

// people is a small cast: two officers in different agencies and an administrator.
type people struct {
	alice, bob, root *member
}

func (e *env) people() people {
	e.t.Helper()
	return people{alice: e.enrolled("alice"), bob: e.enrolled("bob"), root: e.enrolled("root", liaison.RoleAdmin)}
}

// wrongCode returns a 6-digit code that is not accepted for secret now.
func (e *env) wrongCode(secret string) string {
	e.t.Helper()
	now := service.TOTPStep(e.clock.Now())
	var valid []string
	for step := now - 1; step <= now+1; step++ {
		c, err := service.TOTPCode(secret, step)
		if err != nil {
			e.t.Fatal(err)
		}
		valid = append(valid, c)
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !slices.Contains(valid, c) {
			return c
		}
	}
	panic("unreachable: at most three codes are valid")
}

// trained creates a sworn, Part 23-trained user of agency a with the test
// password and the given roles.
func (e *env) trained(a *liaison.Agency, login string, roles ...liaison.Role) *liaison.User {
	e.t.Helper()
	u, err := e.svc.CreateUser(e.sys, liaison.UserInput{Login: login, Name: "User " + login, Email: login + "@example.gov",
		AgencyID: a.ID, Roles: roles, Attributes: liaison.Attributes{Part23Trained: true, SwornOfficer: true}, Password: password})
	must(e.t, err)
	return u
}
