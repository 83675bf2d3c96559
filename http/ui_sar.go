package http

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/sar"
	"liaison/service"
)

// The web UI for suspicious activity reports: the officers' form, the
// vetting queues and a report's page with the steps its reader may take.
// Every read and write goes through the same service calls as the API.

// sarCategoryText names and explains an ISE-SAR behaviour category
// (Functional Standard 1.5.5) for people.
var sarCategoryText = map[liaison.Category][2]string{
	liaison.CatBreach:            {"Breach / attempted intrusion", "Entering or trying to enter a restricted area, secured site or non-public area without authorisation."},
	liaison.CatMisrepresentation: {"Misrepresentation", "False information, insignia, documents or identification used to misrepresent who someone is or works for."},
	liaison.CatTheft:             {"Theft / loss / diversion", "Stealing or diverting something of a facility: badges, uniforms, identification, documents, equipment."},
	liaison.CatSabotage:          {"Sabotage / tampering / vandalism", "Damaging, manipulating, defacing or destroying part of a facility, infrastructure or protected site."},
	liaison.CatCyberattack:       {"Cyberattack", "Compromising, or trying to compromise or disrupt, an organisation's information technology."},
	liaison.CatThreat:            {"Expressed or implied threat", "A spoken or written threat to commit a crime that would cause death or injury, or damage a facility."},
	liaison.CatAviation:          {"Aviation activity", "Operating or trying to operate an aircraft (including a drone) in a way that suggests a threat."},
	liaison.CatEliciting:         {"Eliciting information", "Questioning staff beyond mere curiosity about a facility, its operations, security or shifts."},
	liaison.CatTesting:           {"Testing or probing of security", "Deliberate interactions with or challenges to installations, staff or systems that reveal security capabilities."},
	liaison.CatRecruiting:        {"Recruiting / financing", "Building operations teams and contacts, or providing direct financial support to them."},
	liaison.CatPhotography:       {"Photography", "Photographing or filming facilities or infrastructure in a way that would arouse a reasonable person's suspicion."},
	liaison.CatObservation:       {"Observation / surveillance", "Unusual or prolonged interest in facilities or infrastructure beyond casual or professional interest."},
	liaison.CatMaterials:         {"Materials acquisition / storage", "Acquiring or storing unusual quantities of fuel, chemicals, toxic materials, timers, phones or similar."},
	liaison.CatExpertise:         {"Acquisition of expertise", "Seeking training or knowledge in security concepts, weapons, tactics or other unusual capabilities."},
	liaison.CatWeapons:           {"Weapons collection / storage", "Collecting or discovering unusual amounts or types of weapons, explosives or other destructive materials."},
	liaison.CatSectorSpecific:    {"Sector-specific incident", "Actions of unique concern to a sector (public health, energy...) about its staff, facilities, systems or functions."},
}

// involvedKinds are the kinds a report's involved-entity rows offer, with
// the attribute their identifier field fills.
var involvedKinds = []struct {
	Value liaison.EntityKind
	Label string
	key   string
}{
	{liaison.EntityPerson, "Person", "name"},
	{liaison.EntityVehicle, "Vehicle", "plate"},
	{liaison.EntityOrganization, "Organisation", "name"},
	{liaison.EntityLocation, "Location", "address"},
	{"target", "Target (facility, event)", "name"},
	{"aircraft", "Aircraft or drone", "registration"},
	{"vessel", "Vessel", "name"},
	{liaison.EntityPhone, "Phone", "number"},
	{liaison.EntityEmail, "Email address", "email"},
	{liaison.EntityAccount, "Account", "account_number"},
	{liaison.EntityWeapon, "Weapon", "serial_number"},
	{liaison.EntityDocument, "Document", "document_number"},
}

// sarRowSlots is how many involved-entity rows the form offers.
const sarRowSlots = 5

