package service_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

func fptr(f float64) *float64 { return &f }

// fileSARs are reports as a store would return them.
func fileSARs() []*liaison.SAR {
	return []*liaison.SAR{
		{ID: liaison.NewID(), State: liaison.SARDraft, Title: "Photography of the dam", Narrative: "A man, \"Bob\", photographed\nthe spillway, gates; and cameras.",
			Why: "Unusual", When: time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC),
			Where:      liaison.Place{Address: "1 Dam Rd, Springfield, IL", Lat: fptr(39.781721), Lon: fptr(-89.650148)},
			Categories: []liaison.Category{liaison.CatPhotography, liaison.CatObservation},
			Involved:   []liaison.Entity{{ID: liaison.NewID(), Kind: liaison.EntityVehicle, Attributes: map[string]string{"plate": "ABC-1234"}}}},
		{ID: liaison.NewID(), State: liaison.SARSubmitted, Title: "Threat at the stadium", Narrative: "Caller said something big would happen.",
			When: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), Where: liaison.Place{Address: "Stadium"},
			Categories: []liaison.Category{liaison.CatThreat}, Involved: []liaison.Entity{}},
	}
}

// readAll collects the rows a reader yields: those read, and the errors
// of those that could not be.
func readAll(seq iter.Seq2[service.SARRow, error]) ([]service.SARInput, []service.RowError, error) {
	rows, errs := []service.SARInput{}, []service.RowError{}
	for r, err := range seq {
		if err != nil {
			return rows, errs, err
		}
		if len(r.Errors) > 0 {
			errs = append(errs, r.Errors...)
			continue
		}
		rows = append(rows, r.Input)
	}
	return rows, errs, nil
}

// writeAll writes sars as a file in format.
func writeAll(b *bytes.Buffer, format string, sars []*liaison.SAR) error {
	w, err := service.NewSARWriter(b, format)
	if err != nil {
		return err
	}
	for _, r := range sars {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	return w.Close()
}

func TestSARFileRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format   string
		read     func(*bytes.Buffer) iter.Seq2[service.SARRow, error]
		involved bool
	}{
		{"csv", func(b *bytes.Buffer) iter.Seq2[service.SARRow, error] { return service.ReadSARsCSV(b) }, false},
		{"json", func(b *bytes.Buffer) iter.Seq2[service.SARRow, error] { return service.ReadSARsJSON(b) }, true},
	} {
		t.Run(tc.format, func(t *testing.T) {
			sars := fileSARs()
			var b bytes.Buffer
			must(t, writeAll(&b, tc.format, sars))
			rows, errs, err := readAll(tc.read(&b))
			must(t, err)
			if len(errs) != 0 || len(rows) != len(sars) {
				t.Fatalf("parsed %d rows, errors %+v; want %d rows", len(rows), errs, len(sars))
			}
			for i, r := range sars {
				got := rows[i]
				want := service.SARInput{Title: r.Title, Narrative: r.Narrative, Why: r.Why, When: liaison.SARTime{Time: r.When},
					Where: r.Where, Categories: r.Categories, Involved: []liaison.Entity{}}
				if tc.involved {
					for _, e := range r.Involved {
						e.ID = ""
						want.Involved = append(want.Involved, e)
					}
				}
				if !got.When.Equal(want.When.Time) {
					t.Errorf("row %d when: got %v, want %v", i+1, got.When, want.When)
				}
				got.When = want.When
				if !reflect.DeepEqual(got, want) {
					t.Errorf("row %d:\ngot  %+v\nwant %+v", i+1, got, want)
				}
			}
		})
	}
}

