package service_test

import (
	"encoding/base32"
	"net/url"
	"testing"
	"time"

	"liaison/service"
)

// rfc6238Secret is the SHA-1 seed of RFC 6238 Appendix B, in base32.
var rfc6238Secret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPCodeRFC6238(t *testing.T) {
	t.Parallel()
	// RFC 6238 Appendix B, SHA-1 rows. The RFC prints 8 digits; a 6-digit
	// code is the same number modulo 10^6, i.e. its last 6 digits.
	tests := []struct {
		unix     int64
		step     int64
		rfcCode8 string
	}{
		{59, 0x1, "94287082"},
		{1111111109, 0x23523EC, "07081804"},
		{1111111111, 0x23523ED, "14050471"},
		{1234567890, 0x273EF07, "89005924"},
		{2000000000, 0x3F940AA, "69279037"},
		{20000000000, 0x27BC86AA, "65353130"},
	}
	for _, tt := range tests {
		at := time.Unix(tt.unix, 0).UTC()
		if got, want := service.TOTPStep(at), tt.step; got != want {
			t.Errorf("TOTPStep(%d): got %#x, want %#x", tt.unix, got, want)
		}
		got, err := service.TOTPCode(rfc6238Secret, service.TOTPStep(at))
		if err != nil {
			t.Fatalf("TOTPCode at %d: %v", tt.unix, err)
		}
		if want := tt.rfcCode8[2:]; got != want {
			t.Errorf("TOTPCode at %d: got %q, want %q", tt.unix, got, want)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999999999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(59, 0), 1},
		{time.Unix(60, 0), 2},
		// The step depends on the instant, not the zone it is written in.
		{time.Date(2026, 11, 25, 9, 0, 10, 0, time.FixedZone("EST", -5*3600)), time.Date(2026, 11, 25, 14, 0, 10, 0, time.UTC).Unix() / 30},
	}
	for _, tt := range tests {
		if got := service.TOTPStep(tt.at); got != tt.want {
			t.Errorf("TOTPStep(%v): got %d, want %d", tt.at, got, tt.want)
		}
	}
}

func TestTOTPCodeBadSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"not base32!", "GEZDGNBV1", "GEZD GNBV"} {
		if got, err := service.TOTPCode(secret, 1); err == nil {
			t.Errorf("TOTPCode(%q): got %q and no error, want an error", secret, got)
		}
	}
}

func TestTOTPCodeShape(t *testing.T) {
	t.Parallel()
	// Codes are always 6 digits, leading zeros kept, for many steps.
	secret := service.NewTOTPSecret()
	for step := range int64(2000) {
		c, err := service.TOTPCode(secret, step)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 6 {
			t.Fatalf("TOTPCode(step %d): got %q, want 6 digits", step, c)
		}
		for _, r := range c {
			if r < '0' || r > '9' {
				t.Fatalf("TOTPCode(step %d): got %q, want digits only", step, c)
			}
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		s := service.NewTOTPSecret()
		key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
		if err != nil {
			t.Fatalf("NewTOTPSecret: %q is not unpadded base32: %v", s, err)
		}
		if got, want := len(key), 20; got != want {
			t.Errorf("NewTOTPSecret: got a %d-byte key, want %d (160 bits, RFC 4226)", got, want)
		}
		if seen[s] {
			t.Fatalf("NewTOTPSecret: %q returned twice", s)
		}
		seen[s] = true
		if _, err := service.TOTPCode(s, 1); err != nil {
			t.Errorf("TOTPCode(NewTOTPSecret()): %v", err)
		}
	}
}

func TestOTPAuthURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		issuer, account string
		wantLabel       string // the unescaped path after "/"
	}{
		{"Liaison", "alice", "Liaison:alice"},
		{"Liaison Staging", "bob.smith", "Liaison Staging:bob.smith"},
		{"Fusion/Center", "c_d", "Fusion/Center:c_d"},
	}
	for _, tt := range tests {
		raw := service.OTPAuthURI(tt.issuer, tt.account, rfc6238Secret)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("OTPAuthURI: %q does not parse: %v", raw, err)
		}
		if got, want := u.Scheme, "otpauth"; got != want {
			t.Errorf("%s: scheme: got %q, want %q", raw, got, want)
		}
		if got, want := u.Host, "totp"; got != want {
			t.Errorf("%s: type: got %q, want %q", raw, got, want)
		}
		if got, want := u.Path, "/"+tt.wantLabel; got != want {
			t.Errorf("%s: label: got %q, want %q", raw, got, want)
		}
		q := u.Query()
		for k, want := range map[string]string{"secret": rfc6238Secret, "issuer": tt.issuer,
			"algorithm": "SHA1", "digits": "6", "period": "30"} {
			if got := q.Get(k); got != want {
				t.Errorf("%s: %s: got %q, want %q", raw, k, got, want)
			}
		}
	}
}
