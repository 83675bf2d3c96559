package http

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/service"
)

// The web UI for deconfliction: officers register operations and targets
// and see the conflicts their agency is party to; watch officers see every
// conflict in their area on a map and handle it. Every read and write goes
// through the same service calls as the API, so the other side's
// operation details never reach a page: a party sees only the ConflictView.

// operationKindText names each kind of operation for people.
var operationKindText = map[liaison.OperationKind]string{
	liaison.OpRaid: "Raid", liaison.OpWarrant: "Warrant service", liaison.OpSurveillance: "Surveillance",
	liaison.OpUndercover: "Undercover meeting", liaison.OpBuyWalk: "Buy-walk", liaison.OpArrest: "Arrest", liaison.OpOther: "Other",
}

// targetKindText names each kind of target and what its value is.
var targetKindText = map[liaison.TargetKind][2]string{
	liaison.TargetPerson:  {"Person", "name and date of birth"},
	liaison.TargetVehicle: {"Vehicle", "plate"},
	liaison.TargetPhone:   {"Phone", "number"},
	liaison.TargetAddress: {"Address", "street address"},
	liaison.TargetWeapon:  {"Weapon", "serial number"},
}

// opStateTabs are the operation list's tabs, with what each empty tab says.
var opStateTabs = []struct {
	State        liaison.OperationState
	Label, Empty string
}{
	{liaison.OpActive, "Active", "Your agency has no active operation. An active operation is checked against every other agency's " +
		"active operations: register one and choose “Register and deconflict now”, or activate a draft."},
	{liaison.OpDraft, "Drafts", "Your agency has no draft operation. A draft is saved but not yet deconflicted; activate it when the plan is firm."},
	{liaison.OpCompleted, "Completed", "No operation of your agency has completed. Operations complete by hand or when their window has passed."},
	{liaison.OpCancelled, "Cancelled", "No operation of your agency was cancelled."},
}

// mayOperate mirrors who the service lets register operations.
func mayOperate(u *liaison.User) bool {
	return u != nil && (u.Has(liaison.RoleOfficer) || u.Has(liaison.RoleSupervisor) || u.Has(liaison.RoleAnalyst))
}

func requireOperator(r *http.Request) (*liaison.User, error) {
	u := liaison.ActorFrom(r.Context()).User
	if !mayOperate(u) {
		return nil, liaison.Errorf(liaison.EFORBIDDEN, "officers, supervisors and analysts register operations; your role does not")
	}
	return u, nil
}

// utcLocal is the datetime-local format the forms use, read as UTC.
const utcLocal = "2006-01-02T15:04"

