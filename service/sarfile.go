package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
)

// RowError is one problem with one row of an imported file.
type RowError = liaison.RowError

// ImportReport totals a bulk import of reports.
type ImportReport = liaison.ImportReport

// SARRow is one report read from a file, or why it could not be read.
type SARRow struct {
	Row    int // 1-based, not counting a CSV header
	Input  SARInput
	Key    string     // optional: of rows with the same non-empty key, only the first is filed
	Errors []RowError // if set, the row could not be read and Input is empty
}

// SARRows numbers reports 1, 2, ... as rows for ImportSARs.
func SARRows(ins []SARInput) iter.Seq2[SARRow, error] {
	return func(yield func(SARRow, error) bool) {
		for i, in := range ins {
			if !yield(SARRow{Row: i + 1, Input: in}, nil) {
				return
			}
		}
	}
}

// sarFingerprint identifies a report for idempotent re-import: a hash of
// its title, time and narrative. A hash rather than the text, so that the
// set of every report the author has filed stays small (about 40 bytes a
// report) however long the narratives.
type sarFingerprint [16]byte

func fingerprint(title string, when time.Time, narrative string) sarFingerprint {
	h := sha256.New()
	h.Write([]byte(strings.TrimSpace(title)))
	h.Write([]byte{0})
	h.Write([]byte(when.UTC().Truncate(time.Second).Format(time.RFC3339)))
	h.Write([]byte{0})
	h.Write([]byte(narrative))
	var fp sarFingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

// ImportSARs files each row as the caller (through CreateSARs, in
// transactions of importBatch rows), reading rows as it goes so that only
// one batch is held at a time. A row that could not be read or fails
// validation is reported and the rest continue; a row the caller has
// already filed (same title, time and narrative, in the store or earlier
// in rows), or whose key repeats an earlier row's, is skipped, so
// importing a file twice files it once. An error from rows stops the
// import after the rows before it are filed, and is returned with the
// report so far. progress, if set, is called with the number of rows read
// after each committed batch and at the end.
func (s *Service) ImportSARs(ctx context.Context, rows iter.Seq2[SARRow, error], progress func(read int)) (*ImportReport, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	// seen holds every report the caller has filed and every row queued
	// in this import, so a row repeated in a later batch is still skipped.
	seen := map[sarFingerprint]struct{}{}
	err := s.Store.View(ctx, func(tx liaison.Tx) error {
		return eachSAR(ctx, tx, liaison.SARFilter{AuthorID: a.User.ID}, func(r *liaison.SAR) error {
			seen[fingerprint(r.Title, r.When, r.Narrative)] = struct{}{}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	seenKeys := map[sarFingerprint]struct{}{}
	rep := &ImportReport{Errors: []RowError{}}
	// Rows are filed in transactions of up to importBatch: one fsync per
	// batch instead of per row. Errors wait for the batch, so that the
	// report lists them in row order.
	batch := make([]SARInput, 0, importBatch)
	batchRows := make([]int, 0, importBatch)
	var pending []RowError
	read := 0
	flush := func() error {
		if len(batch) > 0 {
			filed, errs, err := s.CreateSARs(ctx, batch)
			if err != nil {
				return fmt.Errorf("rows %d-%d: %w", batchRows[0], batchRows[len(batchRows)-1], err)
			}
			for j := range batch {
				if e, ok := errs[j]; ok {
					if liaison.ErrorCode(e) != liaison.EINVALID {
						return fmt.Errorf("row %d: %w", batchRows[j], e)
					}
					pending = append(pending, rowErrors(batchRows[j], e)...)
				}
			}
			rep.Imported += len(filed)
			clear(batch) // let the batch's reports be collected
			batch, batchRows = batch[:0], batchRows[:0]
		}
		slices.SortStableFunc(pending, func(a, b RowError) int { return a.Row - b.Row })
		rep.Errors = append(rep.Errors, pending...)
		pending = pending[:0]
		if progress != nil {
			progress(read)
		}
		return nil
	}
	for row, err := range rows {
		if err != nil {
			if ferr := flush(); ferr != nil {
				return rep, ferr
			}
			return rep, err
		}
		read++
		if len(row.Errors) > 0 {
			pending = append(pending, row.Errors...)
			continue
		}
		in := row.Input
		fp := fingerprint(in.Title, in.When.Time, in.Narrative)
		var key sarFingerprint
		if row.Key != "" {
			sum := sha256.Sum256([]byte(row.Key))
			key = sarFingerprint(sum[:16])
		}
		_, dup := seen[fp]
		if _, ok := seenKeys[key]; row.Key != "" && ok {
			dup = true
		}
		if row.Key != "" {
			seenKeys[key] = struct{}{}
		}
		if dup {
			rep.Skipped++
			continue
		}
		seen[fp] = struct{}{}
		batch, batchRows = append(batch, in), append(batchRows, row.Row)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, nil
}

// importBatch is how many rows one import transaction files.
const importBatch = 500

// eachSAR pages through every report matching f, stopping at fn's first error.
func eachSAR(ctx context.Context, tx liaison.Tx, f liaison.SARFilter, fn func(*liaison.SAR) error) error {
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for {
		page, err := tx.ListSARs(ctx, f, p)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < p.Limit {
			return nil
		}
		p.After = page[len(page)-1].ID
	}
}

// ExportSARs calls fn with every report the caller's agency originated,
// in id order, one page at a time, and returns how many it passed. Each
// page is read and handed over through release (decided, audited as
// sar.export naming every report, in the page's transaction) before fn
// sees it, so nothing leaves unaudited; fn runs outside the transaction,
// so a slow reader holds up no writer.
func (s *Service) ExportSARs(ctx context.Context, fn func(*ReleasedSAR) error) (int, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return 0, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	n := 0
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for {
		var rel []released
		var got int
		err := s.Store.Update(ctx, func(tx liaison.Tx) error {
			sub, err := s.subject(ctx, tx, a.User)
			if err != nil {
				return err
			}
			page, err := tx.ListSARs(ctx, liaison.SARFilter{AgencyID: a.User.AgencyID}, p)
			if err != nil {
				return err
			}
			got = len(page)
			items := make([]liveItem, len(page))
			for i, r := range page {
				items[i] = liveItem{sar: r}
				p.After = r.ID
			}
			rel, err = s.release(ctx, tx, releaseRequest{sub: sub, action: policy.Export, audit: "sar.export", objectType: "sar"}, items)
			return err
		})
		if err != nil {
			return n, err
		}
		for _, r := range rel {
			n++
			if err := fn(r.sar); err != nil {
				return n, err
			}
		}
		if got < p.Limit {
			return n, nil
		}
	}
}

// rowErrors turns a validation error into one RowError per field.
func rowErrors(row int, err error) []RowError {
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		return []RowError{{Row: row, Message: liaison.ErrorMessage(err)}}
	}
	out := make([]RowError, len(fields))
	for i, f := range fields {
		out[i] = RowError{Row: row, Field: f.Field, Message: f.Message}
	}
	return out
}

// csvHeader is the column order of SAR CSV files.
var csvHeader = []string{"title", "narrative", "why", "when", "address", "lat", "lon", "categories"}

// ReadSARsCSV reads reports from CSV with the header
// title,narrative,why,when,address,lat,lon,categories (categories separated
// by ";"; columns in any order), one row at a time. A malformed row is a
// SARRow with Errors; an unreadable file or header is an error, after
// which nothing more is read.
func ReadSARsCSV(r io.Reader) iter.Seq2[SARRow, error] {
	return func(yield func(SARRow, error) bool) {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true // the fields are copied out of each record
		head, err := cr.Read()
		if err == io.EOF {
			yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "the file is empty: it needs the header %s", strings.Join(csvHeader, ",")))
			return
		} else if err != nil {
			yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "reading the CSV header: %v", err))
			return
		}
		width := len(head)
		col := map[string]int{}
		for i, h := range head {
			col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
		}
		for _, h := range csvHeader {
			if _, ok := col[h]; !ok {
				yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "the CSV header has no %q column (want %s)", h, strings.Join(csvHeader, ",")))
				return
			}
		}
		for n := 1; ; n++ {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if !yield(SARRow{Row: n, Errors: []RowError{{Row: n, Message: pe.Err.Error()}}}, nil) {
					return
				}
				continue
			} else if err != nil {
				yield(SARRow{}, fmt.Errorf("reading CSV row %d: %w", n, err))
				return
			}
			if len(rec) != width {
				if !yield(SARRow{Row: n, Errors: []RowError{{Row: n, Message: fmt.Sprintf("has %d fields, the header %d", len(rec), width)}}}, nil) {
					return
				}
				continue
			}
			if !yield(csvRow(n, rec, col), nil) {
				return
			}
		}
	}
}

