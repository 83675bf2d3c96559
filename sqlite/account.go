package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"liaison"
)

const sessionCols = "id, token_hash, user_id, csrf_token, mfa_done, created, authenticated, last_seen, ip, user_agent"

func scanSession(s scanner) (*liaison.Session, error) {
	var v liaison.Session
	var created, authn, seen int64
	if err := s.Scan(&v.ID, &v.TokenHash, &v.UserID, &v.CSRFToken, &v.MFADone, &created, &authn, &seen,
		&v.IP, &v.UserAgent); err != nil {
		return nil, err
	}
	v.Created, v.Authenticated, v.LastSeen = fromUS(created), fromUS(authn), fromUS(seen)
	return &v, nil
}

// CreateSession implements liaison.Tx.
func (t *Tx) CreateSession(ctx context.Context, s *liaison.Session) error {
	return t.exec(ctx, "sqlite.CreateSession", "", "user_id", false,
		"INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.TokenHash, s.UserID, s.CSRFToken, s.MFADone, us(s.Created), us(s.Authenticated), us(s.LastSeen),
		s.IP, s.UserAgent)
}

// FindSessionByTokenHash implements liaison.Tx.
func (t *Tx) FindSessionByTokenHash(ctx context.Context, hash string) (*liaison.Session, error) {
	s, err := scanSession(t.tx.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?", hash))
	return s, translate("sqlite.FindSessionByTokenHash", err, "", "")
}

// UpdateSession implements liaison.Tx.
func (t *Tx) UpdateSession(ctx context.Context, s *liaison.Session) error {
	return t.exec(ctx, "sqlite.UpdateSession", "", "", true,
		"UPDATE sessions SET token_hash = ?, csrf_token = ?, mfa_done = ?, authenticated = ?, last_seen = ? WHERE id = ?",
		s.TokenHash, s.CSRFToken, s.MFADone, us(s.Authenticated), us(s.LastSeen), s.ID)
}

// DeleteSession implements liaison.Tx.
func (t *Tx) DeleteSession(ctx context.Context, id liaison.ID) error {
	return t.exec(ctx, "sqlite.DeleteSession", "", "", false, "DELETE FROM sessions WHERE id = ?", id)
}

// DeleteUserSessions implements liaison.Tx.
func (t *Tx) DeleteUserSessions(ctx context.Context, userID liaison.ID) error {
	return t.exec(ctx, "sqlite.DeleteUserSessions", "", "", false, "DELETE FROM sessions WHERE user_id = ?", userID)
}

const tokenCols = "id, user_id, name, token_hash, prefix, scopes, created, expires, last_used, revoked"

func scanToken(s scanner) (*liaison.APIToken, error) {
	var v liaison.APIToken
	var scopes string
	var created, expires int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&v.ID, &v.UserID, &v.Name, &v.TokenHash, &v.Prefix, &scopes, &created, &expires,
		&used, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &v.Scopes); err != nil {
		return nil, err
	}
	v.Created, v.Expires = fromUS(created), fromUS(expires)
	v.LastUsed, v.Revoked = fromNullUS(used), fromNullUS(revoked)
	return &v, nil
}

// CreateToken implements liaison.Tx.
func (t *Tx) CreateToken(ctx context.Context, v *liaison.APIToken) error {
	return t.exec(ctx, "sqlite.CreateToken", "", "user_id", false,
		"INSERT INTO api_tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v.ID, v.UserID, v.Name, v.TokenHash, v.Prefix, mustJSON(v.Scopes), us(v.Created), us(v.Expires),
		nullUS(v.LastUsed), nullUS(v.Revoked))
}

