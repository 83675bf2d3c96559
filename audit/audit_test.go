package audit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/audit"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

var epoch = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// rawExec changes the database behind the application's back, as an
// attacker with database access would.
func rawExec(t *testing.T, s liaison.Store, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		var err error
		switch st := s.(type) {
		case *sqlite.Store:
			_, err = st.DB().Exec(q)
		case *postgres.Store:
			_, err = st.Pool().Exec(context.Background(), q)
		default:
			t.Fatalf("unknown store %T", s)
		}
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func newSigner(t *testing.T, name string) *audit.Signer {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := audit.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	s.VerifierKey = vkey
	return s
}

// fill appends n events and signs checkpoints at the given sizes.
func fill(t *testing.T, s liaison.Store, signer *audit.Signer, n int, checkpointAt ...int) []*liaison.AuditEvent {
	t.Helper()
	ctx := audit.WithNode(context.Background(), "node-a")
	var out []*liaison.AuditEvent
	for i := range n {
		e := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch.Add(time.Duration(i) * time.Minute), Actor: fmt.Sprintf("user%d", i%3),
			UserID: fmt.Sprintf("u%d", i%3), Action: []string{"login.success", "agency.read", "user.permissions"}[i%3],
			ObjectType: "agency", ObjectID: fmt.Sprint(i), Outcome: liaison.OutcomeSuccess, Reason: "case 2026-17",
			Decision: "permit", IP: "192.0.2.1", Details: map[string]string{"i": fmt.Sprint(i)}}
		if err := s.Update(ctx, func(tx liaison.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		for _, c := range checkpointAt {
			if c == i+1 {
				if _, err := audit.Checkpoint(ctx, s, signer); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return out
}

func verify(t *testing.T, s liaison.Store, keys ...string) *audit.Report {
	t.Helper()
	r, err := audit.Verify(context.Background(), s, keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyFindsTampering(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			tests := []struct {
				name     string
				tamper   func(t *testing.T, s liaison.Store, events []*liaison.AuditEvent)
				firstBad int64
				problem  string
			}{
				{"untouched", func(*testing.T, liaison.Store, []*liaison.AuditEvent) {}, -1, ""},
				{"altered row", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawReplace(t, s, 17, "actor 5:user2", "actor 5:userX")
				}, 17, "entry 17 was altered"},
				{"altered detail", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawReplace(t, s, 3, "detail 1:i 1:3", "detail 1:i 1:9")
				}, 3, "entry 3 was altered"},
				{"removed row", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawExec(t, s, "DELETE FROM audit_events WHERE idx = 30")
				}, 30, "entry 30 is missing"},
				{"reordered rows", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawExec(t, s, "UPDATE audit_events SET idx = -1 WHERE idx = 10",
						"UPDATE audit_events SET idx = 10 WHERE idx = 11",
						"UPDATE audit_events SET idx = 11 WHERE idx = -1")
				}, 10, "entry 10 was moved"},
				{"truncated log", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawExec(t, s, "DELETE FROM audit_events WHERE idx >= 40")
				}, 40, "truncated"},
				{"rewritten with a matching leaf", func(t *testing.T, s liaison.Store, events []*liaison.AuditEvent) {
					// The attacker alters entry 25 and fixes its leaf hash too; only the
					// signed checkpoint of size 30 can tell.
					e := *events[25]
					e.Index, e.Outcome = 25, liaison.OutcomeDenied
					leaf := audit.LeafHash(&e)
					rawExec(t, s, fmt.Sprintf("UPDATE audit_events SET outcome = 'denied', entry = %s, leaf = %s WHERE idx = 25",
						hexLit(s, e.Canonical()), hexLit(s, leaf[:])))
				}, 20, "no longer match signed checkpoint 30"},
				{"stored tree hash altered", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					rawExec(t, s, fmt.Sprintf("UPDATE audit_hashes SET hash = %s WHERE idx = 1", hexLit(s, make([]byte, 32))))
				}, 0, "stored tree hash 2 (level 1) does not match its children"},
				{"forged checkpoint", func(t *testing.T, s liaison.Store, _ []*liaison.AuditEvent) {
					mallory := newSigner(t, "node-a") // same name, other key
					msg, err := note.Sign(&note.Note{Text: "liaison audit log node-a\n30\n" + liaison.Hash{1}.String() + "\n"}, mallorySigner(t, mallory))
					if err != nil {
						t.Fatal(err)
					}
					rawExec(t, s, fmt.Sprintf("UPDATE audit_checkpoints SET note = '%s' WHERE size = 30", msg))
				}, -1, "checkpoint of size 30"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s := be.Open(t)
					signer := newSigner(t, "node-a")
					events := fill(t, s, signer, 50, 20, 30, 50)
					tt.tamper(t, s, events)
					r := verify(t, s, signer.VerifierKey)
					if r.FirstBad != tt.firstBad || !strings.Contains(r.Problem, tt.problem) || r.OK != (tt.problem == "") {
						t.Fatalf("verify = %+v, want first bad %d and a problem containing %q", r, tt.firstBad, tt.problem)
					}
					if tt.problem == "" && (r.Entries != 50 || r.Checkpoints != 3) {
						t.Fatalf("verify = %+v, want 50 entries and 3 checkpoints", r)
					}
				})
			}
		})
	}
}

