package service

import (
	"context"
	"slices"
	"sort"
	"strings"

	"liaison"
	"liaison/match"
	"liaison/policy"
)

// Link analysis: the graph around one subject of one record, spanning the
// other records the reader may use for link analysis. Every record in the
// graph was decided by the decision point for this reader and purpose
// (action links), redacted as it decided, audited and ledgered; a record
// the reader may not use never contributes a node, an edge or a count.
// Matching uses only what the redaction left: a masked identifier links
// nothing.

// Graph bounds.
const (
	DefaultGraphDepth = 2
	MaxGraphDepth     = 4
	MaxGraphNodes     = 60
	// maxGraphCandidates bounds the records scanned for matching subjects.
	maxGraphCandidates = 5000
)

// GraphRef is one subject of one record.
type GraphRef struct {
	RecordID liaison.ID `json:"record_id"`
	EntityID liaison.ID `json:"entity_id"`
}

// GraphNode is one entity: the subjects of readable records that share a
// normalised identifier are one node.
type GraphNode struct {
	ID       liaison.ID         `json:"id"` // the entity id of Home
	Home     GraphRef           `json:"home"`
	Kind     liaison.EntityKind `json:"kind"`
	Label    string             `json:"label"`
	Withheld bool               `json:"withheld,omitempty"` // its identifiers were redacted for this reader
	Hop      int                `json:"hop"`                // link distance from the start
	Records  []liaison.ID       `json:"records"`            // records it appears in, sorted
	Refs     []GraphRef         `json:"refs"`
}

// GraphEdge is one link of one record between two nodes.
type GraphEdge struct {
	Type   string     `json:"type"`
	From   liaison.ID `json:"from"` // node ids
	To     liaison.ID `json:"to"`
	Record liaison.ID `json:"record_id"`
}

// GraphRecord is a record the graph draws on, as released.
type GraphRecord struct {
	ID         liaison.ID       `json:"id"`
	Title      string           `json:"title"`
	Originator liaison.ID       `json:"originator_agency_id"`
	TLP        liaison.TLP      `json:"tlp"`
	Redaction  policy.Redaction `json:"redaction"`
}

// Graph is the link graph around one subject.
type Graph struct {
	Root      liaison.ID      `json:"root"` // node id of the starting subject
	Depth     int             `json:"depth"`
	Nodes     []*GraphNode    `json:"nodes"` // by hop, then label
	Edges     []*GraphEdge    `json:"edges"`
	Records   []*GraphRecord  `json:"records"`
	Truncated bool            `json:"truncated"` // the node cap stopped the expansion
	Purpose   liaison.Purpose `json:"purpose"`
}

