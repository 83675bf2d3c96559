package http

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode"

	"liaison"
	"liaison/service"
)

// The report page's extras: its files (listed to those who read the
// report in full, uploaded by its agency, downloaded as files that never
// run in the browser), the case it belongs to, and its promotion to a
// criminal intelligence record (28 CFR Part 23) through the record form's
// own parsing and error mapping. The service decides, audits and ledgers;
// these pages only hide what a reader may not use.

// sarExtraPages are the report page's attachments, case link and
// promotion to an intelligence record.
func (s *Server) sarExtraPages() []route {
	return []route{
		withUpload(uiPage("POST", "/sars/{id}/attachments", "ui.sar.attach", authSession, s.sarAttach), maxAttachmentForm),
		uiPage("GET", "/sars/{id}/attachments/{hash}", "ui.sar.attachment", authSession, s.sarAttachmentDownload),
		uiPage("POST", "/sars/{id}/case", "ui.sar.case", authSession, s.sarLinkCase),
		uiPage("GET", "/sars/{id}/promote", "ui.sar.promote", authSession, s.sarPromotePage),
		uiPage("POST", "/sars/{id}/promote", "ui.sar.promote.save", authSession, s.sarPromote),
	}
}

// maxAttachmentForm bounds the upload form's body: well above the
// service's limit, so a file somewhat too large reaches it and comes back
// as an error at the file field rather than as an error page.
const maxAttachmentForm = 4 * service.MaxAttachment

// attachmentKinds names the accepted types for people, in the service's order.
var attachmentKinds = map[string]struct{ label, ext string }{
	"image/jpeg": {"JPEG image", ".jpg"}, "image/png": {"PNG image", ".png"}, "image/gif": {"GIF image", ".gif"},
	"image/webp": {"WebP image", ".webp"}, "application/pdf": {"PDF document", ".pdf"}, "text/plain": {"plain text", ".txt"},
	"video/mp4": {"MP4 video", ".mp4"},
}

// sarExtraDone is what the page says after one of these acts.
var sarExtraDone = map[string]string{
	"attached": "File attached. It is listed below with its SHA-256, and every download is recorded.",
	"case":     "Report linked to the case. Staff assigned to the case now see it there with need-to-know.",
}

// attachmentRow is one file as the report page lists it.
type attachmentRow struct {
	*liaison.Attachment
	Kind, SizeText, Short, By, URL string
}

// sarExtras adds what the report page's extra sections show to data.
func (s *Server) sarExtras(r *http.Request, rep *service.ReleasedSAR, data map[string]any) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	purpose, _ := data["Purpose"].(liaison.Purpose)
	if msg := sarExtraDone[r.URL.Query().Get("done")]; msg != "" {
		data["Done"] = msg
	}
	if err := s.attachmentsInto(r, rep, purpose, data); err != nil {
		return err
	}
	closed := rep.State == liaison.SARWithdrawn || rep.State == liaison.SARRejected
	// Mirrors Service.Attach: any user of the originating agency, while the report is open.
	data["CanAttach"] = rep.AgencyID == me.AgencyID && !closed && mayFile(me)
	data["AttachClosed"] = rep.AgencyID == me.AgencyID && closed
	data["AttachAccept"] = strings.Join(service.AttachmentTypes, ",")
	data["AttachMax"] = service.MaxAttachment >> 20

	if rep.CaseID != "" {
		if c, err := s.svc.FindCase(ctx, rep.CaseID); err == nil {
			data["LinkedCase"] = c
		} else if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			data["LinkedCaseHidden"] = true
		} else {
			return err
		}
	}
	// Mirrors Service.AttachSARToCase: analysts and supervisors of the
	// originating agency, to a case their agency leads.
	if (me.Has(liaison.RoleAnalyst) || me.Has(liaison.RoleSupervisor)) && rep.AgencyID == me.AgencyID {
		cases, err := s.svc.MyCases(ctx)
		if err != nil {
			return err
		}
		cases = slices.DeleteFunc(cases, func(c *liaison.Case) bool { return c.AgencyID != me.AgencyID })
		chosen := rep.CaseID
		if r.Method == http.MethodPost && r.PostForm.Has("case_id") {
			chosen = r.PostFormValue("case_id")
		}
		data["CanLinkCase"], data["CaseChoices"], data["CaseChosen"] = true, cases, chosen
	}
	// Mirrors Service.PromoteSAR (CreateIntelRecord's writers); the page read means the report is visible.
	if mayWriteIntel(me) {
		data["PromoteURL"] = "/sars/" + rep.ID + "/promote?" + url.Values{"purpose": {string(purpose)}}.Encode()
	}
	return nil
}

