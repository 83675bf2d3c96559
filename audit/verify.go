package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// Report is the outcome of verifying the whole log.
type Report struct {
	OK          bool         `json:"ok"`
	Entries     int64        `json:"entries"`
	Root        liaison.Hash `json:"root"`
	Checkpoints int          `json:"checkpoints_checked"`
	KeysFrom    string       `json:"keys_from"` // "given" or "database"
	// FirstBad is the first index at which the log is wrong, or -1.
	FirstBad int64  `json:"first_bad_index"`
	Problem  string `json:"problem,omitempty"`
}

// rootStack computes RFC 6962 tree heads incrementally, leaf by leaf, in
// O(log n) memory: it holds the roots of the complete subtrees so far.
type rootStack struct {
	n     int64
	stack []tlog.Hash
}

func (s *rootStack) push(h tlog.Hash) {
	for n := s.n; n&1 == 1; n >>= 1 {
		h = tlog.NodeHash(s.stack[len(s.stack)-1], h)
		s.stack = s.stack[:len(s.stack)-1]
	}
	s.stack = append(s.stack, h)
	s.n++
}

func (s *rootStack) root() tlog.Hash {
	if len(s.stack) == 0 {
		h, _ := tlog.TreeHash(0, nil) // the empty tree's hash reads nothing
		return h
	}
	h := s.stack[len(s.stack)-1]
	for i := len(s.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(s.stack[i], h)
	}
	return h
}

