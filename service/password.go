package service

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"liaison"
)

// Argon2Params is the argon2id cost: memory in KiB, passes and lanes.
type Argon2Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows the OWASP Password Storage Cheat Sheet's second
// argon2id setting (19 MiB, 2 passes, 1 lane), which keeps a login well under
// 100 ms on two cores while costing an attacker 19 MiB per guess.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	minPasswordLen = 12
	maxPasswordLen = 256
)

// CheckPassword says what is wrong with a new password, if anything.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < minPasswordLen:
		return liaison.FieldErrorf(field, "must be at least %d characters; a passphrase of several words is easiest", minPasswordLen)
	case n > maxPasswordLen:
		return liaison.FieldErrorf(field, "must be at most %d characters", maxPasswordLen)
	case !utf8.ValidString(pw):
		return liaison.FieldErrorf(field, "must be valid UTF-8 text")
	}
	return nil
}

// HashPassword returns a PHC-format argon2id hash of pw.
func (p Argon2Params) HashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// verifyPassword checks pw against a PHC argon2id hash, using the cost
// recorded in the hash so older hashes keep working after a cost change.
func verifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// hashSlot waits for a free argon2id slot: at most GOMAXPROCS password
// hashes run at once, so a burst of sign-in attempts (credential stuffing)
// queues instead of holding 19 MiB per attempt and starving every core.
func (s *Service) hashSlot(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, &liaison.Error{Code: liaison.EINTERNAL, Message: "the request was cancelled", Err: err}
	}
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	case <-ctx.Done():
		return nil, &liaison.Error{Code: liaison.EINTERNAL, Message: "the server is busy checking passwords; try again", Err: ctx.Err()}
	}
}

// checkPassword verifies pw against hash inside a hash slot.
func (s *Service) checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return verifyPassword(hash, pw), nil
}

// hashPassword hashes pw at the service's cost inside a hash slot.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return s.Argon2.HashPassword(pw), nil
}
