// Package searchbench measures full-text index and query strategies for
// the federated search (issue 6) before it is built: SQLite FTS5 and
// PostgreSQL tsvector over a synthetic SAR corpus. It holds only the corpus
// and the query set; the measurements are benchmarks in its test file.
package searchbench

import (
	"math/rand/v2"
	"strings"
	"time"

	"liaison/service"
)

// Agencies is how many agencies the synthetic documents are spread over.
const Agencies = 50

// TLP ranks, as the store numbers them: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
const (
	TLPClear = iota
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
)

// Doc is one synthetic SAR as the search index sees it.
type Doc struct {
	ID     int64 // time-ordered: a larger ID is a newer document
	Agency int   // 0 .. Agencies-1
	TLP    int
	Day    time.Time
	Title  string
	Body   string // the narrative, the reason, and a follow-up narrative
	Names  string // people, plates, vehicles, place and address
}

// Size is the document's text length in bytes.
func (d *Doc) Size() int { return len(d.Title) + len(d.Body) + len(d.Names) }

// Corpus returns n synthetic documents with IDs 1..n, dated evenly over the
// five years before end (document n on end), each built from two reports
// of service.GenerateSARsSeq (a report and its follow-up) so it is about
// 1 KB, with a random agency and a TLP (CLEAR 10%, GREEN 40%, AMBER 35%,
// AMBER+STRICT 10%, RED 5%).
func Corpus(n int, seed uint64, end time.Time) []Doc {
	docs := make([]Doc, 0, n)
	rng := rand.New(rand.NewPCG(seed, seed+1))
	span := 5 * 365 * 24 * time.Hour
	var first *service.SARInput
	for in := range service.GenerateSARsSeq(2*n, seed) {
		if first == nil {
			in := in
			first = &in
			continue
		}
		a, b := first, &in
		first = nil
		i := len(docs)
		day := end
		if n > 1 {
			day = end.Add(-time.Duration(float64(span) * float64(n-1-i) / float64(n-1))).Truncate(24 * time.Hour)
		}
		docs = append(docs, Doc{
			ID:     int64(i + 1),
			Agency: rng.IntN(Agencies),
			TLP:    tlp(rng.IntN(100)),
			Day:    day,
			Title:  a.Title,
			Body:   a.Narrative + " " + a.Why + " Follow-up: " + b.Narrative + " " + b.Why,
			Names:  names(a) + "; " + names(b),
		})
	}
	return docs
}

func tlp(p int) int {
	switch {
	case p < 10:
		return TLPClear
	case p < 50:
		return TLPGreen
	case p < 85:
		return TLPAmber
	case p < 95:
		return TLPAmberStrict
	}
	return TLPRed
}

// names lists the report's people, vehicles, targets and address.
func names(in *service.SARInput) string {
	var parts []string
	for _, e := range in.Involved {
		for _, k := range []string{"name", "plate", "make", "color", "city"} {
			if v := e.Attributes[k]; v != "" {
				parts = append(parts, v)
			}
		}
	}
	parts = append(parts, in.Where.Address)
	return strings.Join(parts, ", ")
}

// Query is one search of the query set, in both stores' syntaxes.
type Query struct {
	Name string // what kind of query it is, e.g. "two common words"
	Text string // as a user types it
	FTS5 string // SQLite FTS5 MATCH expression
	TS   string // PostgreSQL websearch_to_tsquery('english', ...) input
}

// Queries is the query set: two common-word pairs matching tens of
// thousands of documents, a rare word, a name and a phrase.
func Queries() []Query {
	return []Query{
		{Name: "two common words", Text: "drone stadium", FTS5: "drone stadium", TS: "drone stadium"},
		{Name: "two common words", Text: "photographed fencing", FTS5: "photographed fencing", TS: "photographed fencing"},
		{Name: "very common words", Text: "subject security", FTS5: "subject security", TS: "subject security"},
		{Name: "rare word", Text: "QZX", FTS5: "qzx", TS: "qzx"},
		{Name: "name", Text: "Aisha Khan", FTS5: "aisha khan", TS: "aisha khan"},
		{Name: "phrase", Text: `"water treatment plant"`, FTS5: `"water treatment plant"`, TS: `"water treatment plant"`},
	}
}

// Communities returns the agencies a reader's communities admit: 5 of the
// 50, so the visibility prefilter admits about 10% of documents.
func Communities() []int { return []int{3, 11, 19, 27, 42} }