// sarQueues are the vetting queues, in the order the UI shows them.
var sarQueues = []struct {
	Queue        sar.Queue
	Label, Empty string
	roles        []liaison.Role // who sees the tab; nil: everyone who files or reads reports
}{
	{sar.MyDrafts, "My drafts", "You have no drafts. A draft is a report you saved without submitting it; " +
		"open it and submit it when it is complete, and a supervisor of your agency reviews it (step 1).", nil},
	{sar.AwaitingStep1, "Awaiting step 1", "Nothing awaits your review. Reports your agency's officers submit come here for step 1: " +
		"a supervisor of the originating agency forwards each to an analyst, returns it to its author saying what to fix, or rejects it.",
		[]liaison.Role{liaison.RoleSupervisor}},
	{sar.AwaitingStep2, "Awaiting step 2", "Nothing awaits a determination. Reports a supervisor forwarded come here for step 2: " +
		"a trained analyst at a fusion center or task force decides whether each is reasonably indicative of pre-operational planning, " +
		"and shares it as an ISE-SAR, retains it locally or rejects it.", []liaison.Role{liaison.RoleAnalyst}},
	{sar.SharedWithUs, "Shared with us", "No ISE-SAR is shared with your communities for this purpose. Reports that passed both vetting steps " +
		"appear here when an agreement lets your agency receive them for the purpose you declare.", nil},
	{sar.Withdrawn, "Withdrawn", "Your agency has withdrawn no report. An originator withdraws a shared ISE-SAR that turned out to be unfounded; " +
		"every recipient is told.", nil},
}

// stepDone is what the page says after a step succeeded.
var stepDone = map[string]string{
	"draft":                 "Saved as a draft. Only you and your agency's supervisors see it until you submit it.",
	"edited":                "The draft is saved with your changes. Submit it when it is complete.",
	"submitted":             "Submitted. A supervisor of your agency reviews it next (step 1).",
	string(sar.Submit):      "Submitted. A supervisor of your agency reviews it next (step 1).",
	string(sar.Forward):     "Forwarded: a trained analyst at a fusion center or task force makes the step-2 determination next.",
	string(sar.ReturnDraft): "Returned to its author as a draft, with your reason.",
	string(sar.RejectStep1): "Rejected at step 1. The reason is in the vetting history.",
	string(sar.Share):       "Shared as an ISE-SAR with the communities you chose, under its label.",
	string(sar.RetainLocal): "Retained locally: it stays with the originating agency for its retention period.",
	string(sar.RejectStep2): "Rejected at step 2. The reason is in the vetting history.",
	string(sar.Withdraw):    "Withdrawn. Every earlier recipient is being told.",
}

// mayFile mirrors who the service lets file reports, to offer the form only to them.
func mayFile(u *liaison.User) bool {
	return u.Has(liaison.RoleOfficer) || u.Has(liaison.RoleSupervisor) || u.Has(liaison.RoleAnalyst) || u.Has(liaison.RolePartnerLiaison)
}

// fieldProblem is one entry of a form's error summary: the field's element
// id (the link target), its label and what to fix.
type fieldProblem struct {
	ID, Text string
}

// formErrors collects field errors by element id, in the order found.
type formErrors struct {
	byID    map[string]string
	summary []fieldProblem
}

func newFormErrors() *formErrors { return &formErrors{byID: map[string]string{}} }

// add records what to fix in the field with element id; the first
// problem per field wins.
func (e *formErrors) add(id, label, msg string) {
	if _, dup := e.byID[id]; dup {
		return
	}
	text := label + ": " + msg
	if strings.HasPrefix(msg, "is ") || strings.HasPrefix(msg, "must ") {
		text = label + " " + msg
	}
	e.byID[id] = text
	e.summary = append(e.summary, fieldProblem{ID: id, Text: text})
}

func (e *formErrors) empty() bool { return e == nil || len(e.summary) == 0 }

