package http

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"liaison"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "liaison_session"
	loginCSRF     = "liaison_login_csrf" // double-submit token for forms before a session exists
)

// assets are the static files, served under a hash of their content so
// they can be cached forever.
type assets struct {
	byName map[string]asset // "app.css" -> asset
}

type asset struct {
	hash, ctype string
	body        []byte
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		a.add(strings.TrimPrefix(p, "static/"), b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Each UI area keeps its own style sheet and script (static/<area>.css,
	// .js); pages load one bundle of each: app.* first, then the rest by name.
	for _, ext := range []string{".css", ".js"} {
		bundle := append([]byte(nil), a.byName["app"+ext].body...)
		names := make([]string, 0, len(a.byName))
		for name := range a.byName {
			if path.Ext(name) == ext && name != "app"+ext && !strings.Contains(name, "/") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			bundle = append(bundle, "\n/* "+name+" */\n"...)
			bundle = append(bundle, a.byName[name].body...)
		}
		a.add("app"+ext, bundle)
	}
	return a, nil
}

func (a *assets) add(name string, b []byte) {
	sum := sha256.Sum256(b)
	a.byName[name] = asset{hash: hex.EncodeToString(sum[:8]), ctype: mime.TypeByExtension(path.Ext(name)), body: b}
}

// url returns the content-hashed URL of a static file.
func (a *assets) url(name string) string {
	as, ok := a.byName[name]
	if !ok {
		panic("no static asset " + name) // a template names a file we do not ship: a build error
	}
	return "/static/" + as.hash + "/" + name
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	as, ok := s.assets.byName[r.PathValue("file")]
	if !ok || as.hash != r.PathValue("hash") {
		return liaison.Errorf(liaison.ENOTFOUND, "no such file")
	}
	w.Header().Set("Content-Type", as.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, err := w.Write(as.body)
	return err
}

// uiFuncs holds template functions that UI area files register in init
// (registerFuncs); names are prefixed with the area to stay apart.
var uiFuncs = template.FuncMap{}

func registerFuncs(fm template.FuncMap) {
	for k, v := range fm {
		if _, dup := uiFuncs[k]; dup {
			panic("template function registered twice: " + k)
		}
		uiFuncs[k] = v
	}
}

func parsePages() (*template.Template, error) {
	return template.New("").Funcs(uiFuncs).Funcs(template.FuncMap{
		// dict passes the page data on to the layout with the page title.
		"dict": func(data map[string]any, title string) map[string]any {
			out := make(map[string]any, len(data)+1)
			for k, v := range data {
				out[k] = v
			}
			out["Title"] = title
			return out
		},
		"sub1": func(n int) int { return n - 1 },
		// human shows an enum value as words: critical_infrastructure_protection
		// reads (and wraps) as "critical infrastructure protection".
		"human": func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") },
		"join": func(v any) string {
			switch x := v.(type) {
			case []liaison.Role:
				return strings.Join(enumOf(x), ", ")
			}
			return ""
		},
	}).ParseFS(templateFS, "templates/*.html")
}

// render executes a page template into w with the common layout data.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["CSS"] = s.assets.url("app.css")
	data["JS"] = s.assets.url("app.js")
	data["Version"] = liaison.Version
	if a := liaison.ActorFrom(r.Context()); a.User != nil {
		data["Me"] = a.User
	}
	if sess := sessionFrom(r.Context()); sess != nil {
		data["CSRF"] = sess.CSRFToken
		data["Unread"] = s.layoutUnread(r)
		data["Session"] = sessionTimes(sess, s.svc.Now())
	}
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("template", "name", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: true, SameSite: http.SameSiteStrictMode})
}

func clearCookie(w http.ResponseWriter, name string) { setCookie(w, name, "", -1) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

// loginToken returns the pre-session CSRF token, setting its cookie if new.
func loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRF); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	setCookie(w, loginCSRF, tok, 3600)
	return tok
}

func checkLoginCSRF(r *http.Request) error {
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return liaison.Errorf(liaison.EFORBIDDEN, "the sign-in form expired; reload the page and try again")
	}
	return nil
}

// maxFormBytes bounds a web form's body.
const maxFormBytes = 64 << 10

func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return liaison.Errorf(liaison.EINVALID, "the form could not be read")
	}
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, "login.html", map[string]any{"LoginCSRF": loginToken(w, r), "Next": safeNext(r.URL.Query().Get("next")),
		"Changed": r.URL.Query().Get("changed") != ""})
	return nil
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	if err := checkLoginCSRF(r); err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	login := r.PostFormValue("login")
	res, err := s.svc.Login(r.Context(), login, r.PostFormValue("password"))
	if err != nil {
		code := liaison.ErrorCode(err)
		if code != liaison.EUNAUTHORIZED && code != liaison.EINVALID {
			return err
		}
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login.html", map[string]any{"LoginCSRF": loginToken(w, r), "Next": next,
			"Login": login, "Error": liaison.ErrorMessage(err)})
		return nil
	}
	setCookie(w, sessionCookie, res.Token, 12*3600)
	dest := "/login/mfa"
	if res.NeedsEnrolment {
		dest = "/login/enrol"
	}
	http.Redirect(w, r, dest+"?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

// pending returns the token of a sign-in waiting for its second factor.
func (s *Server) pending(r *http.Request) (string, *liaison.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil, liaison.Errorf(liaison.EUNAUTHORIZED, "sign in first")
	}
	_, u, err := s.svc.PendingSession(r.Context(), c.Value)
	return c.Value, u, err
}

