package http

import (
	"fmt"
	"html/template"
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

// The privacy officer's pages: a dashboard of the queues, "explain
// access" (what the decision point would answer for a user, and why), the
// five-year review and purge queue of 28 CFR 23.20(h), and the
// dissemination ledger. Every read and write is a service call, audited
// as the API's are; the service refuses everyone else too.

// privacyPages lists the web UI routes of this area (see routeTable).
func (s *Server) privacyPages() []route {
	page := uiPage
	return []route{
		page("GET", "/privacy", "ui.privacy", authSession, s.privacyHome),
		page("GET", "/privacy/explain", "ui.privacy.explain", authSession, s.privacyExplain),
		page("GET", "/privacy/review", "ui.privacy.review", authSession, s.privacyReviewPage),
		page("POST", "/privacy/review/{id}/retain", "ui.privacy.retain", authSession, s.privacyRetain),
		page("GET", "/privacy/review/{id}/purge", "ui.privacy.purge.confirm", authSession, s.privacyPurgeConfirm),
		page("POST", "/privacy/review/{id}/purge", "ui.privacy.purge", authSession, s.privacyPurge),
		page("GET", "/privacy/retention", "ui.privacy.retention", authSession, s.privacyRetentionPage),
		page("POST", "/privacy/retention", "ui.privacy.retention.purge", authSession, s.privacyRetentionPurge),
		page("GET", "/privacy/ledger", "ui.privacy.ledger", authSession, s.privacyLedger),
		page("GET", "/privacy/ledger.csv", "ui.privacy.ledger.csv", authSession, s.privacyLedgerCSV),
	}
}

func init() {
	registerFuncs(template.FuncMap{
		"privacyDate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
		"privacyTime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" },
		// privacyActor names who acted: a login, or a system worker in words.
		"privacyActor": func(actor string) string {
			if name, ok := strings.CutPrefix(actor, "system:"); ok {
				return "the " + name + " worker"
			}
			return actor
		},
		"privacyPtrDate": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02")
		},
	})
}

// requirePrivacy refuses everyone but privacy officers, before anything
// is read; the refusal is audited.
func (s *Server) requirePrivacy(r *http.Request) (*liaison.User, error) {
	u := liaison.ActorFrom(r.Context()).User
	if u == nil || !u.Has(liaison.RolePrivacyOfficer) {
		return nil, s.svc.Refuse(r.Context(), "ui.privacy", liaison.Errorf(liaison.EFORBIDDEN, "the privacy pages are for privacy officers; your role does not include it"))
	}
	return u, nil
}

// requireReviewer refuses everyone but those who review their agency's
// records (privacy officers and Part 23-trained analysts), before anything
// is read; the refusal is audited. The review, purge and retention pages
// are theirs; the overview, explain and ledger pages stay the privacy
// officers'.
func (s *Server) requireReviewer(r *http.Request) (*liaison.User, error) {
	u := liaison.ActorFrom(r.Context()).User
	if u == nil || !u.Reviewer() {
		return nil, s.svc.Refuse(r.Context(), "ui.privacy", liaison.Errorf(liaison.EFORBIDDEN,
			"record review is for privacy officers and for analysts trained in 28 CFR Part 23; ask your administrator if you should have either"))
	}
	return u, nil
}

// privacyRecordRow is one record of the review queue, ready for a page.
type privacyRecordRow struct {
	*service.ReleasedRecord
	Originator, ReviewedBy, When string
	Overdue                      bool
}

