package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

// interleavingStore is the real store, with a hook that runs once just
// before the next read-write transaction starts: it stands for another
// request that commits between a service's read and its write.
type interleavingStore struct {
	liaison.Store
	mu   sync.Mutex
	hook func()
}

func (s *interleavingStore) Update(ctx context.Context, fn func(liaison.Tx) error) error {
	s.mu.Lock()
	hook := s.hook
	s.hook = nil
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return s.Store.Update(ctx, fn)
}

// beforeNextUpdate arms the hook.
func (s *interleavingStore) beforeNextUpdate(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// interleaved returns e's service rebuilt over an interleavingStore.
func interleaved(e *env) (*service.Service, *interleavingStore) {
	is := &interleavingStore{Store: e.store}
	svc := service.New(is)
	svc.Argon2, svc.Now = e.svc.Argon2, e.svc.Now
	return svc, is
}

func TestRevokeWhileTokenInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	svc, is := interleaved(e)
	nt, err := svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "ci", Scopes: []liaison.Scope{liaison.ScopeRead}})
	must(t, err)

	// The client's request has read the token (unused so far, so it will
	// record the use) when alice revokes it.
	is.beforeNextUpdate(func() {
		if _, err := svc.RevokeToken(e.as(f.alice.user), nt.Token.ID); err != nil {
			t.Errorf("RevokeToken: %v", err)
		}
	})
	_, _, err = svc.AuthenticateToken(e.anon, nt.Secret)
	if err != nil { // it started before the revocation: either answer would do
		wantErr(t, err, liaison.EUNAUTHORIZED, "")
	}

	_, _, err = svc.AuthenticateToken(e.anon, nt.Secret)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	var stored *liaison.APIToken
	must(t, e.store.View(context.Background(), func(tx liaison.Tx) error {
		stored, err = tx.FindTokenByID(context.Background(), nt.Token.ID)
		return err
	}))
	if stored.Revoked == nil {
		t.Error("the stored token is no longer revoked")
	}
}

func TestAuthenticateWhileSessionEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.enrolled("alice")
	svc, is := interleaved(e)
	e.clock.Add(10 * time.Minute) // so Authenticate records the use

	is.beforeNextUpdate(func() {
		if err := svc.Logout(e.as(m.user), m.token); err != nil {
			t.Errorf("Logout: %v", err)
		}
	})
	_, _, err := svc.Authenticate(e.anon, m.token)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}

func TestConcurrentReplayOfOneCode(t *testing.T) {
	t.Parallel()
	// Two sign-ins race to use the same TOTP code: exactly one wins.
	e := newEnv(t)
	m := e.enrolled("alice")
	e.clock.Add(30 * time.Second)
	const n = 6
	var tokens []string
	for range n {
		lr, err := e.svc.Login(e.anon, "alice", password)
		must(t, err)
		tokens = append(tokens, lr.Token)
	}
	code := e.code(m.secret)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.svc.VerifyMFA(e.anon, tokens[i], code)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch liaison.ErrorCode(err) {
		case "":
			won++
		case liaison.EINVALID:
		default:
			t.Errorf("VerifyMFA: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("sign-ins accepted with one code: got %d, want 1", won)
	}
}

func TestConcurrentFailuresLockOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("alice")
	const n = 12
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := e.svc.Login(e.anon, "alice", "wrong password, again")
			if got := liaison.ErrorCode(err); got != liaison.EUNAUTHORIZED {
				t.Errorf("Login: got %q (%v), want %q", got, err, liaison.EUNAUTHORIZED)
			}
		})
	}
	wg.Wait()
	if got := len(e.audit(liaison.AuditFilter{Action: "account.lock"})); got != 1 {
		t.Errorf("account.lock events: got %d, want 1", got)
	}
	failures := len(e.audit(liaison.AuditFilter{Action: "login.failure"}))
	refused := len(e.audit(liaison.AuditFilter{Action: "login.refused"}))
	if failures < liaison.LockoutFailures || failures+refused != n {
		t.Errorf("login.failure %d + login.refused %d, want at least %d failures and %d in all", failures, refused, liaison.LockoutFailures, n)
	}
	_, err := e.svc.Login(e.anon, "alice", password)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}
