package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// TestNodesSeeEachOthersRegistrations runs two nodes (two services, each
// with its own in-memory index) over one store: each registration first
// catches its node up with what the other committed, and on PostgreSQL the
// clock row serialises registrations across nodes.
func TestNodesSeeEachOthersRegistrations(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			store := be.Open(t)
			ctx := context.Background()
			sys := liaison.NewContext(ctx, liaison.Actor{System: "test"})
			node := func() *service.Service {
				s := service.New(store)
				s.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
				return s
			}
			n1, n2 := node(), node()
			var officers []*liaison.User
			for _, code := range []string{"NODE-A", "NODE-B", "NODE-C"} {
				a, err := n1.CreateAgency(sys, liaison.AgencyInput{Code: code, Name: code, Kind: liaison.AgencyLocal, Country: "US"})
				must(t, err)
				u, err := n1.CreateUser(sys, liaison.UserInput{Login: "off." + code, Name: code, Email: "o@example.gov", AgencyID: a.ID,
					Roles: []liaison.Role{liaison.RoleOfficer}, Password: password})
				must(t, err)
				officers = append(officers, u)
			}
			as := func(i int) context.Context { return liaison.NewContext(ctx, liaison.Actor{User: officers[i]}) }
			t0 := time.Now().Add(time.Hour)
			op := func(name string) service.OperationInput {
				return service.OperationInput{Name: name, Kind: liaison.OpSurveillance, Center: &liaison.GeoPoint{Lat: 41.88, Lon: -87.63},
					RadiusM: 100, Start: t0, End: t0.Add(2 * time.Hour), Officers: 3, Contact: &liaison.PointOfContact{Phone: "555-0100"}, Activate: true}
			}
			// Both nodes load their (empty) indexes first, as serve does.
			_, err := n1.LoadDeconfliction(ctx)
			must(t, err)
			_, err = n2.LoadDeconfliction(ctx)
			must(t, err)
			a, err := n1.CreateOperation(as(0), op("on node 1"))
			must(t, err)
			_, err = n2.CreateOperation(as(1), op("on node 2"))
			must(t, err)
			if cs, _ := n2.ListConflicts(as(1), nil, liaison.Page{}); len(cs) != 1 {
				t.Fatalf("node 2 missed node 1's operation: %d conflicts", len(cs))
			}
			// Cancelled on node 1: node 2 stops matching it.
			_, err = n1.TransitionOperation(as(0), a.ID, liaison.OpCancelled, "called off")
			must(t, err)
			_, err = n2.CreateOperation(as(2), op("C on node 2"))
			must(t, err)
			cs, err := n2.ListConflicts(as(2), nil, liaison.Page{})
			must(t, err)
			if len(cs) != 1 || cs[0].Other.AgencyName != "NODE-B" {
				t.Fatalf("C's conflicts after A's cancellation: %+v", cs)
			}
			// Targets too.
			veh := func(i int, n *service.Service, opID liaison.ID) {
				_, err := n.RegisterTarget(as(i), service.TargetInput{Kind: liaison.TargetVehicle, Value: "7XYZ 123", CaseID: "", OperationID: opID,
					Contact: &liaison.PointOfContact{Phone: "555-0100"}})
				must(t, err)
			}
			ops1, _ := n1.ListOperations(as(1), nil, liaison.Page{})
			ops2, _ := n1.ListOperations(as(2), nil, liaison.Page{})
			veh(1, n1, ops1[0].ID)
			veh(2, n2, ops2[0].ID)
			if cs, _ := n2.ListConflicts(as(2), []liaison.ConflictState{liaison.ConflictOpen}, liaison.Page{}); len(cs) != 2 {
				t.Fatalf("node 2 missed node 1's target: %d conflicts", len(cs))
			}
			// Simultaneous registrations on the two nodes find each other.
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, n := range []*service.Service{n1, n2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := op("race")
					in.Center = &liaison.GeoPoint{Lat: 34.05, Lon: -118.24}
					_, errs[i] = n.CreateOperation(as(i), in)
				}()
			}
			wg.Wait()
			must(t, errs[0])
			must(t, errs[1])
			cs, err = n1.ListConflicts(as(0), nil, liaison.Page{})
			must(t, err)
			found := 0
			for _, c := range cs {
				if c.Other.AgencyName == "NODE-B" && c.Kind == liaison.ConflictPlaceTime && c.Yours != a.ID {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("simultaneous registrations on two nodes: %d conflicts between A and B, want 1 (%+v)", found, cs)
			}
		})
	}
}