// into puts the errors where every form template looks for them: Errors,
// by element id (empty when there are none), and Summary, the list the
// error summary links from (only when there is something to fix).
func (e *formErrors) into(data map[string]any) {
	if e.empty() {
		if data["Errors"] == nil {
			data["Errors"] = map[string]string{}
		}
		return
	}
	data["Errors"], data["Summary"] = e.byID, e.summary
}

// sarFormFields maps the service's field names to the form's element ids and labels.
func sarFormField(field string, rowOf map[int]int) (id, label string) {
	switch {
	case field == "title":
		return "title", "Title"
	case field == "when":
		return "when", "When"
	case field == "where":
		return "address", "Where"
	case field == "where.lat":
		return "lat", "Latitude"
	case field == "where.lon":
		return "lon", "Longitude"
	case field == "why":
		return "why", "Why it is suspicious"
	case field == "narrative":
		return "narrative", "Narrative"
	case field == "categories" || strings.HasPrefix(field, "categories["):
		return "cat-" + string(liaison.CategoriesA[0]), "Behaviour categories"
	case strings.HasPrefix(field, "involved["):
		i, _ := strconv.Atoi(strings.TrimPrefix(field[:strings.Index(field, "]")], "involved["))
		n := rowOf[i]
		return "involved-" + strconv.Itoa(n) + "-kind", "Involved " + strconv.Itoa(n) + ", kind"
	}
	return "title", field
}

// catBox is one category checkbox.
type catBox struct {
	Value       liaison.Category
	Label, Hint string
	Checked     bool
	PartB       bool
	ID          string
	HintID      string
}

// involvedRow is one involved-entity slot of the form.
type involvedRow struct {
	N                       int
	Kind, Ident, Desc       string
	KindID, IdentID, DescID string
}

// sarForm is the form's values, kept as typed so a refused form comes back as it was.
type sarForm struct {
	Title, When, Address, Lat, Lon, Why, Narrative string
	PartA, PartB                                   []catBox
	Rows                                           []involvedRow
}

func boxes(cats []liaison.Category, checked []liaison.Category, partB bool) []catBox {
	out := make([]catBox, len(cats))
	for i, c := range cats {
		t := sarCategoryText[c]
		out[i] = catBox{Value: c, Label: t[0], Hint: t[1], Checked: slices.Contains(checked, c), PartB: partB,
			ID: "cat-" + string(c), HintID: "hint-" + string(c)}
	}
	return out
}

func emptySARForm() *sarForm {
	f := &sarForm{PartA: boxes(liaison.CategoriesA, nil, false), PartB: boxes(liaison.CategoriesB, nil, true)}
	for n := 1; n <= sarRowSlots; n++ {
		f.Rows = append(f.Rows, involvedRow{N: n})
	}
	for i := range f.Rows {
		r := &f.Rows[i]
		p := "involved-" + strconv.Itoa(r.N)
		r.KindID, r.IdentID, r.DescID = p+"-kind", p+"-ident", p+"-desc"
	}
	return f
}

// textArea normalises a browser's CRLF line ends, which the domain's
// control-character check would refuse.
func textArea(v string) string { return strings.ReplaceAll(v, "\r\n", "\n") }

