package http

import (
	"net/http"

	"liaison"
)

// Passwords in the web UI: anyone changes their own (knowing the current
// one), an administrator sets another user's. Either way every session of
// that user ends (the service does it), so a stolen session does not
// outlive the change.

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPassword(w, r, http.StatusOK, nil)
}

// passwordTarget is whose password the page sets: the caller's own at
// /account/password, a user's at /admin/users/{id}/password.
func (s *Server) passwordTarget(r *http.Request) (*liaison.User, bool, error) {
	me := liaison.ActorFrom(r.Context()).User
	id := r.PathValue("id")
	if id == "" || id == me.ID {
		return me, true, nil
	}
	if !liaison.ActorFrom(r.Context()).IsAdmin() {
		return nil, false, s.svc.Refuse(r.Context(), "ui.admin", liaison.Errorf(liaison.EFORBIDDEN,
			"only administrators set another user's password"))
	}
	u, err := s.svc.FindUser(r.Context(), id)
	return u, false, err
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, status int, errs *formErrors) error {
	u, self, err := s.passwordTarget(r)
	if err != nil {
		return err
	}
	data := map[string]any{"User": u, "Self": self}
	errs.into(data)
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	s.render(w, r, "password.html", data)
	return nil
}

func (s *Server) passwordSet(w http.ResponseWriter, r *http.Request) error {
	u, self, err := s.passwordTarget(r)
	if err != nil {
		return err
	}
	errs := newFormErrors()
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		errs.add("confirm_password", "Confirm the new password", "must be the same as the new password")
	}
	if errs.empty() {
		err = s.svc.SetPassword(r.Context(), u.ID, r.PostFormValue("current_password"), next)
		if err == nil {
			if self {
				http.Redirect(w, r, "/login?changed=1", http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/admin/users/"+u.ID+"?done=password", http.StatusSeeOther)
			}
			return nil
		}
		fields := liaison.ErrorFields(err)
		if len(fields) == 0 {
			return err
		}
		for _, f := range fields {
			switch f.Field {
			case "current_password":
				errs.add("current_password", "Current password", f.Message)
			default:
				errs.add("new_password", "New password", f.Message)
			}
		}
	}
	return s.renderPassword(w, r, http.StatusUnprocessableEntity, errs)
}
