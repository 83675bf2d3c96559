package http

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/policy"
	"liaison/service"
)

// The web UI for criminal intelligence (28 CFR Part 23): the user's cases
// and the records of one, the record form (new and correction), a record's
// page as the decision point released it, between classification banners,
// and the link graph around one of its subjects. Every read and write goes
// through the service, which decides, redacts, audits and ledgers.

// recordPages lists the web UI routes of this area (see routeTable).
func (s *Server) recordPages() []route {
	return []route{
		uiPage("GET", "/records", "ui.records", authSession, s.recordsListPage),
		uiPage("GET", "/records/new", "ui.records.new", authSession, s.recordsNewPage),
		uiPage("POST", "/records", "ui.records.create", authSession, s.recordsCreate),
		uiPage("POST", "/records/cases", "ui.records.case", authSession, s.recordsCaseCreate),
		uiPage("GET", "/records/{id}", "ui.record", authSession, s.recordsViewPage),
		uiPage("GET", "/records/{id}/correct", "ui.record.correct", authSession, s.recordsCorrectPage),
		uiPage("POST", "/records/{id}/correct", "ui.record.correct.save", authSession, s.recordsCorrect),
		uiPage("POST", "/records/{id}/assess", "ui.record.assess", authSession, s.recordsAssess),
		uiPage("GET", "/records/{id}/entities/{entity}/graph", "ui.record.graph", authSession, s.recordsGraphPage),
	}
}

func init() {
	registerFuncs(template.FuncMap{
		"recordsBanner":    recordsBanner,
		"recordsSARBanner": recordsSARBanner,
		"recordsWithheld":  func(v string) bool { return v == policy.Masked },
		"recordsAttrs":     recordsAttrs,
		"recordsSource":    func(s string) string { return sourceText[s] },
		"recordsInfo":      func(n int) string { return infoText[n] },
		"recordsHandling":  func(h liaison.Handling) string { return handlingText[h] },
		"recordsTLPText":   func(t liaison.TLP) string { return tlpText[t] },
		"recordsDate":      func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"recordsSegments":  recordsSegments,
		"recordsMul":       func(a, b int) int { return a * b },
		"recordsKindMark": func(k liaison.EntityKind) string {
			return map[liaison.EntityKind]string{liaison.EntityPerson: "P", liaison.EntityVehicle: "V", liaison.EntityPhone: "T",
				liaison.EntityEmail: "E", liaison.EntityOrganization: "O", liaison.EntityLocation: "L", liaison.EntityAccount: "A",
				liaison.EntityWeapon: "W", liaison.EntityDocument: "D"}[k]
		},
		"recordsEntityName": func(e liaison.Entity) string {
			for _, kv := range recordsAttrs(e.Attributes) {
				if kv[1] == policy.Masked {
					return string(e.Kind) + " (identity withheld)"
				}
				return string(e.Kind) + " " + kv[1]
			}
			return string(e.Kind)
		},
	})
}