// EntityGraph builds the link graph around entity entityID of record
// recordID, following the records' links and, across records the reader
// may use, subjects with the same normalised identifier (name and date of
// birth, plate, phone, email, document numbers...), up to depth link hops
// (default 2) and MaxGraphNodes nodes. A record the reader may not read,
// or a subject it does not hold, is answered as not found.
func (s *Service) EntityGraph(ctx context.Context, recordID, entityID liaison.ID, purpose liaison.Purpose, depth int) (*Graph, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	purpose, err := purposeOf(ctx, purpose)
	if err != nil {
		return nil, err
	}
	if depth == 0 {
		depth = DefaultGraphDepth
	}
	if depth < 1 || depth > MaxGraphDepth {
		return nil, liaison.FieldErrorf("depth", "must be from 1 to %d link hops", MaxGraphDepth)
	}
	var g *Graph
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		sub, err := s.subject(ctx, tx, a.User)
		if err != nil {
			return err
		}
		rq := releaseRequest{sub: sub, action: policy.Links, purpose: purpose, audit: "intel.graph", objectType: "intel",
			details: map[string]string{"entity_id": entityID}, one: true}
		var start *liaison.IntelRecord
		if liaison.ValidID(recordID) {
			rq.object = recordID
			if start, err = tx.FindIntelRecord(ctx, recordID); liaison.ErrorCode(err) == liaison.ENOTFOUND {
				start = nil
			} else if err != nil {
				return err
			}
		}
		var dec policy.Decision
		if start != nil && !start.Purged {
			dec = s.decideItem(rq, liveItem{rec: start})
		}
		if !dec.Allow {
			_, err := s.release(ctx, tx, rq, nil) // a miss and a refusal are audited alike
			return err
		}
		internal := map[liaison.ID]*releasedRecord{start.ID: {raw: start, rec: policy.Redact(start, dec.Redaction), redaction: dec.Redaction}}
		if !slices.ContainsFunc(internal[start.ID].rec.Subjects, func(e liaison.Entity) bool { return e.ID == entityID }) {
			_, err := s.release(ctx, tx, rq, nil)
			return err
		}
		if err := s.graphCandidates(ctx, tx, rq, internal); err != nil {
			return err
		}
		g = buildGraph(internal, GraphRef{RecordID: start.ID, EntityID: entityID}, depth)
		g.Purpose = purpose
		// The records the graph draws on leave through release, which
		// ledgers and audits each; their titles are the released ones.
		items := make([]liveItem, len(g.Records))
		for i, gr := range g.Records {
			items[i] = liveItem{rec: internal[gr.ID].raw}
		}
		rq.details = map[string]string{"entity_id": entityID, "nodes": itoa(len(g.Nodes)), "edges": itoa(len(g.Edges))}
		rel, err := s.release(ctx, tx, rq, items)
		if err != nil {
			return err
		}
		byID := map[liaison.ID]*ReleasedRecord{}
		for _, r := range rel {
			byID[r.record.ID] = r.record
		}
		kept := g.Records[:0]
		for _, gr := range g.Records {
			if r := byID[gr.ID]; r != nil {
				gr.Title, gr.Redaction = r.Title, r.Redaction()
				kept = append(kept, gr)
			}
		}
		g.Records = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errNoRecord()
	}
	return g, nil
}

// releasedRecord is a record the graph may draw on, as decided for the
// reader: the live record and its redacted form, used inside the service
// to build the graph; what leaves goes through release.
type releasedRecord struct {
	raw, rec  *liaison.IntelRecord
	redaction policy.Redaction
}

// graphCandidates adds every record the reader may use for link analysis:
// the visibility prefilter narrows, the decision point decides each.
func (s *Service) graphCandidates(ctx context.Context, tx liaison.Tx, rq releaseRequest, internal map[liaison.ID]*releasedRecord) error {
	u := rq.sub.User
	vis := &liaison.Visibility{Agency: u.AgencyID, Communities: rq.sub.Communities, UserID: u.ID}
	for _, g := range rq.sub.Grants {
		vis.Granted = append(vis.Granted, g.ItemID)
	}
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for scanned := 0; scanned < maxGraphCandidates; {
		cands, err := tx.ListIntelRecords(ctx, liaison.IntelFilter{Visible: vis}, p)
		if err != nil {
			return err
		}
		for _, r := range cands {
			if _, done := internal[r.ID]; done || r.Purged {
				continue
			}
			if dec := s.decideItem(rq, liveItem{rec: r}); dec.Allow {
				internal[r.ID] = &releasedRecord{raw: r, rec: policy.Redact(r, dec.Redaction), redaction: dec.Redaction}
			}
		}
		scanned += len(cands)
		if len(cands) < p.Limit {
			break
		}
		p.After = cands[len(cands)-1].ID
	}
	return nil
}