func (s *Server) privacyRows(r *http.Request, recs []*service.ReleasedRecord) ([]privacyRecordRow, error) {
	names, err := s.agencyNames(r)
	if err != nil {
		return nil, err
	}
	now := s.svc.Now()
	users := map[liaison.ID]string{}
	rows := make([]privacyRecordRow, len(recs))
	for i, rec := range recs {
		row := privacyRecordRow{ReleasedRecord: rec, Originator: names[rec.Originator], Overdue: rec.RetainUntil.Before(now)}
		days := int(math.Ceil(rec.RetainUntil.Sub(now).Hours() / 24))
		switch {
		case row.Overdue:
			late := max(1, -days)
			row.When = fmt.Sprintf("past its deadline by %d %s", late, plural(late, "day", "days"))
		case days <= 1:
			row.When = "deadline within a day"
		default:
			row.When = fmt.Sprintf("deadline in %d %s", days, plural(days, "day", "days"))
		}
		if id := rec.ReviewedBy; id != "" {
			if users[id] == "" {
				users[id] = string(id)
				if u, err := s.svc.FindUser(r.Context(), id); err == nil {
					users[id] = u.Name
				}
			}
			row.ReviewedBy = users[id]
		}
		rows[i] = row
	}
	return rows, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *Server) privacyHome(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireReviewer(r)
	if err != nil {
		return err
	}
	if !u.Has(liaison.RolePrivacyOfficer) {
		// A trained analyst's part of these pages is the review queue.
		http.Redirect(w, r, "/privacy/review", http.StatusSeeOther)
		return nil
	}
	if err := checkQuery(r); err != nil {
		return err
	}
	ctx := r.Context()
	now := s.svc.Now()
	due, err := s.svc.DueForReview(ctx, service.ReviewWindow)
	if err != nil {
		return err
	}
	var past, soon int
	for _, rec := range due {
		if rec.RetainUntil.Before(now) {
			past++
		} else {
			soon++
		}
	}
	since := now.AddDate(0, 0, -7)
	ds, next, err := s.svc.ListDisseminations(ctx, liaison.DisseminationFilter{Since: since}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	purges, err := s.svc.RecentPurges(ctx, now.AddDate(0, 0, -30), 5)
	if err != nil {
		return err
	}
	s.render(w, r, "privacy-home.html", map[string]any{"Tab": "home", "DueSoon": soon, "Past": past,
		"Disseminations": len(ds), "MoreDisseminations": next != "", "LedgerSince": since.UTC().Format("2006-01-02"),
		"Purges": purges})
	return nil
}

// explainForm is what the explain form holds, as typed.
type explainForm struct{ Record, User, Purpose string }

func (s *Server) privacyExplain(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requirePrivacy(r); err != nil {
		return err
	}
	if err := checkQuery(r, "record", "user", "purpose"); err != nil {
		return err
	}
	q := r.URL.Query()
	f := explainForm{Record: strings.TrimSpace(q.Get("record")), User: strings.TrimSpace(q.Get("user")), Purpose: q.Get("purpose")}
	data := map[string]any{"Tab": "explain", "Form": f, "Purposes": liaison.Purposes, "Errors": map[string]string{}}
	if !q.Has("record") && !q.Has("user") && !q.Has("purpose") {
		s.render(w, r, "privacy-explain.html", data)
		return nil
	}
	errs := newFormErrors()
	if f.Record == "" {
		errs.add("explain-record", "Record id", "is required: paste the id of the intelligence record, e.g. from the review queue")
	}
	if f.User == "" {
		errs.add("explain-user", "User", "is required: give the user's login (e.g. analyst) or id")
	}
	purpose := liaison.Purpose(f.Purpose)
	switch {
	case f.Purpose == "":
		errs.add("explain-purpose", "Purpose", "is required: choose the purpose the user would declare, or “none declared”")
	case f.Purpose == "none":
		purpose = ""
	case !slices.Contains(liaison.Purposes, purpose):
		errs.add("explain-purpose", "Purpose", "must be one of the purposes in the list")
	}
	if errs.empty() {
		x, err := s.svc.ExplainAccessDetail(r.Context(), f.Record, f.User, purpose)
		switch liaison.ErrorCode(err) {
		case "":
			names, err := s.agencyNames(r)
			if err != nil {
				return err
			}
			data["X"], data["Agencies"] = x, names
			s.render(w, r, "privacy-explain.html", data)
			return nil
		case liaison.ENOTFOUND:
			errs.add("explain-record", "Record id", "no intelligence record has this id; check it (copy it from the review queue or the ledger)")
		case liaison.EINVALID:
			for _, fe := range liaison.ErrorFields(err) {
				switch fe.Field {
				case "as":
					errs.add("explain-user", "User", "no user has this login or id; check the spelling (e.g. analyst)")
				case "purpose":
					errs.add("explain-purpose", "Purpose", fe.Message)
				}
			}
			if errs.empty() {
				errs.add("explain-record", "Record id", liaison.ErrorMessage(err))
			}
		default:
			return err
		}
	}
	errs.into(data)
	data["SummaryLead"] = "Correct these and ask again:"
	w.WriteHeader(http.StatusBadRequest)
	s.render(w, r, "privacy-explain.html", data)
	return nil
}

// reviewWindows are the queue's look-ahead choices, in days.
var reviewWindows = []int{7, 30, 60, 90, 365}

// privacyDone are the review page's result messages after a redirect.
func privacyDone(q url.Values) string {
	switch q.Get("done") {
	case "retained":
		return "Record " + q.Get("record") + " validated and retained until " + q.Get("until") +
			". Its review is recorded with your reason; it has left the queue."
	case "purged":
		return "Record " + q.Get("record") + " purged. Its content is gone for good; a tombstone with its labels and dates, " +
			"and the audit trail, remain. Everyone who received it is being told."
	case "retention":
		msg := "Purged " + q.Get("purged") + " " + plural(atoiOr(q.Get("purged")), "record", "records") + " past retention."
		if n := atoiOr(q.Get("skipped")); n > 0 {
			msg += fmt.Sprintf(" %d skipped: reviewed or purged since the dry run, or not past retention.", n)
		}
		return msg
	}
	return ""
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (s *Server) privacyReviewPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "within", "done", "record", "until", "purged", "skipped"); err != nil {
		return err
	}
	return s.privacyReview(w, r, http.StatusOK, nil, nil)
}

