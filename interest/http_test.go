package interest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/audit"
	"parentline/consent"
	"parentline/eid"
	"parentline/eid/testid"
)

// The test persons of the e-ID test provider.
const (
	pnA = "190308189802" // Anna Testsson
	pnB = "190309069813" // Bertil Provsson
	pnC = "190310139803" // Cecilia Exempeldotter, protected identity
)

// The fake staff middleware's headers: a username and roles, comma
// separated.
const (
	staffUserHeader  = "X-Test-Staff-User"
	staffRolesHeader = "X-Test-Staff-Roles"
)

// fakeStaff stands in for auth.Require(): 401 without a username.
func fakeStaff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(staffUserHeader) == "" {
			http.Error(w, `{"error":"login"}`, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func staffRoles(r *http.Request) (string, []string) {
	var roles []string
	if v := r.Header.Get(staffRolesHeader); v != "" {
		roles = strings.Split(v, ",")
	}
	return r.Header.Get(staffUserHeader), roles
}

type httpEnv struct {
	*harness
	t    *testing.T
	prov *testid.Provider
	srv  *httptest.Server
}

// newHTTPEnv starts a real server on the harness's store: e-ID sessions,
// the test provider, the e-ID routes and the interest routes.
func newHTTPEnv(t *testing.T) *httpEnv {
	t.Helper()
	h := newHarness(t)
	e := &httpEnv{harness: h, t: t}
	log := zerolog.New(h.logs)
	e.prov = testid.New(testid.Options{Now: h.clock.Now})
	sessions := eid.NewSessions(eid.SessionOptions{Now: h.clock.Now, Idle: 400 * 24 * time.Hour, Max: 800 * 24 * time.Hour})
	svc := eid.NewService(e.prov, sessions, eid.Options{Now: h.clock.Now, Log: log})
	mux := http.NewServeMux()
	svc.Register(mux)
	e.prov.Register(mux)
	h.s.Routes(mux, HTTPOptions{Sessions: sessions, Staff: fakeStaff, StaffRoles: staffRoles, Log: log})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		logs := h.logs.String()
		for _, p := range []string{pnA, pnA[2:], pnB, pnC, "Testsson", "Exempeldotter"} {
			if strings.Contains(logs, p) {
				t.Errorf("the log contains personal data %q", p)
			}
		}
	})
	return e
}

// browser is an HTTP client with its own cookie jar.
type browser struct {
	e       *httpEnv
	c       *http.Client
	headers map[string]string
}

func (e *httpEnv) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}, headers: map[string]string{}}
}

// staff is a staff member's browser with these roles.
func (e *httpEnv) staff(user string, roles ...string) *browser {
	b := e.browser()
	b.headers[staffUserHeader] = user
	b.headers[staffRolesHeader] = strings.Join(roles, ",")
	return b
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

func (r resp) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("body is not a JSON array (%d): %s", r.status, r.body)
	}
	return l
}

// do sends a request; body is JSON-encoded unless it is a string.
func (b *browser) do(method, path string, body any, headers ...string) resp {
	b.e.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			b.e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, rd)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// login logs b in as pn through the e-ID test provider.
func (b *browser) login(pn string) {
	t := b.e.t
	t.Helper()
	r := b.do("POST", "/api/eid/orders", map[string]string{"kind": "auth"})
	wantStatus(t, r, http.StatusCreated)
	id := r.obj(t)["order"].(string)
	refs := b.e.prov.PendingRefs()
	if len(refs) == 0 {
		t.Fatal("no pending order at the test provider")
	}
	if err := b.e.prov.Complete(refs[0], pn); err != nil {
		t.Fatal(err)
	}
	r = b.do("GET", "/api/eid/orders/"+id, nil)
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["logged_in"] != true {
		t.Fatalf("not logged in: %s", r.body)
	}
}

