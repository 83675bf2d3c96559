package http_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liaison"
	lhttp "liaison/http"
	"liaison/service"
)

// deconflictUIWorld: officers of three agencies (RIVPD, which is in the
// fusion area; WFO and THIRD, which are not), and a watch officer of the
// fusion center, each signed in through the web UI.
type deconflictUIWorld struct {
	*sarUIWorld
	b, third, watch *browser
}

func newDeconflictUIWorld(t *testing.T) *deconflictUIWorld {
	w := newSARUIWorld(t)
	ctx := liaison.NewContext(context.Background(), liaison.Actor{System: "test"})
	user := func(login, code string, roles ...liaison.Role) {
		agency := w.agency.ID
		if code != "" {
			a, err := w.svc.FindAgency(ctx, code)
			if err != nil {
				a = must(w.svc.CreateAgency(ctx, liaison.AgencyInput{Code: code, Name: "Agency " + code, Kind: liaison.AgencyFederal, Country: "US"}))(t)
			}
			agency = a.ID
		}
		must(w.svc.CreateUser(ctx, liaison.UserInput{Login: login, Name: "User " + login, Email: login + "@example.gov", AgencyID: agency,
			Roles: roles, Attributes: liaison.Attributes{SwornOfficer: true}, Password: testPassword}))(t)
	}
	user("okafor", "WFO", liaison.RoleOfficer)
	user("third", "THIRD", liaison.RoleOfficer)
	user("watcher", "", liaison.RoleWatch)
	return &deconflictUIWorld{sarUIWorld: w, b: uiSignIn(t, w.srv.URL, "okafor", w.now),
		third: uiSignIn(t, w.srv.URL, "third", w.now), watch: uiSignIn(t, w.srv.URL, "watcher", w.now)}
}

// opForm is a valid operation form; change fields to break it.
func (w *deconflictUIWorld) opForm(t *testing.T, b *browser, name string, change map[string]string) url.Values {
	t.Helper()
	_, _, page := b.do("GET", "/operations/new", nil)
	start := w.now.Add(2 * time.Hour)
	v := url.Values{"csrf": {csrfOf(t, page)}, "name": {name}, "kind": {"warrant_service"}, "place": {"circle"},
		"lat": {"38.9072"}, "lon": {"-77.0369"}, "radius_m": {"200"},
		"start": {start.Format("2006-01-02T15:04")}, "end": {start.Add(2 * time.Hour).Format("2006-01-02T15:04")},
		"officers": {"8"}, "phone": {"+1 202 555 0100"}, "notes": {"secret notes of " + name}, "action": {"activate"}}
	for k, x := range change {
		v.Set(k, x)
	}
	return v
}

