package service

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"liaison"
)

// CreateAgency adds an agency to the partnership. Admins only; ECONFLICT if
// the code is taken, EINVALID naming the fields at fault.
func (s *Service) CreateAgency(ctx context.Context, in liaison.AgencyInput) (*liaison.Agency, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "agency.create", "agency", "", err)
	}
	now := s.now()
	a := &liaison.Agency{ID: liaison.NewID(), Code: in.Code, Name: in.Name, Kind: in.Kind, Country: in.Country,
		Contacts: in.Contacts, Created: now, Updated: now}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateAgency(ctx, a); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "agency.create", "agency", a.ID)
		e.Details = map[string]string{"code": a.Code, "kind": string(a.Kind)}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAgency changes an agency. Admins only; ENOTFOUND, EINVALID.
func (s *Service) UpdateAgency(ctx context.Context, id liaison.ID, up liaison.AgencyUpdate) (*liaison.Agency, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "agency.update", "agency", id, err)
	}
	var a *liaison.Agency
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if a, err = findAgency(ctx, tx, id); err != nil {
			return err
		}
		setIf(&a.Name, up.Name)
		setIf(&a.Kind, up.Kind)
		setIf(&a.Country, up.Country)
		setIf(&a.Contacts, up.Contacts)
		a.Updated = s.now()
		a.Normalize()
		if err := a.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateAgency(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, a.Updated, "agency.update", "agency", a.ID))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// FindAgency returns an agency by id or code; ENOTFOUND.
func (s *Service) FindAgency(ctx context.Context, idOrCode string) (*liaison.Agency, error) {
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	var a *liaison.Agency
	err := s.read(ctx, "agency.read", "agency", nil, func(tx liaison.Tx) (string, error) {
		var err error
		if a, err = findAgency(ctx, tx, idOrCode); err != nil {
			return "", err
		}
		return a.ID, nil
	})
	return a, err
}

func findAgency(ctx context.Context, tx liaison.Tx, idOrCode string) (*liaison.Agency, error) {
	if liaison.ValidID(idOrCode) {
		return tx.FindAgencyByID(ctx, idOrCode)
	}
	return tx.FindAgencyByCode(ctx, strings.ToUpper(idOrCode))
}

