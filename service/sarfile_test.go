package service_test

import (
	"bytes"
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

func TestSARFileRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		write    func(*bytes.Buffer, []*liaison.SAR) error
		parse    func(*bytes.Buffer) ([]service.SARInput, []service.RowError, error)
		involved bool
	}{
		{"csv", func(b *bytes.Buffer, s []*liaison.SAR) error { return service.WriteSARsCSV(b, s) },
			func(b *bytes.Buffer) ([]service.SARInput, []service.RowError, error) { return service.ParseSARsCSV(b) }, false},
		{"json", func(b *bytes.Buffer, s []*liaison.SAR) error { return service.WriteSARsJSON(b, s) },
			func(b *bytes.Buffer) ([]service.SARInput, []service.RowError, error) { return service.ParseSARsJSON(b) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sars := fileSARs()
			var b bytes.Buffer
			must(t, tc.write(&b, sars))
			rows, errs, err := tc.parse(&b)
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
	rows, errs, err := service.ParseSARsCSV(strings.NewReader(csv))
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
	if _, _, err := service.ParseSARsCSV(strings.NewReader("name,text\nx,y\n")); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("a file with the wrong header: %v", err)
	}

	js := `[{"title":"ok","when":"2026-11-20"},{"title":5},{"title":"x","when":"yesterday"},{"title":"ok2"}]`
	rows, errs, err = service.ParseSARsJSON(strings.NewReader(js))
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
	if _, _, err := service.ParseSARsJSON(strings.NewReader(`{"title":"not an array"}`)); liaison.ErrorCode(err) != liaison.EINVALID {
		t.Errorf("a JSON object instead of an array: %v", err)
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
	rows, perrs, err := service.ParseSARsCSV(strings.NewReader(csv))
	must(t, err)
	if len(perrs) != 0 || len(rows) != 5 {
		t.Fatalf("parse: %d rows, %+v", len(rows), perrs)
	}
	var calls []int
	rep, err := e.svc.ImportSARs(e.as(officer), rows, nil, func(done, total int) {
		if total != 5 {
			t.Errorf("progress total %d, want 5", total)
		}
		calls = append(calls, done)
	})
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

	rep, err = e.svc.ImportSARs(e.as(officer), rows, nil, nil)
	must(t, err)
	if rep.Imported != 0 || rep.Skipped != 3 || len(rep.Errors) != 2 {
		t.Errorf("re-import: %+v", rep)
	}
	got, err := e.svc.ExportSARs(e.as(officer))
	must(t, err)
	if len(got) != 3 {
		t.Errorf("exported %d reports, want 3", len(got))
	}

	// Rows repeated within one file, by key, are filed once.
	dup := []service.SARInput{rows[0], rows[0]}
	dup[0].Title, dup[1].Title = "Dup", "Dup"
	rep, err = e.svc.ImportSARs(e.as(officer), dup, []string{"k", "k"}, nil)
	must(t, err)
	if rep.Imported != 1 || rep.Skipped != 1 {
		t.Errorf("duplicate rows: %+v", rep)
	}

	// Someone who may not file reports is refused outright.
	auditor := e.userIn(ag, "a.imp", liaison.RoleAuditor)
	_, err = e.svc.ImportSARs(e.as(auditor), rows, nil, nil)
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, err = e.svc.ImportSARs(e.anon, rows, nil, nil)
	wantErr(t, err, liaison.EUNAUTHORIZED, "")
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
	if again := service.GenerateSARs(200, 1); !reflect.DeepEqual(again, gen) {
		t.Error("the same seed generated different reports")
	}
	if other := service.GenerateSARs(200, 2); reflect.DeepEqual(other, gen) {
		t.Error("different seeds generated the same reports")
	}
}
