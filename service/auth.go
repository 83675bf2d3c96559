package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"liaison"
)

// TokenPrefix starts every API token, so secret scanners can spot leaks.
const TokenPrefix = "lsn_"

// randomToken returns n random bytes in URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how session and API tokens are kept at rest. The tokens are
// 256-bit random values, so a fast hash is enough: there is nothing to brute-force.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

var errBadLogin = liaison.Errorf(liaison.EUNAUTHORIZED, "wrong login or password")

// dummyHash is verified against when the login does not exist, so a
// missing account costs the same time as a wrong password: one argon2id run
// at the current cost. It is made once per cost setting.
func (s *Service) dummyHash() string {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummy == "" || s.dummyFor != s.Argon2 {
		s.dummy, s.dummyFor = s.Argon2.HashPassword("no such account, constant-time padding"), s.Argon2
	}
	return s.dummy
}

// LoginResult is the outcome of a password check.
type LoginResult struct {
	Token   string // session token for the cookie; send it back for the second factor
	Session *liaison.Session
	User    *liaison.User
	// NeedsEnrolment is set when the user has no second factor yet and
	// must enrol one before the session is usable.
	NeedsEnrolment bool
}

// Login checks a password and opens a session that still needs its second
// factor. EUNAUTHORIZED for a wrong login or password and for a locked or
// disabled account. Five failures within 15 minutes lock the account until
// an admin unlocks it.
func (s *Service) Login(ctx context.Context, login, password string) (*LoginResult, error) {
	a := liaison.ActorFrom(ctx)
	login = strings.ToLower(strings.TrimSpace(login))
	var u *liaison.User
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		u, err = tx.FindUserByLogin(ctx, login)
		return err
	})
	if liaison.ErrorCode(err) == liaison.ENOTFOUND {
		if _, err := s.checkPassword(ctx, s.dummyHash(), password); err != nil {
			return nil, err
		}
		e := liaison.NewAuditEvent(ctx, s.now(), "login.failure", "user", "")
		e.Outcome, e.Reason, e.Details = liaison.OutcomeFailure, "unknown login", map[string]string{"login": truncate(login, 64)}
		if err := s.Store.Update(ctx, func(tx liaison.Tx) error { return s.audit(ctx, tx, e) }); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	} else if err != nil {
		return nil, err
	}
	ok, err := s.checkPassword(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if err := s.refuseBlocked(ctx, u, "login"); err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.failAttempt(ctx, u, "password", "wrong password")
	}
	now := s.now()
	tok := randomToken(32)
	sess := &liaison.Session{ID: liaison.NewID(), TokenHash: hashToken(tok), UserID: u.ID, CSRFToken: randomToken(32),
		Created: now, Authenticated: now, LastSeen: now, IP: a.IP, UserAgent: truncate(a.UserAgent, 256)}
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "login.password", "user", u.ID)
		e.UserID, e.AgencyID, e.Actor = u.ID, u.AgencyID, u.Login
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: tok, Session: sess, User: u, NeedsEnrolment: u.MFAEnrolled == nil}, nil
}

// refuseBlocked audits and refuses a login by a locked or disabled account.
func (s *Service) refuseBlocked(ctx context.Context, u *liaison.User, what string) error {
	var reason, msg string
	switch {
	case u.Disabled:
		reason, msg = "account disabled", "this account is disabled; ask your agency's administrator"
	case u.Locked != nil:
		reason, msg = "account locked", "this account is locked after repeated failed sign-ins; ask an administrator to unlock it"
	default:
		return nil
	}
	e := liaison.NewAuditEvent(ctx, s.now(), what+".refused", "user", u.ID)
	e.UserID, e.AgencyID, e.Actor, e.Outcome, e.Reason = u.ID, u.AgencyID, u.Login, liaison.OutcomeDenied, reason
	if err := s.Store.Update(ctx, func(tx liaison.Tx) error { return s.audit(ctx, tx, e) }); err != nil {
		return err
	}
	return liaison.Errorf(liaison.EUNAUTHORIZED, "%s", msg)
}

