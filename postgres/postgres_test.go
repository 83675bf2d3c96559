package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/postgres"
	"liaison/storetest"
)

// testURL returns the test database URL, skipping the test when none is set.
func testURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("LIAISON_TEST_POSTGRES")
	if url == "" {
		t.Skip("LIAISON_TEST_POSTGRES is not set: skipping the PostgreSQL tests " +
			"(e.g. LIAISON_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// openFresh opens a store in a new schema that is dropped when t ends.
func openFresh(t *testing.T, url string) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
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
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	url := testURL(t)
	storetest.Run(t, func(t *testing.T) liaison.Store { return openFresh(t, url) })
}