// csvRow turns record n of a CSV file into a report.
func csvRow(n int, rec []string, col map[string]int) SARRow {
	get := func(h string) string { return rec[col[h]] }
	in := SARInput{Title: get("title"), Narrative: get("narrative"), Why: get("why"),
		Where: liaison.Place{Address: get("address")}, Categories: []liaison.Category{}, Involved: []liaison.Entity{}}
	var bad []RowError
	if w := strings.TrimSpace(get("when")); w != "" {
		if err := in.When.UnmarshalJSON([]byte(strconv.Quote(w))); err != nil {
			bad = append(bad, rowErrors(n, err)...)
		}
	}
	for _, h := range []string{"lat", "lon"} {
		v := strings.TrimSpace(get(h))
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad = append(bad, RowError{Row: n, Field: h, Message: "must be a decimal number"})
			continue
		}
		if h == "lat" {
			in.Where.Lat = &f
		} else {
			in.Where.Lon = &f
		}
	}
	for c := range strings.SplitSeq(get("categories"), ";") {
		if c = strings.TrimSpace(c); c != "" {
			in.Categories = append(in.Categories, liaison.Category(c))
		}
	}
	if len(bad) > 0 {
		return SARRow{Row: n, Errors: bad}
	}
	return SARRow{Row: n, Input: in}
}