// privacyReview renders the review queue, with a row's retain form's
// errors and typed values when a POST is sent back.
func (s *Server) privacyReview(w http.ResponseWriter, r *http.Request, status int, errs *formErrors, form map[string]string) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	q := r.URL.Query()
	within := 30
	if v := q.Get("within"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(reviewWindows, n) {
			return liaison.FieldErrorf("within", "must be one of 7, 30, 60, 90 or 365 days")
		}
		within = n
	}
	ctx := r.Context()
	now := s.svc.Now()
	due, err := s.svc.DueForReview(ctx, time.Duration(within)*24*time.Hour)
	if err != nil {
		return err
	}
	rows, err := s.privacyRows(r, due)
	if err != nil {
		return err
	}
	past := 0
	for _, row := range rows {
		if row.Overdue {
			past++
		}
	}
	purges, err := s.svc.RecentPurges(ctx, now.AddDate(0, 0, -30), 20)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{}
	}
	data := map[string]any{"Tab": "review", "Rows": rows, "Within": within, "Windows": reviewWindows, "Past": past,
		"Purges": purges, "Done": privacyDone(q), "Form": form,
		"DefaultRetain": now.AddDate(2, 0, 0).UTC().Format("2006-01-02"), "MinRetain": now.AddDate(0, 0, 1).UTC().Format("2006-01-02"),
		"MaxRetain": now.Add(liaison.MaxRetention).UTC().Format("2006-01-02")}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "privacy-review.html", data)
	return nil
}

func (s *Server) privacyRetain(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	until, reason := strings.TrimSpace(r.PostFormValue("retain_until")), strings.TrimSpace(textArea(r.PostFormValue("reason")))
	within := r.PostFormValue("within")
	form := map[string]string{"retain-until-" + id: until, "reason-" + id: reason}
	errs := newFormErrors()
	retry := func() error {
		r.URL.RawQuery = url.Values{"within": {within}}.Encode()
		if within == "" {
			r.URL.RawQuery = ""
		}
		return s.privacyReview(w, r, http.StatusBadRequest, errs, form)
	}
	var t time.Time
	if until == "" {
		errs.add("retain-until-"+id, "Retain until", "is required: the date of the next review, at most five years ahead")
	} else if d, err := time.ParseInLocation("2006-01-02", until, time.UTC); err != nil {
		errs.add("retain-until-"+id, "Retain until", "must be a date such as 2028-11-24")
	} else {
		t = d
	}
	if reason == "" {
		errs.add("reason-"+id, "Reason", "is required: say why the record still meets the criminal-intelligence standard")
	}
	if !errs.empty() {
		return retry()
	}
	rec, err := s.svc.ReviewIntelRecord(r.Context(), id, reason, t)
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		for _, fe := range liaison.ErrorFields(err) {
			switch fe.Field {
			case "reason":
				errs.add("reason-"+id, "Reason", fe.Message)
			case "retain_until":
				errs.add("retain-until-"+id, "Retain until", fe.Message)
			}
		}
		if errs.empty() {
			errs.add("reason-"+id, "Review", liaison.ErrorMessage(err))
		}
		return retry()
	}
	v := url.Values{"done": {"retained"}, "record": {rec.ID}, "until": {rec.RetainUntil.Format("2006-01-02")}}
	if within != "" {
		v.Set("within", within)
	}
	http.Redirect(w, r, "/privacy/review?"+v.Encode(), http.StatusSeeOther)
	return nil
}

