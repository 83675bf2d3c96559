package storetest

import (
	"context"
	"testing"
	"time"

	"liaison"
)

// testAttachments: a file is stored once by content and linked to each
// report that carries it, with its name, when and by whom; lists come
// oldest first; a second link of the same file to a report conflicts on
// its hash, a link to no report names the report, and a file a report
// does not carry is not found through it.
func testAttachments(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	pd := NewAgency(1)
	u := NewUser("filer", pd)
	mk := func() *liaison.SAR {
		return &liaison.SAR{ID: liaison.NewID(), AgencyID: pd.ID, AuthorID: u.ID, Source: liaison.SourceOfficer, Title: "t",
			Narrative: "n", When: epoch, Where: liaison.Place{Address: "1 Main St"}, Categories: []liaison.Category{liaison.CatTheft},
			Involved: []liaison.Entity{}, State: liaison.SARDraft, History: []liaison.SARTransition{}, Created: epoch, Updated: epoch}
	}
	r1, r2 := mk(), mk()
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.CreateAgency(ctx, pd))
		must(t, tx.CreateUser(ctx, u))
		must(t, tx.CreateSAR(ctx, r1))
		return tx.CreateSAR(ctx, r2)
	}))
	photo := []byte("\x89PNG\r\n\x1a\n photo")
	note := []byte("plain notes")
	pa := &liaison.Attachment{Hash: "aa11", Name: "gate.png", ContentType: "image/png", Size: int64(len(photo)),
		Added: epoch.Add(time.Minute), AddedBy: u.ID}
	na := &liaison.Attachment{Hash: "bb22", Name: "notes.txt", ContentType: "text/plain", Size: int64(len(note)), Added: epoch}
	again := &liaison.Attachment{Hash: "aa11", Name: "same-photo.png", ContentType: "image/png", Size: int64(len(photo)),
		Added: epoch.Add(2 * time.Minute), AddedBy: u.ID}
	must(t, update(t, s, func(tx liaison.Tx) error {
		must(t, tx.AttachToSAR(ctx, r1.ID, pa, photo))
		must(t, tx.AttachToSAR(ctx, r1.ID, na, note))
		return tx.AttachToSAR(ctx, r2.ID, again, photo) // the same content on another report
	}))
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.AttachToSAR(ctx, r1.ID, again, photo) }), liaison.ECONFLICT, "sha256")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.AttachToSAR(ctx, liaison.NewID(), na, note) }), liaison.EINVALID, "sar_id")
	view(t, s, func(tx liaison.Tx) error {
		got, err := tx.ListSARAttachments(ctx, r1.ID)
		must(t, err)
		equal(t, "report 1's files, oldest first", got, []*liaison.Attachment{na, pa})
		got, err = tx.ListSARAttachments(ctx, r2.ID)
		must(t, err)
		equal(t, "report 2's files", got, []*liaison.Attachment{again})
		a, data, err := tx.ReadSARAttachment(ctx, r2.ID, "aa11")
		must(t, err)
		equal(t, "read file", a, again)
		equal(t, "read content", string(data), string(photo))
		_, _, err = tx.ReadSARAttachment(ctx, r2.ID, "bb22")
		wantErr(t, err, liaison.ENOTFOUND, "")
		_, _, err = tx.ReadSARAttachment(ctx, "not-an-id", "bb22")
		wantErr(t, err, liaison.ENOTFOUND, "")
		return nil
	})
}