// ReadSARsJSON reads reports from a JSON array of objects with SARInput's
// fields (title, narrative, why, when, where, categories, involved), one
// object at a time. A malformed object is a SARRow with Errors; a file
// that is not a JSON array, or stops being valid JSON, is an error, after
// which nothing more is read.
func ReadSARsJSON(r io.Reader) iter.Seq2[SARRow, error] {
	return func(yield func(SARRow, error) bool) {
		dec := json.NewDecoder(r)
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			if err == nil {
				err = fmt.Errorf("it starts with %v", tok)
			}
			yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "the file must be a JSON array of reports: %v", err))
			return
		}
		for n := 1; dec.More(); n++ {
			var m json.RawMessage
			if err := dec.Decode(&m); err != nil {
				yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "row %d is not valid JSON, so the file cannot be read past it: %v", n, err))
				return
			}
			if !yield(jsonRow(n, m), nil) {
				return
			}
		}
		if _, err := dec.Token(); err != nil {
			yield(SARRow{}, liaison.Errorf(liaison.EINVALID, "the JSON array of reports does not end: %v", err))
		}
	}
}

// jsonRow turns object n of a JSON file into a report.
func jsonRow(n int, m json.RawMessage) SARRow {
	var in SARInput
	if err := json.Unmarshal(m, &in); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case len(liaison.ErrorFields(err)) > 0:
			return SARRow{Row: n, Errors: rowErrors(n, err)}
		case errors.As(err, &te):
			return SARRow{Row: n, Errors: []RowError{{Row: n, Field: te.Field, Message: "must be a JSON " + te.Type.Kind().String() + ", not " + te.Value}}}
		default:
			return SARRow{Row: n, Errors: []RowError{{Row: n, Message: err.Error()}}}
		}
	}
	in.Submit = false
	return SARRow{Row: n, Input: in}
}

// SARWriter writes reports one at a time in the CSV or JSON format that
// ReadSARsCSV and ReadSARsJSON read. CSV leaves out involved entities;
// JSON leaves out entity ids (an importing system assigns its own) and
// adds each report's id and state for the reader's information.
type SARWriter struct {
	csv  *csv.Writer   // CSV, or
	w    io.Writer     // JSON
	buf  bytes.Buffer  // one JSON record
	enc  *json.Encoder // into buf
	n    int
	head bool
}

// NewSARWriter starts a file of reports in format "csv" or "json"; EINVALID
// for another format.
func NewSARWriter(w io.Writer, format string) (*SARWriter, error) {
	switch format {
	case "csv":
		return &SARWriter{csv: csv.NewWriter(w)}, nil
	case "json":
		sw := &SARWriter{w: w}
		sw.enc = json.NewEncoder(&sw.buf)
		sw.enc.SetIndent("  ", "  ")
		return sw, nil
	}
	return nil, liaison.Errorf(liaison.EINVALID, "the format must be csv or json, not %q", format)
}

