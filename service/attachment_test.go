package service_test

import (
	"testing"
	"time"

	"liaison"
	"liaison/sar"
	"liaison/service"
)

// TestSARAttachmentsListedToFullReadersOnly: a report's files are listed,
// with who attached them, to its agency and vetting chain and to a reader
// of the shared ISE-SAR whose agreement releases it in full; a reader of a
// redacted copy is refused, an agency that may not read the report is told
// it does not exist; every list and refusal is audited.
func TestSARAttachmentsListedToFullReadersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pd, other := e.agency("PD-ATT"), e.agency("PD-FAR")
	fc := ok(e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "FC-ATT", Name: "Fusion", Kind: liaison.AgencyFusionCenter, Country: "US",
		Contacts: []liaison.Contact{{Name: "Desk", Email: "desk@example.gov"}}}))(t)
	bank := ok(e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "BANK-ATT", Name: "Bank", Kind: liaison.AgencyPrivate, Country: "US",
		Contacts: []liaison.Contact{{Name: "FIU", Email: "fiu@example.com"}}}))(t)
	officer := e.userIn(pd, "o.att")
	sgt := e.userIn(pd, "s.att", liaison.RoleSupervisor)
	clerk := e.userIn(pd, "c.att", liaison.RoleAuditor) // any role of the agency sees its reports
	stranger := e.userIn(other, "x.att")
	liaisonU := e.userIn(bank, "b.att", liaison.RolePartnerLiaison)
	analyst := ok(e.svc.CreateUser(e.sys, liaison.UserInput{Login: "a.att", Name: "Analyst", Email: "a.att@example.gov", AgencyID: fc.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password}))(t)
	comm := ok(e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Area", Kind: liaison.CommunityFusionArea,
		Members: []liaison.ID{pd.ID, fc.ID, bank.ID}}))(t)
	for _, ag := range []struct {
		id  liaison.ID
		pii bool
	}{{fc.ID, true}, {bank.ID, false}} {
		_ = ok(e.svc.CreateAgreement(e.sys, liaison.AgreementInput{AgencyID: ag.id, CommunityID: comm.ID, LegalBasis: "SAR MOU",
			Purposes: []liaison.Purpose{liaison.PurposeCounterterrorism}, RecordKinds: []liaison.RecordKind{liaison.KindSAR},
			PIIAllowed: ag.pii, PrivateRelease: true, Expires: start.AddDate(1, 0, 0)}))(t)
	}

	in := service.GenerateSARs(1, 11)[0]
	in.Submit, in.When = true, liaison.SARTime{Time: start.Add(-2 * time.Hour)}
	r := ok(e.svc.CreateSAR(e.as(officer), in))(t)
	att := ok(e.svc.Attach(e.as(officer), r.ID, "gate.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")))(t)
	if att.AddedBy != officer.ID || att.ContentType != "image/png" {
		t.Fatalf("attached %+v: want the officer as who and image/png", att)
	}
	// The agency's auditor sees the report but does not add to it.
	_, err := e.svc.Attach(e.as(clerk), r.ID, "more.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRmore"))
	wantErr(t, err, liaison.EFORBIDDEN, "")
	if n := len(e.audit(liaison.AuditFilter{Action: "sar.attach", Outcome: liaison.OutcomeDenied})); n != 1 {
		t.Errorf("the auditor's refused attachment audited %d times, want once", n)
	}
	list := func(u *liaison.User) ([]*liaison.Attachment, error) {
		return e.svc.SARAttachments(e.as(u), r.ID, liaison.PurposeCounterterrorism)
	}
	for _, u := range []*liaison.User{officer, clerk} {
		got, err := list(u)
		must(t, err)
		if len(got) != 1 || got[0].Hash != att.Hash || got[0].Name != "gate.png" || got[0].AddedBy != officer.ID || !got[0].Added.Equal(start) {
			t.Fatalf("%s's list = %+v", u.Login, got)
		}
	}
	// Before step 2, outside the agency and its vetting chain nobody sees it.
	for _, u := range []*liaison.User{stranger, analyst, liaisonU} {
		_, err := list(u)
		wantErr(t, err, liaison.ENOTFOUND, "")
	}
	_, err = e.svc.StepSAR(e.as(sgt), r.ID, service.StepInput{Step: sar.Forward})
	must(t, err)
	if got, err := list(analyst); err != nil || len(got) != 1 {
		t.Fatalf("step-2 analyst's list = %v, %v", got, err)
	}
	_, err = e.svc.StepSAR(e.as(analyst), r.ID, service.StepInput{Step: sar.Share, Communities: []liaison.ID{comm.ID},
		Corroboration: "Seen at two other sites by patrol this month.", TLP: liaison.TLPAmber})
	must(t, err)

	// Shared: the fusion center's agreement includes personal data; the
	// bank's does not, so it reads a redacted copy and gets no files.
	if got, err := list(analyst); err != nil || len(got) != 1 {
		t.Fatalf("fusion center's list of the ISE-SAR = %v, %v", got, err)
	}
	_, err = list(liaisonU)
	wantErr(t, err, liaison.EFORBIDDEN, "")
	_, err = list(stranger)
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.SARAttachments(e.as(officer), liaison.NewID(), "")
	wantErr(t, err, liaison.ENOTFOUND, "")
	_, err = e.svc.SARAttachments(e.as(officer), r.ID, "curiosity")
	wantErr(t, err, liaison.EINVALID, "purpose")
	_, err = e.svc.SARAttachments(e.anon, r.ID, "")
	wantErr(t, err, liaison.EUNAUTHORIZED, "")

	// A download follows the same decision as the list.
	for _, c := range []struct {
		u    *liaison.User
		code string
	}{{officer, ""}, {analyst, ""}, {liaisonU, liaison.ENOTFOUND}, {stranger, liaison.ENOTFOUND}} {
		got, data, err := e.svc.ReadAttachment(e.as(c.u), r.ID, att.Hash, liaison.PurposeCounterterrorism)
		if liaison.ErrorCode(err) != c.code || (c.code == "" && (got.Hash != att.Hash || len(data) != int(att.Size))) {
			t.Errorf("%s's download: %v, %v; want %q", c.u.Login, got, err, c.code)
		}
	}

	if reads := outcomes(e.audit(liaison.AuditFilter{Action: "sar.attachment.read", ObjectID: r.ID})); reads[liaison.OutcomeSuccess] != 2 ||
		reads[liaison.OutcomeDenied] != 1 {
		t.Errorf("sar.attachment.read by outcome = %v, want 2 downloads and the redacted reader's refusal", reads)
	}
	evs := e.audit(liaison.AuditFilter{Action: "sar.attachments", ObjectID: r.ID})
	if got := outcomes(evs); got[liaison.OutcomeSuccess] != 4 || got[liaison.OutcomeDenied] != 5 {
		t.Fatalf("sar.attachments entries by outcome = %v, want 4 lists and 5 refusals", got)
	}
	for _, ev := range evs {
		if ev.Outcome == liaison.OutcomeSuccess && ev.Details["listed"] != "1" || ev.Decision == "" {
			t.Errorf("entry %+v: want the count listed and the decision", ev)
		}
	}
}

