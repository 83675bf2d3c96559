package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"liaison"
	"liaison/audit"
	"liaison/demo"
	lhttp "liaison/http"
	lnats "liaison/nats"
	"liaison/policy"
	"liaison/postgres"
	"liaison/service"
	"liaison/sqlite"
)

// env holds what every subcommand shares.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	data, db, node string
	policies       string
	margins        []string // --margin KIND=METRES/DURATION
	// Ready, when set, receives the address the server listens on (tests).
	ready func(addr string)
}

func newRoot(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "liaison",
		Short: "Liaison: counterterrorism partnership platform",
		Long: "Liaison lets federal, state, local, tribal, international and private-sector partners share\n" +
			"suspicious activity reports and criminal intelligence under machine-enforced privacy rules.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&e.data, "data", orDefault(getenv("LIAISON_DATA"), "./liaison-data"), "data directory for the embedded SQLite store (env LIAISON_DATA)")
	pf.StringVar(&e.db, "db", getenv("LIAISON_DB"), "PostgreSQL URL, e.g. postgres://user@host/db; overrides --data (env LIAISON_DB)")
	pf.StringArrayVar(&e.margins, "margin", nil, "deconfliction margin for a kind of operation, KIND=METRES/DURATION, e.g. raid=800/3h (repeatable; defaults: raid 500/2h, warrant_service 300/1h, surveillance 200/30m, ...)")
	pf.StringVar(&e.policies, "policies", getenv("LIAISON_POLICIES"), "directory of agency policy files (*.cedar, forbid rules only) added to the defaults (env LIAISON_POLICIES)")
	pf.StringVar(&e.node, "node", orDefault(getenv("LIAISON_NODE"), hostname()), "this node's name in audit entries and checkpoints (env LIAISON_NODE)")
	root.AddCommand(e.serveCmd(), e.migrateCmd(), e.demoCmd(), e.adminCmd(), e.auditCmd(), e.purgeCmd(), e.sarsCmd(), e.genCmd(), e.searchCmd(), e.versionCmd(), e.totpCmd())
	return root
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "liaison"
	}
	return h
}

// newService returns the service over store, with this node's name and
// checkpoint signer (created in the data directory the first time).
func (e *env) newService(store liaison.Store) (*service.Service, error) {
	svc := service.New(store)
	svc.Node = e.node
	signer, err := audit.LoadOrCreateSigner(e.data, "liaison-"+e.node)
	if err != nil {
		return nil, err
	}
	svc.Signer = signer
	if err := applyMargins(svc.Deconfliction, e.margins); err != nil {
		return nil, err
	}
	if e.policies != "" {
		files, err := filepath.Glob(filepath.Join(e.policies, "*.cedar"))
		if err != nil {
			return nil, err
		}
		var srcs []policy.Source
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, policy.Source{Name: filepath.Base(f), Text: b})
		}
		if svc.Policy, err = policy.New(srcs...); err != nil {
			return nil, err
		}
	}
	return svc, nil
}

