package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"liaison"
)

// query builds a WHERE clause from optional conditions.
type query struct {
	where []string
	args  []any
}

func (q *query) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

// page finishes the query with keyset paging on id.
func (q *query) page(base string, p liaison.Page) (string, []any) {
	p = p.Clamp()
	if p.After != "" {
		q.add("id > ?", p.After)
	}
	s := base
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	s += " ORDER BY id LIMIT ?"
	return s, append(q.args, p.Limit)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain slices and maps of strings are marshalled here
	}
	return string(b)
}

type scanner interface{ Scan(...any) error }

const agencyCols = "id, code, name, kind, country, contacts, created, updated"

func scanAgency(s scanner) (*liaison.Agency, error) {
	var a liaison.Agency
	var contacts string
	var created, updated int64
	if err := s.Scan(&a.ID, &a.Code, &a.Name, &a.Kind, &a.Country, &contacts, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(contacts), &a.Contacts); err != nil {
		return nil, err
	}
	a.Created, a.Updated = fromUS(created), fromUS(updated)
	return &a, nil
}

// CreateAgency implements liaison.Tx.
func (t *Tx) CreateAgency(ctx context.Context, a *liaison.Agency) error {
	return t.exec(ctx, "sqlite.CreateAgency", "code", "", false,
		"INSERT INTO agencies ("+agencyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.Code, a.Name, a.Kind, a.Country, mustJSON(a.Contacts), us(a.Created), us(a.Updated))
}

// UpdateAgency implements liaison.Tx.
func (t *Tx) UpdateAgency(ctx context.Context, a *liaison.Agency) error {
	return t.exec(ctx, "sqlite.UpdateAgency", "code", "", true,
		"UPDATE agencies SET code = ?, name = ?, kind = ?, country = ?, contacts = ?, updated = ? WHERE id = ?",
		a.Code, a.Name, a.Kind, a.Country, mustJSON(a.Contacts), us(a.Updated), a.ID)
}

// FindAgencyByID implements liaison.Tx.
func (t *Tx) FindAgencyByID(ctx context.Context, id liaison.ID) (*liaison.Agency, error) {
	a, err := scanAgency(t.tx.QueryRowContext(ctx, "SELECT "+agencyCols+" FROM agencies WHERE id = ?", id))
	return a, translate("sqlite.FindAgencyByID", err, "", "")
}

// FindAgencyByCode implements liaison.Tx.
func (t *Tx) FindAgencyByCode(ctx context.Context, code string) (*liaison.Agency, error) {
	a, err := scanAgency(t.tx.QueryRowContext(ctx, "SELECT "+agencyCols+" FROM agencies WHERE code = ?", code))
	return a, translate("sqlite.FindAgencyByCode", err, "", "")
}

// ListAgencies implements liaison.Tx.
func (t *Tx) ListAgencies(ctx context.Context, f liaison.AgencyFilter, p liaison.Page) ([]*liaison.Agency, error) {
	var q query
	if f.Kind != "" {
		q.add("kind = ?", f.Kind)
	}
	if f.Country != "" {
		q.add("country = ?", f.Country)
	}
	s, args := q.page("SELECT "+agencyCols+" FROM agencies", p)
	return list(ctx, t, "sqlite.ListAgencies", s, args, scanAgency)
}

func list[T any](ctx context.Context, t *Tx, op, q string, args []any, scan func(scanner) (*T, error)) ([]*T, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(op, err, "", "")
		}
		out = append(out, v)
	}
	return out, translate(op, rows.Err(), "", "")
}

const userCols = `id, login, name, email, agency_id, roles, sworn, part23_trained, clearance, disabled,
	locked, mfa_enrolled, password_hash, totp_secret, totp_last_step, created, updated`

func scanUser(s scanner) (*liaison.User, error) {
	var u liaison.User
	var roles string
	var locked, mfa sql.NullInt64
	var created, updated int64
	if err := s.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.AgencyID, &roles, &u.Attributes.SwornOfficer,
		&u.Attributes.Part23Trained, &u.Attributes.Clearance, &u.Disabled, &locked, &mfa,
		&u.PasswordHash, &u.TOTPSecret, &u.TOTPLastStep, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &u.Roles); err != nil {
		return nil, err
	}
	u.Locked, u.MFAEnrolled = fromNullUS(locked), fromNullUS(mfa)
	u.Created, u.Updated = fromUS(created), fromUS(updated)
	return &u, nil
}

// CreateUser implements liaison.Tx.
func (t *Tx) CreateUser(ctx context.Context, u *liaison.User) error {
	return t.exec(ctx, "sqlite.CreateUser", "login", "agency_id", false,
		"INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.Login, u.Name, u.Email, u.AgencyID, mustJSON(u.Roles), u.Attributes.SwornOfficer,
		u.Attributes.Part23Trained, u.Attributes.Clearance, u.Disabled, nullUS(u.Locked), nullUS(u.MFAEnrolled),
		u.PasswordHash, u.TOTPSecret, u.TOTPLastStep, us(u.Created), us(u.Updated))
}

