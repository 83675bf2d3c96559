package http

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// Your API tokens: a user creates tokens for their own scripts and
// integrations (a TAXII client, a records system's import), sees each
// secret once, and revokes them. An administrator revokes anyone's from
// the user's admin page.

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, nil, "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, errs *formErrors, secret, name string) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	toks, _, err := s.svc.ListTokens(ctx, me.ID, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	scopes := []liaison.Scope{liaison.ScopeRead, liaison.ScopeWrite}
	if me.Has(liaison.RoleAdmin) {
		scopes = liaison.Scopes
	}
	data := map[string]any{"Tokens": toks, "Scopes": scopes, "Now": s.svc.Now(), "Secret": secret, "SecretName": name,
		"Done": r.URL.Query().Get("done"), "Form": r.PostForm}
	errs.into(data)
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	s.render(w, r, "tokens.html", data)
	return nil
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	errs := newFormErrors()
	in := liaison.TokenInput{Name: strings.TrimSpace(r.PostFormValue("name"))}
	for _, sc := range r.PostForm["scopes"] {
		if !slices.Contains(liaison.Scopes, liaison.Scope(sc)) {
			errs.add("token-scope-read", "Scopes", "must be read, write or admin")
			break
		}
		in.Scopes = append(in.Scopes, liaison.Scope(sc))
	}
	if len(in.Scopes) == 0 {
		errs.add("token-scope-read", "Scopes", "choose at least one: read for searches and lists, write to file and change")
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || days > 365 {
		errs.add("token-days", "Valid for", "must be a whole number of days from 1 to 365")
	} else {
		in.Expires = s.svc.Now().Add(time.Duration(days) * 24 * time.Hour)
	}
	if errs.empty() {
		nt, err := s.svc.CreateToken(r.Context(), in)
		if err == nil {
			// The secret is shown on this response only, never stored or shown again.
			return s.renderTokens(w, r, http.StatusCreated, nil, nt.Secret, nt.Token.Name)
		}
		fields := liaison.ErrorFields(err)
		if len(fields) == 0 {
			return err
		}
		for _, f := range fields {
			switch {
			case f.Field == "name":
				errs.add("token-name", "Name", f.Message)
			case strings.HasPrefix(f.Field, "scopes"):
				errs.add("token-scope-read", "Scopes", f.Message)
			default:
				errs.add("token-days", "Valid for", f.Message)
			}
		}
	}
	return s.renderTokens(w, r, http.StatusUnprocessableEntity, errs, "", "")
}

func (s *Server) tokenRevokeOwn(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := s.revokeTokenOf(ctx, liaison.ActorFrom(ctx).User.ID, r.PathValue("id"), "you have no such API token; open your tokens again")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/account/tokens?done=revoked", http.StatusSeeOther)
	return nil
}

// revokeTokenOf revokes token id only if it is user's: a form names both,
// and a token of someone else answers as missing (notFound says so).
func (s *Server) revokeTokenOf(ctx context.Context, user, id, notFound string) error {
	toks, err := adminAll(func(p liaison.Page) ([]*liaison.APIToken, string, error) { return s.svc.ListTokens(ctx, user, p) })
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(toks, func(t *liaison.APIToken) bool { return t.ID == id }) {
		return liaison.Errorf(liaison.ENOTFOUND, "%s", notFound)
	}
	_, err = s.svc.RevokeToken(ctx, id)
	return err
}