// attachmentsInto lists the report's files, or says why they are withheld.
func (s *Server) attachmentsInto(r *http.Request, rep *service.ReleasedSAR, purpose liaison.Purpose, data map[string]any) error {
	ctx := r.Context()
	atts, err := s.svc.SARAttachments(ctx, rep.ID, purpose)
	switch liaison.ErrorCode(err) {
	case "":
	case liaison.EFORBIDDEN, liaison.ENOTFOUND:
		data["AttachmentsWithheld"] = true
		return nil
	default:
		return err
	}
	names := map[liaison.ID]string{}
	rows := make([]attachmentRow, len(atts))
	for i, a := range atts {
		row := attachmentRow{Attachment: a, Kind: a.ContentType, SizeText: sizeText(a.Size), Short: a.Hash[:min(12, len(a.Hash))],
			URL: "/sars/" + rep.ID + "/attachments/" + a.Hash + "?" + url.Values{"purpose": {string(purpose)}}.Encode()}
		if k, ok := attachmentKinds[a.ContentType]; ok {
			row.Kind = k.label
		}
		if a.AddedBy != "" {
			if _, ok := names[a.AddedBy]; !ok {
				names[a.AddedBy] = "a user of the originating agency"
				if u, err := s.svc.FindUser(ctx, a.AddedBy); err == nil {
					names[a.AddedBy] = u.Name + " (" + u.Login + ")"
				}
			}
			row.By = names[a.AddedBy]
		}
		rows[i] = row
	}
	data["Attachments"] = rows
	return nil
}

// sizeText is a file size for people: bytes, KiB or MiB.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// postedPurpose is the purpose a report-page form carries, as sarStep reads it.
func postedPurpose(r *http.Request) liaison.Purpose {
	if p := liaison.Purpose(r.PostFormValue("purpose")); p != "" {
		return p
	}
	return liaison.PurposeCounterterrorism
}

// sarBack is the report page after an act, with what to say and where to look.
func sarBack(id liaison.ID, purpose liaison.Purpose, done, anchor string) string {
	return "/sars/" + id + "?" + url.Values{"done": {done}, "purpose": {string(purpose)}}.Encode() + "#" + anchor
}

// sarAttach adds the uploaded file to the report. A refused file comes
// back on the report page with the error at the file field (422).
func (s *Server) sarAttach(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, purpose := r.PathValue("id"), postedPurpose(r)
	refuse := func(msg string) error {
		errs := newFormErrors()
		errs.add("att-file", "File", msg)
		return s.sarPage(w, r, http.StatusUnprocessableEntity, id, purpose, "", stepForm{}, errs)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return refuse(fmt.Sprintf("choose a file to attach: a photo, a PDF, a plain text file or an MP4 video of at most %d MiB", service.MaxAttachment>>20))
	}
	defer file.Close()
	// One byte past the limit is enough for the service to refuse the size.
	data, err := io.ReadAll(io.LimitReader(file, service.MaxAttachment+1))
	if err != nil {
		return liaison.Errorf(liaison.EINVALID, "the upload could not be read")
	}
	_, err = s.svc.Attach(ctx, id, hdr.Filename, data)
	switch liaison.ErrorCode(err) {
	case "":
		http.Redirect(w, r, sarBack(id, purpose, "attached", "attachments"), http.StatusSeeOther)
		return nil
	case liaison.EINVALID:
		if fs := liaison.ErrorFields(err); len(fs) > 0 && fs[0].Field == "file" {
			return refuse(fs[0].Message)
		}
	case liaison.ECONFLICT:
		return refuse("is already attached to this report (a file with the same content, by its SHA-256)")
	case liaison.ENOTFOUND:
		// The service hides a report the caller may not change. If they may
		// read it and it is their agency's, it is closed: say so at the field.
		if rep, gerr := s.svc.GetSAR(ctx, id, purpose); gerr == nil && rep.AgencyID == liaison.ActorFrom(ctx).User.AgencyID &&
			(rep.State == liaison.SARWithdrawn || rep.State == liaison.SARRejected) {
			return refuse("cannot be attached: the report is " + string(rep.State) + ", its vetting is over and it takes no more files")
		}
	}
	return err
}