// The labels' meanings, for people.
var (
	sourceText = map[string]string{"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
		"D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
	infoText = map[int]string{1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
		5: "improbable", 6: "truth cannot be judged"}
	handlingText = map[liaison.Handling]string{liaison.H0: "law-enforcement use only",
		liaison.H1: "not for judicial proceedings without the originator's permission",
		liaison.H2: "no onward dissemination without the originator's permission", liaison.H3: "other restrictions"}
	tlpText = map[liaison.TLP]string{
		liaison.TLPClear:       "disclosure is not limited",
		liaison.TLPGreen:       "limited disclosure: the community, not public channels",
		liaison.TLPAmber:       "limited disclosure: the recipient's organisation and its clients, need to know",
		liaison.TLPAmberStrict: "limited disclosure: the recipient's organisation only",
		liaison.TLPRed:         "for the named recipients only",
	}
)

// bannerData is what the "banner" template shows: TLP in its TLP 2.0
// colour and text, the handling code and its meaning, the grading.
type bannerData struct {
	ID, Class            string
	TLP                  liaison.TLP
	TLPText              string
	Handling             liaison.Handling
	HandlingText         string
	Grading              string // e.g. "B2: usually reliable, probably true"; "" for none
	Note                 string // what else the reader must know (a SAR's state)
	Restriction          string
	Unshared, Classified bool
}

// recordsBanner builds the banner for an item's labels; grading is a
// liaison.Grading, *liaison.Grading or nil.
func recordsBanner(id string, tlp liaison.TLP, handling liaison.Handling, restriction string, grading any) bannerData {
	b := bannerData{ID: id, TLP: tlp, TLPText: tlpText[tlp], Handling: handling, Restriction: restriction}
	if tlp != "" {
		b.Class = "banner-" + strings.ToLower(strings.ReplaceAll(string(tlp), "+", "-"))
	}
	if handling != "" {
		b.HandlingText = handlingText[handling]
	}
	var g *liaison.Grading
	switch x := grading.(type) {
	case liaison.Grading:
		g = &x
	case *liaison.Grading:
		g = x
	}
	if g != nil && g.Source != "" {
		b.Grading = fmt.Sprintf("%s%d: %s, %s", g.Source, g.Information, sourceText[g.Source], infoText[g.Information])
	}
	return b
}

// recordsSARBanner is a report's banner: shared reports carry their TLP
// (AMBER by default) and H0; reports still in vetting say so.
func recordsSARBanner(id string, rep *service.ReleasedSAR) bannerData {
	if rep.State != liaison.SARShared && rep.State != liaison.SARWithdrawn {
		b := recordsBanner(id, rep.TLP, "", "", nil)
		b.Class, b.Unshared = "banner-unshared", true
		b.Note = "NOT SHARED · SAR " + strings.ToUpper(string(rep.State)) + " · originating agency and its vetting chain only"
		return b
	}
	tlp := rep.TLP
	if tlp == "" {
		tlp = liaison.TLPAmber
	}
	b := recordsBanner(id, tlp, liaison.H0, "", nil)
	b.Note = "ISE-SAR"
	if rep.State == liaison.SARWithdrawn {
		b.Note += " · WITHDRAWN by its originator"
	}
	return b
}

// textSegment is a run of released text, or a redacted span.
type textSegment struct {
	Text     string
	Withheld bool
}

// recordsSegments splits released text around the redaction marks, so
// the page can mark each withheld span visibly and for screen readers.
func recordsSegments(s string) []textSegment {
	var out []textSegment
	for {
		i := strings.Index(s, policy.Masked)
		if i < 0 {
			if s != "" {
				out = append(out, textSegment{Text: s})
			}
			return out
		}
		if i > 0 {
			out = append(out, textSegment{Text: s[:i]})
		}
		out = append(out, textSegment{Withheld: true})
		s = s[i+len(policy.Masked):]
	}
}

// recordsAttrs orders an entity's attributes for display.
func recordsAttrs(m map[string]string) [][2]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := attrRank(keys[i]), attrRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, m[k]}
	}
	return out
}

func attrRank(k string) int {
	if i := slices.Index([]string{"name", "date_of_birth", "plate", "number", "email", "address"}, k); i >= 0 {
		return i
	}
	return 100
}

// mayWriteIntel mirrors who the service lets write intelligence.
func mayWriteIntel(u *liaison.User) bool {
	return u != nil && u.Attributes.Part23Trained && (u.Has(liaison.RoleAnalyst) || u.Has(liaison.RoleOfficer))
}

// mayOpenCase mirrors who the service lets open cases.
func mayOpenCase(u *liaison.User) bool {
	return u != nil && (u.Has(liaison.RoleAnalyst) || u.Has(liaison.RoleSupervisor) || u.Has(liaison.RoleOfficer))
}

// mayReadIntel is who the Intelligence pages are for.
func mayReadIntel(u *liaison.User) bool {
	return mayOpenCase(u) || (u != nil && u.Has(liaison.RolePartnerLiaison))
}

func requireIntelReader(r *http.Request) (*liaison.User, error) {
	u := liaison.ActorFrom(r.Context()).User
	if !mayReadIntel(u) {
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "the intelligence pages are for officers, supervisors, analysts and partner liaisons; your role is not one of them")
	}
	return u, nil
}

// recordsDone is what the pages say after an act.
var recordsDone = map[string]string{
	"created":   "Record filed. It is shared only as its TLP, handling code and communities allow; every read is decided and recorded.",
	"corrected": "Correction saved as a new version. Every agency that received an earlier version is being told.",
	"case":      "Case opened. You are assigned to it: its records are yours to read with need-to-know.",
}

func validPurpose(p liaison.Purpose) liaison.Purpose {
	if slices.Contains(liaison.Purposes, p) {
		return p
	}
	return liaison.PurposeCounterterrorism
}

