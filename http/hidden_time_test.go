package http_test

import (
	"context"
	"testing"
	"time"

	"liaison"
	"liaison/service"
	"liaison/storetest"
)

// TestHiddenTimeLikeMissing: on every path that takes an id, an item
// hidden from the caller and an id that exists nowhere cost the same
// work (the lookup, the caller's facts, one denied audit entry in the
// same transaction), so their times do not tell them apart; before, a
// hidden operation, target, conflict or case was refused in a second,
// audited transaction that a missing one never paid for. The service is
// timed directly (no HTTP round trip to blur the gap), the two ids are
// interleaved and each keeps its fastest of many runs: other tests share
// the machine, and load only ever adds time. The bound is generous (2x).
func TestHiddenTimeLikeMissing(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			w := newHiddenWorld(t, be.Open)
			samber, ramber := w.byKey["samber"], w.byKey["ramber"]
			in := w.recordInput(ramber)
			in.Version = 1
			for _, c := range []struct {
				name string
				who  string
				id   liaison.ID
				try  func(ctx context.Context, id liaison.ID) error
			}{
				{"read an operation", "noagree", w.draftOp.ID, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.GetOperation(ctx, id)
					return err
				}},
				{"move an operation", "noagree", w.draftOp.ID, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.TransitionOperation(ctx, id, liaison.OpCancelled, "")
					return err
				}},
				{"retire a target", "noagree", w.target.ID, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.RetireTarget(ctx, id)
					return err
				}},
				{"read a conflict", "noagree", w.conflict, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.GetConflict(ctx, id)
					return err
				}},
				{"read a case", "noagree", w.pdCase.ID, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.FindCase(ctx, id)
					return err
				}},
				{"assign a case", "noagree", w.pdCase.ID, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.AssignCase(ctx, id, nil)
					return err
				}},
				{"step a shared report", "nopii", samber.id, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.StepSAR(ctx, id, service.StepInput{Step: "withdraw", Reason: "not ours to withdraw"})
					return err
				}},
				{"link a report to a case", "noagree", samber.id, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.AttachSARToCase(ctx, id, w.noagreeCase)
					return err
				}},
				{"attach a file", "noagree", samber.id, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.Attach(ctx, id, "a.txt", []byte("plain text note"))
					return err
				}},
				{"correct a record", "nopii", ramber.id, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.CorrectIntelRecord(ctx, id, in)
					return err
				}},
				{"review a record", "fc-analyst", ramber.id, func(ctx context.Context, id liaison.ID) error {
					_, err := w.svc.ReviewIntelRecord(ctx, id, "Still meets the standard.", time.Now().AddDate(1, 0, 0))
					return err
				}},
				{"purge a record", "fc-analyst", ramber.id, func(ctx context.Context, id liaison.ID) error {
					return w.svc.PurgeIntelRecord(ctx, id, "no longer needed")
				}},
			} {
				t.Run(c.name, func(t *testing.T) {
					ctx := w.as(c.who)
					timeOf := func(id liaison.ID) time.Duration {
						t0 := time.Now()
						err := c.try(ctx, id)
						d := time.Since(t0)
						if liaison.ErrorCode(err) != liaison.ENOTFOUND {
							t.Fatalf("%s: %v, want not found", id, err)
						}
						return d
					}
					fastest := func(d *time.Duration, v time.Duration) {
						if *d == 0 || v < *d {
							*d = v
						}
					}
					timeOf(c.id)
					timeOf(liaison.NewID()) // warm both paths
					var h, m time.Duration
					for i := range 40 {
						if i%2 == 0 {
							fastest(&h, timeOf(c.id))
							fastest(&m, timeOf(liaison.NewID()))
						} else {
							fastest(&m, timeOf(liaison.NewID()))
							fastest(&h, timeOf(c.id))
						}
					}
					t.Logf("fastest: hidden %v, missing %v (ratio %.2f)", h, m, float64(h)/float64(m))
					if h > 2*m || m > 2*h {
						t.Errorf("a hidden item takes %v to refuse, a missing one %v: the gap tells them apart", h, m)
					}
				})
			}
		})
	}
}
