package service_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

func TestCreateAndAuthenticateToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	now := e.clock.Now()
	nt, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "  ci runner ",
		Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}})
	must(t, err)

	if !strings.HasPrefix(nt.Secret, service.TokenPrefix) || service.TokenPrefix != "lsn_" {
		t.Errorf("secret %q, want it to start %q", nt.Secret, "lsn_")
	}
	if len(nt.Secret) < len("lsn_")+40 {
		t.Errorf("secret %q is too short to be 256 random bits", nt.Secret)
	}
	tok := nt.Token
	if !strings.HasPrefix(nt.Secret, tok.Prefix) || len(tok.Prefix) <= len("lsn_") || len(tok.Prefix) > len("lsn_")+8 {
		t.Errorf("prefix %q, want the first few characters of the secret", tok.Prefix)
	}
	if got, want := tok.UserID, f.alice.user.ID; got != want {
		t.Errorf("UserID: got %s, want %s", got, want)
	}
	if got, want := tok.Name, "ci runner"; got != want {
		t.Errorf("Name: got %q, want %q", got, want)
	}
	if got, want := tok.Expires, now.Add(90*24*time.Hour); !got.Equal(want) {
		t.Errorf("Expires: got %v, want the default 90 days, %v", got, want)
	}

	// Only a hash is kept.
	var stored *liaison.APIToken
	must(t, e.store.View(context.Background(), func(tx liaison.Tx) error {
		stored, err = tx.FindTokenByID(context.Background(), tok.ID)
		return err
	}))
	for _, h := range []string{tok.TokenHash, stored.TokenHash} {
		if h == "" || h == nt.Secret || strings.Contains(h, nt.Secret) || strings.Contains(h, nt.Secret[len("lsn_"):]) {
			t.Errorf("TokenHash %q, want a hash that does not hold the secret %q", h, nt.Secret)
		}
	}

	e.clock.Add(time.Hour)
	got, u, err := e.svc.AuthenticateToken(e.anon, nt.Secret)
	must(t, err)
	if got.ID != tok.ID || u.ID != f.alice.user.ID {
		t.Errorf("AuthenticateToken: token %s of %s, want %s of alice", got.ID, u.ID, tok.ID)
	}
	if got.LastUsed == nil || !got.LastUsed.Equal(e.clock.Now()) {
		t.Errorf("LastUsed: got %v, want %v", got.LastUsed, e.clock.Now())
	}
	if !got.Allows(liaison.ScopeWrite) || got.Allows(liaison.ScopeAdmin) {
		t.Errorf("scopes: got %v, want read and write", got.Scopes)
	}

	// What a token authenticates cannot mint more tokens, even its own kind.
	_, err = e.svc.CreateToken(liaison.NewContext(context.Background(), liaison.Actor{User: u, Token: got}),
		liaison.TokenInput{Name: "child", Scopes: []liaison.Scope{liaison.ScopeRead}})
	wantErr(t, err, liaison.EFORBIDDEN, "")

	evs := e.audit(liaison.AuditFilter{Action: "token.create"})
	if len(evs) != 1 {
		t.Fatalf("token.create events: got %d, want 1", len(evs))
	}
	if got, want := evs[0].Details, map[string]string{"for_user": f.alice.user.ID, "scopes": "read,write"}; !maps.Equal(got, want) {
		t.Errorf("token.create details: got %v, want %v", got, want)
	}
	if strings.Contains(evs[0].Reason+evs[0].ObjectID, nt.Secret) {
		t.Error("the audit event holds the secret")
	}
}

func TestSecretsNotStoredInClear(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	nt, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "ci", Scopes: []liaison.Scope{liaison.ScopeRead}})
	must(t, err)
	_, _, err = e.svc.AuthenticateToken(e.anon, nt.Secret)
	must(t, err)
	e.clock.Add(30 * time.Second)
	pending, err := e.svc.Login(e.anon, "bob", password)
	must(t, err)
	_, err = e.svc.Login(e.anon, "alice", "a wrong password, recorded")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	secrets := map[string]string{
		"password":              password,
		"wrong password":        "a wrong password, recorded",
		"API token":             nt.Secret,
		"API token body":        nt.Secret[len("lsn_"):],
		"session token":         f.alice.token,
		"pending session token": pending.Token,
	}
	for i, c := range f.alice.recovery {
		secrets["recovery code "+string(rune('0'+i))] = c
		secrets["recovery code "+string(rune('0'+i))+" normalised"] = strings.ReplaceAll(c, "-", "")
	}

	files, err := os.ReadDir(e.dir)
	must(t, err)
	var all []byte
	for _, fi := range files {
		b, err := os.ReadFile(filepath.Join(e.dir, fi.Name()))
		must(t, err)
		all = append(all, b...)
	}
	// The scan works: an e-mail address, stored in clear, is found.
	if !bytes.Contains(all, []byte("root@example.gov")) {
		t.Fatalf("scanned %d bytes of %d files and found no e-mail address: the scan is blind", len(all), len(files))
	}
	for what, s := range secrets {
		if bytes.Contains(all, []byte(s)) {
			t.Errorf("the %s is stored in clear", what)
		}
	}
}

func TestAuthenticateTokenRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *env, f people, secret string) string // returns what to present
	}{
		{"empty", func(e *env, f people, secret string) string { return "" }},
		{"not a Liaison token", func(e *env, f people, secret string) string { return "ghp_" + secret[4:] }},
		{"session token", func(e *env, f people, secret string) string { return f.alice.token }},
		{"unknown", func(e *env, f people, secret string) string { return "lsn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }},
		{"one character changed", func(e *env, f people, secret string) string {
			last := "A"
			if strings.HasSuffix(secret, "A") {
				last = "B"
			}
			return secret[:len(secret)-1] + last
		}},
		{"prefix only", func(e *env, f people, secret string) string { return "lsn_" }},
		{"revoked", func(e *env, f people, secret string) string {
			ts, _, err := e.svc.ListTokens(e.as(f.alice.user), "alice", liaison.Page{})
			must(e.t, err)
			_, err = e.svc.RevokeToken(e.as(f.alice.user), ts[0].ID)
			must(e.t, err)
			return secret
		}},
		{"expired", func(e *env, f people, secret string) string {
			e.clock.Add(time.Hour + time.Second)
			return secret
		}},
		{"owner locked", func(e *env, f people, secret string) string {
			for range liaison.LockoutFailures {
				e.clock.Add(time.Second)
				_, _ = e.svc.Login(e.anon, "alice", "wrong password, again")
			}
			return secret
		}},
		{"owner disabled", func(e *env, f people, secret string) string {
			yes := true
			_, err := e.svc.UpdateUser(e.sys, f.alice.user.ID, liaison.UserUpdate{Disabled: &yes})
			must(e.t, err)
			return secret
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			nt, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "ci",
				Scopes: []liaison.Scope{liaison.ScopeRead}, TTL: time.Hour})
			must(t, err)
			e.clock.Add(59 * time.Minute)
			if _, _, err := e.svc.AuthenticateToken(e.anon, nt.Secret); err != nil {
				t.Fatalf("AuthenticateToken before: %v", err)
			}
			tok, u, err := e.svc.AuthenticateToken(e.anon, tt.setup(e, f, nt.Secret))
			wantErr(t, err, liaison.EUNAUTHORIZED, "")
			if tok != nil || u != nil {
				t.Errorf("got token %v and user %v with the error", tok, u)
			}
		})
	}
}

