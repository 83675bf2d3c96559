package http

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// The administrator's pages: agencies, users (roles, attributes, unlock,
// second-factor reset, API tokens), communities and agreements. Every read
// and write goes through the same service calls as the JSON API, which
// check the admin role again and audit each change; the pages refuse
// anyone without the admin role before calling anything.

// adminPages lists the web UI routes of this area (see routeTable).
func (s *Server) adminPages() []route {
	a := s.adminOnly
	return []route{
		uiPage("GET", "/admin", "ui.admin", authSession, a(s.adminHome)),
		uiPage("GET", "/admin/agencies", "ui.admin.agencies", authSession, a(s.adminAgencies)),
		uiPage("GET", "/admin/agencies/new", "ui.admin.agency.new", authSession, a(s.adminAgencyNew)),
		uiPage("POST", "/admin/agencies", "ui.admin.agency.create", authSession, a(s.adminAgencyCreate)),
		uiPage("GET", "/admin/agencies/{id}", "ui.admin.agency", authSession, a(s.adminAgencyPage)),
		uiPage("POST", "/admin/agencies/{id}", "ui.admin.agency.update", authSession, a(s.adminAgencyUpdate)),
		uiPage("GET", "/admin/users", "ui.admin.users", authSession, a(s.adminUsers)),
		uiPage("GET", "/admin/users/new", "ui.admin.user.new", authSession, a(s.adminUserNew)),
		uiPage("POST", "/admin/users", "ui.admin.user.create", authSession, a(s.adminUserCreate)),
		uiPage("GET", "/admin/users/{id}", "ui.admin.user", authSession, a(s.adminUserPage)),
		uiPage("POST", "/admin/users/{id}", "ui.admin.user.update", authSession, a(s.adminUserUpdate)),
		uiPage("POST", "/admin/users/{id}/unlock", "ui.admin.user.unlock", authSession, a(s.adminUserUnlock)),
		uiPage("POST", "/admin/users/{id}/reset-mfa", "ui.admin.user.resetmfa", authSession, a(s.adminUserResetMFA)),
		uiPage("POST", "/admin/users/{id}/tokens/{token}/revoke", "ui.admin.token.revoke", authSession, a(s.adminTokenRevoke)),
		uiPage("GET", "/admin/communities", "ui.admin.communities", authSession, a(s.adminCommunities)),
		uiPage("GET", "/admin/communities/new", "ui.admin.community.new", authSession, a(s.adminCommunityNew)),
		uiPage("POST", "/admin/communities", "ui.admin.community.create", authSession, a(s.adminCommunityCreate)),
		uiPage("GET", "/admin/communities/{id}", "ui.admin.community", authSession, a(s.adminCommunityPage)),
		uiPage("POST", "/admin/communities/{id}", "ui.admin.community.update", authSession, a(s.adminCommunityUpdate)),
		uiPage("GET", "/admin/agreements", "ui.admin.agreements", authSession, a(s.adminAgreements)),
		uiPage("GET", "/admin/agreements/new", "ui.admin.agreement.new", authSession, a(s.adminAgreementNew)),
		uiPage("POST", "/admin/agreements", "ui.admin.agreement.create", authSession, a(s.adminAgreementCreate)),
		uiPage("GET", "/admin/agreements/{id}", "ui.admin.agreement", authSession, a(s.adminAgreementPage)),
		uiPage("POST", "/admin/agreements/{id}", "ui.admin.agreement.update", authSession, a(s.adminAgreementUpdate)),
		uiPage("POST", "/admin/agreements/{id}/end", "ui.admin.agreement.end", authSession, a(s.adminAgreementEnd)),
	}
}

// adminOnly refuses the administration pages to anyone without the admin
// role, before the handler reads or changes anything (the service checks
// again on every change).
func (s *Server) adminOnly(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !liaison.ActorFrom(r.Context()).IsAdmin() {
			return s.svc.Refuse(r.Context(), "ui.admin", liaison.Errorf(liaison.EFORBIDDEN, "the administration pages are for administrators; your account does not have the admin role. Ask your agency's administrator if you need a change to an account"))
		}
		return h(w, r)
	}
}

// expiringWithin is how far ahead the pages warn of an agreement's expiry.
const expiringWithin = 30 * 24 * time.Hour

var adminRoleText = map[liaison.Role]string{
	liaison.RoleOfficer:        "Files suspicious activity reports, registers operations and targets for deconfliction, searches.",
	liaison.RoleSupervisor:     "Step-1 review of reports from the own agency; decides access requests to the agency's holdings.",
	liaison.RoleAnalyst:        "Fusion center or task force analyst: step-2 vetting, intelligence records, entity resolution.",
	liaison.RolePrivacyOfficer: "Retention and purge review, redress, policy explanations, the dissemination ledger.",
	liaison.RoleAuditor:        "Reads and verifies the audit log and the dissemination ledger; changes nothing.",
	liaison.RoleAdmin:          "Manages agencies, users, communities and agreements: these pages.",
	liaison.RolePartnerLiaison: "A private-sector or international partner: receives what agreements allow, sends tips and indicators.",
	liaison.RoleWatch:          "Watch center: sees and handles every deconfliction conflict in its area.",
}

var adminRoleLabel = map[liaison.Role]string{
	liaison.RoleOfficer: "Officer", liaison.RoleSupervisor: "Supervisor", liaison.RoleAnalyst: "Analyst",
	liaison.RolePrivacyOfficer: "Privacy officer", liaison.RoleAuditor: "Auditor", liaison.RoleAdmin: "Administrator",
	liaison.RolePartnerLiaison: "Partner liaison", liaison.RoleWatch: "Watch officer",
}