// applyMargins sets per-kind deconfliction margins from KIND=METRES/DURATION.
func applyMargins(d *service.Deconfliction, specs []string) error {
	if len(specs) == 0 {
		return nil
	}
	m := maps.Clone(d.Margins)
	for _, spec := range specs {
		kind, rest, ok := strings.Cut(spec, "=")
		metres, dur, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || !slices.Contains(liaison.OperationKinds, liaison.OperationKind(kind)) {
			return fmt.Errorf("--margin %q: want KIND=METRES/DURATION with KIND one of %v, e.g. raid=800/3h", spec, liaison.OperationKinds)
		}
		mv, err := strconv.ParseFloat(metres, 64)
		if err != nil || mv < 0 || mv > 50_000 {
			return fmt.Errorf("--margin %q: metres must be a number from 0 to 50000", spec)
		}
		dv, err := time.ParseDuration(dur)
		if err != nil || dv < 0 || dv > 7*24*time.Hour {
			return fmt.Errorf("--margin %q: duration must be like 30m or 2h, at most 168h", spec)
		}
		m[liaison.OperationKind(kind)] = service.Margin{Metres: mv, Time: dv}
	}
	d.Margins = m
	return nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// openStore opens the configured store and applies migrations.
func (e *env) openStore(ctx context.Context) (liaison.Store, error) {
	if e.db != "" {
		if !strings.HasPrefix(e.db, "postgres://") && !strings.HasPrefix(e.db, "postgresql://") {
			return nil, fmt.Errorf("--db must be a postgres:// URL (leave it empty for the embedded store in --data)")
		}
		return postgres.Open(ctx, e.db, postgres.Options{Schema: e.getenv("LIAISON_DB_SCHEMA")})
	}
	return sqlite.Open(ctx, e.data, sqlite.Options{})
}

func (e *env) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (e *env) serveCmd() *cobra.Command {
	var addr, metricsAddr string
	var withDemo bool
	var checkpointEvery time.Duration
	var natsURL string
	var accessSLA time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (API under /api/v1, web UI at /)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := e.openStore(ctx)
			if err != nil {
				return err
			}
			defer store.Close()
			svc, err := e.newService(store)
			if err != nil {
				return err
			}
			if withDemo {
				res, err := demo.Seed(ctx, svc)
				if err != nil {
					return err
				}
				printLogins(e.stdout, res)
			}
			log := e.logger()
			srv, err := lhttp.NewServer(svc, log)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			var mln net.Listener
			if metricsAddr != "" {
				if mln, err = net.Listen("tcp", loopbackByDefault(metricsAddr)); err != nil {
					ln.Close()
					return fmt.Errorf("--metrics-addr: %w", err)
				}
			}
			cp := &audit.Checkpointer{Store: store, Signer: svc.Signer, Interval: checkpointEvery, OnError: func(err error) {
				log.Error("audit checkpoint", "error", err)
				svc.Alert("checkpoint", "signing an audit checkpoint failed: "+err.Error())
			}}
			go cp.Run(ctx)
			seq := &audit.Sequencer{Store: store, Interval: 200 * time.Millisecond, OnError: func(err error) {
				log.Error("audit sequencer", "error", err)
				svc.Alert("audit", "appending audit entries to the log failed: "+err.Error())
			}}
			go seq.Run(ctx)
			ret := &service.RetentionWorker{Service: svc, Interval: time.Hour, OnError: func(err error) {
				log.Error("retention", "error", err)
				svc.Alert("retention", "purging expired intelligence records failed: "+err.Error())
			}}
			go ret.Run(ctx)
			st, err := svc.LoadDeconfliction(ctx)
			if err != nil {
				return fmt.Errorf("rebuilding the deconfliction index: %w", err)
			}
			log.Info("deconfliction index rebuilt", "operations", st.Operations, "targets", st.Targets, "took", st.Took.String())
			dw := &service.DeconflictionWorker{Service: svc, Interval: time.Minute, OnError: func(err error) {
				log.Error("deconfliction expiry", "error", err)
				svc.Alert("deconfliction", "expiring finished operations failed: "+err.Error())
			}}
			go dw.Run(ctx)
			relay := &service.OutboxRelay{Store: store, Bus: svc.Events, Interval: time.Second, Kick: svc.OutboxKick,
				OnError: func(err error) { log.Error("outbox relay", "error", err) }}
			if natsURL != "" {
				bus, err := lnats.Connect(ctx, natsURL, lnats.Options{})
				if err != nil {
					return err
				}
				defer bus.Close()
				if err := bus.Feed(ctx, svc.Events); err != nil {
					return err
				}
				relay.Bus = bus
				log.Info("event stream", "nats", natsURL)
			}
			go relay.Run(ctx)
			svc.AccessSLA = accessSLA
			sw := &service.SearchWorker{Service: svc, Interval: time.Second, OnError: func(err error) {
				log.Error("search indexer", "error", err)
				svc.Alert("search", "indexing for search failed: "+err.Error())
			}}
			go sw.Run(ctx)
			log.Info("listening", "addr", ln.Addr().String(), "store", store.Dialect(), "version", liaison.Version,
				"node", e.node, "audit_key", svc.Signer.VerifierKey)
			fmt.Fprintf(e.stdout, "Liaison is serving on http://%s/\n", ln.Addr())
			if e.ready != nil {
				e.ready(ln.Addr().String())
			}
			if mln != nil {
				log.Info("metrics", "addr", mln.Addr().String())
				fmt.Fprintf(e.stdout, "Metrics for Prometheus on http://%s/metrics\n", mln.Addr())
				mctx, stop := context.WithCancel(ctx)
				defer stop()
				errc := make(chan error, 1)
				go func() { errc <- srv.ServeMetrics(mctx, mln) }()
				err = srv.Serve(ctx, ln)
				stop()
				if merr := <-errc; err == nil {
					err = merr
				}
				return err
			}
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", orDefault(e.getenv("LIAISON_ADDR"), "127.0.0.1:8080"), "listen address HOST:PORT (env LIAISON_ADDR)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", e.getenv("LIAISON_METRICS_ADDR"), "also serve /metrics, without sign-in, on this address; a bare port such as 9090 listens on loopback only (env LIAISON_METRICS_ADDR; empty: only administrators read /metrics on --addr)")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "seed the demo partnership first (no change if it is there)")
	cmd.Flags().StringVar(&natsURL, "nats", e.getenv("LIAISON_NATS"), "NATS JetStream URL for the event stream between nodes, e.g. nats://127.0.0.1:4222 (env LIAISON_NATS; empty: in-process)")
	cmd.Flags().DurationVar(&checkpointEvery, "checkpoint-interval", time.Hour, "how often to sign an audit checkpoint")
	cmd.Flags().DurationVar(&accessSLA, "access-sla", service.DefaultAccessSLA, "how long a holding agency has to decide an access request before its supervisors are told")
	return cmd
}

func (e *env) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply schema migrations to the store (serve does this too)",
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := e.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			fmt.Fprintf(e.stdout, "%s store is up to date\n", store.Dialect())
			return nil
		},
	}
}

