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

// TestRedactByFieldType: every field of a record is classed. Titles and
// every free-text field are sanitised like the narrative; attribute keys
// not known to be safe are masked; every part of a name goes, however
// often and in whatever field it appears.
func TestRedactByFieldType(t *testing.T) {
	a := liaison.NewID()
	r := &liaison.IntelRecord{
		Title:     "Anna-Maria Kowalczyk-Brennan seen at the depot",
		Narrative: "Kowalczyk-Brennan arrived. Later Kowalczyk alone returned; Brennan drove 7-XYZ-12 and ABC1234.",
		Predicate: "Anna bought detonators; Brennan paid.",
		Subjects: []liaison.Entity{{ID: a, Kind: liaison.EntityPerson, Attributes: map[string]string{
			"name": "Anna-Maria Kowalczyk-Brennan", "surname": "Kowalczyk-Brennan", "birth_date": "1984-02-29",
			"phone_number": "+1 555 010 9999", "license_plate": "7-XYZ-12", "passport_no": "P9988776",
			"tattoo_desc": "rose on left wrist", "make": "Ford", "description": "Kowalczyk wore a red coat",
		}}},
		Restriction:  "Ask before telling Brennan's employer",
		ReviewReason: "Kowalczyk still active",
		TLP:          liaison.TLPAmber, Handling: liaison.H3,
	}
	got := policy.Redact(r, policy.NoPII)
	text := strings.Join([]string{got.Title, got.Narrative, got.Predicate, got.Restriction, got.ReviewReason,
		got.Subjects[0].Attributes["description"]}, " | ")
	for _, secret := range []string{"Anna", "Maria", "Kowalczyk", "Brennan", "7-XYZ-12", "ABC1234", "1984-02-29", "P9988776"} {
		if strings.Contains(text, secret) {
			t.Errorf("free text still shows %q: %s", secret, text)
		}
	}
	for k, v := range got.Subjects[0].Attributes {
		switch k {
		case "make":
			if v != "Ford" {
				t.Errorf("safe attribute %s = %q, want Ford", k, v)
			}
		case "description":
			if !strings.Contains(v, "red coat") {
				t.Errorf("free-text attribute lost its substance: %q", v)
			}
		default:
			if v != policy.Masked {
				t.Errorf("attribute %s = %q, want masked", k, v)
			}
		}
	}
	if !strings.Contains(got.Title, "seen at the depot") || !strings.Contains(got.Narrative, "alone returned") {
		t.Errorf("the substance was lost: %q / %q", got.Title, got.Narrative)
	}
}

func TestRedactSAR(t *testing.T) {
	lat, lon := 40.1, -75.2
	r := &liaison.SAR{Title: "Li Wei photographing the substation", Narrative: "Wei took photos.", Why: "Li ran.",
		Corroboration: "Security saw Wei Li again on 2026-01-03 with plate KLM4455.",
		Where:         liaison.Place{Address: "12 Main Street", Lat: &lat, Lon: &lon}, AuthorID: liaison.NewID(),
		Involved: []liaison.Entity{{Kind: liaison.EntityPerson, Attributes: map[string]string{"full_name": "Li Wei", "vehicle_reg": "KLM4455"}}},
		History:  []liaison.SARTransition{{Reason: "Wei is known to us"}}}
	got := policy.RedactSAR(r, policy.NoPII)
	text := strings.Join([]string{got.Title, got.Narrative, got.Why, got.Corroboration, got.Where.Address}, " | ")
	for _, secret := range []string{"Li ", "Wei", "KLM4455", "2026-01-03", "12 Main"} {
		if strings.Contains(text, secret) {
			t.Errorf("report text still shows %q: %s", secret, text)
		}
	}
	if got.Where.Lat != nil || got.AuthorID != "" || got.History != nil {
		t.Errorf("coordinates, author or history kept: %+v", got)
	}
	if got.Involved[0].Attributes["vehicle_reg"] != policy.Masked {
		t.Errorf("unlisted identifier kept: %v", got.Involved[0].Attributes)
	}
	if full := policy.RedactSAR(r, policy.Full); full.Title != r.Title || full.Where.Lat == nil {
		t.Errorf("a full release changed the report: %+v", full)
	}
}

func TestSanitizeTextLeavesProse(t *testing.T) {
	in := "Handling H2 applies; COVID-19 closed the site for 10 days in 2025."
	if got := policy.SanitizeText(in, nil); got != in {
		t.Fatalf("prose was masked:\n got %q\nwant %q", got, in)
	}
}

// TestRedactFoldsAndEveryFreeTextField: withheld names go whatever their
// accents or case; link types, the sensitivity and safe attribute values
// are sanitised too; the people named on and reviewing the record are not
// released; more identifier shapes are masked.
func TestRedactFoldsAndEveryFreeTextField(t *testing.T) {
	a, b := liaison.NewID(), liaison.NewID()
	r := &liaison.IntelRecord{
		Title:     "Zoe Muller and ZOË at the depot",
		Narrative: "MÜLLER called 555-0199 on March 3, 1985 from 221B Baker Street.",
		Subjects: []liaison.Entity{
			{ID: a, Kind: liaison.EntityPerson, Attributes: map[string]string{"name": "Zoë Müller"}},
			{ID: b, Kind: liaison.EntityVehicle, Attributes: map[string]string{"model": "Muller's own", "make": "Ford"}},
		},
		Links:       []liaison.Link{{From: a, To: b, Type: "driven by Müller"}},
		Sensitivity: "source close to Zoë",
		Recipients:  []liaison.ID{liaison.NewID()}, ReviewedBy: liaison.NewID(),
		TLP: liaison.TLPRed, Handling: liaison.H0,
	}
	got := policy.Redact(r, policy.NoPII)
	text := strings.Join([]string{got.Title, got.Narrative, got.Links[0].Type, got.Sensitivity, got.Subjects[1].Attributes["model"]}, " | ")
	for _, secret := range []string{"Zoe", "ZOË", "Zoë", "Muller", "MÜLLER", "Müller", "555-0199", "March 3, 1985", "221B Baker"} {
		if strings.Contains(text, secret) {
			t.Errorf("still shows %q: %s", secret, text)
		}
	}
	if got.Subjects[1].Attributes["make"] != "Ford" || !strings.Contains(got.Title, "at the depot") {
		t.Errorf("the substance was lost: %q %v", got.Title, got.Subjects[1].Attributes)
	}
	if got.Recipients != nil || got.ReviewedBy != "" {
		t.Errorf("the people named and the reviewer were released: %v %q", got.Recipients, got.ReviewedBy)
	}
}
