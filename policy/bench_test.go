package policy_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"liaison"
	"liaison/policy"
)

// BenchmarkDecide measures the decision point, redaction plan included,
// next to a bare cedar-go evaluation of the same request over the same
// policies in the same run.
func BenchmarkDecide(b *testing.B) {
	eng, err := policy.New()
	if err != nil {
		b.Fatal(err)
	}
	analyst := user(fusion, true, liaison.RoleAnalyst)
	agreements := []*liaison.Agreement{agreement(fusion, area, true, false, false, liaison.KindIntelligence, liaison.KindSAR)}
	for range 10 { // a realistic agency has several agreements
		agreements = append(agreements, agreement(fusion, liaison.NewID(), false, false, false, liaison.KindProduct))
	}
	s := subject(analyst, liaison.AgencyFusionCenter, []liaison.ID{area}, agreements...)
	s.Cases = []liaison.ID{liaison.NewID(), liaison.NewID()}
	res := item(liaison.KindIntelligence, liaison.TLPAmber)
	req := policy.Request{Subject: s, Action: policy.View, Resource: res, Purpose: liaison.PurposeCounterterrorism, Now: now}

	b.Run("decide", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for range b.N {
			t0 := time.Now()
			d := eng.Decide(req)
			lat = append(lat, time.Since(t0))
			if !d.Allow {
				b.Fatal(d.Reason)
			}
		}
		report(b, lat)
	})
	b.Run("bare-cedar", func(b *testing.B) {
		set, err := cedar.NewPolicySetFromBytes("default.cedar", policy.DefaultPolicies())
		if err != nil {
			b.Fatal(err)
		}
		p := types.NewEntityUID("Liaison::User", types.String(analyst.ID))
		r := types.NewEntityUID("Liaison::Item", types.String(res.ID))
		lat := make([]time.Duration, 0, b.N)
		for range b.N {
			t0 := time.Now()
			// The same entities and context Decide builds, with the facts precomputed.
			entities := types.EntityMap{
				p: {UID: p, Attributes: types.NewRecord(types.RecordMap{
					"id": types.String(analyst.ID), "agency": types.String(fusion), "agency_kind": types.String("fusion_center"),
					"roles": types.NewSet(types.String("analyst")), "part23_trained": types.True, "sworn": types.True, "clearance": types.Long(2)})},
				r: {UID: r, Attributes: types.NewRecord(types.RecordMap{
					"id": types.String(res.ID), "kind": types.String("intelligence"), "originator": types.String(pd), "tlp": types.String("AMBER"),
					"tlp_rank": types.Long(2), "handling": types.String("H0"), "recipients": types.NewSet()})},
			}
			dec, _ := set.IsAuthorized(entities, types.Request{Principal: p, Action: types.NewEntityUID("Liaison::Action", "view"), Resource: r,
				Context: types.NewRecord(types.RecordMap{"purpose": types.String("counterterrorism"), "same_agency": types.False,
					"case_assigned": types.False, "agreement_covers": types.True, "agreement_pii": types.True, "agreement_international": types.False,
					"agreement_private": types.False, "grant": types.False, "grant_pii": types.False, "emergency": types.False})})
			lat = append(lat, time.Since(t0))
			if dec != types.Allow {
				b.Fatal("bare cedar denied")
			}
		}
		report(b, lat)
	})
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}