func parseUTC(v string) (time.Time, bool) {
	for _, f := range []string{utcLocal, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(f, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// opForm is the operation form's values, kept as typed.
type opForm struct {
	Name, Kind, Place, Lat, Lon, Radius, Polygon, Start, End, Officers, Phone, Notes, CaseID string
	PlainClothes                                                                             bool
}

// opFormField maps the service's field names to the form's element ids and labels.
func opFormField(field string) (id, label string) {
	switch {
	case field == "name":
		return "op-name", "Name"
	case field == "kind":
		return "op-kind", "Kind"
	case field == "radius_m" || field == "radius":
		return "op-radius", "Radius"
	case field == "center.lat" || field == "center":
		return "op-lat", "Centre latitude"
	case field == "center.lon":
		return "op-lon", "Centre longitude"
	case strings.HasPrefix(field, "polygon"):
		return "op-polygon", "Polygon"
	case field == "location":
		return "op-place-circle", "Place"
	case field == "start":
		return "op-start", "Start"
	case field == "end":
		return "op-end", "End"
	case field == "officers":
		return "op-officers", "Officers"
	case strings.HasPrefix(field, "contact"):
		return "op-phone", "Contact phone"
	case field == "notes":
		return "op-notes", "Notes"
	case field == "case_id":
		return "op-case", "Case id"
	}
	return "op-name", field
}

func addOpErrors(errs *formErrors, err error) {
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		errs.add("op-name", "Operation", liaison.ErrorMessage(err))
	}
	for _, fe := range fields {
		id, label := opFormField(fe.Field)
		errs.add(id, label, fe.Message)
	}
}

// parseOpForm reads the posted form into the service's input; problems
// only a form can have (text where a number belongs) come back by element id.
func parseOpForm(r *http.Request) (*opForm, service.OperationInput, *formErrors) {
	v := r.PostForm
	f := &opForm{Name: v.Get("name"), Kind: v.Get("kind"), Place: v.Get("place"), Lat: strings.TrimSpace(v.Get("lat")),
		Lon: strings.TrimSpace(v.Get("lon")), Radius: strings.TrimSpace(v.Get("radius_m")), Polygon: textArea(v.Get("polygon")),
		Start: strings.TrimSpace(v.Get("start")), End: strings.TrimSpace(v.Get("end")), Officers: strings.TrimSpace(v.Get("officers")),
		Phone: v.Get("phone"), Notes: textArea(v.Get("notes")), CaseID: strings.TrimSpace(v.Get("case_id")),
		PlainClothes: v.Get("plain_clothes") != ""}
	if f.Place != "polygon" {
		f.Place = "circle"
	}
	errs := newFormErrors()
	in := service.OperationInput{Name: f.Name, Kind: liaison.OperationKind(f.Kind), PlainClothes: f.PlainClothes, Notes: f.Notes,
		CaseID: f.CaseID, Contact: &liaison.PointOfContact{Phone: f.Phone}, Activate: v.Get("action") == "activate"}
	num := func(s, id, label, example string) float64 {
		if s == "" {
			errs.add(id, label, "is required, e.g. "+example)
			return 0
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			errs.add(id, label, "must be a number, e.g. "+example)
		}
		return x
	}
	if f.Place == "circle" {
		in.Center = &liaison.GeoPoint{Lat: num(f.Lat, "op-lat", "Centre latitude", "39.2861"), Lon: num(f.Lon, "op-lon", "Centre longitude", "-76.6180")}
		in.RadiusM = num(f.Radius, "op-radius", "Radius", "150 (metres)")
	} else {
		for i, line := range strings.Split(f.Polygon, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			lat, lon, ok := strings.Cut(line, ",")
			a, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
			b, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
			if !ok || err1 != nil || err2 != nil {
				errs.add("op-polygon", "Polygon", fmt.Sprintf("line %d (%q) is not “latitude, longitude”, e.g. 39.2861, -76.6180", i+1, line))
				continue
			}
			in.Polygon = append(in.Polygon, liaison.GeoPoint{Lat: a, Lon: b})
		}
		if len(in.Polygon) == 0 && errs.byID["op-polygon"] == "" {
			errs.add("op-polygon", "Polygon", "is required: give at least three vertices, one “latitude, longitude” a line")
		}
	}
	for _, t := range []struct {
		s, id, label string
		dst          *time.Time
	}{{f.Start, "op-start", "Start", &in.Start}, {f.End, "op-end", "End", &in.End}} {
		if t.s == "" {
			errs.add(t.id, t.label, "is required: a date and time in UTC, e.g. 2026-11-24T18:00")
			continue
		}
		if tm, ok := parseUTC(t.s); ok {
			*t.dst = tm
		} else {
			errs.add(t.id, t.label, "must be a date and time in UTC, e.g. 2026-11-24T18:00")
		}
	}
	if f.Officers == "" {
		errs.add("op-officers", "Officers", "is required: how many officers will be on the ground?")
	} else if n, err := strconv.Atoi(f.Officers); err != nil {
		errs.add("op-officers", "Officers", "must be a whole number, e.g. 6")
	} else {
		in.Officers = n
	}
	return f, in, errs
}

func (s *Server) renderOpForm(w http.ResponseWriter, r *http.Request, status int, f *opForm, errs *formErrors) {
	data := map[string]any{"Form": f, "Kinds": kindOptions()}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "op-form.html", data)
}

type option struct{ Value, Label string }

func kindOptions() []option {
	out := make([]option, len(liaison.OperationKinds))
	for i, k := range liaison.OperationKinds {
		out[i] = option{string(k), operationKindText[k]}
	}
	return out
}

func (s *Server) opNewPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireOperator(r); err != nil {
		return err
	}
	now := s.svc.Now().UTC().Truncate(time.Hour).Add(time.Hour)
	s.renderOpForm(w, r, http.StatusOK, &opForm{Place: "circle", Kind: string(liaison.OpWarrant),
		Start: now.Format(utcLocal), End: now.Add(3 * time.Hour).Format(utcLocal)}, nil)
	return nil
}