var adminAgencyKindText = map[liaison.AgencyKind]string{
	liaison.AgencyFederal: "Federal", liaison.AgencyState: "State", liaison.AgencyLocal: "Local", liaison.AgencyTribal: "Tribal",
	liaison.AgencyFusionCenter: "Fusion center", liaison.AgencyTaskForce: "Task force", liaison.AgencyInternational: "International",
	liaison.AgencyPrivate: "Private sector",
}

var adminCommunityKindText = map[liaison.CommunityKind]string{
	liaison.CommunityTaskForce: "Task force", liaison.CommunityFusionArea: "Fusion center area", liaison.CommunityISAC: "ISAC (private sector)",
	liaison.CommunityInternational: "International channel", liaison.CommunityOther: "Other",
}

var adminClearanceText = map[liaison.Clearance]string{
	liaison.ClearanceNone: "None", liaison.ClearanceConfidential: "Confidential", liaison.ClearanceSecret: "Secret",
	liaison.ClearanceTopSecret: "Top secret",
}

func init() {
	registerFuncs(template.FuncMap{
		"adminArgs": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"adminDate": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.UTC().Format("2006-01-02")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.UTC().Format("2006-01-02")
			}
			return ""
		},
		"adminTime": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.UTC().Format("2006-01-02 15:04 UTC")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.UTC().Format("2006-01-02 15:04 UTC")
			}
			return ""
		},
		"adminRole": func(r liaison.Role) string {
			if l, ok := adminRoleLabel[r]; ok {
				return l
			}
			return string(r)
		},
		"adminRoles": func(rs []liaison.Role) string {
			out := make([]string, len(rs))
			for i, r := range rs {
				out[i] = adminRoleLabel[r]
				if out[i] == "" {
					out[i] = string(r)
				}
			}
			if len(out) == 0 {
				return "no role"
			}
			return strings.Join(out, ", ")
		},
		"adminAgencyKind": func(k liaison.AgencyKind) string { return adminAgencyKindText[k] },
		"adminCommunityKind": func(k liaison.CommunityKind) string {
			return adminCommunityKindText[k]
		},
		"adminClearance": func(c liaison.Clearance) string { return adminClearanceText[c] },
		"adminWords": func(v any) string {
			var ss []string
			switch x := v.(type) {
			case []liaison.Purpose:
				ss = enumOf(x)
			case []liaison.RecordKind:
				ss = enumOf(x)
			case []liaison.Scope:
				ss = enumOf(x)
			}
			for i, s := range ss {
				ss[i] = strings.ReplaceAll(s, "_", " ")
			}
			return strings.Join(ss, ", ")
		},
		"adminHas":          func(list []string, v string) bool { return slices.Contains(list, v) },
		"adminUnder":        func(s string) string { return strings.ReplaceAll(s, "_", " ") },
		"adminAdd1":         func(i int) int { return i + 1 },
		"adminAgreementRow": agreementRowOf,
	})
}

// Listing everything: the directory is small (agencies and users in the
// hundreds), so the pages read it whole, a page of the service at a time.

func (s *Server) adminAllAgencies(ctx context.Context, f liaison.AgencyFilter) ([]*liaison.Agency, error) {
	return adminAll(func(p liaison.Page) ([]*liaison.Agency, string, error) { return s.svc.ListAgencies(ctx, f, p) })
}

func (s *Server) adminAllUsers(ctx context.Context, f liaison.UserFilter) ([]*liaison.User, error) {
	return adminAll(func(p liaison.Page) ([]*liaison.User, string, error) { return s.svc.ListUsers(ctx, f, p) })
}

func (s *Server) adminAllCommunities(ctx context.Context, f liaison.CommunityFilter) ([]*liaison.Community, error) {
	return adminAll(func(p liaison.Page) ([]*liaison.Community, string, error) { return s.svc.ListCommunities(ctx, f, p) })
}

func (s *Server) adminAllAgreements(ctx context.Context, f liaison.AgreementFilter) ([]*liaison.Agreement, error) {
	return adminAll(func(p liaison.Page) ([]*liaison.Agreement, string, error) { return s.svc.ListAgreements(ctx, f, p) })
}

func adminAll[T any](list func(liaison.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for range 1000 {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			break
		}
		p.After = next
	}
	return out, nil
}

// adminNames maps agency and community ids to names, for tables.
type adminNames struct {
	Agencies    map[liaison.ID]*liaison.Agency
	Communities map[liaison.ID]*liaison.Community
}

func (s *Server) adminDirectory(ctx context.Context) ([]*liaison.Agency, []*liaison.Community, adminNames, error) {
	ags, err := s.adminAllAgencies(ctx, liaison.AgencyFilter{})
	if err != nil {
		return nil, nil, adminNames{}, err
	}
	cs, err := s.adminAllCommunities(ctx, liaison.CommunityFilter{})
	if err != nil {
		return nil, nil, adminNames{}, err
	}
	n := adminNames{Agencies: map[liaison.ID]*liaison.Agency{}, Communities: map[liaison.ID]*liaison.Community{}}
	for _, a := range ags {
		n.Agencies[a.ID] = a
	}
	for _, c := range cs {
		n.Communities[c.ID] = c
	}
	return ags, cs, n, nil
}