// mallorySigner returns the note signer behind an audit.Signer by
// regenerating: tests only need a valid signature by an unknown key.
func mallorySigner(t *testing.T, _ *audit.Signer) note.Signer {
	skey, _, err := note.GenerateKey(rand.Reader, "node-a")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawReplace edits the stored text of entry idx in place.
func rawReplace(t *testing.T, s liaison.Store, idx int, old, new string) {
	t.Helper()
	q := fmt.Sprintf("UPDATE audit_events SET entry = CAST(replace(CAST(entry AS TEXT), '%s', '%s') AS BLOB) WHERE idx = %d", old, new, idx)
	if s.Dialect() == "postgres" {
		q = fmt.Sprintf("UPDATE audit_events SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '%s', '%s'), 'UTF8') WHERE idx = %d", old, new, idx)
	}
	rawExec(t, s, q)
}

// hexLit writes bytes as a literal each dialect understands.
func hexLit(s liaison.Store, b []byte) string {
	if s.Dialect() == "postgres" {
		return fmt.Sprintf(`'\x%x'::bytea`, b)
	}
	return fmt.Sprintf("x'%x'", b)
}

func TestVerifyIndex(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			s := be.Open(t)
			signer := newSigner(t, "node-a")
			fill(t, s, signer, 12, 12)
			if r, err := audit.VerifyIndex(context.Background(), s); err != nil || !r.OK || r.Entries != 12 {
				t.Fatalf("index of an untouched log = %+v, %v", r, err)
			}
			// Hiding entry 5 from "everything user0 did" by editing its search column.
			rawExec(t, s, "UPDATE audit_events SET user_id = 'someone-else' WHERE idx = 5")
			if r := verify(t, s, signer.VerifierKey); !r.OK {
				t.Fatalf("the entries themselves are intact, verify = %+v", r)
			}
			r, err := audit.VerifyIndex(context.Background(), s)
			if err != nil || r.OK || r.FirstBad != 5 || !strings.Contains(r.Problem, "search columns of entry 5") {
				t.Fatalf("index after tampering = %+v, %v", r, err)
			}
		})
	}
}

// TestVerifyIndexOfObjects: an entry for one act on many objects is found
// by each object; deleting one of its index rows would hide it from "who
// touched X", and VerifyIndex says so.
func TestVerifyIndexOfObjects(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			s := be.Open(t)
			ctx := context.Background()
			signer := newSigner(t, "node-a")
			fill(t, s, signer, 3)
			bulk := &liaison.AuditEvent{At: epoch, Actor: "ana", Action: "sar.create", ObjectType: "sar", Outcome: liaison.OutcomeSuccess,
				Details: map[string]string{liaison.AuditObjectsDetail: "r1 r2 r3", "count": "3"}}
			if err := s.Update(ctx, func(tx liaison.Tx) error { return audit.Append(ctx, tx, bulk) }); err != nil {
				t.Fatal(err)
			}
			if _, err := audit.Sequence(ctx, s); err != nil {
				t.Fatal(err)
			}
			if r, err := audit.VerifyIndex(ctx, s); err != nil || !r.OK || r.Entries != 4 {
				t.Fatalf("index of an untouched log = %+v, %v", r, err)
			}
			rawExec(t, s, "DELETE FROM audit_objects WHERE object_id = 'r2'")
			r, err := audit.VerifyIndex(ctx, s)
			if err != nil || r.OK || r.FirstBad != 3 || !strings.Contains(r.Problem, "search columns of entry 3") {
				t.Fatalf("index after hiding r2 = %+v, %v", r, err)
			}
			rawExec(t, s, "INSERT INTO audit_objects (object_id, idx) VALUES ('r2', 3), ('r9', 1)")
			r, err = audit.VerifyIndex(ctx, s)
			if err != nil || r.OK || r.FirstBad != 1 {
				t.Fatalf("index after filing r9 under entry 1 = %+v, %v", r, err)
			}
		})
	}
}

func TestVerifyWithDatabaseKeys(t *testing.T) {
	s := storetest.OpenSQLite(t)
	signer := newSigner(t, "node-a")
	fill(t, s, signer, 5, 5)
	r := verify(t, s)
	if !r.OK || r.KeysFrom != "database" || r.Checkpoints != 1 {
		t.Fatalf("verify with stored keys = %+v", r)
	}
	// Another node's key alone does not verify this node's checkpoints.
	other := newSigner(t, "node-b")
	if r := verify(t, s, other.VerifierKey); r.OK || !strings.Contains(r.Problem, "checkpoint of size 5") {
		t.Fatalf("verify with a stranger's key = %+v", r)
	}
}