// operations returns every operation in the store.
func (w *deconflictUIWorld) operations(t *testing.T) []*liaison.Operation {
	t.Helper()
	var out []*liaison.Operation
	err := w.store.View(context.Background(), func(tx liaison.Tx) error {
		var err error
		out, err = tx.ListOperations(context.Background(), liaison.OperationFilter{}, liaison.Page{Limit: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// register posts the form and returns the new operation's page path.
func (w *deconflictUIWorld) register(t *testing.T, b *browser, name string) string {
	t.Helper()
	status, loc, body := b.do("POST", "/operations", w.opForm(t, b, name, nil))
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/operations/") {
		t.Fatalf("register %s = %d %s\n%.600s", name, status, loc, body)
	}
	return strings.Split(loc, "?")[0]
}

func TestUIDeconflictCSRFRefused(t *testing.T) {
	w := newDeconflictUIWorld(t)
	v := w.opForm(t, w.officerB, "Lantern", nil)
	v.Del("csrf")
	if status, _, _ := w.officerB.do("POST", "/operations", v); status != http.StatusForbidden {
		t.Errorf("no token: %d", status)
	}
	v.Set("csrf", "forged")
	if status, _, _ := w.officerB.do("POST", "/operations", v); status != http.StatusForbidden {
		t.Errorf("forged token: %d", status)
	}
	if ops := w.operations(t); len(ops) != 0 {
		t.Fatalf("a refused form stored %d operations", len(ops))
	}
	op := w.register(t, w.officerB, "Lantern")
	for _, path := range []string{op + "/transitions", op + "/targets", "/watch/x", "/inbox/x/read"} {
		if status, _, _ := w.officerB.do("POST", path, url.Values{"to": {"cancelled"}, "reason": {"x"}}); status != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d", path, status)
		}
	}
	if ops := w.operations(t); len(ops) != 1 || ops[0].State != liaison.OpActive {
		t.Errorf("operations after refused posts: %+v", ops)
	}
}

func TestUIDeconflictFieldErrorsStoreNothing(t *testing.T) {
	w := newDeconflictUIWorld(t)
	for name, c := range map[string]struct {
		change    map[string]string
		id, want  string
		keptValue string
	}{
		"radius":      {map[string]string{"radius_m": "-1"}, "op-radius", "Radius must be greater than zero", `value="-1"`},
		"latitude":    {map[string]string{"lat": "95"}, "op-lat", "Centre latitude", `value="95"`},
		"not number":  {map[string]string{"lat": "north"}, "op-lat", "must be a number", `value="north"`},
		"end":         {map[string]string{"end": w.now.Add(time.Hour).Format("2006-01-02T15:04")}, "op-end", "End must be after start", "Lantern"},
		"bad time":    {map[string]string{"start": "tomorrow noon"}, "op-start", "in UTC", `value="tomorrow noon"`},
		"phone":       {map[string]string{"phone": ""}, "op-phone", "the number the other side calls", "Lantern"},
		"officers":    {map[string]string{"officers": "0"}, "op-officers", "between 1 and 10000", `value="0"`},
		"polygon":     {map[string]string{"place": "polygon", "polygon": "38.90, -77.04\n38.91, -77.03\n38.90, -77.03\n38.91, -77.04"}, "op-polygon", "Polygon", "38.91, -77.04"},
		"polygon row": {map[string]string{"place": "polygon", "polygon": "38.90 -77.04"}, "op-polygon", "line 1", "38.90 -77.04"},
		"kind":        {map[string]string{"kind": "picnic"}, "op-kind", "Kind must be one of", "Lantern"},
	} {
		status, _, body := w.officerB.do("POST", "/operations", w.opForm(t, w.officerB, "Lantern", c.change))
		if status != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, status)
			continue
		}
		i := strings.Index(body, `id="err-`+c.id+`"`)
		if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], c.want) {
			t.Errorf("%s: no error %q next to #%s:\n%s", name, c.want, c.id, body[max(0, strings.Index(body, "error-summary")):][:min(1500, len(body)-max(0, strings.Index(body, "error-summary")))])
		}
		if !strings.Contains(body, c.keptValue) || !strings.Contains(body, `value="Lantern"`) {
			t.Errorf("%s: the typed values were not kept", name)
		}
		if !strings.Contains(body, `href="#`+c.id+`"`) {
			t.Errorf("%s: the summary does not link the field", name)
		}
	}
	if ops := w.operations(t); len(ops) != 0 {
		t.Fatalf("refused forms stored %d operations", len(ops))
	}
	// A target with a malformed date of birth says what to fix and stores nothing.
	op := w.register(t, w.officerB, "Lantern")
	_, _, page := w.officerB.do("GET", op, nil)
	status, _, body := w.officerB.do("POST", op+"/targets", url.Values{"csrf": {csrfOf(t, page)}, "kind": {"person"},
		"name": {"Marek Dolan"}, "dob": {"13/02/1985"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-t-dob"`) || !strings.Contains(body, "YYYY-MM-DD") ||
		!strings.Contains(body, `value="Marek Dolan"`) {
		t.Errorf("bad date of birth: %d\n%.300s", status, body)
	}
	// Cancelling needs a reason.
	status, _, body = w.officerB.do("POST", op+"/transitions", url.Values{"csrf": {csrfOf(t, page)}, "to": {"cancelled"}})
	if status != http.StatusBadRequest || !strings.Contains(body, `id="err-cancel-reason"`) {
		t.Errorf("cancel without a reason: %d", status)
	}
	if ops := w.operations(t); len(ops) != 1 || ops[0].State != liaison.OpActive {
		t.Errorf("after refused acts: %+v", ops)
	}
}

func TestUIDeconflictRolesRefused(t *testing.T) {
	w := newDeconflictUIWorld(t)
	for _, c := range []struct {
		b      *browser
		path   string
		status int
	}{
		{w.watch, "/operations/new", http.StatusForbidden},
		{w.watch, "/operations", http.StatusForbidden},
		{w.officerB, "/watch", http.StatusForbidden},
		{w.officerB, "/operations/new", http.StatusOK},
		{w.watch, "/watch", http.StatusOK},
		{w.watch, "/inbox", http.StatusOK},
	} {
		if status, _, _ := c.b.do("GET", c.path, nil); status != c.status {
			t.Errorf("GET %s = %d, want %d", c.path, status, c.status)
		}
	}
	_, _, page := w.watch.do("GET", "/watch", nil)
	v := w.opForm(t, w.officerB, "Lantern", nil)
	v.Set("csrf", csrfOf(t, page))
	if status, _, _ := w.watch.do("POST", "/operations", v); status != http.StatusForbidden {
		t.Errorf("a watch officer registers an operation: %d", status)
	}
	// Navigation offers each role its pages.
	_, _, home := w.watch.do("GET", "/", nil)
	if !strings.Contains(home, `id="nav-watch"`) || strings.Contains(home, `id="nav-operations"`) || !strings.Contains(home, `id="nav-inbox"`) {
		t.Errorf("watch officer's navigation is wrong")
	}
	_, _, home = w.officerB.do("GET", "/", nil)
	if strings.Contains(home, `id="nav-watch"`) || !strings.Contains(home, `id="nav-operations"`) || !strings.Contains(home, `id="nav-conflicts"`) {
		t.Errorf("officer's navigation is wrong")
	}
}

func TestUIDeconflictOtherAgencySeesNoDetails(t *testing.T) {
	w := newDeconflictUIWorld(t)
	opA := w.register(t, w.officerB, "Lantern")
	opAID := strings.TrimPrefix(opA, "/operations/")
	status, loc, _ := w.b.do("POST", "/operations", w.opForm(t, w.b, "Harbor", map[string]string{"lat": "38.9080"}))
	if status != http.StatusSeeOther {
		t.Fatalf("B registers: %d", status)
	}
	_, _, page := w.b.do("GET", loc, nil)
	if !strings.Contains(page, "1 conflict found") {
		t.Errorf("B's operation page does not say a conflict was found:\n%.2000s", page)
	}
	var conflictID string
	if i := strings.Index(page, `href="/conflicts/`); i >= 0 {
		conflictID = page[i+len(`href="/conflicts/`):][:36]
	}
	if conflictID == "" {
		t.Fatal("no conflict link on B's operation page")
	}
	pages := []string{"/", "/conflicts", "/conflicts?show=resolved", "/conflicts/" + conflictID, "/inbox", "/operations",
		"/operations?state=draft", loc, opA}
	for _, p := range pages {
		status, _, body := w.b.do("GET", p, nil)
		if p == opA {
			if status != http.StatusNotFound {
				t.Errorf("B opens A's operation: %d", status)
			}
		}
		for _, secret := range []string{"Lantern", "secret notes of Lantern", opAID, "38.9072", "38.90720"} {
			if strings.Contains(body, secret) {
				t.Errorf("B sees %q on %s", secret, p)
			}
		}
	}
	// What B may know is there: the other agency and whom to call.
	_, _, board := w.b.do("GET", "/conflicts", nil)
	if !strings.Contains(board, "RIVPD") || !strings.Contains(board, `href="tel:&#43;1%20202%20555%200100"`) && !strings.Contains(board, "tel:") {
		t.Errorf("B's board lacks the other agency or its phone:\n%.3000s", board)
	}
	// The third agency sees nothing of it, and cannot open it.
	_, _, body := w.third.do("GET", "/conflicts", nil)
	if strings.Contains(body, conflictID) || !strings.Contains(body, `id="conflicts-empty"`) {
		t.Errorf("a third agency sees the conflict")
	}
	if status, _, _ := w.third.do("GET", "/conflicts/"+conflictID, nil); status != http.StatusNotFound {
		t.Errorf("a third agency opens the conflict: %d", status)
	}
	// The watch officer sees it, with both sides, on the map.
	_, _, watch := w.watch.do("GET", "/watch", nil)
	if !strings.Contains(watch, `id="conflict-`+conflictID+`"`) || !strings.Contains(watch, `id="watch-map"`) ||
		!strings.Contains(watch, "Agency WFO") || strings.Contains(watch, "Lantern") || strings.Contains(watch, "Harbor") {
		t.Errorf("watch board is wrong:\n%.3000s", watch)
	}
}

// sseClient opens the event stream as b and returns its lines.
func sseClient(t *testing.T, b *browser) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/events", nil)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Wait for the stream's greeting, so the subscription is in place.
	for l := range lines {
		if l == ": connected" {
			return lines
		}
	}
	t.Fatal("the stream closed before its greeting")
	return nil
}

// eventsWithin collects the data lines of conflict events until d passes.
func eventsWithin(lines <-chan string, d time.Duration) []string {
	var got []string
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return got
			}
			if strings.HasPrefix(l, "data: ") {
				got = append(got, l)
			}
		case <-deadline:
			return got
		}
	}
}