func TestCreateTokenRefused(t *testing.T) {
	t.Parallel()
	read := []liaison.Scope{liaison.ScopeRead}
	tests := []struct {
		name        string
		actor       func(e *env, f people) context.Context
		in          func(e *env, f people) liaison.TokenInput
		code, field string
	}{
		{"anonymous",
			func(e *env, f people) context.Context { return e.anon },
			func(e *env, f people) liaison.TokenInput { return liaison.TokenInput{Name: "x", Scopes: read} },
			liaison.EUNAUTHORIZED, ""},
		{"admin scope, user not admin",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeAdmin}}
			},
			liaison.EINVALID, "scopes"},
		{"admin scope for a user not admin, by an admin",
			func(e *env, f people) context.Context { return e.as(f.root.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.alice.user.ID, Name: "x", Scopes: []liaison.Scope{liaison.ScopeAdmin}}
			},
			liaison.EINVALID, "scopes"},
		{"for another user, not admin",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.bob.user.ID, Name: "x", Scopes: read}
			},
			liaison.EFORBIDDEN, ""},
		{"for another user by login, not admin",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: "bob", Name: "x", Scopes: read}
			},
			liaison.EFORBIDDEN, ""},
		{"for another user, admin through a token without admin scope",
			func(e *env, f people) context.Context {
				return liaison.NewContext(context.Background(), liaison.Actor{User: f.root.user,
					Token: &liaison.APIToken{UserID: f.root.user.ID, Scopes: []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}}})
			},
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.bob.user.ID, Name: "x", Scopes: read}
			},
			liaison.EFORBIDDEN, ""},
		{"own, through a token",
			func(e *env, f people) context.Context {
				return liaison.NewContext(context.Background(), liaison.Actor{User: f.alice.user,
					Token: &liaison.APIToken{UserID: f.alice.user.ID, Scopes: read}})
			},
			func(e *env, f people) liaison.TokenInput { return liaison.TokenInput{Name: "x", Scopes: read} },
			liaison.EFORBIDDEN, ""},
		{"admin through an admin-scoped token",
			func(e *env, f people) context.Context {
				return liaison.NewContext(context.Background(), liaison.Actor{User: f.root.user,
					Token: &liaison.APIToken{UserID: f.root.user.ID, Scopes: []liaison.Scope{liaison.ScopeAdmin}}})
			},
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.bob.user.ID, Name: "x", Scopes: read}
			},
			liaison.EFORBIDDEN, ""},
		{"no scopes",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput { return liaison.TokenInput{Name: "x"} },
			liaison.EINVALID, "scopes"},
		{"unknown scope",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: []liaison.Scope{"delete"}}
			},
			liaison.EINVALID, "scopes[0]"},
		{"no name",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput { return liaison.TokenInput{Name: "   ", Scopes: read} },
			liaison.EINVALID, "name"},
		{"name too long",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: strings.Repeat("n", 101), Scopes: read}
			},
			liaison.EINVALID, "name"},
		{"expiry in the past",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: read, Expires: e.clock.Now().Add(-time.Second)}
			},
			liaison.EINVALID, "expires_at"},
		{"negative TTL",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: read, TTL: -time.Hour}
			},
			liaison.EINVALID, "expires_at"},
		{"expiry beyond a year",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: read, Expires: e.clock.Now().AddDate(1, 0, 1)}
			},
			liaison.EINVALID, "expires_at"},
		{"unknown user, by the system",
			func(e *env, f people) context.Context { return e.sys },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: liaison.NewID(), Name: "x", Scopes: read}
			},
			liaison.EINVALID, "user_id"},
		{"no user, by the system",
			func(e *env, f people) context.Context { return e.sys },
			func(e *env, f people) liaison.TokenInput { return liaison.TokenInput{Name: "x", Scopes: read} },
			liaison.EINVALID, "user_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			nt, err := e.svc.CreateToken(tt.actor(e, f), tt.in(e, f))
			wantErr(t, err, tt.code, tt.field)
			if nt != nil {
				t.Errorf("got a token %+v with the error", nt)
			}
			for _, m := range []*member{f.alice, f.bob, f.root} {
				ts, _, err := e.svc.ListTokens(e.sys, m.user.ID, liaison.Page{})
				must(t, err)
				if len(ts) != 0 {
					t.Errorf("%s has %d tokens, want none", m.user.Login, len(ts))
				}
			}
			if n := len(e.audit(liaison.AuditFilter{Action: "token.create"})); n != 0 {
				t.Errorf("token.create events: got %d, want 0", n)
			}
		})
	}
}

func TestCreateTokenAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		actor  func(e *env, f people) context.Context
		in     func(e *env, f people) liaison.TokenInput
		holder func(f people) *member
	}{
		{"own",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: []liaison.Scope{liaison.ScopeRead}}
			},
			func(f people) *member { return f.alice }},
		{"own, naming oneself",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.alice.user.ID, Name: "x", Scopes: []liaison.Scope{liaison.ScopeWrite}}
			},
			func(f people) *member { return f.alice }},
		{"for another user, by an admin",
			func(e *env, f people) context.Context { return e.as(f.root.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: f.bob.user.ID, Name: "x", Scopes: []liaison.Scope{liaison.ScopeRead}}
			},
			func(f people) *member { return f.bob }},
		{"by login, by the system",
			func(e *env, f people) context.Context { return e.sys },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{UserID: "bob", Name: "x", Scopes: []liaison.Scope{liaison.ScopeRead}}
			},
			func(f people) *member { return f.bob }},
		{"admin scope for an admin",
			func(e *env, f people) context.Context { return e.as(f.root.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: []liaison.Scope{liaison.ScopeAdmin}}
			},
			func(f people) *member { return f.root }},
		{"explicit expiry within a year",
			func(e *env, f people) context.Context { return e.as(f.alice.user) },
			func(e *env, f people) liaison.TokenInput {
				return liaison.TokenInput{Name: "x", Scopes: []liaison.Scope{liaison.ScopeRead}, Expires: e.clock.Now().AddDate(0, 11, 0)}
			},
			func(f people) *member { return f.alice }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.people()
			in := tt.in(e, f)
			nt, err := e.svc.CreateToken(tt.actor(e, f), in)
			must(t, err)
			want := tt.holder(f).user
			if nt.Token.UserID != want.ID {
				t.Errorf("token of %s, want %s", nt.Token.UserID, want.Login)
			}
			if !in.Expires.IsZero() && !nt.Token.Expires.Equal(in.Expires) {
				t.Errorf("Expires: got %v, want %v", nt.Token.Expires, in.Expires)
			}
			_, u, err := e.svc.AuthenticateToken(e.anon, nt.Secret)
			must(t, err)
			if u.ID != want.ID {
				t.Errorf("AuthenticateToken: user %s, want %s", u.Login, want.Login)
			}
		})
	}
}

func TestRevokeToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	read := []liaison.Scope{liaison.ScopeRead}
	t1, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "one", Scopes: read})
	must(t, err)
	t2, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: "two", Scopes: read})
	must(t, err)

	// Others learn nothing of the token.
	for _, tt := range []struct {
		name string
		ctx  context.Context
		id   string
		code string
	}{
		{"another user", e.as(f.bob.user), t1.Token.ID, liaison.ENOTFOUND},
		{"anonymous", e.anon, t1.Token.ID, liaison.EUNAUTHORIZED},
		{"garbage id", e.as(f.alice.user), "'; DROP TABLE api_tokens; --", liaison.ENOTFOUND},
		{"unknown id", e.as(f.alice.user), liaison.NewID(), liaison.ENOTFOUND},
	} {
		_, err := e.svc.RevokeToken(tt.ctx, tt.id)
		if got := liaison.ErrorCode(err); got != tt.code {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.code)
		}
	}
	if _, _, err := e.svc.AuthenticateToken(e.anon, t1.Secret); err != nil {
		t.Fatalf("token after refused revocations: %v", err)
	}

	got, err := e.svc.RevokeToken(e.as(f.alice.user), t1.Token.ID)
	must(t, err)
	if got.Revoked == nil || !got.Revoked.Equal(e.clock.Now()) {
		t.Errorf("Revoked: got %v, want %v", got.Revoked, e.clock.Now())
	}
	_, _, err = e.svc.AuthenticateToken(e.anon, t1.Secret)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	e.clock.Add(time.Minute)
	again, err := e.svc.RevokeToken(e.as(f.alice.user), t1.Token.ID)
	must(t, err)
	if !again.Revoked.Equal(*got.Revoked) {
		t.Errorf("revoking twice moved the revocation time from %v to %v", got.Revoked, again.Revoked)
	}

	// An admin revokes anyone's.
	_, err = e.svc.RevokeToken(e.as(f.root.user), t2.Token.ID)
	must(t, err)
	_, _, err = e.svc.AuthenticateToken(e.anon, t2.Secret)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	if n := len(e.audit(liaison.AuditFilter{Action: "token.revoke"})); n != 2 {
		t.Errorf("token.revoke events: got %d, want 2", n)
	}
}

func TestListTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.people()
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		nt, err := e.svc.CreateToken(e.as(f.alice.user), liaison.TokenInput{Name: name, Scopes: []liaison.Scope{liaison.ScopeRead}})
		must(t, err)
		ids = append(ids, nt.Token.ID)
	}

	var got []string
	p := liaison.Page{Limit: 2}
	for {
		ts, next, err := e.svc.ListTokens(e.as(f.alice.user), "alice", p)
		must(t, err)
		for _, tok := range ts {
			got = append(got, tok.ID)
			if tok.TokenHash == "" || strings.HasPrefix(tok.TokenHash, "lsn_") {
				t.Errorf("listed TokenHash %q, want a hash", tok.TokenHash)
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	if !slices.Equal(got, ids) {
		t.Errorf("alice's tokens: got %v, want %v", got, ids)
	}

	ts, _, err := e.svc.ListTokens(e.as(f.root.user), "alice", liaison.Page{})
	must(t, err)
	if len(ts) != 3 {
		t.Errorf("admin lists %d of alice's tokens, want 3", len(ts))
	}
	_, _, err = e.svc.ListTokens(e.as(f.bob.user), "alice", liaison.Page{})
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, _, err = e.svc.ListTokens(e.anon, "alice", liaison.Page{})
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, _, err = e.svc.ListTokens(e.as(f.alice.user), "alice", liaison.Page{After: "garbage"})
	wantErr(t, err, liaison.EINVALID, "cursor")
	ts, _, err = e.svc.ListTokens(e.as(f.bob.user), "bob", liaison.Page{})
	must(t, err)
	if len(ts) != 0 {
		t.Errorf("bob has %d tokens, want 0", len(ts))
	}
}
