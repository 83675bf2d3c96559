package http

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	auditlog "liaison/audit"
)

// The auditor's pages: search the audit log, open an entry and verify its
// inclusion proof against a signed checkpoint (the latest, or one pasted
// in), list the checkpoints and check that each extends the one before.
// Every page answers only those the service lets read the audit log
// (auditors and privacy officers); a refusal is audited by the service.
// Verdicts come from the audit package's own checks (CheckInclusion,
// CheckConsistency, which the `liaison audit check` command uses); the
// steps shown beside them only explain the verdict.

// auditPages lists the web UI routes of this area (see routeTable).
func (s *Server) auditPages() []route {
	return []route{
		uiPage("GET", "/audit", "ui.audit", authSession, s.auditSearchPage),
		uiPage("GET", "/audit/entries/{index}", "ui.audit.entry", authSession, s.auditEntryPage),
		uiPage("GET", "/audit/verify", "ui.audit.verify", authSession, s.auditVerifyPage),
		uiPage("POST", "/audit/verify", "ui.audit.verify.check", authSession, s.auditVerifySubmit),
		uiPage("GET", "/audit/consistency", "ui.audit.consistency", authSession, s.auditConsistencyPage),
		uiPage("GET", "/audit/checkpoints", "ui.audit.checkpoints", authSession, s.auditCheckpointsPage),
		uiPage("POST", "/audit/checkpoints", "ui.audit.checkpoint.sign", authSession, s.auditSignCheckpoint),
	}
}

func init() {
	registerFuncs(template.FuncMap{
		"auditShortHash": auditShortHash,
		"auditTime":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") },
		"auditDetails":   auditDetails,
	})
}

// auditShortHash abbreviates a base64 hash for tables; the full value is
// always shown beside it (in a disclosure).
func auditShortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12] + "…"
}

// auditDetail is one key and value of an entry's details, in key order.
type auditDetail struct{ Key, Value string }