// parseSARForm reads the posted form into the service's input. Problems
// only a form can have (text where a number belongs, a row without a kind)
// are returned by element id; rowOf maps input rows back to form slots.
func parseSARForm(r *http.Request) (*sarForm, service.SARInput, map[int]int, *formErrors) {
	v := r.PostForm
	f := emptySARForm()
	errs := newFormErrors()
	f.Title, f.When, f.Address = v.Get("title"), strings.TrimSpace(v.Get("when")), v.Get("address")
	f.Lat, f.Lon = strings.TrimSpace(v.Get("lat")), strings.TrimSpace(v.Get("lon"))
	f.Why, f.Narrative = textArea(v.Get("why")), textArea(v.Get("narrative"))
	in := service.SARInput{Title: f.Title, Why: f.Why, Narrative: f.Narrative, Where: liaison.Place{Address: strings.TrimSpace(f.Address)}}
	if f.When != "" {
		if err := in.When.UnmarshalJSON([]byte(strconv.Quote(f.When))); err != nil {
			errs.add("when", "When", "give a date such as 2026-11-24, or a date and time such as 2026-11-24T18:05 (UTC)")
		}
	}
	coord := func(s, id, label string) *float64 {
		if s == "" {
			return nil
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			errs.add(id, label, "must be a number in decimal degrees, such as 39.2904")
			return nil
		}
		return &x
	}
	in.Where.Lat, in.Where.Lon = coord(f.Lat, "lat", "Latitude"), coord(f.Lon, "lon", "Longitude")
	for _, c := range v["categories"] {
		in.Categories = append(in.Categories, liaison.Category(c))
	}
	f.PartA = boxes(liaison.CategoriesA, in.Categories, false)
	f.PartB = boxes(liaison.CategoriesB, in.Categories, true)
	rowOf := map[int]int{}
	for i := range f.Rows {
		row := &f.Rows[i]
		p := "involved-" + strconv.Itoa(row.N)
		row.Kind, row.Ident, row.Desc = v.Get(p+"-kind"), strings.TrimSpace(v.Get(p+"-ident")), strings.TrimSpace(v.Get(p+"-desc"))
		if row.Ident == "" && row.Desc == "" {
			continue // an unused slot, whatever its kind says
		}
		key := ""
		for _, k := range involvedKinds {
			if string(k.Value) == row.Kind {
				key = k.key
			}
		}
		if key == "" {
			errs.add(row.KindID, "Involved "+strconv.Itoa(row.N)+", kind", "choose what this row describes: a person, a vehicle...")
			continue
		}
		attrs := map[string]string{}
		if row.Ident != "" {
			attrs[key] = row.Ident
		}
		if row.Desc != "" {
			attrs["description"] = row.Desc
		}
		rowOf[len(in.Involved)] = row.N
		in.Involved = append(in.Involved, liaison.Entity{Kind: liaison.EntityKind(row.Kind), Attributes: attrs})
	}
	in.Submit = v.Get("action") == "submit"
	return f, in, rowOf, errs
}

// addServiceErrors files a service error's fields under the form's element ids.
func addServiceErrors(errs *formErrors, err error, rowOf map[int]int) {
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		errs.add("title", "Report", liaison.ErrorMessage(err))
	}
	for _, fe := range fields {
		id, label := sarFormField(fe.Field, rowOf)
		errs.add(id, label, fe.Message)
	}
}

func (s *Server) renderSARForm(w http.ResponseWriter, r *http.Request, status int, f *sarForm, errs *formErrors) {
	data := map[string]any{"Form": f, "Kinds": involvedKinds}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "sar-form.html", data)
}

func (s *Server) sarNewPage(w http.ResponseWriter, r *http.Request) error {
	if !mayFile(liaison.ActorFrom(r.Context()).User) {
		return liaison.Errorf(liaison.EFORBIDDEN, "officers, analysts and partner liaisons file reports")
	}
	s.renderSARForm(w, r, http.StatusOK, emptySARForm(), nil)
	return nil
}

func (s *Server) sarCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	f, in, rowOf, errs := parseSARForm(r)
	if !errs.empty() {
		// The form itself is wrong: say what else the domain would refuse
		// too, so one round trip shows every problem. Nothing is filed.
		check := liaison.SAR{Source: liaison.SourceOfficer, Title: strings.TrimSpace(in.Title), Narrative: in.Narrative, Why: in.Why,
			When: in.When.Time, Where: in.Where, Categories: in.Categories, Involved: in.Involved}
		if err := check.Validate(s.svc.Now()); err != nil {
			addServiceErrors(errs, err, rowOf)
		}
		s.renderSARForm(w, r, http.StatusBadRequest, f, errs)
		return nil
	}
	rep, err := s.svc.CreateSAR(r.Context(), in)
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		addServiceErrors(errs, err, rowOf)
		s.renderSARForm(w, r, http.StatusBadRequest, f, errs)
		return nil
	}
	http.Redirect(w, r, "/sars/"+rep.ID+"?done="+string(rep.State), http.StatusSeeOther)
	return nil
}

