package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"liaison"
	"liaison/audit"
	"liaison/service"
)

func (e *env) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The tamper-evident audit log: verify, prove, checkpoint, query, review, ledger"}
	cmd.AddCommand(e.auditVerifyCmd(), e.auditProveCmd(), e.auditConsistencyCmd(), e.auditCheckCmd(),
		e.auditCheckpointCmd(), e.auditCosignCmd(), e.auditKeyCmd(), e.auditQueryCmd(), e.auditReviewCmd(), e.auditLedgerCmd())
	return cmd
}

func (e *env) auditVerifyCmd() *cobra.Command {
	var keys []string
	var asJSON, skipIndex bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the whole log offline: every entry, every stored hash, every signed checkpoint",
		Long: "verify re-reads the audit log from the data directory or database and proves it intact, or names the\n" +
			"first altered, removed or reordered entry, then checks the search columns kept beside each entry.\n" +
			"Pass the verifier keys you trust with --key; without them\n" +
			"it trusts the keys recorded in the database, which an attacker with database access could replace.",
		RunE: func(c *cobra.Command, _ []string) error {
			store, err := e.openStore(c.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			start := time.Now()
			if _, err := audit.Sequence(c.Context(), store); err != nil {
				return fmt.Errorf("appending queued entries before verifying: %w", err)
			}
			r, err := audit.Verify(c.Context(), store, keys...)
			if err != nil {
				return err
			}
			if r.OK && !skipIndex {
				ir, err := audit.VerifyIndex(c.Context(), store)
				if err != nil {
					return err
				}
				if !ir.OK {
					r.OK, r.FirstBad, r.Problem = false, ir.FirstBad, ir.Problem
				}
			}
			if asJSON {
				if err := writeJSON(e.stdout, r); err != nil {
					return err
				}
			} else if r.OK {
				fmt.Fprintf(e.stdout, "audit log OK: %d entries, %d signed checkpoints checked (keys from %s), root %s, %.2fs\n",
					r.Entries, r.Checkpoints, r.KeysFrom, r.Root, time.Since(start).Seconds())
			} else {
				fmt.Fprintf(e.stdout, "audit log BROKEN: %s\n", r.Problem)
				if r.FirstBad >= 0 {
					fmt.Fprintf(e.stdout, "first bad index: %d\n", r.FirstBad)
				}
			}
			if !r.OK {
				return fmt.Errorf("audit log verification failed")
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "trusted checkpoint verifier key (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&skipIndex, "skip-index", false, "check only the entries and the tree, not the search columns beside them")
	return cmd
}

func (e *env) auditProveCmd() *cobra.Command {
	var size int64
	cmd := &cobra.Command{
		Use:   "prove INDEX",
		Short: "Print an inclusion proof of entry INDEX in the latest (or --size) signed checkpoint",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			idx, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("INDEX must be a number")
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				p, err := svc.ProveInclusion(ctx, idx, size)
				if err != nil {
					return err
				}
				return writeJSON(e.stdout, p)
			})
		},
	}
	cmd.Flags().Int64Var(&size, "size", -1, "checkpoint size (default: the latest)")
	return cmd
}

func (e *env) auditConsistencyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "consistency OLD NEW",
		Short: "Print a proof that checkpoint NEW extends checkpoint OLD",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			oldSize, err1 := strconv.ParseInt(args[0], 10, 64)
			newSize, err2 := strconv.ParseInt(args[1], 10, 64)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("OLD and NEW must be checkpoint sizes")
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				p, err := svc.ProveConsistency(ctx, oldSize, newSize)
				if err != nil {
					return err
				}
				return writeJSON(e.stdout, p)
			})
		},
	}
}