// sarAttachmentDownload streams one file as a download: never rendered
// by the browser, whatever its bytes, under a name that cannot pass for
// another type.
func (s *Server) sarAttachmentDownload(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	att, data, err := s.svc.ReadAttachment(r.Context(), r.PathValue("id"), r.PathValue("hash"), purposeParam(r))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", servedType(att.ContentType))
	h.Set("Content-Disposition", contentDisposition(downloadName(att.Name, att.ContentType)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(len(data)))
	_, err = w.Write(data)
	return err
}

// servedType is the content type a file is sent with: the sniffed type
// when it is one the service accepts (none of them runs script), else
// bytes. HTML and SVG are never among them.
func servedType(ctype string) string {
	if ctype == "text/plain" {
		return "text/plain; charset=utf-8"
	}
	if _, ok := attachmentKinds[ctype]; ok {
		return ctype
	}
	return "application/octet-stream"
}

// downloadName is the stored name made safe to save: no path, no control,
// format (bidirectional override) or header-breaking characters, at most
// 150 characters, and an extension that matches the sniffed type (a text
// file named page.html is saved as page.html.txt, so it does not open as
// a web page from disk).
func downloadName(name, ctype string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || strings.ContainsRune(`"\/;,:*?<>|`, r) {
			return '_'
		}
		return r
	}, name)
	clean = strings.Trim(clean, ". _")
	if clean == "" {
		clean = "attachment"
	}
	if rs := []rune(clean); len(rs) > 150 {
		clean = string(rs[:150])
	}
	if k, ok := attachmentKinds[ctype]; ok {
		ext := strings.ToLower(path.Ext(clean))
		same := ext == k.ext || (k.ext == ".jpg" && ext == ".jpeg") || (k.ext == ".mp4" && ext == ".m4v")
		if !same {
			clean += k.ext
		}
	}
	return clean
}

// contentDisposition makes an attachment header for name: an ASCII
// fallback and the exact UTF-8 name (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r > 0x7e {
			return '_'
		}
		return r
	}, name)
	var ext strings.Builder
	for _, b := range []byte(name) {
		if b < 0x80 && (unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b)) || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + ext.String()
}

// sarLinkCase links the report to one of the user's agency's cases.
func (s *Server) sarLinkCase(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	id, purpose := r.PathValue("id"), postedPurpose(r)
	caseID := r.PostFormValue("case_id")
	errs := newFormErrors()
	if caseID == "" {
		errs.add("case-id", "Case", "choose one of your agency's cases")
		return s.sarPage(w, r, http.StatusBadRequest, id, purpose, "", stepForm{}, errs)
	}
	_, err := s.svc.AttachSARToCase(r.Context(), id, caseID)
	if liaison.ErrorCode(err) == liaison.EINVALID {
		for _, fe := range liaison.ErrorFields(err) {
			errs.add("case-id", "Case", fe.Message)
		}
		if errs.empty() {
			errs.add("case-id", "Case", liaison.ErrorMessage(err))
		}
		return s.sarPage(w, r, http.StatusBadRequest, id, purpose, "", stepForm{}, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, sarBack(id, purpose, "case", "case"), http.StatusSeeOther)
	return nil
}

func (s *Server) sarPromotePage(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "purpose"); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	purpose := validPurpose(purposeParam(r))
	rep, err := s.svc.GetSAR(r.Context(), r.PathValue("id"), purpose)
	if err != nil {
		return err
	}
	f := emptyRecordForm(s.svc.Now())
	f.Title, f.Narrative, f.CaseID = rep.Title, rep.Narrative, rep.CaseID
	if rep.TLP != "" {
		f.TLP = string(rep.TLP)
	}
	return s.renderPromote(w, r, http.StatusOK, rep, purpose, f, nil)
}