// entityKeys are the normalised identifiers of a subject as released:
// masked values are skipped, so redacted data never links records.
func entityKeys(e liaison.Entity) []string {
	at := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(e.Attributes[n]); v != "" && v != policy.Masked {
				return v
			}
		}
		return ""
	}
	var keys []string
	add := func(prefix, v string) {
		if len(v) >= 3 {
			keys = append(keys, prefix+v)
		}
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	alnum := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				return r
			case r >= 'A' && r <= 'Z':
				return r + 'a' - 'A'
			}
			return -1
		}, s)
	}
	switch e.Kind {
	case liaison.EntityPerson:
		if name, dob := at("name", "full_name"), digits(at("date_of_birth", "dob")); name != "" && len(dob) >= 6 {
			add("person:", match.Name(name)+"|"+dob)
		}
	case liaison.EntityOrganization:
		add("org:", match.Name(at("name")))
	case liaison.EntityLocation:
		add("addr:", alnum(at("address", "street")))
	case liaison.EntityPhone:
		if p := match.Phone(at("number", "phone", "msisdn")); len(p) >= 7 {
			add("phone:", p)
		}
	case liaison.EntityEmail:
		add("email:", strings.ToLower(at("email", "address")))
	}
	add("plate:", match.Plate(at("plate", "registration")))
	add("vin:", alnum(at("vin")))
	if e.Kind != liaison.EntityPhone {
		if p := match.Phone(at("phone", "msisdn")); len(p) >= 7 {
			add("phone:", p)
		}
	}
	if e.Kind != liaison.EntityEmail {
		add("email:", strings.ToLower(at("email")))
	}
	add("passport:", alnum(at("passport", "passport_number")))
	add("doc:", alnum(at("document_number", "id_number", "national_id")))
	add("account:", alnum(at("account_number", "iban")))
	add("serial:", alnum(at("serial_number")))
	add("imei:", digits(at("imei")))
	return keys
}