// adminRender renders an admin page, with the form errors if any.
func (s *Server) adminRender(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any, errs *formErrors) {
	errs.into(data)
	data["Done"] = r.URL.Query().Get("done")
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	s.render(w, r, name, data)
}

// adminErrors files a service error's fields under the form's element ids;
// field maps a service field name to an element id and label. Errors other
// than invalid input or a taken name are returned as they are.
func adminErrors(errs *formErrors, err error, field func(string) (string, string)) error {
	code := liaison.ErrorCode(err)
	if code != liaison.EINVALID && code != liaison.ECONFLICT {
		return err
	}
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		id, label := field("")
		errs.add(id, label, liaison.ErrorMessage(err))
	}
	for _, fe := range fields {
		id, label := field(fe.Field)
		msg := fe.Message
		if code == liaison.ECONFLICT {
			msg += ": another one already uses it; choose a different one"
		}
		errs.add(id, label, msg)
	}
	return nil
}

// --- Overview -------------------------------------------------------------

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ags, cs, _, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	users, err := s.adminAllUsers(ctx, liaison.UserFilter{})
	if err != nil {
		return err
	}
	agrs, err := s.adminAllAgreements(ctx, liaison.AgreementFilter{})
	if err != nil {
		return err
	}
	now := s.svc.Now()
	var inForce, expiring, expired, locked, disabled, noMFA int
	for _, a := range agrs {
		switch {
		case !a.Active(now):
			expired++
		case a.Expires.Sub(now) <= expiringWithin:
			expiring++
			inForce++
		default:
			inForce++
		}
	}
	var lockedUsers []*liaison.User
	for _, u := range users {
		if u.Locked != nil {
			locked++
			lockedUsers = append(lockedUsers, u)
		}
		if u.Disabled {
			disabled++
		}
		if u.MFAEnrolled == nil {
			noMFA++
		}
	}
	s.adminRender(w, r, http.StatusOK, "admin-home.html", map[string]any{
		"Agencies": len(ags), "Users": len(users), "Communities": len(cs), "InForce": inForce, "Expiring": expiring,
		"Expired": expired, "Locked": locked, "LockedUsers": lockedUsers, "Disabled": disabled, "NoMFA": noMFA,
	}, nil)
	return nil
}

// --- Agencies -------------------------------------------------------------

func (s *Server) adminAgencies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := liaison.AgencyFilter{Kind: liaison.AgencyKind(q.Get("kind")), Country: strings.TrimSpace(q.Get("country"))}
	errs := newFormErrors()
	if f.Kind != "" && !slices.Contains(liaison.AgencyKinds, f.Kind) {
		errs.add("filter-kind", "Kind", "must be one of the kinds in the list")
		f.Kind = ""
	}
	if f.Country != "" && (len(f.Country) != 2 || strings.Trim(strings.ToUpper(f.Country), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		errs.add("filter-country", "Country", "must be a two-letter ISO 3166-1 code such as US or NL")
		f.Country = ""
	}
	ags, err := s.adminAllAgencies(r.Context(), f)
	if err != nil {
		return err
	}
	users, err := s.adminAllUsers(r.Context(), liaison.UserFilter{})
	if err != nil {
		return err
	}
	count := map[liaison.ID]int{}
	for _, u := range users {
		count[u.AgencyID]++
	}
	status := http.StatusOK
	if !errs.empty() {
		status = http.StatusBadRequest
	}
	s.adminRender(w, r, status, "admin-agencies.html", map[string]any{"Agencies": ags, "UserCount": count,
		"Kinds": liaison.AgencyKinds, "Kind": q.Get("kind"), "Country": q.Get("country"),
		"Filtered": q.Get("kind") != "" || q.Get("country") != ""}, errs)
	return nil
}

// agencyForm is the agency form's values, kept as typed.
type agencyForm struct {
	Code, Name, Kind, Country string
	Contacts                  []liaison.Contact
}

// agencyContactRows is how many point-of-contact rows the form offers at
// least; maxContactRows is the most an agency may have.
const (
	agencyContactRows = 3
	maxContactRows    = 20
)

func agencyFormOf(a *liaison.Agency) *agencyForm {
	f := &agencyForm{Code: a.Code, Name: a.Name, Kind: string(a.Kind), Country: a.Country, Contacts: slices.Clone(a.Contacts)}
	return f.pad()
}

// pad leaves at least one empty contact row, and at least agencyContactRows rows.
func (f *agencyForm) pad() *agencyForm {
	for len(f.Contacts) < agencyContactRows || (len(f.Contacts) < maxContactRows && f.Contacts[len(f.Contacts)-1] != liaison.Contact{}) {
		f.Contacts = append(f.Contacts, liaison.Contact{})
	}
	return f
}

func parseAgencyForm(r *http.Request) (*agencyForm, []liaison.Contact, map[int]int) {
	v := r.PostForm
	f := &agencyForm{Code: v.Get("code"), Name: v.Get("name"), Kind: v.Get("kind"), Country: v.Get("country")}
	var contacts []liaison.Contact
	rowOf := map[int]int{} // index in contacts -> form row
	rows, err := strconv.Atoi(v.Get("contact_rows"))
	if err != nil || rows < agencyContactRows || rows > maxContactRows {
		rows = agencyContactRows
	}
	for i := range rows {
		n := strconv.Itoa(i)
		c := liaison.Contact{Name: strings.TrimSpace(v.Get("contact" + n + "_name")), Role: strings.TrimSpace(v.Get("contact" + n + "_role")),
			Email: strings.TrimSpace(v.Get("contact" + n + "_email")), Phone: strings.TrimSpace(v.Get("contact" + n + "_phone"))}
		f.Contacts = append(f.Contacts, c)
		if c != (liaison.Contact{}) {
			rowOf[len(contacts)] = i
			contacts = append(contacts, c)
		}
	}
	return f, contacts, rowOf
}