// failAttempt records a failed factor and locks the account on the fifth
// failure within the window. It returns the error to show.
func (s *Service) failAttempt(ctx context.Context, u *liaison.User, factor, reason string) error {
	a := liaison.ActorFrom(ctx)
	now := s.now()
	locked := false
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.AddLoginAttempt(ctx, &liaison.LoginAttempt{ID: liaison.NewID(), UserID: u.ID, At: now,
			Factor: factor, IP: a.IP}); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "login.failure", "user", u.ID)
		e.UserID, e.AgencyID, e.Actor, e.Outcome, e.Reason = u.ID, u.AgencyID, u.Login, liaison.OutcomeFailure, reason
		e.Details = map[string]string{"factor": factor}
		if err := s.audit(ctx, tx, e); err != nil {
			return err
		}
		n, err := tx.CountLoginFailures(ctx, u.ID, now.Add(-liaison.LockoutWindow))
		if err != nil || n < liaison.LockoutFailures {
			return err
		}
		cur, err := tx.FindUserByID(ctx, u.ID)
		if err != nil || cur.Locked != nil {
			return err
		}
		cur.Locked, cur.Updated, locked = &now, now, true
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		e = liaison.NewAuditEvent(ctx, now, "account.lock", "user", u.ID)
		e.UserID, e.AgencyID, e.Actor = u.ID, u.AgencyID, u.Login
		e.Reason = "5 failed sign-in attempts within 15 minutes"
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	if locked {
		return liaison.Errorf(liaison.EUNAUTHORIZED, "too many failed attempts: the account is now locked; ask an administrator to unlock it")
	}
	if factor == "password" {
		return errBadLogin
	}
	return liaison.FieldErrorf("code", "is not the current code from your authenticator app, nor an unused recovery code")
}

// session loads the session and its user for token, whatever its MFA
// state; EUNAUTHORIZED if it is unknown, expired or its user is blocked.
func (s *Service) session(ctx context.Context, tx liaison.Tx, token string) (*liaison.Session, *liaison.User, error) {
	if token == "" {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	sess, err := tx.FindSessionByTokenHash(ctx, hashToken(token))
	if liaison.ErrorCode(err) == liaison.ENOTFOUND {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "your session has ended; sign in again")
	} else if err != nil {
		return nil, nil, err
	}
	if sess.Expired(s.now()) {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "your session expired; sign in again")
	}
	u, err := tx.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled || u.Locked != nil {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "this account is locked or disabled")
	}
	return sess, u, nil
}

// EnrolmentStart is what a user needs to add Liaison to an authenticator app.
type EnrolmentStart struct {
	Secret string // base32, for manual entry
	URI    string // otpauth:// URI, for a QR code
}

// BeginEnrolment gives a user who has no second factor yet a TOTP secret.
// Calling it again before confirming returns the same secret.
func (s *Service) BeginEnrolment(ctx context.Context, token string) (*EnrolmentStart, error) {
	var out *EnrolmentStart
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		_, u, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if u.MFAEnrolled != nil {
			return liaison.Errorf(liaison.ECONFLICT, "a second factor is already enrolled; use its code")
		}
		if u.TOTPSecret == "" {
			u.TOTPSecret, u.Updated = NewTOTPSecret(), s.now()
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		out = &EnrolmentStart{Secret: u.TOTPSecret, URI: OTPAuthURI(s.Issuer, u.Login, u.TOTPSecret)}
		return nil
	})
	return out, err
}

// MFAResult is a session that passed its second factor.
type MFAResult struct {
	Token         string // a new session token: the old one is void (no fixation)
	Session       *liaison.Session
	User          *liaison.User
	RecoveryCodes []string // shown once, at enrolment
}

// ConfirmEnrolment checks the first code from the authenticator app,
// enrols it, issues recovery codes and completes the sign-in.
func (s *Service) ConfirmEnrolment(ctx context.Context, token, code string) (*MFAResult, error) {
	return s.secondFactor(ctx, token, code, true)
}

// VerifyMFA completes a sign-in with a TOTP code or a recovery code.
func (s *Service) VerifyMFA(ctx context.Context, token, code string) (*MFAResult, error) {
	return s.secondFactor(ctx, token, code, false)
}