// answersA are Anna Testsson's answers (the test form's shape).
func answersA(munis ...string) map[string]any {
	return map[string]any{"municipalities": munis,
		"contact":    map[string]string{"given_name": "Anna", "surname": "Testsson", "email": "anna.testsson@example.se"},
		"health":     map[string]string{"comment": healthNote},
		"motivation": motivation}
}

func TestHTTP_CitizenSubmitsAndStaffReads(t *testing.T) {
	e := newHTTPEnv(t)
	a := e.browser()
	a.login(pnA)

	// The form: units, nothing registered, no draft, pre-filled names.
	r := a.do("GET", "/api/interest/foster/form", nil)
	wantStatus(t, r, http.StatusOK)
	f := r.obj(t)
	units := f["units"].([]any)
	if len(units) != 3 || f["draft"] != nil || f["draft_info"] != nil || f["drafts"] != true {
		t.Fatalf("form %s", r.body)
	}
	if u := units[2].(map[string]any); u["code"] != "2303" || u["open"] != false || u["registered"] != false {
		t.Errorf("Ragunda %v", u)
	}
	if p := f["prefill"].(map[string]any); p["given_name"] != "Anna" || p["surname"] != "Testsson" {
		t.Errorf("prefill %v", p)
	}
	if c := f["consent"].(map[string]any); c["version"] != "2026-1" || c["text"].(map[string]any)["en"] == "" {
		t.Errorf("consent %v", c)
	}

	// A draft: kept without health, shown on the form again.
	r = a.do("PUT", "/api/interest/foster/draft", map[string]any{"answers": answersA("2380")})
	wantStatus(t, r, http.StatusOK)
	if d := r.obj(t); d["saved_at"] != start.Format(time.RFC3339) || d["delete_after"] != start.Add(DefaultDraftFor).Format(time.RFC3339) {
		t.Errorf("draft info %s", r.body)
	}
	f = a.do("GET", "/api/interest/foster/form", nil).obj(t)
	if d, _ := f["draft"].(map[string]any); d == nil || d["motivation"] != motivation || d["health"] != nil {
		t.Fatalf("draft on the form %v", f["draft"])
	}

	// Submit to Östersund and Åre.
	r = a.do("POST", "/api/interest/foster?lang=en", map[string]any{"answers": answersA("2380", "2321"), "consent": true})
	wantStatus(t, r, http.StatusCreated)
	recs := r.obj(t)["records"].([]any)
	if len(recs) != 2 {
		t.Fatalf("records %s", r.body)
	}
	ost := recs[0].(map[string]any)
	id := ost["id"].(string)
	if ost["unit"] != "2380" || ost["unit_name"] != "Östersund" || ost["status"] != "received" {
		t.Errorf("receipt %v", ost)
	}
	f = a.do("GET", "/api/interest/foster/form", nil).obj(t)
	if f["draft"] != nil || f["units"].([]any)[0].(map[string]any)["registered"] != true {
		t.Errorf("form after submitting: draft %v, units %v", f["draft"], f["units"])
	}
	mine := a.do("GET", "/api/interest/mine", nil).list(t)
	if len(mine) != 2 || mine[0]["status_label"].(map[string]any)["sv"] != "Inkommen" || mine[0]["erasable"] != true ||
		mine[0]["envelope"] != nil || mine[0]["title"].(map[string]any)["sv"] == "" {
		t.Fatalf("mine %v", mine)
	}
	// The confirmation, in English, links to Mina sidor.
	e.deliver(t)
	if msgs := e.mailer.Messages(); len(msgs) != 1 || msgs[0].Subject != "Your registration" ||
		!strings.Contains(msgs[0].Text, id) {
		t.Fatalf("mail %+v", msgs)
	}

	// Östersund's staff: their unit, with its key id; the list; the record.
	karin := e.staff("karin", "foster:2380")
	r = karin.do("GET", "/api/interest/foster/staff/units", nil)
	wantStatus(t, r, http.StatusOK)
	su := r.list(t)
	if len(su) != 1 || su[0]["code"] != "2380" || su[0]["key_ids"].([]any)[0] != consent.KeyID(e.keys["2380"][0].PublicKey()) {
		t.Fatalf("staff units %s", r.body)
	}
	list := karin.do("GET", "/api/interest/foster/staff/records?unit=2380", nil).list(t)
	if len(list) != 1 || list[0]["id"] != id || list[0]["envelope"] != nil || list[0]["consent_withdrawn"] != false {
		t.Fatalf("staff list %v", list)
	}
	r = karin.do("GET", "/api/interest/foster/staff/records/"+id, nil)
	wantStatus(t, r, http.StatusOK)
	var rec Record
	if err := json.Unmarshal(r.body, &rec); err != nil || rec.Envelope == nil || !strings.Contains(string(r.body), `"corrections":[]`) {
		t.Fatalf("record %s", r.body)
	}
	m := e.open(t, *rec.Envelope, id, "2380")
	if m["personnummer"] != pnA || m["eid_name"] != "Anna Testsson" ||
		m["answers"].(map[string]any)["health"].(map[string]any)["comment"] != healthNote {
		t.Errorf("opened %v", m)
	}

	// Staff set "under assessment": the citizen can no longer withdraw it.
	r = karin.do("POST", "/api/interest/foster/staff/records/"+id+"/status", map[string]string{"status": "assessment"})
	wantStatus(t, r, http.StatusOK)
	if r.obj(t)["status_label"].(map[string]any)["en"] != "Under assessment" {
		t.Errorf("status %s", r.body)
	}
	for _, lang := range []string{"sv", "en"} {
		r = a.do("POST", "/api/interest/mine/"+id+"/withdraw?lang="+lang, nil)
		wantStatus(t, r, http.StatusConflict)
		if b := r.obj(t); b["code"] != "not_erasable" || b["error"] != assessmentReason.In(lang) {
			t.Errorf("withdraw in assessment (%s): %s", lang, r.body)
		}
	}
	mine = a.do("GET", "/api/interest/mine", nil).list(t)
	if mine[1]["id"] != id && mine[0]["id"] != id {
		t.Fatal("record gone")
	}
	// Åre's one may be withdrawn.
	areID := recs[1].(map[string]any)["id"].(string)
	wantStatus(t, a.do("POST", "/api/interest/mine/"+areID+"/withdraw", nil), http.StatusOK)
	if mine = a.do("GET", "/api/interest/mine", nil).list(t); len(mine) != 1 {
		t.Fatalf("mine after withdrawing %v", mine)
	}
	// Staff delete.
	wantStatus(t, karin.do("DELETE", "/api/interest/foster/staff/records/"+id, nil), http.StatusNoContent)
	if mine = a.do("GET", "/api/interest/mine", nil).list(t); len(mine) != 0 {
		t.Fatalf("mine after staff deleted %v", mine)
	}
	wantStatus(t, a.do("DELETE", "/api/interest/foster/draft", nil), http.StatusNoContent)
}

