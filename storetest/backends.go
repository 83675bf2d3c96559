package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/postgres"
	"liaison/sqlite"
)

// PostgresEnv names the variable holding the PostgreSQL test URL. When it
// is set, every suite that calls Backends runs on PostgreSQL as well.
const PostgresEnv = "LIAISON_TEST_POSTGRES"

// Backend is one database to run a suite against.
type Backend struct {
	Name string
	Open Opener
}

// Backends returns SQLite always and PostgreSQL when PostgresEnv is set.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if url := os.Getenv(PostgresEnv); url != "" {
		bs = append(bs, Backend{Name: "postgres", Open: func(t *testing.T) liaison.Store { return OpenPostgres(t, url) }})
	}
	return bs
}

// OpenSQLite opens a store in a fresh temporary data directory.
func OpenSQLite(t *testing.T) liaison.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// NewSchema returns a fresh schema name that is dropped when t ends.
func NewSchema(t testing.TB, url string) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// OpenPostgres opens a store in a fresh schema of the database at url,
// dropped when t ends.
func OpenPostgres(t testing.TB, url string) liaison.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: NewSchema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
