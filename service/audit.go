package service

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"liaison"
	auditlog "liaison/audit"
)

// requireAuditor fails unless the actor is an auditor or privacy officer
// (or the system, for the command line); refusals are audited.
func (s *Service) requireAuditor(ctx context.Context, action string) error {
	a := liaison.ActorFrom(ctx)
	switch {
	case a.User == nil && a.System != "":
		return nil
	case a.User == nil:
		return liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	case a.User.Has(liaison.RoleAuditor) || a.User.Has(liaison.RolePrivacyOfficer):
		return nil
	}
	return s.denied(ctx, action, "audit_log", "",
		liaison.Errorf(liaison.EFORBIDDEN, "only auditors and privacy officers may read the audit log"))
}

// filterDetails records an audit query's filter in its own audit entry.
func filterDetails(f liaison.AuditFilter) map[string]string {
	d := map[string]string{}
	add := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	add("user_id", f.UserID)
	add("agency_id", f.AgencyID)
	add("action", f.Action)
	add("object_type", f.ObjectType)
	add("object_id", f.ObjectID)
	add("outcome", f.Outcome)
	if !f.Since.IsZero() {
		d["since"] = f.Since.UTC().Format(time.RFC3339)
	}
	if !f.Until.IsZero() {
		d["until"] = f.Until.UTC().Format(time.RFC3339)
	}
	return d
}

// QueryAudit searches the audit log: "who accessed record X", "everything
// user U did last week". Auditors and privacy officers only; the query is
// itself an audit entry, written in the same transaction as the read.
func (s *Service) QueryAudit(ctx context.Context, f liaison.AuditFilter, p liaison.Page) ([]*liaison.AuditEvent, string, error) {
	if err := s.requireAuditor(ctx, "audit.query"); err != nil {
		return nil, "", err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return nil, "", liaison.FieldErrorf("until", "must be after since")
	}
	if p.After != "" {
		if n, err := strconv.ParseInt(p.After, 10, 64); err != nil || n < 0 {
			return nil, "", liaison.FieldErrorf("cursor", "is not a cursor this server gave out")
		}
	}
	if p.Limit < 0 || p.Limit > liaison.MaxPageSize {
		return nil, "", liaison.FieldErrorf("limit", "must be between 1 and %d", liaison.MaxPageSize)
	}
	p = p.Clamp()
	if err := s.sequence(ctx); err != nil {
		return nil, "", err
	}
	var out []*liaison.AuditEvent
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := liaison.NewAuditEvent(ctx, s.now(), "audit.query", "audit_log", "")
		e.Details = filterDetails(f)
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		var err error
		out, err = tx.ListAuditEvents(ctx, f, p)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) == p.Limit {
		next = strconv.FormatInt(out[len(out)-1].Index, 10)
	}
	return out, next, nil
}

// Review is the periodic audit review CJIS asks for (weekly): what
// happened in a window, and what a reviewer must look at: refusals,
// privileged acts, exports and reads of the audit log (Notable), and
// every release outside the originating agency (Releases, from the
// dissemination ledger). Routine reads and lists are only in Totals.
type Review struct {
	Since     time.Time                `json:"since"`
	Until     time.Time                `json:"until"`
	Totals    []liaison.ActionCount    `json:"totals"`
	Notable   []*liaison.AuditEvent    `json:"notable"`
	Releases  []*liaison.Dissemination `json:"releases"`
	Truncated bool                     `json:"truncated"` // more notable events or releases than listed
}

// reviewed are the acts a reviewer always sees, by exact action, besides
// every refused or failed act: privileged acts (the directory, accounts,
// permissions and credentials, grants, purges, emergency reads, signing
// keys, the search index), exports and reads of the audit log. A list or
// a read a page makes by itself (the home page lists agreements every
// time) is not among them.
var reviewed = []string{
	// The directory and permissions.
	"agency.create", "agency.update", "user.create", "user.update", "user.permissions",
	"community.create", "community.update", "community.members", "agreement.create", "agreement.update", "agreement.end",
	// Accounts and credentials.
	"account.lock", "account.unlock", "mfa.enrol", "mfa.reset", "password.change", "token.create", "token.revoke",
	// Access granted or taken away, records destroyed, the emergency exception.
	"access.decide", "grant.revoke", "intel.purge", "intel.assess",
	// Signing keys and the search index.
	"audit.checkpoint", "audit.cosign", "search.reindex",
	// Exports.
	"sar.export",
	// Reads of the audit log and the ledger.
	"audit.query", "audit.read", "audit.review", "audit.prove", "dissemination.query", "intel.purge.list", "intel.explain",
}