func TestHTTP_AlreadyRegistered(t *testing.T) {
	e := newHTTPEnv(t)
	a := e.browser()
	a.login(pnA)
	wantStatus(t, a.do("POST", "/api/interest/foster", map[string]any{"answers": answersA("2380"), "consent": true}), http.StatusCreated)
	for _, lang := range []string{"sv", "en"} {
		r := a.do("POST", "/api/interest/foster?lang="+lang, map[string]any{"answers": answersA("2321", "2380"), "consent": true})
		wantStatus(t, r, http.StatusConflict)
		b := r.obj(t)
		fields := b["fields"].(map[string]any)
		want := map[string]string{"sv": "Du har redan gjort en intresseanmälan till Östersund", "en": "You have already registered your interest with Östersund"}[lang]
		if b["code"] != "already_registered" || !strings.HasPrefix(b["error"].(string), want) ||
			fields["municipalities"] != b["error"] || len(b["units"].([]any)) != 1 || b["units"].([]any)[0] != "2380" {
			t.Errorf("%s: %s", lang, r.body)
		}
	}
	if n := e.count(t, bucketRecords); n != 1 {
		t.Fatalf("%d records", n)
	}
}

func TestHTTP_CitizenErrors(t *testing.T) {
	e := newHTTPEnv(t)
	a := e.browser()
	a.login(pnA)

	// No consent, no first name: 422 with the fields, in both languages.
	bad := answersA("2380")
	bad["contact"] = map[string]string{"surname": "Testsson"}
	for _, lang := range []string{"sv", "en"} {
		r := a.do("POST", "/api/interest/foster", map[string]any{"answers": bad, "consent": false}, "Accept-Language", lang)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		b := r.obj(t)
		fields := b["fields"].(map[string]any)
		if b["error"] != map[string]string{"sv": "Några uppgifter behöver rättas. Se markeringarna vid fälten.",
			"en": "Some details need correcting. See the notes by the fields."}[lang] ||
			fields["consent"] != Messages["consent"].In(lang) || fields["contact.given_name"] == nil {
			t.Errorf("%s: %s", lang, r.body)
		}
	}
	// Not JSON: 400 with a clear message.
	r := a.do("POST", "/api/interest/foster?lang=en", `{"answers": {`)
	wantStatus(t, r, http.StatusBadRequest)
	if b := r.obj(t); b["error"] != "Invalid request: send a JSON object with the fields needed." || b["code"] != "bad_request" {
		t.Errorf("bad JSON: %s", r.body)
	}
	r = a.do("POST", "/api/interest/foster", map[string]any{"answers": "text", "consent": true})
	wantStatus(t, r, http.StatusBadRequest)
	// Too large.
	big := answersA("2380")
	big["motivation"] = strings.Repeat("å", MaxAnswers/2)
	r = a.do("PUT", "/api/interest/foster/draft?lang=en", map[string]any{"answers": big})
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if r.obj(t)["error"] != Messages["too_large"].En {
		t.Errorf("too large: %s", r.body)
	}
	// Unknown kind, a kind without drafts, wrong method.
	r = a.do("GET", "/api/interest/adoption/form?lang=en", nil)
	wantStatus(t, r, http.StatusNotFound)
	if r.obj(t)["error"] != "There is no such e-service." {
		t.Errorf("unknown kind: %s", r.body)
	}
	wantStatus(t, a.do("POST", "/api/interest/adoption", map[string]any{"answers": answersA("2380"), "consent": true}), http.StatusNotFound)
	wantStatus(t, a.do("PUT", "/api/interest/programme/draft", map[string]any{"answers": map[string]any{}}), http.StatusNotFound)
	wantStatus(t, a.do("GET", "/api/interest/programme/form", nil), http.StatusOK)
	wantStatus(t, a.do("PATCH", "/api/interest/foster/draft", nil), http.StatusMethodNotAllowed)
	wantStatus(t, a.do("GET", "/api/interest/mine/FH-0000-0000/withdraw", nil), http.StatusMethodNotAllowed)
	if n := e.count(t, bucketRecords) + e.count(t, bucketDrafts); n != 0 {
		t.Fatalf("%d stored", n)
	}
}