// WriteReleased adds a released report to the file.
func (w *SARWriter) WriteReleased(r *ReleasedSAR) error { return w.Write(r.sarReport) }

// Write adds r to the file.
func (w *SARWriter) Write(r *liaison.SAR) error {
	if w.csv != nil {
		if !w.head {
			w.head = true
			if err := w.csv.Write(csvHeader); err != nil {
				return err
			}
		}
		return w.csv.Write(csvRecord(r))
	}
	w.buf.Reset()
	if w.n == 0 {
		w.buf.WriteString("[\n  ")
	} else {
		w.buf.WriteString(",\n  ")
	}
	w.n++
	if err := w.enc.Encode(fileRecord(r)); err != nil {
		return err
	}
	w.buf.Truncate(w.buf.Len() - 1) // Encode's newline: the next separator has one
	_, err := w.w.Write(w.buf.Bytes())
	return err
}

// Close ends the file (a CSV header if no report was written, JSON's
// closing bracket) and flushes it; it does not close the underlying writer.
func (w *SARWriter) Close() error {
	if w.csv != nil {
		if !w.head {
			w.head = true
			if err := w.csv.Write(csvHeader); err != nil {
				return err
			}
		}
		w.csv.Flush()
		return w.csv.Error()
	}
	end := "\n]\n"
	if w.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(w.w, end)
	return err
}

// csvRecord is r as a row of csvHeader's columns.
func csvRecord(r *liaison.SAR) []string {
	coord := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	cats := make([]string, len(r.Categories))
	for i, c := range r.Categories {
		cats[i] = string(c)
	}
	return []string{r.Title, r.Narrative, r.Why, r.When.UTC().Format(time.RFC3339), r.Where.Address,
		coord(r.Where.Lat), coord(r.Where.Lon), strings.Join(cats, ";")}
}

// sarFileRecord is one report in a JSON file: SARInput's fields, plus the
// report's id and state for the reader's information.
type sarFileRecord struct {
	ID         liaison.ID         `json:"id,omitempty"`
	State      liaison.SARState   `json:"state,omitempty"`
	Title      string             `json:"title"`
	Narrative  string             `json:"narrative"`
	Why        string             `json:"why"`
	When       liaison.SARTime    `json:"when"`
	Where      liaison.Place      `json:"where"`
	Categories []liaison.Category `json:"categories"`
	Involved   []liaison.Entity   `json:"involved"`
}

// fileRecord is r as a JSON file holds it.
func fileRecord(r *liaison.SAR) sarFileRecord {
	inv := make([]liaison.Entity, len(r.Involved))
	for j, e := range r.Involved {
		e.ID = ""
		inv[j] = e
	}
	cats := r.Categories
	if cats == nil {
		cats = []liaison.Category{}
	}
	return sarFileRecord{ID: r.ID, State: r.State, Title: r.Title, Narrative: r.Narrative, Why: r.Why,
		When: liaison.SARTime{Time: r.When}, Where: r.Where, Categories: cats, Involved: inv}
}

// genCity is a place synthetic reports happen.
type genCity struct {
	name, state string
	lat, lon    float64
	streets     []string
}

