// Package policy is Liaison's one policy decision point: a pure engine that
// answers Decide(subject, action, resource, purpose) with allow or deny, a
// redaction plan and a reason, from Cedar policies (default.cedar, plus any
// stricter rules an agency adds). It does no I/O; callers pass the facts.
package policy

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"liaison"
)

//go:embed default.cedar
var defaultPolicies []byte

// DefaultPolicies returns the default policy set's source, for privacy
// officers to read.
func DefaultPolicies() []byte { return slices.Clone(defaultPolicies) }

// Action is what the subject wants to do with the resource.
type Action string

// Actions. Every read path maps onto one of them.
const (
	View    Action = "view"
	List    Action = "list"
	Search  Action = "search"
	Export  Action = "export"
	History Action = "history"
	Links   Action = "links"
	Assess  Action = "assess" // the imminent-danger exception: an assessment only
	Review  Action = "review" // retention review (28 CFR 23.20(h)) by the originating agency's reviewers
)

// Grant is an originator-approved, expiring permission for one item and purpose.
type Grant struct {
	ItemID  liaison.ID
	Purpose liaison.Purpose
	PII     bool
	Expires time.Time
}

// Subject is who asks, with everything the policies may look at.
type Subject struct {
	User        *liaison.User
	AgencyKind  liaison.AgencyKind
	Communities []liaison.ID         // communities the user's agency belongs to
	Peers       []liaison.ID         // agencies sharing a community with the user's, its own included (the SAR vetting chain)
	Agreements  []*liaison.Agreement // the user's agency's agreements
	Cases       []liaison.ID         // cases the user is assigned to
	Grants      []Grant
}

// Resource is the item asked for.
type Resource struct {
	ID         liaison.ID
	Kind       liaison.RecordKind
	Originator liaison.ID // agency
	TLP        liaison.TLP
	Handling   liaison.Handling
	Recipients []liaison.ID // users named on a TLP:RED item
	SharedWith []liaison.ID // communities the item was shared to
	CaseID     liaison.ID
}

// Request is one question to the decision point.
type Request struct {
	Subject   *Subject
	Action    Action
	Resource  *Resource
	Purpose   liaison.Purpose // declared; "" when none
	Emergency bool            // imminent danger to life or property was declared
	Now       time.Time
}

// Redaction says in what form an allowed item is released.
type Redaction string

// Redaction plans, from fullest to least.
const (
	Full       Redaction = "full"       // everything
	NoPII      Redaction = "no_pii"     // identifiers removed, narrative sanitised
	Assessment Redaction = "assessment" // only an assessment; flag the release for review
)

// Decision is the answer: allow or deny, in what form, and why.
type Decision struct {
	Allow     bool      `json:"allow"`
	Redaction Redaction `json:"redaction,omitempty"`
	Reason    string    `json:"reason"`
	Policies  []string  `json:"policies"` // the rules that decided
	Review    bool      `json:"review"`   // the release must be reviewed (imminent-danger exception)
}

// Engine decides requests against a fixed policy set.
type Engine struct {
	set     *cedar.PolicySet
	reasons map[types.PolicyID]string
}

// Source is one policy file: a name for diagnostics and its Cedar text.
type Source struct {
	Name string
	Text []byte
}

// New returns an engine over the default policies plus agency files, which
// may only forbid: an agency can make access stricter, never wider.
func New(extra ...Source) (*Engine, error) {
	e := &Engine{set: cedar.NewPolicySet(), reasons: map[types.PolicyID]string{}}
	for i, src := range append([]Source{{Name: "default.cedar", Text: defaultPolicies}}, extra...) {
		ps, err := cedar.NewPolicySetFromBytes(src.Name, src.Text)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: %w", src.Name, err)
		}
		for id, p := range ps.All() {
			if i > 0 && p.Effect() == types.Permit {
				return nil, fmt.Errorf("policy: %s: rule %s permits; agency rules may only forbid", src.Name, id)
			}
			name := id
			if v, ok := p.Annotations()["id"]; ok {
				name = types.PolicyID(v)
			}
			if e.set.Get(name) != nil {
				return nil, fmt.Errorf("policy: %s: rule id %q is used twice", src.Name, name)
			}
			e.set.Add(name, p)
			reason := string(p.Annotations()["reason"])
			if reason == "" {
				return nil, fmt.Errorf("policy: %s: rule %s has no @reason; every rule must say why in plain language", src.Name, name)
			}
			e.reasons[name] = reason
		}
	}
	return e, nil
}

var (
	userType   = types.EntityType("Liaison::User")
	itemType   = types.EntityType("Liaison::Item")
	actionType = types.EntityType("Liaison::Action")
)

// facts are what Go computes from the request for the policies: the
// relational parts (agreements, grants, cases) that do not belong in Cedar.
type facts struct {
	sameAgency, caseAssigned                                    bool
	agreementCovers, agreementPII, agreementIntl, agreementPriv bool
	grant, grantPII                                             bool
}