// ok returns v, failing the test on err.
func ok[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		must(t, err)
		return v
	}
}

// TestSARAttachmentOfPublicTip: a public tip has no author; its files
// still go to the analyst who holds it for step 2, listed and downloaded
// alike (a check on the author once refused them), and stay with the
// vetting chain once the tip is retained locally.
func TestSARAttachmentOfPublicTip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pd := e.agency("PD-TIP")
	fc := ok(e.svc.CreateAgency(e.sys, liaison.AgencyInput{Code: "FC-TIP", Name: "Fusion", Kind: liaison.AgencyFusionCenter, Country: "US",
		Contacts: []liaison.Contact{{Name: "Desk", Email: "desk@example.gov"}}}))(t)
	// The fusion center's area holds the department: its vetting chain.
	_ = ok(e.svc.CreateCommunity(e.sys, liaison.CommunityInput{Name: "Tip area", Kind: liaison.CommunityFusionArea, Members: []liaison.ID{pd.ID, fc.ID}}))(t)
	clerk := e.userIn(pd, "c.tip")
	sgt := e.userIn(pd, "s.tip", liaison.RoleSupervisor)
	analyst := ok(e.svc.CreateUser(e.sys, liaison.UserInput{Login: "a.tip", Name: "Analyst", Email: "a.tip@example.gov", AgencyID: fc.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password}))(t)
	_ = ok(e.svc.SubmitTip(e.anon, service.TipInput{AgencyID: pd.ID, What: "A man photographed the reservoir intake for an hour.",
		Where: "Reservoir Rd", When: liaison.SARTime{Time: start.Add(-time.Hour)}}))(t)
	var id liaison.ID
	must(t, e.store.View(e.sys, func(tx liaison.Tx) error {
		rs, err := tx.ListSARs(e.sys, liaison.SARFilter{AgencyID: pd.ID}, liaison.Page{Limit: 10})
		if len(rs) == 1 {
			id = rs[0].ID
		}
		return err
	}))
	att := ok(e.svc.Attach(e.as(clerk), id, "intake.txt", []byte("Photos on the patrol phone, times 14:02-15:05.")))(t)
	_, err := e.svc.StepSAR(e.as(sgt), id, service.StepInput{Step: sar.Forward})
	must(t, err)
	if got, err := e.svc.SARAttachments(e.as(analyst), id, ""); err != nil || len(got) != 1 {
		t.Fatalf("step-2 analyst's list of a tip: %v, %v", got, err)
	}
	if _, data, err := e.svc.ReadAttachment(e.as(analyst), id, att.Hash, ""); err != nil || len(data) != int(att.Size) {
		t.Fatalf("step-2 analyst's download of a tip's file: %v", err)
	}
	other := ok(e.svc.CreateUser(e.sys, liaison.UserInput{Login: "b.tip", Name: "Analyst B", Email: "b.tip@example.gov", AgencyID: fc.ID,
		Roles: []liaison.Role{liaison.RoleAnalyst}, Attributes: liaison.Attributes{Part23Trained: true}, Password: password}))(t)
	_, err = e.svc.StepSAR(e.as(analyst), id, service.StepInput{Step: sar.RetainLocal, Reason: "no nexus found"})
	must(t, err)
	// Retained locally: the analyst who decided stays in its chain; another does not.
	if _, _, err := e.svc.ReadAttachment(e.as(analyst), id, att.Hash, ""); err != nil {
		t.Fatalf("the deciding analyst after retaining: %v", err)
	}
	_, _, err = e.svc.ReadAttachment(e.as(other), id, att.Hash, "")
	wantErr(t, err, liaison.ENOTFOUND, "")
	evs := e.audit(liaison.AuditFilter{Action: "sar.attachment.read", ObjectID: id})
	if got := outcomes(evs); got[liaison.OutcomeSuccess] != 2 {
		t.Fatalf("sar.attachment.read by outcome = %v, want the two downloads", got)
	}
}
