// Package nats carries Liaison's events over NATS JetStream when several
// nodes run: the outbox relay publishes each event once (JetStream drops a
// re-publish by its message ID), and every node feeds the events of all
// nodes to its own subscribers (live pages).
package nats

import (
	"context"
	"fmt"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liaison"
)

// Subjects is what the stream holds: every Liaison event.
const Subjects = "liaison.>"

// Bus is a JetStream stream of Liaison events.
type Bus struct {
	nc     *natsgo.Conn
	js     jetstream.JetStream
	stream string
}

// Options configure the stream.
type Options struct {
	Stream string        // stream name; default LIAISON
	MaxAge time.Duration // how long events are kept; default 7 days
}

// Connect connects to url and creates (or updates) the stream.
func Connect(ctx context.Context, url string, o Options) (*Bus, error) {
	if o.Stream == "" {
		o.Stream = "LIAISON"
	}
	if o.MaxAge == 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	nc, err := natsgo.Connect(url, natsgo.Name("liaison"), natsgo.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: o.Stream, Subjects: []string{Subjects},
		Storage: jetstream.FileStorage, MaxAge: o.MaxAge, Duplicates: 10 * time.Minute})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: stream %s: %w", o.Stream, err)
	}
	return &Bus{nc: nc, js: js, stream: o.Stream}, nil
}

// Publish implements service.Bus: stored by JetStream before it returns;
// the event's ID is the message ID, so a re-publish is dropped.
func (b *Bus) Publish(ctx context.Context, e *liaison.OutboxEvent) error {
	_, err := b.js.Publish(ctx, e.Subject, e.Data, jetstream.WithMsgID(e.ID))
	return err
}

// Sink receives events, e.g. a node's in-process bus.
type Sink interface {
	Publish(ctx context.Context, e *liaison.OutboxEvent) error
}

// Feed delivers every event published from now on, by any node, to sink
// until ctx ends.
func (b *Bus) Feed(ctx context.Context, sink Sink) error {
	c, err := b.js.OrderedConsumer(ctx, b.stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return err
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		id := m.Headers().Get(natsgo.MsgIdHdr)
		_ = sink.Publish(ctx, &liaison.OutboxEvent{ID: id, Subject: m.Subject(), Data: m.Data()})
	})
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		cc.Stop()
	}()
	return nil
}

// Close drains the connection.
func (b *Bus) Close() error { return b.nc.Drain() }
