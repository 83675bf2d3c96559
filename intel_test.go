package liaison_test

import (
	"strings"
	"testing"
	"time"

	"liaison"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func validRecord() *liaison.IntelRecord {
	a, b := liaison.NewID(), liaison.NewID()
	return &liaison.IntelRecord{
		Title:     "Procurement of precursor chemicals",
		Narrative: "Subject bought 40 kg of ammonium nitrate in cash at three stores.",
		Subjects: []liaison.Entity{
			{ID: a, Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "J. Doe", "date_of_birth": "1990-01-02"}},
			{ID: b, Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "ABC1234"}},
		},
		Links:            []liaison.Link{{From: a, To: b, Type: "uses"}},
		Predicate:        "Purchases consistent with preparing an explosive device (18 U.S.C. 844).",
		LawfulCollection: true,
		Grading:          liaison.Grading{Source: "B", Information: 2},
		TLP:              liaison.TLPAmber, Handling: liaison.H2,
		Originator: liaison.NewID(), ControlOfficial: liaison.NewID(), CaseID: liaison.NewID(),
		RetainUntil: now.AddDate(2, 0, 0),
	}
}

func TestIntelRecordRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *liaison.IntelRecord)
		field  string // "" when valid
	}{
		{"valid", func(*liaison.IntelRecord) {}, ""},
		{"no predicate", func(r *liaison.IntelRecord) { r.Predicate = "" }, "criminal_predicate"},
		{"token predicate", func(r *liaison.IntelRecord) { r.Predicate = "suspicious" }, "criminal_predicate"},
		{"no attestation", func(r *liaison.IntelRecord) { r.LawfulCollection = false }, "lawful_collection_attested"},
		{"First Amendment field without a tie", func(r *liaison.IntelRecord) {
			r.Subjects[0].Attributes["mosque_attended"] = "Central Mosque"
			r.Subjects[0].FirstAmendment = []string{"mosque_attended"}
		}, "first_amendment_tie"},
		{"First Amendment field with a tie", func(r *liaison.IntelRecord) {
			r.Subjects[0].Attributes["group"] = "Local militia chapter"
			r.Subjects[0].FirstAmendment = []string{"group"}
			r.FirstAmendmentTie = "The chapter's leader directed the purchases recorded in the predicate."
		}, ""},
		{"First Amendment marker on a missing field", func(r *liaison.IntelRecord) {
			r.Subjects[0].FirstAmendment = []string{"religion"}
			r.FirstAmendmentTie = "The chapter's leader directed the purchases recorded in the predicate."
		}, "subjects[0].first_amendment_fields"},
		{"unknown entity kind", func(r *liaison.IntelRecord) { r.Subjects[1].Kind = "spaceship" }, "subjects[1].kind"},
		{"link to a stranger", func(r *liaison.IntelRecord) { r.Links[0].To = liaison.NewID() }, "links[0]"},
		{"bad grading", func(r *liaison.IntelRecord) { r.Grading = liaison.Grading{Source: "G", Information: 2} }, "grading.source"},
		{"bad TLP", func(r *liaison.IntelRecord) { r.TLP = "PURPLE" }, "tlp"},
		{"RED without recipients", func(r *liaison.IntelRecord) { r.TLP = liaison.TLPRed }, "recipients"},
		{"H3 without its restriction", func(r *liaison.IntelRecord) { r.Handling = liaison.H3 }, "handling_restriction"},
		{"retention over five years", func(r *liaison.IntelRecord) { r.RetainUntil = now.AddDate(5, 1, 0) }, "retain_until"},
		{"retention in the past", func(r *liaison.IntelRecord) { r.RetainUntil = now.Add(-time.Hour) }, "retain_until"},
		{"no case", func(r *liaison.IntelRecord) { r.CaseID = "" }, "case_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRecord()
			tt.change(r)
			err := r.Validate(now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid record refused: %v", err)
				}
				return
			}
			if liaison.ErrorCode(err) != liaison.EINVALID {
				t.Fatalf("error = %v, want invalid", err)
			}
			found := false
			for _, f := range liaison.ErrorFields(err) {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Fatalf("fields = %+v, want %q", liaison.ErrorFields(err), tt.field)
			}
		})
	}
}

func TestGradingAndLabels(t *testing.T) {
	g, err := liaison.GradingFrom3x5x2(2, 3)
	if err != nil || g != (liaison.Grading{Source: "C", Information: 3}) {
		t.Fatalf("3x5x2 (2,3) = %+v, %v", g, err)
	}
	if _, err := liaison.GradingFrom3x5x2(4, 6); err == nil || !strings.Contains(err.Error(), "source") {
		t.Fatalf("3x5x2 out of range: %v", err)
	}
	for in, want := range map[string]liaison.TLP{"TLP:AMBER+STRICT": liaison.TLPAmberStrict, "tlp:red": liaison.TLPRed, " green ": liaison.TLPGreen} {
		if got, ok := liaison.ParseTLP(in); !ok || got != want {
			t.Errorf("ParseTLP(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := liaison.ParseTLP("WHITE"); ok {
		t.Error("TLP 1.0 WHITE accepted as a 2.0 level")
	}
	if liaison.TLPClear.Rank() >= liaison.TLPGreen.Rank() || liaison.TLPAmberStrict.Rank() >= liaison.TLPRed.Rank() {
		t.Error("TLP ranks out of order")
	}
}