func TestHTTP_LoginAndSameSiteRequired(t *testing.T) {
	e := newHTTPEnv(t)
	anon := e.browser()
	routes := []struct{ method, path string }{
		{"GET", "/api/interest/foster/form"},
		{"PUT", "/api/interest/foster/draft"},
		{"DELETE", "/api/interest/foster/draft"},
		{"POST", "/api/interest/foster"},
		{"GET", "/api/interest/mine"},
		{"POST", "/api/interest/mine/FH-0000-0000/withdraw"},
	}
	for _, c := range routes {
		r := anon.do(c.method, c.path+"?lang=en", "{}")
		if r.status != http.StatusUnauthorized || r.obj(t)["code"] != "login_required" {
			t.Errorf("%s %s without login: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	a := e.browser()
	a.login(pnA)
	body := map[string]any{"answers": answersA("2380"), "consent": true}
	for _, c := range routes {
		if c.method == "GET" {
			continue
		}
		r := a.do(c.method, c.path+"?lang=en", body, "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden || r.obj(t)["code"] != "cross_site" {
			t.Errorf("%s %s cross-site: %d %s", c.method, c.path, r.status, r.body)
		}
		r = a.do(c.method, c.path, body, "Origin", "https://evil.example")
		if r.status != http.StatusForbidden {
			t.Errorf("%s %s from another origin: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if n := e.count(t, bucketRecords); n != 0 {
		t.Fatalf("a cross-site request stored %d records", n)
	}
	// Staff changes are same-site only too.
	karin := e.staff("karin", "foster:2380")
	wantStatus(t, karin.do("DELETE", "/api/interest/foster/staff/records/FH-0000-0000", nil, "Sec-Fetch-Site", "cross-site"),
		http.StatusForbidden)
	if got := e.actions(t, "FH-0000-0000"); len(got) != 0 {
		t.Fatalf("a cross-site staff request reached the store: %v", got)
	}
}

func TestHTTP_OtherPersonsRecordIsNotFound(t *testing.T) {
	e := newHTTPEnv(t)
	a, b := e.browser(), e.browser()
	a.login(pnA)
	b.login(pnB)
	r := a.do("POST", "/api/interest/foster", map[string]any{"answers": answersA("2380"), "consent": true})
	wantStatus(t, r, http.StatusCreated)
	id := r.obj(t)["records"].([]any)[0].(map[string]any)["id"].(string)

	other := b.do("POST", "/api/interest/mine/"+id+"/withdraw", nil)
	unknown := b.do("POST", "/api/interest/mine/FH-ZZZZ-ZZZZ/withdraw", nil)
	wantStatus(t, other, http.StatusNotFound)
	wantStatus(t, unknown, http.StatusNotFound)
	if !bytes.Equal(other.body, unknown.body) {
		t.Errorf("another's record %s, an unknown id %s", other.body, unknown.body)
	}
	if other.obj(t)["error"] != Messages["not_found"].Sv {
		t.Errorf("message %s", other.body)
	}
	if got := e.actions(t, id); !slices.Equal(got, []string{"citizen interest_submitted", "citizen interest_refused_not_owner"}) {
		t.Errorf("audit %v", got)
	}
	if mine := b.do("GET", "/api/interest/mine", nil).list(t); len(mine) != 0 {
		t.Errorf("Bertil sees %v", mine)
	}
	if mine := a.do("GET", "/api/interest/mine", nil).list(t); len(mine) != 1 {
		t.Errorf("Anna's record is gone: %v", mine)
	}
}

func TestHTTP_StaffScope(t *testing.T) {
	e := newHTTPEnv(t)
	a := e.browser()
	a.login(pnA)
	r := a.do("POST", "/api/interest/foster", map[string]any{"answers": answersA("2380", "2321"), "consent": true})
	wantStatus(t, r, http.StatusCreated)
	recs := r.obj(t)["records"].([]any)
	ostID := recs[0].(map[string]any)["id"].(string)

	erik := e.staff("erik", "foster:2321", "coordinator:bromma")
	for _, lang := range []string{"sv", "en"} {
		r = erik.do("GET", "/api/interest/foster/staff/records/"+ostID+"?lang="+lang, nil)
		wantStatus(t, r, http.StatusForbidden)
		if b := r.obj(t); b["code"] != "foreign_unit" || b["error"] != Messages["foreign_unit"].In(lang) {
			t.Errorf("foreign record (%s): %s", lang, r.body)
		}
	}
	wantStatus(t, erik.do("GET", "/api/interest/foster/staff/records?unit=2380", nil), http.StatusForbidden)
	wantStatus(t, erik.do("POST", "/api/interest/foster/staff/records/"+ostID+"/status", map[string]string{"status": "assessment"}),
		http.StatusForbidden)
	wantStatus(t, erik.do("DELETE", "/api/interest/foster/staff/records/"+ostID, nil), http.StatusForbidden)
	wantStatus(t, erik.do("GET", "/api/interest/foster/staff/records/FH-0000-0000", nil), http.StatusNotFound)
	wantStatus(t, erik.do("GET", "/api/interest/foster/staff/records/..%2F..%2Fetc", nil), http.StatusNotFound)
	r = erik.do("GET", "/api/interest/foster/staff/records?lang=en", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.obj(t)["fields"].(map[string]any)["unit"] != "Choose a unit." {
		t.Errorf("no unit: %s", r.body)
	}
	r = erik.do("POST", "/api/interest/foster/staff/records/"+recs[1].(map[string]any)["id"].(string)+"/status?lang=en",
		map[string]string{"status": "approved"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.obj(t)["fields"].(map[string]any)["status"] != Messages["unknown_status"].En {
		t.Errorf("unknown status: %s", r.body)
	}
	list := erik.do("GET", "/api/interest/foster/staff/records?unit=2321", nil).list(t)
	if len(list) != 1 || list[0]["unit"] != "2321" {
		t.Fatalf("Erik's list %v", list)
	}
	if got := e.actions(t, ostID); !slices.Equal(got, []string{"citizen interest_submitted",
		"erik interest_refused_foreign_unit", "erik interest_refused_foreign_unit",
		"erik interest_refused_foreign_unit", "erik interest_refused_foreign_unit"}) {
		t.Errorf("audit %v", got)
	}
	refused, _ := audit.List(e.db, audit.Query{Action: ActionRefusedUnknownID})
	if len(refused) != 2 || refused[0].Reference != "malformed" || refused[1].Reference != "FH-0000-0000" {
		t.Errorf("unknown ids audited %+v", refused)
	}

	// No unit of this kind: 403; not logged in: 401.
	r = e.staff("lena", "coordinator:kungsholmen").do("GET", "/api/interest/foster/staff/units?lang=en", nil)
	wantStatus(t, r, http.StatusForbidden)
	if r.obj(t)["error"] != Messages["no_units"].En {
		t.Errorf("no units: %s", r.body)
	}
	wantStatus(t, e.browser().do("GET", "/api/interest/foster/staff/units", nil), http.StatusUnauthorized)
	wantStatus(t, e.staff("lena", "coordinator:kungsholmen").do("GET", "/api/interest/adoption/staff/units", nil), http.StatusNotFound)

	// The statuses, for anyone.
	r = e.browser().do("GET", "/api/interest/foster/statuses", nil)
	wantStatus(t, r, http.StatusOK)
	st := r.list(t)
	if len(st) != 2 || st[0]["code"] != "received" || st[0]["erasable"] != true || st[1]["erasable"] != false ||
		st[1]["label"].(map[string]any)["sv"] != "Under bedömning" {
		t.Errorf("statuses %s", r.body)
	}
}

func TestHTTP_ProtectedIdentityIsNotPrefilled(t *testing.T) {
	e := newHTTPEnv(t)
	c := e.browser()
	c.login(pnC)
	f := c.do("GET", "/api/interest/foster/form", nil).obj(t)
	if p := f["prefill"].(map[string]any); p["given_name"] != "" || p["surname"] != "" {
		t.Fatalf("prefill for a protected identity %v", p)
	}
	r := c.do("POST", "/api/interest/foster", map[string]any{"answers": answersA("2380"), "consent": true})
	wantStatus(t, r, http.StatusCreated)
	id := r.obj(t)["records"].([]any)[0].(map[string]any)["id"].(string)
	rec, err := e.s.Get("foster", id, []string{"foster:2380"}, "karin")
	if err != nil {
		t.Fatal(err)
	}
	if m := e.open(t, *rec.Envelope, id, "2380"); m["protected"] != true || m["personnummer"] != pnC {
		t.Errorf("sealed %v", m)
	}
}
