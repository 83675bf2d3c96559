package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sarsCLI runs the sars command group over the store in dir.
func sarsCLI(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		data: dir, node: hostname()}
	cmd := e.sarsCmd()
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestSARsCommand(t *testing.T) {
	dir := t.TempDir()
	st := store{flags: []string{"--data", dir}}
	mustCLI(t, st, "admin", "agency", "create", "--code", "PD-SAR", "--name", "PD SAR", "--kind", "local")
	mustCLI(t, st, "admin", "user", "create", "--login", "o.sar", "--name", "Officer", "--email", "o@pd.example.gov",
		"--agency", "PD-SAR", "--role", "officer", "--sworn")

	for _, format := range []string{"csv", "json"} {
		gen, _, err := sarsCLI(t, dir, "gen", "30", "--seed", "7", "--format", format)
		if err != nil {
			t.Fatalf("gen --format %s: %v", format, err)
		}
		again, _, _ := sarsCLI(t, dir, "gen", "30", "--seed", "7", "--format", format)
		if gen != again {
			t.Fatalf("gen --format %s is not deterministic", format)
		}
		file := filepath.Join(t.TempDir(), "sars."+format)
		if err := os.WriteFile(file, []byte(gen), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := sarsCLI(t, dir, "import", file, "--as", "o.sar")
		if err != nil {
			t.Fatalf("import %s: %v\n%s", format, err, errOut)
		}
		if format == "csv" && !strings.Contains(out, "imported 30, skipped 0") {
			t.Fatalf("import %s printed:\n%s", format, out)
		}
		if format == "json" && !strings.Contains(out, "imported 0, skipped 30") { // the same reports as the CSV
			t.Fatalf("import %s printed:\n%s", format, out)
		}
		if !strings.Contains(errOut, "imported 30/30") {
			t.Fatalf("import %s progress:\n%s", format, errOut)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	_ = os.WriteFile(bad, []byte("title,narrative,why,when,address,lat,lon,categories\n"+
		"Good,n,w,2026-11-01,1 Main St,,,photography\n"+
		"Bad lat,n,w,2026-11-01,1 Main St,north,1,photography\n"+
		",n,w,2026-11-01,1 Main St,,,photography\n"), 0o644)
	out, _, err := sarsCLI(t, dir, "import", bad, "--as", "o.sar")
	if err != nil {
		t.Fatalf("import with bad rows: %v", err)
	}
	for _, want := range []string{"row 2\tlat\t", "row 3\ttitle\t", "imported 1, skipped 0 already filed, 2 row(s) with errors"} {
		if !strings.Contains(out, want) {
			t.Errorf("import report lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := sarsCLI(t, dir, "import", filepath.Join(dir, "missing.csv"), "--as", "o.sar"); err == nil {
		t.Error("importing a missing file succeeded")
	}

	exp, _, err := sarsCLI(t, dir, "export", "--as", "o.sar")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(exp, "\n"); lines < 32 { // header, 31 reports (narratives have no newlines)
		t.Errorf("export printed %d lines:\n%s", lines, exp)
	}
	if _, _, err := sarsCLI(t, dir, "export", "--as", "nobody"); err == nil {
		t.Error("export as an unknown user succeeded")
	}
}