// agencyField maps the service's field names to the form's element ids and labels.
func agencyField(rowOf map[int]int) func(string) (string, string) {
	return func(field string) (string, string) {
		switch field {
		case "code":
			return "agency-code", "Code"
		case "name":
			return "agency-name", "Name"
		case "kind":
			return "agency-kind", "Kind"
		case "country":
			return "agency-country", "Country"
		case "contacts":
			return "agency-contact0-name", "Points of contact"
		}
		if rest, ok := strings.CutPrefix(field, "contacts["); ok {
			idx, sub, _ := strings.Cut(rest, "]")
			i, _ := strconv.Atoi(idx)
			row := rowOf[i]
			n := strconv.Itoa(row)
			label := "Contact " + strconv.Itoa(row+1)
			switch strings.TrimPrefix(sub, ".") {
			case "role":
				return "agency-contact" + n + "-role", label + " role"
			case "email":
				return "agency-contact" + n + "-email", label + " email"
			case "phone":
				return "agency-contact" + n + "-phone", label + " phone"
			case "name":
				return "agency-contact" + n + "-name", label + " name"
			}
			return "agency-contact" + n + "-email", label
		}
		return "agency-name", "Agency"
	}
}

func (s *Server) adminAgencyNew(w http.ResponseWriter, r *http.Request) error {
	s.renderAgencyForm(w, r, http.StatusOK, nil, (&agencyForm{Country: "US"}).pad(), nil)
	return nil
}

func (s *Server) renderAgencyForm(w http.ResponseWriter, r *http.Request, status int, a *liaison.Agency, f *agencyForm, errs *formErrors) error {
	data := map[string]any{"Form": f, "Kinds": liaison.AgencyKinds}
	if a != nil {
		ctx := r.Context()
		users, err := s.adminAllUsers(ctx, liaison.UserFilter{AgencyID: a.ID})
		if err != nil {
			return err
		}
		cs, err := s.adminAllCommunities(ctx, liaison.CommunityFilter{AgencyID: a.ID})
		if err != nil {
			return err
		}
		agrs, err := s.adminAllAgreements(ctx, liaison.AgreementFilter{AgencyID: a.ID})
		if err != nil {
			return err
		}
		_, _, names, err := s.adminDirectory(ctx)
		if err != nil {
			return err
		}
		data["Agency"], data["Users"], data["Communities"] = a, users, cs
		data["Agreements"], data["Names"], data["Now"] = agrs, names, s.svc.Now()
	}
	s.adminRender(w, r, status, "admin-agency.html", data, errs)
	return nil
}

func (s *Server) adminAgencyCreate(w http.ResponseWriter, r *http.Request) error {
	f, contacts, rowOf := parseAgencyForm(r)
	a, err := s.svc.CreateAgency(r.Context(), liaison.AgencyInput{Code: f.Code, Name: f.Name, Kind: liaison.AgencyKind(f.Kind),
		Country: f.Country, Contacts: contacts})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, agencyField(rowOf)); err != nil {
			return err
		}
		return s.renderAgencyForm(w, r, http.StatusBadRequest, nil, f, errs)
	}
	http.Redirect(w, r, "/admin/agencies/"+a.ID+"?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) adminAgencyPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.FindAgency(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderAgencyForm(w, r, http.StatusOK, a, agencyFormOf(a), nil)
}

func (s *Server) adminAgencyUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := s.svc.FindAgency(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, contacts, rowOf := parseAgencyForm(r)
	f.Code = cur.Code // the code never changes: other agencies' records cite it
	if contacts == nil {
		contacts = []liaison.Contact{}
	}
	kind := liaison.AgencyKind(f.Kind)
	a, err := s.svc.UpdateAgency(ctx, cur.ID, liaison.AgencyUpdate{Name: &f.Name, Kind: &kind, Country: &f.Country, Contacts: &contacts})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, agencyField(rowOf)); err != nil {
			return err
		}
		return s.renderAgencyForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	http.Redirect(w, r, "/admin/agencies/"+a.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

// --- Users ----------------------------------------------------------------

// adminUsersPage is how many users one page of the list shows.
const adminUsersPage = 100

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := checkQuery(r, "agency", "role", "q", "after", "done"); err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.UserFilter{AgencyID: q.Get("agency"), Role: liaison.Role(q.Get("role")), Text: strings.TrimSpace(q.Get("q"))}
	after := q.Get("after")
	errs := newFormErrors()
	if after != "" && !liaison.ValidID(after) {
		after = "" // a mangled link: start again from the first page
	}
	if f.Role != "" && !slices.Contains(liaison.Roles, f.Role) {
		errs.add("filter-role", "Role", "must be one of the roles in the list")
		f.Role = ""
	}
	if f.AgencyID != "" && !liaison.ValidID(f.AgencyID) {
		errs.add("filter-agency", "Agency", "must be one of the agencies in the list")
		f.AgencyID = ""
	}
	users, next, err := s.svc.ListUsers(ctx, f, liaison.Page{After: after, Limit: adminUsersPage})
	if liaison.ErrorCode(err) == liaison.EINVALID {
		// Only the typed text can still be wrong: say so and list without it.
		errs.add("filter-q", "Find", liaison.ErrorFields(err)[0].Message)
		f.Text, after = "", ""
		users, next, err = s.svc.ListUsers(ctx, f, liaison.Page{Limit: adminUsersPage})
	}
	if err != nil {
		return err
	}
	ags, _, names, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !errs.empty() {
		status = http.StatusBadRequest
	}
	link := func(after string) string {
		v := url.Values{}
		for k, val := range map[string]string{"q": f.Text, "agency": string(f.AgencyID), "role": string(f.Role), "after": after} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if len(v) == 0 {
			return "/admin/users"
		}
		return "/admin/users?" + v.Encode()
	}
	data := map[string]any{"Users": users, "AgencyList": ags, "Names": names, "Roles": liaison.Roles,
		"Agency": q.Get("agency"), "Role": q.Get("role"), "Q": q.Get("q"), "Filtered": f.AgencyID != "" || f.Role != "" || f.Text != "",
		"After": after, "Next": next, "PageSize": adminUsersPage, "FirstURL": link(""), "NextURL": link(next)}
	s.adminRender(w, r, status, "admin-users.html", data, errs)
	return nil
}

