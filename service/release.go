package service

import (
	"context"
	"math"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
)

// Release is one thing: every item that leaves the service (a get, a
// list, a queue, versions, a graph, an assessment, a search result) is
// built by Service.release from the live item, fresh from the store in the
// read's transaction. It decides the item for the reader, redacts it by
// field type as decided (policy.Redact, policy.RedactSAR), writes a
// dissemination-ledger row for every release outside the item's
// originating agency and one audit entry that names every released item
// (liaison.AuditObjectsDetail, which the stores index like ObjectID, so
// "who received record X" finds reads through lists, searches and graphs
// too). The released types below can be built only in this file: their
// content sits in unexported embedded fields, so a read path elsewhere
// cannot hand out a record or a report without going through release.

type (
	intelRecord = liaison.IntelRecord
	sarReport   = liaison.SAR
)

// ReleasedRecord is an intelligence record in the form release let it
// leave the service. Its fields read as the record's; only release builds one.
type ReleasedRecord struct {
	*intelRecord
	redaction policy.Redaction
}

// Redaction is the form the record was released in.
func (r *ReleasedRecord) Redaction() policy.Redaction { return r.redaction }

// ReleasedSAR is a suspicious activity report in the form release let it
// leave the service. Its fields read as the report's; only release builds one.
type ReleasedSAR struct {
	*sarReport
	redaction policy.Redaction
}

// Redaction is the form the report was released in.
func (r *ReleasedSAR) Redaction() policy.Redaction { return r.redaction }

// Copy returns a copy of the report as released, for a dry run of a
// vetting step on it; it holds nothing the release did not.
func (r *ReleasedSAR) Copy() liaison.SAR { return *r.sarReport }

// liveItem is one item read from the store in the releasing transaction:
// a record or a report (exactly one is set).
type liveItem struct {
	rec *liaison.IntelRecord
	sar *liaison.SAR
}

func (it liveItem) id() liaison.ID {
	if it.rec != nil {
		return it.rec.ID
	}
	return it.sar.ID
}

// releaseRequest is who reads, how and why, and how the read is audited.
type releaseRequest struct {
	sub       *policy.Subject
	action    policy.Action
	purpose   liaison.Purpose
	emergency bool
	// at most caps the form of the release (an assessment is never fuller
	// than policy.Assessment); "" means as decided.
	atMost policy.Redaction
	// audit is the audit action (intel.read, intel.list, search...); object
	// and objectType name what a one-item read asked for, so that a miss
	// and a refusal are audited alike, naming it.
	audit      string
	objectType string
	object     liaison.ID
	one        bool // a one-item read, audited as denied when it releases nothing, even for an id that is not one
	reason     string
	details    map[string]string
	// versions, when set, are released in the form decided for rec (the
	// record's latest labels decide for every version).
	versions []*liaison.IntelRecord
}

// released is one allowed item in its released form, with its decision.
type released struct {
	record   *ReleasedRecord
	sar      *ReleasedSAR
	versions []*ReleasedRecord
	dec      policy.Decision
}

// redactionRank orders plans from fullest (0) to least.
func redactionRank(p policy.Redaction) int {
	switch p {
	case policy.Full:
		return 0
	case policy.NoPII:
		return 1
	}
	return 2
}

// decideItem decides one live item for the request. A report before it is
// shared is its agency's and its vetting chain's (decideSARView); every
// other read asks the decision point.
func (s *Service) decideItem(rq releaseRequest, it liveItem) policy.Decision {
	if it.sar != nil {
		v := s.decideSAR(rq.sub, rq.sub.User, it.sar, rq.purpose, rq.action)
		if !v.allow {
			return policy.Decision{Reason: v.text}
		}
		return policy.Decision{Allow: true, Redaction: v.plan, Reason: v.text}
	}
	return s.Policy.Decide(policy.Request{Subject: rq.sub, Action: rq.action, Resource: resourceOf(it.rec), Purpose: rq.purpose,
		Emergency: rq.emergency, Now: s.now()})
}

// release decides each live item for the reader, redacts every allowed
// one as decided, and writes in tx the read's one audit entry and its
// ledger rows. It returns the allowed items' released forms, in order. A
// one-item read (rq.object set) that releases nothing is audited as denied
// whether the item was hidden or missing, so the two cost and look alike.
func (s *Service) release(ctx context.Context, tx liaison.Tx, rq releaseRequest, items []liveItem) ([]released, error) {
	out, rc := s.prepareRelease(ctx, rq, items)
	if err := s.writeRelease(ctx, tx, rc); err != nil {
		return nil, err
	}
	return out, nil
}

// releaseReceipt is a prepared release's audit entry and ledger rows, to
// be written by writeRelease in the transaction that hands the items over.
type releaseReceipt struct {
	event  *liaison.AuditEvent
	ids    []string
	ledger []*liaison.Dissemination
}

// name adds an item handed over outside release's forms (a case in a
// search, which only its lead agency and grant holders see) to the entry.
func (rc *releaseReceipt) name(id liaison.ID) { rc.ids = append(rc.ids, id) }