// sarPromote writes the record: the form's labels and predicate, the
// report's involved entities as its subjects. The record form's parsing
// and error mapping; a refused form comes back with every field as typed.
func (s *Server) sarPromote(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := requireIntelWriter(r); err != nil {
		return err
	}
	ctx := r.Context()
	id, purpose := r.PathValue("id"), validPurpose(postedPurpose(r))
	f, in, _, _, errs := s.parseRecordForm(r)
	// The subjects are the report's; this form offers none of its own.
	in.Subjects, in.Links, f.Subjects, f.Links = nil, nil, nil, nil
	f.Version, in.Version = 0, 0
	again := func() error {
		rep, err := s.svc.GetSAR(ctx, id, purpose)
		if err != nil {
			return err
		}
		return s.renderPromote(w, r, http.StatusBadRequest, rep, purpose, f, errs)
	}
	if !errs.empty() {
		return again()
	}
	rec, err := s.svc.PromoteSAR(ctx, id, purpose, in)
	if liaison.ErrorCode(err) == liaison.EINVALID {
		addPromoteErrors(errs, err)
		return again()
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/records/"+rec.ID+"?"+url.Values{"purpose": {string(liaison.PurposeCriminalInvestigation)}, "done": {"created"}}.Encode(),
		http.StatusSeeOther)
	return nil
}

// addPromoteErrors files the service's errors under the promotion form's
// element ids: the record form's, and the report's subjects as one list.
func addPromoteErrors(errs *formErrors, err error) {
	fields := liaison.ErrorFields(err)
	if len(fields) == 0 {
		errs.add("rec-title", "Record", liaison.ErrorMessage(err))
	}
	for _, fe := range fields {
		if strings.HasPrefix(fe.Field, "subjects[") || strings.HasPrefix(fe.Field, "links[") {
			errs.add("promote-subjects", "Subjects from the report", fe.Field+": "+fe.Message)
			continue
		}
		id, label := recordFieldID(fe.Field, nil, nil)
		errs.add(id, label, fe.Message)
	}
}

// renderPromote renders the promotion form beside the report it promotes.
func (s *Server) renderPromote(w http.ResponseWriter, r *http.Request, status int, rep *service.ReleasedSAR, purpose liaison.Purpose,
	f *recordForm, errs *formErrors) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	cases, err := s.svc.MyCases(ctx)
	if err != nil {
		return err
	}
	comms, _, err := s.svc.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: me.AgencyID}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	subjects := make([]entityView, len(rep.Involved))
	for i, e := range rep.Involved {
		ev := entityView{Kind: string(e.Kind)}
		for _, k := range involvedKinds {
			if k.Value == e.Kind {
				ev.Kind = k.Label
			}
		}
		ev.Attrs = recordsAttrs(e.Attributes)
		subjects[i] = ev
	}
	data := map[string]any{"SAR": rep, "Purpose": purpose, "Form": f, "Cases": cases, "Communities": comms,
		"TLPs": liaison.TLPs, "Handlings": liaison.Handlings, "Sources": []string{"A", "B", "C", "D", "E", "F"}, "Infos": []int{1, 2, 3, 4, 5, 6},
		"Subjects": subjects, "Redacted": rep.AgencyID != me.AgencyID && rep.History == nil, "TLPNote": "The report's own label is the default.",
		"NarrativeHint": "The report's narrative, to edit as the record should tell it.", "NoCaseHint": true,
		"PredicateHint": "Why the report was suspicious is not enough by itself: say what crime, and what links the subjects to it."}
	errs.into(data)
	w.WriteHeader(status)
	s.render(w, r, "sar-promote.html", data)
	return nil
}