// userForm is the user form's values, kept as typed.
type userForm struct {
	Login, Name, Email, AgencyID, Clearance string
	Roles                                   []string
	Part23, Sworn, Disabled                 bool
}

func userFormOf(u *liaison.User) *userForm {
	return &userForm{Login: u.Login, Name: u.Name, Email: u.Email, AgencyID: u.AgencyID, Clearance: string(u.Attributes.Clearance),
		Roles: enumOf(u.Roles), Part23: u.Attributes.Part23Trained, Sworn: u.Attributes.SwornOfficer, Disabled: u.Disabled}
}

func parseUserForm(r *http.Request) *userForm {
	v := r.PostForm
	return &userForm{Login: v.Get("login"), Name: v.Get("name"), Email: v.Get("email"), AgencyID: v.Get("agency_id"),
		Clearance: v.Get("clearance"), Roles: v["roles"], Part23: v.Get("part23_trained") != "", Sworn: v.Get("sworn_officer") != "",
		Disabled: v.Get("disabled") != ""}
}

func (f *userForm) roles() []liaison.Role {
	out := make([]liaison.Role, 0, len(f.Roles))
	for _, r := range f.Roles {
		out = append(out, liaison.Role(r))
	}
	return out
}

func (f *userForm) attributes() liaison.Attributes {
	return liaison.Attributes{SwornOfficer: f.Sworn, Part23Trained: f.Part23, Clearance: liaison.Clearance(f.Clearance)}
}