// entityLabel names a subject for people from what was released.
func entityLabel(e liaison.Entity) (label string, withheld bool) {
	for _, names := range [][]string{{"name", "full_name"}, {"plate", "registration"}, {"number", "phone", "msisdn"}, {"email"},
		{"address", "street"}, {"serial_number"}, {"document_number", "passport_number", "passport"}, {"account_number", "iban"}, {"username", "handle"}} {
		for _, n := range names {
			v := strings.TrimSpace(e.Attributes[n])
			switch {
			case v == policy.Masked:
				withheld = true
			case v != "":
				if n == "name" || n == "full_name" {
					if dob := e.Attributes["date_of_birth"]; dob != "" && dob != policy.Masked {
						v += " (born " + dob + ")"
					}
				}
				if e.Kind == liaison.EntityVehicle {
					if mk := e.Attributes["make"]; mk != "" && mk != policy.Masked {
						v += " · " + mk
					}
				}
				return v, false
			}
		}
	}
	if withheld {
		return string(e.Kind) + " (identity withheld)", true
	}
	for _, k := range sortedKeys(e.Attributes) {
		if v := e.Attributes[k]; v != "" && v != policy.Masked {
			return string(e.Kind) + ": " + v, false
		}
	}
	return string(e.Kind), false
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// buildGraph expands from start over released records: a node is the set
// of subjects sharing an identifier; an edge is a link of one record.
func buildGraph(released map[liaison.ID]*releasedRecord, start GraphRef, depth int) *Graph {
	// Index every subject of every released record, in a stable order.
	recIDs := make([]liaison.ID, 0, len(released))
	for id := range released {
		recIDs = append(recIDs, id)
	}
	sort.Strings(recIDs)
	type subj struct {
		ref  GraphRef
		e    liaison.Entity
		keys []string
	}
	var subjects []subj
	idx := map[GraphRef]int{}
	byKey := map[string][]int{}
	for _, rid := range recIDs {
		for _, e := range released[rid].rec.Subjects {
			ref := GraphRef{RecordID: rid, EntityID: e.ID}
			if _, dup := idx[ref]; dup || e.ID == "" {
				continue
			}
			idx[ref] = len(subjects)
			ks := entityKeys(e)
			for _, k := range ks {
				byKey[k] = append(byKey[k], len(subjects))
			}
			subjects = append(subjects, subj{ref: ref, e: e, keys: ks})
		}
	}
	// Union subjects sharing a key.
	parent := make([]int, len(subjects))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, members := range byKey {
		for _, m := range members[1:] {
			a, b := find(members[0]), find(m)
			if a != b {
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
			}
		}
	}
	classes := map[int][]int{}
	for i := range subjects {
		classes[find(i)] = append(classes[find(i)], i)
	}
	g := &Graph{Depth: depth, Nodes: []*GraphNode{}, Edges: []*GraphEdge{}, Records: []*GraphRecord{}}
	nodeOf := map[int]*GraphNode{} // class root -> node
	newNode := func(root, hop int, home GraphRef) *GraphNode {
		n := &GraphNode{Hop: hop, Home: home, ID: home.EntityID}
		recs := map[liaison.ID]bool{}
		withheld := true
		for _, i := range classes[root] {
			s := subjects[i]
			n.Refs = append(n.Refs, s.ref)
			recs[s.ref.RecordID] = true
			if s.ref == home {
				n.Kind = s.e.Kind
				n.Label, withheld = entityLabel(s.e)
			}
		}
		n.Withheld = withheld
		for id := range recs {
			n.Records = append(n.Records, id)
		}
		sort.Strings(n.Records)
		nodeOf[root] = n
		g.Nodes = append(g.Nodes, n)
		return n
	}
	startIdx, ok := idx[start]
	if !ok {
		return g
	}
	root := newNode(find(startIdx), 0, start)
	g.Root = root.ID
	// Breadth-first over links: each node's subjects' links in their records.
	frontier := []int{find(startIdx)}
	type edgeKey struct{ from, to, typ, rec string }
	seenEdge := map[edgeKey]bool{}
	for hop := 1; len(frontier) > 0; hop++ {
		var next []int
		for _, c := range frontier {
			from := nodeOf[c]
			for _, i := range classes[c] {
				ref := subjects[i].ref
				for _, l := range released[ref.RecordID].rec.Links {
					var other liaison.ID
					switch ref.EntityID {
					case l.From:
						other = l.To
					case l.To:
						other = l.From
					default:
						continue
					}
					oi, ok := idx[GraphRef{RecordID: ref.RecordID, EntityID: other}]
					if !ok {
						continue
					}
					oc := find(oi)
					to := nodeOf[oc]
					if to == nil {
						if hop > depth {
							continue
						}
						if len(g.Nodes) >= MaxGraphNodes {
							g.Truncated = true
							continue
						}
						to = newNode(oc, hop, subjects[oi].ref)
						next = append(next, oc)
					}
					fromID, toID := from.ID, to.ID
					if l.From != ref.EntityID {
						fromID, toID = to.ID, from.ID
					}
					k := edgeKey{fromID, toID, l.Type, ref.RecordID}
					if !seenEdge[k] {
						seenEdge[k] = true
						g.Edges = append(g.Edges, &GraphEdge{Type: l.Type, From: fromID, To: toID, Record: ref.RecordID})
					}
				}
			}
		}
		frontier = next
	}
	sort.SliceStable(g.Nodes, func(i, j int) bool {
		if g.Nodes[i].Hop != g.Nodes[j].Hop {
			return g.Nodes[i].Hop < g.Nodes[j].Hop
		}
		return g.Nodes[i].Label < g.Nodes[j].Label
	})
	sort.SliceStable(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Record < b.Record
	})
	used := map[liaison.ID]bool{}
	for _, n := range g.Nodes {
		for _, r := range n.Records {
			used[r] = true
		}
	}
	for _, rid := range recIDs {
		if used[rid] {
			r := released[rid]
			g.Records = append(g.Records, &GraphRecord{ID: rid, Title: r.rec.Title, Originator: r.rec.Originator, TLP: r.rec.TLP, Redaction: r.redaction})
		}
	}
	return g
}
