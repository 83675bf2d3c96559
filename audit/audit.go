// Package audit is Liaison's tamper-evident audit log: every audit event is
// a leaf of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog) kept in
// the store beside the act it records, and the node signs tree heads in the
// note format (golang.org/x/mod/sumdb/note) so that auditors, other
// agencies and the public can prove nobody rewrote history.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// Encode returns the canonical bytes of an event: the leaf data the Merkle
// tree hashes (see liaison.AuditEvent.Canonical).
func Encode(e *liaison.AuditEvent) []byte { return e.Canonical() }

// LeafHash is the Merkle leaf hash of an event.
func LeafHash(e *liaison.AuditEvent) liaison.Hash {
	return liaison.Hash(tlog.RecordHash(Encode(e)))
}

// hashReader reads stored tree hashes through a transaction.
func hashReader(ctx context.Context, tx liaison.Tx) tlog.HashReaderFunc {
	return func(idx []int64) ([]tlog.Hash, error) {
		hs, err := tx.ReadAuditHashes(ctx, idx)
		if err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = tlog.Hash(h)
		}
		return out, nil
	}
}

// Append records e inside tx, the transaction of the act it audits: if the
// act commits, its entry exists; if the entry cannot be written, the act
// fails. The entry waits in the audit queue until Sequence appends it to
// the Merkle log; holding no lock until commit keeps concurrent writers fast.
func Append(ctx context.Context, tx liaison.Tx, e *liaison.AuditEvent) error {
	if e.Node == "" {
		e.Node = NodeFrom(ctx)
	}
	if e.ID == "" {
		e.ID = liaison.NewID()
	}
	return tx.QueueAuditEvent(ctx, e)
}

// SequenceBatch is how many queued entries one sequencing transaction takes.
const SequenceBatch = 2000

// Sequence appends every queued entry to the Merkle log, oldest id first,
// in transactions of SequenceBatch, and returns how many it appended. One
// sequencer runs at a time (the store's audit lock), so indexes are dense.
func Sequence(ctx context.Context, store liaison.Store) (int, error) {
	total := 0
	for {
		n, err := sequenceBatch(ctx, store)
		total += n
		if err != nil || n < SequenceBatch {
			return total, err
		}
	}
}

func sequenceBatch(ctx context.Context, store liaison.Store) (int, error) {
	n := 0
	err := store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.LockAuditLog(ctx); err != nil {
			return err
		}
		queued, err := tx.ListQueuedAuditEvents(ctx, SequenceBatch)
		if err != nil || len(queued) == 0 {
			return err
		}
		size, err := tx.AuditLogSize(ctx)
		if err != nil {
			return err
		}
		// Hashes written in this batch are read back from memory.
		fresh := map[int64]tlog.Hash{}
		stored := hashReader(ctx, tx)
		reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			var missing []int64
			for i, x := range idx {
				if h, ok := fresh[x]; ok {
					out[i] = h
				} else {
					missing = append(missing, x)
				}
			}
			if len(missing) == 0 {
				return out, nil
			}
			got, err := stored(missing)
			if err != nil {
				return nil, err
			}
			for i, j := 0, 0; i < len(idx); i++ {
				if _, ok := fresh[idx[i]]; !ok {
					out[i] = got[j]
					j++
				}
			}
			return out, nil
		})
		ids := make([]liaison.ID, len(queued))
		entries := make([]liaison.AuditAppend, len(queued))
		for i, e := range queued {
			e.Index = size + int64(i)
			entry := e.Canonical()
			hs, err := tlog.StoredHashes(e.Index, entry, reader)
			if err != nil {
				return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.Sequence", Err: err}
			}
			first := tlog.StoredHashIndex(0, e.Index)
			for j, h := range hs {
				fresh[first+int64(j)] = h
			}
			entries[i] = liaison.AuditAppend{Event: e, Entry: entry, FirstHash: first, Hashes: fromTlog(hs)}
			ids[i] = e.ID
		}
		if err := tx.AppendAuditEvents(ctx, entries); err != nil {
			return err
		}
		n = len(queued)
		return tx.DeleteQueuedAuditEvents(ctx, ids)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Sequencer appends queued entries to the log shortly after they commit.
type Sequencer struct {
	Store    liaison.Store
	Interval time.Duration
	// OnError is told of a failed round (the loop goes on).
	OnError func(error)
}

// Run sequences until ctx ends.
func (s *Sequencer) Run(ctx context.Context) error {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := Sequence(ctx, s.Store); err != nil && ctx.Err() == nil && s.OnError != nil {
			s.OnError(err)
		}
	}
}

type nodeKey struct{}

// WithNode returns ctx naming the node that writes audit entries.
func WithNode(ctx context.Context, node string) context.Context {
	return context.WithValue(ctx, nodeKey{}, node)
}

// NodeFrom returns the node named in ctx, or "".
func NodeFrom(ctx context.Context) string {
	n, _ := ctx.Value(nodeKey{}).(string)
	return n
}

// TreeHead returns the current size and root of the log inside tx.
func TreeHead(ctx context.Context, tx liaison.Tx) (int64, liaison.Hash, error) {
	n, err := tx.AuditLogSize(ctx)
	if err != nil {
		return 0, liaison.Hash{}, err
	}
	h, err := tlog.TreeHash(n, hashReader(ctx, tx))
	if err != nil {
		return 0, liaison.Hash{}, &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.TreeHead", Err: err}
	}
	return n, liaison.Hash(h), nil
}

