package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/audit"
)

// testSARsInBulk pins CreateSARs: every report and its shares are kept, as
// CreateSAR keeps them, and one bad report keeps none.
func testSARsInBulk(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	pd := NewAgency(1)
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateAgency(ctx, pd) }))
	comm := liaison.NewID()
	mk := func(state liaison.SARState, tlp liaison.TLP, shared ...liaison.ID) *liaison.SAR {
		return &liaison.SAR{ID: liaison.NewID(), AgencyID: pd.ID, AuthorID: "a1", Source: liaison.SourceOfficer, Title: "t",
			Narrative: "n", When: epoch, Where: liaison.Place{Address: "1 Main St"}, Categories: []liaison.Category{liaison.CatTheft},
			Involved: []liaison.Entity{}, State: state, History: []liaison.SARTransition{}, TLP: tlp, SharedWith: shared, Created: epoch, Updated: epoch}
	}
	batch := []*liaison.SAR{mk(liaison.SARDraft, ""), mk(liaison.SARShared, liaison.TLPGreen, comm), mk(liaison.SARSubmitted, "")}
	must(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSARs(ctx, batch) }))
	bad := []*liaison.SAR{mk(liaison.SARDraft, ""), mk(liaison.SARDraft, "")}
	bad[1].AgencyID = liaison.NewID()
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSARs(ctx, bad) }), liaison.EINVALID, "agency_id")
	wantErr(t, update(t, s, func(tx liaison.Tx) error { return tx.CreateSARs(ctx, batch[:1]) }), liaison.ECONFLICT, "id")
	view(t, s, func(tx liaison.Tx) error {
		for _, r := range batch {
			got, err := tx.FindSAR(ctx, r.ID)
			must(t, err)
			equalJSON(t, "sar", got, r)
		}
		_, err := tx.FindSAR(ctx, bad[0].ID)
		wantErr(t, err, liaison.ENOTFOUND, "")
		shared, err := tx.ListSARs(ctx, liaison.SARFilter{SharedWith: []liaison.ID{comm}}, liaison.Page{})
		must(t, err)
		equal(t, "shared reports", len(shared), 1)
		return nil
	})
}

// testAuditObjects pins the index of entries that name many objects: a
// filter on ObjectID finds them as it finds an entry's own object, and
// ScanAuditIndex gives the indexed objects back for VerifyIndex.
func testAuditObjects(t *testing.T, s liaison.Store) {
	ctx := context.Background()
	single := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "ana", Action: "sar.create", ObjectType: "sar",
		ObjectID: "r1", Outcome: liaison.OutcomeSuccess}
	bulk := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "ana", Action: "sar.create", ObjectType: "sar",
		Outcome: liaison.OutcomeSuccess, Details: map[string]string{liaison.AuditObjectsDetail: "r3 r1 r2 r2", "count": "3"}}
	other := &liaison.AuditEvent{ID: liaison.NewID(), At: epoch, Actor: "ana", Action: "sar.read", ObjectType: "sar",
		ObjectID: "r9", Outcome: liaison.OutcomeSuccess}
	must(t, update(t, s, func(tx liaison.Tx) error {
		for _, e := range []*liaison.AuditEvent{single, bulk, other} {
			if err := audit.Append(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	}))
	sequence(t, s)
	for i, e := range []*liaison.AuditEvent{single, bulk, other} {
		e.Index = int64(i)
	}
	view(t, s, func(tx liaison.Tx) error {
		r1, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{ObjectID: "r1"}, liaison.Page{})
		must(t, err)
		equal(t, "entries naming r1", r1, []*liaison.AuditEvent{single, bulk})
		r2, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{ObjectID: "r2", Action: "sar.create"}, liaison.Page{})
		must(t, err)
		equal(t, "entries naming r2", r2, []*liaison.AuditEvent{bulk})
		after, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{ObjectID: "r1"}, liaison.Page{After: "0"})
		must(t, err)
		equal(t, "entries naming r1 after index 0", after, []*liaison.AuditEvent{bulk})
		none, err := tx.ListAuditEvents(ctx, liaison.AuditFilter{ObjectID: "r4"}, liaison.Page{})
		must(t, err)
		equal(t, "entries naming r4", len(none), 0)
		var indexed []string
		must(t, tx.ScanAuditIndex(ctx, func(idx int64, _ []byte, col *liaison.AuditEvent) error {
			objs := strings.Fields(col.Details[liaison.AuditObjectsDetail])
			slices.Sort(objs)
			indexed = append(indexed, fmt.Sprintf("%d:%s:%s", idx, col.ObjectID, strings.Join(objs, ",")))
			return nil
		}))
		equal(t, "indexed objects", indexed, []string{"0:r1:", "1::r1,r2,r3", "2:r9:"})
		return nil
	})
}