func TestEmptyLog(t *testing.T) {
	s := storetest.OpenSQLite(t)
	signer := newSigner(t, "node-a")
	c, err := audit.Checkpoint(context.Background(), s, signer)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 0 {
		t.Fatalf("empty checkpoint size = %d", c.Size)
	}
	if r := verify(t, s, signer.VerifierKey); !r.OK || r.Entries != 0 {
		t.Fatalf("verify empty = %+v", r)
	}
}

func TestProofs(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			s := be.Open(t)
			signer := newSigner(t, "node-a")
			fill(t, s, signer, 37, 13, 37)
			for _, idx := range []int64{0, 12, 20, 36} {
				p, err := audit.ProveInclusion(ctx, s, idx, -1)
				if err != nil {
					t.Fatal(err)
				}
				if err := audit.CheckInclusion(p, signer.VerifierKey); err != nil {
					t.Fatalf("inclusion of %d: %v", idx, err)
				}
				forged := *p
				forged.Entry = strings.Replace(p.Entry, "outcome 7:success", "outcome 6:denied", 1)
				if forged.Entry == p.Entry {
					t.Fatal("the test did not alter the entry")
				}
				if audit.CheckInclusion(&forged, signer.VerifierKey) == nil {
					t.Fatalf("a proof for an altered entry %d verified", idx)
				}
				if audit.CheckInclusion(p, newSigner(t, "node-a").VerifierKey) == nil {
					t.Fatal("a proof verified with a stranger's key")
				}
			}
			if _, err := audit.ProveInclusion(ctx, s, 20, 13); liaison.ErrorCode(err) != liaison.EINVALID {
				t.Fatalf("proof of 20 in the tree of 13 = %v, want invalid", err)
			}
			cp, err := audit.ProveConsistency(ctx, s, 13, 37)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.CheckConsistency(cp, signer.VerifierKey); err != nil {
				t.Fatalf("consistency: %v", err)
			}
			swapped := &audit.ConsistencyProof{Old: cp.New, New: cp.Old, Proof: cp.Proof}
			if audit.CheckConsistency(swapped, signer.VerifierKey) == nil {
				t.Fatal("a swapped consistency proof verified")
			}
		})
	}
}

func TestCosign(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	node := newSigner(t, "node-a")
	fill(t, s, node, 8, 8)
	var c *liaison.Checkpoint
	_ = s.View(ctx, func(tx liaison.Tx) error {
		var err error
		c, err = tx.FindCheckpoint(ctx, 8)
		return err
	})
	// An auditor at another agency checks the tree head and co-signs it.
	skey, vkey, _ := note.GenerateKey(rand.Reader, "auditor-epco")
	auditor, _ := note.NewSigner(skey)
	n, err := note.Open([]byte(c.Note), note.VerifierList(mustVerifier(t, node.VerifierKey)))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, auditor)
	if err != nil {
		t.Fatal(err)
	}
	got, err := audit.Cosign(ctx, s, 8, string(cosigned), vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{node.VerifierKey, vkey} {
		if size, _, err := audit.OpenCheckpoint(got.Note, key); err != nil || size != 8 {
			t.Fatalf("co-signed checkpoint with key %s: %d, %v", key, size, err)
		}
	}
	// A co-signature over other text is refused.
	other, _ := note.Sign(&note.Note{Text: "liaison audit log node-a\n8\n" + liaison.Hash{9}.String() + "\n"}, auditor)
	if _, err := audit.Cosign(ctx, s, 8, string(other), vkey); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Fatalf("cosigning other text = %v, want invalid", err)
	}
	if r := verify(t, s, node.VerifierKey); !r.OK {
		t.Fatalf("verify after co-signing = %+v", r)
	}
}

func mustVerifier(t *testing.T, key string) note.Verifier {
	v, err := note.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSignerKeyFile(t *testing.T) {
	dir := t.TempDir()
	a, err := audit.LoadOrCreateSigner(dir, "node-x")
	if err != nil {
		t.Fatal(err)
	}
	b, err := audit.LoadOrCreateSigner(dir, "ignored")
	if err != nil {
		t.Fatal(err)
	}
	if a.VerifierKey != b.VerifierKey || !strings.HasPrefix(a.VerifierKey, "node-x+") {
		t.Fatalf("keys differ across loads: %s vs %s", a.VerifierKey, b.VerifierKey)
	}
}

// TestEncodingIsInjective guards against two different events encoding alike.
func TestEncodingIsInjective(t *testing.T) {
	a := &liaison.AuditEvent{Actor: "a\nreason \"x\"", Reason: ""}
	b := &liaison.AuditEvent{Actor: "a", Reason: "x"}
	if string(audit.Encode(a)) == string(audit.Encode(b)) {
		t.Fatal("distinct events encode alike")
	}
	c := &liaison.AuditEvent{Details: map[string]string{"k": "v", "k2": ""}}
	d := &liaison.AuditEvent{Details: map[string]string{"k": "v\ndetail \"k2\" \"\""}}
	if string(audit.Encode(c)) == string(audit.Encode(d)) {
		t.Fatal("distinct details encode alike")
	}
}