// InclusionProof shows that one entry is in the tree a checkpoint signed.
// It carries the entry's canonical text, so a verifier needs nothing but the
// checkpoint signer's public key.
type InclusionProof struct {
	Index      int64          `json:"index"`
	Entry      string         `json:"entry"` // canonical leaf data
	Checkpoint string         `json:"checkpoint"`
	Proof      []liaison.Hash `json:"proof"`
}

// ConsistencyProof shows that a later checkpoint's tree extends an earlier one.
type ConsistencyProof struct {
	Old   string         `json:"old_checkpoint"`
	New   string         `json:"new_checkpoint"`
	Proof []liaison.Hash `json:"proof"`
}

func toTlog(hs []liaison.Hash) []tlog.Hash {
	out := make([]tlog.Hash, len(hs))
	for i, h := range hs {
		out[i] = tlog.Hash(h)
	}
	return out
}

func fromTlog(hs []tlog.Hash) []liaison.Hash {
	out := make([]liaison.Hash, len(hs))
	for i, h := range hs {
		out[i] = liaison.Hash(h)
	}
	return out
}

// ProveInclusion returns a proof that entry index is in the tree of the
// checkpoint of size size (the latest checkpoint if size < 0).
func ProveInclusion(ctx context.Context, store liaison.Store, index, size int64) (*InclusionProof, error) {
	var p *InclusionProof
	err := store.View(ctx, func(tx liaison.Tx) error {
		c, err := tx.FindCheckpoint(ctx, size)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return liaison.Errorf(liaison.ENOTFOUND, "no checkpoint of size %d; sign one first (liaison audit checkpoint)", size)
		} else if err != nil {
			return err
		}
		if index < 0 || index >= c.Size {
			return liaison.FieldErrorf("index", "must be below the checkpoint's size %d", c.Size)
		}
		var entry *liaison.AuditEvent
		got, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{}, liaison.Page{After: strconv.FormatInt(index-1, 10), Limit: 1})
		if err != nil {
			return err
		}
		if len(got) == 1 {
			entry = got[0]
		}
		if entry == nil || entry.Index != index {
			return liaison.Errorf(liaison.ENOTFOUND, "audit entry %d is missing", index)
		}
		proof, err := tlog.ProveRecord(c.Size, index, hashReader(ctx, tx))
		if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.ProveInclusion", Err: err}
		}
		p = &InclusionProof{Index: index, Entry: string(Encode(entry)), Checkpoint: c.Note, Proof: fromTlog(proof)}
		return nil
	})
	return p, err
}

var errStop = errors.New("stop")

// ProveConsistency returns a proof that the checkpoint of size newSize
// extends the one of size oldSize.
func ProveConsistency(ctx context.Context, store liaison.Store, oldSize, newSize int64) (*ConsistencyProof, error) {
	var p *ConsistencyProof
	err := store.View(ctx, func(tx liaison.Tx) error {
		old, err := tx.FindCheckpoint(ctx, oldSize)
		if err != nil {
			return fmt.Errorf("checkpoint %d: %w", oldSize, err)
		}
		nw, err := tx.FindCheckpoint(ctx, newSize)
		if err != nil {
			return fmt.Errorf("checkpoint %d: %w", newSize, err)
		}
		if old.Size > nw.Size {
			return liaison.FieldErrorf("old", "must not be larger than new")
		}
		proof, err := tlog.ProveTree(nw.Size, old.Size, hashReader(ctx, tx))
		if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.ProveConsistency", Err: err}
		}
		p = &ConsistencyProof{Old: old.Note, New: nw.Note, Proof: fromTlog(proof)}
		return nil
	})
	return p, err
}

// CheckInclusion verifies an inclusion proof with nothing but the
// checkpoint signer's verifier key(s).
func CheckInclusion(p *InclusionProof, verifierKeys ...string) error {
	size, root, err := OpenCheckpoint(p.Checkpoint, verifierKeys...)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(p.Entry, "liaison-audit-v1\nindex "+strconv.FormatInt(p.Index, 10)+"\n") {
		return fmt.Errorf("the entry text is not entry %d", p.Index)
	}
	leaf := tlog.RecordHash([]byte(p.Entry))
	if err := tlog.CheckRecord(toTlog(p.Proof), size, tlog.Hash(root), p.Index, leaf); err != nil {
		return fmt.Errorf("entry %d is not in the signed tree of size %d: %w", p.Index, size, err)
	}
	return nil
}

// CheckConsistency verifies a consistency proof with nothing but the
// checkpoint signer's verifier key(s).
func CheckConsistency(p *ConsistencyProof, verifierKeys ...string) error {
	oldSize, oldRoot, err := OpenCheckpoint(p.Old, verifierKeys...)
	if err != nil {
		return fmt.Errorf("old checkpoint: %w", err)
	}
	newSize, newRoot, err := OpenCheckpoint(p.New, verifierKeys...)
	if err != nil {
		return fmt.Errorf("new checkpoint: %w", err)
	}
	if err := tlog.CheckTree(toTlog(p.Proof), newSize, tlog.Hash(newRoot), oldSize, tlog.Hash(oldRoot)); err != nil {
		return fmt.Errorf("the tree of size %d does not extend the tree of size %d: %w", newSize, oldSize, err)
	}
	return nil
}

// now is the checkpoint clock, truncated as the stores keep it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