func TestUIDeconflictSSEReachesOnlyParties(t *testing.T) {
	w := newDeconflictUIWorld(t)
	a, b, third, watch := sseClient(t, w.officerB), sseClient(t, w.b), sseClient(t, w.third), sseClient(t, w.watch)
	w.register(t, w.officerB, "Lantern")
	_, loc, _ := w.b.do("POST", "/operations", w.opForm(t, w.b, "Harbor", nil))
	if !strings.HasPrefix(loc, "/operations/") {
		t.Fatalf("B registers: %s", loc)
	}
	relay := &service.OutboxRelay{Store: w.store, Bus: w.svc.Events}
	if n, err := relay.Flush(context.Background()); err != nil || n != 2 {
		t.Fatalf("relay = %d, %v; want one event per side", n, err)
	}
	for name, lines := range map[string]<-chan string{"A": a, "B": b, "watch": watch} {
		got := eventsWithin(lines, 2*time.Second)
		if len(got) == 0 || !strings.Contains(got[0], `"kind":"conflict"`) || !strings.Contains(got[0], `"conflict":"`) {
			t.Errorf("%s's stream: %q", name, got)
		}
		for _, g := range got {
			if strings.Contains(g, "Lantern") || strings.Contains(g, "Harbor") || strings.Contains(g, "secret") {
				t.Errorf("%s's stream carries content: %s", name, g)
			}
		}
	}
	if got := eventsWithin(third, 500*time.Millisecond); len(got) != 0 {
		t.Errorf("a third agency's stream got %q", got)
	}
	// The stream needs a browser session.
	if status, _, _ := newBrowser(t, w.srv.URL).do("GET", "/events", nil); status != http.StatusSeeOther {
		t.Errorf("events without a session: %d", status)
	}
}