func TestParseSARsMalformedRows(t *testing.T) {
	t.Parallel()
	csv := "title,narrative,why,when,address,lat,lon,categories\n" +
		"ok,n,w,2026-11-20,addr,,,photography\n" +
		"bad lat,n,w,2026-11-20,addr,north,1,photography\n" +
		"short,n\n" +
		"bad when,n,w,last tuesday,addr,,,photography\n" +
		"ok2,n,w,2026-11-20T10:00:00Z,,1.5,2.5,photography;theft_loss_diversion\n"
	rows, errs, err := readAll(service.ReadSARsCSV(strings.NewReader(csv)))
	must(t, err)
	if len(rows) != 2 || rows[1].Title != "ok2" || len(rows[1].Categories) != 2 || *rows[1].Where.Lat != 1.5 {
		t.Errorf("rows: %+v", rows)
	}
	got := map[int]string{}
	for _, e := range errs {
		got[e.Row] = e.Field
	}
	if want := map[int]string{2: "lat", 3: "", 4: "when"}; !reflect.DeepEqual(got, want) {
		t.Errorf("CSV errors: got %v (%+v), want %v", got, errs, want)
	}
	if _, _, err := readAll(service.ReadSARsCSV(strings.NewReader("name,text\nx,y\n"))); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("a file with the wrong header: %v", err)
	}

	js := `[{"title":"ok","when":"2026-11-20"},{"title":5},{"title":"x","when":"yesterday"},{"title":"ok2"}]`
	rows, errs, err = readAll(service.ReadSARsJSON(strings.NewReader(js)))
	must(t, err)
	if len(rows) != 2 || rows[1].Title != "ok2" {
		t.Errorf("rows: %+v", rows)
	}
	got = map[int]string{}
	for _, e := range errs {
		got[e.Row] = e.Field
	}
	if want := map[int]string{2: "title", 3: "when"}; !reflect.DeepEqual(got, want) {
		t.Errorf("JSON errors: got %v (%+v), want %v", got, errs, want)
	}
	for _, bad := range []string{`{"title":"not an array"}`, ``, `[{"title":"ok"},{"title":`, `[{"title":"ok"}`} {
		if _, _, err := readAll(service.ReadSARsJSON(strings.NewReader(bad))); liaison.ErrorCode(err) != liaison.EINVALID {
			t.Errorf("%q: got %v, want EINVALID", bad, err)
		}
	}
	// A file that stops being JSON yields the rows before the break.
	rows, _, err = readAll(service.ReadSARsJSON(strings.NewReader(`[{"title":"a"},{"title":"b"} {"title":"c"}]`)))
	if len(rows) != 2 || liaison.ErrorCode(err) != liaison.EINVALID || !strings.Contains(err.Error(), "row 3") {
		t.Errorf("broken JSON: %d rows, %v", len(rows), err)
	}
}

func TestSARWriterEmptyFile(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{"csv": "title,narrative,why,when,address,lat,lon,categories\n", "json": "[]\n"} {
		var b bytes.Buffer
		must(t, writeAll(&b, format, nil))
		if b.String() != want {
			t.Errorf("%s: got %q, want %q", format, b.String(), want)
		}
	}
	if _, err := service.NewSARWriter(&bytes.Buffer{}, "xml"); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("xml: %v", err)
	}
}

func TestImportSARs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("PD-IMP")
	officer := e.userIn(ag, "o.imp")
	csv := "title,narrative,why,when,address,lat,lon,categories\n" +
		"One,Narrative one,why,2026-11-20T10:00:00Z,1 Main St,,,photography\n" +
		",Narrative two,why,2026-11-20T11:00:00Z,2 Main St,,,photography\n" +
		"Three,Narrative three,why,2026-11-20T12:00:00Z,,41.1,-87.2,expressed_implied_threat\n" +
		"Four,Narrative four,why,2026-11-20T13:00:00Z,4 Main St,,,loitering\n" +
		"Five,Narrative five,,2026-11-21,5 Main St,,,cyberattack;eliciting_information\n"
	rows, perrs, err := readAll(service.ReadSARsCSV(strings.NewReader(csv)))
	must(t, err)
	if len(perrs) != 0 || len(rows) != 5 {
		t.Fatalf("parse: %d rows, %+v", len(rows), perrs)
	}
	var calls []int
	rep, err := e.svc.ImportSARs(e.as(officer), service.SARRows(rows), func(read int) { calls = append(calls, read) })
	must(t, err)
	if rep.Imported != 3 || rep.Skipped != 0 {
		t.Errorf("first import: %+v", rep)
	}
	if len(calls) == 0 || calls[len(calls)-1] != 5 { // reported per committed batch, and at the end
		t.Errorf("progress calls: %v", calls)
	}
	want := []service.RowError{{Row: 2, Field: "title"}, {Row: 4, Field: "categories[0]"}}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	for i, w := range want {
		if g := rep.Errors[i]; g.Row != w.Row || g.Field != w.Field || g.Message == "" {
			t.Errorf("error %d: got %+v, want row %d field %s", i, g, w.Row, w.Field)
		}
	}

	rep, err = e.svc.ImportSARs(e.as(officer), service.SARRows(rows), nil)
	must(t, err)
	if rep.Imported != 0 || rep.Skipped != 3 || len(rep.Errors) != 2 {
		t.Errorf("re-import: %+v", rep)
	}
	var got []*service.ReleasedSAR
	n, err := e.svc.ExportSARs(e.as(officer), func(r *service.ReleasedSAR) error { got = append(got, r); return nil })
	must(t, err)
	if n != 3 || len(got) != 3 {
		t.Errorf("exported %d (%d) reports, want 3", n, len(got))
	}

	// Rows repeated within one file are filed once; so are rows with the
	// same key.
	dup := []service.SARInput{rows[0], rows[0], rows[0]}
	dup[0].Title, dup[1].Title, dup[2].Title = "Dup", "Dup", "Dup by key"
	keyed := func(yield func(service.SARRow, error) bool) {
		for i, in := range dup {
			if !yield(service.SARRow{Row: i + 1, Input: in, Key: "k"}, nil) {
				return
			}
		}
	}
	rep, err = e.svc.ImportSARs(e.as(officer), keyed, nil)
	must(t, err)
	if rep.Imported != 1 || rep.Skipped != 2 {
		t.Errorf("duplicate rows: %+v", rep)
	}

	// Someone who may not file reports is refused outright.
	auditor := e.userIn(ag, "a.imp", liaison.RoleAuditor)
	_, err = e.svc.ImportSARs(e.as(auditor), service.SARRows(rows), nil)
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, err = e.svc.ImportSARs(e.anon, service.SARRows(rows), nil)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
	_, err = e.svc.ExportSARs(e.anon, func(*service.ReleasedSAR) error { return nil })
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
}