func (s *Service) secondFactor(ctx context.Context, token, code string, enrol bool) (*MFAResult, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if code == "" {
		return nil, liaison.FieldErrorf("code", "is required: type the 6-digit code from your authenticator app")
	}
	var failed *liaison.User
	var factor string
	var res *MFAResult
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		sess, u, err := s.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if sess.MFADone {
			return liaison.Errorf(liaison.ECONFLICT, "this session has already passed its second factor")
		}
		now := s.now()
		switch {
		case enrol && u.MFAEnrolled != nil:
			return liaison.Errorf(liaison.ECONFLICT, "a second factor is already enrolled; use its code")
		case enrol && u.TOTPSecret == "":
			return liaison.Errorf(liaison.ECONFLICT, "start enrolment first")
		case !enrol && u.MFAEnrolled == nil:
			return liaison.Errorf(liaison.EFORBIDDEN, "enrol a second factor first")
		}
		factor = "totp"
		step := int64(-1)
		if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
			step = verifyTOTP(u.TOTPSecret, code, now, u.TOTPLastStep)
		} else if !enrol {
			factor = "recovery"
			err := tx.UseRecoveryCode(ctx, u.ID, hashToken(normalizeRecovery(code)), now)
			if liaison.ErrorCode(err) == liaison.ENOTFOUND {
				failed = u
				return nil
			} else if err != nil {
				return err
			}
			step = u.TOTPLastStep
		}
		if step < 0 {
			failed = u
			return nil
		}
		res = &MFAResult{User: u}
		u.TOTPLastStep, u.Updated = step, now
		if enrol {
			u.MFAEnrolled = &now
			codes, hashes := newRecoveryCodes()
			if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
				return err
			}
			res.RecoveryCodes = codes
			e := liaison.NewAuditEvent(ctx, now, "mfa.enrol", "user", u.ID)
			e.UserID, e.AgencyID, e.Actor = u.ID, u.AgencyID, u.Login
			if err := s.audit(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		res.Token = randomToken(32)
		sess.TokenHash, sess.MFADone, sess.Authenticated, sess.LastSeen = hashToken(res.Token), true, now, now
		sess.CSRFToken = randomToken(32)
		if err := tx.UpdateSession(ctx, sess); err != nil {
			return err
		}
		res.Session = sess
		if err := tx.AddLoginAttempt(ctx, &liaison.LoginAttempt{ID: liaison.NewID(), UserID: u.ID, At: now,
			Success: true, Factor: factor, IP: liaison.ActorFrom(ctx).IP}); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "login.success", "user", u.ID)
		e.UserID, e.AgencyID, e.Actor = u.ID, u.AgencyID, u.Login
		e.Details = map[string]string{"factor": factor, "session_id": sess.ID}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	if failed != nil {
		return nil, s.failAttempt(ctx, failed, factor, "wrong "+factor+" code")
	}
	return res, nil
}

func newRecoveryCodes() (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no look-alikes
	for range liaison.RecoveryCodeCount {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		c := string(b[0:4]) + "-" + string(b[4:8]) + "-" + string(b[8:12])
		codes = append(codes, c)
		hashes = append(hashes, hashToken(normalizeRecovery(c)))
	}
	return codes, hashes
}

func normalizeRecovery(c string) string {
	return strings.ToLower(strings.ReplaceAll(c, "-", ""))
}

// Authenticate returns the user of a fully signed-in session and marks it
// used. EUNAUTHORIZED if the session is unknown, expired (12 hours since
// sign-in or 30 minutes idle), still waiting for its second factor, or its
// user is locked or disabled.
func (s *Service) Authenticate(ctx context.Context, token string) (*liaison.Session, *liaison.User, error) {
	sess, u, err := s.AuthenticatePassive(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	// Touch at most once a minute: idle expiry needs no finer grain, and it
	// spares the single writer a write per request. The touch re-checks the
	// session in its own transaction: it may have ended since the read.
	if now := s.now(); now.Sub(sess.LastSeen) > time.Minute {
		err := s.Store.Update(ctx, func(tx liaison.Tx) error {
			cur, cu, err := s.session(ctx, tx, token)
			if err != nil {
				return err
			}
			cur.LastSeen = now
			sess, u = cur, cu
			return tx.UpdateSession(ctx, cur)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// PendingSession returns the session and user of a sign-in waiting for its
// second factor; EUNAUTHORIZED otherwise.
func (s *Service) PendingSession(ctx context.Context, token string) (*liaison.Session, *liaison.User, error) {
	var sess *liaison.Session
	var u *liaison.User
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		sess, u, err = s.session(ctx, tx, token)
		return err
	})
	if err == nil && sess.MFADone {
		return nil, nil, liaison.Errorf(liaison.ECONFLICT, "already signed in")
	}
	return sess, u, err
}

// Logout ends the session of token; an unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		sess, err := tx.FindSessionByTokenHash(ctx, hashToken(token))
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, s.now(), "logout", "session", sess.ID))
	})
}

