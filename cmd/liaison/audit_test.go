package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison/sqlite"
)

func TestAuditCLI(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			mustCLI(t, st, "demo")
			first := mustCLI(t, st, "audit", "checkpoint")
			if !strings.HasPrefix(first, "liaison audit log liaison-") {
				t.Fatalf("checkpoint printed %q", first)
			}
			key := strings.TrimSpace(mustCLI(t, st, "audit", "key"))
			mustCLI(t, st, "admin", "agency", "create", "--code", "NEW1", "--name", "New", "--kind", "local")
			second := mustCLI(t, st, "audit", "checkpoint")
			ok := mustCLI(t, st, "audit", "verify", "--key", key)
			if !strings.Contains(ok, "audit log OK") || !strings.Contains(ok, "2 signed checkpoints") {
				t.Fatalf("verify = %s", ok)
			}
			dir := t.TempDir()
			proof := mustCLI(t, st, "audit", "prove", "5")
			pf := filepath.Join(dir, "inclusion.json")
			if err := os.WriteFile(pf, []byte(proof), 0o644); err != nil {
				t.Fatal(err)
			}
			// Checking needs no database: only the file and the key.
			checked := mustCLI(t, store{}, "audit", "check", pf, "--key", key)
			if !strings.Contains(checked, "OK: entry 5 is in the signed log") {
				t.Fatalf("check = %s", checked)
			}
			sizes := func(cp string) string { return strings.Split(cp, "\n")[1] }
			cons := mustCLI(t, st, "audit", "consistency", sizes(first), sizes(second))
			cf := filepath.Join(dir, "consistency.json")
			_ = os.WriteFile(cf, []byte(cons), 0o644)
			if out := mustCLI(t, store{}, "audit", "check", cf, "--key", key); !strings.Contains(out, "extends") {
				t.Fatalf("consistency check = %s", out)
			}
			// Co-signing by an auditor's key.
			signerFile := filepath.Join(dir, "auditor.key")
			_ = os.WriteFile(signerFile, []byte(mustCLI(t, store{}, "audit", "key", "--new", "auditor-x")), 0o600)
			cosigned := mustCLI(t, st, "audit", "cosign", sizes(second), "--signer-key", signerFile)
			if strings.Count(cosigned, "\n— ") != 2 {
				t.Fatalf("co-signed checkpoint:\n%s", cosigned)
			}
			if out := mustCLI(t, st, "audit", "query", "--action", "mfa.", "--json"); !strings.Contains(out, `"mfa.enrol"`) {
				t.Fatalf("audit query: %.300s", out)
			}
			if out := mustCLI(t, st, "audit", "review"); !strings.Contains(out, "To review") {
				t.Fatalf("audit review: %.300s", out)
			}
			// A stranger's key does not verify this log.
			stranger := strings.Fields(mustCLI(t, store{}, "audit", "key", "--new", "liaison-stranger"))[1]
			if out, _, err := cli(t, st, "audit", "verify", "--key", stranger); err == nil || !strings.Contains(out, "BROKEN") {
				t.Fatalf("verify with a stranger's key = %v\n%s", err, out)
			}
		})
	}
}

func TestAuditVerifyNamesTheFirstBadIndex(t *testing.T) {
	data := t.TempDir()
	st := store{flags: []string{"--data", data}}
	mustCLI(t, st, "demo")
	mustCLI(t, st, "audit", "checkpoint")
	s, err := sqlite.Open(context.Background(), data, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("UPDATE audit_events SET outcome = 'failure' WHERE idx = 12"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out, _, err := cli(t, st, "audit", "verify")
	if err == nil || !strings.Contains(out, "first bad index: 12") || !strings.Contains(out, "search columns") {
		t.Fatalf("verify after tampering with the search columns = %v\n%s", err, out)
	}
	s, _ = sqlite.Open(context.Background(), data, sqlite.Options{})
	_, _ = s.DB().Exec("UPDATE audit_events SET outcome = 'success' WHERE idx = 12")
	_, _ = s.DB().Exec("UPDATE audit_events SET entry = CAST(replace(CAST(entry AS TEXT), 'demo', 'DEMO') AS BLOB) WHERE idx = 20")
	s.Close()
	out, _, err = cli(t, st, "audit", "verify")
	if err == nil || !strings.Contains(out, "first bad index: 20") || !strings.Contains(out, "altered") {
		t.Fatalf("verify after altering entry 20 = %v\n%s", err, out)
	}
	s, _ = sqlite.Open(context.Background(), data, sqlite.Options{})
	_, _ = s.DB().Exec("UPDATE audit_events SET entry = CAST(replace(CAST(entry AS TEXT), 'DEMO', 'demo') AS BLOB) WHERE idx = 20")
	_, _ = s.DB().Exec("DELETE FROM audit_events WHERE idx >= 60")
	s.Close()
	out, _, err = cli(t, st, "audit", "verify", "--json")
	if err == nil || !strings.Contains(out, `"first_bad_index": 60`) || !strings.Contains(out, "truncated") {
		t.Fatalf("verify after truncation = %v\n%s", err, out)
	}
}
