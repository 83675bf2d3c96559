// Package liaison is the vocabulary of the Liaison counterterrorism
// partnership platform: its domain types, the rules they obey, the error
// codes services return and the storage interfaces the adapters implement.
//
// It imports only the standard library. Technology lives in sub-packages
// (sqlite, postgres, http, ...) which speak this vocabulary and nothing else.
package liaison

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// Version is the build version, set by the linker in release builds.
var Version = "dev"

// ID is a time-ordered UUIDv7 (RFC 9562) in its canonical text form.
// Time-ordered keys keep B-tree inserts at the right edge of the index;
// random v4 keys measured 3.5x slower inserts on SQLite.
type ID = string

// IDGenerator makes UUIDv7 identifiers that are strictly increasing within
// one process, even for many identifiers in the same millisecond.
type IDGenerator struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16 // 12-bit counter in rand_a (RFC 9562 section 6.2, method 1)
	now    func() time.Time
}

var defaultIDs = &IDGenerator{now: time.Now}

// NewID returns a fresh time-ordered identifier.
func NewID() ID { return defaultIDs.New() }

// New returns a fresh time-ordered identifier.
func (g *IDGenerator) New() ID {
	var b [16]byte
	_, _ = rand.Read(b[6:])

	g.mu.Lock()
	ms := g.now().UnixMilli()
	if ms <= g.lastMS {
		g.seq++
		if g.seq > 0x0fff { // counter exhausted: borrow the next millisecond
			g.lastMS++
			g.seq = 0
		}
		ms = g.lastMS
	} else {
		g.lastMS = ms
		g.seq = binary.BigEndian.Uint16(b[6:8]) & 0x01ff // random start, leaves room to count
	}
	seq := g.seq
	g.mu.Unlock()

	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)&0x0f
	b[7] = byte(seq)
	b[8] = b[8]&0x3f | 0x80

	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ValidID reports whether s is a canonical lower-case UUID string.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Page asks for one page of a list ordered by identifier.
type Page struct {
	// After is the identifier of the last item of the previous page, or empty.
	After ID
	// Limit is the page size; services clamp it to [1, MaxPageSize].
	Limit int
}

// Page size bounds.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Clamp returns p with its limit inside the allowed bounds.
func (p Page) Clamp() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}
