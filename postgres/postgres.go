// Package postgres is the clustered store: a PostgreSQL database reached
// through a pgx connection pool, its schema migrated by goose on Open.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"liaison"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the PostgreSQL implementation of liaison.Store.
type Store struct {
	pool *pgxpool.Pool
}

// Options tune Open; pool settings such as pool_max_conns go in the URL.
type Options struct {
	// Schema, if set, is created when missing and holds every table,
	// goose's version table included: each pooled connection searches it.
	Schema string
}

// Open connects to the database at url (a postgres:// URL or key=value
// string) and applies pending migrations.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opt.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opt.Schema}.Sanitize()
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	if err := migrate(ctx, cfg.ConnConfig, opt.Schema); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &Store{pool: pool}, nil
}

// migrate creates the schema if asked and applies pending migrations under
// an advisory lock, so that concurrent Opens take turns.
func migrate(ctx context.Context, cc *pgx.ConnConfig, schema string) error {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	lockID := lock.DefaultLockID
	if schema != "" {
		h := fnv.New64a()
		h.Write([]byte("liaison migrations " + schema))
		lockID = int64(h.Sum64()) // schemas migrate independently
		if err := createSchema(ctx, db, schema, lockID); err != nil {
			return fmt.Errorf("postgres: create schema: %w", err)
		}
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// createSchema creates schema if it is missing, holding the advisory lock
// so that two Opens do not both try.
func createSchema(ctx context.Context, db *sql.DB, schema string, lockID int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	return tx.Commit()
}

// Dialect implements liaison.Store.
func (s *Store) Dialect() string { return "postgres" }

// Pool returns the connection pool, for benchmarks that compare raw inserts.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping implements liaison.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "postgres.Ping", Err: err}
	}
	return nil
}

// Close implements liaison.Store.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// View implements liaison.Store. A view is one snapshot (REPEATABLE READ), as a SQLite read transaction
// is: a reader making several queries, such as audit verification, must not
// see a writer's commit between them.
func (s *Store) View(ctx context.Context, fn func(liaison.Tx) error) error {
	return s.run(ctx, "postgres.View", pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, fn)
}

// Update implements liaison.Store.
func (s *Store) Update(ctx context.Context, fn func(liaison.Tx) error) error {
	return s.run(ctx, "postgres.Update", pgx.TxOptions{AccessMode: pgx.ReadWrite}, fn)
}

// run calls fn in a transaction and commits if it returns nil.
func (s *Store) run(ctx context.Context, op string, opts pgx.TxOptions, fn func(liaison.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	defer tx.Rollback(ctx)
	if err := fn(&Tx{tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
	}
	return nil
}

// Tx is one PostgreSQL transaction; it implements liaison.Tx.
type Tx struct {
	tx pgx.Tx
}

// translate turns a driver error into a domain error, naming the field at
// fault from the violated constraint.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(op)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return conflict(op, field(pe), err)
		case "23503", "23502": // foreign_key_violation, not_null_violation
			return missingRef(op, field(pe), err)
		}
	}
	return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
}

// field names the input at fault for a violated constraint, or "".
func field(pe *pgconn.PgError) string {
	if pe.Code == "23502" { // only an id that is no canonical UUID arrives as NULL: see uid
		if pe.TableName == "community_members" {
			return "members"
		}
		return pe.ColumnName
	}
	switch pe.ConstraintName {
	case "agencies_code_key":
		return "code"
	case "users_login_key":
		return "login"
	case "communities_name_key":
		return "name"
	case "idempotency_keys_pkey":
		return "Idempotency-Key"
	case "users_agency_id_fkey", "agreements_agency_id_fkey":
		return "agency_id"
	case "agreements_community_id_fkey":
		return "community_id"
	case "community_members_pkey", "community_members_agency_id_fkey":
		return "members"
	case "sessions_user_id_fkey", "api_tokens_user_id_fkey", "login_attempts_user_id_fkey",
		"recovery_codes_user_id_fkey":
		return "user_id"
	case "cases_agency_id_fkey", "sars_agency_id_fkey", "operations_agency_id_fkey", "targets_agency_id_fkey":
		return "agency_id"
	case "case_assignments_user_id_fkey", "case_assignments_pkey":
		return "assigned"
	case "intel_records_case_id_fkey":
		return "case_id"
	case "intel_records_originator_id_fkey":
		return "originator_agency_id"
	case "intel_versions_pkey":
		return "version"
	case "intel_shares_pkey", "sar_shares_pkey":
		return "shared_with"
	case "intel_recipients_pkey":
		return "recipients"
	case "sar_attachments_pkey":
		return "sha256"
	case "sar_attachments_sar_id_fkey":
		return "sar_id"
	case "targets_operation_id_fkey":
		return "operation_id"
	case "conflicts_ref_key":
		return "ref"
	case "inbox_user_id_fkey":
		return "user_id"
	case "import_jobs_owner_id_fkey":
		return "owner_id"
	case "sar_receipts_pkey":
		return "receipt"
	case "cases_pkey", "intel_records_pkey", "sars_pkey", "operations_pkey", "targets_pkey", "conflicts_pkey",
		"inbox_pkey", "outbox_pkey":
		return "id"
	case "audit_events_pkey", "audit_hashes_pkey":
		return "index"
	case "audit_checkpoints_pkey":
		return "size"
	case "disseminations_recipient_user_id_fkey", "disseminations_recipient_agency_id_fkey":
		return "recipient_user_id"
	case "agencies_pkey", "users_pkey", "communities_pkey", "agreements_pkey", "sessions_pkey",
		"api_tokens_pkey", "login_attempts_pkey", "audit_events_id_key", "disseminations_pkey", "audit_queue_pkey":
		return "id"
	}
	return ""
}