func (s *Server) recordsListPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "case", "purpose", "done", "cursor"); err != nil {
		return err
	}
	return s.renderRecordsList(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderRecordsList(w http.ResponseWriter, r *http.Request, status int, caseTitle string, errs *formErrors) error {
	me, err := requireIntelReader(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	purpose := validPurpose(liaison.Purpose(q.Get("purpose")))
	cases, err := s.svc.MyCases(r.Context())
	if err != nil {
		return err
	}
	selected := q.Get("case")
	data := map[string]any{"Cases": cases, "Purpose": purpose, "Purposes": liaison.Purposes, "Selected": selected,
		"CanCreate": mayWriteIntel(me), "CanCase": mayOpenCase(me), "Done": recordsDone[q.Get("done")], "CaseTitle": caseTitle}
	errs.into(data)
	if selected != "" {
		caseID := selected
		if selected == "all" {
			caseID = ""
		} else if !liaison.ValidID(selected) {
			return liaison.FieldErrorf("case", "must be a case id or all")
		}
		for _, c := range cases {
			if c.ID == selected {
				data["Case"] = c
			}
		}
		recs, next, err := s.svc.ListIntelRecords(r.Context(), caseID, purpose, liaison.Page{After: q.Get("cursor"), Limit: 50})
		if err != nil {
			return err
		}
		data["Records"] = recs
		if next != "" {
			data["Next"] = "/records?" + url.Values{"case": {selected}, "purpose": {string(purpose)}, "cursor": {next}}.Encode()
		}
		names, err := s.agencyNames(r)
		if err != nil {
			return err
		}
		data["Agencies"] = names
	}
	w.WriteHeader(status)
	s.render(w, r, "records-list.html", data)
	return nil
}

func (s *Server) recordsCaseCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if _, err := requireIntelReader(r); err != nil {
		return err
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	c, err := s.svc.CreateCase(r.Context(), liaison.CaseInput{Title: title})
	if liaison.ErrorCode(err) == liaison.EINVALID {
		errs := newFormErrors()
		for _, fe := range liaison.ErrorFields(err) {
			errs.add("case-title", "Case title", fe.Message)
		}
		if errs.empty() {
			errs.add("case-title", "Case title", liaison.ErrorMessage(err))
		}
		return s.renderRecordsList(w, r, http.StatusBadRequest, title, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/records?"+url.Values{"case": {c.ID}, "done": {"case"}}.Encode(), http.StatusSeeOther)
	return nil
}

// subjectSlots and linkSlots are how many rows the record form offers.
const (
	subjectSlots = 4
	linkSlots    = 3
)

// subjectKinds are the kinds the form offers, with the attribute its
// identifier field fills and what that identifier is.
var subjectKinds = []struct {
	Value      liaison.EntityKind
	Label, key string
	Ident      string
}{
	{liaison.EntityPerson, "Person", "", "passport or ID number (optional)"},
	{liaison.EntityVehicle, "Vehicle", "plate", "plate"},
	{liaison.EntityPhone, "Phone", "number", "number"},
	{liaison.EntityEmail, "Email address", "email", "address"},
	{liaison.EntityOrganization, "Organisation", "", "registration number (optional)"},
	{liaison.EntityLocation, "Location", "address", "street address"},
	{liaison.EntityAccount, "Account", "account_number", "account number"},
	{liaison.EntityWeapon, "Weapon", "serial_number", "serial number"},
	{liaison.EntityDocument, "Document", "document_number", "document number"},
}

func identKey(kind liaison.EntityKind) string {
	switch kind {
	case liaison.EntityPerson:
		return "passport_number"
	case liaison.EntityOrganization:
		return "registration"
	}
	for _, k := range subjectKinds {
		if k.Value == kind {
			return k.key
		}
	}
	return "identifier"
}

// subjectRow is one subject slot of the form.
type subjectRow struct {
	N                             int
	Kind, Name, DOB, Ident, Other string
	// FA: the other details record political, religious or social views,
	// associations or activities (28 CFR 23.20(b)).
	FA bool
}

// linkRow is one link slot of the form: two subject slots and a type.
type linkRow struct {
	N              int
	From, To, Type string
}

// recordForm is the record form's values, kept as typed.
type recordForm struct {
	ID                                   liaison.ID // set when correcting
	Version                              int
	Title, Narrative, CaseID, Predicate  string
	Lawful                               bool
	Tie, Source, Info, TLP, Handling     string
	Restriction, Recipients, RetainUntil string
	SharedWith                           map[string]bool
	Subjects                             []subjectRow
	Links                                []linkRow
}

func emptyRecordForm(now time.Time) *recordForm {
	f := &recordForm{Source: "B", Info: "2", TLP: string(liaison.TLPAmber), Handling: string(liaison.H2),
		RetainUntil: now.AddDate(1, 0, 0).UTC().Format("2006-01-02"), SharedWith: map[string]bool{}}
	f.pad()
	return f
}

func (f *recordForm) pad() {
	for n := len(f.Subjects) + 1; n <= subjectSlots; n++ {
		f.Subjects = append(f.Subjects, subjectRow{N: n})
	}
	for n := len(f.Links) + 1; n <= linkSlots; n++ {
		f.Links = append(f.Links, linkRow{N: n})
	}
}

// recordFormFrom fills the form from a record (for a correction).
func recordFormFrom(rec *service.ReleasedRecord) *recordForm {
	f := &recordForm{ID: rec.ID, Version: rec.Version, Title: rec.Title, Narrative: rec.Narrative, CaseID: rec.CaseID,
		Predicate: rec.Predicate, Lawful: rec.LawfulCollection, Tie: rec.FirstAmendmentTie, Source: rec.Grading.Source,
		Info: strconv.Itoa(rec.Grading.Information), TLP: string(rec.TLP), Handling: string(rec.Handling), Restriction: rec.Restriction,
		RetainUntil: rec.RetainUntil.UTC().Format("2006-01-02"), SharedWith: map[string]bool{}}
	for _, c := range rec.SharedWith {
		f.SharedWith[c] = true
	}
	slot := map[liaison.ID]int{}
	for i, e := range rec.Subjects {
		row := subjectRow{N: i + 1, Kind: string(e.Kind), Name: e.Attributes["name"], DOB: e.Attributes["date_of_birth"],
			Ident: e.Attributes[identKey(e.Kind)]}
		var other []string
		for _, kv := range recordsAttrs(e.Attributes) {
			if kv[0] == "name" || kv[0] == "date_of_birth" || kv[0] == identKey(e.Kind) {
				continue
			}
			other = append(other, kv[0]+": "+kv[1])
		}
		row.Other = strings.Join(other, "; ")
		row.FA = len(e.FirstAmendment) > 0
		f.Subjects = append(f.Subjects, row)
		slot[e.ID] = i + 1
	}
	for i, l := range rec.Links {
		f.Links = append(f.Links, linkRow{N: i + 1, From: strconv.Itoa(slot[l.From]), To: strconv.Itoa(slot[l.To]), Type: l.Type})
	}
	f.pad()
	return f
}

// recordFieldID maps the service's field names to the form's element ids and labels.
func recordFieldID(field string, subjectRowOf, linkRowOf map[int]int) (id, label string) {
	simple := map[string][2]string{
		"title": {"rec-title", "Title"}, "narrative": {"rec-narrative", "Narrative"}, "case_id": {"rec-case", "Case"},
		"criminal_predicate":         {"rec-predicate", "Criminal predicate"},
		"lawful_collection_attested": {"rec-lawful", "Lawful collection"}, "first_amendment_tie": {"rec-tie", "First Amendment tie"},
		"grading.source": {"rec-source", "Source reliability"}, "grading.information": {"rec-info", "Information credibility"},
		"tlp": {"rec-tlp", "TLP"}, "recipients": {"rec-recipients", "Recipients"}, "handling": {"rec-handling", "Handling code"},
		"handling_restriction": {"rec-restriction", "Restriction"}, "retain_until": {"rec-retain", "Review by"},
		"version": {"rec-title", "Version"}, "shared_with": {"rec-shared", "Shared with"},
	}
	if v, ok := simple[field]; ok {
		return v[0], v[1]
	}
	index := func(prefix string) int {
		rest := strings.TrimPrefix(field, prefix)
		n, _ := strconv.Atoi(rest[:max(strings.Index(rest, "]"), 0)])
		return n
	}
	switch {
	case strings.HasPrefix(field, "subjects["):
		n := subjectRowOf[index("subjects[")]
		if strings.HasSuffix(field, ".kind") {
			return "subj-" + strconv.Itoa(n) + "-kind", "Subject " + strconv.Itoa(n) + ", kind"
		}
		return "subj-" + strconv.Itoa(n) + "-name", "Subject " + strconv.Itoa(n)
	case strings.HasPrefix(field, "links["):
		n := linkRowOf[index("links[")]
		if strings.HasSuffix(field, ".type") {
			return "link-" + strconv.Itoa(n) + "-type", "Link " + strconv.Itoa(n) + ", type"
		}
		return "link-" + strconv.Itoa(n) + "-from", "Link " + strconv.Itoa(n)
	}
	return "rec-title", field
}

// parseRecordForm reads the posted form into the service's input.
// Problems only a form can have come back by element id.
func (s *Server) parseRecordForm(r *http.Request) (*recordForm, liaison.IntelInput, map[int]int, map[int]int, *formErrors) {
	v := r.PostForm
	errs := newFormErrors()
	f := &recordForm{Title: v.Get("title"), Narrative: textArea(v.Get("narrative")), CaseID: v.Get("case_id"),
		Predicate: textArea(v.Get("criminal_predicate")), Lawful: v.Get("lawful_collection") != "", Tie: textArea(v.Get("first_amendment_tie")),
		Source: v.Get("grading_source"), Info: v.Get("grading_information"), TLP: v.Get("tlp"), Handling: v.Get("handling"),
		Restriction: v.Get("handling_restriction"), Recipients: v.Get("recipients"), RetainUntil: strings.TrimSpace(v.Get("retain_until")),
		SharedWith: set(v["shared_with"])}
	f.Version, _ = strconv.Atoi(v.Get("version"))
	in := liaison.IntelInput{Title: f.Title, Narrative: f.Narrative, CaseID: f.CaseID, Predicate: f.Predicate, LawfulCollection: f.Lawful,
		FirstAmendmentTie: f.Tie, TLP: liaison.TLP(f.TLP), Handling: liaison.Handling(f.Handling), Restriction: f.Restriction, Version: f.Version,
		Grading: liaison.Grading{Source: f.Source}}
	in.Grading.Information, _ = strconv.Atoi(f.Info)
	for _, c := range v["shared_with"] {
		in.SharedWith = append(in.SharedWith, c)
	}
	if f.RetainUntil == "" {
		errs.add("rec-retain", "Review by", "is required: a date at most five years ahead, e.g. "+time.Now().AddDate(1, 0, 0).Format("2006-01-02"))
	} else if t, err := time.ParseInLocation("2006-01-02", f.RetainUntil, time.UTC); err != nil {
		errs.add("rec-retain", "Review by", "must be a date, YYYY-MM-DD")
	} else {
		in.RetainUntil = t.Add(23*time.Hour + 59*time.Minute)
	}
	for _, login := range strings.FieldsFunc(f.Recipients, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' }) {
		u, err := s.svc.FindUser(r.Context(), login)
		if err != nil {
			errs.add("rec-recipients", "Recipients", fmt.Sprintf("no user has the login %q; give logins separated by commas", login))
			continue
		}
		in.Recipients = append(in.Recipients, u.ID)
	}
	// Subjects: a row counts when anything in it is filled.
	subjectRowOf, linkRowOf := map[int]int{}, map[int]int{}
	slotID := map[string]liaison.ID{}
	for n := 1; n <= subjectSlots; n++ {
		p := "subj-" + strconv.Itoa(n) + "-"
		row := subjectRow{N: n, Kind: v.Get(p + "kind"), Name: strings.TrimSpace(v.Get(p + "name")), DOB: strings.TrimSpace(v.Get(p + "dob")),
			Ident: strings.TrimSpace(v.Get(p + "ident")), Other: strings.TrimSpace(v.Get(p + "other")), FA: v.Get(p+"fa") != ""}
		f.Subjects = append(f.Subjects, row)
		if row.Name == "" && row.DOB == "" && row.Ident == "" && row.Other == "" {
			if row.Kind != "" {
				errs.add(p+"name", "Subject "+strconv.Itoa(n), "describe the subject: a name, a date of birth or an identifier")
			}
			continue
		}
		if row.Kind == "" {
			errs.add(p+"kind", "Subject "+strconv.Itoa(n)+", kind", "choose what the subject is: a person, a vehicle, a phone...")
			continue
		}
		kind := liaison.EntityKind(row.Kind)
		attrs := map[string]string{}
		if row.Name != "" {
			attrs["name"] = row.Name
		}
		if row.DOB != "" {
			if _, err := time.Parse("2006-01-02", row.DOB); err != nil {
				errs.add(p+"dob", "Subject "+strconv.Itoa(n)+", date of birth", "must be a date, YYYY-MM-DD")
			}
			attrs["date_of_birth"] = row.DOB
		}
		if row.Ident != "" {
			attrs[identKey(kind)] = row.Ident
		}
		var otherKeys []string
		for _, part := range strings.Split(row.Other, ";") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			k, val, ok := strings.Cut(part, ":")
			k = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), " ", "_"))
			if !ok || k == "" || strings.TrimSpace(val) == "" {
				errs.add(p+"other", "Subject "+strconv.Itoa(n)+", other details", fmt.Sprintf("write each detail as “name: value”, separated by semicolons (%q is not)", strings.TrimSpace(part)))
				continue
			}
			attrs[k] = strings.TrimSpace(val)
			otherKeys = append(otherKeys, k)
		}
		if row.FA && len(otherKeys) == 0 {
			errs.add(p+"other", "Subject "+strconv.Itoa(n)+", other details",
				"list here, as “name: value”, the details that record views, beliefs or associations: they are what the First Amendment box marks")
		}
		id := liaison.NewID()
		slotID[strconv.Itoa(n)] = id
		subjectRowOf[len(in.Subjects)] = n
		e := liaison.Entity{ID: id, Kind: kind, Attributes: attrs}
		if row.FA {
			e.FirstAmendment = otherKeys
		}
		in.Subjects = append(in.Subjects, e)
	}
	for n := 1; n <= linkSlots; n++ {
		p := "link-" + strconv.Itoa(n) + "-"
		row := linkRow{N: n, From: v.Get(p + "from"), To: v.Get(p + "to"), Type: strings.TrimSpace(v.Get(p + "type"))}
		f.Links = append(f.Links, row)
		if row.From == "" && row.To == "" && row.Type == "" {
			continue
		}
		from, to := slotID[row.From], slotID[row.To]
		switch {
		case from == "" || to == "":
			errs.add(p+"from", "Link "+strconv.Itoa(n), "must join two subjects filled in above")
			continue
		case from == to:
			errs.add(p+"from", "Link "+strconv.Itoa(n), "must join two different subjects")
			continue
		case row.Type == "":
			errs.add(p+"type", "Link "+strconv.Itoa(n)+", type", "is required: how the subjects relate, e.g. uses, owns, associate_of")
			continue
		}
		linkRowOf[len(in.Links)] = n
		in.Links = append(in.Links, liaison.Link{From: from, To: to, Type: row.Type})
	}
	return f, in, subjectRowOf, linkRowOf, errs
}