// ListAgencies returns one page of agencies and the cursor of the next.
func (s *Service) ListAgencies(ctx context.Context, f liaison.AgencyFilter, p liaison.Page) ([]*liaison.Agency, string, error) {
	if err := requireUser(ctx); err != nil {
		return nil, "", err
	}
	f.Country = strings.ToUpper(f.Country)
	if f.Kind != "" && !slices.Contains(liaison.AgencyKinds, f.Kind) {
		return nil, "", liaison.FieldErrorf("kind", "must be one of the agency kinds")
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.Agency
	err := s.read(ctx, "agency.list", "agency", map[string]string{"kind": string(f.Kind), "country": f.Country}, func(tx liaison.Tx) (string, error) {
		var err error
		out, err = tx.ListAgencies(ctx, f, p.Clamp())
		return "", err
	})
	return out, next(out, p, func(a *liaison.Agency) string { return a.ID }), err
}

// CreateUser opens an account. Admins only; ECONFLICT on a taken login,
// EINVALID (agency_id) if the home agency does not exist.
func (s *Service) CreateUser(ctx context.Context, in liaison.UserInput) (*liaison.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "user.create", "user", "", err)
	}
	now := s.now()
	u := &liaison.User{ID: liaison.NewID(), Login: in.Login, Name: in.Name, Email: in.Email, AgencyID: in.AgencyID,
		Roles: in.Roles, Attributes: in.Attributes, Created: now, Updated: now}
	u.Normalize()
	var p liaison.Problems
	if err := u.Validate(); err != nil {
		p = append(p, liaison.ErrorFields(err)...)
	}
	if err := CheckPassword("password", in.Password); err != nil {
		p = append(p, liaison.ErrorFields(err)...)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	err = s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "user.create", "user", u.ID)
		e.Details = permissionDetails(u)
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func permissionDetails(u *liaison.User) map[string]string {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return map[string]string{"login": u.Login, "agency_id": u.AgencyID, "roles": strings.Join(roles, ","),
		"clearance": string(u.Attributes.Clearance), "sworn_officer": boolStr(u.Attributes.SwornOfficer),
		"part23_trained": boolStr(u.Attributes.Part23Trained), "disabled": boolStr(u.Disabled)}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// UpdateUser changes an account. Admins only; a change of roles,
// attributes, agency or the disabled flag is audited as a permission change
// and ends the user's sessions. ENOTFOUND, EINVALID.
func (s *Service) UpdateUser(ctx context.Context, id liaison.ID, up liaison.UserUpdate) (*liaison.User, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "user.update", "user", id, err)
	}
	var u *liaison.User
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if u, err = findUser(ctx, tx, id); err != nil {
			return err
		}
		before := permissionDetails(u)
		wasAdmin := activeAdmin(u)
		setIf(&u.Name, up.Name)
		setIf(&u.Email, up.Email)
		setIf(&u.AgencyID, up.AgencyID)
		setIf(&u.Roles, up.Roles)
		setIf(&u.Attributes, up.Attributes)
		setIf(&u.Disabled, up.Disabled)
		u.Updated = s.now()
		u.Normalize()
		if err := u.Validate(); err != nil {
			return err
		}
		if wasAdmin && !activeAdmin(u) {
			if err := keepAnAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		after := permissionDetails(u)
		action := "user.update"
		if !mapsEqual(before, after) {
			action = "user.permissions"
			if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		e := liaison.NewAuditEvent(ctx, u.Updated, action, "user", u.ID)
		e.Details = diff(before, after)
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// activeAdmin reports whether u can administer the deployment.
func activeAdmin(u *liaison.User) bool { return u.Has(liaison.RoleAdmin) && !u.Disabled }

// keepAnAdmin fails unless someone other than u can still administer the
// deployment: without one, nobody could enable an account, reset a second
// factor or end an agreement again. It takes the audit log's lock before
// it reads, which every audited change holds until it commits, so two
// administrators demoting each other at once cannot both pass the check
// (PostgreSQL runs read committed; SQLite has one writer anyway).
func keepAnAdmin(ctx context.Context, tx liaison.Tx, u *liaison.User) error {
	if err := tx.LockAuditLog(ctx); err != nil {
		return err
	}
	page := liaison.Page{Limit: liaison.MaxPageSize}
	for {
		admins, err := tx.ListUsers(ctx, liaison.UserFilter{Role: liaison.RoleAdmin}, page)
		if err != nil {
			return err
		}
		for _, a := range admins {
			if a.ID != u.ID && !a.Disabled {
				return nil
			}
		}
		if len(admins) < page.Limit {
			break
		}
		page.After = admins[len(admins)-1].ID
	}
	field, msg := "roles", "would leave no enabled administrator: give another user the admin role first"
	if u.Disabled && u.Has(liaison.RoleAdmin) {
		field, msg = "disabled", "would leave no enabled administrator: give another user the admin role before disabling this one"
	}
	return liaison.FieldErrorf(field, "%s", msg)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// diff lists changed keys as "old -> new".
func diff(before, after map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range after {
		if before[k] != v {
			out[k] = before[k] + " -> " + v
		}
	}
	return out
}

// FindUser returns a user by id or login; ENOTFOUND. Administrators and
// the user themself get the whole account. Anyone else gets a name card
// (id, login, name and home agency), enough to say who added,
// assigned or vetted something, never roles, clearance or e-mail address.
// A user of a private-sector or international partner sees only its own
// agency's users: any other answers as a missing one does.
func (s *Service) FindUser(ctx context.Context, idOrLogin string) (*liaison.User, error) {
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	a := liaison.ActorFrom(ctx)
	var u *liaison.User
	err := s.read(ctx, "user.read", "user", nil, func(tx liaison.Tx) (string, error) {
		var own *liaison.Agency
		if !a.IsAdmin() {
			// Read before the lookup, so that hidden and missing cost alike.
			var err error
			if own, err = tx.FindAgencyByID(ctx, a.User.AgencyID); err != nil {
				return "", err
			}
		}
		found, err := findUser(ctx, tx, idOrLogin)
		if liaison.ErrorCode(err) == liaison.ENOTFOUND {
			return "", errNoUser()
		} else if err != nil {
			return "", err
		}
		switch {
		case a.IsAdmin() || found.ID == a.User.ID:
			u = found
		case (own.Kind == liaison.AgencyPrivate || own.Kind == liaison.AgencyInternational) && found.AgencyID != own.ID:
			return "", errNoUser()
		default:
			u = userCard(found)
		}
		return u.ID, nil
	})
	return u, err
}

// errNoUser is the one answer for a user that does not exist and for one
// the caller may not see.
func errNoUser() error { return liaison.Errorf(liaison.ENOTFOUND, "no such user") }

// userCard is the part of u every user may see of another: id, login,
// name and home agency.
func userCard(u *liaison.User) *liaison.User {
	return &liaison.User{ID: u.ID, Login: u.Login, Name: u.Name, AgencyID: u.AgencyID}
}

// ListUsers returns one page of users and the cursor of the next. The
// staff list is the administrators': anyone else is refused (EFORBIDDEN)
// and finds an agency's points of contact on the agency.
func (s *Service) ListUsers(ctx context.Context, f liaison.UserFilter, p liaison.Page) ([]*liaison.User, string, error) {
	if err := requireUser(ctx); err != nil {
		return nil, "", err
	}
	if !liaison.ActorFrom(ctx).IsAdmin() {
		return nil, "", s.denied(ctx, "user.list", "user", "", liaison.Errorf(liaison.EFORBIDDEN,
			"only administrators list users; an agency's points of contact are listed with the agency"))
	}
	if f.Role != "" && !slices.Contains(liaison.Roles, f.Role) {
		return nil, "", liaison.FieldErrorf("role", "must be one of the roles")
	}
	if f.AgencyID != "" && !liaison.ValidID(f.AgencyID) {
		return nil, "", liaison.FieldErrorf("agency_id", "must be an agency id")
	}
	var err error
	if f.Text, err = userText(f.Text); err != nil {
		return nil, "", err
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.User
	details := map[string]string{"agency_id": f.AgencyID, "role": string(f.Role)}
	if f.Text != "" {
		details["q"] = f.Text
	}
	err = s.read(ctx, "user.list", "user", details, func(tx liaison.Tx) (string, error) {
		var err error
		out, err = tx.ListUsers(ctx, f, p.Clamp())
		return "", err
	})
	return out, next(out, p, func(u *liaison.User) string { return u.ID }), err
}

// userText checks the text a user search looks for (UserFilter.Text);
// EINVALID (q).
func userText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > 100 || !utf8.ValidString(text) || strings.ContainsFunc(text, unicode.IsControl) {
		return "", liaison.FieldErrorf("q", "must be at most 100 printable characters of a login, name or e-mail address")
	}
	return text, nil
}

// CreateCommunity forms a community of agencies. Admins only; ECONFLICT on
// a taken name, EINVALID (members) for an unknown agency.
func (s *Service) CreateCommunity(ctx context.Context, in liaison.CommunityInput) (*liaison.Community, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "community.create", "community", "", err)
	}
	now := s.now()
	c := &liaison.Community{ID: liaison.NewID(), Name: in.Name, Kind: in.Kind, Description: in.Description,
		Members: in.Members, Created: now, Updated: now}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateCommunity(ctx, c); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "community.create", "community", c.ID)
		e.Details = map[string]string{"members": strings.Join(c.Members, ",")}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCommunity changes a community; membership changes are audited as
// permission changes. Admins only; ENOTFOUND, ECONFLICT, EINVALID.
func (s *Service) UpdateCommunity(ctx context.Context, id liaison.ID, up liaison.CommunityUpdate) (*liaison.Community, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "community.update", "community", id, err)
	}
	var c *liaison.Community
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if c, err = tx.FindCommunityByID(ctx, id); err != nil {
			return err
		}
		before := strings.Join(c.Members, ",")
		setIf(&c.Name, up.Name)
		setIf(&c.Kind, up.Kind)
		setIf(&c.Description, up.Description)
		setIf(&c.Members, up.Members)
		c.Updated = s.now()
		c.Normalize()
		if err := c.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateCommunity(ctx, c); err != nil {
			return err
		}
		action, after := "community.update", strings.Join(c.Members, ",")
		e := liaison.NewAuditEvent(ctx, c.Updated, action, "community", c.ID)
		if before != after {
			e.Action = "community.members"
			e.Details = map[string]string{"members": before + " -> " + after}
		}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FindCommunity returns a community; ENOTFOUND.
