package service_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"liaison"
	"liaison/service"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"11 characters", "abcdefghijk", false},
		{"12 characters", "abcdefghijkl", true},
		{"passphrase", password, true},
		{"12 runes, more bytes", "ééééééééééé!", true},
		{"11 runes, 22 bytes", "ééééééééééé", false},
		{"256 characters", strings.Repeat("a", 256), true},
		{"257 characters", strings.Repeat("a", 257), false},
		{"invalid UTF-8", "abcdefghijkl\xff\xfe", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := service.CheckPassword("new_password", tt.pw)
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			wantErr(t, err, liaison.EINVALID, "new_password")
		})
	}
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	p := service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	h1, h2 := p.HashPassword(password), p.HashPassword(password)
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	for _, h := range []string{h1, h2} {
		if !phc.MatchString(h) {
			t.Errorf("HashPassword: got %q, want a PHC argon2id string with a 16-byte salt and 32-byte key", h)
		}
		if strings.Contains(h, password) {
			t.Errorf("HashPassword: %q contains the password", h)
		}
	}
	if h1 == h2 {
		t.Errorf("HashPassword twice: both %q, want different salts", h1)
	}
}

func TestPasswordCostChange(t *testing.T) {
	t.Parallel()
	// A hash keeps its own cost: raising the cost later must not lock out
	// users whose hashes were made with the old one.
	e := newEnv(t)
	e.user("alice")
	e.svc.Argon2 = service.Argon2Params{Memory: 128, Time: 2, Threads: 2}
	if _, err := e.svc.Login(e.anon, "alice", password); err != nil {
		t.Fatalf("Login after a cost change: %v", err)
	}
	_, err := e.svc.Login(e.anon, "alice", password+"x")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}

// TestLoginGivesUpWithItsCaller: a sign-in whose caller has gone is
// answered with an error and opens no session, rather than queueing for an
// argon2id slot.
func TestLoginGivesUpWithItsCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("gone")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.svc.Login(ctx, "gone", password); err == nil {
		t.Fatal("a login whose caller already gave up was served")
	}
	if n := len(e.audit(liaison.AuditFilter{Action: "login.password"})); n != 0 {
		t.Fatalf("%d sessions opened for a caller who had gone", n)
	}
}
