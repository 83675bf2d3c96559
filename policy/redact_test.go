package policy_test

import (
	"strings"
	"testing"

	"liaison"
	"liaison/policy"
)

func record() *liaison.IntelRecord {
	a, b := liaison.NewID(), liaison.NewID()
	return &liaison.IntelRecord{
		Title: "Precursor purchases",
		Narrative: "John Smith (DOB 1990-01-02, SSN 123-45-6789) drove ABC1234 to 742 Evergreen Terrace Ave. " +
			"He called +1 202 555 0143 and wrote to jsmith@example.com. Smith paid cash; VIN 1HGCM82633A004352.",
		Subjects: []liaison.Entity{
			{ID: a, Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "John Smith", "date_of_birth": "1990-01-02", "height": "180 cm"}},
			{ID: b, Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "ABC1234", "make": "Ford"}},
		},
		Links:     []liaison.Link{{From: a, To: b, Type: "uses"}},
		Predicate: "John Smith bought 40 kg of ammonium nitrate in cash.",
		TLP:       liaison.TLPAmber, Handling: liaison.H0,
	}
}

func TestRedactNoPII(t *testing.T) {
	r := record()
	before := r.Narrative
	got := policy.Redact(r, policy.NoPII)
	for _, secret := range []string{"John", "Smith", "1990-01-02", "123-45-6789", "ABC1234", "742 Evergreen", "555 0143", "jsmith@example.com", "1HGCM82633A004352"} {
		if strings.Contains(got.Narrative, secret) {
			t.Errorf("narrative still shows %q: %s", secret, got.Narrative)
		}
	}
	if strings.Contains(got.Predicate, "Smith") {
		t.Errorf("predicate still names the subject: %s", got.Predicate)
	}
	if got.Subjects[0].Attributes["name"] != policy.Masked || got.Subjects[1].Attributes["plate"] != policy.Masked {
		t.Errorf("identifiers kept: %+v", got.Subjects)
	}
	if got.Subjects[0].Attributes["height"] != "180 cm" || got.Subjects[1].Attributes["make"] != "Ford" {
		t.Errorf("non-identifying attributes lost: %+v", got.Subjects)
	}
	if !strings.Contains(got.Narrative, "paid cash") {
		t.Errorf("the substance of the narrative was lost: %s", got.Narrative)
	}
	if r.Narrative != before || r.Subjects[0].Attributes["name"] != "John Smith" {
		t.Fatal("Redact changed the original record")
	}
}

func TestRedactFullAndAssessment(t *testing.T) {
	r := record()
	full := policy.Redact(r, policy.Full)
	if full.Narrative != r.Narrative || full.Subjects[0].Attributes["name"] != "John Smith" {
		t.Fatal("full release changed the record")
	}
	full.Subjects[0].Attributes["name"] = "changed"
	if r.Subjects[0].Attributes["name"] != "John Smith" {
		t.Fatal("a full release shares maps with the original")
	}
	a := policy.Redact(r, policy.Assessment)
	if len(a.Subjects) != 0 || len(a.Links) != 0 || strings.Contains(a.Narrative, "Smith") {
		t.Fatalf("assessment carries identifying data: %+v", a)
	}
}

func TestSanitizeTextWords(t *testing.T) {
	got := policy.SanitizeText("Zoë met ZOË and zoëlle; Smith, smithson and SMITH.", []string{"Zoë Smith"})
	want := "[REDACTED] met [REDACTED] and zoëlle; [REDACTED], smithson and [REDACTED]."
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