func (e *env) auditCheckCmd() *cobra.Command {
	var keys []string
	cmd := &cobra.Command{
		Use:   "check PROOF.json",
		Short: "Check an inclusion or consistency proof with nothing but the verifier key (no database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(keys) == 0 {
				return fmt.Errorf("give the checkpoint signer's verifier key with --key")
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var probe map[string]json.RawMessage
			if err := json.Unmarshal(b, &probe); err != nil {
				return fmt.Errorf("%s is not a proof: %w", args[0], err)
			}
			if _, ok := probe["entry"]; ok {
				var p audit.InclusionProof
				if err := json.Unmarshal(b, &p); err != nil {
					return err
				}
				if err := audit.CheckInclusion(&p, keys...); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "OK: entry %d is in the signed log\n%s", p.Index, p.Entry)
				return nil
			}
			var p audit.ConsistencyProof
			if err := json.Unmarshal(b, &p); err != nil {
				return err
			}
			if err := audit.CheckConsistency(&p, keys...); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "OK: the newer checkpoint extends the older one")
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&keys, "key", nil, "checkpoint verifier key (repeatable)")
	return cmd
}

func (e *env) auditCheckpointCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign the log's current tree head now and print it",
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				cp, err := svc.SignCheckpoint(ctx)
				if err != nil {
					return err
				}
				fmt.Fprint(e.stdout, cp.Note)
				return nil
			})
		},
	}
}

func (e *env) auditCosignCmd() *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "cosign SIZE --signer-key FILE",
		Short: "Co-sign checkpoint SIZE with another agency's or auditor's note signer key",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			size, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("SIZE must be a checkpoint size")
			}
			b, err := os.ReadFile(keyFile)
			if err != nil {
				return fmt.Errorf("--signer-key: %w", err)
			}
			fields := strings.Fields(string(b))
			if len(fields) < 2 {
				return fmt.Errorf("--signer-key file must hold the signer key and its verifier key (as `liaison audit key --new NAME` writes)")
			}
			signer, err := note.NewSigner(fields[0])
			if err != nil {
				return err
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				var cp *liaison.Checkpoint
				err := svc.Store.View(ctx, func(tx liaison.Tx) error {
					var err error
					cp, err = tx.FindCheckpoint(ctx, size)
					return err
				})
				if err != nil {
					return err
				}
				if _, _, err := audit.OpenCheckpoint(cp.Note, svc.Signer.VerifierKey); err != nil {
					return fmt.Errorf("refusing to co-sign: %w", err)
				}
				text := cp.Note[:strings.Index(cp.Note, "\n\n")+1]
				signed, err := note.Sign(&note.Note{Text: text}, signer)
				if err != nil {
					return err
				}
				got, err := svc.Cosign(ctx, size, string(signed), fields[1])
				if err != nil {
					return err
				}
				fmt.Fprint(e.stdout, got.Note)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&keyFile, "signer-key", "", "file with the co-signer's note signer key and verifier key")
	return cmd
}

func (e *env) auditKeyCmd() *cobra.Command {
	var newName string
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Print this node's checkpoint verifier key (or make a co-signer key with --new NAME)",
		RunE: func(c *cobra.Command, _ []string) error {
			if newName != "" {
				skey, vkey, err := note.GenerateKey(rand.Reader, newName)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, skey)
				fmt.Fprintln(e.stdout, vkey)
				return nil
			}
			signer, err := audit.LoadOrCreateSigner(e.data, "liaison-"+e.node)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, signer.VerifierKey)
			return nil
		},
	}
	cmd.Flags().StringVar(&newName, "new", "", "generate a new signer key pair with this name and print it (keep the first line secret)")
	return cmd
}