func addRecordErrors(errs *formErrors, err error, subjectRowOf, linkRowOf map[int]int) {
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		errs.add("rec-title", "Record", liaison.ErrorMessage(err))
	}
	for _, fe := range fields {
		id, label := recordFieldID(fe.Field, subjectRowOf, linkRowOf)
		errs.add(id, label, fe.Message)
	}
}

func (s *Server) renderRecordForm(w http.ResponseWriter, r *http.Request, status int, f *recordForm, errs *formErrors) error {
	me := liaison.ActorFrom(r.Context()).User
	cases, err := s.svc.MyCases(r.Context())
	if err != nil {
		return err
	}
	comms, _, err := s.svc.ListCommunities(r.Context(), liaison.CommunityFilter{AgencyID: me.AgencyID}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	var sources []string
	for c := 'A'; c <= 'F'; c++ {
		sources = append(sources, string(c))
	}
	data := map[string]any{"Form": f, "Cases": cases, "Communities": comms, "Kinds": subjectKinds, "TLPs": liaison.TLPs,
		"Handlings": liaison.Handlings, "Sources": sources, "Infos": []int{1, 2, 3, 4, 5, 6},
		"LinkTypes": []string{"uses", "owns", "associate_of", "located_at", "seen_at", "member_of", "contacted"}}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "records-form.html", data)
	return nil
}