// queueTab is one tab of the queues page.
type queueTab struct {
	Queue   sar.Queue
	Label   string
	Current bool
	URL     string
}

// sarRow is one report in a queue.
type sarRow struct {
	*service.ReleasedSAR
	URL        string
	Categories string
	PartBOnly  bool
}

func purposeParam(r *http.Request) liaison.Purpose {
	if p := r.URL.Query().Get("purpose"); p != "" {
		return liaison.Purpose(p)
	}
	return liaison.PurposeCounterterrorism
}

func (s *Server) sarQueuePage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "queue", "cursor", "limit", "purpose", "done"); err != nil {
		return err
	}
	me := liaison.ActorFrom(r.Context()).User
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	purpose := purposeParam(r)
	q := sar.Queue(r.URL.Query().Get("queue"))
	if q == "" {
		switch {
		case me.Has(liaison.RoleSupervisor):
			q = sar.AwaitingStep1
		case me.Has(liaison.RoleAnalyst):
			q = sar.AwaitingStep2
		case mayFile(me):
			q = sar.MyDrafts
		default:
			q = sar.SharedWithUs
		}
	}
	var tabs []queueTab
	empty, label := "", ""
	for _, sq := range sarQueues {
		if sq.roles != nil && !slices.ContainsFunc(sq.roles, me.Has) && sq.Queue != q {
			continue
		}
		if sq.Queue == sar.MyDrafts && !mayFile(me) && sq.Queue != q {
			continue
		}
		u := "/sars?queue=" + string(sq.Queue)
		if sq.Queue == sar.SharedWithUs {
			u += "&purpose=" + url.QueryEscape(string(purpose))
		}
		tabs = append(tabs, queueTab{Queue: sq.Queue, Label: sq.Label, Current: sq.Queue == q, URL: u})
		if sq.Queue == q {
			empty, label = sq.Empty, sq.Label
		}
	}
	items, next, err := s.svc.SARQueue(r.Context(), q, purpose, p)
	if err != nil {
		return err
	}
	rows := make([]sarRow, len(items))
	for i, it := range items {
		names := make([]string, len(it.Categories))
		for j, c := range it.Categories {
			names[j] = sarCategoryText[c][0]
		}
		u := "/sars/" + it.ID
		if q == sar.SharedWithUs {
			u += "?purpose=" + url.QueryEscape(string(purpose))
		}
		rows[i] = sarRow{ReleasedSAR: it, URL: u, Categories: strings.Join(names, "; "), PartBOnly: it.PartBOnly()}
	}
	data := map[string]any{"Tabs": tabs, "Queue": q, "QueueLabel": label, "Empty": empty, "Rows": rows,
		"Purpose": purpose, "Purposes": liaison.Purposes, "MayFile": mayFile(me)}
	if msg := stepDone[r.URL.Query().Get("done")]; msg != "" {
		data["Done"] = msg + " Your agency's agreements do not let you read it now."
	}
	if next != "" {
		nq := url.Values{"queue": {string(q)}, "cursor": {next}}
		if q == sar.SharedWithUs {
			nq.Set("purpose", string(purpose))
		}
		data["Next"] = "/sars?" + nq.Encode()
	}
	s.render(w, r, "sar-queue.html", data)
	return nil
}

// historyRow is one vetting step for the page.
type historyRow struct {
	At                 time.Time
	From, To           liaison.SARState
	By, Agency, Reason string
}

