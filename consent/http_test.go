package consent

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"parentline/audit"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"parentline/staff"
)

// httpHarness serves the consent routes behind the real staff middleware,
// with one logged-in session per user.
type httpHarness struct {
	*harness
	srv    *httptest.Server
	tokens map[string]string
}

func newHTTPHarness(t *testing.T) *httpHarness {
	t.Helper()
	h := newHarness(t)
	store, err := staff.NewStore(h.db, staff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hh := &httpHarness{harness: h, tokens: map[string]string{}}
	for _, u := range []struct {
		name string
		role staff.Role
	}{
		{"anna", staff.RoleCounselor}, {"sara", staff.RoleSupervisor}, {"siv", staff.RoleSupervisor},
		{"ida", staff.RoleIntake}, {"stina", staff.RoleStatistician},
	} {
		if err := store.AddUser(u.name, strings.ToUpper(u.name[:1])+u.name[1:], []staff.Role{u.role}, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		token, _, err := store.NewSession(u.name)
		if err != nil {
			t.Fatal(err)
		}
		hh.tokens[u.name] = token
	}
	auth := staff.NewAuth(store, staff.AuthOptions{Log: zerolog.Nop()})
	mux := http.NewServeMux()
	h.svc.Routes(mux, auth.Require)
	hh.srv = httptest.NewServer(mux)
	t.Cleanup(hh.srv.Close)
	return hh
}

type reply struct {
	status int
	raw    []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.raw, v); err != nil {
		t.Fatalf("response %d %s: %v", r.status, r.raw, err)
	}
}

func (r reply) errorText(t *testing.T) string {
	t.Helper()
	var e struct{ Error string }
	r.json(t, &e)
	if e.Error == "" {
		t.Fatalf("response %d has no error: %s", r.status, r.raw)
	}
	return e.Error
}

// do sends a request as user ("" for none); body is JSON-encoded unless it
// is a string.
func (hh *httpHarness) do(t *testing.T, method, path, user string, body any) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, hh.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.AddCookie(&http.Cookie{Name: staff.CookieName, Value: hh.tokens[user]})
	}
	resp, err := hh.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, raw}
}