func auditDetails(m map[string]string) []auditDetail {
	out := make([]auditDetail, 0, len(m))
	for k, v := range m {
		out = append(out, auditDetail{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// auditPageSize is how many entries one page of search results shows.
const auditPageSize = 50

// auditSearchForm is the search form as typed.
type auditSearchForm struct {
	User, Agency, Action, ObjectType, ObjectID, Outcome, Since, Until string
}

// auditName matches action and object type names: login.success, sar.
var auditName = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$`)

// auditWhen reads a date (UTC midnight) or an RFC 3339 time.
func auditWhen(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// auditSummary is the review card: the last seven days at a glance.
type auditSummary struct {
	Since, Until          time.Time
	Total, Denied, Failed int64
	Actions               []liaison.ActionCount // per action, busiest first
	Notable               []*liaison.AuditEvent // newest first, at most 10
	NotableCount          int
	Truncated             bool
	SinceDate             string // for links: the review window's first day
}

func (s *Server) auditSearchPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "user", "agency", "action", "object_type", "object_id", "outcome", "since", "until", "cursor"); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	searched := len(q) > 0
	// The last seven days' review reads the whole week of the log: the
	// landing page shows it; a search does not pay for it again.
	var sum *auditSummary
	var actions []string
	if searched {
		if err := s.svc.RequireAuditor(ctx, "audit.query"); err != nil {
			return err
		}
	} else {
		var err error
		if sum, actions, err = s.auditWeek(r); err != nil {
			return err
		}
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	agencies := make([]*liaison.Agency, 0, len(names))
	for id, n := range names {
		agencies = append(agencies, &liaison.Agency{ID: id, Name: n})
	}
	sort.Slice(agencies, func(i, j int) bool { return agencies[i].Name < agencies[j].Name })

	f := auditSearchForm{User: strings.TrimSpace(q.Get("user")), Agency: q.Get("agency"), Action: strings.TrimSpace(q.Get("action")),
		ObjectType: strings.TrimSpace(q.Get("object_type")), ObjectID: strings.TrimSpace(q.Get("object_id")), Outcome: q.Get("outcome"),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until"))}
	data := map[string]any{"Form": f, "Summary7": sum, "Agencies": agencies, "AgencyNames": names, "Actions": actions,
		"Outcomes": []string{liaison.OutcomeSuccess, liaison.OutcomeFailure, liaison.OutcomeDenied}, "Errors": map[string]string{}}
	data["Searched"] = searched
	if !searched {
		s.render(w, r, "audit-search.html", data)
		return nil
	}
	errs := newFormErrors()
	filter := liaison.AuditFilter{Action: f.Action, ObjectType: f.ObjectType, ObjectID: f.ObjectID, Outcome: f.Outcome, Newest: true}
	if f.User != "" {
		if liaison.ValidID(f.User) {
			filter.UserID = f.User
		} else if u, err := s.svc.FindUser(ctx, f.User); err == nil {
			filter.UserID = u.ID
			data["UserName"] = u.Name
		} else if liaison.ErrorCode(err) == liaison.ENOTFOUND || liaison.ErrorCode(err) == liaison.EINVALID {
			errs.add("audit-user", "User", "no user has the login “"+f.User+"”: type a login such as analyst, or a user id")
		} else {
			return err
		}
	}
	if f.Agency != "" {
		if _, ok := names[f.Agency]; !ok {
			errs.add("audit-agency", "Agency", "must be one of the agencies listed, or “Any agency”")
		}
		filter.AgencyID = f.Agency
	}
	if f.Action != "" && !auditName.MatchString(f.Action) {
		errs.add("audit-action", "Action", "must be an action such as login.success, or a prefix ending in a dot such as login. (lower-case letters, digits, _ and dots)")
	}
	if f.ObjectType != "" && !auditName.MatchString(f.ObjectType) {
		errs.add("audit-object-type", "Object type", "must be a type such as sar, intel or user (lower-case letters, digits, _ and dots)")
	}
	if len(f.ObjectID) > 200 {
		errs.add("audit-object-id", "Object id", "must be at most 200 characters: paste the id of one record, user or agency")
	}
	if f.Outcome != "" && f.Outcome != liaison.OutcomeSuccess && f.Outcome != liaison.OutcomeFailure && f.Outcome != liaison.OutcomeDenied {
		errs.add("audit-outcome", "Outcome", "must be success, failure or denied")
	}
	for _, d := range []struct {
		id, label, v string
		dst          *time.Time
	}{{"audit-since", "Since", f.Since, &filter.Since}, {"audit-until", "Until", f.Until, &filter.Until}} {
		if d.v == "" {
			continue
		}
		t, ok := auditWhen(d.v)
		if !ok {
			errs.add(d.id, d.label, "must be a date such as 2026-11-23, or a time such as 2026-11-23T08:00:00Z")
			continue
		}
		*d.dst = t
	}
	if errs.empty() {
		items, next, err := s.svc.QueryAudit(ctx, filter, liaison.Page{After: q.Get("cursor"), Limit: auditPageSize})
		for _, fe := range liaison.ErrorFields(err) {
			switch fe.Field {
			case "until":
				errs.add("audit-until", "Until", fe.Message+": pick an end later than the start")
			case "cursor":
				errs.add("audit-action", "Page", "the “next page” link is stale: search again from the first page")
			default:
				errs.add("audit-action", fe.Field, fe.Message)
			}
		}
		if err != nil && errs.empty() {
			return err
		}
		if errs.empty() {
			data["Items"] = items
			data["Cursor"] = q.Get("cursor")
			if next != "" {
				nq := url.Values{}
				for k, v := range q {
					nq[k] = v
				}
				nq.Set("cursor", next)
				data["Next"] = "/audit?" + nq.Encode()
			}
			if q.Get("cursor") != "" {
				fq := url.Values{}
				for k, v := range q {
					fq[k] = v
				}
				fq.Del("cursor")
				data["First"] = "/audit?" + fq.Encode()
			}
		}
	}
	if !errs.empty() {
		errs.into(data)
		w.WriteHeader(http.StatusBadRequest)
	}
	s.render(w, r, "audit-search.html", data)
	return nil
}

// auditSigner is one signature line of a checkpoint and what became of it.
type auditSigner struct {
	Name    string
	KeyHash string // 8 hex digits, as note key names show it
	Status  string // verified, unknown key, invalid signature
	OK      bool
}

// auditKey is a trusted verifier key, as the page lists it.
type auditKey struct {
	Name, KeyHash, Key string
	Current            bool
}

// auditCheckpointView is a checkpoint's note opened for display.
type auditCheckpointView struct {
	Note    string
	Origin  string
	Size    int64
	Root    string // base64, as the note signs it
	Signers []auditSigner
	// SigOK: at least one trusted key signed, and no signature by a
	// trusted key failed. SigProblem says otherwise.
	SigOK      bool
	SigProblem string
	Parsed     bool // the text is a Liaison checkpoint
}

// auditTrustedKeys lists the trusted verifier keys: every key this node's log has
// recorded (AuditKeys), the current one marked.
func (s *Server) auditTrustedKeys(ctx context.Context) ([]string, []auditKey, error) {
	keys, err := s.svc.AuditKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	current := ""
	if s.svc.Signer != nil {
		current = s.svc.Signer.VerifierKey
	}
	out := make([]auditKey, 0, len(keys))
	for _, k := range keys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			continue
		}
		out = append(out, auditKey{Name: v.Name(), KeyHash: fmt.Sprintf("%08x", v.KeyHash()), Key: k, Current: k == current})
	}
	return keys, out, nil
}

// auditNoKeys knows no verifier, so note.Open lists every signature as unverified.
type auditNoKeys struct{}

func (auditNoKeys) Verifier(name string, hash uint32) (note.Verifier, error) {
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// errAuditNotNote: the text is not a signed note at all.
var errAuditNotNote = errors.New("not a signed note")

// auditOpen opens a checkpoint note for display: which keys signed it,
// which of them this log trusts, and the size and root its text claims.
// It is an explanation; the verdict is the audit package's.
func auditOpen(msg string, keys []string) (*auditCheckpointView, error) {
	v := &auditCheckpointView{Note: msg}
	var all *note.Note
	_, err := note.Open([]byte(msg), auditNoKeys{})
	var unv *note.UnverifiedNoteError
	if !errors.As(err, &unv) {
		return nil, errAuditNotNote
	}
	all = unv.Note
	lines := strings.Split(all.Text, "\n")
	if len(lines) == 4 && strings.HasPrefix(lines[0], "liaison audit log ") && lines[3] == "" {
		size, err1 := strconv.ParseInt(lines[1], 10, 64)
		var root liaison.Hash
		err2 := root.UnmarshalText([]byte(lines[2]))
		if err1 == nil && size >= 0 && err2 == nil {
			v.Origin, v.Size, v.Root, v.Parsed = strings.TrimPrefix(lines[0], "liaison audit log "), size, lines[2], true
		}
	}
	var vs []note.Verifier
	for _, k := range keys {
		if ver, err := note.NewVerifier(strings.TrimSpace(k)); err == nil {
			vs = append(vs, ver)
		}
	}
	opened, err := note.Open([]byte(msg), note.VerifierList(vs...))
	verified := map[string]bool{}
	var bad *note.InvalidSignatureError
	switch {
	case err == nil:
		for _, s := range opened.Sigs {
			verified[fmt.Sprintf("%s+%08x", s.Name, s.Hash)] = true
		}
		v.SigOK = true
	case errors.As(err, &bad):
		v.SigProblem = fmt.Sprintf("the signature by %s+%08x does not match the text: the checkpoint was changed after it was signed", bad.Name, bad.Hash)
	case errors.As(err, &unv):
		v.SigProblem = "no key this log trusts signed it"
	default:
		v.SigProblem = err.Error()
	}
	for _, s := range all.UnverifiedSigs {
		id := fmt.Sprintf("%s+%08x", s.Name, s.Hash)
		sg := auditSigner{Name: s.Name, KeyHash: fmt.Sprintf("%08x", s.Hash)}
		trusted := false
		for _, ver := range vs {
			trusted = trusted || (ver.Name() == s.Name && ver.KeyHash() == s.Hash)
		}
		switch {
		case verified[id]:
			sg.Status, sg.OK = "verified with a trusted key", true
		case bad != nil && bad.Name == s.Name && bad.Hash == s.Hash:
			sg.Status = "NOT valid: the signature does not match the text"
		case trusted:
			sg.Status = "not checked (an earlier signature failed)"
		default:
			sg.Status = "unknown key: not trusted, not checked"
		}
		v.Signers = append(v.Signers, sg)
	}
	if v.SigProblem == "no key this log trusts signed it" && len(v.Signers) > 0 {
		ids := make([]string, len(v.Signers))
		for i, sg := range v.Signers {
			ids[i] = sg.Name + "+" + sg.KeyHash
		}
		v.SigProblem = "signed only by keys this log does not trust (" + strings.Join(ids, ", ") + "); use a checkpoint signed by a key listed under Trusted keys"
	}
	return v, nil
}

// auditStep is one level of an inclusion proof: the hash so far combined
// with a proof hash on its left or right.
type auditStep struct {
	N           int
	Proof       string // the proof hash
	ProofOnLeft bool
	Result      string
}

// auditInclusion is an inclusion proof checked, with its steps shown.
type auditInclusion struct {
	Index        int64
	Entry        string
	LeafHash     string
	Steps        []auditStep
	Checkpoint   *auditCheckpointView
	ComputedRoot string
	RootsMatch   bool
	Verified     bool
	Problem      string
	Pasted       bool // checked against a checkpoint the auditor pasted
}

// auditRunProof recomputes the root an inclusion proof implies, as
// tlog.CheckRecord does, recording each step; ok is false when the proof
// does not fit the tree's shape.
func auditRunProof(p []tlog.Hash, lo, hi, n int64, leaf tlog.Hash, steps *[]auditStep) (tlog.Hash, bool) {
	if lo+1 == hi {
		return leaf, len(p) == 0
	}
	if len(p) == 0 {
		return tlog.Hash{}, false
	}
	k := int64(1)
	for k<<1 < hi-lo {
		k <<= 1
	}
	last := p[len(p)-1]
	var h tlog.Hash
	var left bool
	if n < lo+k {
		th, ok := auditRunProof(p[:len(p)-1], lo, lo+k, n, leaf, steps)
		if !ok {
			return tlog.Hash{}, false
		}
		h = tlog.NodeHash(th, last)
	} else {
		th, ok := auditRunProof(p[:len(p)-1], lo+k, hi, n, leaf, steps)
		if !ok {
			return tlog.Hash{}, false
		}
		h, left = tlog.NodeHash(last, th), true
	}
	*steps = append(*steps, auditStep{N: len(*steps) + 1, Proof: liaison.Hash(last).String(), ProofOnLeft: left, Result: liaison.Hash(h).String()})
	return h, true
}

// auditCheckInclusion checks p with the trusted keys. The verdict is
// auditlog.CheckInclusion's; the rest explains it.
func auditCheckInclusion(p *auditlog.InclusionProof, keys []string) *auditInclusion {
	res := &auditInclusion{Index: p.Index, Entry: p.Entry}
	leaf := tlog.RecordHash([]byte(p.Entry))
	res.LeafHash = liaison.Hash(leaf).String()
	if cv, err := auditOpen(p.Checkpoint, keys); err == nil {
		res.Checkpoint = cv
		if cv.Parsed && p.Index < cv.Size {
			proof := make([]tlog.Hash, len(p.Proof))
			for i, h := range p.Proof {
				proof[i] = tlog.Hash(h)
			}
			if root, ok := auditRunProof(proof, 0, cv.Size, p.Index, leaf, &res.Steps); ok {
				res.ComputedRoot = liaison.Hash(root).String()
				res.RootsMatch = res.ComputedRoot == cv.Root
			}
		}
	}
	if err := auditlog.CheckInclusion(p, keys...); err != nil {
		res.Problem = err.Error()
		if res.Checkpoint != nil && res.Checkpoint.SigProblem != "" {
			res.Problem = "Checkpoint: " + res.Checkpoint.SigProblem
		}
	} else {
		res.Verified = true
	}
	return res
}

func auditIndexOf(v string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil && n >= 0
}

func (s *Server) auditEntryPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "signed"); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.svc.RequireAuditor(ctx, "audit.read"); err != nil {
		return err
	}
	index, ok := auditIndexOf(r.PathValue("index"))
	if !ok {
		return liaison.FieldErrorf("index", "the entry number in the address must be a whole number, 0 or more, such as /audit/entries/42")
	}
	ev, size, err := s.svc.AuditEntry(ctx, index)
	if err != nil {
		return err
	}
	keys, keyViews, err := s.auditTrustedKeys(ctx)
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Entry": ev, "Canonical": string(ev.Canonical()), "LeafHash": auditlog.LeafHash(ev).String(),
		"LogSize": size, "Keys": keyViews, "AgencyNames": names, "Signed": auditSignedNote(r),
		"VerifyForm": auditVerifyForm{Index: strconv.FormatInt(index, 10)}, "Errors": map[string]string{}}
	latest, err := s.svc.Checkpoints(ctx, 0, 1)
	if err != nil {
		return err
	}
	switch {
	case len(latest) == 0:
		data["NoCheckpoint"] = true
	case latest[0].Size <= index:
		data["Uncovered"], data["UncoveredLast"] = latest[0].Size, latest[0].Size-1
	default:
		p, err := s.svc.ProveInclusion(ctx, index, -1)
		if err != nil {
			return err
		}
		data["Proof"] = auditCheckInclusion(p, keys)
		data["SameEntry"] = p.Entry == string(ev.Canonical())
	}
	s.render(w, r, "audit-entry.html", data)
	return nil
}

// auditVerifyForm is the paste-a-checkpoint form as typed.
type auditVerifyForm struct{ Index, Checkpoint string }

func (s *Server) auditVerifyPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "index"); err != nil {
		return err
	}
	if err := s.svc.RequireAuditor(r.Context(), "audit.verify"); err != nil {
		return err
	}
	_, keyViews, err := s.auditTrustedKeys(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, "audit-verify.html", map[string]any{"VerifyForm": auditVerifyForm{Index: r.URL.Query().Get("index")},
		"Keys": keyViews, "Errors": map[string]string{}})
	return nil
}

// auditNormalizeNote undoes what a text area does to a pasted note: CRLF
// line ends, and blank space around it; a note ends with one newline.
func auditNormalizeNote(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return s + "\n"
}

func (s *Server) auditVerifySubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.svc.RequireAuditor(ctx, "audit.verify"); err != nil {
		return err
	}
	keys, keyViews, err := s.auditTrustedKeys(ctx)
	if err != nil {
		return err
	}
	f := auditVerifyForm{Index: strings.TrimSpace(r.PostFormValue("index")), Checkpoint: r.PostFormValue("checkpoint")}
	data := map[string]any{"VerifyForm": f, "Keys": keyViews, "Errors": map[string]string{}}
	errs := newFormErrors()
	index, ok := auditIndexOf(f.Index)
	switch {
	case f.Index == "":
		errs.add("verify-index", "Entry index", "is required: type the number of the entry to prove, such as 42")
	case !ok:
		errs.add("verify-index", "Entry index", "must be a whole number, 0 or more, such as 42")
	}
	msg := auditNormalizeNote(f.Checkpoint)
	var cv *auditCheckpointView
	if msg == "" {
		errs.add("verify-checkpoint", "Checkpoint", "is required: paste the whole signed checkpoint — its three lines of text, a blank line, and its signature lines starting with —")
	} else if cv, err = auditOpen(msg, keys); err != nil {
		errs.add("verify-checkpoint", "Checkpoint", "is not a signed note: paste the whole checkpoint, with its three lines of text, the blank line and the signature lines starting with —")
	} else if !cv.Parsed {
		errs.add("verify-checkpoint", "Checkpoint", "is not a Liaison audit checkpoint: its text must be “liaison audit log …”, then the size, then the root hash")
	} else if ok && index >= cv.Size {
		errs.add("verify-index", "Entry index", fmt.Sprintf("must be below the checkpoint's size, %d: this checkpoint covers entries 0 to %d", cv.Size, cv.Size-1))
	}
	if errs.empty() {
		p, err := s.svc.ProveInclusion(ctx, index, cv.Size)
		switch {
		case liaison.ErrorCode(err) == liaison.ENOTFOUND:
			data["Proof"] = &auditInclusion{Index: index, Checkpoint: cv, Pasted: true,
				Problem: fmt.Sprintf("this log never signed a checkpoint of size %d, so the pasted checkpoint is not one of its own (or its size was changed); check where it came from", cv.Size)}
		case err != nil:
			return err
		default:
			p.Checkpoint = msg
			res := auditCheckInclusion(p, keys)
			res.Pasted = true
			data["Proof"] = res
		}
	}
	if !errs.empty() {
		errs.into(data)
		w.WriteHeader(http.StatusBadRequest)
	}
	s.render(w, r, "audit-verify.html", data)
	return nil
}

// auditConsistency is a consistency proof checked.
type auditConsistency struct {
	Old, New *auditCheckpointView
	Proof    []string
	Verified bool
	Problem  string
}

// auditHasCheckpoint reports whether a checkpoint of exactly that size exists.
func (s *Server) auditHasCheckpoint(ctx context.Context, size int64) (bool, error) {
	cps, err := s.svc.Checkpoints(ctx, size+1, 1)
	if err != nil {
		return false, err
	}
	return len(cps) == 1 && cps[0].Size == size, nil
}

func (s *Server) auditConsistencyPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "old", "new"); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.svc.RequireAuditor(ctx, "audit.consistency"); err != nil {
		return err
	}
	keys, keyViews, err := s.auditTrustedKeys(ctx)
	if err != nil {
		return err
	}
	recent, err := s.svc.Checkpoints(ctx, 0, 10)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	oldV, newV := strings.TrimSpace(q.Get("old")), strings.TrimSpace(q.Get("new"))
	data := map[string]any{"Old": oldV, "New": newV, "Keys": keyViews, "Recent": recent, "Errors": map[string]string{}}
	if len(q) == 0 {
		s.render(w, r, "audit-consistency.html", data)
		return nil
	}
	errs := newFormErrors()
	var sizes [2]int64
	for i, d := range []struct{ id, label, v string }{{"consistency-old", "Older size", oldV}, {"consistency-new", "Newer size", newV}} {
		n, ok := auditIndexOf(d.v)
		switch {
		case d.v == "":
			errs.add(d.id, d.label, "is required: type the size of a signed checkpoint (see the list below)")
		case !ok:
			errs.add(d.id, d.label, "must be a whole number: the size of a signed checkpoint")
		default:
			if has, err := s.auditHasCheckpoint(ctx, n); err != nil {
				return err
			} else if !has {
				errs.add(d.id, d.label, fmt.Sprintf("must be the size of a signed checkpoint: none has size %d (see the list below)", n))
			}
			sizes[i] = n
		}
	}
	if errs.empty() && sizes[0] > sizes[1] {
		errs.add("consistency-old", "Older size", "must not be larger than the newer size: swap them")
	}
	if errs.empty() {
		p, err := s.svc.ProveConsistency(ctx, sizes[0], sizes[1])
		if err != nil {
			return err
		}
		res := &auditConsistency{}
		res.Old, _ = auditOpen(p.Old, keys)
		res.New, _ = auditOpen(p.New, keys)
		for _, h := range p.Proof {
			res.Proof = append(res.Proof, h.String())
		}
		if err := auditlog.CheckConsistency(p, keys...); err != nil {
			res.Problem = err.Error()
		} else {
			res.Verified = true
		}
		data["Result"] = res
	}
	if !errs.empty() {
		errs.into(data)
		w.WriteHeader(http.StatusBadRequest)
	}
	s.render(w, r, "audit-consistency.html", data)
	return nil
}

// auditCheckpointRow is one row of the checkpoints table.
type auditCheckpointRow struct {
	*liaison.Checkpoint
	View     *auditCheckpointView
	Previous int64 // the size of the checkpoint before it, or -1
}

// auditCheckpointsPerPage is how many checkpoints one page lists.
const auditCheckpointsPerPage = 20

func (s *Server) auditCheckpointsPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "before", "signed"); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.svc.RequireAuditor(ctx, "audit.checkpoints"); err != nil {
		return err
	}
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, ok := auditIndexOf(v)
		if !ok {
			return liaison.FieldErrorf("before", "the page in the address must be a checkpoint size, a whole number: go back to the first page of /audit/checkpoints")
		}
		before = n
	}
	cps, err := s.svc.Checkpoints(ctx, before, auditCheckpointsPerPage+1)
	if err != nil {
		return err
	}
	keys, keyViews, err := s.auditTrustedKeys(ctx)
	if err != nil {
		return err
	}
	rows := []auditCheckpointRow{}
	for i, c := range cps {
		if i == auditCheckpointsPerPage {
			break
		}
		row := auditCheckpointRow{Checkpoint: c, Previous: -1}
		if i+1 < len(cps) {
			row.Previous = cps[i+1].Size
		}
		row.View, _ = auditOpen(c.Note, keys)
		rows = append(rows, row)
	}
	data := map[string]any{"Rows": rows, "Keys": keyViews, "Signed": auditSignedNote(r), "Paged": before > 0}
	if len(cps) > auditCheckpointsPerPage {
		data["Next"] = "/audit/checkpoints?before=" + strconv.FormatInt(cps[auditCheckpointsPerPage-1].Size, 10)
	}
	s.render(w, r, "audit-checkpoints.html", data)
	return nil
}

func (s *Server) auditSignCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.svc.RequireAuditor(ctx, "audit.checkpoint"); err != nil {
		return err
	}
	c, err := s.svc.SignCheckpoint(ctx)
	if err != nil {
		return err
	}
	next := "/audit/checkpoints"
	if n, ok := auditIndexOf(r.PostFormValue("entry")); ok {
		next = "/audit/entries/" + strconv.FormatInt(n, 10)
	}
	http.Redirect(w, r, next+"?signed="+strconv.FormatInt(c.Size, 10), http.StatusSeeOther)
	return nil
}

// auditSignedNote is the size of the checkpoint just signed, from the
// redirect after signing; anything but a number is ignored.
func auditSignedNote(r *http.Request) string {
	if n, ok := auditIndexOf(r.URL.Query().Get("signed")); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// auditWeek is the landing page's review of the last seven days, and the
// actions seen in it (the action field's suggestions).
func (s *Server) auditWeek(r *http.Request) (*auditSummary, []string, error) {
	rev, err := s.svc.AuditReview(r.Context(), time.Time{}, time.Time{}) // the service refuses (and audits) non-auditors
	if err != nil {
		return nil, nil, err
	}
	sum := &auditSummary{Since: rev.Since, Until: rev.Until, Truncated: rev.Truncated, NotableCount: len(rev.Notable),
		SinceDate: rev.Since.Format("2006-01-02")}
	per := map[string]int64{}
	for _, c := range rev.Totals {
		sum.Total += c.Count
		switch c.Outcome {
		case liaison.OutcomeDenied:
			sum.Denied += c.Count
		case liaison.OutcomeFailure:
			sum.Failed += c.Count
		}
		per[c.Action] += c.Count
	}
	for a, n := range per {
		sum.Actions = append(sum.Actions, liaison.ActionCount{Action: a, Count: n})
	}
	sort.Slice(sum.Actions, func(i, j int) bool {
		if sum.Actions[i].Count != sum.Actions[j].Count {
			return sum.Actions[i].Count > sum.Actions[j].Count
		}
		return sum.Actions[i].Action < sum.Actions[j].Action
	})
	actions := make([]string, 0, len(sum.Actions))
	for _, a := range sum.Actions {
		actions = append(actions, a.Action)
	}
	sort.Strings(actions)
	if len(sum.Actions) > 8 {
		sum.Actions = sum.Actions[:8]
	}
	for i := len(rev.Notable) - 1; i >= 0 && len(sum.Notable) < 10; i-- {
		sum.Notable = append(sum.Notable, rev.Notable[i])
	}
	return sum, actions, nil
}