// Unlock releases a locked account. Admins only; ENOTFOUND.
func (s *Service) Unlock(ctx context.Context, idOrLogin string) (*liaison.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "account.unlock", "user", idOrLogin, err)
	}
	var u *liaison.User
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if u, err = findUser(ctx, tx, idOrLogin); err != nil {
			return err
		}
		now := s.now()
		u.Locked, u.Updated = nil, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		// A success resets the failure count so the next mistake does not re-lock at once.
		if err := tx.AddLoginAttempt(ctx, &liaison.LoginAttempt{ID: liaison.NewID(), UserID: u.ID, At: now,
			Success: true, Factor: "unlock"}); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "account.unlock", "user", u.ID))
	})
	return u, err
}

// ResetMFA removes a user's second factor so they enrol again at their next
// sign-in (a lost phone). Admins only; ENOTFOUND.
func (s *Service) ResetMFA(ctx context.Context, idOrLogin string) (*liaison.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "mfa.reset", "user", idOrLogin, err)
	}
	var u *liaison.User
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if u, err = findUser(ctx, tx, idOrLogin); err != nil {
			return err
		}
		now := s.now()
		u.MFAEnrolled, u.TOTPSecret, u.TOTPLastStep, u.Updated = nil, "", 0, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, nil); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "mfa.reset", "user", u.ID))
	})
	return u, err
}

// SetPassword changes a password: the user's own (with the current one) or
// any user's by an admin (current may be empty). Ends all the user's
// sessions. A wrong current password counts towards the lockout.
func (s *Service) SetPassword(ctx context.Context, idOrLogin, current, next string) error {
	a := liaison.ActorFrom(ctx)
	if err := requireUser(ctx); err != nil {
		return err
	}
	if err := CheckPassword("new_password", next); err != nil {
		return err
	}
	var u *liaison.User
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		var err error
		u, err = findUser(ctx, tx, idOrLogin)
		return err
	})
	if err != nil {
		return err
	}
	self := a.User != nil && a.User.ID == u.ID
	if !self && !a.IsAdmin() {
		return s.denied(ctx, "password.change", "user", u.ID,
			liaison.Errorf(liaison.EFORBIDDEN, "only administrators may set another user's password"))
	}
	if self {
		ok, err := s.checkPassword(ctx, u.PasswordHash, current)
		if err != nil {
			return err
		}
		if !ok {
			if err := s.failAttempt(ctx, u, "password", "wrong current password"); liaison.ErrorCode(err) != liaison.EUNAUTHORIZED {
				return err
			}
			return liaison.FieldErrorf("current_password", "is not your current password")
		}
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		cur, err := tx.FindUserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		now := s.now()
		cur.PasswordHash, cur.Updated = hash, now
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, cur.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "password.change", "user", cur.ID))
	})
}

func findUser(ctx context.Context, tx liaison.Tx, idOrLogin string) (*liaison.User, error) {
	if liaison.ValidID(idOrLogin) {
		return tx.FindUserByID(ctx, idOrLogin)
	}
	return tx.FindUserByLogin(ctx, strings.ToLower(idOrLogin))
}

// NewToken is a freshly created API token; Secret is shown once.
type NewToken struct {
	Token  *liaison.APIToken `json:"token"`
	Secret string            `json:"secret"`
}

// CreateToken issues an API token. Users may create their own; admins may
// create one for anyone. A token never carries more than its user's roles
// allow: the admin scope still needs the admin role. EINVALID, ENOTFOUND.
func (s *Service) CreateToken(ctx context.Context, in liaison.TokenInput) (*NewToken, error) {
	a := liaison.ActorFrom(ctx)
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	if in.UserID == "" && a.User != nil {
		in.UserID = a.User.ID
	}
	now := s.now()
	if in.Expires.IsZero() {
		ttl := in.TTL
		if ttl == 0 {
			ttl = 90 * 24 * time.Hour
		}
		in.Expires = now.Add(ttl)
	}
	var out *NewToken
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		u, err := findUser(ctx, tx, in.UserID)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return liaison.FieldErrorf("user_id", "no such user")
		} else if err != nil {
			return err
		}
		if (a.User == nil || a.User.ID != u.ID) && !a.IsAdmin() {
			return liaison.Errorf(liaison.EFORBIDDEN, "only administrators may create tokens for other users")
		}
		if a.Token != nil {
			return liaison.Errorf(liaison.EFORBIDDEN, "a token cannot mint tokens; sign in to create one")
		}
		secret := TokenPrefix + randomToken(32)
		t := &liaison.APIToken{ID: liaison.NewID(), UserID: u.ID, Name: strings.TrimSpace(in.Name),
			TokenHash: hashToken(secret), Prefix: secret[:len(TokenPrefix)+6], Scopes: in.Scopes,
			Created: now, Expires: in.Expires.UTC().Truncate(time.Microsecond)}
		if err := t.Validate(now); err != nil {
			return err
		}
		if t.Allows(liaison.ScopeAdmin) && !u.Has(liaison.RoleAdmin) {
			return liaison.FieldErrorf("scopes", "the admin scope needs a user with the admin role")
		}
		if err := tx.CreateToken(ctx, t); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "token.create", "api_token", t.ID)
		e.Details = map[string]string{"for_user": u.ID, "scopes": joinScopes(t.Scopes)}
		out = &NewToken{Token: t, Secret: secret}
		return s.audit(ctx, tx, e)
	})
	return out, err
}