func (s *Server) opCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireOperator(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	f, in, errs := parseOpForm(r)
	if !errs.empty() {
		// Say what else the domain would refuse, so one round trip shows
		// every problem. Nothing is stored.
		check := liaison.Operation{Name: strings.TrimSpace(in.Name), Kind: in.Kind, Officers: in.Officers, Notes: in.Notes,
			Contact: liaison.PointOfContact{UserID: "check", Name: "check", Phone: strings.TrimSpace(f.Phone)}}
		if check.Contact.Phone == "" {
			check.Contact.Phone = "x"
			errs.add("op-phone", "Contact phone", "is required: the number the other side calls when a conflict appears")
		}
		if err := check.Validate(); err != nil {
			addOpErrors(errs, err)
		}
		s.renderOpForm(w, r, http.StatusBadRequest, f, errs)
		return nil
	}
	o, err := s.svc.CreateOperation(r.Context(), in)
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		addOpErrors(errs, err)
		s.renderOpForm(w, r, http.StatusBadRequest, f, errs)
		return nil
	}
	done := "draft"
	if o.State == liaison.OpActive {
		done = "activated"
	}
	http.Redirect(w, r, "/operations/"+o.ID+"?done="+done, http.StatusSeeOther)
	return nil
}

type opTab struct {
	State   liaison.OperationState
	Label   string
	Current bool
}

func (s *Server) opListPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "state", "cursor"); err != nil {
		return err
	}
	if _, err := requireOperator(r); err != nil {
		return err
	}
	state := liaison.OperationState(r.URL.Query().Get("state"))
	if state == "" {
		state = liaison.OpActive
	}
	if !slices.Contains(operationStates, state) {
		return liaison.FieldErrorf("state", "must be one of %s", joinStrings(operationStates))
	}
	p := liaison.Page{After: r.URL.Query().Get("cursor"), Limit: 100}
	ops, err := s.svc.ListOperations(r.Context(), []liaison.OperationState{state}, p)
	if err != nil {
		return err
	}
	var tabs []opTab
	empty := ""
	for _, t := range opStateTabs {
		tabs = append(tabs, opTab{State: t.State, Label: t.Label, Current: t.State == state})
		if t.State == state {
			empty = t.Empty
		}
	}
	data := map[string]any{"Tabs": tabs, "State": state, "Ops": ops, "Empty": empty, "KindText": operationKindText}
	if next := nextCursor(ops, p, func(o *liaison.Operation) liaison.ID { return o.ID }); next != "" {
		data["Next"] = "/operations?" + url.Values{"state": {string(state)}, "cursor": {next}}.Encode()
	}
	s.render(w, r, "op-list.html", data)
	return nil
}

// conflictRow is a party's view of one conflict, ready for a page.
type conflictRow struct {
	*service.ConflictView
	KindText, Closeness, Watch string
	YourOp                     bool // Yours names an operation (not a target)
}

func (s *Server) conflictRows(vs []*service.ConflictView, agencyName map[liaison.ID]string) []conflictRow {
	out := make([]conflictRow, len(vs))
	for i, v := range vs {
		row := conflictRow{ConflictView: v, KindText: conflictKindText(v.Kind), Closeness: partyCloseness(v),
			YourOp: v.Kind == liaison.ConflictPlaceTime}
		if v.Watch != nil {
			row.Watch = agencyName[*v.Watch]
			if row.Watch == "" {
				row.Watch = "a watch center"
			}
		}
		out[i] = row
	}
	return out
}

func conflictKindText(k liaison.ConflictKind) string {
	if k == liaison.ConflictSubject {
		return "Same subject"
	}
	return "Place and time"
}

