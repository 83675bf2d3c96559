package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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

// genCmd is `liaison gen sars N`, the same as `liaison sars gen N`.
func (e *env) genCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "gen", Short: "Generate synthetic data: gen sars N (same as sars gen N)"}
	sars := e.sarsGenCmd()
	sars.Use = "sars N"
	cmd.AddCommand(sars)
	return cmd
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
			// Each report is written as it is made, so memory stays flat
			// however many are asked for.
			out := bufio.NewWriterSize(e.stdout, 64<<10)
			w, err := service.NewSARWriter(out, format)
			if err != nil {
				return err
			}
			for in := range service.GenerateSARsSeq(n, seed) {
				r := liaison.SAR{Title: in.Title, Narrative: in.Narrative, Why: in.Why, When: in.When.Time,
					Where: in.Where, Categories: in.Categories, Involved: in.Involved}
				if err := w.Write(&r); err != nil {
					return err
				}
			}
			if err := w.Close(); err != nil {
				return err
			}
			return out.Flush()
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
			var size int64
			if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
				size = st.Size()
			}
			// The file is read as it is imported, a batch at a time;
			// progress is the share of its bytes read so far.
			in := &countingReader{r: file}
			rows := service.ReadSARsCSV(bufio.NewReaderSize(in, 64<<10))
			if f == "json" {
				rows = service.ReadSARsJSON(bufio.NewReaderSize(in, 64<<10))
			}
			return e.withService(c, func(ctx context.Context, svc *service.Service) error {
				ctx, err := asUser(ctx, svc, login)
				if err != nil {
					return err
				}
				bar := newProgress(e.stderr, size, &in.n)
				rep, err := svc.ImportSARs(ctx, rows, bar.update)
				bar.end()
				if err != nil && (rep == nil || rep.Imported+rep.Skipped+len(rep.Errors) == 0) {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				bad := map[int]bool{}
				for _, re := range rep.Errors {
					field := re.Field
					if field == "" {
						field = "-"
					}
					fmt.Fprintf(e.stdout, "row %d\t%s\t%s\n", re.Row, field, re.Message)
					bad[re.Row] = true
				}
				fmt.Fprintf(e.stdout, "imported %d, skipped %d already filed, %d row(s) with errors\n", rep.Imported, rep.Skipped, len(bad))
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&login, "as", "", "login of the user filing the reports (required)")
	cmd.Flags().StringVar(&format, "format", "", "csv or json (default: from the file's extension)")
	return cmd
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress reports an import's progress on w: a bar redrawn in place when w
// is a terminal, otherwise a line at every tenth of the file (every
// 100,000 rows if its size is unknown) and at the end.
type progress struct {
	w        io.Writer
	tty      bool
	size     int64  // of the file; 0 if unknown
	read     *int64 // bytes of the file read so far
	rows     int
	shown    int // the last step printed
	printed  int // rows as of the last line printed
	lastDraw time.Time
}

func newProgress(w io.Writer, size int64, read *int64) *progress {
	p := &progress{w: w, size: size, read: read, shown: -1, printed: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// fraction is the share of the file read, in thousandths; -1 if unknown.
func (p *progress) fraction() int {
	if p.size <= 0 {
		return -1
	}
	return int(min(1000, *p.read*1000/p.size))
}

// update is ImportSARs's progress callback.
func (p *progress) update(rows int) {
	p.rows = rows
	if p.tty {
		if now := time.Now(); now.Sub(p.lastDraw) >= 100*time.Millisecond {
			p.lastDraw = now
			p.draw()
		}
		return
	}
	step := rows / 100_000
	if f := p.fraction(); f >= 0 {
		step = f / 100
	}
	if step > p.shown {
		p.shown = step
		p.line()
	}
}

// end shows the final count and leaves the cursor on a fresh line.
func (p *progress) end() {
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
		return
	}
	if p.printed != p.rows {
		p.line()
	}
}

func (p *progress) draw() {
	const width = 30
	f := p.fraction()
	if f < 0 {
		fmt.Fprintf(p.w, "\r%d rows read", p.rows)
		return
	}
	done := f * width / 1000
	fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %d rows read", strings.Repeat("=", done), strings.Repeat(" ", width-done), f/10, p.rows)
}

func (p *progress) line() {
	p.printed = p.rows
	if f := p.fraction(); f >= 0 {
		fmt.Fprintf(p.w, "read %d rows, %d%% of the file\n", p.rows, f/10)
		return
	}
	fmt.Fprintf(p.w, "read %d rows\n", p.rows)
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
				// Reports are written as they are read, a page at a time.
				out := bufio.NewWriterSize(e.stdout, 64<<10)
				w, err := service.NewSARWriter(out, format)
				if err != nil {
					return err
				}
				if _, err := svc.ExportSARs(ctx, w.WriteReleased); err != nil {
					return err
				}
				if err := w.Close(); err != nil {
					return err
				}
				return out.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&login, "as", "", "login of the user whose agency's reports to export (required)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or json")
	return cmd
}