func gather(r Request) facts {
	s, res := r.Subject, r.Resource
	f := facts{sameAgency: s.User.AgencyID == res.Originator}
	f.caseAssigned = res.CaseID != "" && slices.Contains(s.Cases, res.CaseID)
	for _, a := range s.Agreements {
		if !a.Active(r.Now) || a.AgencyID != s.User.AgencyID || !slices.Contains(res.SharedWith, a.CommunityID) ||
			!slices.Contains(s.Communities, a.CommunityID) || !slices.Contains(a.RecordKinds, res.Kind) {
			continue
		}
		if r.Purpose != "" && !slices.Contains(a.Purposes, r.Purpose) {
			continue
		}
		f.agreementCovers = true
		f.agreementPII = f.agreementPII || a.PIIAllowed
		f.agreementIntl = f.agreementIntl || a.InternationalRelease
		f.agreementPriv = f.agreementPriv || a.PrivateRelease
	}
	for _, g := range s.Grants {
		if g.ItemID == res.ID && g.Purpose == r.Purpose && r.Now.Before(g.Expires) {
			f.grant, f.grantPII = true, f.grantPII || g.PII
		}
	}
	return f
}

func stringSet[T ~string](vs []T) types.Set {
	out := make([]types.Value, len(vs))
	for i, v := range vs {
		out[i] = types.String(v)
	}
	return types.NewSet(out...)
}

// Decide answers one request. A malformed request (no subject or
// resource) is denied.
func (e *Engine) Decide(r Request) Decision {
	if r.Subject == nil || r.Subject.User == nil || r.Resource == nil {
		return Decision{Reason: "the request names no subject or no resource"}
	}
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	u, res := r.Subject.User, r.Resource
	f := gather(r)
	principal := types.NewEntityUID(userType, types.String(u.ID))
	resource := types.NewEntityUID(itemType, types.String(res.ID))
	entities := types.EntityMap{
		principal: {UID: principal, Attributes: types.NewRecord(types.RecordMap{
			"id":             types.String(u.ID),
			"agency":         types.String(u.AgencyID),
			"agency_kind":    types.String(r.Subject.AgencyKind),
			"roles":          stringSet(u.Roles),
			"part23_trained": types.Boolean(u.Attributes.Part23Trained),
			"sworn":          types.Boolean(u.Attributes.SwornOfficer),
			"clearance":      types.Long(slices.Index(liaison.Clearances, u.Attributes.Clearance)),
		})},
		resource: {UID: resource, Attributes: types.NewRecord(types.RecordMap{
			"id":         types.String(res.ID),
			"kind":       types.String(res.Kind),
			"originator": types.String(res.Originator),
			"tlp":        types.String(res.TLP),
			"tlp_rank":   types.Long(res.TLP.Rank()),
			"handling":   types.String(res.Handling),
			"recipients": stringSet(res.Recipients),
		})},
	}
	req := types.Request{
		Principal: principal,
		Action:    types.NewEntityUID(actionType, types.String(r.Action)),
		Resource:  resource,
		Context: types.NewRecord(types.RecordMap{
			"purpose":                 types.String(r.Purpose),
			"same_agency":             types.Boolean(f.sameAgency),
			"case_assigned":           types.Boolean(f.caseAssigned),
			"agreement_covers":        types.Boolean(f.agreementCovers),
			"agreement_pii":           types.Boolean(f.agreementPII),
			"agreement_international": types.Boolean(f.agreementIntl),
			"agreement_private":       types.Boolean(f.agreementPriv),
			"grant":                   types.Boolean(f.grant),
			"grant_pii":               types.Boolean(f.grantPII),
			"emergency":               types.Boolean(r.Emergency),
		}),
	}
	dec, diag := e.set.IsAuthorized(entities, req)
	d := Decision{Allow: dec == types.Allow}
	for _, reason := range diag.Reasons {
		d.Policies = append(d.Policies, string(reason.PolicyID))
	}
	slices.Sort(d.Policies)
	if len(diag.Errors) > 0 {
		// A rule that fails to evaluate is ignored by Cedar; say so rather than hide it.
		d.Allow = false
		d.Reason = "a policy rule could not be evaluated: " + diag.Errors[0].String()
		return d
	}
	why := make([]string, len(d.Policies))
	for i, id := range d.Policies {
		why[i] = e.reasons[types.PolicyID(id)]
	}
	switch {
	case d.Allow:
		d.Redaction = redaction(r, f)
		d.Review = r.Action == Assess
		d.Reason = "allowed: " + strings.Join(why, "; ")
	case len(d.Policies) > 0:
		d.Reason = "denied: " + strings.Join(why, "; ")
	default:
		d.Reason = "denied: no rule permits this access (no need-to-know, agreement or grant covers it)"
	}
	return d
}

// redaction plans the form of an allowed release: full only inside the
// originating agency or when an agreement or grant allows personal data.
func redaction(r Request, f facts) Redaction {
	switch {
	case r.Action == Assess:
		return Assessment
	case r.Action == Review && !r.Subject.User.Attributes.Part23Trained:
		// A privacy officer reviews retention without Part 23 training:
		// the record's labels and dates, never its criminal intelligence.
		return NoPII
	case f.sameAgency:
		return Full
	case r.Subject.AgencyKind == liaison.AgencyPrivate:
		return NoPII
	case f.grant && f.grantPII, f.agreementCovers && f.agreementPII:
		return Full
	}
	return NoPII
}

// Default returns an engine over the default policies alone. The default
// set is embedded and tested, so failing to load it is a build error.
func Default() *Engine {
	e, err := New()
	if err != nil {
		panic(err)
	}
	return e
}
