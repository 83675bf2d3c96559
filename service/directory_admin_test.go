package service_test

import (
	"context"
	"sync"
	"testing"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// TestKeepsAnAdministrator tries to leave the deployment with nobody who
// can administer it: by dropping the last admin role, by disabling the
// last admin, and by two administrators demoting each other at once.
func TestKeepsAnAdministrator(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			store := be.Open(t)
			svc := service.New(store)
			svc.Argon2 = service.Argon2Params{Memory: 64, Time: 1, Threads: 1}
			sys := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
			a, err := svc.CreateAgency(sys, liaison.AgencyInput{Code: "ADM", Name: "Admins", Kind: liaison.AgencyLocal, Country: "US"})
			must(t, err)
			newAdmin := func(login string) *liaison.User {
				u, err := svc.CreateUser(sys, liaison.UserInput{Login: login, Name: login, Email: login + "@example.gov", AgencyID: a.ID,
					Roles: []liaison.Role{liaison.RoleAdmin, liaison.RoleAnalyst}, Password: password})
				must(t, err)
				return u
			}
			as := func(u *liaison.User) context.Context {
				return liaison.NewContext(context.Background(), liaison.Actor{User: u})
			}
			analyst := []liaison.Role{liaison.RoleAnalyst}
			yes, no := true, false
			root := newAdmin("root")
			entries := func() int {
				var n int
				must(t, store.View(context.Background(), func(tx liaison.Tx) error {
					es, err := tx.ListAuditEvents(context.Background(), liaison.AuditFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
					n = len(es)
					return err
				}))
				return n
			}
			before := entries()

			_, err = svc.UpdateUser(as(root), root.ID, liaison.UserUpdate{Roles: &analyst})
			wantErr(t, err, liaison.EINVALID, "roles")
			_, err = svc.UpdateUser(sys, root.ID, liaison.UserUpdate{Disabled: &yes})
			wantErr(t, err, liaison.EINVALID, "disabled")
			got, err := svc.FindUser(sys, root.ID)
			must(t, err)
			if !got.Has(liaison.RoleAdmin) || got.Disabled {
				t.Fatalf("refused changes changed the last admin: %+v", got)
			}
			if n := entries(); n != before {
				t.Fatalf("refused changes wrote %d audit entries", n-before)
			}

			// A disabled administrator does not count.
			ops := newAdmin("ops")
			_, err = svc.UpdateUser(as(root), ops.ID, liaison.UserUpdate{Disabled: &yes})
			must(t, err)
			_, err = svc.UpdateUser(as(root), root.ID, liaison.UserUpdate{Roles: &analyst})
			wantErr(t, err, liaison.EINVALID, "roles")

			// With another enabled administrator, either may step down.
			_, err = svc.UpdateUser(as(root), ops.ID, liaison.UserUpdate{Disabled: &no})
			must(t, err)
			// Changing other details of the last admin stays possible.
			name := "Root Admin"
			_, err = svc.UpdateUser(as(root), root.ID, liaison.UserUpdate{Name: &name})
			must(t, err)

			// Both demote each other at once, many times over: one of them
			// always stays admin.
			both := []liaison.Role{liaison.RoleAdmin, liaison.RoleAnalyst}
			for round := range 20 {
				for _, u := range []*liaison.User{root, ops} {
					_, err := svc.UpdateUser(sys, u.ID, liaison.UserUpdate{Roles: &both})
					must(t, err)
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				start := make(chan struct{})
				for i, pair := range [][2]*liaison.User{{root, ops}, {ops, root}} {
					wg.Go(func() {
						<-start
						_, errs[i] = svc.UpdateUser(as(pair[0]), pair[1].ID, liaison.UserUpdate{Roles: &analyst})
					})
				}
				close(start)
				wg.Wait()
				admins, _, err := svc.ListUsers(sys, liaison.UserFilter{Role: liaison.RoleAdmin}, liaison.Page{})
				must(t, err)
				if len(admins) != 1 {
					t.Fatalf("round %d: after a mutual demotion %d admins remain (errors %v)", round, len(admins), errs)
				}
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("round %d: want exactly one demotion to succeed, got errors %v", round, errs)
				}
				for _, err := range errs {
					if err != nil {
						wantErr(t, err, liaison.EINVALID, "roles")
					}
				}
			}
		})
	}
}