var (
	genCities = []genCity{
		{"Chicago", "IL", 41.8781, -87.6298, []string{"W Madison St", "S Canal St", "N Michigan Ave", "W Roosevelt Rd"}},
		{"Houston", "TX", 29.7604, -95.3698, []string{"Main St", "Westheimer Rd", "Navigation Blvd", "Clinton Dr"}},
		{"Atlanta", "GA", 33.7490, -84.3880, []string{"Peachtree St NE", "Marietta St NW", "Spring St NW", "Camp Creek Pkwy"}},
		{"Denver", "CO", 39.7392, -104.9903, []string{"Colfax Ave", "Brighton Blvd", "Wynkoop St", "Peña Blvd"}},
		{"Seattle", "WA", 47.6062, -122.3321, []string{"Alaskan Way", "E Marginal Way S", "1st Ave", "Airport Way S"}},
		{"Philadelphia", "PA", 39.9526, -75.1652, []string{"Market St", "Delaware Ave", "Penrose Ave", "Island Ave"}},
	}
	genMen    = []string{"James", "David", "Robert", "Carlos", "Michael", "Kevin", "Omar", "Daniel"}
	genWomen  = []string{"Maria", "Aisha", "Linh", "Emily", "Fatima", "Sofia", "Grace", "Elena"}
	genLast   = []string{"Smith", "Garcia", "Nguyen", "Johnson", "Brown", "Khan", "Miller", "Lopez", "Davis", "Wilson", "Patel", "Moore"}
	genSites  = []string{"the water treatment plant", "the rail yard", "the federal building", "the stadium", "the regional airport", "the power substation", "the bus terminal", "the chemical distributor", "the port container terminal", "the hospital loading dock"}
	genMakes  = []string{"Ford F-150", "Honda Civic", "Toyota Camry", "Chevrolet Express van", "Nissan Altima", "Dodge Ram", "Kia Sorento"}
	genColors = []string{"white", "black", "silver", "gray", "dark blue", "red"}
	genWhys   = []string{
		"The activity did not fit the normal pattern at this site and the subject left when approached.",
		"Staff said they had never seen this before and the questions went beyond what a customer needs.",
		"The behaviour matches the category in the ISE-SAR functional standard; reporting for vetting.",
		"The subject gave inconsistent answers and appeared to be recording the security response.",
	}
)

// genTemplates is one narrative per category: %[1]s a person, %[2]s a
// site, %[3]s a vehicle.
var genTemplates = map[liaison.Category]string{
	liaison.CatBreach:            "Security at %[2]s reported %[1]s attempting to enter a restricted area through a service door propped open; the subject left in a %[3]s when challenged.",
	liaison.CatMisrepresentation: "%[1]s presented a contractor badge from a company that has no contract at %[2]s and asked to be escorted to the control room. A %[3]s was parked outside.",
	liaison.CatTheft:             "Two uniforms and an access card were reported stolen from an employee vehicle near %[2]s; %[1]s was seen leaving the lot in a %[3]s.",
	liaison.CatSabotage:          "Maintenance staff at %[2]s found a cut padlock and a tampered valve housing. A witness described %[1]s near the fence line earlier, driving a %[3]s.",
	liaison.CatCyberattack:       "The IT manager at %[2]s reported repeated remote login attempts against the SCADA network the same week %[1]s asked about its vendor; a %[3]s was seen on site.",
	liaison.CatThreat:            "%[1]s told staff at %[2]s that \"something big\" would happen there during the next event, then drove off in a %[3]s.",
	liaison.CatAviation:          "A drone was flown repeatedly over %[2]s at low altitude. The operator, %[1]s, was launching it from the bed of a %[3]s.",
	liaison.CatEliciting:         "%[1]s questioned employees at %[2]s about shift changes, guard numbers and when deliveries arrive. The subject arrived in a %[3]s.",
	liaison.CatTesting:           "%[1]s approached the gate at %[2]s three times in one hour, each time leaving when guards responded, and timed the response from a %[3]s.",
	liaison.CatRecruiting:        "An informant reported %[1]s soliciting cash donations and volunteers near %[2]s for an unnamed cause, using a %[3]s to move supplies.",
	liaison.CatPhotography:       "%[1]s photographed the entrances, cameras and fencing of %[2]s for about 20 minutes, then left in a %[3]s.",
	liaison.CatObservation:       "%[1]s was seen on three consecutive days sitting in a %[3]s across from %[2]s, taking notes and watching staff arrive.",
	liaison.CatMaterials:         "A store near %[2]s reported %[1]s buying large quantities of hydrogen peroxide and acetone with cash and loading them into a %[3]s.",
	liaison.CatExpertise:         "%[1]s asked an instructor near %[2]s for training on remote detonation and refused to say why; the subject drove a %[3]s.",
	liaison.CatWeapons:           "A storage unit renter near %[2]s reported %[1]s moving several long guns and ammunition cases from a %[3]s into an adjoining unit.",
	liaison.CatSectorSpecific:    "Operators at %[2]s reported an unexplained pressure drop after %[1]s was seen near an unmanned pump station with a %[3]s.",
}

