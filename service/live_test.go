package service_test

import (
	"context"
	"slices"
	"testing"

	"liaison"
	"liaison/sar"
	"liaison/service"
)

// TestLiveSignalsAreContentFree: filing and vetting a report signals the
// agencies whose queues it entered or left, and no one else; a signal says
// only its kind.
func TestLiveSignalsAreContentFree(t *testing.T) {
	e := newEnv(t)
	pd, far := e.agency("PD-LIVE"), e.agency("PD-FAR")
	fc, err := e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "FC-LIVE", Name: "Fusion", Kind: liaison.AgencyFusionCenter, Country: "US"})
	must(t, err)
	officer := e.userIn(pd, "o.live", liaison.RoleOfficer)
	sgt := e.userIn(pd, "s.live", liaison.RoleSupervisor)
	bus := service.NewMemoryBus()
	heard := map[string][]string{} // agency -> kinds
	subs := map[string]<-chan service.Event{}
	for _, a := range []*liaison.Agency{pd, far, fc} {
		ch, stop := bus.Subscribe("liaison.agency."+a.ID+".", 10)
		defer stop()
		subs[a.ID] = ch
	}
	relay := &service.OutboxRelay{Store: e.store, Bus: bus}
	drain := func() {
		t.Helper()
		if _, err := relay.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		for id, ch := range subs {
			for len(ch) > 0 {
				ev := <-ch
				if string(ev.Data) != `{"type":"sar"}` {
					t.Errorf("signal %s carries %s; want only its kind", ev.Subject, ev.Data)
				}
				heard[id] = append(heard[id], ev.Subject[len("liaison.agency."+id+"."):])
			}
		}
	}
	in := service.GenerateSARs(1, 7)[0]
	in.Submit = true
	r, err := e.svc.CreateSAR(e.as(officer), in)
	must(t, err)
	drain()
	if !slices.Equal(heard[pd.ID], []string{"sar"}) || len(heard[fc.ID]) != 0 || len(heard[far.ID]) != 0 {
		t.Fatalf("after filing: %v; want the filing agency only (step 1 is its own)", heard)
	}
	_, err = e.svc.StepSAR(e.as(sgt), r.ID, service.StepInput{Step: sar.Forward})
	must(t, err)
	drain()
	if !slices.Equal(heard[pd.ID], []string{"sar", "sar"}) || !slices.Equal(heard[fc.ID], []string{"sar"}) || len(heard[far.ID]) != 0 {
		t.Fatalf("after step 1: %v; want the agency and the fusion centers that do step 2", heard)
	}
}