func (e *env) demoCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create the demo partnership and print its logins (running it twice changes nothing)",
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := e.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			svc, err := e.newService(store)
			if err != nil {
				return err
			}
			res, err := demo.Seed(cmd.Context(), svc)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.stdout, res)
			}
			printLogins(e.stdout, res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printLogins(w io.Writer, res *demo.Result) {
	if res.Created {
		fmt.Fprintln(w, "Demo partnership created.")
	} else {
		fmt.Fprintln(w, "Demo partnership already present; nothing changed.")
	}
	fmt.Fprintf(w, "Every demo user's password is %q. Second factor: add the TOTP key to an authenticator app,\n", demo.Password)
	fmt.Fprintln(w, "or print the current code with `liaison totp KEY`.")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tROLE\tAGENCY\tTOTP KEY")
	for _, l := range res.Logins {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Login, l.Role, l.Agency, l.TOTPSecret)
	}
	tw.Flush()
}

func (e *env) purgeCmd() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Purge intelligence records past their retention deadline without a review (28 CFR 23.20(h))",
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				recs, err := svc.PurgeExpired(ctx, dryRun)
				if err != nil {
					return err
				}
				verb := "purged"
				if dryRun {
					verb = "would purge"
				}
				fmt.Fprintf(e.stdout, "%s %d record(s)\n", verb, len(recs))
				for _, r := range recs {
					fmt.Fprintf(e.stdout, "%s\t%s\tdeadline %s\n", r.ID, r.Originator, r.RetainUntil.Format(time.RFC3339))
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be purged and change nothing")
	return cmd
}

func (e *env) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(e.stdout, "liaison", liaison.Version)
			return nil
		},
	}
}

func (e *env) totpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "totp KEY",
		Short: "Print the current 6-digit code for a TOTP key (for demo and test accounts)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := service.TOTPCode(strings.ToUpper(strings.ReplaceAll(args[0], " ", "")), service.TOTPStep(time.Now()))
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, code)
			return nil
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// loopbackByDefault puts a metrics address given as a bare port (9090 or
// :9090) on loopback: the metrics need no sign-in, so reaching them from
// elsewhere must be asked for by naming the host.
func loopbackByDefault(addr string) string {
	port := strings.TrimPrefix(addr, ":")
	if !strings.Contains(port, ":") {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