// TestImportSARsAcrossBatches imports a file of several batches with bad
// rows in each (unreadable and invalid) and rows repeated across batch
// boundaries: the report names exactly the bad rows, in order, every good
// row is filed once, and importing the file again files nothing.
func TestImportSARsAcrossBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agency("PD-BATCH")
	officer := e.userIn(ag, "o.batch")

	const n = 1234 // three batches of 500, the last partial
	// The generator dates reports up to an hour before today's midnight
	// (real time); the service's clock must be past that, or the last
	// hours of yesterday are "in the future" (this failed on Nov 26, when
	// the fixed test clock was still Nov 25).
	e.clock.Add(time.Now().UTC().Truncate(24*time.Hour).Sub(start) + 10*time.Second)
	gen := service.GenerateSARs(n, 11)
	bad := map[int]string{ // row -> field
		1: "lat", 499: "title", 500: "when", 501: "categories[0]", 502: "-",
		999: "lon", 1000: "title", 1001: "categories[0]", 1234: "lat",
	}
	dups := map[int]int{600: 10, 1100: 550, 1233: 1200} // row -> the earlier row it repeats
	var b strings.Builder
	w := csv.NewWriter(&b)
	must(t, w.Write([]string{"title", "narrative", "why", "when", "address", "lat", "lon", "categories"}))
	good := 0
	for i, in := range gen {
		row := i + 1
		if src, ok := dups[row]; ok {
			in = gen[src-1]
		}
		cats := "photography"
		if len(in.Categories) > 0 {
			cats = string(in.Categories[0])
		}
		title, when, lat, lon := in.Title, in.When.Format(time.RFC3339), fmt.Sprint(*in.Where.Lat), fmt.Sprint(*in.Where.Lon)
		switch bad[row] {
		case "lat":
			lat = "north"
		case "lon":
			lon = "1,2"
		case "title":
			title = ""
		case "when":
			when = "last tuesday"
		case "categories[0]":
			cats = "loitering"
		case "-":
			must(t, w.Write([]string{title, "too few fields"}))
			continue
		case "":
			if _, dup := dups[row]; !dup {
				good++
			}
		}
		must(t, w.Write([]string{title, in.Narrative, in.Why, when, in.Where.Address, lat, lon, cats}))
	}
	w.Flush()
	file := b.String()

	var calls []int
	rep, err := e.svc.ImportSARs(e.as(officer), service.ReadSARsCSV(strings.NewReader(file)), func(read int) { calls = append(calls, read) })
	must(t, err)
	if rep.Imported != good || rep.Skipped != len(dups) {
		t.Errorf("imported %d, skipped %d; want %d and %d", rep.Imported, rep.Skipped, good, len(dups))
	}
	var gotRows []int
	gotFields := map[int]string{}
	for _, re := range rep.Errors {
		if re.Message == "" {
			t.Errorf("row %d: no message", re.Row)
		}
		f := re.Field
		if f == "" {
			f = "-"
		}
		gotRows = append(gotRows, re.Row)
		gotFields[re.Row] = f
	}
	wantRows := []int{1, 499, 500, 501, 502, 999, 1000, 1001, 1234}
	if !reflect.DeepEqual(gotRows, wantRows) {
		t.Errorf("rows with errors: got %v, want %v", gotRows, wantRows)
	}
	if !reflect.DeepEqual(gotFields, bad) {
		t.Errorf("fields: got %v, want %v", gotFields, bad)
	}
	if len(calls) < 3 || calls[len(calls)-1] != n {
		t.Errorf("progress calls %v: want one per batch, ending at %d", calls, n)
	}

	rep, err = e.svc.ImportSARs(e.as(officer), service.ReadSARsCSV(strings.NewReader(file)), nil)
	must(t, err)
	if rep.Imported != 0 || rep.Skipped != good+len(dups) || len(rep.Errors) != len(bad) {
		t.Errorf("re-import: imported %d, skipped %d, %d errors; want 0, %d, %d", rep.Imported, rep.Skipped, len(rep.Errors), good+len(dups), len(bad))
	}
	count, err := e.svc.ExportSARs(e.as(officer), func(*service.ReleasedSAR) error { return nil })
	must(t, err)
	if count != good {
		t.Errorf("%d reports stored, want %d", count, good)
	}
}

