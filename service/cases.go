package service

import (
	"context"
	"slices"
	"strings"

	"liaison"
)

// Who may be assigned to a case. Assignment is need-to-know for the case's
// records (policy: case_assigned), so it goes only to people who could
// work the case: active accounts of the lead agency or of an agency that
// shares a community with it. Private-sector partners never are: they
// never receive raw criminal intelligence (private-sector-no-raw-intelligence),
// and the assignment alone would show them the case.

// assignedIDs checks that every assigned entry is a user id; EINVALID
// (assigned[i], i its place in the request).
func assignedIDs(assigned []liaison.ID) error {
	var p liaison.Problems
	for i, id := range assigned {
		if !liaison.ValidID(id) {
			p.Add("assigned["+itoa(i)+"]", "must be a user id")
		}
	}
	return p.Err()
}

// errNoCase is the answer for a case that is missing and for one the
// caller may not see: the same words, so that ids cannot be probed.
func errNoCase() error { return liaison.Errorf(liaison.ENOTFOUND, "no such case") }

// caseAgencies returns the agencies whose staff may be assigned to a case
// led by lead, by id.
func caseAgencies(ctx context.Context, tx liaison.Tx, lead liaison.ID) (map[liaison.ID]*liaison.Agency, error) {
	comms, err := tx.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: lead}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return nil, err
	}
	ids := []liaison.ID{lead}
	for _, c := range comms {
		ids = append(ids, c.Members...)
	}
	out := map[liaison.ID]*liaison.Agency{}
	for _, id := range uniqueIDs(ids) {
		a, err := tx.FindAgencyByID(ctx, id)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if a.Kind != liaison.AgencyPrivate || id == lead {
			out[id] = a
		}
	}
	return out, nil
}

// checkAssignees refuses the users newly assigned to a case led by lead
// who may not be: malformed ids, unknown, disabled, or of an agency
// caseAgencies leaves out. Those in before are assigned already and stay unchecked, so that a
// case keeps (and can drop) people whose agency has since left a community.
// EINVALID (assigned[i], i the place in assigned).
func checkAssignees(ctx context.Context, tx liaison.Tx, lead liaison.ID, assigned, before []liaison.ID) error {
	var p liaison.Problems
	var agencies map[liaison.ID]*liaison.Agency
	for i, id := range assigned {
		if slices.Contains(before, id) {
			continue
		}
		field := "assigned[" + itoa(i) + "]"
		if !liaison.ValidID(id) {
			p.Add(field, "must be a user id")
			continue
		}
		u, err := tx.FindUserByID(ctx, id)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			p.Add(field, "must be one of the users offered: no account has this id")
			continue
		} else if err != nil {
			return err
		}
		if u.Disabled {
			p.Add(field, "must be an active account: %s's is disabled", u.Name)
			continue
		}
		if agencies == nil {
			if agencies, err = caseAgencies(ctx, tx, lead); err != nil {
				return err
			}
		}
		if agencies[u.AgencyID] == nil {
			p.Add(field, "must work for the lead agency or an agency that shares a community with it, and not for a private-sector partner: "+
				"%s's agency may not be assigned to this case", u.Name)
		}
	}
	return p.Err()
}

// CaseCandidates lists the people who may be added to a case whose login,
// name or e-mail address contains text: active staff of the agencies
// AssignCase accepts, not assigned yet, by name; at most limit (clamped
// to [1, MaxPageSize]) and whether more matched. It answers those who may
// change the case's assignments: ENOTFOUND to anyone FindCase would not
// show the case (audited as a missing case is), EFORBIDDEN (audited) to
// the rest; EINVALID (q). The listing is audited as a user list naming
// the case.
func (s *Service) CaseCandidates(ctx context.Context, id liaison.ID, text string, limit int) ([]*liaison.User, bool, error) {
	a := liaison.ActorFrom(ctx)
	if a.User == nil {
		return nil, false, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	text, err := userText(text)
	if err != nil {
		return nil, false, err
	}
	limit = liaison.Page{Limit: limit}.Clamp().Limit
	var out []*liaison.User
	var more bool
	var refused, hidden error
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		c, err := s.visibleCase(ctx, tx, a.User, id)
		if err != nil {
			return err
		}
		if c == nil {
			return s.hide(ctx, tx, &hidden, "case.candidates", "case", id, errNoCase())
		}
		if !c.ManagedBy(a.User) {
			refused = liaison.Errorf(liaison.EFORBIDDEN, "only the lead agency's supervisors and assigned staff change a case's assignments")
			return nil
		}
		agencies, err := caseAgencies(ctx, tx, c.AgencyID)
		if err != nil {
			return err
		}
		for _, ag := range agencies {
			found, err := activeUsers(ctx, tx, liaison.UserFilter{AgencyID: ag.ID, Text: text}, c.Assigned, limit+1)
			if err != nil {
				return err
			}
			for _, u := range found {
				if ag.ID == a.User.AgencyID {
					out = append(out, u)
					continue
				}
				// Another agency's staff are found by login or name only, and
				// shown as a name card with their roles (whom to assign):
				// their e-mail, clearance and attributes are not the caller's
				// to search or to read.
				if text != "" && !strings.Contains(strings.ToLower(u.Login), strings.ToLower(text)) &&
					!strings.Contains(strings.ToLower(u.Name), strings.ToLower(text)) {
					continue
				}
				out = append(out, &liaison.User{ID: u.ID, Login: u.Login, Name: u.Name, AgencyID: u.AgencyID, Roles: u.Roles})
			}
		}
		slices.SortFunc(out, func(x, y *liaison.User) int {
			if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
				return c
			}
			return strings.Compare(x.Login, y.Login)
		})
		more, out = len(out) > limit, out[:min(len(out), limit)]
		e := liaison.NewAuditEvent(ctx, s.now(), "user.list", "user", "")
		e.Details = map[string]string{"case_id": c.ID, "listed": itoa(len(out))}
		if text != "" {
			e.Details["q"] = text
		}
		return s.audit(ctx, tx, e)
	})
	if refused != nil {
		return nil, false, s.denied(ctx, "case.candidates", "case", id, refused)
	}
	if err == nil {
		err = hidden
	}
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

// activeUsers returns up to n users f selects, leaving out disabled
// accounts and those in skip, paging through the store as needed.
func activeUsers(ctx context.Context, tx liaison.Tx, f liaison.UserFilter, skip []liaison.ID, n int) ([]*liaison.User, error) {
	var out []*liaison.User
	p := liaison.Page{Limit: liaison.MaxPageSize}
	for len(out) < n {
		us, err := tx.ListUsers(ctx, f, p)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled && !slices.Contains(skip, u.ID) && len(out) < n {
				out = append(out, u)
			}
		}
		if len(us) < p.Limit {
			break
		}
		p.After = us[len(us)-1].ID
	}
	return out, nil
}