// AuditReview summarises the audit log between since and until (default:
// the last 7 days). Auditors and privacy officers only; audited.
func (s *Service) AuditReview(ctx context.Context, since, until time.Time) (*Review, error) {
	if err := s.requireAuditor(ctx, "audit.review"); err != nil {
		return nil, err
	}
	if until.IsZero() {
		until = s.now().Add(time.Microsecond) // up to and including now
	}
	if since.IsZero() {
		since = until.AddDate(0, 0, -7)
	}
	if !until.After(since) {
		return nil, liaison.FieldErrorf("until", "must be after since")
	}
	if err := s.sequence(ctx); err != nil {
		return nil, err
	}
	const limit = 500
	r := &Review{Since: since.UTC(), Until: until.UTC(), Notable: []*liaison.AuditEvent{}}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := liaison.NewAuditEvent(ctx, s.now(), "audit.review", "audit_log", "")
		e.Details = map[string]string{"since": r.Since.Format(time.RFC3339), "until": r.Until.Format(time.RFC3339)}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		var err error
		if r.Totals, err = tx.CountAuditActions(ctx, since, until); err != nil {
			return err
		}
		seen := map[int64]bool{}
		add := func(f liaison.AuditFilter) error {
			f.Since, f.Until = since, until
			evs, err := tx.ListAuditEvents(ctx, f, liaison.Page{Limit: limit})
			if err != nil {
				return err
			}
			r.Truncated = r.Truncated || len(evs) == limit
			for _, ev := range evs {
				if !seen[ev.Index] {
					seen[ev.Index] = true
					r.Notable = append(r.Notable, ev)
				}
			}
			return nil
		}
		for _, o := range []string{liaison.OutcomeFailure, liaison.OutcomeDenied} {
			if err := add(liaison.AuditFilter{Outcome: o}); err != nil {
				return err
			}
		}
		// Only the reviewed acts that happened are asked for, one exact action at a time.
		happened := map[string]bool{}
		for _, c := range r.Totals {
			happened[c.Action] = true
		}
		for _, a := range reviewed {
			if !happened[a] {
				continue
			}
			if err := add(liaison.AuditFilter{Action: a}); err != nil {
				return err
			}
		}
		if r.Releases, err = tx.ListDisseminations(ctx, liaison.DisseminationFilter{Since: since, Until: until}, liaison.Page{Limit: limit}); err != nil {
			return err
		}
		if r.Releases == nil {
			r.Releases = []*liaison.Dissemination{}
		}
		r.Truncated = r.Truncated || len(r.Releases) == limit
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(r.Notable, func(i, j int) bool { return r.Notable[i].Index < r.Notable[j].Index })
	return r, nil
}

// ListDisseminations reads the dissemination ledger. Auditors and privacy
// officers only; the read is audited.
func (s *Service) ListDisseminations(ctx context.Context, f liaison.DisseminationFilter, p liaison.Page) ([]*liaison.Dissemination, string, error) {
	if err := s.requireAuditor(ctx, "dissemination.query"); err != nil {
		return nil, "", err
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.Dissemination
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := liaison.NewAuditEvent(ctx, s.now(), "dissemination.query", "ledger", "")
		e.Details = map[string]string{"item_id": f.ItemID, "recipient_agency_id": f.RecipientAgencyID}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		var err error
		out, err = tx.ListDisseminations(ctx, f, p.Clamp())
		return err
	})
	return out, next(out, p, func(d *liaison.Dissemination) string { return d.ID }), err
}

// Checkpoints lists signed tree heads, newest first. They are public.
func (s *Service) Checkpoints(ctx context.Context, before int64, limit int) ([]*liaison.Checkpoint, error) {
	if limit <= 0 || limit > liaison.MaxPageSize {
		limit = liaison.DefaultPageSize
	}
	var out []*liaison.Checkpoint
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListCheckpoints(ctx, before, limit)
		return err
	})
	return out, err
}

// AuditKeys lists the checkpoint verifier keys this log has used. Public.
func (s *Service) AuditKeys(ctx context.Context) ([]string, error) {
	var out []string
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListAuditKeys(ctx)
		return err
	})
	return out, err
}

// SuppressBelow is the smallest count the transparency report shows;
// smaller non-zero counts could point at individuals and are withheld.
const SuppressBelow = 5

// TransparencyRow is one measure for one month; Count is nil when suppressed.
type TransparencyRow struct {
	Month      string `json:"month"`
	Measure    string `json:"measure"`
	Count      *int64 `json:"count"`
	Suppressed bool   `json:"suppressed"`
}