// entityView is one involved entity with its attributes in a stable order.
type entityView struct {
	Kind  string
	Attrs [][2]string
}

// stepForm keeps what was typed into a step form.
type stepForm struct {
	Step, Reason, Corroboration string
	TLP                         liaison.TLP
	Communities                 []liaison.ID
}

// communityBox is one community the analyst may share with.
type communityBox struct {
	ID, Name, Kind string
	Checked        bool
}

// mayStep reports whether the actor may take step on rep now: a dry run of
// the domain's state machine on a copy, with complete input.
func mayStep(rep *service.ReleasedSAR, a sar.Actor, step sar.Step, now time.Time) bool {
	c := rep.Copy()
	err := sar.Apply(&c, a, step, sar.Input{Reason: "dry run of the step", Corroboration: strings.Repeat("x", 40),
		Communities: []liaison.ID{liaison.NewID()}}, now)
	return err == nil
}

// sarPage renders a report's page: the report read through the service
// (the decision point, audit), who did what, and the steps the reader may take.
func (s *Server) sarPage(w http.ResponseWriter, r *http.Request, status int, id liaison.ID, purpose liaison.Purpose,
	done string, form stepForm, errs *formErrors) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	rep, err := s.svc.GetSAR(ctx, id, purpose)
	if err != nil {
		return err
	}
	actor, err := s.svc.SARActor(ctx) // the steps this reader may take
	if err != nil {
		return err
	}
	agencies, _, err := s.svc.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	agencyName := map[liaison.ID]string{}
	for _, a := range agencies {
		agencyName[a.ID] = a.Name
	}
	userName := map[liaison.ID]string{}
	who := func(id liaison.ID) string {
		if id == "" {
			return ""
		}
		if n, ok := userName[id]; ok {
			return n
		}
		n := id
		if u, err := s.svc.FindUser(ctx, id); err == nil {
			n = u.Name + " (" + u.Login + ")"
		}
		userName[id] = n
		return n
	}
	var history []historyRow
	for _, h := range rep.History {
		history = append(history, historyRow{At: h.At, From: h.From, To: h.To, By: who(h.By), Agency: agencyName[h.ByAgency], Reason: h.Reason})
	}
	var cats []catBox
	cats = append(cats, boxes(liaison.CategoriesA, rep.Categories, false)...)
	cats = append(cats, boxes(liaison.CategoriesB, rep.Categories, true)...)
	cats = slices.DeleteFunc(cats, func(c catBox) bool { return !c.Checked })
	var unknown []string
	for _, c := range rep.Categories {
		if _, ok := sarCategoryText[c]; !ok {
			unknown = append(unknown, string(c))
		}
	}
	involved := make([]entityView, len(rep.Involved))
	for i, e := range rep.Involved {
		ev := entityView{Kind: string(e.Kind)}
		for _, k := range involvedKinds {
			if k.Value == e.Kind {
				ev.Kind = k.Label
			}
		}
		keys := make([]string, 0, len(e.Attributes))
		for k := range e.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ev.Attrs = append(ev.Attrs, [2]string{strings.ReplaceAll(k, "_", " "), e.Attributes[k]})
		}
		involved[i] = ev
	}
	var sharedWith []string
	comms, _, err := s.svc.ListCommunities(ctx, liaison.CommunityFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	commBoxes := []communityBox{}
	for _, c := range comms {
		if slices.Contains(rep.SharedWith, c.ID) {
			sharedWith = append(sharedWith, c.Name)
		}
		commBoxes = append(commBoxes, communityBox{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Checked: slices.Contains(form.Communities, c.ID)})
	}
	now := s.svc.Now()
	tlp := form.TLP
	if tlp == "" {
		tlp = liaison.TLPAmber
	}
	data := map[string]any{
		"SAR": rep, "Agency": agencyName[rep.AgencyID], "Author": who(rep.AuthorID),
		"Categories": cats, "UnknownCategories": unknown, "Involved": involved, "History": history, "SharedWith": sharedWith,
		"PartBOnly": rep.PartBOnly(), "Purpose": purpose, "OwnAgency": rep.AgencyID == me.AgencyID,
		"Redacted": rep.AgencyID != me.AgencyID && rep.History == nil,
		"Done":     stepDone[done], "Form": form, "TLPs": liaison.TLPs, "TLP": tlp, "Communities": commBoxes,
		"CanSubmit":   mayStep(rep, actor, sar.Submit, now),
		"CanStep1":    mayStep(rep, actor, sar.Forward, now),
		"CanStep2":    mayStep(rep, actor, sar.Share, now),
		"CanWithdraw": mayStep(rep, actor, sar.Withdraw, now),
		"Errors":      map[string]string{},
	}
	if rep.Where.Lat != nil && rep.Where.Lon != nil {
		data["Coords"] = strconv.FormatFloat(*rep.Where.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(*rep.Where.Lon, 'f', -1, 64)
	}
	if err := s.sarExtras(r, rep, data); err != nil {
		return err
	}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "sar-view.html", data)
	return nil
}

