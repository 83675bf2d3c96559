package service

import (
	"context"
	"strings"
	"sync"
	"time"

	"liaison"
)

// Bus carries events from the outbox to subscribers: in-process by
// default, NATS JetStream when several nodes run (package nats).
// Publishing the same event twice (the relay delivers at least once) is
// harmless: a bus that can, drops duplicates by the event's ID.
type Bus interface {
	Publish(ctx context.Context, e *liaison.OutboxEvent) error
}

// Event is one published event.
type Event struct {
	Subject string
	Data    []byte
}

// MemoryBus is the in-process bus: subscribers get the events whose
// subject starts with their prefix. A slow subscriber loses events rather
// than stalling the others (its channel is bounded); the inbox keeps every
// notice, so a lost live event is only a missed refresh.
type MemoryBus struct {
	mu   sync.RWMutex
	subs map[*subscription]struct{}
}

type subscription struct {
	prefix string
	ch     chan Event
}

// NewMemoryBus returns an empty in-process bus.
func NewMemoryBus() *MemoryBus { return &MemoryBus{subs: map[*subscription]struct{}{}} }

// Publish implements Bus.
func (b *MemoryBus) Publish(_ context.Context, e *liaison.OutboxEvent) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if strings.HasPrefix(e.Subject, s.prefix) {
			select {
			case s.ch <- Event{Subject: e.Subject, Data: e.Data}:
			default:
			}
		}
	}
	return nil
}

// Subscribe returns a channel of events under prefix and a function that
// ends the subscription.
func (b *MemoryBus) Subscribe(prefix string, buffer int) (<-chan Event, func()) {
	s := &subscription{prefix: prefix, ch: make(chan Event, buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s.ch, func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}
}

// OutboxRelay publishes the events acts wrote to the outbox in their own
// transactions, then deletes them: delivery is at least once, and an event
// is never published for an act that rolled back.
type OutboxRelay struct {
	Store    liaison.Store
	Bus      Bus
	Interval time.Duration
	OnError  func(error)
	// Kick, when sent to, makes the relay flush at once (after a commit).
	Kick chan struct{}
}

// Flush publishes every queued event and returns how many.
func (r *OutboxRelay) Flush(ctx context.Context) (int, error) {
	n := 0
	for {
		var es []*liaison.OutboxEvent
		if err := r.Store.View(ctx, func(tx liaison.Tx) error {
			var err error
			es, err = tx.ListOutboxEvents(ctx, 500)
			return err
		}); err != nil || len(es) == 0 {
			return n, err
		}
		ids := make([]liaison.ID, 0, len(es))
		var perr error
		for _, e := range es {
			if perr = r.Bus.Publish(ctx, e); perr != nil {
				break
			}
			ids = append(ids, e.ID)
		}
		if len(ids) > 0 {
			if err := r.Store.Update(ctx, func(tx liaison.Tx) error { return tx.DeleteOutboxEvents(ctx, ids) }); err != nil {
				return n, err
			}
		}
		n += len(ids)
		if perr != nil {
			return n, perr
		}
	}
}

// Run flushes at every interval and on every kick until ctx ends.
func (r *OutboxRelay) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		if _, err := r.Flush(ctx); err != nil && ctx.Err() == nil && r.OnError != nil {
			r.OnError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.Kick:
		}
	}
}

// DeconflictionWorker expires operations whose window has passed.
type DeconflictionWorker struct {
	Service  *Service
	Interval time.Duration
	OnError  func(error)
}

// Run expires at every interval until ctx ends.
func (w *DeconflictionWorker) Run(ctx context.Context) {
	ctx = liaison.NewContext(ctx, liaison.Actor{System: "deconfliction"})
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		if _, err := w.Service.ExpireOperations(ctx); err != nil && ctx.Err() == nil && w.OnError != nil {
			w.OnError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