func (s *Server) mfaPage(w http.ResponseWriter, r *http.Request) error {
	_, u, err := s.pending(r)
	if err != nil {
		return s.restartLogin(w, r, err)
	}
	s.render(w, r, "mfa.html", map[string]any{"LoginCSRF": loginToken(w, r), "User": u, "Next": safeNext(r.URL.Query().Get("next"))})
	return nil
}

// restartLogin sends a browser with no usable pending sign-in back to the start.
func (s *Server) restartLogin(w http.ResponseWriter, r *http.Request, err error) error {
	if liaison.ErrorCode(err) == liaison.ECONFLICT { // already fully signed in
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if liaison.ErrorCode(err) != liaison.EUNAUTHORIZED {
		return err
	}
	clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// pendingForm reads a second-factor form: it checks the form's CSRF token
// and finds the sign-in waiting for its second factor. An empty token with
// a nil error means the browser was sent back to the start.
func (s *Server) pendingForm(w http.ResponseWriter, r *http.Request) (tok string, u *liaison.User, next string, err error) {
	if err := s.parseForm(w, r); err != nil {
		return "", nil, "", err
	}
	if err := checkLoginCSRF(r); err != nil {
		return "", nil, "", err
	}
	tok, u, err = s.pending(r)
	if err != nil {
		return "", nil, "", s.restartLogin(w, r, err)
	}
	return tok, u, safeNext(r.PostFormValue("next")), nil
}

func (s *Server) mfaSubmit(w http.ResponseWriter, r *http.Request) error {
	tok, u, next, err := s.pendingForm(w, r)
	if err != nil || tok == "" {
		return err
	}
	res, err := s.svc.VerifyMFA(r.Context(), tok, r.PostFormValue("code"))
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return s.restartLogin(w, r, err)
		}
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "mfa.html", map[string]any{"LoginCSRF": loginToken(w, r), "User": u, "Next": next,
			"Error": liaison.ErrorMessage(err)})
		return nil
	}
	setCookie(w, sessionCookie, res.Token, 12*3600)
	clearCookie(w, loginCSRF)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request) error {
	tok, u, err := s.pending(r)
	if err != nil {
		return s.restartLogin(w, r, err)
	}
	en, err := s.svc.BeginEnrolment(r.Context(), tok)
	if err != nil {
		return s.restartLogin(w, r, err)
	}
	s.render(w, r, "enrol.html", map[string]any{"LoginCSRF": loginToken(w, r), "User": u, "Secret": groupSecret(en.Secret),
		"URI": en.URI, "Next": safeNext(r.URL.Query().Get("next"))})
	return nil
}

func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Server) enrolSubmit(w http.ResponseWriter, r *http.Request) error {
	tok, u, next, err := s.pendingForm(w, r)
	if err != nil || tok == "" {
		return err
	}
	res, err := s.svc.ConfirmEnrolment(r.Context(), tok, r.PostFormValue("code"))
	if err != nil {
		if liaison.ErrorCode(err) != liaison.EINVALID {
			return s.restartLogin(w, r, err)
		}
		en, err2 := s.svc.BeginEnrolment(r.Context(), tok)
		if err2 != nil {
			return s.restartLogin(w, r, err2)
		}
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "enrol.html", map[string]any{"LoginCSRF": loginToken(w, r), "User": u,
			"Secret": groupSecret(en.Secret), "URI": en.URI, "Next": next, "Error": liaison.ErrorMessage(err)})
		return nil
	}
	setCookie(w, sessionCookie, res.Token, 12*3600)
	clearCookie(w, loginCSRF)
	s.render(w, r, "recovery.html", map[string]any{"User": res.User, "Codes": res.RecoveryCodes, "Next": next})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.svc.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := liaison.ActorFrom(ctx).User
	agency, err := s.svc.FindAgency(ctx, me.AgencyID)
	if err != nil {
		return err
	}
	comms, _, err := s.svc.ListCommunities(ctx, liaison.CommunityFilter{AgencyID: me.AgencyID}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	agreements, _, err := s.svc.ListAgreements(ctx, liaison.AgreementFilter{AgencyID: me.AgencyID, ActiveAt: s.svc.Now()}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	agencies, _, err := s.svc.ListAgencies(ctx, liaison.AgencyFilter{}, liaison.Page{Limit: liaison.MaxPageSize})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agencies {
		names[a.ID] = a.Name
	}
	commNames := map[string]string{}
	for _, c := range comms {
		commNames[c.ID] = c.Name
	}
	data := map[string]any{"Agency": agency, "Communities": comms, "Agreements": agreements,
		"Agencies": agencies, "AgencyNames": names, "CommunityNames": commNames}
	if data["Dashboard"], err = s.dashboard(ctx); err != nil {
		return err
	}
	if liaison.ActorFrom(ctx).IsAdmin() && s.svc.Alerts != nil {
		data["Alerts"], _ = s.svc.Alerts.Recent()
	}
	s.render(w, r, "home.html", data)
	return nil
}