func userField(field string) (string, string) {
	switch {
	case field == "login":
		return "user-login", "Login"
	case field == "name":
		return "user-name", "Name"
	case field == "email":
		return "user-email", "Email"
	case field == "agency_id":
		return "user-agency", "Home agency"
	case strings.HasPrefix(field, "roles"):
		return "user-role-" + string(liaison.Roles[0]), "Roles"
	case field == "attributes.clearance":
		return "user-clearance", "Clearance"
	case field == "password":
		return "user-password", "Initial password"
	case field == "disabled":
		return "user-disabled", "Account disabled"
	}
	return "user-name", "Account"
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, u *liaison.User, f *userForm, errs *formErrors) error {
	ctx := r.Context()
	ags, _, names, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	roles := make([]map[string]string, len(liaison.Roles))
	for i, ro := range liaison.Roles {
		roles[i] = map[string]string{"Value": string(ro), "Label": adminRoleLabel[ro], "Text": adminRoleText[ro]}
	}
	data := map[string]any{"Form": f, "AgencyList": ags, "Names": names, "RoleList": roles, "Clearances": liaison.Clearances}
	if u != nil {
		toks, err := adminAll(func(p liaison.Page) ([]*liaison.APIToken, string, error) { return s.svc.ListTokens(ctx, u.ID, p) })
		if err != nil {
			return err
		}
		data["User"], data["Tokens"], data["Now"] = u, toks, s.svc.Now()
		data["Self"] = liaison.ActorFrom(ctx).User.ID == u.ID
	}
	s.adminRender(w, r, status, "admin-user.html", data, errs)
	return nil
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request) error {
	f := &userForm{AgencyID: r.URL.Query().Get("agency"), Clearance: string(liaison.ClearanceNone)}
	return s.renderUserForm(w, r, http.StatusOK, nil, f, nil)
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) error {
	f := parseUserForm(r)
	u, err := s.svc.CreateUser(r.Context(), liaison.UserInput{Login: f.Login, Name: f.Name, Email: f.Email, AgencyID: f.AgencyID,
		Roles: f.roles(), Attributes: f.attributes(), Password: r.PostFormValue("password")})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, userField); err != nil {
			return err
		}
		return s.renderUserForm(w, r, http.StatusBadRequest, nil, f, errs)
	}
	http.Redirect(w, r, "/admin/users/"+u.ID+"?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.FindUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderUserForm(w, r, http.StatusOK, u, userFormOf(u), nil)
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := s.svc.FindUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := parseUserForm(r)
	f.Login = cur.Login
	roles, attrs := f.roles(), f.attributes()
	self := liaison.ActorFrom(ctx).User.ID == cur.ID
	if self && cur.Has(liaison.RoleAdmin) && !slices.Contains(roles, liaison.RoleAdmin) && r.PostFormValue("confirm_self") == "" {
		// The service lets an administrator drop their own admin role; the
		// page asks first, since it ends their access to these pages at once.
		errs := newFormErrors()
		errs.add("user-role-"+string(liaison.Roles[0]), "Roles", "you are removing your own administrator role: you would lose these pages at once. "+
			"Keep “Administrator” ticked, or tick “Yes, remove my own administrator role” and save again")
		return s.renderUserForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	if self && f.Disabled && !cur.Disabled {
		errs := newFormErrors()
		errs.add("user-disabled", "Account disabled", "is ticked on your own account: you could no longer sign in. Untick it; "+
			"another administrator can disable your account if that is really meant")
		return s.renderUserForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	u, err := s.svc.UpdateUser(ctx, cur.ID, liaison.UserUpdate{Name: &f.Name, Email: &f.Email, AgencyID: &f.AgencyID,
		Roles: &roles, Attributes: &attrs, Disabled: &f.Disabled})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, userField); err != nil {
			return err
		}
		return s.renderUserForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	if self && (!slices.Equal(cur.Roles, u.Roles) || cur.Attributes != u.Attributes || cur.AgencyID != u.AgencyID) {
		// A permission change ends the user's sessions: this one too.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/admin/users/"+u.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) adminUserUnlock(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.Unlock(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users/"+u.ID+"?done=unlocked", http.StatusSeeOther)
	return nil
}

func (s *Server) adminUserResetMFA(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.ResetMFA(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if u.ID == liaison.ActorFrom(r.Context()).User.ID {
		http.Redirect(w, r, "/login", http.StatusSeeOther) // the reset ended this session too
		return nil
	}
	http.Redirect(w, r, "/admin/users/"+u.ID+"?done=mfa-reset", http.StatusSeeOther)
	return nil
}

func (s *Server) adminTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, err := s.svc.FindUser(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	err = s.revokeTokenOf(ctx, u.ID, r.PathValue("token"), u.Login+" has no such API token; open the user's page again")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users/"+u.ID+"?done=token-revoked#tokens", http.StatusSeeOther)
	return nil
}

// --- Communities ------------------------------------------------------------

func (s *Server) adminCommunities(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	_, cs, names, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	agrs, err := s.adminAllAgreements(ctx, liaison.AgreementFilter{ActiveAt: s.svc.Now()})
	if err != nil {
		return err
	}
	inForce := map[liaison.ID]int{}
	for _, a := range agrs {
		inForce[a.CommunityID]++
	}
	s.adminRender(w, r, http.StatusOK, "admin-communities.html", map[string]any{"Communities": cs, "Names": names, "InForce": inForce}, nil)
	return nil
}

type communityForm struct {
	Name, Kind, Description string
	Members                 []string
}

func communityField(field string) (string, string) {
	switch {
	case field == "name":
		return "community-name", "Name"
	case field == "kind":
		return "community-kind", "Kind"
	case field == "description":
		return "community-description", "Description"
	case strings.HasPrefix(field, "members"):
		return "community-members", "Members"
	}
	return "community-name", "Community"
}

func parseCommunityForm(r *http.Request) *communityForm {
	v := r.PostForm
	return &communityForm{Name: v.Get("name"), Kind: v.Get("kind"), Description: textArea(v.Get("description")), Members: v["members"]}
}

func (s *Server) renderCommunityForm(w http.ResponseWriter, r *http.Request, status int, c *liaison.Community, f *communityForm, errs *formErrors) error {
	ctx := r.Context()
	ags, _, names, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{"Form": f, "AgencyList": ags, "Names": names, "Kinds": liaison.CommunityKinds}
	if c != nil {
		agrs, err := s.adminAllAgreements(ctx, liaison.AgreementFilter{CommunityID: c.ID})
		if err != nil {
			return err
		}
		data["Community"], data["Agreements"], data["Now"] = c, agrs, s.svc.Now()
	}
	s.adminRender(w, r, status, "admin-community.html", data, errs)
	return nil
}

func (s *Server) adminCommunityNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderCommunityForm(w, r, http.StatusOK, nil, &communityForm{Kind: string(liaison.CommunityTaskForce)}, nil)
}

func (s *Server) adminCommunityCreate(w http.ResponseWriter, r *http.Request) error {
	f := parseCommunityForm(r)
	c, err := s.svc.CreateCommunity(r.Context(), liaison.CommunityInput{Name: f.Name, Kind: liaison.CommunityKind(f.Kind),
		Description: f.Description, Members: f.Members})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, communityField); err != nil {
			return err
		}
		return s.renderCommunityForm(w, r, http.StatusBadRequest, nil, f, errs)
	}
	http.Redirect(w, r, "/admin/communities/"+c.ID+"?done=created", http.StatusSeeOther)
	return nil
}

func (s *Server) adminCommunityPage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.FindCommunity(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := &communityForm{Name: c.Name, Kind: string(c.Kind), Description: c.Description, Members: c.Members}
	return s.renderCommunityForm(w, r, http.StatusOK, c, f, nil)
}

