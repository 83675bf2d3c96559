package http_test

// TestLeak is issue 14's acceptance suite: every read path × every label ×
// every kind of principal, over the HTTP API and the web UI, compared with
// the oracle in leak_oracle_test.go; positive controls check that the
// legitimate reader gets the data. Run:
//
//	LIAISON_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test -count=1 -run 'TestLeak' ./http/

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

const ct = liaison.PurposeCounterterrorism

func TestLeak(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newLeakWorld(t, be.Open)
			t.Run("get", w.testGet)
			t.Run("versions", w.testVersions)
			t.Run("assessment", w.testAssess)
			t.Run("list", w.testList)
			t.Run("queues", w.testQueues)
			t.Run("search", w.testSearch)
			t.Run("pointer-filters", w.testPointerFilters)
			t.Run("facets", w.testFacets)
			t.Run("review-queue", w.testReviewQueue)
			t.Run("notices", w.testNotices)
			t.Run("directory", w.testDirectory)
			t.Run("metrics", w.testMetrics)
			t.Run("pages", w.testPages)
			t.Run("probes", w.testProbes)
		})
	}
}

func (w *leakWorld) itemPath(it *leakItem) string {
	if it.kind == liaison.KindSAR {
		return "/api/v1/sars/" + it.id
	}
	return "/api/v1/records/" + it.id
}

// testGet: GET of each item by each reader; a hidden item answers exactly as a missing one.
func (w *leakWorld) testGet(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, it := range w.items {
				t.Run(it.key, func(t *testing.T) {
					v := w.oracle(p, it, ct)
					status, _, body := w.do("GET", w.itemPath(it)+"?purpose=counterterrorism", p.tok, "")
					check(t, "GET", body, it, v, true)
					if v == hidden {
						ms, mb := w.missing(strings.Replace(w.itemPath(it), it.id, "{id}", 1)+"?purpose=counterterrorism", p.tok)
						if got := requestIDRE.ReplaceAllString(string(body), ""); status != ms || got != mb {
							t.Errorf("hidden answers %d %s; missing answers %d %s", status, got, ms, mb)
						}
					} else if status != 200 {
						t.Errorf("GET = %d %s, want 200 (%s)", status, body, v)
					}
				})
			}
			// Without a declared purpose nothing of another agency's is read.
			if p.agency != agPD {
				for _, it := range w.items {
					_, _, body := w.do("GET", w.itemPath(it), p.tok, "")
					check(t, "GET without purpose "+it.key, body, it, w.oracle(p, it, ""), false)
				}
			}
		})
	}
}

// searchable: the reader may see it and search is a place to find it
// (reports still in vetting are worked from the queues, not searched,
// outside the originating agency).
func (w *leakWorld) searchable(p *leakPrincipal, it *leakItem) bool {
	if it.kind == liaison.KindSAR && it.state != liaison.SARShared && p.agency != agPD {
		return false
	}
	return w.oracle(p, it, ct) != hidden
}

func (w *leakWorld) records() []*leakItem {
	var out []*leakItem
	for _, it := range w.items {
		if it.kind == liaison.KindIntelligence {
			out = append(out, it)
		}
	}
	return out
}

func (w *leakWorld) reports() []*leakItem {
	var out []*leakItem
	for _, it := range w.items {
		if it.kind == liaison.KindSAR {
			out = append(out, it)
		}
	}
	return out
}

func (w *leakWorld) testVersions(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, it := range w.records() {
				t.Run(it.key, func(t *testing.T) {
					v := w.oracle(p, it, ct)
					status, _, body := w.do("GET", w.itemPath(it)+"/versions?purpose=counterterrorism", p.tok, "")
					check(t, "versions", body, it, v, true)
					if v != hidden && status != 200 {
						t.Errorf("versions = %d %s, want 200", status, body)
					}
				})
			}
		})
	}
}

// testAssess: the imminent-danger assessment never carries identifiers,
// whoever receives it (POLICY.md: "an assessment only").
func (w *leakWorld) testAssess(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, it := range w.records() {
				t.Run(it.key, func(t *testing.T) {
					status, _, body := w.do("POST", w.itemPath(it)+"/assess", p.wtok,
						`{"justification":"A caller says he will bomb the depot within the hour."}`)
					v := redacted
					if status != 200 {
						v = hidden
					}
					check(t, "assess", body, it, v, false)
				})
			}
		})
	}
}