func requireIntelWriter(r *http.Request) error {
	if !mayWriteIntel(liaison.ActorFrom(r.Context()).User) {
		return liaison.Errorf(liaison.EFORBIDDEN, "criminal intelligence is written by analysts and officers trained in 28 CFR Part 23; ask your supervisor if you should be")
	}
	return nil
}

func (s *Server) recordsNewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "case"); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	f := emptyRecordForm(s.svc.Now())
	f.CaseID = r.URL.Query().Get("case")
	return s.renderRecordForm(w, r, http.StatusOK, f, nil)
}

func (s *Server) recordsCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	f, in, subjRows, linkRows, errs := s.parseRecordForm(r)
	f.Version = 0
	if !errs.empty() {
		f.pad()
		return s.renderRecordForm(w, r, http.StatusBadRequest, f, errs)
	}
	rec, err := s.svc.CreateIntelRecord(r.Context(), in)
	if liaison.ErrorCode(err) == liaison.EINVALID {
		addRecordErrors(errs, err, subjRows, linkRows)
		return s.renderRecordForm(w, r, http.StatusBadRequest, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/records/"+rec.ID+"?"+url.Values{"purpose": {string(liaison.PurposeCriminalInvestigation)}, "done": {"created"}}.Encode(), http.StatusSeeOther)
	return nil
}

func (s *Server) recordsCorrectPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	rec, dec, err := s.svc.GetIntelRecord(r.Context(), r.PathValue("id"), purposeParam(r))
	if err != nil {
		return err
	}
	me := liaison.ActorFrom(r.Context()).User
	if rec.Originator != me.AgencyID || dec.Redaction != policy.Full || rec.Purged {
		return liaison.Errorf(liaison.EFORBIDDEN, "only the originating agency corrects a record; ask its control official")
	}
	return s.renderRecordForm(w, r, http.StatusOK, recordFormFrom(rec), nil)
}