// findOwnRecord finds a record of the officer's agency that is not purged,
// through the review queue (the service's reviewer view of records).
func (s *Server) findOwnRecord(r *http.Request, id liaison.ID) (*service.ReleasedRecord, error) {
	all, err := s.svc.DueForReview(r.Context(), liaison.MaxRetention+48*time.Hour)
	if err != nil {
		return nil, err
	}
	for _, rec := range all {
		if rec.ID == id {
			return rec, nil
		}
	}
	return nil, liaison.Errorf(liaison.ENOTFOUND, "no record of your agency has this id, or it is purged already; go back to the review queue")
}

func (s *Server) privacyPurgeConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	return s.purgeConfirmPage(w, r, http.StatusOK, "", nil)
}

func (s *Server) purgeConfirmPage(w http.ResponseWriter, r *http.Request, status int, reason string, errs *formErrors) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	rec, err := s.findOwnRecord(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, err := s.privacyRows(r, []*service.ReleasedRecord{rec})
	if err != nil {
		return err
	}
	data := map[string]any{"Tab": "review", "Row": rows[0], "Reason": reason}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "privacy-purge.html", data)
	return nil
}

func (s *Server) privacyPurge(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id := r.PathValue("id")
	reason := strings.TrimSpace(textArea(r.PostFormValue("reason")))
	errs := newFormErrors()
	if len(reason) < 5 {
		errs.add("purge-reason", "Reason", "is required: say why the record is purged (at least 5 characters), e.g. “no longer meets the reasonable-suspicion standard”")
	}
	if r.PostFormValue("confirm") != "yes" {
		errs.add("purge-confirm", "Confirmation", "tick the box to confirm that the record's content is removed for good")
	}
	if errs.empty() {
		err := s.svc.PurgeIntelRecord(r.Context(), id, reason)
		if err == nil {
			http.Redirect(w, r, "/privacy/review?"+url.Values{"done": {"purged"}, "record": {id}}.Encode(), http.StatusSeeOther)
			return nil
		}
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return err
		}
		for _, fe := range liaison.ErrorFields(err) {
			errs.add("purge-reason", "Reason", fe.Message)
		}
		if errs.empty() {
			errs.add("purge-reason", "Reason", liaison.ErrorMessage(err))
		}
	}
	return s.purgeConfirmPage(w, r, http.StatusBadRequest, reason, errs)
}

func (s *Server) privacyRetentionPage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	return s.retentionPage(w, r, http.StatusOK, nil)
}

func (s *Server) retentionPage(w http.ResponseWriter, r *http.Request, status int, errs *formErrors) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	due, err := s.svc.PastRetention(r.Context())
	if err != nil {
		return err
	}
	rows, err := s.privacyRows(r, due)
	if err != nil {
		return err
	}
	data := map[string]any{"Tab": "review", "Rows": rows}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "privacy-retention.html", data)
	return nil
}

func (s *Server) privacyRetentionPurge(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireReviewer(r); err != nil {
		return err
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	ids := r.PostForm["id"]
	errs := newFormErrors()
	if r.PostFormValue("confirm") != "yes" {
		errs.add("retention-confirm", "Confirmation", "tick the box to confirm that these records' content is removed for good")
	}
	if len(ids) == 0 {
		errs.add("retention-confirm", "Records", "none were listed: run the dry run again")
	}
	if !errs.empty() {
		return s.retentionPage(w, r, http.StatusBadRequest, errs)
	}
	res, err := s.svc.PurgePastRetention(r.Context(), ids)
	if err != nil {
		return err
	}
	v := url.Values{"done": {"retention"}, "purged": {strconv.Itoa(len(res.Purged))}, "skipped": {strconv.Itoa(len(res.Skipped))}}
	http.Redirect(w, r, "/privacy/review?"+v.Encode(), http.StatusSeeOther)
	return nil
}

// ledgerForm is the ledger's filter, as typed.
type ledgerForm struct{ Item, Recipient, Originator, Since, Until string }

// values encodes the filter for links (the CSV download, the next page).
func (f ledgerForm) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"item_id": f.Item, "recipient_agency_id": f.Recipient, "originator_id": f.Originator,
		"since": f.Since, "until": f.Until} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// ledgerFilter reads and checks the ledger's filter; problems come back by element id.