// closeness says how close a conflict is: the gap between the areas, the
// overlap of the windows, or how the subjects matched.
func closeness(kind liaison.ConflictKind, gapM float64, overlapMin float64, match string, score float64) string {
	if kind == liaison.ConflictSubject {
		if match == "fuzzy" {
			return fmt.Sprintf("fuzzy match, name similarity %.2f", score)
		}
		return "exact match"
	}
	var b strings.Builder
	if gapM < 0 {
		fmt.Fprintf(&b, "areas overlap by %.0f m", -gapM)
	} else {
		fmt.Fprintf(&b, "areas %.0f m apart (within the safety margin)", gapM)
	}
	if overlapMin >= 0 {
		fmt.Fprintf(&b, "; windows overlap %s", minutes(overlapMin))
	} else {
		fmt.Fprintf(&b, "; windows %s apart (within the safety margin)", minutes(-overlapMin))
	}
	return b.String()
}

func minutes(m float64) string {
	d := time.Duration(math.Round(m)) * time.Minute
	h, mm := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", mm)
	case mm == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, mm)
}

func partyCloseness(v *service.ConflictView) string {
	var gap, mins float64
	if v.GapM != nil {
		gap = *v.GapM
	}
	if v.OverlapMins != nil {
		mins = *v.OverlapMins
	}
	return closeness(v.Kind, gap, mins, v.Match, v.Score)
}

// agencyNames maps every agency's id to its name (the directory is open to every signed-in user).
func (s *Server) agencyNames(r *http.Request) (map[liaison.ID]string, error) {
	agencies, _, err := s.svc.ListAgencies(r.Context(), liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	names := make(map[liaison.ID]string, len(agencies))
	for _, a := range agencies {
		names[a.ID] = a.Name
	}
	return names, nil
}

// opDone is what the operation page says after an act.
var opDone = map[string]string{
	"draft":     "Saved as a draft. It is not deconflicted until you activate it.",
	"activated": "Registered and deconflicted against every agency's active operations.",
	"completed": "Marked completed. Its targets are retired and it no longer matches.",
	"cancelled": "Cancelled. Its targets are retired and it no longer matches.",
	"target":    "Target registered and matched against every other agency's targets.",
	"retired":   "Target retired: it no longer matches.",
}

// targetForm keeps what was typed into the target form.
type targetForm struct{ Kind, Name, DOB, Value string }

type transitionForm struct{ To, Reason string }

func (s *Server) opPage(w http.ResponseWriter, r *http.Request, status int, id liaison.ID, done string,
	tf targetForm, trf transitionForm, errs *formErrors) error {
	ctx := r.Context()
	if _, err := requireOperator(r); err != nil {
		return err
	}
	o, err := s.svc.GetOperation(ctx, id)
	if err != nil {
		return err
	}
	targets, err := s.svc.ListTargets(ctx, liaison.TargetFilter{OperationID: o.ID}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	// The conflicts this operation and its targets found were recorded
	// after the operation was: list from its id on, and keep those that
	// name it or one of its targets as ours.
	mine := map[liaison.ID]bool{o.ID: true}
	for _, t := range targets {
		mine[t.ID] = true
	}
	var found []*service.ConflictView
	for after := o.ID; ; {
		vs, err := s.svc.ListConflicts(ctx, nil, liaison.Page{After: after, Limit: liaison.MaxPageSize})
		if err != nil {
			return err
		}
		for _, v := range vs {
			if mine[v.Yours] {
				found = append(found, v)
			}
		}
		if len(vs) < liaison.MaxPageSize {
			break
		}
		after = vs[len(vs)-1].ID
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	who := map[liaison.ID]string{}
	for _, h := range o.History {
		if h.By != "" && who[h.By] == "" {
			who[h.By] = string(h.By)
			if u, err := s.svc.FindUser(ctx, h.By); err == nil {
				who[h.By] = u.Name
			}
		}
	}
	var tkinds []option
	for _, k := range liaison.TargetKinds {
		tkinds = append(tkinds, option{string(k), targetKindText[k][0] + " (" + targetKindText[k][1] + ")"})
	}
	if tf.Kind == "" {
		tf.Kind = string(liaison.TargetPerson)
	}
	data := map[string]any{"Op": o, "KindText": operationKindText[o.Kind], "Targets": targets, "TargetKinds": tkinds,
		"TargetText": targetKindText, "Conflicts": s.conflictRows(found, names), "Who": who, "Done": opDone[done],
		"JustRegistered": done == "activated" || done == "target", "TF": tf, "TR": trf,
		"CanActivate": o.State == liaison.OpDraft, "CanComplete": o.State == liaison.OpActive,
		"CanCancel": o.State == liaison.OpDraft || o.State == liaison.OpActive,
		"Open":      o.State == liaison.OpDraft || o.State == liaison.OpActive}
	if o.Center != nil {
		data["Place"] = fmt.Sprintf("%.5f, %.5f, radius %.0f m", o.Center.Lat, o.Center.Lon, o.RadiusM)
	} else {
		pts := make([]string, len(o.Polygon))
		for i, p := range o.Polygon {
			pts[i] = fmt.Sprintf("%.5f, %.5f", p.Lat, p.Lon)
		}
		data["Place"] = "polygon: " + strings.Join(pts, " · ")
	}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "op-view.html", data)
	return nil
}

func (s *Server) opViewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "done"); err != nil {
		return err
	}
	return s.opPage(w, r, http.StatusOK, r.PathValue("id"), r.URL.Query().Get("done"), targetForm{}, transitionForm{}, nil)
}