func (s *Server) recordsCorrect(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	f, in, subjRows, linkRows, errs := s.parseRecordForm(r)
	f.ID = id
	if !errs.empty() {
		f.pad()
		return s.renderRecordForm(w, r, http.StatusBadRequest, f, errs)
	}
	_, err := s.svc.CorrectIntelRecord(r.Context(), id, in)
	if code := liaison.ErrorCode(err); code == liaison.EINVALID || code == liaison.ECONFLICT {
		addRecordErrors(errs, err, subjRows, linkRows)
		return s.renderRecordForm(w, r, http.StatusBadRequest, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/records/"+id+"?"+url.Values{"purpose": {string(liaison.PurposeCriminalInvestigation)}, "done": {"corrected"}}.Encode(), http.StatusSeeOther)
	return nil
}

// withheldReason says why a redacted field is withheld, from the decision.
func withheldReason(dec *policy.Decision) string {
	switch dec.Redaction {
	case policy.NoPII:
		return "withheld: personal data — no agreement or grant lets your agency receive this record's personal data for this purpose"
	case policy.Assessment:
		return "withheld: an assessment under the imminent-danger exception carries no identifiers"
	}
	return ""
}

func (s *Server) recordsViewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose", "done"); err != nil {
		return err
	}
	return s.renderRecordView(w, r, http.StatusOK, nil, nil, "", nil)
}

