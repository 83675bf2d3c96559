package postgres

import (
	"context"

	"liaison"
)

const agencyCols = "id, code, name, kind, country, contacts, created, updated"

func scanAgency(s scanner) (*liaison.Agency, error) {
	var a liaison.Agency
	if err := s.Scan(&a.ID, &a.Code, &a.Name, &a.Kind, &a.Country, &a.Contacts, &a.Created, &a.Updated); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateAgency implements liaison.Tx.
func (t *Tx) CreateAgency(ctx context.Context, a *liaison.Agency) error {
	return t.exec(ctx, "postgres.CreateAgency", false,
		"INSERT INTO agencies ("+agencyCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		uid(a.ID), a.Code, a.Name, a.Kind, a.Country, orEmpty(a.Contacts), a.Created, a.Updated)
}

// UpdateAgency implements liaison.Tx.
func (t *Tx) UpdateAgency(ctx context.Context, a *liaison.Agency) error {
	return t.exec(ctx, "postgres.UpdateAgency", true,
		"UPDATE agencies SET code = $1, name = $2, kind = $3, country = $4, contacts = $5, updated = $6 WHERE id = $7",
		a.Code, a.Name, a.Kind, a.Country, orEmpty(a.Contacts), a.Updated, uid(a.ID))
}

// FindAgencyByID implements liaison.Tx.
func (t *Tx) FindAgencyByID(ctx context.Context, id liaison.ID) (*liaison.Agency, error) {
	a, err := scanAgency(t.tx.QueryRow(ctx, "SELECT "+agencyCols+" FROM agencies WHERE id = $1", uid(id)))
	return a, translate("postgres.FindAgencyByID", err)
}

// FindAgencyByCode implements liaison.Tx.
func (t *Tx) FindAgencyByCode(ctx context.Context, code string) (*liaison.Agency, error) {
	a, err := scanAgency(t.tx.QueryRow(ctx, "SELECT "+agencyCols+" FROM agencies WHERE code = $1", code))
	return a, translate("postgres.FindAgencyByCode", err)
}

// ListAgencies implements liaison.Tx.
func (t *Tx) ListAgencies(ctx context.Context, f liaison.AgencyFilter, p liaison.Page) ([]*liaison.Agency, error) {
	var q query
	if f.Kind != "" {
		q.add("kind = $%d", f.Kind)
	}
	if f.Country != "" {
		q.add("country = $%d", f.Country)
	}
	s, args := q.page("SELECT "+agencyCols+" FROM agencies", p)
	return list(ctx, t, "postgres.ListAgencies", s, args, scanAgency)
}

const userCols = `id, login, name, email, agency_id, roles, sworn, part23_trained, clearance, disabled,
	locked, mfa_enrolled, password_hash, totp_secret, totp_last_step, created, updated`

func scanUser(s scanner) (*liaison.User, error) {
	var u liaison.User
	if err := s.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.AgencyID, &u.Roles, &u.Attributes.SwornOfficer,
		&u.Attributes.Part23Trained, &u.Attributes.Clearance, &u.Disabled, &u.Locked, &u.MFAEnrolled,
		&u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &u.Created, &u.Updated); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser implements liaison.Tx.
func (t *Tx) CreateUser(ctx context.Context, u *liaison.User) error {
	return t.exec(ctx, "postgres.CreateUser", false,
		"INSERT INTO users ("+userCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
		uid(u.ID), u.Login, u.Name, u.Email, uid(u.AgencyID), orEmpty(u.Roles), u.Attributes.SwornOfficer,
		u.Attributes.Part23Trained, u.Attributes.Clearance, u.Disabled, u.Locked, u.MFAEnrolled,
		u.PasswordHash, u.TOTPSecret, u.TOTPLastStep, u.Created, u.Updated)
}

// UpdateUser implements liaison.Tx.
func (t *Tx) UpdateUser(ctx context.Context, u *liaison.User) error {
	return t.exec(ctx, "postgres.UpdateUser", true,
		`UPDATE users SET login = $1, name = $2, email = $3, agency_id = $4, roles = $5, sworn = $6,
		part23_trained = $7, clearance = $8, disabled = $9, locked = $10, mfa_enrolled = $11, password_hash = $12,
		totp_secret = $13, totp_last_step = $14, updated = $15 WHERE id = $16`,
		u.Login, u.Name, u.Email, uid(u.AgencyID), orEmpty(u.Roles), u.Attributes.SwornOfficer,
		u.Attributes.Part23Trained, u.Attributes.Clearance, u.Disabled, u.Locked, u.MFAEnrolled,
		u.PasswordHash, u.TOTPSecret, u.TOTPLastStep, u.Updated, uid(u.ID))
}

// FindUserByID implements liaison.Tx.
func (t *Tx) FindUserByID(ctx context.Context, id liaison.ID) (*liaison.User, error) {
	u, err := scanUser(t.tx.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", uid(id)))
	return u, translate("postgres.FindUserByID", err)
}

// FindUserByLogin implements liaison.Tx.
func (t *Tx) FindUserByLogin(ctx context.Context, login string) (*liaison.User, error) {
	u, err := scanUser(t.tx.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE login = $1", login))
	return u, translate("postgres.FindUserByLogin", err)
}

// ListUsers implements liaison.Tx.
func (t *Tx) ListUsers(ctx context.Context, f liaison.UserFilter, p liaison.Page) ([]*liaison.User, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = $%d", uid(f.AgencyID))
	}
	if f.Role != "" {
		q.add("$%d = ANY (roles)", f.Role)
	}
	if f.Text != "" {
		q.add("(strpos(lower(login), lower($%[1]d)) > 0 OR strpos(lower(name), lower($%[1]d)) > 0 OR strpos(lower(email), lower($%[1]d)) > 0)", f.Text)
	}
	s, args := q.page("SELECT "+userCols+" FROM users", p)
	return list(ctx, t, "postgres.ListUsers", s, args, scanUser)
}

// communitySelect reads communities with their members in agency id order.
const communitySelect = `SELECT id, name, kind, description, created, updated,
	ARRAY(SELECT m.agency_id FROM community_members m WHERE m.community_id = communities.id ORDER BY m.agency_id)
	FROM communities`

func scanCommunity(s scanner) (*liaison.Community, error) {
	var c liaison.Community
	if err := s.Scan(&c.ID, &c.Name, &c.Kind, &c.Description, &c.Created, &c.Updated, &c.Members); err != nil {
		return nil, err
	}
	return &c, nil
}

// putMembers replaces the members of c.
func (t *Tx) putMembers(ctx context.Context, op string, c *liaison.Community) error {
	if err := t.exec(ctx, op, false, "DELETE FROM community_members WHERE community_id = $1", uid(c.ID)); err != nil {
		return err
	}
	return t.exec(ctx, op, false,
		"INSERT INTO community_members (community_id, agency_id) SELECT $1, unnest($2::uuid[])", uid(c.ID), uids(c.Members))
}

// CreateCommunity implements liaison.Tx.
func (t *Tx) CreateCommunity(ctx context.Context, c *liaison.Community) error {
	const op = "postgres.CreateCommunity"
	if err := t.exec(ctx, op, false,
		"INSERT INTO communities (id, name, kind, description, created, updated) VALUES ($1, $2, $3, $4, $5, $6)",
		uid(c.ID), c.Name, c.Kind, c.Description, c.Created, c.Updated); err != nil {
		return err
	}
	return t.putMembers(ctx, op, c)
}

// UpdateCommunity implements liaison.Tx.
func (t *Tx) UpdateCommunity(ctx context.Context, c *liaison.Community) error {
	const op = "postgres.UpdateCommunity"
	if err := t.exec(ctx, op, true,
		"UPDATE communities SET name = $1, kind = $2, description = $3, updated = $4 WHERE id = $5",
		c.Name, c.Kind, c.Description, c.Updated, uid(c.ID)); err != nil {
		return err
	}
	return t.putMembers(ctx, op, c)
}

// FindCommunityByID implements liaison.Tx.
func (t *Tx) FindCommunityByID(ctx context.Context, id liaison.ID) (*liaison.Community, error) {
	c, err := scanCommunity(t.tx.QueryRow(ctx, communitySelect+" WHERE id = $1", uid(id)))
	return c, translate("postgres.FindCommunityByID", err)
}

// ListCommunities implements liaison.Tx.
func (t *Tx) ListCommunities(ctx context.Context, f liaison.CommunityFilter, p liaison.Page) ([]*liaison.Community, error) {
	var q query
	if f.AgencyID != "" {
		q.add("id IN (SELECT community_id FROM community_members WHERE agency_id = $%d)", uid(f.AgencyID))
	}
	s, args := q.page(communitySelect, p)
	return list(ctx, t, "postgres.ListCommunities", s, args, scanCommunity)
}

const agreementCols = `id, agency_id, community_id, legal_basis, purposes, record_kinds, pii_allowed,
	international_release, private_release, expires, created, updated`

func scanAgreement(s scanner) (*liaison.Agreement, error) {
	var a liaison.Agreement
	if err := s.Scan(&a.ID, &a.AgencyID, &a.CommunityID, &a.LegalBasis, &a.Purposes, &a.RecordKinds, &a.PIIAllowed,
		&a.InternationalRelease, &a.PrivateRelease, &a.Expires, &a.Created, &a.Updated); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateAgreement implements liaison.Tx.
func (t *Tx) CreateAgreement(ctx context.Context, a *liaison.Agreement) error {
	return t.exec(ctx, "postgres.CreateAgreement", false,
		"INSERT INTO agreements ("+agreementCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
		uid(a.ID), uid(a.AgencyID), uid(a.CommunityID), a.LegalBasis, orEmpty(a.Purposes), orEmpty(a.RecordKinds),
		a.PIIAllowed, a.InternationalRelease, a.PrivateRelease, a.Expires, a.Created, a.Updated)
}

// UpdateAgreement implements liaison.Tx.
func (t *Tx) UpdateAgreement(ctx context.Context, a *liaison.Agreement) error {
	return t.exec(ctx, "postgres.UpdateAgreement", true,
		`UPDATE agreements SET legal_basis = $1, purposes = $2, record_kinds = $3, pii_allowed = $4,
		international_release = $5, private_release = $6, expires = $7, updated = $8 WHERE id = $9`,
		a.LegalBasis, orEmpty(a.Purposes), orEmpty(a.RecordKinds), a.PIIAllowed, a.InternationalRelease,
		a.PrivateRelease, a.Expires, a.Updated, uid(a.ID))
}

// FindAgreementByID implements liaison.Tx.
func (t *Tx) FindAgreementByID(ctx context.Context, id liaison.ID) (*liaison.Agreement, error) {
	a, err := scanAgreement(t.tx.QueryRow(ctx, "SELECT "+agreementCols+" FROM agreements WHERE id = $1", uid(id)))
	return a, translate("postgres.FindAgreementByID", err)
}

// ListAgreements implements liaison.Tx.
func (t *Tx) ListAgreements(ctx context.Context, f liaison.AgreementFilter, p liaison.Page) ([]*liaison.Agreement, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = $%d", uid(f.AgencyID))
	}
	if f.CommunityID != "" {
		q.add("community_id = $%d", uid(f.CommunityID))
	}
	if !f.ActiveAt.IsZero() {
		q.add("expires > $%d", f.ActiveAt)
	}
	s, args := q.page("SELECT "+agreementCols+" FROM agreements", p)
	return list(ctx, t, "postgres.ListAgreements", s, args, scanAgreement)
}
