package service

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app takes).
const (
	totpDigits = 6
	totpPeriod = 30
	totpSkew   = 1 // accept one step either side for clock drift
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret in base32, as RFC 4226 recommends.
func NewTOTPSecret() string {
	k := make([]byte, 20)
	_, _ = rand.Read(k)
	return b32.EncodeToString(k)
}

// TOTPCode returns the code for secret (base32) at time step `step`.
func TOTPCode(secret string, step int64) (string, error) {
	key, err := b32.DecodeString(secret)
	if err != nil {
		return "", fmt.Errorf("totp: secret is not base32: %w", err)
	}
	return hotp(key, uint64(step), totpDigits), nil
}

// TOTPStep returns the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// hotp is RFC 4226 section 5.3.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// verifyTOTP returns the matching step for code near t, or -1. Steps at or
// before lastStep are refused so a code cannot be replayed.
func verifyTOTP(secret, code string, t time.Time, lastStep int64) int64 {
	now := TOTPStep(t)
	for d := -totpSkew; d <= totpSkew; d++ {
		step := now + int64(d)
		if step <= lastStep {
			continue
		}
		want, err := TOTPCode(secret, step)
		if err == nil && hmac.Equal([]byte(want), []byte(code)) {
			return step
		}
	}
	return -1
}

// OTPAuthURI is the key URI authenticator apps scan (Google Authenticator format).
func OTPAuthURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(totpDigits))
	v.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}
