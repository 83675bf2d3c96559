package postgres_test

import (
	"context"
	"os"
	"testing"

	"liaison"
	"liaison/postgres"
	"liaison/storetest"
)

func TestConformance(t *testing.T) {
	url := os.Getenv(storetest.PostgresEnv)
	if url == "" {
		t.Skip(storetest.PostgresEnv + " is not set: skipping the PostgreSQL tests " +
			"(e.g. LIAISON_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	storetest.Run(t, func(t *testing.T) liaison.Store { return storetest.OpenPostgres(t, url) })
}

// TestSchemaIsolation pins that stores in different schemas of one
// database do not see each other's rows.
func TestSchemaIsolation(t *testing.T) {
	url := os.Getenv(storetest.PostgresEnv)
	if url == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	ctx := context.Background()
	a := storetest.OpenPostgres(t, url)
	b := storetest.OpenPostgres(t, url)
	if err := a.Update(ctx, func(tx liaison.Tx) error { return tx.CreateAgency(ctx, storetest.NewAgency(1)) }); err != nil {
		t.Fatal(err)
	}
	err := b.View(ctx, func(tx liaison.Tx) error {
		got, err := tx.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{})
		if err == nil && len(got) != 0 {
			t.Fatalf("schema b sees %d agencies of schema a", len(got))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.(*postgres.Store).Dialect() != "postgres" {
		t.Fatal("dialect")
	}
}
