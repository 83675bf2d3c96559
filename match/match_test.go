package match_test

import (
	"math"
	"testing"

	"liaison/match"
)

func TestNormalise(t *testing.T) {
	for in, want := range map[string]string{"abc-123": "ABC123", "clm 4471": "CLM4471", "O1I-99": "01199"} {
		if got := match.Plate(in); got != want {
			t.Errorf("Plate(%q) = %q, want %q", in, got, want)
		}
	}
	for _, p := range []string{"+1 (202) 555-0143", "202.555.0143", "001 202 555 0143", "1-202-555-0143"} {
		if got := match.Phone(p); got != "2025550143" {
			t.Errorf("Phone(%q) = %q", p, got)
		}
	}
	if match.Name("Smith, Zoë") != match.Name("zoe SMITH") {
		t.Errorf("names: %q vs %q", match.Name("Smith, Zoë"), match.Name("zoe SMITH"))
	}
}

func TestJaroWinkler(t *testing.T) {
	// Reference values from Winkler's papers and common implementations.
	for _, c := range []struct {
		a, b string
		want float64
	}{{"martha", "marhta", 0.9611}, {"dwayne", "duane", 0.84}, {"dixon", "dicksonx", 0.8133}, {"abc", "abc", 1}, {"abc", "xyz", 0}} {
		if got := match.JaroWinkler(c.a, c.b); math.Abs(got-c.want) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", c.a, c.b, got, c.want)
		}
	}
}

func TestSamePerson(t *testing.T) {
	tests := []struct {
		a, b match.Person
		want bool
	}{
		{match.Person{"Daniel Marsh", "1988-07-14"}, match.Person{"Marsh, Daniel", "1988-07-14"}, true},
		{match.Person{"Daniel Marsh", "1988-07-14"}, match.Person{"Danial Marsh", "1988-07-41"}, true}, // typo and swapped digits
		{match.Person{"Daniel Marsh", "1988-07-14"}, match.Person{"Daniel Marsh", "1979-03-02"}, false},
		{match.Person{"Daniel Marsh", "1988-07-14"}, match.Person{"Evan Cole", "1988-07-14"}, false},
		{match.Person{"Daniel Marsh", ""}, match.Person{"Daniel Marsh", "1988-07-14"}, true},
	}
	for _, tt := range tests {
		if got, score := match.SamePerson(tt.a, tt.b, 0.9); got != tt.want {
			t.Errorf("SamePerson(%v, %v) = %v (%.3f), want %v", tt.a, tt.b, got, score, tt.want)
		}
	}
}

func TestSerialAndAddress(t *testing.T) {
	if got := match.Serial("abc-12 345/x"); got != "ABC12345X" {
		t.Fatalf("Serial = %q", got)
	}
	same := [][2]string{
		{"1600 Pennsylvania Avenue, N.W.", "1600 PENNSYLVANIA AVE NW"},
		{"12 Rue de l'Église", "12 RUE DE LEGLISE"},
		{"400 Main Street #5", "400 main st apartment 5"},
	}
	for _, p := range same {
		if a, b := match.Address(p[0]), match.Address(p[1]); a != b {
			t.Errorf("Address(%q) = %q, Address(%q) = %q", p[0], a, p[1], b)
		}
	}
	if match.Address("400 Main Street") == match.Address("400 Main Avenue") {
		t.Fatal("street and avenue must differ")
	}
}

func TestNameSimilarityWordByWord(t *testing.T) {
	if s := match.NameSimilarity("lachlan salt", "lachlan zilm"); s >= 0.9 {
		t.Fatalf("different surnames scored %.3f", s)
	}
	if s := match.NameSimilarity("Green, Alexander", "alexaner green"); s < 0.95 {
		t.Fatalf("reordered, misspelt name scored %.3f", s)
	}
	if ok, _ := match.SamePerson(match.Person{Name: "white"}, match.Person{Name: "georgia white", DOB: "1974-04-05"}, 0.9); ok {
		t.Fatal("a lone surname without a DOB matched")
	}
	if ok, _ := match.SamePerson(match.Person{Name: "white", DOB: "1974-04-05"}, match.Person{Name: "georgia white", DOB: "1974-04-05"}, 0.9); !ok {
		t.Fatal("a lone surname with the same DOB did not match")
	}
}
