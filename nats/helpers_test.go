package nats_test

import (
	"context"
	"testing"

	"liaison"
	"liaison/service"
	"liaison/sqlite"
)

func newService(t *testing.T) (liaison.Store, *service.Service) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := service.New(store)
	svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	return store, svc
}
