// Package sqlite is the embedded store: one SQLite database file in the data
// directory, through the pure-Go modernc.org/sqlite driver, in WAL mode with
// foreign keys on and a single writer connection.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"liaison"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "liaison.db"

// Store is the SQLite implementation of liaison.Store.
type Store struct {
	path   string
	writer *sql.DB // one connection: SQLite has a single writer
	reader *sql.DB // a pool of read-only connections

}

// Options tune Open.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: FULL (the default) makes
	// every commit durable against power loss, NORMAL only against a crash
	// of the process.
	Synchronous string
}

// Open opens (creating if needed) the database in data directory dir and
// applies pending migrations.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName), opt)
}

// OpenFile opens (creating if needed) the database at path and applies
// pending migrations.
func OpenFile(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.Synchronous == "" {
		opt.Synchronous = "FULL"
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous("+opt.Synchronous+")")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{path: path, writer: w}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s.reader = r
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.writer, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Dialect implements liaison.Store.
func (s *Store) Dialect() string { return "sqlite" }

// DB returns the writer handle, for benchmarks that compare raw inserts.
func (s *Store) DB() *sql.DB { return s.writer }

// Ping implements liaison.Store.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "sqlite.Ping", Err: err}
	}
	return nil
}

// Close implements liaison.Store.
func (s *Store) Close() error {
	err1 := s.reader.Close()
	err2 := s.writer.Close()
	return errors.Join(err1, err2)
}

// View implements liaison.Store.
func (s *Store) View(ctx context.Context, fn func(liaison.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "sqlite.View", Err: err}
	}
	defer tx.Rollback()
	return fn(&Tx{tx: tx})
}

// Update implements liaison.Store.
func (s *Store) Update(ctx context.Context, fn func(liaison.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "sqlite.Update", Err: err}
	}
	defer tx.Rollback()
	if err := fn(&Tx{tx: tx, stmts: map[string]*sql.Stmt{}}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return &liaison.Error{Code: liaison.EINTERNAL, Op: "sqlite.Update", Err: err}
	}
	return nil
}

// Tx is one SQLite transaction; it implements liaison.Tx.
type Tx struct {
	tx *sql.Tx
	// stmts caches the statements a write transaction prepares, so a batch
	// (the audit sequencer's thousands of appends) parses each SQL once:
	// parsing was the largest avoidable cost in write profiles.
	stmts map[string]*sql.Stmt
}

// execContext runs a write statement, prepared once per transaction.
func (t *Tx) execContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.stmts == nil {
		return t.tx.ExecContext(ctx, q, args...)
	}
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		t.stmts[q] = st
	}
	return st.ExecContext(ctx, args...)
}

// queryRowContext runs a one-row query, prepared once per write
// transaction like execContext (the search indexer reads an item and its
// old document for every item of a batch).
func (t *Tx) queryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if t.stmts == nil {
		return t.tx.QueryRowContext(ctx, q, args...)
	}
	st, ok := t.stmts[q]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return t.tx.QueryRowContext(ctx, q, args...) // reports the same error
		}
		t.stmts[q] = st
	}
	return st.QueryRowContext(ctx, args...)
}

// translate turns a driver error into a domain error. field names the input
// at fault for a conflict (unique) or a missing reference (foreign key).
func translate(op string, err error, conflictField, refField string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &liaison.Error{Code: liaison.ENOTFOUND, Op: op, Message: "not found"}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return conflict(op, conflictField, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return missingRef(op, refField, err)
		}
	}
	return &liaison.Error{Code: liaison.EINTERNAL, Op: op, Err: err}
}

func conflict(op, field string, cause error) error {
	if field == "" {
		return &liaison.Error{Code: liaison.ECONFLICT, Op: op, Message: "already exists", Err: cause}
	}
	return &liaison.Error{Code: liaison.ECONFLICT, Op: op, Message: field + " is already taken",
		Fields: []liaison.FieldError{{Field: field, Message: "is already taken"}}, Err: cause}
}

func missingRef(op, field string, cause error) error {
	return &liaison.Error{Code: liaison.EINVALID, Op: op, Message: field + ": refers to nothing that exists",
		Fields: []liaison.FieldError{{Field: field, Message: "refers to nothing that exists"}}, Err: cause}
}

func notFound(op string) error {
	return &liaison.Error{Code: liaison.ENOTFOUND, Op: op, Message: "not found"}
}

// exec runs a write that must touch exactly one row when mustExist is set.
func (t *Tx) exec(ctx context.Context, op, conflictField, refField string, mustExist bool, q string, args ...any) error {
	res, err := t.execContext(ctx, q, args...)
	if err != nil {
		return translate(op, err, conflictField, refField)
	}
	if mustExist {
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(op)
		}
	}
	return nil
}

func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullUS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromNullUS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromUS(v.Int64)
	return &t
}
