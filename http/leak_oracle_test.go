package http_test

// The leak suite's oracle, written from the rules in docs/POLICY.md,
// DESIGN.md ("Rules the machine enforces") and issue 14's decisions, not
// from the code: it never calls policy.Decide.

import (
	"slices"

	"liaison"
)

// verdict is what a reader may get of an item.
type verdict int

const (
	hidden   verdict = iota // nothing: not its id, title, values or existence beyond a pointer
	redacted                // the item without identifying values
	full                    // the item with its identifying values
)

func (v verdict) String() string { return [...]string{"hidden", "redacted", "full"}[v] }

var tlpRank = map[liaison.TLP]int{liaison.TLPClear: 0, liaison.TLPGreen: 1, liaison.TLPAmber: 2, liaison.TLPAmberStrict: 3, liaison.TLPRed: 4}

// oracle decides what p may read of it for purpose.
func (w *leakWorld) oracle(p *leakPrincipal, it *leakItem, purpose liaison.Purpose) verdict {
	ag := w.agencies[p.agency]
	same := p.agency == agPD // every item is the police department's
	if it.kind == liaison.KindSAR && it.state != liaison.SARShared {
		// Before sharing: the originating agency and its vetting chain
		// (analysts of fusion centers and task forces sharing a community
		// with the originator, for reports awaiting step 2). Vetting is
		// their need-to-know; no purpose is asked.
		switch {
		case same:
			return full
		case it.state == liaison.SARReviewed && w.chainAnalyst(p):
			return full
		}
		return hidden
	}
	// need-to-know: a declared purpose (no case assignments in this world
	// reach beyond the originator's own staff).
	if purpose == "" {
		return hidden
	}
	// 28 CFR Part 23: criminal intelligence only to trained users.
	if it.kind == liaison.KindIntelligence && !p.trained {
		return hidden
	}
	grant, grantPII := w.hasGrant(p, it, purpose)
	named := slices.Contains(it.named, p.name)
	if it.tlp == liaison.TLPRed && !named && !grant {
		return hidden
	}
	if it.tlp == liaison.TLPAmberStrict && !same && !grant {
		return hidden
	}
	if ag.kind == liaison.AgencyPrivate && it.kind == liaison.KindIntelligence {
		return hidden
	}
	cover := w.covering(p, it, purpose)
	if ag.kind == liaison.AgencyPrivate && !same && !grant && !(cover != nil && cover.privt) {
		return hidden
	}
	if ag.kind == liaison.AgencyInternational && !same && !grant && !(cover != nil && cover.international) {
		return hidden
	}
	if same {
		return full
	}
	pii := grantPII || (cover != nil && cover.pii)
	if ag.kind == liaison.AgencyPrivate {
		pii = false // private partners always get the redacted form
	}
	allowed := grant || (cover != nil && tlpRank[it.tlp] <= tlpRank[liaison.TLPAmber]) ||
		(it.tlp == liaison.TLPRed && named)
	switch {
	case !allowed:
		return hidden
	case pii:
		return full
	}
	return redacted
}

// covering returns an agreement of p's agency in force that covers a
// community the item is shared to, its kind and the purpose.
func (w *leakWorld) covering(p *leakPrincipal, it *leakItem, purpose liaison.Purpose) *leakAgreement {
	var best *leakAgreement
	for i, a := range w.agencies[p.agency].agreements {
		if slices.Contains(it.shared, a.community) && slices.Contains(a.kinds, it.kind) && slices.Contains(a.purposes, purpose) {
			if best == nil || a.pii {
				best = &w.agencies[p.agency].agreements[i]
			}
		}
	}
	return best
}

func (w *leakWorld) hasGrant(p *leakPrincipal, it *leakItem, purpose liaison.Purpose) (ok, pii bool) {
	if p.name == "granted" && it.key == w.grantItem && purpose == liaison.PurposeCounterterrorism {
		return true, true
	}
	return false, false
}

// chainAnalyst: a trained analyst of a fusion center or task force that
// shares a community with the originating agency (issue 14).
func (w *leakWorld) chainAnalyst(p *leakPrincipal) bool {
	ag := w.agencies[p.agency]
	return p.trained && slices.Contains(p.roles, liaison.RoleAnalyst) && ag.inC1 &&
		(ag.kind == liaison.AgencyFusionCenter || ag.kind == liaison.AgencyTaskForce)
}

// mayPoint says whether a search by p that matches it, which p may not
// read, may answer with a pointer to it (issue 14, DESIGN rules 5 and 10):
// no pointers to TLP:RED or unshared reports; private partners never to
// criminal intelligence and only to what an agreement releases to private
// partners; international partners only where an agreement releases
// internationally. The answer "maybe" (false, false) is not asserted.
func (w *leakWorld) mayPoint(p *leakPrincipal, it *leakItem) (forbidden bool) {
	ag := w.agencies[p.agency]
	switch {
	case it.tlp == liaison.TLPRed:
		return true
	case it.kind == liaison.KindSAR && it.state != liaison.SARShared:
		return true
	case ag.kind == liaison.AgencyPrivate && it.kind == liaison.KindIntelligence:
		return true
	case ag.kind == liaison.AgencyPrivate && !w.releases(ag, it, func(a leakAgreement) bool { return a.privt }):
		return true
	case ag.kind == liaison.AgencyInternational && !w.releases(ag, it, func(a leakAgreement) bool { return a.international }):
		return true
	}
	return false
}

func (w *leakWorld) releases(ag *leakAgency, it *leakItem, flag func(leakAgreement) bool) bool {
	for _, a := range ag.agreements {
		if flag(a) && slices.Contains(a.kinds, it.kind) {
			return true
		}
	}
	return false
}