// allCategories is Part A then Part B.
var allCategories = append(append([]liaison.Category{}, liaison.CategoriesA...), liaison.CategoriesB...)

// GenerateSARs returns n realistic synthetic reports: GenerateSARsSeq's, in a slice.
func GenerateSARs(n int, seed uint64) []SARInput {
	return slices.AppendSeq(make([]SARInput, 0, n), GenerateSARsSeq(n, seed))
}

// GenerateSARsSeq yields n realistic synthetic reports, one at a time and
// the same for the same seed on the same day: every ISE-SAR category in
// turn, narratives naming a person, a site and a vehicle, coordinates near
// one of a few US cities and times within the past 60 days.
func GenerateSARsSeq(n int, seed uint64) iter.Seq[SARInput] {
	return func(yield func(SARInput) bool) {
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		today := time.Now().UTC().Truncate(24 * time.Hour)
		for i := range n {
			if !yield(generateSAR(rng, today, i, seed)) {
				return
			}
		}
	}
}

// generateSAR makes the i-th synthetic report from rng.
func generateSAR(rng *rand.Rand, today time.Time, i int, seed uint64) SARInput {
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	cat := allCategories[(i+int(seed%16))%len(allCategories)]
	cats := []liaison.Category{cat}
	if rng.IntN(4) == 0 {
		if extra := allCategories[rng.IntN(len(allCategories))]; extra != cat {
			cats = append(cats, extra)
		}
	}
	sex, first := "man", pick(genMen)
	if rng.IntN(2) == 0 {
		sex, first = "woman", pick(genWomen)
	}
	last := pick(genLast)
	person := "a " + sex + " later identified as " + first + " " + last
	site, mk, color := pick(genSites), pick(genMakes), pick(genColors)
	plate := fmt.Sprintf("%c%c%c-%04d", 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26)), rng.IntN(10000))
	c := genCities[rng.IntN(len(genCities))]
	lat := round6(c.lat + (rng.Float64()-0.5)*0.1)
	lon := round6(c.lon + (rng.Float64()-0.5)*0.1)
	when := today.Add(-time.Hour - time.Duration(rng.Int64N(int64(59*24*time.Hour)))).Truncate(time.Minute)
	narr := fmt.Sprintf(genTemplates[cat], person, site, color+" "+mk+" ("+c.state+" plate "+plate+")")
	narr = strings.ToUpper(narr[:1]) + narr[1:]
	title := fmt.Sprintf("%s near %s, %s", categoryTitles[cat], strings.TrimPrefix(site, "the "), c.name)
	return SARInput{
		Title: title, Narrative: narr, Why: pick(genWhys), When: liaison.SARTime{Time: when},
		Where: liaison.Place{Address: fmt.Sprintf("%d %s, %s, %s", 100+rng.IntN(9900), pick(c.streets), c.name, c.state),
			Lat: &lat, Lon: &lon},
		Categories: cats,
		Involved: []liaison.Entity{
			{Kind: liaison.EntityPerson, Attributes: map[string]string{"name": first + " " + last,
				"description": fmt.Sprintf("approx. %d years old", 20+rng.IntN(45))}},
			{Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": plate, "state": c.state,
				"make": mk, "color": color}},
			{Kind: "target", Attributes: map[string]string{"name": site, "city": c.name}},
		},
	}
}

func round6(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 6, 64), 64)
	return v
}

// categoryTitles renders each category as a short title, e.g. "Photography".
var categoryTitles = map[liaison.Category]string{
	liaison.CatBreach: "Attempted intrusion", liaison.CatMisrepresentation: "Misrepresentation",
	liaison.CatTheft: "Theft of credentials", liaison.CatSabotage: "Tampering", liaison.CatCyberattack: "Cyber intrusion attempts",
	liaison.CatThreat: "Implied threat", liaison.CatAviation: "Drone overflight", liaison.CatEliciting: "Eliciting information",
	liaison.CatTesting: "Probing security", liaison.CatRecruiting: "Soliciting funds", liaison.CatPhotography: "Photography",
	liaison.CatObservation: "Surveillance", liaison.CatMaterials: "Precursor purchase", liaison.CatExpertise: "Seeking expertise",
	liaison.CatWeapons: "Weapons storage", liaison.CatSectorSpecific: "Pipeline incident",
}