func (w *leakWorld) testList(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			status, _, body := w.do("GET", "/api/v1/records?purpose=counterterrorism&limit=100", p.tok, "")
			if status != 200 && status != 403 {
				t.Fatalf("list = %d %s", status, body)
			}
			for _, it := range w.records() {
				t.Run(it.key, func(t *testing.T) {
					v := w.oracle(p, it, ct)
					check(t, "list", body, it, v, status == 200)
				})
			}
		})
	}
}

func (w *leakWorld) testQueues(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, q := range []string{"awaiting_step1", "awaiting_step2", "shared_with_us", "withdrawn"} {
				t.Run(q, func(t *testing.T) {
					_, _, body := w.do("GET", "/api/v1/sars?limit=100&purpose=counterterrorism&queue="+q, p.tok, "")
					for _, it := range w.reports() {
						v := w.oracle(p, it, ct)
						present := q == "shared_with_us" && it.state == liaison.SARShared && v != hidden && p.agency != agPD
						if q == "awaiting_step2" && it.state == liaison.SARReviewed && w.chainAnalyst(p) {
							present = true
						}
						check(t, q+" "+it.key, body, it, v, present)
					}
				})
			}
		})
	}
}

func (w *leakWorld) testSearch(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, it := range w.items {
				t.Run(it.key, func(t *testing.T) {
					v := w.oracle(p, it, ct)
					status, body, resp := w.search(t, p, map[string]any{"q": it.m.safe})
					if status != 200 {
						t.Fatalf("search = %d %s", status, body)
					}
					check(t, "search", body, it, v, w.searchable(p, it))
					if v == hidden && resultIDs(resp)[it.id] {
						t.Errorf("search returns hidden %s", it.key)
					}
					if w.searchable(p, it) && !resultIDs(resp)[it.id] {
						t.Errorf("positive control: search does not return readable %s", it.key)
					}
					if v == hidden && w.mayPoint(p, it) && len(resp.Pointers) > 0 {
						t.Errorf("search gives a pointer to %s, which the rules keep from this reader: %s", it.key, body)
					}
					// Positive control: a law-enforcement partner without an agreement learns who holds a shared item.
					if p.name == "noagree" && (it.key == "ramber" || it.key == "samber") && len(resp.Pointers) != 1 {
						t.Errorf("positive control: no pointer to %s: %s", it.key, body)
					}
				})
			}
			// A name search finds nothing hidden or redacted by the name.
			for _, it := range w.items {
				v := w.oracle(p, it, ct)
				_, body, resp := w.search(t, p, map[string]any{"q": it.m.sur1})
				if v != full && resultIDs(resp)[it.id] {
					t.Errorf("%s: searching the masked surname %s finds it (%s)", it.key, it.m.sur1, v)
				}
				check(t, "name search "+it.key, body, it, v, false)
			}
		})
	}
}

// testPointerFilters: label, place, time, category and identifier filters
// never decide whether a pointer appears (issue 14, cause 8).
func (w *leakWorld) testPointerFilters(t *testing.T) {
	far := map[string]any{"min_lat": -40.0, "max_lat": -39.0, "min_lon": 100.0, "max_lon": 101.0}
	here := map[string]any{"min_lat": 38.0, "max_lat": 39.5, "min_lon": -78.0, "max_lon": -76.5}
	old, oldTo := "2001-01-01T00:00:00Z", "2001-02-01T00:00:00Z"
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			for _, it := range w.items {
				if w.oracle(p, it, ct) != hidden {
					continue
				}
				t.Run(it.key, func(t *testing.T) {
					_, _, base := w.search(t, p, map[string]any{"q": it.m.safe})
					want := pointerSet(base)
					other := liaison.TLPRed
					if it.tlp == liaison.TLPRed {
						other = liaison.TLPClear
					}
					for name, f := range map[string]map[string]any{
						"tlp=own":       {"tlp": []liaison.TLP{it.tlp}},
						"tlp=other":     {"tlp": []liaison.TLP{other}},
						"bbox=far":      {"bbox": far},
						"bbox=here":     {"bbox": here},
						"category=none": {"categories": []string{"cyberattack"}},
						"category=own":  {"categories": []string{"photography"}},
						"from/to=old":   {"from": old, "to": oldTo},
						"identifier=no": {"identifier": "QQQZZZ"},
						"identifier=it": {"identifier": it.m.plate[1:5]},
					} {
						f["q"] = it.m.safe
						_, body, resp := w.search(t, p, f)
						if got := pointerSet(resp); got != want {
							t.Errorf("filter %s changes the pointers: %q, without it %q", name, got, want)
						}
						check(t, "filtered search "+name, body, it, hidden, false)
					}
				})
			}
		})
	}
}

