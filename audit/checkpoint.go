package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"liaison"
)

// origin is the first line of every checkpoint's text.
const originPrefix = "liaison audit log "

// Signer signs checkpoints for one node.
type Signer struct {
	Name        string // the key name, e.g. "liaison-node-1"
	VerifierKey string // public: publish it; auditors verify with it
	signer      note.Signer
}

// NewSigner parses a note signer key.
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("audit: signer key: %w", err)
	}
	return &Signer{Name: s.Name(), signer: s}, nil
}

// KeyFile is the signer key's file name in the data directory.
const KeyFile = "audit-signer.key"

// LoadOrCreateSigner reads the node's signer key from dir, creating a new
// Ed25519 key named name (0600) the first time.
func LoadOrCreateSigner(dir, name string) (*Signer, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(skey+"\n"+vkey+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("audit: writing the signer key: %w", err)
		}
		b = []byte(skey + "\n" + vkey + "\n")
	} else if err != nil {
		return nil, fmt.Errorf("audit: reading the signer key: %w", err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 2 {
		return nil, fmt.Errorf("audit: %s must hold the signer key and the verifier key on two lines", path)
	}
	s, err := NewSigner(lines[0])
	if err != nil {
		return nil, err
	}
	if _, err := note.NewVerifier(lines[1]); err != nil {
		return nil, fmt.Errorf("audit: verifier key in %s: %w", path, err)
	}
	s.VerifierKey = lines[1]
	return s, nil
}

// checkpointText is the signed text: origin, size and root, RFC 6962 style.
func checkpointText(origin string, size int64, root liaison.Hash) string {
	return originPrefix + origin + "\n" + strconv.FormatInt(size, 10) + "\n" + root.String() + "\n"
}

// Checkpoint signs the log's current tree head, stores it and returns it.
// If the head was signed already, it returns that checkpoint.
func Checkpoint(ctx context.Context, store liaison.Store, s *Signer) (*liaison.Checkpoint, error) {
	if _, err := Sequence(ctx, store); err != nil {
		return nil, err
	}
	var c *liaison.Checkpoint
	err := store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.LockAuditLog(ctx); err != nil {
			return err
		}
		if err := tx.PutAuditKey(ctx, s.VerifierKey, now()); err != nil {
			return err
		}
		size, root, err := TreeHead(ctx, tx)
		if err != nil {
			return err
		}
		if old, err := tx.FindCheckpoint(ctx, size); err == nil {
			c = old
			return nil
		} else if liaison.ErrorCode(err) != liaison.ENOTFOUND {
			return err
		}
		msg, err := note.Sign(&note.Note{Text: checkpointText(s.Name, size, root)}, s.signer)
		if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.Checkpoint", Err: err}
		}
		c = &liaison.Checkpoint{Size: size, Root: root, Note: string(msg), Created: now()}
		return tx.AddCheckpoint(ctx, c)
	})
	return c, err
}

// OpenCheckpoint verifies a signed checkpoint against the verifier keys and
// returns the size and root it signs. At least one known key must have signed.
func OpenCheckpoint(msg string, verifierKeys ...string) (int64, liaison.Hash, error) {
	var vs []note.Verifier
	for _, k := range verifierKeys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return 0, liaison.Hash{}, fmt.Errorf("verifier key %q: %w", k, err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(msg), note.VerifierList(vs...))
	if err != nil {
		return 0, liaison.Hash{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	return parseCheckpointText(n.Text)
}

func parseCheckpointText(text string) (int64, liaison.Hash, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], originPrefix) || lines[3] != "" {
		return 0, liaison.Hash{}, errors.New("not a Liaison audit checkpoint")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return 0, liaison.Hash{}, errors.New("checkpoint size is not a number")
	}
	var root liaison.Hash
	if err := root.UnmarshalText([]byte(lines[2])); err != nil {
		return 0, liaison.Hash{}, errors.New("checkpoint root is not a hash")
	}
	return size, root, nil
}

// Cosign adds a co-signature to a stored checkpoint. cosigned is the same
// checkpoint text signed (also) by the co-signer whose verifier key is
// given; it must verify with that key.
func Cosign(ctx context.Context, store liaison.Store, size int64, cosigned, verifierKey string) (*liaison.Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(verifierKey))
	if err != nil {
		return nil, liaison.FieldErrorf("verifier_key", "is not a note verifier key: %v", err)
	}
	in, err := note.Open([]byte(cosigned), note.VerifierList(v))
	if err != nil {
		return nil, liaison.FieldErrorf("note", "does not carry a valid signature by %s: %v", v.Name(), err)
	}
	var c *liaison.Checkpoint
	err = store.Update(ctx, func(tx liaison.Tx) error {
		if c, err = tx.FindCheckpoint(ctx, size); err != nil {
			return err
		}
		stored, err := note.Open([]byte(c.Note), unverified{})
		var unv *note.UnverifiedNoteError
		if errors.As(err, &unv) {
			stored = unv.Note
		} else if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.Cosign", Err: err}
		}
		if stored.Text != in.Text {
			return liaison.FieldErrorf("note", "signs a different text from checkpoint %d", size)
		}
		sigs := stored.UnverifiedSigs
		for _, s := range in.Sigs {
			dup := false
			for _, have := range sigs {
				dup = dup || have.Hash == s.Hash
			}
			if !dup {
				sigs = append(sigs, s)
			}
		}
		msg, err := note.Sign(&note.Note{Text: stored.Text, Sigs: sigs})
		if err != nil {
			return &liaison.Error{Code: liaison.EINTERNAL, Op: "audit.Cosign", Err: err}
		}
		c.Note = string(msg)
		if err := tx.PutAuditKey(ctx, verifierKey, now()); err != nil {
			return err
		}
		return tx.UpdateCheckpointNote(ctx, size, c.Note)
	})
	return c, err
}

// unverified knows no keys, so every signature is kept as unverified.
type unverified struct{}

func (unverified) Verifier(name string, hash uint32) (note.Verifier, error) {
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// Checkpointer signs a checkpoint at an interval when the log has grown.
type Checkpointer struct {
	Store    liaison.Store
	Signer   *Signer
	Interval time.Duration
	// OnError is told of a failed checkpoint (the loop goes on).
	OnError func(error)
}

// Run signs checkpoints until ctx ends.
func (c *Checkpointer) Run(ctx context.Context) error {
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		if _, err := Checkpoint(ctx, c.Store, c.Signer); err != nil && ctx.Err() == nil && c.OnError != nil {
			c.OnError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
