package liaison

import (
	"encoding/json"
	"time"
)

// Search reads every candidate the index returns live from the store, to
// decide on its live labels; most candidates are never shown. Their label
// form is what search decides, filters and points on, without the text
// and subjects (decoding those was most of reading a candidate).

// SARLabels is r's label form: id, agency, state, TLP, communities, case,
// no-pointer, time, categories and coordinates; no text, no subjects, no
// history.
func SARLabels(r *SAR) *SAR {
	return &SAR{ID: r.ID, AgencyID: r.AgencyID, When: r.When, Where: Place{Lat: r.Where.Lat, Lon: r.Where.Lon}, Categories: r.Categories,
		State: r.State, TLP: r.TLP, SharedWith: r.SharedWith, CaseID: r.CaseID, NoPointer: r.NoPointer}
}

// IntelLabels is r's label form: id, originator, TLP, handling, named
// recipients, communities, case, no-pointer, creation and the purge mark;
// no text, no subjects.
func IntelLabels(r *IntelRecord) *IntelRecord {
	return &IntelRecord{ID: r.ID, Originator: r.Originator, TLP: r.TLP, Handling: r.Handling, Recipients: r.Recipients,
		SharedWith: r.SharedWith, CaseID: r.CaseID, NoPointer: r.NoPointer, Created: r.Created, Purged: r.Purged}
}

type sarLabels struct {
	ID       ID        `json:"id"`
	AgencyID ID        `json:"agency_id"`
	When     time.Time `json:"when"`
	Where    struct {
		Lat *float64 `json:"lat"`
		Lon *float64 `json:"lon"`
	} `json:"where"`
	Categories []Category `json:"categories"`
	State      SARState   `json:"state"`
	TLP        TLP        `json:"tlp"`
	SharedWith []ID       `json:"shared_with"`
	CaseID     ID         `json:"case_id"`
	NoPointer  bool       `json:"no_pointer"`
}

// DecodeSARLabels decodes a stored report's JSON into its label form, as
// SARLabels gives it, without decoding the rest.
func DecodeSARLabels(body []byte) (*SAR, error) {
	var l sarLabels
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	return &SAR{ID: l.ID, AgencyID: l.AgencyID, When: l.When, Where: Place{Lat: l.Where.Lat, Lon: l.Where.Lon}, Categories: l.Categories,
		State: l.State, TLP: l.TLP, SharedWith: l.SharedWith, CaseID: l.CaseID, NoPointer: l.NoPointer}, nil
}

type intelLabels struct {
	ID         ID        `json:"id"`
	Originator ID        `json:"originator_agency_id"`
	TLP        TLP       `json:"tlp"`
	Handling   Handling  `json:"handling"`
	Recipients []ID      `json:"recipients"`
	SharedWith []ID      `json:"shared_with"`
	CaseID     ID        `json:"case_id"`
	NoPointer  bool      `json:"no_pointer"`
	Created    time.Time `json:"created_at"`
	Purged     bool      `json:"purged"`
}

// DecodeIntelLabels decodes a stored record's JSON into its label form, as
// IntelLabels gives it.
func DecodeIntelLabels(body []byte) (*IntelRecord, error) {
	var l intelLabels
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	return &IntelRecord{ID: l.ID, Originator: l.Originator, TLP: l.TLP, Handling: l.Handling, Recipients: l.Recipients,
		SharedWith: l.SharedWith, CaseID: l.CaseID, NoPointer: l.NoPointer, Created: l.Created, Purged: l.Purged}, nil
}
