package liaison

import (
	"slices"
	"strings"
)

// TLP is a Traffic Light Protocol 2.0 label: who may receive an item.
type TLP string

// TLP 2.0 levels, from widest to narrowest.
const (
	TLPClear       TLP = "CLEAR"        // no limit
	TLPGreen       TLP = "GREEN"        // the community
	TLPAmber       TLP = "AMBER"        // the recipient's organisation and its clients, need to know
	TLPAmberStrict TLP = "AMBER+STRICT" // the recipient's organisation only
	TLPRed         TLP = "RED"          // the named recipients only
)

// TLPs lists the levels from widest to narrowest.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// Rank orders levels: 0 for CLEAR up to 4 for RED; -1 if unknown.
func (t TLP) Rank() int { return slices.Index(TLPs, t) }

// ParseTLP accepts "TLP:AMBER+STRICT", "amber+strict" and the like.
func ParseTLP(s string) (TLP, bool) {
	t := TLP(strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(strings.ToUpper(s)), "TLP:")))
	return t, t.Rank() >= 0
}

// Handling is a Europol-style handling code.
type Handling string

// Handling codes.
const (
	H0 Handling = "H0" // law-enforcement use only
	H1 Handling = "H1" // not for judicial proceedings without permission
	H2 Handling = "H2" // no onward dissemination without permission
	H3 Handling = "H3" // other restrictions, stated in free text
)

// Handlings lists the handling codes.
var Handlings = []Handling{H0, H1, H2, H3}

// Grading is the Admiralty code: source reliability A-F and information
// credibility 1-6.
type Grading struct {
	Source      string `json:"source"`      // A (completely reliable) .. F (cannot be judged)
	Information int    `json:"information"` // 1 (confirmed) .. 6 (cannot be judged)
}

// Validate checks the grading's range.
func (g Grading) Validate(field string) error {
	var p Problems
	if len(g.Source) != 1 || g.Source[0] < 'A' || g.Source[0] > 'F' {
		p.Add(field+".source", "must be a source reliability from A (completely reliable) to F (cannot be judged)")
	}
	if g.Information < 1 || g.Information > 6 {
		p.Add(field+".information", "must be an information credibility from 1 (confirmed) to 6 (cannot be judged)")
	}
	return p.Err()
}

// GradingFrom3x5x2 maps the UK 3x5x2 grading onto the Admiralty code:
// source 1-3 (reliable, untested, not reliable) and intelligence 1-5
// (known directly .. suspected false).
func GradingFrom3x5x2(source, intelligence int) (Grading, error) {
	sources := map[int]string{1: "A", 2: "C", 3: "E"}
	infos := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
	var p Problems
	s, ok1 := sources[source]
	if !ok1 {
		p.Add("source", "3x5x2 source evaluation must be 1 (reliable), 2 (untested) or 3 (not reliable)")
	}
	i, ok2 := infos[intelligence]
	if !ok2 {
		p.Add("intelligence", "3x5x2 intelligence assessment must be 1 to 5")
	}
	if err := p.Err(); err != nil {
		return Grading{}, err
	}
	return Grading{Source: s, Information: i}, nil
}
