package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSearchCommand: liaison search answers as the API does, for the user
// --as, on both stores: the demo analyst finds what the policy allows and
// a pointer to Riverton PD, never the no-pointer record.
func TestSearchCommand(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			flags := be.open(t)
			mustCLI(t, flags, "demo")
			out := mustCLI(t, flags, "search", "Marsh", "--as", "analyst", "--purpose", "counterterrorism")
			if !strings.Contains(out, "Bulk ammonium nitrate purchases") || strings.Contains(out, "Undercover") ||
				!strings.Contains(out, "Pointers") || !strings.Contains(out, "Riverton Police Department") {
				t.Fatalf("search output:\n%s", out)
			}
			js := mustCLI(t, flags, "search", "--as", "analyst", "--identifier", "clm 4471", "--purpose", "counterterrorism", "--json")
			var resp struct {
				Results []struct{ Title string }
			}
			if err := json.Unmarshal([]byte(js), &resp); err != nil || len(resp.Results) == 0 {
				t.Fatalf("--json: %v\n%s", err, js)
			}
			if _, errOut, err := cli(t, flags, "search", "x", "--as", "analyst", "--kind", "operation"); err == nil || !strings.Contains(err.Error()+errOut, "kinds[0]") {
				t.Fatalf("bad kind: %v %s", err, errOut)
			}
			if _, _, err := cli(t, flags, "search", "Marsh"); err == nil || !strings.Contains(err.Error(), "--as") {
				t.Fatalf("without --as: %v", err)
			}
			re := mustCLI(t, flags, "search", "reindex")
			if !strings.Contains(re, "indexed") {
				t.Fatalf("reindex: %s", re)
			}
		})
	}
}