// Transparency is the public report: aggregate counts per month, and the
// signed checkpoints anyone can hold the operator to.
type Transparency struct {
	Generated     time.Time             `json:"generated_at"`
	Months        []string              `json:"months"`
	Measures      []string              `json:"measures"`
	Rows          []TransparencyRow     `json:"rows"`
	SuppressBelow int                   `json:"suppress_below"`
	Checkpoints   []*liaison.Checkpoint `json:"checkpoints"`
	VerifierKeys  []string              `json:"verifier_keys"`
}

// measure is one public figure and the exact acts it counts: audit
// entries of these actions (all of them when nil) with this outcome, and,
// for access decisions, with one of these request states. A page that
// lists acts (the review queue, the purge list) is an act of its own name
// and never moves a figure.
type measure struct {
	name    string
	actions []string
	outcome string
	states  []liaison.AccessRequestState
}

var measures = []measure{
	{name: "SARs received", actions: []string{"sar.submit", "tip.receive"}, outcome: liaison.OutcomeSuccess},
	{name: "SARs vetted", actions: []string{"sar.review", "sar.determine"}, outcome: liaison.OutcomeSuccess},
	{name: "SARs shared", actions: []string{"sar.share"}, outcome: liaison.OutcomeSuccess},
	{name: "SARs rejected", actions: []string{"sar.reject"}, outcome: liaison.OutcomeSuccess},
	{name: "Intelligence records created", actions: []string{"intel.create"}, outcome: liaison.OutcomeSuccess},
	{name: "Intelligence records reviewed", actions: []string{"intel.review"}, outcome: liaison.OutcomeSuccess},
	{name: "Intelligence records purged", actions: []string{"intel.purge"}, outcome: liaison.OutcomeSuccess},
	{name: "Access requests granted", actions: []string{"access.decide"}, outcome: liaison.OutcomeSuccess,
		states: []liaison.AccessRequestState{liaison.RequestApproved, liaison.RequestPartial}},
	{name: "Access requests denied", actions: []string{"access.decide"}, outcome: liaison.OutcomeSuccess,
		states: []liaison.AccessRequestState{liaison.RequestDenied}},
	{name: "Accesses refused by policy", outcome: liaison.OutcomeDenied},
}

// readEach are the counted actions whose entries are read one by one
// rather than counted: an access decision's state is in its entry, and a
// bulk submission names many reports in one entry.
var readEach = []string{"access.decide", "sar.submit"}

// closedAfter is how long after a month ends its figures are kept as
// final: an act that began before midnight may still be committing.
const closedAfter = time.Hour