// renderRecordView renders a record's page; an assessment, when given, is
// shown instead of the record the decision point would release.
func (s *Server) renderRecordView(w http.ResponseWriter, r *http.Request, status int, assessed *service.ReleasedRecord, assessDec *policy.Decision, justification string, errs *formErrors) error {
	if _, err := requireIntelReader(r); err != nil {
		return err
	}
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	purpose := validPurpose(purposeParam(r))
	id := r.PathValue("id")
	rec, dec, err := assessed, assessDec, error(nil)
	if rec == nil {
		rec, dec, err = s.svc.GetIntelRecord(ctx, id, purpose)
		if err != nil {
			return err
		}
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Record": rec, "Decision": dec, "Purpose": purpose, "Purposes": liaison.Purposes, "Agencies": names,
		"Withheld": withheldReason(dec), "Done": recordsDone[r.URL.Query().Get("done")], "Assessed": assessed != nil,
		"Justification": justification}
	errs.into(data)
	if assessed == nil {
		if hist, err := s.svc.IntelHistory(ctx, id, purpose); err == nil {
			data["History"] = hist
		} else if liaison.ErrorCode(err) != liaison.ENOTFOUND {
			return err
		}
		data["CanCorrect"] = mayWriteIntel(me) && rec.Originator == me.AgencyID && dec.Redaction == policy.Full && !rec.Purged
		ag, _ := s.svc.FindAgency(ctx, me.AgencyID)
		data["CanAssess"] = me.Attributes.SwornOfficer && ag != nil && ag.Kind != liaison.AgencyPrivate && rec.Originator != me.AgencyID
	}
	// Subjects by id, for links; what each shows.
	subj := map[liaison.ID]liaison.Entity{}
	for _, e := range rec.Subjects {
		subj[e.ID] = e
	}
	data["SubjectOf"] = subj
	if c, err := s.svc.FindCase(ctx, rec.CaseID); err == nil {
		data["Case"] = c
	}
	if co, err := s.svc.FindUser(ctx, rec.ControlOfficial); err == nil {
		data["ControlOfficial"] = co.Name
	}
	comms, _, err := s.svc.ListCommunities(ctx, liaison.CommunityFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	commNames := map[liaison.ID]string{}
	for _, c := range comms {
		commNames[c.ID] = c.Name
	}
	data["Communities"] = commNames
	w.WriteHeader(status)
	s.render(w, r, "records-view.html", data)
	return nil
}

func (s *Server) recordsAssess(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if _, err := requireIntelReader(r); err != nil {
		return err
	}
	just := textArea(r.PostFormValue("justification"))
	rec, err := s.svc.Assess(r.Context(), r.PathValue("id"), just)
	if liaison.ErrorCode(err) == liaison.EINVALID {
		errs := newFormErrors()
		for _, fe := range liaison.ErrorFields(err) {
			errs.add("assess-justification", "Justification", fe.Message)
		}
		return s.renderRecordView(w, r, http.StatusBadRequest, nil, nil, just, errs)
	}
	if err != nil {
		return err
	}
	return s.renderRecordView(w, r, http.StatusOK, rec, &policy.Decision{Allow: true, Redaction: policy.Assessment, Review: true,
		Reason: "allowed: imminent danger to life or property: an assessment only, flagged for review by the originator's privacy officers"}, "", nil)
}

// graphLayout is the graph placed for drawing: concentric rings by hop.
type graphLayout struct {
	W, H, CX, CY int
	Rings        []int // hop numbers; drawn as ellipses
	RX, RY       int
	Nodes        []placedNode
	Edges        []placedEdge
}

type placedNode struct {
	*service.GraphNode
	X, Y       int
	LX, LY     int    // label position
	Anchor     string // text-anchor
	Short, URL string
	Root       bool
}

type placedEdge struct {
	*service.GraphEdge
	X1, Y1, X2, Y2 int
	FromLabel      string
	ToLabel        string
	MX, MY         int
}

// layoutGraph places the root at the centre and each hop on its own
// ring (an ellipse, wider than tall, to leave room for labels). Nodes of a
// ring are ordered by the angle of the node that reached them and spread
// evenly, turned to sit as near their parents as they can: the same graph
// always draws the same, with few crossings.
func layoutGraph(g *service.Graph, link func(*service.GraphNode) string) *graphLayout {
	maxHop := 0
	byHop := map[int][]*service.GraphNode{}
	for _, n := range g.Nodes {
		byHop[n.Hop] = append(byHop[n.Hop], n)
		maxHop = max(maxHop, n.Hop)
	}
	const rx, ry = 190, 120
	l := &graphLayout{W: 2*rx*maxHop + 620, H: 2*ry*maxHop + 140}
	l.CX, l.CY, l.RX, l.RY = l.W/2, l.H/2, rx, ry
	neighbours := map[liaison.ID][]liaison.ID{}
	for _, e := range g.Edges {
		neighbours[e.From] = append(neighbours[e.From], e.To)
		neighbours[e.To] = append(neighbours[e.To], e.From)
	}
	angleOf := map[liaison.ID]float64{}
	hopOf := map[liaison.ID]int{}
	for _, n := range g.Nodes {
		hopOf[n.ID] = n.Hop
	}
	parentAngle := func(n *service.GraphNode) float64 {
		var sx, sy float64
		for _, m := range neighbours[n.ID] {
			if a, ok := angleOf[m]; ok && hopOf[m] == n.Hop-1 {
				sx, sy = sx+math.Cos(a), sy+math.Sin(a)
			}
		}
		return math.Atan2(sy, sx)
	}
	angDiff := func(a, b float64) float64 {
		d := math.Mod(math.Abs(a-b), 2*math.Pi)
		return math.Min(d, 2*math.Pi-d)
	}
	pos := map[liaison.ID][2]int{}
	for hop := 0; hop <= maxHop; hop++ {
		ns := slices.Clone(byHop[hop])
		if hop > 0 {
			l.Rings = append(l.Rings, hop)
		}
		want := make(map[liaison.ID]float64, len(ns))
		for _, n := range ns {
			want[n.ID] = parentAngle(n)
		}
		if hop > 1 {
			sort.SliceStable(ns, func(i, j int) bool { return want[ns[i].ID] < want[ns[j].ID] })
		}
		step := 2 * math.Pi / float64(max(len(ns), 1))
		// The first ring starts on a diagonal, so labels beside the nodes
		// stay clear of the links; outer rings turn a little off their
		// parents' rays for the same reason.
		offset := -math.Pi / 4
		if hop == 1 && len(ns) > 2 {
			offset = step/2 - math.Pi/2
		}
		if hop > 1 {
			best := math.Inf(1)
			for k := 0; k < 36; k++ {
				o := float64(k) * step / 36
				cost := 0.0
				for i, n := range ns {
					cost += angDiff(o+float64(i)*step, want[n.ID])
				}
				if cost < best-1e-9 {
					best, offset = cost, o
				}
			}
			offset += 0.3
		}
		for i, n := range ns {
			x, y := l.CX, l.CY
			angle := offset + float64(i)*step
			if hop > 0 {
				angleOf[n.ID] = angle
				x = l.CX + int(math.Round(float64(hop*rx)*math.Cos(angle)))
				y = l.CY + int(math.Round(float64(hop*ry)*math.Sin(angle)))
			} else {
				angleOf[n.ID] = 0
			}
			pos[n.ID] = [2]int{x, y}
			pn := placedNode{GraphNode: n, X: x, Y: y, Short: shorten(n.Label, 30), URL: link(n), Root: hop == 0}
			pn.LX, pn.LY, pn.Anchor = x, y+38, "middle"
			if hop > 0 {
				c := math.Cos(angle)
				switch {
				case c > 0.35:
					pn.LX, pn.LY, pn.Anchor = x+24, y+5, "start"
				case c < -0.35:
					pn.LX, pn.LY, pn.Anchor = x-24, y+5, "end"
				case math.Sin(angle) < 0:
					pn.LY = y - 38
				}
			}
			l.Nodes = append(l.Nodes, pn)
		}
	}
	label := map[liaison.ID]string{}
	for _, n := range g.Nodes {
		label[n.ID] = n.Label
	}
	for _, e := range g.Edges {
		a, b := pos[e.From], pos[e.To]
		l.Edges = append(l.Edges, placedEdge{GraphEdge: e, X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], FromLabel: label[e.From], ToLabel: label[e.To],
			MX: (a[0] + b[0]) / 2, MY: (a[1]+b[1])/2 - 4})
	}
	return l
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (s *Server) recordsGraphPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose", "depth"); err != nil {
		return err
	}
	if _, err := requireIntelReader(r); err != nil {
		return err
	}
	purpose := validPurpose(purposeParam(r))
	depth := 0
	if v := r.URL.Query().Get("depth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return liaison.FieldErrorf("depth", "must be a whole number of link hops, 1 to %d", service.MaxGraphDepth)
		}
		depth = n
	}
	g, err := s.svc.EntityGraph(r.Context(), r.PathValue("id"), r.PathValue("entity"), purpose, depth)
	if err != nil {
		return err
	}
	link := func(n *service.GraphNode) string {
		return "/records/" + n.Home.RecordID + "/entities/" + n.Home.EntityID + "/graph?" +
			url.Values{"purpose": {string(purpose)}, "depth": {strconv.Itoa(g.Depth)}}.Encode()
	}
	titles := map[liaison.ID]string{}
	for _, rec := range g.Records {
		titles[rec.ID] = rec.Title
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	var root *service.GraphNode
	for _, n := range g.Nodes {
		if n.ID == g.Root {
			root = n
		}
	}
	s.render(w, r, "records-graph.html", map[string]any{"Graph": g, "Layout": layoutGraph(g, link), "Root": root, "Purpose": purpose,
		"Purposes": liaison.Purposes, "Titles": titles, "Agencies": names, "RecordID": r.PathValue("id"), "EntityID": r.PathValue("entity"),
		"Depths": []int{1, 2, 3, 4}, "MaxNodes": service.MaxGraphNodes})
	return nil
}