// TestImportSARsStopsAtBrokenFile files the rows before a file stops
// being readable and returns the error with the report so far.
func TestImportSARsStopsAtBrokenFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.userIn(e.agency("PD-BROKEN"), "o.broken")
	js := `[{"title":"One","narrative":"n1","when":"2026-11-20","where":{"address":"1 Main St"},"categories":["photography"]},` +
		`{"title":"","narrative":"n2","when":"2026-11-20","where":{"address":"2 Main St"},"categories":["photography"]} {"title":"Three"}]`
	rep, err := e.svc.ImportSARs(e.as(officer), service.ReadSARsJSON(strings.NewReader(js)), nil)
	wantErr(t, err, liaison.EINVALID, "")
	if rep == nil || rep.Imported != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != 2 {
		t.Errorf("report: %+v", rep)
	}
}

func TestGenerateSARs(t *testing.T) {
	t.Parallel()
	gen := service.GenerateSARs(200, 1)
	if len(gen) != 200 {
		t.Fatalf("generated %d, want 200", len(gen))
	}
	now := time.Now()
	cats := map[liaison.Category]bool{}
	for i, in := range gen {
		r := &liaison.SAR{Source: liaison.SourceOfficer, Title: in.Title, Narrative: in.Narrative, Why: in.Why,
			When: in.When.Time, Where: in.Where, Categories: in.Categories, Involved: in.Involved}
		if err := r.Validate(now); err != nil {
			t.Fatalf("report %d does not validate: %v\n%+v", i, err, in)
		}
		if now.Sub(in.When.Time) > 61*24*time.Hour {
			t.Errorf("report %d is from %v, over 60 days ago", i, in.When)
		}
		if len(in.Involved) == 0 || in.Where.Lat == nil || *in.Where.Lat < 24 || *in.Where.Lat > 50 ||
			*in.Where.Lon < -125 || *in.Where.Lon > -66 {
			t.Errorf("report %d: no one involved or outside the US: %+v", i, in)
		}
		for _, c := range in.Categories {
			cats[c] = true
		}
	}
	if len(cats) != 16 {
		t.Errorf("generated %d categories, want all 16: %v", len(cats), cats)
	}
	var streamed []service.SARInput
	for in := range service.GenerateSARsSeq(200, 1) {
		streamed = append(streamed, in)
	}
	if !reflect.DeepEqual(streamed, gen) {
		t.Error("GenerateSARsSeq and GenerateSARs differ")
	}
	if again := service.GenerateSARs(200, 1); !reflect.DeepEqual(again, gen) {
		t.Error("the same seed generated different reports")
	}
	if other := service.GenerateSARs(200, 2); reflect.DeepEqual(other, gen) {
		t.Error("different seeds generated the same reports")
	}
}