// Verify re-reads the whole log and proves it intact, or names the first
// bad index. It checks, in two streaming passes with O(log n) memory:
//
//   - every checkpoint's signature against the trusted verifier keys;
//   - every entry's content against its leaf hash, and that indexes are dense;
//   - the tree recomputed from the leaves against every signed checkpoint;
//   - every stored tree hash (what inclusion proofs are built from) against
//     the hashes of its children, and the stored leaves against the entries.
//
// keys are the trusted checkpoint verifier keys; with none, the keys the
// database lists are used, which is weaker: the report says so.
func Verify(ctx context.Context, store liaison.Store, keys ...string) (*Report, error) {
	r := &Report{FirstBad: -1, KeysFrom: "given"}
	err := store.View(ctx, func(tx liaison.Tx) error {
		if len(keys) == 0 {
			var err error
			if keys, err = tx.ListAuditKeys(ctx); err != nil {
				return err
			}
			r.KeysFrom = "database"
		}
		cps, err := tx.ListCheckpoints(ctx, 0, 0)
		if err != nil {
			return err
		}
		slices.Reverse(cps) // oldest first
		for _, c := range cps {
			size, root, err := OpenCheckpoint(c.Note, keys...)
			if err != nil {
				r.Problem = fmt.Sprintf("checkpoint of size %d: %v", c.Size, err)
				return nil
			}
			if size != c.Size || root != c.Root {
				r.Problem = fmt.Sprintf("checkpoint of size %d: its stored size or root differs from what its signature covers", c.Size)
				return nil
			}
		}
		n, err := tx.AuditLogSize(ctx)
		if err != nil {
			return err
		}
		// The log is append-only, so every later snapshot holds the same
		// first n entries: the two passes below read them from two read
		// transactions at once, one per core.
		var wg sync.WaitGroup
		ra, rb := &Report{FirstBad: -1}, &Report{FirstBad: -1}
		var errA, errB error
		var leavesA, leavesB []byte
		wg.Add(2)
		go func() {
			defer wg.Done()
			errA = store.View(ctx, func(tx liaison.Tx) error {
				h := sha256.New()
				if verifyEntries(ctx, tx, cps, ra, h, n) {
					leavesA = h.Sum(nil)
				}
				return nil
			})
		}()
		go func() {
			defer wg.Done()
			errB = store.View(ctx, func(tx liaison.Tx) error {
				leavesB = verifyStoredHashes(ctx, tx, rb, n)
				return nil
			})
		}()
		wg.Wait()
		if err := errors.Join(errA, errB); err != nil {
			return err
		}
		r.Entries, r.Root, r.Checkpoints = ra.Entries, ra.Root, ra.Checkpoints
		switch {
		case ra.Problem != "":
			r.FirstBad, r.Problem = ra.FirstBad, ra.Problem
		case rb.Problem != "":
			r.FirstBad, r.Problem = rb.FirstBad, rb.Problem
		case !bytes.Equal(leavesA, leavesB):
			r.FirstBad, r.Problem = 0, "the stored leaf hashes differ from the entries' leaves: inclusion proofs would fail"
		default:
			r.OK = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// verifyEntries is the first pass: entries, leaves and checkpoints. It
// feeds every leaf hash into leaves for the second pass.
func verifyEntries(ctx context.Context, tx liaison.Tx, cps []*liaison.Checkpoint, r *Report, leaves hash.Hash, n int64) bool {
	var st rootStack
	next := 0            // next checkpoint to compare
	lastGood := int64(0) // size of the last checkpoint that matched
	atCheckpoint := func() bool {
		for next < len(cps) && cps[next].Size == st.n {
			c := cps[next]
			if tlog.Hash(c.Root) != st.root() {
				r.FirstBad = lastGood
				r.Problem = fmt.Sprintf("entries %d to %d were rewritten: they no longer match signed checkpoint %d", lastGood, c.Size-1, c.Size)
				return false
			}
			lastGood = c.Size
			r.Checkpoints++
			next++
		}
		return true
	}
	if !atCheckpoint() {
		return false
	}
	// One goroutine reads rows while another encodes and hashes them: on
	// two cores that nearly halves the time (see BENCHMARKS.md).
	check := func(idx int64, entry []byte, leaf liaison.Hash) bool {
		if idx != st.n {
			r.FirstBad = st.n
			r.Problem = fmt.Sprintf("entry %d is missing (the next entry present is %d)", st.n, idx)
			return false
		}
		if !bytes.HasPrefix(entry, entryPrefix(idx)) {
			r.FirstBad = idx
			r.Problem = fmt.Sprintf("entry %d was moved: its text is not entry %d's", idx, idx)
			return false
		}
		h := tlog.RecordHash(entry)
		if liaison.Hash(h) != leaf {
			r.FirstBad = idx
			r.Problem = fmt.Sprintf("entry %d was altered: its content no longer matches its leaf hash", idx)
			return false
		}
		leaves.Write(h[:])
		st.push(h)
		return atCheckpoint()
	}
	type item struct {
		idx   int64
		entry []byte
		leaf  liaison.Hash
	}
	const batchSize = 256
	batches := make(chan []item, 16)
	var failed atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for batch := range batches {
			for _, it := range batch {
				if failed.Load() || !check(it.idx, it.entry, it.leaf) {
					failed.Store(true)
					break
				}
			}
		}
	}()
	batch := make([]item, 0, batchSize)
	err := tx.ScanAuditEntries(ctx, 0, n, func(idx int64, entry []byte, leaf liaison.Hash) error {
		if failed.Load() {
			return errStop
		}
		batch = append(batch, item{idx, bytes.Clone(entry), leaf})
		if len(batch) == batchSize {
			batches <- batch
			batch = make([]item, 0, batchSize)
		}
		return nil
	})
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	<-done
	r.Entries = st.n
	if err != nil && !errors.Is(err, errStop) {
		r.Problem = err.Error()
		return false
	}
	if r.Problem != "" {
		return false
	}
	if next < len(cps) {
		r.FirstBad = st.n
		r.Problem = fmt.Sprintf("the log was truncated: it has %d entries but checkpoint %d was signed", st.n, cps[len(cps)-1].Size)
		return false
	}
	r.Root = liaison.Hash(st.root())
	return true
}

// verifyStoredHashes is the second pass: every stored tree hash of the
// first n entries must be the hash of its two children, and there must be
// exactly as many as n entries need. It returns the digest of the stored
// leaves, which must equal the entries' (the first pass), or nil.
func verifyStoredHashes(ctx context.Context, tx liaison.Tx, r *Report, n int64) []byte {
	leaves := sha256.New()
	var left []tlog.Hash   // left[level]: the pending left child at that level
	var expect []tlog.Hash // expect[level]: the hash the next node at that level must have
	want := int64(0)
	bad := func(idx int64, level int, n int64, why string) error {
		r.FirstBad = n << level
		r.Problem = fmt.Sprintf("stored tree hash %d (level %d) %s: inclusion proofs from entry %d on would fail", idx, level, why, n<<level)
		return errStop
	}
	count := tlog.StoredHashCount(n)
	err := tx.ScanAuditHashes(ctx, count, func(idx int64, h liaison.Hash) error {
		if idx != want {
			return bad(want, 0, 0, "is missing")
		}
		want++
		level, n := tlog.SplitStoredHashIndex(idx)
		for len(left) <= level+1 {
			left, expect = append(left, tlog.Hash{}), append(expect, tlog.Hash{})
		}
		th := tlog.Hash(h)
		if level == 0 {
			leaves.Write(h[:])
		} else if th != expect[level] {
			return bad(idx, level, n, "does not match its children")
		}
		if n%2 == 0 {
			left[level] = th
		} else {
			expect[level+1] = tlog.NodeHash(left[level], th)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		r.Problem = err.Error()
		return nil
	}
	if r.Problem != "" {
		return nil
	}
	if want != count {
		r.FirstBad = n
		r.Problem = fmt.Sprintf("there are %d stored tree hashes, but %d entries need %d", want, n, count)
		return nil
	}
	return leaves.Sum(nil)
}

// entryPrefix is how the canonical text of entry idx begins.
func entryPrefix(idx int64) []byte {
	return strconv.AppendInt([]byte("liaison-audit-v1\nindex "), idx, 10)
}

// objectList is a list of object ids in one spelling: sorted, once each.
func objectList(ids string) string {
	l := strings.Fields(ids)
	slices.Sort(l)
	return strings.Join(slices.Compact(l), " ")
}

// VerifyIndex checks the search columns kept beside each entry (user,
// agency, action, object, the objects a bulk entry names, outcome, time)
// against the entry itself, so that
// nobody can hide an entry from "who accessed record X" by editing them.
// Verify proves the entries; VerifyIndex proves the index over them.
func VerifyIndex(ctx context.Context, store liaison.Store) (*Report, error) {
	r := &Report{FirstBad: -1, KeysFrom: "n/a"}
	err := store.View(ctx, func(tx liaison.Tx) error {
		err := tx.ScanAuditIndex(ctx, func(idx int64, entry []byte, col *liaison.AuditEvent) error {
			e, err := liaison.ParseAuditEntry(entry)
			if err != nil || e.Index != idx {
				r.FirstBad, r.Problem = idx, fmt.Sprintf("entry %d cannot be read back", idx)
				return errStop
			}
			if !e.At.Equal(col.At) || e.UserID != col.UserID || e.AgencyID != col.AgencyID || e.Action != col.Action ||
				e.ObjectType != col.ObjectType || e.ObjectID != col.ObjectID || e.Outcome != col.Outcome ||
				objectList(e.Details[liaison.AuditObjectsDetail]) != objectList(col.Details[liaison.AuditObjectsDetail]) {
				r.FirstBad, r.Problem = idx, fmt.Sprintf("the search columns of entry %d differ from the entry: queries would misfile it", idx)
				return errStop
			}
			r.Entries++
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		r.OK = r.Problem == ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
