// Package http serves Liaison over HTTP: the JSON API under /api/v1, the
// web UI, health checks and Prometheus metrics.
package http

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"liaison"
	"liaison/service"
)

// Server is the HTTP front of a Liaison node.
type Server struct {
	svc    *service.Service
	log    *slog.Logger
	routes []route
	mux    *http.ServeMux
	pages  *template.Template
	assets *assets

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Node names this node in audit entries and logs.
	Node string
	tips *limiter // anonymous tip submissions per client address
	// streams ends the live pages' event streams at shutdown.
	streams *streams

	// inflight holds the Idempotency-Keys of requests running here now.
	inflight inflight
}

// NewServer builds the server and its route table.
func NewServer(svc *service.Service, log *slog.Logger) (*Server, error) {
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), MaxBodyBytes: 1 << 20,
		registry: prometheus.NewRegistry(), tips: newLimiter(5, time.Hour), streams: newStreams()}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_http_requests_total",
		Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "liaison_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)},
		[]string{"route"})
	s.registry.MustRegister(s.requests, s.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("/", s.wrap(route{pattern: "/", name: "notfound", auth: authPublic, h: s.notFound}))
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Registry returns the Prometheus registry served at /metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// MetricsHandler serves the metrics to anyone who reaches it: mount it
// only on a listener of its own that Prometheus alone can reach (loopback
// by default). The main listener's /metrics answers administrators only.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// Serve serves on ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.Handler(), s.streams.shutdown)
}

// ServeMetrics serves MetricsHandler at /metrics on ln, and nothing else,
// until ctx ends.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.MetricsHandler())
	return s.serve(ctx, ln, mux, nil)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, onShutdown func()) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	if onShutdown != nil {
		hs.RegisterOnShutdown(onShutdown)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
			err = e
		}
		return err
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return liaison.Errorf(liaison.ENOTFOUND, "no such page: %s", r.URL.Path)
}