func (s *Server) sarViewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose", "done"); err != nil {
		return err
	}
	done := r.URL.Query().Get("done")
	err := s.sarPage(w, r, http.StatusOK, r.PathValue("id"), purposeParam(r), done, stepForm{}, nil)
	if liaison.ErrorCode(err) == liaison.ENOTFOUND && done != "" && stepDone[done] != "" {
		// The step went through, but its taker may no longer read the report
		// (an analyst whose agency's agreements do not cover the shared space).
		http.Redirect(w, r, "/sars?done="+url.QueryEscape(done), http.StatusSeeOther)
		return nil
	}
	return err
}

// stepFields maps a step's field names to the step form's element ids and labels.
var stepFields = map[string][2]string{
	"step": {"decision", "Decision"}, "reason": {"reason", "Reason"}, "corroboration": {"corroboration", "Corroborating facts"},
	"communities": {"communities-first", "Share with"}, "tlp": {"tlp", "TLP label"}, "purpose": {"decision", "Purpose"},
}

func (s *Server) sarStep(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	v := r.PostForm
	purpose := liaison.Purpose(v.Get("purpose"))
	if purpose == "" {
		purpose = liaison.PurposeCounterterrorism
	}
	form := stepForm{Step: v.Get("step"), Reason: textArea(v.Get("reason")), Corroboration: textArea(v.Get("corroboration")),
		TLP: liaison.TLP(v.Get("tlp"))}
	for _, c := range v["communities"] {
		form.Communities = append(form.Communities, liaison.ID(c))
	}
	id := r.PathValue("id")
	errs := newFormErrors()
	if form.Step == "" {
		errs.add("decision", "Decision", "choose one of the decisions")
		return s.sarPage(w, r, http.StatusBadRequest, id, purpose, "", form, errs)
	}
	_, err := s.svc.StepSAR(r.Context(), id, service.StepInput{Step: sar.Step(form.Step), Reason: form.Reason,
		Corroboration: form.Corroboration, Communities: form.Communities, TLP: form.TLP})
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		fields := liaison.ErrorFields(err)
		if len(fields) == 0 {
			errs.add("decision", "Decision", liaison.ErrorMessage(err))
		}
		for _, fe := range fields {
			f, ok := stepFields[fe.Field]
			if !ok {
				f = [2]string{"decision", fe.Field}
			}
			errs.add(f[0], f[1], fe.Message)
		}
		return s.sarPage(w, r, http.StatusBadRequest, id, purpose, "", form, errs)
	}
	http.Redirect(w, r, "/sars/"+id+"?"+url.Values{"done": {form.Step}, "purpose": {string(purpose)}}.Encode(), http.StatusSeeOther)
	return nil
}