// testFacets: facets count only what the searcher may see.
func (w *leakWorld) testFacets(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			_, body, resp := w.search(t, p, map[string]any{"q": "zqxcommon", "limit": 100})
			// At most what the reader may see is counted, by label and by kind.
			most := map[string]map[string]int{"tlp": {}, "kind": {}}
			for _, it := range w.items {
				v := w.oracle(p, it, ct)
				check(t, "common search "+it.key, body, it, v, w.searchable(p, it))
				if v != hidden {
					most["tlp"][string(it.tlp)]++
					most["kind"][string(it.kind)]++
				}
			}
			for facet, max := range most {
				for k, n := range resp.Facets[facet] {
					if n > max[k] {
						t.Errorf("%s facet %q counts %d, but the reader may see %d such items: %v", facet, k, n, max[k], resp.Facets[facet])
					}
				}
			}
		})
	}
}

// testReviewQueue: the retention review queue goes through the decision point (cause 5).
func (w *leakWorld) testReviewQueue(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			status, _, body := w.do("GET", "/api/v1/records/review-queue", p.tok, "")
			for _, it := range w.records() {
				v := w.oracle(p, it, ct)
				if p.agency != agPD {
					v = hidden // the queue holds the reviewer's own agency's records
				}
				check(t, "review queue "+it.key, body, it, v, false)
			}
			if p.name == "pd-analyst" {
				if status != 200 || !strings.Contains(string(body), w.byKey["rclear"].id) {
					t.Errorf("positive control: the PD analyst's review queue = %d lacks rclear: %.300s", status, body)
				}
			}
		})
	}
}

// testNotices: saved-search notices release no more than a search would.
func (w *leakWorld) testNotices(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			_, _, body := w.do("GET", "/api/v1/inbox?limit=100", p.tok, "")
			for _, it := range w.items {
				v := w.oracle(p, it, ct)
				if p.name == "revoked" && it.key == w.grantItem {
					continue // told of the grant and its revocation
				}
				check(t, "inbox "+it.key, body, it, v, false)
			}
		})
	}
}

// testDirectory: outside administrators, users see points of contact, not staff lists.
func (w *leakWorld) testDirectory(t *testing.T) {
	for _, p := range w.principals {
		t.Run(p.name, func(t *testing.T) {
			status, _, body := w.do("GET", "/api/v1/users?limit=100", p.tok, "")
			if status != 200 {
				return
			}
			for _, o := range w.principals {
				if o.agency != p.agency && strings.Contains(string(body), `"`+o.name+`"`) {
					t.Errorf("the user list shows %s of another agency to %s", o.name, p.name)
					break
				}
			}
		})
	}
}

func (w *leakWorld) testMetrics(t *testing.T) {
	if status, _, body := w.do("GET", "/metrics", "", ""); status == 200 {
		t.Errorf("anonymous /metrics = 200 (%d bytes); serve it to administrators only", len(body))
	}
	if status, _, _ := w.do("GET", "/metrics", w.byName["nopii"].tok, ""); status == 200 {
		t.Errorf("/metrics for a non-administrator = 200")
	}
}

// testPages: the web UI shows what the API shows, <title> included.
func (w *leakWorld) testPages(t *testing.T) {
	for _, name := range []string{"pd-analyst", "fc-named", "nopii", "noagree", "bank", "intl"} {
		p := w.byName[name]
		t.Run(name, func(t *testing.T) {
			b := uiSignIn(t, w.srv.URL, name, time.Now())
			get := func(path string) []byte {
				_, _, page := b.do("GET", path, nil)
				return []byte(page)
			}
			for _, it := range w.items {
				v := w.oracle(p, it, ct)
				if it.kind == liaison.KindIntelligence {
					check(t, "record page "+it.key, get("/records/"+it.id+"?purpose=counterterrorism"), it, v, true)
					check(t, "graph page "+it.key, get("/records/"+it.id+"/entities/"+it.entity+"/graph?purpose=counterterrorism"), it, v, false)
				} else {
					check(t, "report page "+it.key, get("/sars/"+it.id+"?purpose=counterterrorism"), it, v, true)
				}
				// The search box shows the words typed; only results and pointers count.
				page := strings.NewReplacer(`value="`+it.m.safe+`"`, "", "“"+it.m.safe+"”", "").Replace(
					string(get("/search?purpose=counterterrorism&q=" + url.QueryEscape(it.m.safe))))
				check(t, "search page "+it.key, []byte(page), it, v, w.searchable(p, it))
			}
			lists := map[string][]byte{"records page": get("/records?purpose=counterterrorism"), "review page": get("/privacy/review"),
				"inbox page": get("/inbox"), "export": get("/sars/export?format=json"), "common search page": get("/search?purpose=counterterrorism&q=zqxcommon"),
				"queue page": get("/sars?queue=shared_with_us&purpose=counterterrorism")}
			for what, page := range lists {
				for _, it := range w.items {
					v := w.oracle(p, it, ct)
					if what == "review page" && p.agency != agPD {
						v = hidden
					}
					check(t, what+" "+it.key, page, it, v, false)
				}
			}
		})
	}
}