func TestHTTP_Guidance(t *testing.T) {
	hh := newHTTPHarness(t)
	r := hh.do(t, "GET", "/api/concern/guidance", "anna", nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	var g struct {
		Duty      string
		Paths     []struct{ ID, Title, Text string }
		Emergency []struct {
			Label, Value, Href string
		}
		SocialServices struct{ Name, Phone string } `json:"social_services"`
	}
	r.json(t, &g)
	if !strings.Contains(g.Duty, "anmälningsskyldighet enligt socialtjänstlagen (2025:400)") {
		t.Errorf("duty = %s", g.Duty)
	}
	if len(g.Paths) != 2 || g.Paths[0].ID != "consented" || g.Paths[1].ID != "mandatory" || g.Paths[1].Text == "" {
		t.Errorf("paths = %+v", g.Paths)
	}
	if len(g.Emergency) < 2 || g.Emergency[0].Value != "112" || g.Emergency[0].Href != "tel:112" {
		t.Errorf("emergency = %+v", g.Emergency)
	}
	last := g.Emergency[len(g.Emergency)-1]
	if last.Value != "0123-45 67 89" || last.Href != "tel:0123456789" {
		t.Errorf("unit phone = %+v", last)
	}
	if g.SocialServices.Name != "Socialtjänstens mottagning, Exempelby" || g.SocialServices.Phone != "0123-45 67 89" {
		t.Errorf("social_services = %+v", g.SocialServices)
	}

	en := hh.do(t, "GET", "/api/concern/guidance?lang=en", "sara", nil)
	if en.status != 200 || !strings.Contains(string(en.raw), "Social Services Act") || !strings.Contains(string(en.raw), "call 112") {
		t.Errorf("English guidance: %d %s", en.status, en.raw)
	}
	if r := hh.do(t, "GET", "/api/concern/guidance", "ida", nil); r.status != 403 {
		t.Errorf("intake reading guidance: %d", r.status)
	}
	if r := hh.do(t, "GET", "/api/concern/guidance", "", nil); r.status != 401 {
		t.Errorf("no session: %d", r.status)
	}
}

func TestHTTP_GuidanceConfiguredContacts(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		o.Emergency = []EmergencyContact{
			{Label: map[string]string{"sv": "Nödnummer", "en": "Emergency"}, Value: "112"},
			{Label: map[string]string{"sv": "Socialjouren", "en": "Social services out of hours"}, Value: "0123-11 22 33"},
			{Label: map[string]string{"sv": "BRIS vuxentelefon"}, Value: "077-150 50 50", Href: "tel:0771505050"},
		}
	})
	g := h.svc.guidance("en")
	var got []string
	for _, e := range g.Emergency {
		got = append(got, e.Label+"="+e.Href)
	}
	want := "Immediate danger: call 112=tel:112|Social services out of hours=tel:0123112233|BRIS vuxentelefon=tel:0771505050|Socialtjänstens mottagning, Exempelby=tel:0123456789"
	if strings.Join(got, "|") != want {
		t.Fatalf("emergency =\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

func TestHTTP_ReportFlow(t *testing.T) {
	hh := newHTTPHarness(t)
	draft := map[string]string{"chat": "0123456789abcdef", "what": testReport.What, "why": testReport.Why,
		"identifying": testReport.Identifying, "parent_told": "not_safe", "how_told": ""}

	r := hh.do(t, "POST", "/api/reports", "anna", draft)
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	var created struct{ ID string }
	r.json(t, &created)

	bad := map[string]string{"what": "x", "why": "y", "identifying": "z", "parent_told": "maybe"}
	if r := hh.do(t, "POST", "/api/reports", "anna", bad); r.status != 400 || !strings.Contains(r.errorText(t), "föräldern") {
		t.Errorf("bad parent_told: %d %s", r.status, r.raw)
	}
	if r := hh.do(t, "POST", "/api/reports?lang=en", "anna", map[string]string{"parent_told": "yes"}); r.status != 400 || !strings.Contains(r.errorText(t), "required") {
		t.Errorf("missing text: %d %s", r.status, r.raw)
	}
	if r := hh.do(t, "POST", "/api/reports", "anna", `{"what":`); r.status != 400 {
		t.Errorf("broken JSON: %d", r.status)
	}
	if r := hh.do(t, "POST", "/api/reports", "anna", `{"what":"`+strings.Repeat("a", 70<<10)+`"}`); r.status != 400 {
		t.Errorf("huge body: %d", r.status)
	}
	if r := hh.do(t, "POST", "/api/reports", "ida", draft); r.status != 403 {
		t.Errorf("intake submitting a report: %d", r.status)
	}

	// Only supervisors see drafts, with their text.
	if r := hh.do(t, "GET", "/api/reports/pending", "anna", nil); r.status != 403 {
		t.Errorf("counsellor reading drafts: %d", r.status)
	}
	r = hh.do(t, "GET", "/api/reports/pending", "sara", nil)
	var pending []Report
	r.json(t, &pending)
	if len(pending) != 1 || pending[0].ID != created.ID || pending[0].What != testReport.What ||
		pending[0].Author != "anna" || pending[0].AuthorName != "Anna" || pending[0].ParentTold != "not_safe" {
		t.Fatalf("pending = %+v", pending)
	}

	// A supervisor's own report: refused to her, approved by another.
	r = hh.do(t, "POST", "/api/reports", "sara", draft)
	var own struct{ ID string }
	r.json(t, &own)
	if r := hh.do(t, "POST", "/api/reports/"+own.ID+"/approve", "sara", nil); r.status != 403 || !strings.Contains(r.errorText(t), "själv") {
		t.Fatalf("approving own report: %d %s", r.status, r.raw)
	}
	if r := hh.do(t, "POST", "/api/reports/"+own.ID+"/approve", "anna", nil); r.status != 403 {
		t.Fatalf("counsellor approving: %d", r.status)
	}
	r = hh.do(t, "POST", "/api/reports/"+own.ID+"/approve", "siv", nil)
	var approved struct{ Reference string }
	r.json(t, &approved)
	if r.status != 200 || !refPattern.MatchString(approved.Reference) {
		t.Fatalf("approve: %d %s", r.status, r.raw)
	}
	if r := hh.do(t, "POST", "/api/reports/"+own.ID+"/approve", "siv", nil); r.status != 404 {
		t.Fatalf("approving twice: %d", r.status)
	}

	// Reject anna's.
	if r := hh.do(t, "POST", "/api/reports/"+created.ID+"/reject", "sara", map[string]string{"reason": "Komplettera med adress."}); r.status != 200 {
		t.Fatalf("reject: %d %s", r.status, r.raw)
	}
	if r := hh.do(t, "POST", "/api/reports/nope/reject", "sara", nil); r.status != 404 {
		t.Fatalf("reject unknown: %d %s", r.status, r.raw)
	}
	if len(hh.decide) != 2 || !strings.HasSuffix(hh.decide[1], "|rejected|") {
		t.Fatalf("decisions = %v", hh.decide)
	}
}

func TestHTTP_Intake(t *testing.T) {
	hh := newHTTPHarness(t)
	ref, _ := hh.createConsented(t)

	r := hh.do(t, "GET", "/api/cases", "ida", nil)
	var list []map[string]any
	r.json(t, &list)
	if r.status != 200 || len(list) != 1 || list[0]["reference"] != ref || list[0]["kind"] != "consented" ||
		list[0]["status"] != "new" || list[0]["received"] == nil {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	if _, ok := list[0]["envelope"]; ok || bytes.Contains(r.raw, []byte("Kim")) {
		t.Fatalf("the list carries content: %s", r.raw)
	}
	for _, who := range []string{"anna", "sara", "stina"} {
		if r := hh.do(t, "GET", "/api/cases", who, nil); r.status != 403 {
			t.Errorf("%s listing cases: %d", who, r.status)
		}
	}
	if r := hh.do(t, "GET", "/api/cases/"+ref, "anna", nil); r.status != 403 {
		t.Errorf("counsellor opening a case: %d", r.status)
	}

	r = hh.do(t, "GET", "/api/cases/"+ref, "ida", nil)
	var one struct {
		Reference, Kind, Status string
		Envelope                *Envelope
	}
	r.json(t, &one)
	if r.status != 200 || one.Reference != ref || one.Envelope == nil {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	pt, err := Open(*one.Envelope, ref, hh.keys[1])
	if err != nil || !bytes.Contains(pt, []byte(testDetails.Name)) {
		t.Fatalf("the intake cannot open what it got: %v", err)
	}
	if r := hh.do(t, "GET", "/api/cases/ORO-ZZZZZZZZ", "ida", nil); r.status != 404 {
		t.Errorf("unknown case: %d", r.status)
	}
	trail, _ := audit.Trail(hh.db, ref)
	if last := trail[len(trail)-1]; last.Action != audit.ActionOpened || last.Actor != "ida" {
		t.Fatalf("opening was not audited: %+v", trail)
	}

	status := func(st string) reply {
		return hh.do(t, "POST", "/api/cases/"+ref+"/status", "ida", map[string]string{"status": st})
	}
	if r := status("forwarded"); r.status != 409 {
		t.Errorf("forwarding before receipt: %d %s", r.status, r.raw)
	}
	if r := status("received"); r.status != 200 || !bytes.Contains(r.raw, []byte(`"status":"received"`)) {
		t.Fatalf("acknowledge: %d %s", r.status, r.raw)
	}
	if hh.status[len(hh.status)-1] != "anna|"+ref+"|received" {
		t.Errorf("the counsellor was not told: %v", hh.status)
	}
	if r := status("withdrawn"); r.status != 400 {
		t.Errorf("setting withdrawn: %d", r.status)
	}
	if r := status(""); r.status != 400 {
		t.Errorf("no status: %d", r.status)
	}
	if r := hh.do(t, "POST", "/api/cases/ORO-ZZZZZZZZ/status", "ida", map[string]string{"status": "received"}); r.status != 404 {
		t.Errorf("unknown case: %d", r.status)
	}
	if r := hh.do(t, "POST", "/api/cases/"+ref+"/status", "ida", "status=closed"); r.status != 400 {
		t.Errorf("not JSON: %d", r.status)
	}
	if r := hh.do(t, "POST", "/api/cases/"+ref+"/status", "anna", map[string]string{"status": "closed"}); r.status != 403 {
		t.Errorf("counsellor closing a case: %d", r.status)
	}
}

func TestHTTP_Withdraw(t *testing.T) {
	hh := newHTTPHarness(t)
	ref, code := hh.createConsented(t)
	other, _ := hh.createConsented(t)
	id, _ := hh.svc.SubmitReport(testReport)
	mref, _ := hh.svc.Approve(id, "sara")

	withdraw := func(body any) reply { return hh.do(t, "POST", "/api/consent/withdraw", "", body) }

	wrong := withdraw(map[string]string{"reference": ref, "code": "AAAA-AAAA-AAAA"})
	unknown := withdraw(map[string]string{"reference": "ORO-ZZZZZZZZ", "code": code})
	crossed := withdraw(map[string]string{"reference": other, "code": code})
	for name, r := range map[string]reply{"wrong code": wrong, "unknown reference": unknown, "another case's code": crossed} {
		if r.status != 404 || !bytes.Equal(r.raw, wrong.raw) {
			t.Errorf("%s: %d %s (wrong code gave %s)", name, r.status, r.raw, wrong.raw)
		}
	}

	ok := withdraw(map[string]string{"reference": ref, "code": code})
	if ok.status != 200 || strings.TrimSpace(string(ok.raw)) != `{"status":"withdrawn"}` {
		t.Fatalf("withdraw: %d %s", ok.status, ok.raw)
	}
	if m, env, _ := hh.svc.Get(ref); m.Status != StatusWithdrawn || len(env.Recipients) != 0 {
		t.Fatal("the case was not withdrawn")
	}
	replay := withdraw(map[string]string{"reference": ref, "code": code})
	if replay.status != 404 || !bytes.Equal(replay.raw, wrong.raw) {
		t.Fatalf("replay: %d %s", replay.status, replay.raw)
	}

	// The intake sees it withdrawn, with no content left.
	r := hh.do(t, "GET", "/api/cases/"+ref, "ida", nil)
	if r.status != 200 || !bytes.Contains(r.raw, []byte(`"status":"withdrawn"`)) || bytes.Contains(r.raw, []byte("envelope")) {
		t.Fatalf("intake view of a withdrawn case: %d %s", r.status, r.raw)
	}

	m := withdraw(map[string]string{"reference": mref, "code": "AAAA-AAAA-AAAA"})
	if m.status != 409 || !strings.Contains(m.errorText(t), "kan inte återkallas") {
		t.Fatalf("mandatory: %d %s", m.status, m.raw)
	}
	men := hh.do(t, "POST", "/api/consent/withdraw?lang=en", "", map[string]string{"reference": mref, "code": "x"})
	if men.status != 409 || !strings.Contains(men.errorText(t), "cannot be withdrawn") {
		t.Fatalf("mandatory in English: %d %s", men.status, men.raw)
	}

	for name, body := range map[string]any{
		"empty":           map[string]string{},
		"no code":         map[string]string{"reference": ref},
		"not JSON":        "reference=x",
		"trailing data":   `{"reference":"a","code":"b"} {}`,
		"over 1 KiB":      map[string]string{"reference": ref, "code": strings.Repeat("A", 1100)},
		"wrong JSON type": `{"reference":1,"code":2}`,
	} {
		if r := withdraw(body); r.status != 400 || r.errorText(t) == "" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := hh.do(t, "GET", "/api/consent/withdraw", "", nil); r.status != 405 {
		t.Errorf("GET: %d", r.status)
	}
}
