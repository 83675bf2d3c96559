package postgres

import (
	"context"
	"time"

	"liaison"
)

const sessionCols = "id, token_hash, user_id, csrf_token, mfa_done, created, authenticated, last_seen, ip, user_agent"

func scanSession(s scanner) (*liaison.Session, error) {
	var v liaison.Session
	if err := s.Scan(&v.ID, &v.TokenHash, &v.UserID, &v.CSRFToken, &v.MFADone, &v.Created, &v.Authenticated,
		&v.LastSeen, &v.IP, &v.UserAgent); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateSession implements liaison.Tx.
func (t *Tx) CreateSession(ctx context.Context, s *liaison.Session) error {
	return t.exec(ctx, "postgres.CreateSession", false,
		"INSERT INTO sessions ("+sessionCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		uid(s.ID), s.TokenHash, uid(s.UserID), s.CSRFToken, s.MFADone, s.Created, s.Authenticated, s.LastSeen,
		s.IP, s.UserAgent)
}

// FindSessionByTokenHash implements liaison.Tx.
func (t *Tx) FindSessionByTokenHash(ctx context.Context, hash string) (*liaison.Session, error) {
	s, err := scanSession(t.tx.QueryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = $1", hash))
	return s, translate("postgres.FindSessionByTokenHash", err)
}

// UpdateSession implements liaison.Tx.
func (t *Tx) UpdateSession(ctx context.Context, s *liaison.Session) error {
	return t.exec(ctx, "postgres.UpdateSession", true,
		`UPDATE sessions SET token_hash = $1, csrf_token = $2, mfa_done = $3, authenticated = $4, last_seen = $5
		WHERE id = $6`,
		s.TokenHash, s.CSRFToken, s.MFADone, s.Authenticated, s.LastSeen, uid(s.ID))
}

// DeleteSession implements liaison.Tx.
func (t *Tx) DeleteSession(ctx context.Context, id liaison.ID) error {
	return t.exec(ctx, "postgres.DeleteSession", false, "DELETE FROM sessions WHERE id = $1", uid(id))
}

// DeleteUserSessions implements liaison.Tx.
func (t *Tx) DeleteUserSessions(ctx context.Context, userID liaison.ID) error {
	return t.exec(ctx, "postgres.DeleteUserSessions", false, "DELETE FROM sessions WHERE user_id = $1", uid(userID))
}

const tokenCols = "id, user_id, name, token_hash, prefix, scopes, created, expires, last_used, revoked"

func scanToken(s scanner) (*liaison.APIToken, error) {
	var v liaison.APIToken
	if err := s.Scan(&v.ID, &v.UserID, &v.Name, &v.TokenHash, &v.Prefix, &v.Scopes, &v.Created, &v.Expires,
		&v.LastUsed, &v.Revoked); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateToken implements liaison.Tx.
func (t *Tx) CreateToken(ctx context.Context, v *liaison.APIToken) error {
	return t.exec(ctx, "postgres.CreateToken", false,
		"INSERT INTO api_tokens ("+tokenCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		uid(v.ID), uid(v.UserID), v.Name, v.TokenHash, v.Prefix, orEmpty(v.Scopes), v.Created, v.Expires,
		v.LastUsed, v.Revoked)
}

// FindTokenByHash implements liaison.Tx.
func (t *Tx) FindTokenByHash(ctx context.Context, hash string) (*liaison.APIToken, error) {
	v, err := scanToken(t.tx.QueryRow(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE token_hash = $1", hash))
	return v, translate("postgres.FindTokenByHash", err)
}

// FindTokenByID implements liaison.Tx.
func (t *Tx) FindTokenByID(ctx context.Context, id liaison.ID) (*liaison.APIToken, error) {
	v, err := scanToken(t.tx.QueryRow(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = $1", uid(id)))
	return v, translate("postgres.FindTokenByID", err)
}

// UpdateToken implements liaison.Tx.
func (t *Tx) UpdateToken(ctx context.Context, v *liaison.APIToken) error {
	return t.exec(ctx, "postgres.UpdateToken", true,
		"UPDATE api_tokens SET last_used = $1, revoked = $2 WHERE id = $3", v.LastUsed, v.Revoked, uid(v.ID))
}

// ListTokens implements liaison.Tx.
func (t *Tx) ListTokens(ctx context.Context, userID liaison.ID, p liaison.Page) ([]*liaison.APIToken, error) {
	var q query
	q.add("user_id = $%d", uid(userID))
	s, args := q.page("SELECT "+tokenCols+" FROM api_tokens", p)
	return list(ctx, t, "postgres.ListTokens", s, args, scanToken)
}

// AddLoginAttempt implements liaison.Tx.
func (t *Tx) AddLoginAttempt(ctx context.Context, a *liaison.LoginAttempt) error {
	return t.exec(ctx, "postgres.AddLoginAttempt", false,
		"INSERT INTO login_attempts (id, user_id, at, success, factor, ip) VALUES ($1, $2, $3, $4, $5, $6)",
		uid(a.ID), uid(a.UserID), a.At, a.Success, a.Factor, a.IP)
}

// CountLoginFailures implements liaison.Tx.
func (t *Tx) CountLoginFailures(ctx context.Context, userID liaison.ID, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM login_attempts
		WHERE user_id = $1 AND NOT success AND at >= $2
		AND at > coalesce((SELECT max(at) FROM login_attempts WHERE user_id = $1 AND success), '-infinity')`,
		uid(userID), since).Scan(&n)
	return n, translate("postgres.CountLoginFailures", err)
}

// ReplaceRecoveryCodes implements liaison.Tx.
func (t *Tx) ReplaceRecoveryCodes(ctx context.Context, userID liaison.ID, hashes []string) error {
	const op = "postgres.ReplaceRecoveryCodes"
	if err := t.exec(ctx, op, false, "DELETE FROM recovery_codes WHERE user_id = $1", uid(userID)); err != nil {
		return err
	}
	return t.exec(ctx, op, false, "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])",
		uid(userID), orEmpty(hashes))
}

// UseRecoveryCode implements liaison.Tx.
func (t *Tx) UseRecoveryCode(ctx context.Context, userID liaison.ID, hash string, at time.Time) error {
	return t.exec(ctx, "postgres.UseRecoveryCode", true,
		"UPDATE recovery_codes SET used = $1 WHERE user_id = $2 AND code_hash = $3 AND used IS NULL", at, uid(userID), hash)
}

// CountRecoveryCodes implements liaison.Tx.
func (t *Tx) CountRecoveryCodes(ctx context.Context, userID liaison.ID) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used IS NULL", uid(userID)).Scan(&n)
	return n, translate("postgres.CountRecoveryCodes", err)
}

// ClaimIdempotencyKey implements liaison.Tx.
func (t *Tx) ClaimIdempotencyKey(ctx context.Context, r *liaison.IdempotencyRecord) error {
	return t.exec(ctx, "postgres.ClaimIdempotencyKey", false,
		"INSERT INTO idempotency_keys (key, request_hash, status, body, location, created, object_type, object_id, run) VALUES ($1, $2, 0, '', '', $3, $4, $5, $6)",
		r.Key, r.RequestHash, r.Created, r.ObjectType, r.ObjectID, r.Run)
}

// FindIdempotencyKey implements liaison.Tx.
func (t *Tx) FindIdempotencyKey(ctx context.Context, key string) (*liaison.IdempotencyRecord, error) {
	var r liaison.IdempotencyRecord
	err := t.tx.QueryRow(ctx, "SELECT key, request_hash, status, body, location, created, object_type, object_id, run FROM idempotency_keys WHERE key = $1", key).
		Scan(&r.Key, &r.RequestHash, &r.Status, &r.Body, &r.Location, &r.Created, &r.ObjectType, &r.ObjectID, &r.Run)
	if err != nil {
		return nil, translate("postgres.FindIdempotencyKey", err)
	}
	return &r, nil
}

// CompleteIdempotencyKey implements liaison.Tx.
func (t *Tx) CompleteIdempotencyKey(ctx context.Context, r *liaison.IdempotencyRecord) error {
	return t.exec(ctx, "postgres.CompleteIdempotencyKey", true,
		"UPDATE idempotency_keys SET status = $1, body = $2, location = $3 WHERE key = $4",
		r.Status, orEmpty(r.Body), r.Location, r.Key)
}

// DeleteIdempotencyKey implements liaison.Tx.
func (t *Tx) DeleteIdempotencyKey(ctx context.Context, key string) error {
	return t.exec(ctx, "postgres.DeleteIdempotencyKey", false, "DELETE FROM idempotency_keys WHERE key = $1", key)
}