// FindTokenByHash implements liaison.Tx.
func (t *Tx) FindTokenByHash(ctx context.Context, hash string) (*liaison.APIToken, error) {
	v, err := scanToken(t.tx.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE token_hash = ?", hash))
	return v, translate("sqlite.FindTokenByHash", err, "", "")
}

// FindTokenByID implements liaison.Tx.
func (t *Tx) FindTokenByID(ctx context.Context, id liaison.ID) (*liaison.APIToken, error) {
	v, err := scanToken(t.tx.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = ?", id))
	return v, translate("sqlite.FindTokenByID", err, "", "")
}

// UpdateToken implements liaison.Tx.
func (t *Tx) UpdateToken(ctx context.Context, v *liaison.APIToken) error {
	return t.exec(ctx, "sqlite.UpdateToken", "", "", true,
		"UPDATE api_tokens SET last_used = ?, revoked = ? WHERE id = ?", nullUS(v.LastUsed), nullUS(v.Revoked), v.ID)
}

// ListTokens implements liaison.Tx.
func (t *Tx) ListTokens(ctx context.Context, userID liaison.ID, p liaison.Page) ([]*liaison.APIToken, error) {
	var q query
	q.add("user_id = ?", userID)
	s, args := q.page("SELECT "+tokenCols+" FROM api_tokens", p)
	return list(ctx, t, "sqlite.ListTokens", s, args, scanToken)
}

// AddLoginAttempt implements liaison.Tx.
func (t *Tx) AddLoginAttempt(ctx context.Context, a *liaison.LoginAttempt) error {
	return t.exec(ctx, "sqlite.AddLoginAttempt", "", "user_id", false,
		"INSERT INTO login_attempts (id, user_id, at, success, factor, ip) VALUES (?, ?, ?, ?, ?, ?)",
		a.ID, a.UserID, us(a.At), a.Success, a.Factor, a.IP)
}

// CountLoginFailures implements liaison.Tx.
func (t *Tx) CountLoginFailures(ctx context.Context, userID liaison.ID, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts
		WHERE user_id = ?1 AND success = 0 AND at >= ?2
		AND at > coalesce((SELECT max(at) FROM login_attempts WHERE user_id = ?1 AND success = 1), -1)`,
		userID, us(since)).Scan(&n)
	return n, translate("sqlite.CountLoginFailures", err, "", "")
}

// ReplaceRecoveryCodes implements liaison.Tx.
func (t *Tx) ReplaceRecoveryCodes(ctx context.Context, userID liaison.ID, hashes []string) error {
	const op = "sqlite.ReplaceRecoveryCodes"
	if err := t.exec(ctx, op, "", "", false, "DELETE FROM recovery_codes WHERE user_id = ?", userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.exec(ctx, op, "", "user_id", false,
			"INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode implements liaison.Tx.
func (t *Tx) UseRecoveryCode(ctx context.Context, userID liaison.ID, hash string, at time.Time) error {
	return t.exec(ctx, "sqlite.UseRecoveryCode", "", "", true,
		"UPDATE recovery_codes SET used = ? WHERE user_id = ? AND code_hash = ? AND used IS NULL", us(at), userID, hash)
}

// CountRecoveryCodes implements liaison.Tx.
func (t *Tx) CountRecoveryCodes(ctx context.Context, userID liaison.ID) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used IS NULL", userID).Scan(&n)
	return n, translate("sqlite.CountRecoveryCodes", err, "", "")
}

// ClaimIdempotencyKey implements liaison.Tx.
func (t *Tx) ClaimIdempotencyKey(ctx context.Context, r *liaison.IdempotencyRecord) error {
	return t.exec(ctx, "sqlite.ClaimIdempotencyKey", "Idempotency-Key", "", false,
		"INSERT INTO idempotency_keys (key, request_hash, status, body, location, created, object_type, object_id, run) VALUES (?, ?, 0, x'', '', ?, ?, ?, ?)",
		r.Key, r.RequestHash, us(r.Created), r.ObjectType, r.ObjectID, r.Run)
}

// FindIdempotencyKey implements liaison.Tx.
func (t *Tx) FindIdempotencyKey(ctx context.Context, key string) (*liaison.IdempotencyRecord, error) {
	var r liaison.IdempotencyRecord
	var created int64
	err := t.tx.QueryRowContext(ctx, "SELECT key, request_hash, status, body, location, created, object_type, object_id, run FROM idempotency_keys WHERE key = ?", key).
		Scan(&r.Key, &r.RequestHash, &r.Status, &r.Body, &r.Location, &created, &r.ObjectType, &r.ObjectID, &r.Run)
	if err != nil {
		return nil, translate("sqlite.FindIdempotencyKey", err, "", "")
	}
	r.Created = fromUS(created)
	return &r, nil
}

// CompleteIdempotencyKey implements liaison.Tx.
func (t *Tx) CompleteIdempotencyKey(ctx context.Context, r *liaison.IdempotencyRecord) error {
	return t.exec(ctx, "sqlite.CompleteIdempotencyKey", "", "", true,
		"UPDATE idempotency_keys SET status = ?, body = ?, location = ? WHERE key = ?", r.Status, r.Body, r.Location, r.Key)
}

// DeleteIdempotencyKey implements liaison.Tx.
func (t *Tx) DeleteIdempotencyKey(ctx context.Context, key string) error {
	return t.exec(ctx, "sqlite.DeleteIdempotencyKey", "", "", false, "DELETE FROM idempotency_keys WHERE key = ?", key)
}

var _ liaison.Tx = (*Tx)(nil)
var _ liaison.Store = (*Store)(nil)
