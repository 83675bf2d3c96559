package sqlite_test

import (
	"context"
	"testing"

	"liaison"
	"liaison/sqlite"
	"liaison/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) liaison.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
