package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison/service"
	"liaison/storetest"
)

// syncBuffer is a goroutine-safe output buffer.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// store is one configured backend: global flags plus environment.
type store struct {
	flags []string
	env   map[string]string
}

func (s store) getenv(k string) string { return s.env[k] }

// backends returns a fresh SQLite store, and a fresh PostgreSQL schema when
// the PostgreSQL tests are enabled.
func backends(t *testing.T) []struct {
	name string
	open func(t *testing.T) store
} {
	type be = struct {
		name string
		open func(t *testing.T) store
	}
	bs := []be{{"sqlite", func(t *testing.T) store { return store{flags: []string{"--data", t.TempDir()}} }}}
	if url := os.Getenv(storetest.PostgresEnv); url != "" {
		bs = append(bs, be{"postgres", func(t *testing.T) store {
			return store{flags: []string{"--db", url, "--data", t.TempDir()},
				env: map[string]string{"LIAISON_DB_SCHEMA": storetest.NewSchema(t, url)}}
		}})
	}
	return bs
}

// cli runs the liaison command in-process and returns its output.
func cli(t *testing.T, st store, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	all := append(append([]string{}, args...), st.flags...)
	err := run(context.Background(), all, st.getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustCLI(t *testing.T, flags store, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, flags, args...)
	if err != nil {
		t.Fatalf("liaison %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestDemoTwiceChangesNothing(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			flags := be.open(t)
			first := mustCLI(t, flags, "demo")
			if !strings.Contains(first, "Demo partnership created") || !strings.Contains(first, "analyst") {
				t.Fatalf("first demo run:\n%s", first)
			}
			snapshot := func() string {
				var b strings.Builder
				for _, what := range []string{"agency", "user", "community", "agreement"} {
					b.WriteString(mustCLI(t, flags, "admin", what, "list", "--json"))
				}
				return b.String()
			}
			before := snapshot()
			second := mustCLI(t, flags, "demo")
			if !strings.Contains(second, "already present") {
				t.Fatalf("second demo run:\n%s", second)
			}
			if after := snapshot(); after != before {
				t.Fatal("running the demo twice changed the directory")
			}
			// The second run prints the same keys as the first.
			key := func(s string) string {
				return regexp.MustCompile(`(?m)^analyst\s+\S+\s+\S+\s+([A-Z2-7]{32})$`).FindStringSubmatch(s)[1]
			}
			if key(first) != key(second) {
				t.Fatal("the demo printed different TOTP keys on its second run")
			}
			var agencies []struct{ Kind, Code string }
			_ = json.Unmarshal([]byte(mustCLI(t, flags, "admin", "agency", "list", "--json")), &agencies)
			kinds := map[string]int{}
			for _, a := range agencies {
				kinds[a.Kind]++
			}
			want := map[string]int{"federal": 2, "task_force": 1, "fusion_center": 1, "local": 3, "tribal": 1, "international": 1, "private": 2}
			for k, n := range want {
				if kinds[k] != n {
					t.Errorf("demo has %d %s agencies, want %d", kinds[k], k, n)
				}
			}
			var users []struct{ Roles []string }
			_ = json.Unmarshal([]byte(mustCLI(t, flags, "admin", "user", "list", "--json")), &users)
			roles := map[string]bool{}
			for _, u := range users {
				for _, r := range u.Roles {
					roles[r] = true
				}
			}
			for _, r := range []string{"officer", "supervisor", "analyst", "privacy_officer", "auditor", "admin", "partner_liaison"} {
				if !roles[r] {
					t.Errorf("no demo user has the %s role", r)
				}
			}
		})
	}
}

func TestAdminCLI(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			flags := be.open(t)
			mustCLI(t, flags, "admin", "agency", "create", "--code", "pd-one", "--name", "PD One", "--kind", "local",
				"--contact-name", "Desk", "--contact-email", "desk@pd.example.gov")
			if _, errOut, err := cli(t, flags, "admin", "agency", "create", "--code", "PD-ONE", "--name", "Again", "--kind", "local"); err == nil || !strings.Contains(err.Error(), "code") {
				t.Fatalf("duplicate code accepted: %v %s", err, errOut)
			}
			if _, _, err := cli(t, flags, "admin", "agency", "create", "--code", "PD-TWO", "--name", "Two", "--kind", "galactic"); err == nil || !strings.Contains(err.Error(), "kind") {
				t.Fatalf("bad kind accepted: %v", err)
			}
			out := mustCLI(t, flags, "admin", "user", "create", "--login", "o.one", "--name", "Officer One",
				"--email", "o1@pd.example.gov", "--agency", "PD-ONE", "--role", "officer", "--sworn")
			if !strings.Contains(out, `"login": "o.one"`) {
				t.Fatalf("user create printed:\n%s", out)
			}
			if _, _, err := cli(t, flags, "admin", "user", "create", "--login", "x", "--name", "X", "--email", "x@x.gov", "--agency", "NOPE"); err == nil {
				t.Fatal("user with a missing agency was created")
			}
			list := mustCLI(t, flags, "admin", "user", "list")
			if !strings.Contains(list, "o.one") || !strings.Contains(list, "LOGIN") {
				t.Fatalf("user list:\n%s", list)
			}
			mustCLI(t, flags, "admin", "user", "roles", "o.one", "--grant", "supervisor")
			var users []struct {
				Login string
				Roles []string
			}
			_ = json.Unmarshal([]byte(mustCLI(t, flags, "admin", "user", "list", "--json")), &users)
			if len(users) != 1 || strings.Join(users[0].Roles, ",") != "officer,supervisor" {
				t.Fatalf("roles after grant: %+v", users)
			}
			com := mustCLI(t, flags, "admin", "community", "create", "--name", "Area", "--kind", "fusion_area", "--member", "PD-ONE")
			var c struct{ ID string }
			_ = json.Unmarshal([]byte(com), &c)
			expires := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
			mustCLI(t, flags, "admin", "agreement", "create", "--agency", "PD-ONE", "--community", c.ID,
				"--legal-basis", "MOU 7", "--purpose", "counterterrorism", "--kind", "sar", "--expires", expires)
			if _, _, err := cli(t, flags, "admin", "agreement", "create", "--agency", "PD-ONE", "--community", c.ID,
				"--legal-basis", "MOU 7", "--purpose", "counterterrorism", "--kind", "sar", "--expires", "2020-01-01"); err == nil ||
				!strings.Contains(err.Error(), "expires_at") {
				t.Fatalf("expired agreement accepted: %v", err)
			}
			tok, _, err := cli(t, flags, "admin", "token", "create", "--user", "o.one", "--scope", "read")
			if err != nil || !strings.HasPrefix(tok, service.TokenPrefix) {
				t.Fatalf("token create = %q, %v", tok, err)
			}
			tokens := mustCLI(t, flags, "admin", "token", "list", "o.one", "--json")
			if strings.Contains(tokens, strings.TrimSpace(tok)) {
				t.Fatal("token list shows the secret")
			}
		})
	}
}