func (s *Server) adminCommunityUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := s.svc.FindCommunity(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := parseCommunityForm(r)
	kind, members := liaison.CommunityKind(f.Kind), f.Members
	if members == nil {
		members = []liaison.ID{}
	}
	c, err := s.svc.UpdateCommunity(ctx, cur.ID, liaison.CommunityUpdate{Name: &f.Name, Kind: &kind, Description: &f.Description, Members: &members})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, communityField); err != nil {
			return err
		}
		return s.renderCommunityForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	http.Redirect(w, r, "/admin/communities/"+c.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

// --- Agreements -------------------------------------------------------------

// agreementRow is an agreement with its standing in words.
type agreementRow struct {
	*liaison.Agreement
	State, StateText string // in-force, expiring, expired
}

func agreementRowOf(a *liaison.Agreement, now time.Time) agreementRow {
	switch {
	case !a.Active(now):
		return agreementRow{a, "expired", "Expired " + a.Expires.UTC().Format("2006-01-02")}
	case a.Expires.Sub(now) <= expiringWithin:
		days := int(a.Expires.Sub(now).Hours() / 24)
		text := "Expires in " + strconv.Itoa(days) + " days"
		if days == 0 {
			text = "Expires within a day"
		} else if days == 1 {
			text = "Expires in 1 day"
		}
		return agreementRow{a, "expiring", text + " (" + a.Expires.UTC().Format("2006-01-02") + ")"}
	}
	return agreementRow{a, "in-force", "In force until " + a.Expires.UTC().Format("2006-01-02")}
}

func (s *Server) adminAgreements(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	now := s.svc.Now()
	f := liaison.AgreementFilter{AgencyID: q.Get("agency"), CommunityID: q.Get("community")}
	errs := newFormErrors()
	if f.AgencyID != "" && !liaison.ValidID(f.AgencyID) {
		errs.add("filter-agency", "Agency", "must be one of the agencies in the list")
		f.AgencyID = ""
	}
	if f.CommunityID != "" && !liaison.ValidID(f.CommunityID) {
		errs.add("filter-community", "Community", "must be one of the communities in the list")
		f.CommunityID = ""
	}
	state := q.Get("state")
	switch state {
	case "", "all", "expired", "expiring":
	case "active":
		f.ActiveAt = now
	default:
		errs.add("filter-state", "Standing", "must be all, in force, expiring within 30 days or expired")
		state = ""
	}
	agrs, err := s.adminAllAgreements(ctx, f)
	if err != nil {
		return err
	}
	var rows []agreementRow
	for _, a := range agrs {
		row := agreementRowOf(a, now)
		if (state == "expired" && row.State != "expired") || (state == "expiring" && row.State != "expiring") {
			continue
		}
		rows = append(rows, row)
	}
	ags, cs, names, err := s.adminDirectory(ctx)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !errs.empty() {
		status = http.StatusBadRequest
	}
	s.adminRender(w, r, status, "admin-agreements.html", map[string]any{"Rows": rows, "AgencyList": ags, "CommunityList": cs,
		"Names": names, "Agency": q.Get("agency"), "Community": q.Get("community"), "State": state,
		"Filtered": q.Get("agency") != "" || q.Get("community") != "" || (state != "" && state != "all")}, errs)
	return nil
}

// agreementForm is the agreement form's values, kept as typed.
type agreementForm struct {
	AgencyID, CommunityID, LegalBasis, Expires string
	Purposes, RecordKinds                      []string
	PII, International, Private                bool
}

func parseAgreementForm(r *http.Request) *agreementForm {
	v := r.PostForm
	return &agreementForm{AgencyID: v.Get("agency_id"), CommunityID: v.Get("community_id"), LegalBasis: textArea(v.Get("legal_basis")),
		Expires: strings.TrimSpace(v.Get("expires")), Purposes: v["purposes"], RecordKinds: v["record_kinds"],
		PII: v.Get("pii_allowed") != "", International: v.Get("international_release") != "", Private: v.Get("private_release") != ""}
}

// expires reads the expiry date: the agreement is in force until 00:00 UTC that day.
func (f *agreementForm) expires(errs *formErrors) time.Time {
	if f.Expires == "" {
		errs.add("agreement-expires", "Expires", "is required: agreements are reviewed, so they expire; give a date such as 2027-06-30")
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", f.Expires, time.UTC)
	if err != nil {
		errs.add("agreement-expires", "Expires", "must be a date written 2027-06-30 (year-month-day)")
		return time.Time{}
	}
	return t
}

func (f *agreementForm) purposes() []liaison.Purpose {
	out := make([]liaison.Purpose, len(f.Purposes))
	for i, p := range f.Purposes {
		out[i] = liaison.Purpose(p)
	}
	return out
}

func (f *agreementForm) recordKinds() []liaison.RecordKind {
	out := make([]liaison.RecordKind, len(f.RecordKinds))
	for i, k := range f.RecordKinds {
		out[i] = liaison.RecordKind(k)
	}
	return out
}

func agreementField(field string) (string, string) {
	switch {
	case field == "agency_id":
		return "agreement-agency", "Receiving agency"
	case field == "community_id":
		return "agreement-community", "Community"
	case field == "legal_basis":
		return "agreement-legal-basis", "Legal basis"
	case strings.HasPrefix(field, "purposes"):
		return "agreement-purpose-" + string(liaison.Purposes[0]), "Purposes"
	case strings.HasPrefix(field, "record_kinds"):
		return "agreement-kind-" + string(liaison.RecordKinds[0]), "Record kinds"
	case field == "expires_at":
		return "agreement-expires", "Expires"
	}
	return "agreement-legal-basis", "Agreement"
}

func (s *Server) renderAgreementForm(w http.ResponseWriter, r *http.Request, status int, a *liaison.Agreement, f *agreementForm, errs *formErrors) error {
	ags, cs, names, err := s.adminDirectory(r.Context())
	if err != nil {
		return err
	}
	now := s.svc.Now()
	data := map[string]any{"Form": f, "AgencyList": ags, "CommunityList": cs, "Names": names,
		"PurposeList": enumOf(liaison.Purposes), "KindList": enumOf(liaison.RecordKinds), "Now": now,
		"MinDate": now.UTC().AddDate(0, 0, 1).Format("2006-01-02"), "MaxDate": now.UTC().AddDate(10, 0, 0).Format("2006-01-02")}
	if a != nil {
		data["Agreement"] = agreementRowOf(a, now)
	}
	s.adminRender(w, r, status, "admin-agreement.html", data, errs)
	return nil
}

func (s *Server) adminAgreementNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := &agreementForm{AgencyID: q.Get("agency"), CommunityID: q.Get("community"),
		Expires: s.svc.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02")}
	return s.renderAgreementForm(w, r, http.StatusOK, nil, f, nil)
}

func (s *Server) adminAgreementCreate(w http.ResponseWriter, r *http.Request) error {
	f := parseAgreementForm(r)
	errs := newFormErrors()
	in := liaison.AgreementInput{AgencyID: f.AgencyID, CommunityID: f.CommunityID, LegalBasis: f.LegalBasis,
		Purposes: f.purposes(), RecordKinds: f.recordKinds(), PIIAllowed: f.PII, InternationalRelease: f.International,
		PrivateRelease: f.Private, Expires: f.expires(errs)}
	if !errs.empty() {
		// Say what else the service would refuse, so one round trip shows
		// every problem; nothing is recorded.
		check := liaison.Agreement{AgencyID: in.AgencyID, CommunityID: in.CommunityID, LegalBasis: in.LegalBasis,
			Purposes: in.Purposes, RecordKinds: in.RecordKinds, Expires: s.svc.Now().Add(time.Hour)}
		check.Normalize()
		if err := check.Validate(s.svc.Now()); err != nil {
			_ = adminErrors(errs, err, agreementField)
		}
		return s.renderAgreementForm(w, r, http.StatusBadRequest, nil, f, errs)
	}
	a, err := s.svc.CreateAgreement(r.Context(), in)
	if err != nil {
		if err := adminErrors(errs, err, agreementField); err != nil {
			return err
		}
		return s.renderAgreementForm(w, r, http.StatusBadRequest, nil, f, errs)
	}
	http.Redirect(w, r, "/admin/agreements/"+a.ID+"?done=created", http.StatusSeeOther)
	return nil
}

func agreementFormOf(a *liaison.Agreement) *agreementForm {
	return &agreementForm{AgencyID: a.AgencyID, CommunityID: a.CommunityID, LegalBasis: a.LegalBasis,
		Expires: a.Expires.UTC().Format("2006-01-02"), Purposes: enumOf(a.Purposes), RecordKinds: enumOf(a.RecordKinds),
		PII: a.PIIAllowed, International: a.InternationalRelease, Private: a.PrivateRelease}
}

func (s *Server) adminAgreementPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.FindAgreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderAgreementForm(w, r, http.StatusOK, a, agreementFormOf(a), nil)
}

func (s *Server) adminAgreementUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := s.svc.FindAgreement(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := parseAgreementForm(r)
	f.AgencyID, f.CommunityID = cur.AgencyID, cur.CommunityID // the parties never change; record a new agreement
	errs := newFormErrors()
	exp := f.expires(errs)
	if !errs.empty() {
		return s.renderAgreementForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	if !exp.After(s.svc.Now()) {
		errs.add("agreement-expires", "Expires", "is not in the future: to end the agreement now use “End this agreement now” below; otherwise give a later date")
		return s.renderAgreementForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	purposes, kinds := f.purposes(), f.recordKinds()
	a, err := s.svc.UpdateAgreement(ctx, cur.ID, liaison.AgreementUpdate{LegalBasis: &f.LegalBasis, Purposes: &purposes,
		RecordKinds: &kinds, PIIAllowed: &f.PII, InternationalRelease: &f.International, PrivateRelease: &f.Private, Expires: &exp})
	if err != nil {
		if err := adminErrors(errs, err, agreementField); err != nil {
			return err
		}
		return s.renderAgreementForm(w, r, http.StatusBadRequest, cur, f, errs)
	}
	http.Redirect(w, r, "/admin/agreements/"+a.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) adminAgreementEnd(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := s.svc.FindAgreement(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") == "" {
		errs := newFormErrors()
		errs.add("agreement-end-confirm", "End now", "tick “Yes, end this agreement now” to confirm: the agency stops receiving from the community at once")
		return s.renderAgreementForm(w, r, http.StatusBadRequest, cur, agreementFormOf(cur), errs)
	}
	now := s.svc.Now()
	a, err := s.svc.UpdateAgreement(ctx, cur.ID, liaison.AgreementUpdate{Expires: &now})
	if err != nil {
		errs := newFormErrors()
		if err := adminErrors(errs, err, agreementField); err != nil {
			return err
		}
		return s.renderAgreementForm(w, r, http.StatusBadRequest, cur, agreementFormOf(cur), errs)
	}
	http.Redirect(w, r, "/admin/agreements/"+a.ID+"?done=ended", http.StatusSeeOther)
	return nil
}