// UpdateUser implements liaison.Tx.
func (t *Tx) UpdateUser(ctx context.Context, u *liaison.User) error {
	return t.exec(ctx, "sqlite.UpdateUser", "login", "agency_id", true,
		`UPDATE users SET login = ?, name = ?, email = ?, agency_id = ?, roles = ?, sworn = ?, part23_trained = ?,
		clearance = ?, disabled = ?, locked = ?, mfa_enrolled = ?, password_hash = ?, totp_secret = ?,
		totp_last_step = ?, updated = ? WHERE id = ?`,
		u.Login, u.Name, u.Email, u.AgencyID, mustJSON(u.Roles), u.Attributes.SwornOfficer,
		u.Attributes.Part23Trained, u.Attributes.Clearance, u.Disabled, nullUS(u.Locked), nullUS(u.MFAEnrolled),
		u.PasswordHash, u.TOTPSecret, u.TOTPLastStep, us(u.Updated), u.ID)
}

// FindUserByID implements liaison.Tx.
func (t *Tx) FindUserByID(ctx context.Context, id liaison.ID) (*liaison.User, error) {
	u, err := scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	return u, translate("sqlite.FindUserByID", err, "", "")
}

// FindUserByLogin implements liaison.Tx.
func (t *Tx) FindUserByLogin(ctx context.Context, login string) (*liaison.User, error) {
	u, err := scanUser(t.tx.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE login = ?", login))
	return u, translate("sqlite.FindUserByLogin", err, "", "")
}

// ListUsers implements liaison.Tx.
func (t *Tx) ListUsers(ctx context.Context, f liaison.UserFilter, p liaison.Page) ([]*liaison.User, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	if f.Role != "" {
		q.add("EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = ?)", f.Role)
	}
	if f.Text != "" {
		q.add("(instr(lower(login), lower(?)) > 0 OR instr(lower(name), lower(?)) > 0 OR instr(lower(email), lower(?)) > 0)", f.Text, f.Text, f.Text)
	}
	s, args := q.page("SELECT "+userCols+" FROM users", p)
	return list(ctx, t, "sqlite.ListUsers", s, args, scanUser)
}

const communityCols = "id, name, kind, description, created, updated"

func scanCommunity(s scanner) (*liaison.Community, error) {
	var c liaison.Community
	var created, updated int64
	if err := s.Scan(&c.ID, &c.Name, &c.Kind, &c.Description, &created, &updated); err != nil {
		return nil, err
	}
	c.Created, c.Updated = fromUS(created), fromUS(updated)
	c.Members = []liaison.ID{}
	return &c, nil
}

func (t *Tx) putMembers(ctx context.Context, op string, c *liaison.Community) error {
	if err := t.exec(ctx, op, "", "", false, "DELETE FROM community_members WHERE community_id = ?", c.ID); err != nil {
		return err
	}
	for _, m := range c.Members {
		if err := t.exec(ctx, op, "members", "members", false,
			"INSERT INTO community_members (community_id, agency_id) VALUES (?, ?)", c.ID, m); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) loadMembers(ctx context.Context, op string, cs ...*liaison.Community) error {
	for _, c := range cs {
		rows, err := t.tx.QueryContext(ctx, "SELECT agency_id FROM community_members WHERE community_id = ? ORDER BY agency_id", c.ID)
		if err != nil {
			return translate(op, err, "", "")
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return translate(op, err, "", "")
			}
			c.Members = append(c.Members, id)
		}
		if err := rows.Close(); err != nil {
			return translate(op, err, "", "")
		}
	}
	return nil
}

// CreateCommunity implements liaison.Tx.
func (t *Tx) CreateCommunity(ctx context.Context, c *liaison.Community) error {
	const op = "sqlite.CreateCommunity"
	if err := t.exec(ctx, op, "name", "", false,
		"INSERT INTO communities ("+communityCols+") VALUES (?, ?, ?, ?, ?, ?)",
		c.ID, c.Name, c.Kind, c.Description, us(c.Created), us(c.Updated)); err != nil {
		return err
	}
	return t.putMembers(ctx, op, c)
}

// UpdateCommunity implements liaison.Tx.
func (t *Tx) UpdateCommunity(ctx context.Context, c *liaison.Community) error {
	const op = "sqlite.UpdateCommunity"
	if err := t.exec(ctx, op, "name", "", true,
		"UPDATE communities SET name = ?, kind = ?, description = ?, updated = ? WHERE id = ?",
		c.Name, c.Kind, c.Description, us(c.Updated), c.ID); err != nil {
		return err
	}
	return t.putMembers(ctx, op, c)
}

// FindCommunityByID implements liaison.Tx.
func (t *Tx) FindCommunityByID(ctx context.Context, id liaison.ID) (*liaison.Community, error) {
	const op = "sqlite.FindCommunityByID"
	c, err := scanCommunity(t.tx.QueryRowContext(ctx, "SELECT "+communityCols+" FROM communities WHERE id = ?", id))
	if err != nil {
		return nil, translate(op, err, "", "")
	}
	return c, t.loadMembers(ctx, op, c)
}

// ListCommunities implements liaison.Tx.
func (t *Tx) ListCommunities(ctx context.Context, f liaison.CommunityFilter, p liaison.Page) ([]*liaison.Community, error) {
	const op = "sqlite.ListCommunities"
	var q query
	if f.AgencyID != "" {
		q.add("id IN (SELECT community_id FROM community_members WHERE agency_id = ?)", f.AgencyID)
	}
	s, args := q.page("SELECT "+communityCols+" FROM communities", p)
	cs, err := list(ctx, t, op, s, args, scanCommunity)
	if err != nil {
		return nil, err
	}
	return cs, t.loadMembers(ctx, op, cs...)
}

const agreementCols = `id, agency_id, community_id, legal_basis, purposes, record_kinds, pii_allowed,
	international_release, private_release, expires, created, updated`

func scanAgreement(s scanner) (*liaison.Agreement, error) {
	var a liaison.Agreement
	var purposes, kinds string
	var expires, created, updated int64
	if err := s.Scan(&a.ID, &a.AgencyID, &a.CommunityID, &a.LegalBasis, &purposes, &kinds, &a.PIIAllowed,
		&a.InternationalRelease, &a.PrivateRelease, &expires, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(purposes), &a.Purposes); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(kinds), &a.RecordKinds); err != nil {
		return nil, err
	}
	a.Expires, a.Created, a.Updated = fromUS(expires), fromUS(created), fromUS(updated)
	return &a, nil
}