func (s *Service) FindCommunity(ctx context.Context, id liaison.ID) (*liaison.Community, error) {
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	if !liaison.ValidID(id) {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no community %q", id)
	}
	var c *liaison.Community
	err := s.read(ctx, "community.read", "community", nil, func(tx liaison.Tx) (string, error) {
		var err error
		c, err = tx.FindCommunityByID(ctx, id)
		return id, err
	})
	return c, err
}

// ListCommunities returns one page of communities and the next cursor.
func (s *Service) ListCommunities(ctx context.Context, f liaison.CommunityFilter, p liaison.Page) ([]*liaison.Community, string, error) {
	if err := requireUser(ctx); err != nil {
		return nil, "", err
	}
	if f.AgencyID != "" && !liaison.ValidID(f.AgencyID) {
		return nil, "", liaison.FieldErrorf("agency_id", "must be an agency id")
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.Community
	err := s.read(ctx, "community.list", "community", map[string]string{"agency_id": f.AgencyID}, func(tx liaison.Tx) (string, error) {
		var err error
		out, err = tx.ListCommunities(ctx, f, p.Clamp())
		return "", err
	})
	return out, next(out, p, func(c *liaison.Community) string { return c.ID }), err
}

// CreateAgreement records what an agency may receive from a community.
// Admins only; EINVALID for an expired agreement or unknown parties.
func (s *Service) CreateAgreement(ctx context.Context, in liaison.AgreementInput) (*liaison.Agreement, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "agreement.create", "agreement", "", err)
	}
	now := s.now()
	a := &liaison.Agreement{ID: liaison.NewID(), AgencyID: in.AgencyID, CommunityID: in.CommunityID,
		LegalBasis: in.LegalBasis, Purposes: in.Purposes, RecordKinds: in.RecordKinds, PIIAllowed: in.PIIAllowed,
		InternationalRelease: in.InternationalRelease, PrivateRelease: in.PrivateRelease, Expires: in.Expires,
		Created: now, Updated: now}
	a.Normalize()
	if err := a.Validate(now); err != nil {
		return nil, err
	}
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		if err := tx.CreateAgreement(ctx, a); err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, now, "agreement.create", "agreement", a.ID)
		e.Details = map[string]string{"agency_id": a.AgencyID, "community_id": a.CommunityID,
			"pii_allowed": boolStr(a.PIIAllowed), "expires_at": a.Expires.Format("2006-01-02T15:04:05Z")}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAgreement amends an agreement. An agreement already expired cannot
