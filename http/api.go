package http

import (
	"net/http"
	"time"

	"liaison"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": liaison.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.Store.Ping(r.Context()); err != nil {
		s.log.Error("readiness", "error", err)
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "store": s.svc.Store.Dialect()})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "store": s.svc.Store.Dialect()})
}

// metrics serves the Prometheus metrics on the main listener to
// administrators only: exact per-route counts (purges, exports, refusals)
// say what the partnership is doing. A scraper without an administrator's
// token reads them on the separate metrics address (MetricsHandler).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if !liaison.ActorFrom(r.Context()).IsAdmin() {
		return liaison.Errorf(liaison.EFORBIDDEN, "only administrators read the metrics here; a scraper reads them on the metrics address (liaison serve --metrics-addr)")
	}
	s.MetricsHandler().ServeHTTP(w, r)
	return nil
}

type meResponse struct {
	User   *liaison.User   `json:"user"`
	Agency *liaison.Agency `json:"agency"`
	Via    string          `json:"via"` // session or token
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r); err != nil {
		return err
	}
	a := liaison.ActorFrom(r.Context())
	ag, err := s.svc.FindAgency(r.Context(), a.User.AgencyID)
	if err != nil {
		return err
	}
	via := "session"
	if a.Token != nil {
		via = "token"
	}
	return writeJSON(w, http.StatusOK, meResponse{User: a.User, Agency: ag, Via: via})
}

func (s *Server) listAgencies(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "kind", "country"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.svc.ListAgencies(r.Context(), liaison.AgencyFilter{Kind: liaison.AgencyKind(q.Get("kind")), Country: q.Get("country")}, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request) error {
	var in liaison.AgencyInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.CreateAgency(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/agencies/"+a.ID, a)
}

func (s *Server) getAgency(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.FindAgency(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) updateAgency(w http.ResponseWriter, r *http.Request) error {
	var up liaison.AgencyUpdate
	if err := s.decode(w, r, &up); err != nil {
		return err
	}
	a, err := s.svc.UpdateAgency(r.Context(), r.PathValue("id"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "agency_id", "role", "q"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.svc.ListUsers(r.Context(), liaison.UserFilter{AgencyID: q.Get("agency_id"), Role: liaison.Role(q.Get("role")), Text: q.Get("q")}, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in liaison.UserInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.svc.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/users/"+u.ID, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.FindUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if a := liaison.ActorFrom(r.Context()); !a.IsAdmin() && u.ID != a.User.ID {
		// Another's account: its name card, without the fields it leaves out.
		return writeJSON(w, http.StatusOK, userCard{ID: u.ID, Login: u.Login, Name: u.Name, AgencyID: u.AgencyID})
	}
	return writeJSON(w, http.StatusOK, u)
}

// userCard is what a user who is not an administrator reads of another
// user (service.FindUser): who they are and where they work.
type userCard struct {
	ID       liaison.ID `json:"id"`
	Login    string     `json:"login"`
	Name     string     `json:"name"`
	AgencyID liaison.ID `json:"agency_id"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var up liaison.UserUpdate
	if err := s.decode(w, r, &up); err != nil {
		return err
	}
	u, err := s.svc.UpdateUser(r.Context(), r.PathValue("id"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.Unlock(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) resetMFA(w http.ResponseWriter, r *http.Request) error {
	u, err := s.svc.ResetMFA(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := s.svc.SetPassword(r.Context(), r.PathValue("id"), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listCommunities(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "agency_id"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	items, next, err := s.svc.ListCommunities(r.Context(), liaison.CommunityFilter{AgencyID: r.URL.Query().Get("agency_id")}, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) createCommunity(w http.ResponseWriter, r *http.Request) error {
	var in liaison.CommunityInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.CreateCommunity(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/communities/"+c.ID, c)
}

func (s *Server) getCommunity(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.FindCommunity(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateCommunity(w http.ResponseWriter, r *http.Request) error {
	var up liaison.CommunityUpdate
	if err := s.decode(w, r, &up); err != nil {
		return err
	}
	c, err := s.svc.UpdateCommunity(r.Context(), r.PathValue("id"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) listAgreements(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "agency_id", "community_id", "active"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := liaison.AgreementFilter{AgencyID: q.Get("agency_id"), CommunityID: q.Get("community_id")}
	switch q.Get("active") {
	case "true":
		f.ActiveAt = s.svc.Now()
	case "", "false":
	default:
		return liaison.FieldErrorf("active", "must be true or false")
	}
	items, next, err := s.svc.ListAgreements(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

func (s *Server) createAgreement(w http.ResponseWriter, r *http.Request) error {
	var in liaison.AgreementInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.CreateAgreement(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/agreements/"+a.ID, a)
}

func (s *Server) getAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.FindAgreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) updateAgreement(w http.ResponseWriter, r *http.Request) error {
	var up liaison.AgreementUpdate
	if err := s.decode(w, r, &up); err != nil {
		return err
	}
	a, err := s.svc.UpdateAgreement(r.Context(), r.PathValue("id"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	if err := checkQuery(r, "limit", "cursor", "user"); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	who := r.URL.Query().Get("user")
	if who == "" {
		who = liaison.ActorFrom(r.Context()).User.ID
	}
	items, next, err := s.svc.ListTokens(r.Context(), who, p)
	if err != nil {
		return err
	}
	return writeList(w, items, next)
}

type tokenRequest struct {
	UserID    liaison.ID      `json:"user_id"`
	Name      string          `json:"name"`
	Scopes    []liaison.Scope `json:"scopes"`
	ExpiresIn string          `json:"expires_in"` // Go duration, e.g. "720h"; default 90 days
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ti := liaison.TokenInput{UserID: in.UserID, Name: in.Name, Scopes: in.Scopes}
	if in.ExpiresIn != "" {
		d, err := time.ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			return liaison.FieldErrorf("expires_in", "must be a positive duration such as 720h")
		}
		ti.TTL = d
	}
	t, err := s.svc.CreateToken(r.Context(), ti)
	if err != nil {
		return err
	}
	return created(w, "/api/v1/tokens/"+t.Token.ID, t)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.svc.RevokeToken(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}
