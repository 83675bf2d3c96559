package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"liaison"
	"liaison/service"
)

func (e *env) searchCmd() *cobra.Command {
	var login, identifier, purpose, cursor, from, to string
	var kinds, categories, agencies, tlps []string
	var fuzzy, asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "search [WORDS...]",
		Short: "Search as a user, through the decision point: results they may see and pointers to the rest",
		Long: `Search reports, intelligence records and cases as the user --as, exactly as the
API's POST /api/v1/search does: every result is decided by the policy decision
point, redacted, ledgered and audited; what matches but the user may not see
comes back as pointers (holding agency, kind, months, contact, handle).
The index is brought up to date first.`,
		RunE: func(c *cobra.Command, args []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				ctx, err := asUser(ctx, svc, login)
				if err != nil {
					return err
				}
				if _, err := svc.IndexSearch(liaison.NewContext(c.Context(), liaison.Actor{System: "cli"})); err != nil {
					return err
				}
				in := service.SearchRequest{Q: strings.Join(args, " "), Identifier: identifier, Fuzzy: fuzzy,
					Purpose: liaison.Purpose(purpose), Cursor: cursor, Limit: limit}
				for _, k := range kinds {
					in.Kinds = append(in.Kinds, liaison.RecordKind(k))
				}
				for _, k := range categories {
					in.Categories = append(in.Categories, liaison.Category(k))
				}
				in.Agencies = agencies
				for _, t := range tlps {
					in.TLPs = append(in.TLPs, liaison.TLP(t))
				}
				for _, d := range []struct {
					flag, v string
					dst     **time.Time
				}{{"from", from, &in.From}, {"to", to, &in.To}} {
					if d.v == "" {
						continue
					}
					t, err := time.Parse("2006-01-02", d.v)
					if err != nil {
						return fmt.Errorf("--%s must be a date, YYYY-MM-DD", d.flag)
					}
					*d.dst = &t
				}
				resp, err := svc.Search(ctx, in)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(e.stdout, resp)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KIND\tID\tOCCURRED\tTLP\tREDACTION\tTITLE")
				for _, r := range resp.Results {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, r.ID, r.Occurred.Format("2006-01-02"), r.TLP, r.Redaction, r.Title)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(resp.Pointers) > 0 {
					fmt.Fprintln(e.stdout, "\nPointers (ask for access with the handle):")
					tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "AGENCY\tKIND\tFROM\tTO\tCONTACT\tHANDLE")
					for _, p := range resp.Pointers {
						contact := ""
						if p.Contact != nil {
							contact = strings.TrimSpace(p.Contact.Name + " " + p.Contact.Email + " " + p.Contact.Phone)
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Agency, p.Kind, p.From.Format("2006-01"), p.To.Format("2006-01"), contact, p.ID) // months, both included
					}
					if err := tw.Flush(); err != nil {
						return err
					}
				}
				fmt.Fprintf(e.stdout, "\n%d results", len(resp.Results))
				if resp.Next != "" {
					fmt.Fprintf(e.stdout, "; more with --cursor %s", resp.Next)
				}
				if resp.Index.Pending > 0 {
					fmt.Fprintf(e.stdout, "; %d items still waiting to be indexed", resp.Index.Pending)
				}
				fmt.Fprintln(e.stdout)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&login, "as", "", "login of the user searching (required)")
	f.StringVar(&identifier, "identifier", "", "substring of a plate, phone or other number (3+ letters or digits)")
	f.BoolVar(&fuzzy, "fuzzy", false, "also match names that sound alike")
	f.StringVar(&purpose, "purpose", "", "declared purpose, e.g. counterterrorism")
	f.StringSliceVar(&kinds, "kind", nil, "sar, intelligence or case (repeat or comma-separate)")
	f.StringSliceVar(&categories, "category", nil, "ISE-SAR categories")
	f.StringSliceVar(&agencies, "agency", nil, "holding agency ids")
	f.StringSliceVar(&tlps, "tlp", nil, "TLP labels")
	f.StringVar(&from, "from", "", "occurred on or after YYYY-MM-DD")
	f.StringVar(&to, "to", "", "occurred before YYYY-MM-DD")
	f.StringVar(&cursor, "cursor", "", "the next page's cursor from an earlier search")
	f.IntVar(&limit, "limit", 0, "results per page (default 20, at most 100)")
	f.BoolVar(&asJSON, "json", false, "print the API's JSON")
	cmd.AddCommand(e.searchReindexCmd())
	return cmd
}

func (e *env) searchReindexCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index: queue every report and record, then index them",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				ctx = liaison.NewContext(ctx, liaison.Actor{System: "cli"})
				n, err := svc.Reindex(ctx)
				if err != nil {
					return err
				}
				start := time.Now()
				done, err := svc.IndexSearch(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "queued %d, indexed %d in %s\n", n, done, time.Since(start).Round(time.Millisecond))
				return nil
			})
		},
	}
}
