package http_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"liaison"
	"liaison/storetest"
)

// loseAnswers is a store whose transactions cannot store an idempotent
// request's response while lose is set: the server dying between the act's
// commit and the response's.
type loseAnswers struct {
	liaison.Store
	lose *atomic.Bool
}

func (s loseAnswers) Update(ctx context.Context, fn func(liaison.Tx) error) error {
	return s.Store.Update(ctx, func(tx liaison.Tx) error { return fn(loseTx{tx, s.lose}) })
}

type loseTx struct {
	liaison.Tx
	lose *atomic.Bool
}

func (t loseTx) CompleteIdempotencyKey(ctx context.Context, r *liaison.IdempotencyRecord) error {
	if t.lose.Load() {
		return errors.New("the server died before storing the response")
	}
	return t.Tx.CompleteIdempotencyKey(ctx, r)
}

// TestIdempotencyAnswerLost: a create that committed but whose response was
// never stored is, on retry, answered with the first response (201, the
// same Location and body, marked replayed) and not run again.
func TestIdempotencyAnswerLost(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			lose := &atomic.Bool{}
			f := newFixture(t, func(t *testing.T) liaison.Store { return loseAnswers{b.Open(t), lose} })
			tests := []struct {
				name, path, token, body, action string
			}{
				{"agency", "/api/v1/agencies", f.adminTok, `{"code":"LOST1","name":"Lost PD","kind":"local","country":"US"}`, "agency.create"},
				{"case", "/api/v1/cases", f.userTok, `{"title":"Lost answer"}`, "case.create"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					before := f.auditCount(tt.action)
					lose.Store(true)
					s1, h1, b1 := f.do("POST", tt.path, tt.token, tt.body, "Idempotency-Key", "lost-"+tt.name)
					lose.Store(false)
					if s1 != 201 {
						t.Fatalf("first = %d %s, want 201", s1, b1)
					}
					for i := 0; i < 2; i++ { // answered from the object, then from the stored answer
						s2, h2, b2 := f.do("POST", tt.path, tt.token, tt.body, "Idempotency-Key", "lost-"+tt.name)
						if s2 != 201 || !bytes.Equal(b1, b2) || h2.Get("Location") != h1.Get("Location") || h2.Get("Idempotent-Replayed") != "true" {
							t.Fatalf("retry %d = %d %s %q (replayed %q), want the first answer 201 %s %q", i, s2, b2,
								h2.Get("Location"), h2.Get("Idempotent-Replayed"), b1, h1.Get("Location"))
						}
					}
					if got, want := f.auditCount(tt.action), before+1; got != want {
						t.Errorf("%s audit entries = %d, want %d: the retry ran again", tt.action, got, want)
					}
				})
			}
		})
	}
}
