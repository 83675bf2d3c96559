package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
		if !strings.Contains(errOut, "read 30 rows, 100% of the file\n") || strings.Count(errOut, "read 30 rows") != 1 {
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
	wrong := filepath.Join(t.TempDir(), "wrong.csv")
	_ = os.WriteFile(wrong, []byte("name,text\nx,y\n"), 0o644)
	if out, _, err := sarsCLI(t, dir, "import", wrong, "--as", "o.sar"); err == nil || !strings.Contains(err.Error(), `no "title" column`) || out != "" {
		t.Errorf("a file with the wrong header: %v\n%s", err, out)
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

// TestSARsImportJSONAcrossBatches imports a generated JSON file of three
// batches in which some reports were spoiled: the report names exactly
// those rows, the others are filed, and importing it again files nothing.
func TestSARsImportJSONAcrossBatches(t *testing.T) {
	dir := t.TempDir()
	st := store{flags: []string{"--data", dir}}
	mustCLI(t, st, "admin", "agency", "create", "--code", "PD-JS", "--name", "PD JS", "--kind", "local")
	mustCLI(t, st, "admin", "user", "create", "--login", "o.js", "--name", "Officer", "--email", "o@js.example.gov",
		"--agency", "PD-JS", "--role", "officer", "--sworn")

	gen, _, err := sarsCLI(t, dir, "gen", "1100", "--seed", "3", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var reports []map[string]any
	if err := json.Unmarshal([]byte(gen), &reports); err != nil {
		t.Fatal(err)
	}
	spoil := map[int]string{ // row -> the field named
		2:    "title",
		500:  "when",
		501:  "where.lat",
		1000: "categories[0]",
		1100: "title",
	}
	for row, field := range spoil {
		r := reports[row-1]
		switch field {
		case "title":
			r["title"] = 42.0
		case "when":
			r["when"] = "yesterday"
		case "where.lat":
			r["where"].(map[string]any)["lat"] = 123.0
		case "categories[0]":
			r["categories"] = []string{"loitering"}
		}
	}
	b, _ := json.Marshal(reports)
	file := filepath.Join(t.TempDir(), "spoiled.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := sarsCLI(t, dir, "import", file, "--as", "o.js")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "row ") {
			f := strings.Split(line, "\t")
			rows = append(rows, f[0]+" "+f[1])
		}
	}
	want := []string{"row 2 title", "row 500 when", "row 501 where.lat", "row 1000 categories[0]", "row 1100 title"}
	if strings.Join(rows, ", ") != strings.Join(want, ", ") {
		t.Errorf("rows reported:\ngot  %v\nwant %v\n%s", rows, want, out)
	}
	if !strings.Contains(out, "imported 1095, skipped 0 already filed, 5 row(s) with errors") {
		t.Errorf("import printed:\n%s", out)
	}
	if !strings.Contains(errOut, "read 1100 rows, 100% of the file") {
		t.Errorf("progress:\n%s", errOut)
	}
	out, _, err = sarsCLI(t, dir, "import", file, "--as", "o.js")
	if err != nil || !strings.Contains(out, "imported 0, skipped 1095 already filed, 5 row(s) with errors") {
		t.Errorf("re-import: %v\n%s", err, out)
	}

	exp, _, err := sarsCLI(t, dir, "export", "--as", "o.js", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal([]byte(exp), &back); err != nil || len(back) != 1095 {
		t.Errorf("export: %d reports, %v", len(back), err)
	}
}

func TestGenSarsAlias(t *testing.T) {
	var a, b bytes.Buffer
	for _, c := range []struct {
		args []string
		out  *bytes.Buffer
	}{{[]string{"gen", "sars", "3", "--format", "json"}, &a}, {[]string{"sars", "gen", "3", "--format", "json"}, &b}} {
		if err := run(context.Background(), c.args, func(string) string { return "" }, strings.NewReader(""), c.out, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if a.Len() == 0 || a.String() != b.String() {
		t.Fatalf("gen sars and sars gen differ:\n%s\n%s", a.String(), b.String())
	}
}