func TestUIInboxMarkReadAndBadge(t *testing.T) {
	w := newDeconflictUIWorld(t)
	w.register(t, w.officerB, "Lantern")
	w.register(t, w.b, "Harbor")
	_, _, page := w.b.do("GET", "/inbox", nil)
	if !strings.Contains(page, `id="nav-unread">1<`) || !strings.Contains(page, "notice-item unread") || !strings.Contains(page, `href="/conflicts/`) {
		t.Fatalf("inbox with one unread notice:\n%.3000s", page)
	}
	i := strings.Index(page, `action="/inbox/`)
	id := page[i+len(`action="/inbox/`):][:36]
	if status, _, _ := w.b.do("POST", "/inbox/"+id+"/read", url.Values{"csrf": {csrfOf(t, page)}}); status != http.StatusSeeOther {
		t.Fatalf("mark read = %d", status)
	}
	_, _, page = w.b.do("GET", "/inbox", nil)
	if strings.Contains(page, `id="nav-unread"`) || strings.Contains(page, "notice-item unread") {
		t.Errorf("after mark read the notice is still unread")
	}
	// Another user's notice cannot be marked.
	_, _, other := w.third.do("GET", "/inbox", nil)
	w.third.do("POST", "/inbox/"+id+"/read", url.Values{"csrf": {csrfOf(t, other)}})
}

func TestUIEventStreamEndsWithTheSession(t *testing.T) {
	defer lhttp.SetSSEHeartbeat(100 * time.Millisecond)()
	w := newDeconflictUIWorld(t)
	lines := sseClient(t, w.b)
	// Pings do not end it while the session lives.
	time.Sleep(300 * time.Millisecond)
	_, _, home := w.b.do("GET", "/", nil)
	if status, _, _ := w.b.do("POST", "/logout", url.Values{"csrf": {csrfOf(t, home)}}); status != http.StatusSeeOther {
		t.Fatalf("logout = %d", status)
	}
	expired := false
	for l := range lines { // closes when the server ends the stream
		expired = expired || l == "event: expired"
	}
	if !expired {
		t.Fatal("the stream ended without saying the session had")
	}
}
