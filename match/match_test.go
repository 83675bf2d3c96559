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