// TransparencyReport builds the public report for the last months closed
// months; the current month, still moving, is never published. It needs
// no sign-in and shows no identifying data.
func (s *Service) TransparencyReport(ctx context.Context, months int) (*Transparency, error) {
	if months <= 0 || months > 36 {
		months = 12
	}
	now := s.now()
	current := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	start := current.AddDate(0, -months, 0)
	t := &Transparency{Generated: now, SuppressBelow: SuppressBelow, Rows: []TransparencyRow{}}
	for m := range months {
		t.Months = append(t.Months, start.AddDate(0, m, 0).Format("2006-01"))
	}
	for _, m := range measures {
		t.Measures = append(t.Measures, m.name)
	}
	if err := s.sequence(ctx); err != nil {
		return nil, err
	}
	figures := map[string]map[string]int64{}
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		for m := range months {
			from := start.AddDate(0, m, 0)
			month := from.Format("2006-01")
			s.closedMu.Lock()
			f, ok := s.closedMonths[month]
			s.closedMu.Unlock()
			if !ok {
				var err error
				if f, err = monthFigures(ctx, tx, from, from.AddDate(0, 1, 0)); err != nil {
					return err
				}
				if now.Sub(from.AddDate(0, 1, 0)) >= closedAfter {
					s.closedMu.Lock()
					if s.closedMonths == nil {
						s.closedMonths = map[string]map[string]int64{}
					}
					s.closedMonths[month] = f
					s.closedMu.Unlock()
				}
			}
			figures[month] = f
		}
		var err error
		if t.Checkpoints, err = tx.ListCheckpoints(ctx, 0, 24); err != nil {
			return err
		}
		t.VerifierKeys, err = tx.ListAuditKeys(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, month := range t.Months {
		for _, m := range measures {
			n := figures[month][m.name]
			row := TransparencyRow{Month: month, Measure: m.name}
			if n > 0 && n < SuppressBelow {
				row.Suppressed = true
			} else {
				row.Count = &n
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

// monthFigures counts every measure's acts in [from, until).
func monthFigures(ctx context.Context, tx liaison.Tx, from, until time.Time) (map[string]int64, error) {
	sum := map[string]int64{}
	counts, err := tx.CountAuditActions(ctx, from, until)
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		for _, m := range measures {
			if c.Outcome == m.outcome && (m.actions == nil || slices.Contains(m.actions, c.Action) && !slices.Contains(readEach, c.Action)) {
				sum[m.name] += c.Count
			}
		}
	}
	for _, action := range readEach {
		p := liaison.Page{Limit: liaison.MaxPageSize}
		for {
			evs, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{Action: action, Outcome: liaison.OutcomeSuccess, Since: from, Until: until}, p)
			if err != nil {
				return nil, err
			}
			for _, e := range evs {
				state := e.Details["state"]
				if state == "" {
					state = e.Decision // entries written before the state detail
				}
				for _, m := range measures {
					if m.outcome == e.Outcome && slices.Contains(m.actions, e.Action) &&
						(m.states == nil || slices.Contains(m.states, liaison.AccessRequestState(state))) {
						sum[m.name] += actsIn(e)
					}
				}
			}
			if len(evs) < p.Limit {
				break
			}
			p.After = strconv.FormatInt(evs[len(evs)-1].Index, 10)
		}
	}
	return sum, nil
}

// actsIn is how many objects an entry acts on: those its objects detail
// names, or the one in its ObjectID.
func actsIn(e *liaison.AuditEvent) int64 {
	if ids := strings.Fields(e.Details[liaison.AuditObjectsDetail]); len(ids) > 0 {
		slices.Sort(ids)
		return int64(len(slices.Compact(ids)))
	}
	return 1
}

// sequence appends queued audit entries to the log before a read of it.
func (s *Service) sequence(ctx context.Context) error {
	if _, err := auditlog.Sequence(ctx, s.Store); err != nil {
		s.Alert("audit", "sequencing audit entries failed: "+err.Error())
		return err
	}
	return nil
}

// SignCheckpoint signs the log's current tree head now. Auditors, privacy
// officers and admins; audited.
func (s *Service) SignCheckpoint(ctx context.Context) (*liaison.Checkpoint, error) {
	a := liaison.ActorFrom(ctx)
	if a.User != nil && !a.IsAdmin() && !a.User.Has(liaison.RoleAuditor) && !a.User.Has(liaison.RolePrivacyOfficer) {
		return nil, s.denied(ctx, "audit.checkpoint", "audit_log", "",
			liaison.Errorf(liaison.EFORBIDDEN, "only auditors, privacy officers and administrators may sign checkpoints"))
	} else if a.User == nil && a.System == "" {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	if s.Signer == nil {
		return nil, liaison.Errorf(liaison.EINTERNAL, "this node has no checkpoint signing key")
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "audit.checkpoint", "audit_log", ""))
	})
	if err != nil {
		return nil, err
	}
	c, err := auditlog.Checkpoint(ctx, s.Store, s.Signer)
	if err != nil {
		s.Alert("checkpoint", "signing an audit checkpoint failed: "+err.Error())
	}
	return c, err
}

// Cosign adds another party's signature to a checkpoint. Auditors only; audited.
func (s *Service) Cosign(ctx context.Context, size int64, cosigned, verifierKey string) (*liaison.Checkpoint, error) {
	if err := s.requireAuditor(ctx, "audit.cosign"); err != nil {
		return nil, err
	}
	c, err := auditlog.Cosign(ctx, s.Store, size, cosigned, verifierKey)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := liaison.NewAuditEvent(ctx, s.now(), "audit.cosign", "checkpoint", strconv.FormatInt(size, 10))
		e.Details = map[string]string{"verifier_key": verifierKey}
		return s.audit(ctx, tx, e)
	})
	return c, err
}

// ProveInclusion returns an inclusion proof for entry index in checkpoint
// size (latest if negative). It carries the entry, so auditors only; audited.
func (s *Service) ProveInclusion(ctx context.Context, index, size int64) (*auditlog.InclusionProof, error) {
	if err := s.requireAuditor(ctx, "audit.prove"); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		e := liaison.NewAuditEvent(ctx, s.now(), "audit.prove", "audit_entry", strconv.FormatInt(index, 10))
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return auditlog.ProveInclusion(ctx, s.Store, index, size)
}

// ProveConsistency returns a consistency proof between two checkpoints.
// It holds only hashes and signed tree heads, so it is public.
func (s *Service) ProveConsistency(ctx context.Context, oldSize, newSize int64) (*auditlog.ConsistencyProof, error) {
	return auditlog.ProveConsistency(ctx, s.Store, oldSize, newSize)
}
