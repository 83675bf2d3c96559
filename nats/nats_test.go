package nats_test

import (
	"context"
	"os"
	"testing"
	"time"

	"liaison"
	"liaison/nats"
	"liaison/service"
)

// natsURL is the JetStream server the tests use (CI sets LIAISON_TEST_NATS);
// without it the tests skip, and CI fails on a skip.
func natsURL(t *testing.T) string {
	u := os.Getenv("LIAISON_TEST_NATS")
	if u == "" {
		t.Skip("LIAISON_TEST_NATS is not set: skipping the NATS JetStream tests")
	}
	return u
}

func TestEventsReachEveryNodeOnce(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := nats.Connect(ctx, url, nats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := nats.Connect(ctx, url, nats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Node b feeds its in-process bus from the stream.
	local := service.NewMemoryBus()
	prefix := "liaison.test." + liaison.NewID()
	events, stop := local.Subscribe(prefix, 10)
	defer stop()
	if err := b.Feed(ctx, local); err != nil {
		t.Fatal(err)
	}
	e := &liaison.OutboxEvent{ID: liaison.NewID(), Subject: prefix + ".conflict", Data: []byte(`{"n":1}`)}
	// The relay may publish an event twice (a crash between publishing and
	// deleting it from the outbox): JetStream drops the second by its ID.
	for range 2 {
		if err := a.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-events:
		if got.Subject != e.Subject || string(got.Data) != `{"n":1}` {
			t.Fatalf("got %+v", got)
		}
	case <-ctx.Done():
		t.Fatal("the event never reached the other node")
	}
	select {
	case got := <-events:
		t.Fatalf("delivered twice: %+v", got)
	case <-time.After(500 * time.Millisecond):
	}
}

func TestConflictNoticeOverJetStream(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, svc := newService(t)
	bus, err := nats.Connect(ctx, url, nats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	local := service.NewMemoryBus()
	if err := bus.Feed(ctx, local); err != nil {
		t.Fatal(err)
	}
	sys := liaison.NewContext(ctx, liaison.Actor{System: "test"})
	var users []*liaison.User
	for _, code := range []string{"NATS-A-" + liaison.NewID()[:8], "NATS-B-" + liaison.NewID()[:8]} {
		ag, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: code, Name: code, Kind: liaison.AgencyLocal, Country: "US"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := svc.CreateUser(sys, liaison.UserInput{Login: code, Name: code, Email: "x@example.gov", AgencyID: ag.ID,
			Roles: []liaison.Role{liaison.RoleOfficer}, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	events, stop := local.Subscribe("liaison.agency."+users[0].AgencyID+".", 10)
	defer stop()
	t0 := time.Now().Add(time.Hour)
	for i, u := range users {
		_, err := svc.CreateOperation(liaison.NewContext(ctx, liaison.Actor{User: u}), service.OperationInput{
			Name: "Op " + string(rune('A'+i)), Kind: liaison.OpRaid, Center: &liaison.GeoPoint{Lat: 40.7, Lon: -74}, RadiusM: 100,
			Start: t0, End: t0.Add(time.Hour), Officers: 5, Contact: &liaison.PointOfContact{Phone: "555-0100"}, Activate: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	relay := &service.OutboxRelay{Store: store, Bus: bus}
	if n, err := relay.Flush(ctx); err != nil || n != 2 {
		t.Fatalf("flush = %d, %v", n, err)
	}
	select {
	case got := <-events:
		if got.Subject != "liaison.agency."+users[0].AgencyID+".conflict" {
			t.Fatalf("got %+v", got)
		}
	case <-ctx.Done():
		t.Fatal("the conflict notice never arrived over JetStream")
	}
}