func (s *Server) opTransition(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireOperator(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	trf := transitionForm{To: r.PostFormValue("to"), Reason: textArea(r.PostFormValue("reason"))}
	to := liaison.OperationState(trf.To)
	errs := newFormErrors()
	if to == liaison.OpCancelled && strings.TrimSpace(trf.Reason) == "" {
		errs.add("cancel-reason", "Reason", "is required to cancel: say why, so the history explains it")
		return s.opPage(w, r, http.StatusBadRequest, id, "", targetForm{}, trf, errs)
	}
	o, err := s.svc.TransitionOperation(r.Context(), id, to, strings.TrimSpace(trf.Reason))
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		fields := liaison.ErrorFields(err)
		if len(fields) == 0 {
			errs.add("op-actions", "Action", liaison.ErrorMessage(err))
		}
		for _, fe := range fields {
			if fe.Field == "reason" {
				errs.add("cancel-reason", "Reason", fe.Message)
			} else {
				errs.add("op-actions", "Action", fe.Field+": "+fe.Message)
			}
		}
		return s.opPage(w, r, http.StatusBadRequest, id, "", targetForm{}, trf, errs)
	}
	done := string(o.State)
	if o.State == liaison.OpActive {
		done = "activated"
	}
	http.Redirect(w, r, "/operations/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}

// targetFields maps the service's target fields to the form's element ids and labels.
var targetFields = map[string][2]string{
	"kind": {"t-kind", "Kind"}, "name": {"t-name", "Person's name"}, "dob": {"t-dob", "Date of birth"},
	"value": {"t-value", "Plate, number, address or serial"}, "operation_id": {"t-kind", "Operation"},
	"contact.phone": {"t-kind", "Contact phone"},
}

func (s *Server) targetRegister(w http.ResponseWriter, r *http.Request) error {
	u, err := requireOperator(r)
	if err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	v := r.PostForm
	tf := targetForm{Kind: v.Get("kind"), Name: strings.TrimSpace(v.Get("name")), DOB: strings.TrimSpace(v.Get("dob")),
		Value: strings.TrimSpace(v.Get("value"))}
	in := service.TargetInput{Kind: liaison.TargetKind(tf.Kind), OperationID: id}
	if in.Kind == liaison.TargetPerson {
		in.Name, in.DOB = tf.Name, tf.DOB
	} else {
		in.Value = tf.Value
	}
	// The operation's point of contact answers for its targets.
	o, err := s.svc.GetOperation(r.Context(), id)
	if err != nil {
		return err
	}
	in.Contact = &liaison.PointOfContact{UserID: o.Contact.UserID, Phone: o.Contact.Phone}
	if o.Contact.UserID == "" {
		in.Contact.UserID = u.ID
	}
	if _, err := s.svc.RegisterTarget(r.Context(), in); err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		errs := newFormErrors()
		fields := liaison.ErrorFields(err)
		if len(fields) == 0 {
			errs.add("t-kind", "Target", liaison.ErrorMessage(err))
		}
		for _, fe := range fields {
			f, ok := targetFields[fe.Field]
			if !ok {
				f = [2]string{"t-kind", fe.Field}
			}
			msg := fe.Message
			if fe.Field == "dob" {
				msg += "; give the date as YYYY-MM-DD, e.g. 1979-04-12"
			}
			errs.add(f[0], f[1], msg)
		}
		return s.opPage(w, r, http.StatusBadRequest, id, "", tf, transitionForm{}, errs)
	}
	http.Redirect(w, r, "/operations/"+id+"?done=target#h-conflicts", http.StatusSeeOther)
	return nil
}

func (s *Server) targetRetire(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireOperator(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	t, err := s.svc.RetireTarget(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	dest := "/operations"
	if t.OperationID != "" {
		dest = "/operations/" + t.OperationID + "?done=retired"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
	return nil
}

// conflictStateTabs are the conflict boards' filters.
var conflictStateTabs = []struct{ Value, Label string }{
	{"active", "Needs attention (open or contacted)"}, {"resolved", "Resolved"},
}

func conflictFilter(r *http.Request) (string, []liaison.ConflictState, error) {
	show := r.URL.Query().Get("show")
	switch show {
	case "", "active":
		return "active", []liaison.ConflictState{liaison.ConflictOpen, liaison.ConflictContacted}, nil
	case "resolved":
		return "resolved", []liaison.ConflictState{liaison.ConflictResolved}, nil
	}
	return "", nil, liaison.FieldErrorf("show", "must be active or resolved")
}

type filterTab struct {
	URL, Label string
	Current    bool
}

func filterTabs(base, show string) []filterTab {
	out := make([]filterTab, len(conflictStateTabs))
	for i, t := range conflictStateTabs {
		out[i] = filterTab{URL: base + "?show=" + t.Value, Label: t.Label, Current: t.Value == show}
	}
	return out
}

// reversed returns the items newest first (lists come oldest first by id).
func reversed[T any](vs []T) []T {
	out := slices.Clone(vs)
	slices.Reverse(out)
	return out
}

func (s *Server) conflictBoard(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "show", "cursor"); err != nil {
		return err
	}
	show, states, err := conflictFilter(r)
	if err != nil {
		return err
	}
	p := liaison.Page{After: r.URL.Query().Get("cursor"), Limit: liaison.MaxPageSize}
	vs, err := s.svc.ListConflicts(r.Context(), states, p)
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Rows": reversed(s.conflictRows(vs, names)), "Show": show, "Tabs": filterTabs("/conflicts", show),
		"MayOperate": mayOperate(liaison.ActorFrom(r.Context()).User), "Live": true}
	if next := nextCursor(vs, p, func(v *service.ConflictView) liaison.ID { return v.ID }); next != "" {
		data["Next"] = "/conflicts?" + url.Values{"show": {show}, "cursor": {next}}.Encode()
	}
	s.render(w, r, "conflict-board.html", data)
	return nil
}

func (s *Server) conflictPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	v, err := s.svc.GetConflict(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	s.render(w, r, "conflict-view.html", map[string]any{"C": s.conflictRows([]*service.ConflictView{v}, names)[0],
		"MayOperate": mayOperate(liaison.ActorFrom(r.Context()).User), "Live": true})
	return nil
}

// watchRow is one conflict on the watch board.
type watchRow struct {
	*liaison.Conflict
	N                               int
	KindText, Closeness, Owner, Pin string
	Mine, Taken                     bool
	ContactDefault                  string
}

func (s *Server) watchBoard(w http.ResponseWriter, r *http.Request, status int, errs *formErrors, form map[string]string) error {
	if err := checkQuery(r, "show", "cursor", "done"); err != nil {
		return err
	}
	me := liaison.ActorFrom(r.Context()).User
	if !me.Has(liaison.RoleWatch) {
		return liaison.Errorf(liaison.EFORBIDDEN, "the watch board is for watch officers; see your agency's conflicts on the conflicts board")
	}
	show, states, err := conflictFilter(r)
	if err != nil {
		return err
	}
	p := liaison.Page{After: r.URL.Query().Get("cursor"), Limit: liaison.MaxPageSize}
	cs, err := s.svc.WatchConflicts(r.Context(), states, p)
	if err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	rows := make([]watchRow, len(cs))
	for i, c := range reversed(cs) {
		row := watchRow{Conflict: c, N: i + 1, KindText: conflictKindText(c.Kind),
			Closeness: closeness(c.Kind, c.GapM, math.Round(c.Overlap.Minutes()), c.Match, c.Score),
			Mine:      c.Owner == me.ID, Taken: c.Owner != ""}
		if c.Owner != "" {
			row.Owner = "you"
			if !row.Mine {
				row.Owner = "another watch officer, " + names[c.OwnerAgency]
			}
		}
		if v := form["contact-"+c.ID]; v != "" {
			row.ContactDefault = v
		}
		rows[i] = row
	}
	data := map[string]any{"Rows": rows, "Show": show, "Tabs": filterTabs("/watch", show), "Map": drawMap(rows),
		"Form": form, "Live": true, "Done": watchDone[r.URL.Query().Get("done")]}
	errs.into(data)
	if next := nextCursor(cs, p, func(c *liaison.Conflict) liaison.ID { return c.ID }); next != "" {
		data["Next"] = "/watch?" + url.Values{"show": {show}, "cursor": {next}}.Encode()
	}
	w.WriteHeader(status)
	s.render(w, r, "watch-board.html", data)
	return nil
}

var watchDone = map[string]string{
	"take":    "You own the conflict. Call both points of contact, then record when they talked.",
	"contact": "Contact recorded. Both sides were told.",
	"resolve": "Resolution recorded. Both sides were told.",
}

func (s *Server) watchPage(w http.ResponseWriter, r *http.Request) error {
	return s.watchBoard(w, r, http.StatusOK, nil, nil)
}

func (s *Server) watchAct(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	v := r.PostForm
	in := service.WatchAction{Action: v.Get("action"), Resolution: strings.TrimSpace(textArea(v.Get("resolution")))}
	form := map[string]string{"contact-" + id: strings.TrimSpace(v.Get("contacted_at")), "resolution-" + id: in.Resolution}
	errs := newFormErrors()
	retry := func() error {
		r.URL.RawQuery = ""
		return s.watchBoard(w, r, http.StatusBadRequest, errs, form)
	}
	if in.Action == "contact" {
		if at := form["contact-"+id]; at != "" {
			t, ok := parseUTC(at)
			if !ok {
				errs.add("contact-"+id, "Contact time", "must be a date and time in UTC, e.g. 2026-11-24T18:05")
				return retry()
			}
			in.At = t
		}
	}
	if in.Action == "resolve" && in.Resolution == "" {
		errs.add("resolution-"+id, "Resolution", "is required: say how the two sides settled it (e.g. “RIVPD moves its post two blocks east”)")
		return retry()
	}
	if _, err := s.svc.HandleConflict(r.Context(), id, in); err != nil {
		code := liaison.ErrorCode(err)
		if code != liaison.EINVALID && code != liaison.ECONFLICT {
			return err
		}
		field := "action-" + id
		for _, fe := range liaison.ErrorFields(err) {
			switch fe.Field {
			case "contacted_at":
				errs.add("contact-"+id, "Contact time", fe.Message+" (UTC)")
			case "resolution":
				errs.add("resolution-"+id, "Resolution", fe.Message)
			}
		}
		if errs.empty() {
			errs.add(field, "Conflict", liaison.ErrorMessage(err))
		}
		return retry()
	}
	http.Redirect(w, r, "/watch?done="+url.QueryEscape(in.Action)+"#conflict-"+id, http.StatusSeeOther)
	return nil
}