func conflict(op, field string, cause error) error {
	if field == "" {
		return &liaison.Error{Code: liaison.ECONFLICT, Op: op, Message: "already exists", Err: cause}
	}
	return &liaison.Error{Code: liaison.ECONFLICT, Op: op, Message: field + " is already taken",
		Fields: []liaison.FieldError{{Field: field, Message: "is already taken"}}, Err: cause}
}

func missingRef(op, field string, cause error) error {
	if field == "" {
		return &liaison.Error{Code: liaison.EINVALID, Op: op, Message: "refers to nothing that exists", Err: cause}
	}
	return &liaison.Error{Code: liaison.EINVALID, Op: op, Message: field + ": refers to nothing that exists",
		Fields: []liaison.FieldError{{Field: field, Message: "refers to nothing that exists"}}, Err: cause}
}

func notFound(op string) error {
	return &liaison.Error{Code: liaison.ENOTFOUND, Op: op, Message: "not found"}
}

// exec runs a write that must touch at least one row when mustExist is set.
func (t *Tx) exec(ctx context.Context, op string, mustExist bool, q string, args ...any) error {
	tag, err := t.tx.Exec(ctx, q, args...)
	if err != nil {
		return translate(op, err)
	}
	if mustExist && tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// uid makes an identifier a uuid argument. Anything but a canonical id
// becomes NULL, which matches no row and fails NOT NULL, as a missing
// reference would: a malformed uuid would instead fail the statement and
// abort the whole transaction, even for a lookup.
func uid(id liaison.ID) pgtype.UUID {
	var u pgtype.UUID
	if liaison.ValidID(id) {
		_ = u.Scan(id) // cannot fail on a valid id
	}
	return u
}

func uids(ids []liaison.ID) []pgtype.UUID {
	out := make([]pgtype.UUID, len(ids))
	for i, id := range ids {
		out[i] = uid(id)
	}
	return out
}

// orEmpty stores a nil list as an empty one: list columns are NOT NULL.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// query builds a WHERE clause from optional conditions, each holding one
// %d for the number of its argument.
type query struct {
	where []string
	args  []any
}

func (q *query) add(cond string, arg any) {
	q.args = append(q.args, arg)
	q.where = append(q.where, fmt.Sprintf(cond, len(q.args)))
}

// page finishes the query with keyset paging on id.
func (q *query) page(base string, p liaison.Page) (string, []any) {
	p = p.Clamp()
	if p.After != "" {
		q.add("id > $%d", uid(p.After))
	}
	s := base
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	q.args = append(q.args, p.Limit)
	return s + fmt.Sprintf(" ORDER BY id LIMIT $%d", len(q.args)), q.args
}

type scanner interface{ Scan(...any) error }

func list[T any](ctx context.Context, t *Tx, op, q string, args []any, scan func(scanner) (*T, error)) ([]*T, error) {
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*T, error) { return scan(r) })
	if err != nil {
		return nil, translate(op, err)
	}
	return out, nil
}

var _ liaison.Tx = (*Tx)(nil)
var _ liaison.Store = (*Store)(nil)