func (e *env) auditQueryCmd() *cobra.Command {
	var f liaison.AuditFilter
	var since, until string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Search the audit log (who accessed record X, everything user U did)",
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = parseWhen("since", since); err != nil {
				return err
			}
			if f.Until, err = parseWhen("until", until); err != nil {
				return err
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				if f.UserID != "" && !liaison.ValidID(f.UserID) {
					u, err := svc.FindUser(ctx, f.UserID)
					if err != nil {
						return fmt.Errorf("--user: %w", err)
					}
					f.UserID = u.ID
				}
				items, _, err := svc.QueryAudit(ctx, f, liaison.Page{Limit: limit})
				if err != nil {
					return err
				}
				return e.table(asJSON, items, "INDEX\tAT\tACTOR\tACTION\tOBJECT\tOUTCOME\tREASON", func(add func(...any)) {
					for _, ev := range items {
						add(ev.Index, ev.At.Format(time.RFC3339), ev.Actor, ev.Action, ev.ObjectType+":"+ev.ObjectID, ev.Outcome, ev.Reason)
					}
				})
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.UserID, "user", "", "acting user (login or id)")
	fl.StringVar(&f.AgencyID, "agency-id", "", "acting user's agency id")
	fl.StringVar(&f.Action, "action", "", "action, or a prefix ending in '.'")
	fl.StringVar(&f.ObjectID, "object", "", "object id")
	fl.StringVar(&f.ObjectType, "object-type", "", "object type")
	fl.StringVar(&f.Outcome, "outcome", "", "success, failure or denied")
	fl.StringVar(&since, "since", "", "from (date or RFC 3339)")
	fl.StringVar(&until, "until", "", "to (date or RFC 3339)")
	fl.IntVar(&limit, "limit", 100, "at most this many entries")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func parseWhen(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s must be a date (2026-11-23) or an RFC 3339 time", name)
}

func (e *env) auditReviewCmd() *cobra.Command {
	var since, until string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "review",
		Short: "The weekly audit review: totals and the events a reviewer must look at",
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := parseWhen("since", since)
			if err != nil {
				return err
			}
			u, err := parseWhen("until", until)
			if err != nil {
				return err
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				r, err := svc.AuditReview(ctx, s, u)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(e.stdout, r)
				}
				fmt.Fprintf(e.stdout, "Audit review %s to %s\n\nTotals\n", r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339))
				_ = e.table(false, nil, "MONTH\tACTION\tOUTCOME\tCOUNT", func(add func(...any)) {
					for _, t := range r.Totals {
						add(t.Month, t.Action, t.Outcome, t.Count)
					}
				})
				fmt.Fprintf(e.stdout, "\nTo review (%d)\n", len(r.Notable))
				return e.table(false, nil, "INDEX\tAT\tACTOR\tACTION\tOBJECT\tOUTCOME\tREASON", func(add func(...any)) {
					for _, ev := range r.Notable {
						add(ev.Index, ev.At.Format(time.RFC3339), ev.Actor, ev.Action, ev.ObjectType+":"+ev.ObjectID, ev.Outcome, ev.Reason)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "start (default: 7 days ago)")
	cmd.Flags().StringVar(&until, "until", "", "end (default: now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (e *env) auditLedgerCmd() *cobra.Command {
	var asJSON bool
	var item, recipient string
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "Export the dissemination ledger: every release outside the originating agency",
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				f := liaison.DisseminationFilter{ItemID: item, RecipientAgencyID: recipient}
				items, err := all(func(p liaison.Page) ([]*liaison.Dissemination, string, error) {
					return svc.ListDisseminations(ctx, f, p)
				})
				if err != nil {
					return err
				}
				return e.table(asJSON, items, "AT\tITEM\tRECIPIENT USER\tRECIPIENT AGENCY\tTLP\tPURPOSE\tREDACTED\tAUDIT", func(add func(...any)) {
					for _, d := range items {
						add(d.At.Format(time.RFC3339), d.ItemKind+":"+d.ItemID, d.RecipientUserID, d.RecipientAgencyID,
							d.Labels.TLP, d.Purpose, d.Redacted, d.AuditEventID)
					}
				})
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&item, "item", "", "only this item")
	cmd.Flags().StringVar(&recipient, "recipient-agency", "", "only releases to this agency id")
	return cmd
}