// CreateAgreement implements liaison.Tx.
func (t *Tx) CreateAgreement(ctx context.Context, a *liaison.Agreement) error {
	const op = "sqlite.CreateAgreement"
	// SQLite does not say which foreign key failed; look first so the
	// error names the field, as PostgreSQL's constraint names do.
	for _, ref := range []struct{ field, table, id string }{
		{"agency_id", "agencies", a.AgencyID}, {"community_id", "communities", a.CommunityID}} {
		var one int
		err := t.tx.QueryRowContext(ctx, "SELECT 1 FROM "+ref.table+" WHERE id = ?", ref.id).Scan(&one)
		if err == sql.ErrNoRows {
			return missingRef(op, ref.field, err)
		} else if err != nil {
			return translate(op, err, "", "")
		}
	}
	return t.exec(ctx, op, "", "agency_id", false,
		"INSERT INTO agreements ("+agreementCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.ID, a.AgencyID, a.CommunityID, a.LegalBasis, mustJSON(a.Purposes), mustJSON(a.RecordKinds),
		a.PIIAllowed, a.InternationalRelease, a.PrivateRelease, us(a.Expires), us(a.Created), us(a.Updated))
}

// UpdateAgreement implements liaison.Tx.
func (t *Tx) UpdateAgreement(ctx context.Context, a *liaison.Agreement) error {
	return t.exec(ctx, "sqlite.UpdateAgreement", "", "", true,
		`UPDATE agreements SET legal_basis = ?, purposes = ?, record_kinds = ?, pii_allowed = ?,
		international_release = ?, private_release = ?, expires = ?, updated = ? WHERE id = ?`,
		a.LegalBasis, mustJSON(a.Purposes), mustJSON(a.RecordKinds), a.PIIAllowed, a.InternationalRelease,
		a.PrivateRelease, us(a.Expires), us(a.Updated), a.ID)
}

// FindAgreementByID implements liaison.Tx.
func (t *Tx) FindAgreementByID(ctx context.Context, id liaison.ID) (*liaison.Agreement, error) {
	a, err := scanAgreement(t.tx.QueryRowContext(ctx, "SELECT "+agreementCols+" FROM agreements WHERE id = ?", id))
	return a, translate("sqlite.FindAgreementByID", err, "", "")
}

// ListAgreements implements liaison.Tx.
func (t *Tx) ListAgreements(ctx context.Context, f liaison.AgreementFilter, p liaison.Page) ([]*liaison.Agreement, error) {
	var q query
	if f.AgencyID != "" {
		q.add("agency_id = ?", f.AgencyID)
	}
	if f.CommunityID != "" {
		q.add("community_id = ?", f.CommunityID)
	}
	if !f.ActiveAt.IsZero() {
		q.add("expires > ?", us(f.ActiveAt))
	}
	s, args := q.page("SELECT "+agreementCols+" FROM agreements", p)
	return list(ctx, t, "sqlite.ListAgreements", s, args, scanAgreement)
}
