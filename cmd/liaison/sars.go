package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"liaison"
	"liaison/service"
)

func (e *env) sarsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sars", Short: "Generate, import and export suspicious activity reports in bulk (CSV or JSON)"}
	cmd.AddCommand(e.sarsGenCmd(), e.sarsImportCmd(), e.sarsExportCmd())
	return cmd
}

// checkFormat fails unless f is csv or json.
func checkFormat(f string) error {
	if f != "csv" && f != "json" {
		return fmt.Errorf("--format must be csv or json, not %q", f)
	}
	return nil
}

// writeSARs writes reports in format f.
func writeSARs(w io.Writer, f string, sars []*liaison.SAR) error {
	if f == "json" {
		return service.WriteSARsJSON(w, sars)
	}
	return service.WriteSARsCSV(w, sars)
}

// asUser looks up login and returns a context in which that user acts.
func asUser(ctx context.Context, svc *service.Service, login string) (context.Context, error) {
	if login == "" {
		return nil, fmt.Errorf("--as LOGIN is required: the user the reports are filed or read as")
	}
	u, err := svc.FindUser(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", login, err)
	}
	return liaison.NewContext(ctx, liaison.Actor{User: u}), nil
}

func (e *env) sarsGenCmd() *cobra.Command {
	var seed uint64
	var format string
	cmd := &cobra.Command{
		Use:   "gen N",
		Short: "Print N realistic synthetic reports (the same for the same seed on the same day)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return fmt.Errorf("N must be a whole number, not %q", args[0])
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			gen := service.GenerateSARs(n, seed)
			sars := make([]*liaison.SAR, len(gen))
			for i, in := range gen {
				sars[i] = &liaison.SAR{Title: in.Title, Narrative: in.Narrative, Why: in.Why, When: in.When.Time,
					Where: in.Where, Categories: in.Categories, Involved: in.Involved}
			}
			return writeSARs(e.stdout, format, sars)
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or json")
	return cmd
}

func (e *env) sarsImportCmd() *cobra.Command {
	var login, format string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "File every report in FILE as a user; bad rows are reported and skipped, and importing twice files once",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f := format
			if f == "" {
				f = "csv"
				if strings.EqualFold(filepath.Ext(args[0]), ".json") {
					f = "json"
				}
			}
			if err := checkFormat(f); err != nil {
				return err
			}
			file, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer file.Close()
			parse := service.ParseSARsCSV
			if f == "json" {
				parse = service.ParseSARsJSON
			}
			rows, perrs, err := parse(file)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				ctx, err := asUser(ctx, svc, login)
				if err != nil {
					return err
				}
				keys := make([]string, len(rows))
				for i, r := range rows {
					b, _ := json.Marshal(r)
					sum := sha256.Sum256(b)
					keys[i] = hex.EncodeToString(sum[:])
				}
				rep, err := svc.ImportSARs(ctx, rows, keys, func(done, total int) {
					if done%100 == 0 || done == total {
						fmt.Fprintf(e.stderr, "imported %d/%d\n", done, total)
					}
				})
				if err != nil {
					return err
				}
				// The importer numbers the rows it was given; number them
				// as in the file, around the rows the parser left out.
				fileRow := fileRows(len(rows), perrs)
				errs := slices.Clone(perrs)
				for _, re := range rep.Errors {
					re.Row = fileRow[re.Row-1]
					errs = append(errs, re)
				}
				slices.SortStableFunc(errs, func(a, b service.RowError) int { return a.Row - b.Row })
				for _, re := range errs {
					field := re.Field
					if field == "" {
						field = "-"
					}
					fmt.Fprintf(e.stdout, "row %d\t%s\t%s\n", re.Row, field, re.Message)
				}
				bad := map[int]bool{}
				for _, re := range errs {
					bad[re.Row] = true
				}
				fmt.Fprintf(e.stdout, "imported %d, skipped %d already filed, %d row(s) with errors\n", rep.Imported, rep.Skipped, len(bad))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&login, "as", "", "login of the user filing the reports (required)")
	cmd.Flags().StringVar(&format, "format", "", "csv or json (default: from the file's extension)")
	return cmd
}

// fileRows maps the parsed rows, in order, to their row numbers in the
// file: every row except those the parser rejected.
func fileRows(parsed int, perrs []service.RowError) []int {
	rejected := map[int]bool{}
	for _, pe := range perrs {
		rejected[pe.Row] = true
	}
	out := make([]int, 0, parsed)
	for n := 1; len(out) < parsed; n++ {
		if !rejected[n] {
			out = append(out, n)
		}
	}
	return out
}

func (e *env) sarsExportCmd() *cobra.Command {
	var login, format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print every report the user's agency originated",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				ctx, err := asUser(ctx, svc, login)
				if err != nil {
					return err
				}
				sars, err := svc.ExportSARs(ctx)
				if err != nil {
					return err
				}
				return writeSARs(e.stdout, format, sars)
			})
		},
	}
	cmd.Flags().StringVar(&login, "as", "", "login of the user whose agency's reports to export (required)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or json")
	return cmd
}