// prepareRelease is release without the writing: it decides and redacts
// the items and prepares the receipt. Search reads in a read-only
// transaction and writes the receipt with its pointers (recordSearch);
// every other read calls release.
func (s *Service) prepareRelease(ctx context.Context, rq releaseRequest, items []liveItem) ([]released, *releaseReceipt) {
	u := rq.sub.User
	now := s.now()
	e := liaison.NewAuditEvent(ctx, now, rq.audit, rq.objectType, rq.object)
	if rq.reason != "" {
		e.Reason = rq.reason
	} else if rq.purpose != "" {
		e.Reason = string(rq.purpose)
	}
	e.Details = map[string]string{}
	for k, v := range rq.details {
		e.Details[k] = v
	}
	rc := &releaseReceipt{event: e}
	var out []released
	var decisions []string
	for _, it := range items {
		dec := s.decideItem(rq, it)
		decisions = append(decisions, decisionText(dec))
		if !dec.Allow {
			continue
		}
		if rq.atMost != "" && redactionRank(rq.atMost) > redactionRank(dec.Redaction) {
			dec.Redaction = rq.atMost
		}
		r := released{dec: dec}
		var labels liaison.Labels
		var kind string
		if it.rec != nil {
			r.record = &ReleasedRecord{intelRecord: policy.Redact(it.rec, dec.Redaction), redaction: dec.Redaction}
			for _, v := range rq.versions {
				r.versions = append(r.versions, &ReleasedRecord{intelRecord: policy.Redact(v, dec.Redaction), redaction: dec.Redaction})
			}
			kind, labels = "intel", liaison.Labels{TLP: string(it.rec.TLP), Handling: string(it.rec.Handling),
				Sensitivity: it.rec.Sensitivity, Originator: it.rec.Originator}
		} else {
			r.sar = &ReleasedSAR{sarReport: policy.RedactSAR(it.sar, dec.Redaction), redaction: dec.Redaction}
			kind, labels = "sar", liaison.Labels{TLP: string(it.sar.TLP), Originator: it.sar.AgencyID}
		}
		out = append(out, r)
		rc.ids = append(rc.ids, it.id())
		if labels.Originator != u.AgencyID {
			rc.ledger = append(rc.ledger, &liaison.Dissemination{ID: liaison.NewID(), At: now, ItemKind: kind, ItemID: it.id(),
				RecipientUserID: u.ID, RecipientAgencyID: u.AgencyID, Purpose: rq.purpose, Redacted: dec.Redaction != policy.Full,
				Labels: labels, AuditEventID: e.ID})
		}
	}
	if rq.one || rq.object != "" {
		switch {
		case len(items) == 0:
			e.Decision = "deny: no such item"
		case len(items) == 1:
			e.Decision = decisions[0]
		}
		if len(out) == 0 {
			e.Outcome = liaison.OutcomeDenied
		}
	} else {
		e.Details["candidates"] = itoa(len(items))
	}
	return out, rc
}

// writeRelease writes a prepared release's audit entry, naming every item
// it released, and its ledger rows, in tx.
func (s *Service) writeRelease(ctx context.Context, tx liaison.Tx, rc *releaseReceipt) error {
	e := rc.event
	if len(rc.ids) > 0 {
		e.Details[liaison.AuditObjectsDetail] = strings.Join(rc.ids, " ")
	}
	e.Details["released"] = itoa(len(rc.ids))
	if err := s.audit(ctx, tx, e); err != nil {
		return err
	}
	return tx.CreateDisseminations(ctx, rc.ledger)
}

// SearchResult is one item a search released, built by searchResult from
// the item's released form (release's output), here and nowhere else in
// the service. It stays a plain struct so that API clients can decode it.
type SearchResult struct {
	Kind       liaison.RecordKind `json:"kind"`
	ID         liaison.ID         `json:"id"`
	AgencyID   liaison.ID         `json:"agency_id"`
	Title      string             `json:"title"`
	Snippet    string             `json:"snippet"`
	Occurred   time.Time          `json:"occurred_at"`
	TLP        liaison.TLP        `json:"tlp,omitempty"`
	Handling   liaison.Handling   `json:"handling,omitempty"`
	State      string             `json:"state,omitempty"`
	Categories []string           `json:"categories,omitempty"`
	Redaction  policy.Redaction   `json:"redaction"`
	Score      float64            `json:"score"`
	Entities   []liaison.Entity   `json:"matched_entities,omitempty"` // subjects the words or identifier matched
}

// searchResult is an admitted item as release released it (a case, as
// its lead agency or a grant holder reads it).
func searchResult(c *liaison.SearchCandidate, li *searchItem, rel released, ps *parsedSearch) *SearchResult {
	r := &SearchResult{Kind: li.kind, ID: li.id, AgencyID: li.agency, Occurred: li.occurred, Redaction: rel.dec.Redaction,
		Score: math.Round(c.Score*1000) / 1000, Categories: li.categories}
	var text []string
	var subjects []liaison.Entity
	switch {
	case rel.sar != nil:
		sr := rel.sar
		r.Title, r.TLP, r.State = sr.Title, sr.TLP, string(sr.State)
		text = []string{sr.Narrative, sr.Why}
		subjects = sr.Involved
	case rel.record != nil:
		ir := rel.record
		r.Title, r.TLP, r.Handling = ir.Title, ir.TLP, ir.Handling
		text = []string{ir.Narrative, ir.Predicate}
		subjects = ir.Subjects
	case li.cs != nil:
		r.Title = li.cs.Title
		if rel.dec.Redaction != policy.Full {
			r.Title = policy.SanitizeText(r.Title, nil) // a grant without personal data: no identifier from the case's title either
		}
	}
	r.Snippet = snippet(text, ps.words, 240)
	r.Entities = matchedEntities(subjects, ps)
	return r
}
