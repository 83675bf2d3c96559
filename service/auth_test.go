package service_test

import (
	"context"
	"math"
	"regexp"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

var recoveryCodeRE = regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`)

func TestSignInWithEnrolment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("alice")

	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	if !lr.NeedsEnrolment {
		t.Error("first Login: NeedsEnrolment false, want true")
	}
	if lr.Session.MFADone {
		t.Error("first Login: session MFADone, want pending")
	}
	if got, want := lr.User.ID, u.ID; got != want {
		t.Errorf("first Login: user %s, want %s", got, want)
	}
	_, _, err = e.svc.Authenticate(e.anon, lr.Token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	if _, pu, err := e.svc.PendingSession(e.anon, lr.Token); err != nil || pu.ID != u.ID {
		t.Fatalf("PendingSession: got %v, %v; want alice's pending session", pu, err)
	}
	// Without enrolment a user has no second factor to verify.
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, "123456")
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, err = e.svc.ConfirmEnrolment(e.anon, lr.Token, "123456")
	wantErr(t, err, liaison.ECONFLICT, "")

	st1, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	st2, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	if st1.Secret != st2.Secret {
		t.Fatalf("BeginEnrolment twice: secrets %q and %q, want the same", st1.Secret, st2.Secret)
	}
	if got, want := st1.URI, service.OTPAuthURI("Liaison", "alice", st1.Secret); got != want {
		t.Errorf("BeginEnrolment URI: got %q, want %q", got, want)
	}

	res, err := e.svc.ConfirmEnrolment(e.anon, lr.Token, e.code(st1.Secret))
	must(t, err)
	if got, want := len(res.RecoveryCodes), liaison.RecoveryCodeCount; got != want {
		t.Fatalf("ConfirmEnrolment: %d recovery codes, want %d", got, want)
	}
	seen := map[string]bool{}
	for _, c := range res.RecoveryCodes {
		if !recoveryCodeRE.MatchString(c) {
			t.Errorf("recovery code %q, want xxxx-xxxx-xxxx without look-alikes", c)
		}
		if seen[c] {
			t.Errorf("recovery code %q issued twice", c)
		}
		seen[c] = true
	}
	if res.Token == "" || res.Token == lr.Token {
		t.Fatalf("ConfirmEnrolment: token %q, want a new one (session fixation)", res.Token)
	}
	if !res.Session.MFADone || res.User.MFAEnrolled == nil {
		t.Errorf("ConfirmEnrolment: MFADone %v, MFAEnrolled %v; want both set", res.Session.MFADone, res.User.MFAEnrolled)
	}
	_, au, err := e.svc.Authenticate(e.anon, res.Token)
	must(t, err)
	if got, want := au.ID, u.ID; got != want {
		t.Errorf("Authenticate: user %s, want %s", got, want)
	}
	_, _, err = e.svc.Authenticate(e.anon, lr.Token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, err = e.svc.VerifyMFA(e.anon, res.Token, e.code(st1.Secret))
	wantErr(t, err, liaison.ECONFLICT, "")

	// The second sign-in verifies instead of enrolling.
	e.clock.Add(30 * time.Second)
	lr2, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	if lr2.NeedsEnrolment {
		t.Error("second Login: NeedsEnrolment true, want false")
	}
	_, err = e.svc.BeginEnrolment(e.anon, lr2.Token)
	wantErr(t, err, liaison.ECONFLICT, "")
	code := e.code(st1.Secret)
	res2, err := e.svc.VerifyMFA(e.anon, lr2.Token, code)
	must(t, err)
	if len(res2.RecoveryCodes) != 0 {
		t.Errorf("VerifyMFA: %d recovery codes, want none", len(res2.RecoveryCodes))
	}
	if res2.Token == lr2.Token {
		t.Error("VerifyMFA: token unchanged, want a new one (session fixation)")
	}
	_, _, err = e.svc.Authenticate(e.anon, lr2.Token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.Authenticate(e.anon, res2.Token)
	must(t, err)

	// The same code, in the same 30-second step, is refused.
	lr3, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	_, err = e.svc.VerifyMFA(e.anon, lr3.Token, code)
	wantErr(t, err, liaison.EINVALID, "code")

	// A recovery code works once, on the same pending session.
	res3, err := e.svc.VerifyMFA(e.anon, lr3.Token, res.RecoveryCodes[0])
	must(t, err)
	_, _, err = e.svc.Authenticate(e.anon, res3.Token)
	must(t, err)
	lr4, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	_, err = e.svc.VerifyMFA(e.anon, lr4.Token, res.RecoveryCodes[0])
	wantErr(t, err, liaison.EINVALID, "code")

	var left int
	must(t, e.store.View(context.Background(), func(tx liaison.Tx) error {
		left, err = tx.CountRecoveryCodes(context.Background(), u.ID)
		return err
	}))
	if got, want := left, liaison.RecoveryCodeCount-1; got != want {
		t.Errorf("unused recovery codes: got %d, want %d", got, want)
	}

	// Every step is in the audit trail.
	got := actions(e.audit(liaison.AuditFilter{ObjectID: u.ID}))
	want := []string{"user.create", "login.password", "mfa.enrol", "login.success",
		"login.password", "login.success",
		"login.password", "login.failure", "login.success",
		"login.password", "login.failure"}
	if !slices.Equal(got, want) {
		t.Errorf("audit actions:\n got  %q\n want %q", got, want)
	}
	var factors []string
	for _, ev := range e.audit(liaison.AuditFilter{Action: "login.success"}) {
		factors = append(factors, ev.Details["factor"])
	}
	if want := []string{"totp", "totp", "recovery"}; !slices.Equal(factors, want) {
		t.Errorf("login.success factors: got %q, want %q", factors, want)
	}
}

func TestLoginNormalisesLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("alice")
	for _, login := range []string{"alice", "ALICE", "  Alice\t"} {
		if _, err := e.svc.Login(e.anon, login, password); err != nil {
			t.Errorf("Login(%q): %v", login, err)
		}
	}
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		login, pw string
	}{
		{"unknown login", "mallory", password},
		{"wrong password", "alice", "correct horse battery stapler"},
		{"empty password", "alice", ""},
		{"password with a different case", "alice", "Correct Horse Battery Staple"},
	}
	e := newEnv(t)
	e.user("alice")
	var msgs []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(20 * time.Minute) // never enough failures to lock
			before := len(e.audit(liaison.AuditFilter{Action: "login.failure"}))
			lr, err := e.svc.Login(e.anon, tt.login, tt.pw)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			if lr != nil {
				t.Errorf("Login: got a result %+v with the error", lr)
			}
			msgs = append(msgs, liaison.ErrorMessage(err))
			if got, want := len(e.audit(liaison.AuditFilter{Action: "login.failure"})), before+1; got != want {
				t.Errorf("login.failure events: got %d, want %d", got, want)
			}
		})
	}
	// The message must not tell an unknown login from a wrong password.
	if distinct := slices.Compact(slices.Clone(msgs)); len(distinct) != 1 {
		t.Errorf("refusal messages differ: %q", msgs)
	}
}

func TestVerifyMFACodeForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code func(m *member, e *env) string
	}{
		{"digits", func(m *member, e *env) string { return e.code(m.secret) }},
		{"spaced as apps show it", func(m *member, e *env) string { c := e.code(m.secret); return " " + c[:3] + " " + c[3:] + " " }},
		{"recovery code", func(m *member, e *env) string { return m.recovery[3] }},
		{"recovery code upper case", func(m *member, e *env) string { return toUpper(m.recovery[4]) }},
		{"recovery code without dashes", func(m *member, e *env) string { return removeDashes(m.recovery[5]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.enrolled("alice")
			e.clock.Add(30 * time.Second)
			lr, err := e.svc.Login(e.anon, "alice", password)
			must(t, err)
			res, err := e.svc.VerifyMFA(e.anon, lr.Token, tt.code(m, e))
			must(t, err)
			_, _, err = e.svc.Authenticate(e.anon, res.Token)
			must(t, err)
		})
	}
}

func toUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func removeDashes(s string) string {
	b := []byte(s)
	b = slices.DeleteFunc(b, func(c byte) bool { return c == '-' })
	return string(b)
}

func TestVerifyMFAEmptyCode(t *testing.T) {
	t.Parallel()
	// An empty code is a typing slip, not a guess: it does not count.
	e := newEnv(t)
	m := e.enrolled("alice")
	e.clock.Add(30 * time.Second)
	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	for range liaison.LockoutFailures + 1 {
		_, err := e.svc.VerifyMFA(e.anon, lr.Token, "  ")
		wantErr(t, err, liaison.EINVALID, "code")
	}
	if _, err := e.svc.VerifyMFA(e.anon, lr.Token, e.code(m.secret)); err != nil {
		t.Fatalf("VerifyMFA after empty codes: %v", err)
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "login.failure"})); n != 0 {
		t.Errorf("login.failure events: got %d, want 0", n)
	}
}

func TestVerifyMFAClockSkew(t *testing.T) {
	t.Parallel()
	// Enrolled at step S; the clock moves to S+3.
	e := newEnv(t)
	m := e.enrolled("alice")
	s := service.TOTPStep(e.clock.Now())
	e.clock.Add(90 * time.Second)
	codeAt := func(step int64) string {
		c, err := service.TOTPCode(m.secret, step)
		must(t, err)
		return c
	}
	tests := []struct {
		name string
		step int64
		ok   bool
	}{
		{"two steps behind", s + 1, false},
		{"one step behind", s + 2, true},
		{"one step ahead", s + 4, true},
		{"current step, after a later one was used", s + 3, false},
		{"two steps ahead", s + 5, false},
	}
	for _, tt := range tests {
		lr, err := e.svc.Login(e.anon, "alice", password)
		must(t, err)
		_, err = e.svc.VerifyMFA(e.anon, lr.Token, codeAt(tt.step))
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v, want accepted", tt.name, err)
			}
			continue
		}
		if got := liaison.ErrorCode(err); got != liaison.EINVALID {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, liaison.EINVALID)
		}
	}
}

func TestLockoutAfterFivePasswordFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	admin := e.enrolled("root", liaison.RoleAdmin)
	for i := range liaison.LockoutFailures {
		e.clock.Add(2 * time.Minute) // 5 failures within 10 minutes
		_, err := e.svc.Login(e.anon, "alice", "not the password at all")
		wantErr(t, err, liaison.EUNAUTHORIZED, "")
		if i < liaison.LockoutFailures-1 {
			if _, _, err := e.svc.Authenticate(e.anon, m.token); err != nil {
				t.Fatalf("Authenticate after %d failures: %v", i+1, err)
			}
		}
	}
	_, err := e.svc.Login(e.anon, "alice", password)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	u, err := e.svc.FindUser(e.sys, "alice")
	must(t, err)
	if u.Locked == nil {
		t.Fatal("user not marked locked")
	}

	evs := e.audit(liaison.AuditFilter{ObjectID: m.user.ID})
	count := map[string]int{}
	for _, ev := range evs {
		count[ev.Action]++
	}
	for action, want := range map[string]int{"login.failure": 5, "account.lock": 1, "login.refused": 1} {
		if got := count[action]; got != want {
			t.Errorf("%s events: got %d, want %d", action, got, want)
		}
	}
	for _, ev := range e.audit(liaison.AuditFilter{Action: "login.failure"}) {
		if ev.Outcome != liaison.OutcomeFailure || ev.UserID != m.user.ID || ev.Details["factor"] != "password" {
			t.Errorf("login.failure event %+v, want a failed password attempt by alice", ev)
		}
	}

	// Only an administrator unlocks.
	_, err = e.svc.Unlock(e.as(m.user), "alice")
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, err = e.svc.Unlock(e.anon, "alice")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	denied := e.audit(liaison.AuditFilter{Action: "account.unlock"})
	if got := outcomes(denied); got[liaison.OutcomeDenied] != 2 || got[liaison.OutcomeSuccess] != 0 {
		t.Errorf("account.unlock outcomes: got %v, want 2 denied", got)
	}
	_, err = e.svc.Login(e.anon, "alice", password)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	_, err = e.svc.Unlock(e.as(admin.user), "nobody")
	wantErr(t, err, liaison.ENOTFOUND, "")
	got, err := e.svc.Unlock(e.as(admin.user), "alice")
	must(t, err)
	if got.Locked != nil {
		t.Errorf("Unlock: Locked %v, want nil", got.Locked)
	}
	evs = e.audit(liaison.AuditFilter{Action: "account.unlock", ObjectID: m.user.ID})
	if o := outcomes(evs); o[liaison.OutcomeSuccess] != 1 {
		t.Errorf("account.unlock outcomes: got %v, want one success", o)
	}
	e.signIn(m)

	// Unlocking starts the count afresh: one more mistake does not re-lock.
	e.clock.Add(time.Minute)
	_, err = e.svc.Login(e.anon, "alice", "not the password at all")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	e.signIn(m)
}

func TestLockoutWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		gaps   []time.Duration // clock moves before each failure
		locked bool
	}{
		{"5 at once", []time.Duration{0, 0, 0, 0, 0}, true},
		{"5 within 15 minutes", []time.Duration{0, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute}, true},
		{"4 failures", []time.Duration{0, time.Minute, time.Minute, time.Minute}, false},
		{"4 failures, then one after the window", []time.Duration{0, 0, 0, 0, 15*time.Minute + time.Second}, false},
		{"failures spread over 20 minutes", []time.Duration{0, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5*time.Minute + time.Second}, false},
		{"6 failures, last 5 within the window", []time.Duration{0, 16 * time.Minute, time.Minute, time.Minute, time.Minute, time.Minute}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.user("alice")
			for _, gap := range tt.gaps {
				e.clock.Add(gap)
				_, err := e.svc.Login(e.anon, "alice", "wrong password, again")
				wantErr(t, err, liaison.EUNAUTHORIZED, "")
			}
			_, err := e.svc.Login(e.anon, "alice", password)
			if got := err != nil; got != tt.locked {
				t.Errorf("right password refused: got %v (%v), want %v", got, err, tt.locked)
			}
			if got, want := len(e.audit(liaison.AuditFilter{Action: "account.lock"})), map[bool]int{true: 1}[tt.locked]; got != want {
				t.Errorf("account.lock events: got %d, want %d", got, want)
			}
		})
	}
}

func TestLockoutAfterFiveMFAFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		wrong func(e *env, m *member) string
	}{
		{"TOTP", func(e *env, m *member) string { return e.wrongCode(m.secret) }},
		{"recovery", func(e *env, m *member) string { return "aaaa-bbbb-cccc" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.enrolled("alice")
			e.clock.Add(time.Minute)
			lr, err := e.svc.Login(e.anon, "alice", password)
			must(t, err)
			for i := range liaison.LockoutFailures {
				_, err := e.svc.VerifyMFA(e.anon, lr.Token, tt.wrong(e, m))
				if i < liaison.LockoutFailures-1 {
					wantErr(t, err, liaison.EINVALID, "code")
				} else {
					wantErr(t, err, liaison.EUNAUTHORIZED, "")
				}
			}
			// The pending session is gone, and the account is locked.
			_, err = e.svc.VerifyMFA(e.anon, lr.Token, e.code(m.secret))
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			_, err = e.svc.Login(e.anon, "alice", password)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			_, _, err = e.svc.Authenticate(e.anon, m.token)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			if n := len(e.audit(liaison.AuditFilter{Action: "account.lock"})); n != 1 {
				t.Errorf("account.lock events: got %d, want 1", n)
			}
		})
	}
}

func TestLockoutMixedFactors(t *testing.T) {
	t.Parallel()
	// Wrong passwords and wrong codes add up.
	e := newEnv(t)
	m := e.enrolled("alice")
	e.clock.Add(time.Minute)
	for range 3 {
		_, err := e.svc.Login(e.anon, "alice", "wrong password, again")
		wantErr(t, err, liaison.EUNAUTHORIZED, "")
	}
	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, e.wrongCode(m.secret))
	wantErr(t, err, liaison.EINVALID, "code")
	if _, _, err := e.svc.Authenticate(e.anon, m.token); err != nil {
		t.Fatalf("Authenticate after 4 failures: %v", err)
	}
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, "zzzz-zzzz-zzzz")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}

func TestSuccessResetsFailureCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	fail := func(n int) {
		for range n {
			e.clock.Add(time.Second)
			_, err := e.svc.Login(e.anon, "alice", "wrong password, again")
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
		}
	}
	fail(4)
	e.signIn(m)
	fail(4)
	e.signIn(m)
	if n := len(e.audit(liaison.AuditFilter{Action: "account.lock"})); n != 0 {
		t.Errorf("account.lock events: got %d, want 0", n)
	}
}

func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	tok, err := e.svc.CreateToken(e.as(m.user), liaison.TokenInput{Name: "ci", Scopes: []liaison.Scope{liaison.ScopeRead}})
	must(t, err)
	disabled := true
	_, err = e.svc.UpdateUser(e.sys, m.user.ID, liaison.UserUpdate{Disabled: &disabled})
	must(t, err)

	_, err = e.svc.Login(e.anon, "alice", password)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.AuthenticateToken(e.anon, tok.Secret)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	// Refusals of a disabled account are not guesses: they never lock it.
	for range liaison.LockoutFailures {
		_, err = e.svc.Login(e.anon, "alice", "wrong password, again")
		wantErr(t, err, liaison.EUNAUTHORIZED, "")
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "account.lock"})); n != 0 {
		t.Errorf("account.lock events: got %d, want 0", n)
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "login.refused"})); n != liaison.LockoutFailures+1 {
		t.Errorf("login.refused events: got %d, want %d", n, liaison.LockoutFailures+1)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	type step struct {
		wait time.Duration // before calling Authenticate
		ok   bool
	}
	every20min := func() []step {
		var s []step
		for elapsed := 20 * time.Minute; elapsed < liaison.SessionMaxAge; elapsed += 20 * time.Minute {
			s = append(s, step{20 * time.Minute, true})
		}
		// 12 h 1 min after sign-in, 21 min after the last use.
		return append(s, step{21 * time.Minute, false}, step{0, false})
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"idle just under 30 minutes", []step{{29*time.Minute + 59*time.Second, true}}},
		{"idle over 30 minutes", []step{{30*time.Minute + time.Second, false}}},
		{"idle for an hour", []step{{time.Hour, false}}},
		{"use keeps it alive", []step{{25 * time.Minute, true}, {25 * time.Minute, true}, {29 * time.Minute, true}}},
		{"idle after use", []step{{25 * time.Minute, true}, {30*time.Minute + time.Second, false}}},
		{"used every 20 minutes, until 12 hours", every20min()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.enrolled("alice") // signed in now
			var elapsed time.Duration
			for i, s := range tt.steps {
				e.clock.Add(s.wait)
				elapsed += s.wait
				_, u, err := e.svc.Authenticate(e.anon, m.token)
				if s.ok {
					if err != nil {
						t.Fatalf("step %d (%v after sign-in): %v, want the session", i, elapsed, err)
					}
					if u.ID != m.user.ID {
						t.Fatalf("step %d: user %s, want alice", i, u.ID)
					}
					continue
				}
				if got := liaison.ErrorCode(err); got != liaison.EUNAUTHORIZED {
					t.Fatalf("step %d (%v after sign-in): got %q (%v), want %q", i, elapsed, got, err, liaison.EUNAUTHORIZED)
				}
			}
		})
	}
}

func TestAuthenticateMarksUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	e.clock.Add(10 * time.Minute)
	sess, _, err := e.svc.Authenticate(e.anon, m.token)
	must(t, err)
	if got, want := sess.LastSeen, e.clock.Now(); !got.Equal(want) {
		t.Errorf("LastSeen: got %v, want %v", got, want)
	}
}

func TestPendingSessionExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		wait time.Duration
		ok   bool
	}{
		{"within 5 minutes", 4*time.Minute + 59*time.Second, true},
		{"after 5 minutes", 5*time.Minute + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.enrolled("alice")
			e.clock.Add(30 * time.Second)
			lr, err := e.svc.Login(e.anon, "alice", password)
			must(t, err)
			_, _, err = e.svc.Authenticate(e.anon, lr.Token)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")

			e.clock.Add(tt.wait)
			_, _, perr := e.svc.PendingSession(e.anon, lr.Token)
			res, err := e.svc.VerifyMFA(e.anon, lr.Token, e.code(m.secret))
			if tt.ok {
				must(t, perr)
				must(t, err)
				_, _, err = e.svc.Authenticate(e.anon, res.Token)
				must(t, err)
				_, _, err = e.svc.PendingSession(e.anon, res.Token)
				wantErr(t, err, liaison.ECONFLICT, "")
				return
			}
			wantErr(t, perr, liaison.EUNAUTHORIZED, "")
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			_, err = e.svc.BeginEnrolment(e.anon, lr.Token)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
		})
	}
}

func TestEnrolmentExpiresWithPendingSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("alice")
	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	st, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	e.clock.Add(5*time.Minute + time.Second)
	_, err = e.svc.ConfirmEnrolment(e.anon, lr.Token, e.code(st.Secret))
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	// Signing in again offers the secret already in the app.
	lr, err = e.svc.Login(e.anon, "alice", password)
	must(t, err)
	if !lr.NeedsEnrolment {
		t.Error("NeedsEnrolment false, want true")
	}
	st2, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	if st2.Secret != st.Secret {
		t.Errorf("BeginEnrolment after expiry: secret changed")
	}
	_, err = e.svc.ConfirmEnrolment(e.anon, lr.Token, e.code(st.Secret))
	must(t, err)
}

func TestConfirmEnrolmentRefusesRecoveryCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("alice")
	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	_, err = e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	_, err = e.svc.ConfirmEnrolment(e.anon, lr.Token, "abcd-efgh-jkmn")
	wantErr(t, err, liaison.EINVALID, "code")
	u, err := e.svc.FindUser(e.sys, "alice")
	must(t, err)
	if u.MFAEnrolled != nil {
		t.Error("enrolled by a non-TOTP code")
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	other := e.signIn(m)
	must(t, e.svc.Logout(e.as(m.user), m.token))
	_, _, err := e.svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	if _, _, err := e.svc.Authenticate(e.anon, other); err != nil {
		t.Errorf("other session after Logout: %v", err)
	}
	must(t, e.svc.Logout(e.as(m.user), m.token)) // twice: no error
	must(t, e.svc.Logout(e.anon, "no such token"))
	if n := len(e.audit(liaison.AuditFilter{Action: "logout"})); n != 1 {
		t.Errorf("logout events: got %d, want 1", n)
	}
}

func TestResetMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	admin := e.enrolled("root", liaison.RoleAdmin)

	_, err := e.svc.ResetMFA(e.as(m.user), "alice")
	wantErr(t, err, liaison.EFORBIDDEN, "")
	if _, _, err := e.svc.Authenticate(e.anon, m.token); err != nil {
		t.Fatalf("Authenticate after a refused reset: %v", err)
	}

	_, err = e.svc.ResetMFA(e.as(admin.user), "alice")
	must(t, err)
	_, _, err = e.svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	e.clock.Add(30 * time.Second)
	lr, err := e.svc.Login(e.anon, "alice", password)
	must(t, err)
	if !lr.NeedsEnrolment {
		t.Error("Login after ResetMFA: NeedsEnrolment false, want true")
	}
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, m.recovery[0])
	wantErr(t, err, liaison.EFORBIDDEN, "")
	st, err := e.svc.BeginEnrolment(e.anon, lr.Token)
	must(t, err)
	if st.Secret == m.secret {
		t.Error("BeginEnrolment after ResetMFA: the old secret again, want a new one")
	}
	res, err := e.svc.ConfirmEnrolment(e.anon, lr.Token, e.code(st.Secret))
	must(t, err)
	// The old recovery codes are void.
	e.clock.Add(30 * time.Second)
	lr, err = e.svc.Login(e.anon, "alice", password)
	must(t, err)
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, m.recovery[0])
	wantErr(t, err, liaison.EINVALID, "code")
	_, err = e.svc.VerifyMFA(e.anon, lr.Token, res.RecoveryCodes[0])
	must(t, err)
}

func TestSetPasswordRefused(t *testing.T) {
	t.Parallel()
	const next = "a brand new passphrase"
	tests := []struct {
		name          string
		actor         func(e *env, f people) context.Context
		target        string
		current, next string
		code, field   string
	}{
		{"own, wrong current password", func(e *env, f people) context.Context { return e.as(f.alice.user) },
			"alice", "not my password", next, liaison.EINVALID, "current_password"},
		{"own, no current password", func(e *env, f people) context.Context { return e.as(f.alice.user) },
			"alice", "", next, liaison.EINVALID, "current_password"},
		{"own, new password too short", func(e *env, f people) context.Context { return e.as(f.alice.user) },
			"alice", password, "short", liaison.EINVALID, "new_password"},
		{"another user's, not admin", func(e *env, f people) context.Context { return e.as(f.bob.user) },
			"alice", password, next, liaison.EFORBIDDEN, ""},
		{"another user's, admin role but token without admin scope", func(e *env, f people) context.Context {
			return liaison.NewContext(context.Background(), liaison.Actor{User: f.root.user,
				Token: &liaison.APIToken{Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}})
		}, "alice", "", next, liaison.EFORBIDDEN, ""},
		{"anonymous", func(e *env, _ people) context.Context { return e.anon },
			"alice", password, next, liaison.EUNAUTHORIZED, ""},
		{"unknown user", func(e *env, _ people) context.Context { return e.sys },
			"nobody", "", next, liaison.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			alice := f.alice
			err := e.svc.SetPassword(tt.actor(e, f), tt.target, tt.current, tt.next)
			wantErr(t, err, tt.code, tt.field)
			// Nothing changed.
			if _, _, err := e.svc.Authenticate(e.anon, alice.token); err != nil {
				t.Errorf("alice's session: %v", err)
			}
			if _, err := e.svc.Login(e.anon, "alice", password); err != nil {
				t.Errorf("alice's old password: %v", err)
			}
			for _, ev := range e.audit(liaison.AuditFilter{Action: "password.change"}) {
				if ev.Outcome == liaison.OutcomeSuccess {
					t.Errorf("a refused password change left a success audit event: %+v", ev)
				}
			}
		})
	}
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	const next = "a brand new passphrase"
	tests := []struct {
		name    string
		actor   func(e *env, f people) context.Context
		current string
	}{
		{"own", func(e *env, f people) context.Context { return e.as(f.alice.user) }, password},
		{"by an admin", func(e *env, f people) context.Context { return e.as(f.root.user) }, ""},
		{"by the system", func(e *env, _ people) context.Context { return e.sys }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			alice, root := f.alice, f.root
			second := e.signIn(alice)
			must(t, e.svc.SetPassword(tt.actor(e, f), "alice", tt.current, next))
			for _, tok := range []string{alice.token, second} {
				_, _, err := e.svc.Authenticate(e.anon, tok)
				wantErr(t, err, liaison.EUNAUTHORIZED, "")
			}
			if _, _, err := e.svc.Authenticate(e.anon, root.token); err != nil {
				t.Errorf("root's session: %v", err)
			}
			e.clock.Add(time.Minute)
			_, err := e.svc.Login(e.anon, "alice", password)
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			if _, err := e.svc.Login(e.anon, "alice", next); err != nil {
				t.Errorf("Login with the new password: %v", err)
			}
			evs := e.audit(liaison.AuditFilter{Action: "password.change"})
			if len(evs) != 1 || evs[0].ObjectID != alice.user.ID {
				t.Errorf("password.change events: got %d, want 1 for alice", len(evs))
			}
		})
	}
}

func TestLoginTimingUnknownUser(t *testing.T) {
	// Production cost, so that argon2id dominates the database work.
	e := newEnv(t)
	e.svc.Argon2 = service.DefaultArgon2
	e.user("alice")
	// Interleave the two logins and keep each one's fastest run: other
	// packages' tests share the machine, and load only ever adds time. A
	// leak (skipping the hash for an unknown login) is a factor of a
	// hundred, so a factor of two still catches it.
	try := func(login string) time.Duration {
		e.clock.Add(20 * time.Minute) // never lock
		t0 := time.Now()
		_, err := e.svc.Login(e.anon, login, "wrong password, again")
		d := time.Since(t0)
		wantErr(t, err, liaison.EUNAUTHORIZED, "")
		return d
	}
	try("alice")
	try("nobody") // warm both paths
	known, unknown := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 7 {
		known = min(known, try("alice"))
		unknown = min(unknown, try("nobody"))
	}
	if ratio := float64(unknown) / float64(known); ratio > 2 || ratio < 0.5 {
		t.Errorf("Login of an unknown login took %v, of a known login %v (ratio %.2f), want about the same", unknown, known, ratio)
	}
}