// testProbes: the side channels of issue 14 tried one by one.
func (w *leakWorld) testProbes(t *testing.T) {
	nopii, noagree, fc := w.byName["nopii"], w.byName["noagree"], w.byName["fc-analyst"]
	ramber, samber, rstrict := w.byKey["ramber"], w.byKey["samber"], w.byKey["rstrict"]

	t.Run("identifier-on-masked-plate", func(t *testing.T) {
		sub := ramber.m.plate[2:6]
		_, _, resp := w.search(t, fc, map[string]any{"identifier": sub})
		if !resultIDs(resp)[ramber.id] {
			t.Errorf("positive control: the PII reader's identifier search %q does not find ramber", sub)
		}
		_, body, resp := w.search(t, nopii, map[string]any{"identifier": sub})
		if resultIDs(resp)[ramber.id] {
			t.Errorf("a redacted reader's identifier search %q matches the masked plate of ramber: %.400s", sub, body)
		}
	})

	t.Run("bbox-bisects-place", func(t *testing.T) {
		// The report's place is 38.9012345,-77.0123456. Two boxes of a few
		// metres, one on it and one 50 m away, must answer alike for a
		// reader who only gets the sanitised place.
		on := map[string]any{"min_lat": 38.90120, "max_lat": 38.90127, "min_lon": -77.01238, "max_lon": -77.01231}
		off := map[string]any{"min_lat": 38.90165, "max_lat": 38.90172, "min_lon": -77.01238, "max_lon": -77.01231}
		_, _, a := w.search(t, nopii, map[string]any{"q": samber.m.safe, "bbox": on})
		_, _, b := w.search(t, nopii, map[string]any{"q": samber.m.safe, "bbox": off})
		if resultIDs(a)[samber.id] != resultIDs(b)[samber.id] {
			t.Errorf("a redacted reader locates samber to a few metres with bbox searches (on: %v, 50 m off: %v)", resultIDs(a)[samber.id], resultIDs(b)[samber.id])
		}
	})

	t.Run("hidden-is-missing", func(t *testing.T) {
		in := w.recordInput(rstrict)
		in.Version = 1
		rec, _ := json.Marshal(in)
		w.sameAsMissing(t, "GET record", "GET", "/api/v1/records/{id}?purpose=counterterrorism", noagree.tok, rstrict.id, "")
		w.sameAsMissing(t, "GET report", "GET", "/api/v1/sars/{id}?purpose=counterterrorism", noagree.tok, samber.id, "")
		w.sameAsMissing(t, "PUT record", "PUT", "/api/v1/records/{id}", nopii.wtok, rstrict.id, string(rec))
		w.sameAsMissing(t, "PUT record readable", "PUT", "/api/v1/records/{id}", nopii.wtok, ramber.id, string(rec))
		w.sameAsMissing(t, "share step", "POST", "/api/v1/sars/{id}/steps", noagree.wtok, samber.id, `{"step":"share","communities":["`+w.c1.ID+`"]}`)
		w.sameAsMissing(t, "withdraw step by a reader", "POST", "/api/v1/sars/{id}/steps", nopii.wtok, samber.id, `{"step":"withdraw","reason":"not ours at all"}`)
		w.sameAsMissing(t, "forward step", "POST", "/api/v1/sars/{id}/steps", fc.wtok, w.byKey["ssubmitted"].id, `{"step":"forward"}`)
		w.sameAsMissing(t, "promote", "POST", "/api/v1/sars/{id}/promote?purpose=counterterrorism", noagree.wtok, samber.id, string(rec))
		w.sameAsMissing(t, "attach", "POST", "/api/v1/sars/{id}/attachments?name=a.txt", noagree.wtok, samber.id, "plain text note")
		w.sameAsMissing(t, "case", "GET", "/api/v1/cases/{id}", noagree.tok, w.pdCase.ID, "")
		w.sameAsMissing(t, "operation", "POST", "/api/v1/operations/{id}/transitions", noagree.wtok, w.pdCase.ID, `{"to":"active"}`)
	})

	t.Run("promotion-cannot-widen", func(t *testing.T) {
		in := liaison.IntelInput{Title: "Promoted " + samber.m.safe, Narrative: "From the shared report.",
			Predicate: "Photographing a substation consistent with planning sabotage.", LawfulCollection: true,
			Grading: liaison.Grading{Source: "B", Information: 2}, TLP: liaison.TLPClear, Handling: liaison.H0,
			CaseID: w.fcCase.ID, SharedWith: []liaison.ID{w.c2.ID}, RetainUntil: time.Now().AddDate(1, 0, 0)}
		js, _ := json.Marshal(in)
		status, _, body := w.do("POST", "/api/v1/sars/"+samber.id+"/promote?purpose=counterterrorism", fc.wtok, string(js))
		if status != 201 {
			return // refused: nothing widened
		}
		var r liaison.IntelRecord
		_ = json.Unmarshal(body, &r)
		if tlpRank[r.TLP] < tlpRank[liaison.TLPAmber] {
			t.Errorf("promoting an AMBER report gives a record at TLP:%s", r.TLP)
		}
		for _, c := range r.SharedWith {
			if c == w.c2.ID {
				t.Errorf("promotion shares the report's content with a community the source was not shared to")
			}
		}
		for _, name := range []string{"far-analyst", "noagree"} {
			_, _, got := w.do("GET", "/api/v1/records/"+r.ID+"?purpose=counterterrorism", w.byName[name].tok, "")
			if l := leaksOf(got, samber.m); len(l) > 0 {
				t.Errorf("%s, refused the report, reads %q through the promoted record", name, l)
			}
		}
	})

	t.Run("search-after-narrowing", func(t *testing.T) {
		it := &leakItem{key: "rnarrow", kind: liaison.KindIntelligence, tlp: liaison.TLPAmber, handling: liaison.H0, shared: []string{"c1"},
			m: w.gen.markers(40), entity: liaison.NewID(), vehicle: liaison.NewID()}
		r := must(w.svc.CreateIntelRecord(w.as("pd-author"), w.recordInput(it)))(t)
		it.id = r.ID
		if _, err := w.svc.IndexSearch(w.sys()); err != nil {
			t.Fatal(err)
		}
		_, _, resp := w.search(t, nopii, map[string]any{"q": it.m.safe})
		if !resultIDs(resp)[it.id] {
			t.Fatalf("positive control: the partner does not find the AMBER record before narrowing")
		}
		it.tlp = liaison.TLPAmberStrict
		in := w.recordInput(it)
		in.Version = r.Version
		js, _ := json.Marshal(in)
		if status, _, body := w.do("PUT", "/api/v1/records/"+it.id, w.byName["pd-author"].wtok, string(js)); status != 200 {
			t.Fatalf("narrowing = %d %s", status, body)
		}
		_, body, resp := w.search(t, nopii, map[string]any{"q": it.m.safe})
		if resultIDs(resp)[it.id] {
			t.Errorf("right after narrowing to AMBER+STRICT, search still releases the record to the partner")
		}
		check(t, "search after narrowing", body, it, hidden, false)
		_, _, got := w.do("GET", "/api/v1/records/"+it.id+"?purpose=counterterrorism", nopii.tok, "")
		check(t, "GET after narrowing", got, it, hidden, false)
	})

	t.Run("search-after-withdrawal", func(t *testing.T) {
		it := w.report(t, "swithdraw", liaison.TLPAmber, liaison.SARShared)
		if _, err := w.svc.IndexSearch(w.sys()); err != nil {
			t.Fatal(err)
		}
		_, _, resp := w.search(t, nopii, map[string]any{"q": it.m.safe})
		if !resultIDs(resp)[it.id] {
			t.Fatalf("positive control: the partner does not find the shared report before withdrawal")
		}
		if status, _, body := w.do("POST", "/api/v1/sars/"+it.id+"/steps", w.byName["pd-author"].wtok, `{"step":"withdraw","reason":"filed in error"}`); status != 200 {
			t.Fatalf("withdraw = %d %s", status, body)
		}
		it.state = liaison.SARWithdrawn
		_, body, resp := w.search(t, nopii, map[string]any{"q": it.m.safe})
		if resultIDs(resp)[it.id] {
			t.Errorf("right after withdrawal, search still releases the report to the partner")
		}
		check(t, "search after withdrawal", body, it, hidden, false)
		_, _, got := w.do("GET", "/api/v1/sars/"+it.id+"?purpose=counterterrorism", nopii.tok, "")
		check(t, "GET after withdrawal", got, it, hidden, false)
	})
}

func leaksOf(body []byte, m markers) []string {
	b := clean(body)
	var out []string
	for _, s := range m.secrets() {
		if strings.Contains(b, strings.ToLower(s)) {
			out = append(out, s)
		}
	}
	return out
}