// be revived; set a new one up. Admins only; ENOTFOUND, EINVALID.
func (s *Service) UpdateAgreement(ctx context.Context, id liaison.ID, up liaison.AgreementUpdate) (*liaison.Agreement, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, s.denied(ctx, "agreement.update", "agreement", id, err)
	}
	var a *liaison.Agreement
	err := s.Store.Update(ctx, func(tx liaison.Tx) error {
		var err error
		if a, err = tx.FindAgreementByID(ctx, id); err != nil {
			return err
		}
		now := s.now()
		if !a.Active(now) {
			return liaison.FieldErrorf("expires_at", "the agreement expired on %s and can no longer change; record a new one", a.Expires.Format("2006-01-02"))
		}
		ending := up.Expires != nil && !up.Expires.After(now)
		setIf(&a.LegalBasis, up.LegalBasis)
		setIf(&a.Purposes, up.Purposes)
		setIf(&a.RecordKinds, up.RecordKinds)
		setIf(&a.PIIAllowed, up.PIIAllowed)
		setIf(&a.InternationalRelease, up.InternationalRelease)
		setIf(&a.PrivateRelease, up.PrivateRelease)
		setIf(&a.Expires, up.Expires)
		a.Updated = now
		a.Normalize()
		check := now
		if ending { // ending an agreement early is the one way to set a past expiry
			a.Expires = now
			check = now.Add(-1)
		}
		if err := a.Validate(check); err != nil {
			return err
		}
		if err := tx.UpdateAgreement(ctx, a); err != nil {
			return err
		}
		action := "agreement.update"
		if ending {
			action = "agreement.end"
		}
		return s.audit(ctx, tx, liaison.NewAuditEvent(ctx, now, action, "agreement", a.ID))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// FindAgreement returns an agreement; ENOTFOUND.
func (s *Service) FindAgreement(ctx context.Context, id liaison.ID) (*liaison.Agreement, error) {
	if err := requireUser(ctx); err != nil {
		return nil, err
	}
	if !liaison.ValidID(id) {
		return nil, liaison.Errorf(liaison.ENOTFOUND, "no agreement %q", id)
	}
	var a *liaison.Agreement
	err := s.read(ctx, "agreement.read", "agreement", nil, func(tx liaison.Tx) (string, error) {
		var err error
		a, err = tx.FindAgreementByID(ctx, id)
		return id, err
	})
	return a, err
}

// ListAgreements returns one page of agreements and the next cursor.
func (s *Service) ListAgreements(ctx context.Context, f liaison.AgreementFilter, p liaison.Page) ([]*liaison.Agreement, string, error) {
	if err := requireUser(ctx); err != nil {
		return nil, "", err
	}
	for field, v := range map[string]string{"agency_id": f.AgencyID, "community_id": f.CommunityID} {
		if v != "" && !liaison.ValidID(v) {
			return nil, "", liaison.FieldErrorf(field, "must be an id")
		}
	}
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var out []*liaison.Agreement
	err := s.read(ctx, "agreement.list", "agreement", map[string]string{"agency_id": f.AgencyID, "community_id": f.CommunityID}, func(tx liaison.Tx) (string, error) {
		var err error
		out, err = tx.ListAgreements(ctx, f, p.Clamp())
		return "", err
	})
	return out, next(out, p, func(a *liaison.Agreement) string { return a.ID }), err
}

// read runs a read in a transaction that also records it in the audit log,
// as CJIS AU-2 asks: the read and its entry commit together. fn returns the
// id of the object read ("" for a list); details record the filter.
func (s *Service) read(ctx context.Context, action, objectType string, details map[string]string, fn func(tx liaison.Tx) (string, error)) error {
	return s.Store.Update(ctx, func(tx liaison.Tx) error {
		id, err := fn(tx)
		if err != nil {
			return err
		}
		e := liaison.NewAuditEvent(ctx, s.now(), action, objectType, id)
		for k, v := range details {
			if v != "" {
				if e.Details == nil {
					e.Details = map[string]string{}
				}
				e.Details[k] = v
			}
		}
		return s.audit(ctx, tx, e)
	})
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func checkPage(p liaison.Page) error {
	if p.After != "" && !liaison.ValidID(p.After) {
		return liaison.FieldErrorf("cursor", "is not a cursor this server gave out")
	}
	if p.Limit < 0 || p.Limit > liaison.MaxPageSize {
		return liaison.FieldErrorf("limit", "must be between 1 and %d", liaison.MaxPageSize)
	}
	return nil
}

// next returns the cursor for the page after items, or "" on the last page.
func next[T any](items []T, p liaison.Page, id func(T) string) string {
	if len(items) == 0 || len(items) < p.Clamp().Limit {
		return ""
	}
	return id(items[len(items)-1])
}