// server starts `liaison serve` on a free port and returns its base URL and stdout.
func server(t *testing.T, st store, extra ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	args := append(append([]string{"serve", "--addr", "127.0.0.1:0"}, extra...), st.flags...)
	go func() { done <- run(ctx, args, st.getenv, strings.NewReader(""), &out, &errOut) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	re := regexp.MustCompile(`serving on (http://[0-9.:]+)/`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], &out
		}
		select {
		case err := <-done:
			done <- nil // the clean-up waits on done: do not leave it blocked
			t.Fatalf("serve exited: %v\n%s", err, errOut.String())
		default:
		}
	}
	t.Fatalf("server did not start:\n%s\n%s", out.String(), errOut.String())
	return "", nil
}

func TestServeDemo(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--demo")
	if !strings.Contains(out.String(), "analyst") {
		t.Fatalf("serve --demo printed no logins:\n%s", out)
	}
	for _, p := range []string{"/healthz", "/readyz", "/login", "/api/v1/openapi.json"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
		}
	}
}

// artifactDir is where browser tests leave screenshots.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("LIAISON_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPurgeCommand(t *testing.T) {
	st := store{flags: []string{"--data", t.TempDir()}}
	out := mustCLI(t, st, "purge", "--dry-run")
	if !strings.Contains(out, "would purge 0 record(s)") {
		t.Fatalf("purge --dry-run = %q", out)
	}
	if out := mustCLI(t, st, "purge"); !strings.Contains(out, "purged 0 record(s)") {
		t.Fatalf("purge = %q", out)
	}
}

func TestAgencyPolicies(t *testing.T) {
	dir := t.TempDir()
	st := store{flags: []string{"--data", t.TempDir(), "--policies", dir}}
	if err := os.WriteFile(filepath.Join(dir, "wide.cedar"), []byte(`@id("all") @reason("everyone") permit (principal, action, resource);`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, st, "admin", "agency", "list"); err == nil || !strings.Contains(err.Error(), "may only forbid") {
		t.Fatalf("an agency file that permits was loaded: %v", err)
	}
	os.Remove(filepath.Join(dir, "wide.cedar"))
	_ = os.WriteFile(filepath.Join(dir, "strict.cedar"), []byte(`@id("no-export") @reason("no exports here") forbid (principal, action == Liaison::Action::"export", resource);`), 0o644)
	mustCLI(t, st, "admin", "agency", "list")
}

// TestServeMetricsAddr pins the two ways to read /metrics: on the main
// listener an administrator's sign-in is needed; --metrics-addr serves
// them without one on a listener of their own, on loopback for a bare port.
func TestServeMetricsAddr(t *testing.T) {
	base, out := server(t, store{flags: []string{"--data", t.TempDir()}}, "--metrics-addr", "127.0.0.1:0")
	m := regexp.MustCompile(`Metrics for Prometheus on (http://127\.0\.0\.1:[0-9]+)/metrics`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("serve printed no metrics address:\n%s", out)
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := get(base + "/healthz"); status != 200 {
		t.Fatalf("healthz = %d", status)
	}
	tests := []struct {
		name, url string
		status    int
		metrics   bool
	}{
		{"main listener, anonymous", base + "/metrics", 401, false},
		{"metrics listener", m[1] + "/metrics", 200, true},
		{"metrics listener serves nothing else", m[1] + "/api/v1/openapi.json", 404, false},
	}
	for _, tt := range tests {
		status, body := get(tt.url)
		if status != tt.status || strings.Contains(body, `route="healthz"`) != tt.metrics {
			t.Errorf("%s: GET %s = %d (counts shown: %v), want %d (%v)", tt.name, tt.url, status,
				strings.Contains(body, `route="healthz"`), tt.status, tt.metrics)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"9090", "127.0.0.1:9090"}, {":9090", "127.0.0.1:9090"}, {"0.0.0.0:9090", "0.0.0.0:9090"}, {"[::1]:9090", "[::1]:9090"},
	} {
		if got := loopbackByDefault(tt.in); got != tt.want {
			t.Errorf("loopbackByDefault(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