func (s *Server) ledgerFilter(r *http.Request, names map[liaison.ID]string) (ledgerForm, liaison.DisseminationFilter, *formErrors) {
	q := r.URL.Query()
	f := ledgerForm{Item: strings.TrimSpace(q.Get("item_id")), Recipient: q.Get("recipient_agency_id"), Originator: q.Get("originator_id"),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until"))}
	errs := newFormErrors()
	df := liaison.DisseminationFilter{ItemID: f.Item, RecipientAgencyID: f.Recipient, OriginatorID: f.Originator}
	if f.Item != "" && !liaison.ValidID(f.Item) {
		errs.add("ledger-item", "Item id", "must be a whole item id such as 0194d3c2-7a10-7c4e-9f1a-2b3c4d5e6f70 (copy it from a record)")
	}
	if _, ok := names[f.Recipient]; f.Recipient != "" && !ok {
		errs.add("ledger-recipient", "Recipient agency", "must be one of the agencies in the list")
	}
	if _, ok := names[f.Originator]; f.Originator != "" && !ok {
		errs.add("ledger-originator", "Originating agency", "must be one of the agencies in the list")
	}
	date := func(v, id, label string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, time.UTC)
		if err != nil {
			errs.add(id, label, "must be a date such as 2026-11-24")
		}
		return t
	}
	df.Since, df.Until = date(f.Since, "ledger-since", "From"), date(f.Until, "ledger-until", "Before")
	if !df.Since.IsZero() && !df.Until.IsZero() && !df.Until.After(df.Since) {
		errs.add("ledger-until", "Before", "must be a later date than From")
	}
	return f, df, errs
}

const ledgerPageSize = 50

func (s *Server) privacyLedger(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requirePrivacy(r); err != nil {
		return err
	}
	if err := checkQuery(r, "item_id", "recipient_agency_id", "originator_id", "since", "until", "cursor"); err != nil {
		return err
	}
	return s.ledgerPage(w, r)
}

func (s *Server) ledgerPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	agencies, _, err := s.svc.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	slices.SortFunc(agencies, func(a, b *liaison.Agency) int { return strings.Compare(a.Name, b.Name) })
	f, df, errs := s.ledgerFilter(r, names)
	data := map[string]any{"Tab": "ledger", "Form": f, "Agencies": agencies, "Names": names, "Errors": map[string]string{}}
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" && !liaison.ValidID(cursor) {
		errs.add("ledger-item", "Page", "the link to the next page is damaged; start again from the first page")
	}
	if !errs.empty() {
		errs.into(data)
		data["SummaryLead"] = "Correct the filter and search again:"
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "privacy-ledger.html", data)
		return nil
	}
	p := liaison.Page{After: cursor, Limit: ledgerPageSize}
	rows, next, err := s.svc.ListDisseminations(ctx, df, p)
	if err != nil {
		return err
	}
	// The recipients on this page by name: the staff list is the
	// administrators', so each is looked up (and audited) on its own.
	users := map[liaison.ID]string{}
	for _, row := range rows {
		if _, ok := users[row.RecipientUserID]; ok || row.RecipientUserID == "" {
			continue
		}
		users[row.RecipientUserID] = ""
		if u, err := s.svc.FindUser(ctx, row.RecipientUserID); err == nil {
			users[row.RecipientUserID] = u.Name + " (" + u.Login + ")"
		}
	}
	filter := f.values()
	data["Rows"], data["Users"], data["Filtered"] = rows, users, len(filter) > 0
	data["CSV"] = "/privacy/ledger.csv"
	if len(filter) > 0 {
		data["CSV"] = "/privacy/ledger.csv?" + filter.Encode()
	}
	if next != "" {
		filter.Set("cursor", next)
		data["Next"] = "/privacy/ledger?" + filter.Encode()
	}
	data["Paged"] = cursor != ""
	s.render(w, r, "privacy-ledger.html", data)
	return nil
}

// privacyLedgerCSV downloads the filtered ledger through the API's export
// (the same service reads, the same CSV); a bad filter shows the ledger
// page with what to fix.
func (s *Server) privacyLedgerCSV(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requirePrivacy(r); err != nil {
		return err
	}
	if err := checkQuery(r, "item_id", "recipient_agency_id", "originator_id", "since", "until"); err != nil {
		return err
	}
	names, err := s.agencyNames(r)
	if err != nil {
		return err
	}
	f, _, errs := s.ledgerFilter(r, names)
	if !errs.empty() {
		return s.ledgerPage(w, r)
	}
	r.URL.RawQuery = f.values().Encode()
	return s.exportDisseminations(w, r)
}