func joinScopes(ss []liaison.Scope) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ",")
}

// AuthenticateToken returns the user and token for a bearer secret.
// EUNAUTHORIZED if it is unknown, expired, revoked or its user is blocked.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*liaison.APIToken, *liaison.User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, liaison.Errorf(liaison.EUNAUTHORIZED, "the bearer token is not a Liaison API token")
	}
	now := s.now()
	var t *liaison.APIToken
	var u *liaison.User
	check := func(tx liaison.Tx) error {
		var err error
		if t, err = tx.FindTokenByHash(ctx, hashToken(secret)); liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return liaison.Errorf(liaison.EUNAUTHORIZED, "unknown API token")
		} else if err != nil {
			return err
		}
		if u, err = tx.FindUserByID(ctx, t.UserID); err != nil {
			return err
		}
		switch {
		case t.Revoked != nil:
			return liaison.Errorf(liaison.EUNAUTHORIZED, "this API token was revoked")
		case !now.Before(t.Expires):
			return liaison.Errorf(liaison.EUNAUTHORIZED, "this API token expired; create a new one")
		case u.Disabled || u.Locked != nil:
			return liaison.Errorf(liaison.EUNAUTHORIZED, "the token's account is locked or disabled")
		}
		return nil
	}
	if err := s.Store.View(ctx, check); err != nil {
		return nil, nil, err
	}
	if t.LastUsed == nil || now.Sub(*t.LastUsed) > time.Minute {
		// Record the use at most once a minute, re-checking in the same
		// transaction so a revocation committed meanwhile is neither missed
		// nor overwritten.
		err := s.Store.Update(ctx, func(tx liaison.Tx) error {
			if err := check(tx); err != nil {
				return err
			}
			t.LastUsed = &now
			return tx.UpdateToken(ctx, t)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return t, u, nil
}

// RevokeToken voids a token. Its owner or an admin; ENOTFOUND.
func (s *Service) RevokeToken(ctx context.Context, id liaison.ID) (*liaison.APIToken, error) {
	a := liaison.ActorFrom(ctx)
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	var t *liaison.APIToken
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if !liaison.ValidID(id) {
			return liaison.Errorf(liaison.ENOTFOUND, "no such token")
		}
		if t, err = tx.FindTokenByID(ctx, id); err != nil {
			return err
		}
		if (a.User == nil || a.User.ID != t.UserID) && !a.IsAdmin() {
			return liaison.Errorf(liaison.ENOTFOUND, "no such token")
		}
		if t.Revoked != nil {
			return nil
		}
		now := s.now()
		t.Revoked = &now
		if err := tx.UpdateToken(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, "token.revoke", "api_token", t.ID))
	})
	return t, err
}

// ListTokens lists a user's tokens (own, or any user's for an admin).
func (s *Service) ListTokens(ctx context.Context, idOrLogin string, p liaison.Page) ([]*liaison.APIToken, string, error) {
	a := liaison.ActorFrom(ctx)
	if err := requireUser(ctx); err != nil {
		return nil, "", err
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.APIToken
	err := s.read(ctx, "token.list", "user", nil, func(tx liaison.Tx) (string, error) {
		u, err := findUser(ctx, tx, idOrLogin)
		if err != nil {
			return "", err
		}
		if (a.User == nil || a.User.ID != u.ID) && !a.IsAdmin() {
			return "", liaison.Errorf(liaison.EFORBIDDEN, "only administrators may list other users' tokens")
		}
		out, err = tx.ListTokens(ctx, u.ID, p.Clamp())
		return u.ID, err
	})
	return out, next(out, p, func(t *liaison.APIToken) string { return t.ID }), err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
