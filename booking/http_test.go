package booking

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/eid"
	"parentline/eid/testid"
	"parentline/internal/testkit"
	"parentline/internal/testkit/testmail"
)

// The test persons of the e-ID test provider (Skatteverket test numbers).
const (
	pnA   = "190308189802" // Anna Testsson
	nameA = "Anna Testsson"
	pnB   = "190309069813" // Bertil Provsson
	nameB = "Bertil Provsson"
	pnD   = "190311019814" // David Testman
)

// What applicant A types.
const (
	typedName    = "Anna Testsson"
	typedAddress = "Provgatan 17\n831 30 Östersund"
	typedEmail   = "anna.testsson@example.se"
	typedMobile  = "070-123 45 67"
	typedCoEmail = "bertil.provsson@example.se"
)

// httpStart is the HTTP tests' first moment: Monday 23 November 2026,
// 10:00 in Sweden.
var httpStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type httpEnv struct {
	t        *testing.T
	clk      *testkit.Clock
	s        *Store
	prov     *testid.Provider
	sessions *eid.Sessions
	svc      *eid.Service
	srv      *httptest.Server
	mailer   *testmail.Mailer
	logs     *testkit.LogBuffer
	staff    *browser // a staff member's browser (the fake Staff middleware's header)
}

// staffHeader is what the fake Staff middleware checks: the role, and the
// username StaffName reads.
const (
	staffRoleHeader = "X-Test-Staff-Role"
	staffUserHeader = "X-Test-Staff-User"
)

// fakeStaff stands in for staff.Auth.Require(booking, admin): 401 without
// a role, 403 with another role.
func fakeStaff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get(staffRoleHeader) {
		case "booking", "admin":
			h.ServeHTTP(w, r)
		case "":
			http.Error(w, `{"error":"login"}`, http.StatusUnauthorized)
		default:
			http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
		}
	})
}

// newHTTPEnv starts a real server: a bbolt file in a temp dir, the
// Store, e-ID sessions, the test provider with its device page, the e-ID
// service and the booking routes, all on one fake clock.
func newHTTPEnv(t *testing.T) *httpEnv {
	t.Helper()
	e := &httpEnv{t: t, clk: testkit.NewClock(httpStart), mailer: &testmail.Mailer{}, logs: &testkit.LogBuffer{}}
	db := openDB(t, filepath.Join(t.TempDir(), "parentline.db"))
	t.Cleanup(func() { db.Close() })
	log := zerolog.New(e.logs)
	var err error
	e.s, err = Open(db, Options{Now: e.clk.Now, Secret: testSecret, BaseURL: baseURL, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.prov = testid.New(testid.Options{Now: e.clk.Now})
	// Long sessions: the tests move the clock by days.
	e.sessions = eid.NewSessions(eid.SessionOptions{Now: e.clk.Now, Idle: 30 * 24 * time.Hour, Max: 60 * 24 * time.Hour})
	e.svc = eid.NewService(e.prov, e.sessions, eid.Options{Now: e.clk.Now, Log: log})
	mux := http.NewServeMux()
	e.svc.Register(mux)
	e.prov.Register(mux)
	e.s.Routes(mux, HTTPOptions{EID: e.svc, Sessions: e.sessions, Staff: fakeStaff,
		StaffName: func(r *http.Request) string { return r.Header.Get(staffUserHeader) }, Log: log, Now: e.clk.Now})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.staff = e.browser()
	e.staff.headers = map[string]string{staffRoleHeader: "booking", staffUserHeader: "karin.staff"}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		logs := e.logs.String()
		for _, p := range []string{pnA, pnA[2:], pnB, pnB[2:], nameA, nameB, typedEmail, typedCoEmail, "Provgatan", "701234567"} {
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
	return &browser{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// obj is the body as a JSON object.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// list is the body as a JSON array of objects.
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

// login logs b in as pn: an e-ID auth order completed on the test
// provider, then the poll that sets the session cookie.
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

// completeSign completes the newest pending order as pn, as the phone.
func (e *httpEnv) completeSign(pn string) {
	e.t.Helper()
	refs := e.prov.PendingRefs()
	if len(refs) == 0 {
		e.t.Fatal("no pending sign order")
	}
	if err := e.prov.Complete(refs[0], pn); err != nil {
		e.t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second) // past eid's CollectEvery
}

var refRE = regexp.MustCompile(`name="ref" value="([^"]+)"`)

// deviceSign opens the test device page, checks the text to sign, and
// signs as pn through the page's form. It returns the page.
func (e *httpEnv) deviceSign(pn string) string {
	e.t.Helper()
	dev := e.browser()
	page := dev.do("GET", testid.Path, nil)
	wantStatus(e.t, page, http.StatusOK)
	m := refRE.FindStringSubmatch(string(page.body))
	if m == nil {
		e.t.Fatalf("no pending order on the device page:\n%s", page.body)
	}
	form := url.Values{"ref": {m[1]}, "pn": {pn}}
	req, _ := http.NewRequest("POST", e.srv.URL+testid.Path+"complete", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := dev.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Request.URL.Query().Get("m"); got != "complete" {
		e.t.Fatalf("device page said %q", got)
	}
	e.clk.Advance(3 * time.Second)
	return html.UnescapeString(string(page.body))
}

// publish publishes a slot through the staff route.
func (e *httpEnv) publish(start time.Time, form Form) string {
	e.t.Helper()
	r := e.staff.do("POST", "/api/booking/staff/slots", map[string]any{
		"start": start.In(stockholm(e.t)).Format("2006-01-02T15:04"), "minutes": 60, "form": form,
		"place": "ostersund", "counselor": "Karin Rådgivare"})
	wantStatus(e.t, r, http.StatusCreated)
	return r.obj(e.t)["id"].(string)
}

func stockholm(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func signBody(slot string) map[string]any {
	return map[string]any{"slot": slot, "contact": map[string]string{"name": typedName, "address": typedAddress,
		"email": typedEmail, "mobile": typedMobile}, "co_email": typedCoEmail}
}

// book runs the applicant's part: /sign, the phone signs, /book → 201.
func (e *httpEnv) book(a *browser, slot, pn string) map[string]any {
	e.t.Helper()
	r := a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(e.t, r, http.StatusCreated)
	order := r.obj(e.t)["order"].(string)
	e.completeSign(pn)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(e.t, r, http.StatusCreated)
	return r.obj(e.t)["booking"].(map[string]any)
}

var tokenRE = regexp.MustCompile(`\?t=([A-Za-z0-9_-]{43})`)

// invitationToken delivers the outbox and reads the newest invitation
// link's token from the mail to the co-applicant.
func (e *httpEnv) invitationToken() string {
	e.t.Helper()
	if _, err := e.s.DeliverMail(context.Background(), e.mailer); err != nil {
		e.t.Fatal(err)
	}
	msgs := e.mailer.To(typedCoEmail)
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := tokenRE.FindStringSubmatch(msgs[i].Text); m != nil {
			return m[1]
		}
	}
	e.t.Fatal("no invitation mail with a link")
	return ""
}

// coSign runs the co-applicant's part and returns the answer of /cosign.
func (e *httpEnv) coSign(b *browser, token, pn string) resp {
	e.t.Helper()
	r := b.do("POST", "/api/booking/invitation/sign", map[string]string{"t": token})
	wantStatus(e.t, r, http.StatusCreated)
	order := r.obj(e.t)["order"].(string)
	e.completeSign(pn)
	return b.do("POST", "/api/booking/invitation/cosign", map[string]string{"t": token, "order": order})
}

// freeSlotIDs lists the ids GET /slots shows.
func freeSlotIDs(t *testing.T, b *browser) []string {
	t.Helper()
	r := b.do("GET", "/api/booking/slots", nil)
	wantStatus(t, r, http.StatusOK)
	var ids []string
	for _, s := range r.list(t) {
		ids = append(ids, s["id"].(string))
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestHTTP_TwoBrowsersBookAndCoSign(t *testing.T) {
	e := newHTTPEnv(t)
	loc := stockholm(t)
	slotStart := time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
	slot := e.publish(slotStart, FormParterapi)
	other := e.publish(slotStart.Add(24*time.Hour), FormParterapi)
	single := e.publish(slotStart.Add(2*time.Hour), FormEngangssamtal)

	a := e.browser()
	a.login(pnA)

	// The free slots, by form, with labels in the request's language and
	// times with the Swedish offset.
	r := a.do("GET", "/api/booking/slots?form=parterapi&lang=en", nil)
	wantStatus(t, r, http.StatusOK)
	slots := r.list(t)
	if len(slots) != 2 || slots[0]["id"] != slot || slots[1]["id"] != other {
		t.Fatalf("slots: %s", r.body)
	}
	s0 := slots[0]
	if s0["start"] != "2026-12-01T10:00:00+01:00" || s0["end"] != "2026-12-01T11:00:00+01:00" ||
		s0["minutes"] != 60.0 || s0["form"] != "parterapi" || s0["form_label"] != "Couple therapy" ||
		s0["place"] != "ostersund" || s0["place_label"] == "" || s0["counselor"] != "Karin Rådgivare" {
		t.Fatalf("slot: %v", s0)
	}
	for _, k := range []string{"state", "booking_id", "published_by"} {
		if _, ok := s0[k]; ok {
			t.Errorf("a citizen sees the slot's %s", k)
		}
	}
	if ids := freeSlotIDs(t, a); !contains(ids, single) || len(ids) != 3 {
		t.Fatalf("all forms: %v", ids)
	}

	// Sign: the text the phone shows is the booking.
	r = a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusCreated)
	order := r.obj(t)["order"].(string)
	if strings.Contains(string(r.body), typedEmail) {
		t.Error("/sign echoes the contact details")
	}
	// Not signed yet: pending.
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusAccepted)
	if r.obj(t)["state"] != "pending" {
		t.Fatalf("pending: %s", r.body)
	}
	page := e.deviceSign(pnA)
	for _, want := range []string{ServiceName, "Parterapi", "tisdag 1 december 2026 kl. 10:00–11:00", "Karin Rådgivare",
		"Provgatan 17, 831 30 Östersund", typedEmail, "+46701234567", typedCoEmail, "skickas in först när både jag och medsökande har signerat"} {
		if !strings.Contains(page, want) {
			t.Errorf("the device page's sign text lacks %q", want)
		}
	}
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusCreated)
	bk := r.obj(t)["booking"].(map[string]any)
	id := bk["id"].(string)
	if bk["state"] != "awaiting_cosign" || bk["role"] != "applicant" || bk["co_email"] != typedCoEmail ||
		bk["hold_until"] == nil || bk["can_cancel"] != true || bk["can_rebook"] != false || bk["state_label"] == "" {
		t.Fatalf("booking: %s", r.body)
	}
	meeting := bk["meeting"].(map[string]any)
	if meeting["start"] != "2026-12-01T10:00:00+01:00" || meeting["form_label"] != "Parterapi" || meeting["place_label"] == "" {
		t.Fatalf("meeting: %v", meeting)
	}
	for _, leak := range []string{pnA, "Provgatan", "701234567", "personnummer", "signature"} {
		if strings.Contains(string(r.body), leak) {
			t.Errorf("the booking answer contains %q", leak)
		}
	}
	// The same order again: refused.
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusNotFound)

	// Staff: the slot is held, with nothing about who holds it; no
	// booking in their list yet.
	r = e.staff.do("GET", "/api/booking/staff/slots?from=2026-12-01&to=2026-12-02", nil)
	wantStatus(t, r, http.StatusOK)
	held := false
	for _, s := range r.list(t) {
		if s["id"] == slot {
			held = s["state"] == "held" && s["booking_id"] == nil
		}
	}
	if !held || strings.Contains(string(r.body), nameA) || strings.Contains(string(r.body), id) {
		t.Fatalf("staff slots while held: %s", r.body)
	}
	r = e.staff.do("GET", "/api/booking/staff/bookings?from=2026-11-23&to=2026-12-31", nil)
	wantStatus(t, r, http.StatusOK)
	if len(r.list(t)) != 0 {
		t.Fatalf("staff see a booking before both signed: %s", r.body)
	}
	if contains(freeSlotIDs(t, a), slot) {
		t.Fatal("the held slot is still offered")
	}

	// Browser B, the co-applicant, with the link from the mail.
	token := e.invitationToken()
	b := e.browser()
	r = b.do("GET", "/api/booking/invitation?t="+token, nil)
	wantStatus(t, r, http.StatusUnauthorized) // the booking is shown only after an e-ID login
	b.login(pnB)
	r = b.do("GET", "/api/booking/invitation?t="+token, nil)
	wantStatus(t, r, http.StatusOK)
	inv := r.obj(t)
	if inv["booking_id"] != id || inv["applicant_name"] != nameA || inv["hold_until"] == nil ||
		inv["meeting"].(map[string]any)["slot_id"] != slot {
		t.Fatalf("invitation: %s", r.body)
	}
	text, _ := inv["text"].(string)
	if !strings.Contains(text, "Jag signerar som medsökande") || !strings.Contains(text, "tisdag 1 december 2026 kl. 10:00–11:00") {
		t.Fatalf("invitation text: %s", text)
	}
	for _, leak := range []string{typedEmail, "Provgatan", "701234567", pnA} {
		if strings.Contains(string(r.body), leak) {
			t.Errorf("the invitation shows the applicant's %q", leak)
		}
	}
	r = b.do("GET", "/api/booking/invitation?t="+token+"x", nil)
	wantStatus(t, r, http.StatusNotFound)
	r = e.coSign(b, token, pnB)
	wantStatus(t, r, http.StatusCreated)
	cb := r.obj(t)["booking"].(map[string]any)
	if cb["id"] != id || cb["state"] != "confirmed" || cb["role"] != "co_applicant" || cb["other_name"] != nameA {
		t.Fatalf("co-signed: %s", r.body)
	}
	// The link is used up.
	r = b.do("GET", "/api/booking/invitation?t="+token, nil)
	wantStatus(t, r, http.StatusNotFound)

	// Both see it on Mina sidor.
	for _, c := range []struct {
		b    *browser
		role string
	}{{a, "applicant"}, {b, "co_applicant"}} {
		r = c.b.do("GET", "/api/booking/mine", nil)
		wantStatus(t, r, http.StatusOK)
		l := r.list(t)
		if len(l) != 1 || l[0]["id"] != id || l[0]["state"] != "confirmed" || l[0]["role"] != c.role ||
			l[0]["can_rebook"] != true || l[0]["hold_until"] != nil {
			t.Fatalf("mine of the %s: %s", c.role, r.body)
		}
	}

	// Staff now see it, with both parties' details.
	r = e.staff.do("GET", "/api/booking/staff/bookings?from=2026-12-01&to=2026-12-01", nil)
	wantStatus(t, r, http.StatusOK)
	l := r.list(t)
	if len(l) != 1 || l[0]["id"] != id {
		t.Fatalf("staff bookings: %s", r.body)
	}
	ap := l[0]["applicant"].(map[string]any)
	co := l[0]["co_applicant"].(map[string]any)
	if ap["personnummer"] != pnA || ap["name"] != typedName || ap["address"] != typedAddress || ap["email"] != typedEmail ||
		ap["mobile"] != "+46701234567" || co["personnummer"] != pnB || co["name"] != nameB || co["email"] != typedCoEmail {
		t.Fatalf("staff booking parties: %v / %v", ap, co)
	}

	// The confirmation mail went to both.
	if _, err := e.s.DeliverMail(context.Background(), e.mailer); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{typedEmail, typedCoEmail} {
		found := false
		for _, m := range e.mailer.To(addr) {
			found = found || strings.Contains(m.Text, ConfirmationPhrase)
		}
		if !found {
			t.Errorf("no confirmation to %s", addr)
		}
	}

	// Rebook early: free of charge.
	r = a.do("GET", "/api/booking/mine/"+id+"/rebook-terms?slot="+other, nil)
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["fee"] != false || m["amount"] != 0.0 || m["message"] == "" || m["new_meeting"] == nil {
		t.Fatalf("rebook terms: %s", r.body)
	}
	r = a.do("GET", "/api/booking/mine/"+id+"/rebook-terms?slot="+single, nil)
	wantStatus(t, r, http.StatusConflict) // another form
	r = b.do("POST", "/api/booking/mine/"+id+"/rebook", map[string]any{"slot": other})
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["kind"] != "rebooked" || m["fee"] != false || m["previous"] == nil ||
		m["meeting"].(map[string]any)["slot_id"] != other {
		t.Fatalf("rebook: %s", r.body)
	}
	if ids := freeSlotIDs(t, a); !contains(ids, slot) || contains(ids, other) {
		t.Fatalf("after the move, free: %v", ids)
	}
}

func TestHTTP_SamePersonReleasesTheSlot(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormEngangssamtal)
	a := e.browser()
	a.login(pnA)
	id := e.book(a, slot, pnA)["id"].(string)
	token := e.invitationToken()

	// The applicant opens the co-applicant's link in another browser and
	// signs as themselves.
	a2 := e.browser()
	a2.login(pnA)
	r := e.coSign(a2, token, pnA)
	wantStatus(t, r, http.StatusConflict)
	m := r.obj(t)
	if m["code"] != "same_person" || !strings.Contains(m["error"].(string), "Samma person") {
		t.Fatalf("same person: %s", r.body)
	}
	if !contains(freeSlotIDs(t, a), slot) {
		t.Fatal("the slot is not free again at once")
	}
	r = a.do("GET", "/api/booking/mine?lang=en", nil)
	wantStatus(t, r, http.StatusOK)
	l := r.list(t)
	if len(l) != 1 || l[0]["id"] != id || l[0]["state"] != "refused_same_person" || l[0]["can_cancel"] != false {
		t.Fatalf("mine: %s", r.body)
	}
	r = a2.do("GET", "/api/booking/invitation?t="+token, nil)
	wantStatus(t, r, http.StatusNotFound)
}

func TestHTTP_DeclineFreesTheSlot(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	e.book(a, slot, pnA)
	token := e.invitationToken()
	b := e.browser()
	b.login(pnB)
	r := b.do("POST", "/api/booking/invitation/decline", map[string]string{"t": token})
	wantStatus(t, r, http.StatusOK)
	if string(bytes.TrimSpace(r.body)) != "{}" {
		t.Fatalf("decline: %s", r.body)
	}
	if !contains(freeSlotIDs(t, a), slot) {
		t.Fatal("the slot is not free after a decline")
	}
	r = b.do("POST", "/api/booking/invitation/decline?lang=en", map[string]string{"t": token})
	wantStatus(t, r, http.StatusNotFound)
	if m := r.obj(t); m["error"] != ErrInvitationInvalid.En {
		t.Fatalf("second decline: %s", r.body)
	}
	r = b.do("POST", "/api/booking/invitation/sign", map[string]string{"t": token})
	wantStatus(t, r, http.StatusNotFound)
}

func TestHTTP_FieldErrors(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	bad := map[string]any{"slot": "", "contact": map[string]string{"name": " ", "address": "", "email": "anna@", "mobile": "063-14 46 00"},
		"co_email": "bertil.example.se"}
	fields := []string{"slot", "name", "address", "email", "mobile", "co_email"}
	got := map[string]map[string]any{}
	for _, lang := range []string{"sv", "en"} {
		r := a.do("POST", "/api/booking/sign?lang="+lang, bad)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		m := r.obj(t)
		fs, _ := m["fields"].(map[string]any)
		if m["error"] != UserMessage(FieldErrors{}, lang) || len(fs) != len(fields) {
			t.Fatalf("%s: %s", lang, r.body)
		}
		for _, f := range fields {
			if s, _ := fs[f].(string); s == "" {
				t.Errorf("%s: no message for %s", lang, f)
			}
		}
		if strings.Contains(string(r.body), "bertil.example.se") {
			t.Errorf("%s: the error repeats the input", lang)
		}
		got[lang] = fs
	}
	if got["sv"]["email"] == got["en"]["email"] || got["en"]["name"] != "Enter your name." || got["sv"]["name"] != "Skriv ditt namn." {
		t.Fatalf("sv %v, en %v", got["sv"], got["en"])
	}
	// Accept-Language works as well.
	r := a.do("POST", "/api/booking/sign", bad, "Accept-Language", "en-GB,en;q=0.8")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if r.obj(t)["fields"].(map[string]any)["co_email"] != got["en"]["co_email"] {
		t.Fatalf("Accept-Language: %s", r.body)
	}
	if len(e.prov.PendingRefs()) != 0 {
		t.Fatal("an invalid booking started a sign order")
	}

	// An unknown slot is 404; bad JSON and an oversized body 400.
	r = a.do("POST", "/api/booking/sign", signBody("T-NOSUCHSLOT1"))
	wantStatus(t, r, http.StatusNotFound)
	r = a.do("POST", "/api/booking/sign", `{"slot":`)
	wantStatus(t, r, http.StatusBadRequest)
	huge := signBody(slot)
	huge["co_email"] = strings.Repeat("x", 20<<10)
	r = a.do("POST", "/api/booking/sign", huge)
	wantStatus(t, r, http.StatusBadRequest)

	// Staff: the publish form's fields.
	r = e.staff.do("POST", "/api/booking/staff/slots?lang=en", map[string]any{"start": "tomorrow", "minutes": 10,
		"form": "x", "place": "ostersund", "counselor": "K"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if fs := r.obj(t)["fields"].(map[string]any); fs["start"] == nil {
		t.Fatalf("publish: %s", r.body)
	}
	r = e.staff.do("POST", "/api/booking/staff/slots", map[string]any{"start": "2026-11-20T10:00", "minutes": 10,
		"form": "x", "place": "mars", "counselor": ""})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	fs := r.obj(t)["fields"].(map[string]any)
	for _, f := range []string{"start", "minutes", "form", "place", "counselor"} {
		if fs[f] == nil {
			t.Errorf("publish: no error for %s: %s", f, r.body)
		}
	}
}

func TestHTTP_Unauthenticated(t *testing.T) {
	e := newHTTPEnv(t)
	anon := e.browser()
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/booking/slots"},
		{"POST", "/api/booking/sign"},
		{"POST", "/api/booking/book"},
		{"GET", "/api/booking/invitation?t=x"},
		{"POST", "/api/booking/invitation/sign"},
		{"POST", "/api/booking/invitation/cosign"},
		{"POST", "/api/booking/invitation/decline"},
		{"GET", "/api/booking/mine"},
		{"GET", "/api/booking/mine/FR-X/cancel-terms"},
		{"POST", "/api/booking/mine/FR-X/cancel"},
		{"GET", "/api/booking/mine/FR-X/rebook-terms?slot=T"},
		{"POST", "/api/booking/mine/FR-X/rebook"},
	} {
		var body any
		if c.method == "POST" {
			body = "{}"
		}
		sep := "?"
		if strings.Contains(c.path, "?") {
			sep = "&"
		}
		r := anon.do(c.method, c.path+sep+"lang=en", body)
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), `"error"`) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

func TestHTTP_PartiesOnly(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	b := e.browser()
	b.login(pnB)

	r := a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusCreated)
	order := r.obj(t)["order"].(string)
	e.completeSign(pnA)
	// B cannot use A's order, nor a forged one.
	r = b.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusNotFound)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": "forged-order-id"})
	wantStatus(t, r, http.StatusNotFound)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusCreated)
	id := r.obj(t)["booking"].(map[string]any)["id"].(string)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusNotFound)

	// B is no party (has not signed): A's booking does not exist for B.
	r = b.do("GET", "/api/booking/mine/"+id+"/cancel-terms", nil)
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("POST", "/api/booking/mine/"+id+"/cancel", map[string]any{"accept_fee": true})
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("GET", "/api/booking/mine/FR-NOSUCHONE1/cancel-terms", nil)
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("GET", "/api/booking/mine", nil)
	wantStatus(t, r, http.StatusOK)
	if len(r.list(t)) != 0 {
		t.Fatalf("B sees A's booking: %s", r.body)
	}

	// The co-applicant's order cannot be used with another token or by
	// another session.
	token := e.invitationToken()
	r = b.do("POST", "/api/booking/invitation/sign", map[string]string{"t": token})
	wantStatus(t, r, http.StatusCreated)
	coOrder := r.obj(t)["order"].(string)
	e.completeSign(pnB)
	r = a.do("POST", "/api/booking/invitation/cosign", map[string]string{"t": token, "order": coOrder})
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("POST", "/api/booking/invitation/cosign", map[string]string{"t": strings.Repeat("A", 43), "order": coOrder})
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("POST", "/api/booking/book", map[string]string{"order": coOrder}) // a co-applicant's order is no booking
	wantStatus(t, r, http.StatusNotFound)
	r = b.do("POST", "/api/booking/invitation/cosign", map[string]string{"t": token, "order": coOrder})
	wantStatus(t, r, http.StatusCreated)

	// The applicant cancels (free: early), and the slot is free.
	r = a.do("GET", "/api/booking/mine/"+id+"/cancel-terms", nil)
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["fee"] != false {
		t.Fatalf("terms: %s", r.body)
	}
	r = a.do("POST", "/api/booking/mine/"+id+"/cancel", map[string]any{"accept_fee": false})
	wantStatus(t, r, http.StatusOK)
	if !contains(freeSlotIDs(t, a), slot) {
		t.Fatal("the cancelled slot is not free")
	}
	r = a.do("POST", "/api/booking/mine/"+id+"/cancel", map[string]any{"accept_fee": false})
	wantStatus(t, r, http.StatusConflict)
}

func TestHTTP_SignFailedAndSlotTakenMeanwhile(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	d := e.browser()
	d.login(pnD)

	// Cancelled on the phone: 409, and the order is gone.
	r := a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusCreated)
	order := r.obj(t)["order"].(string)
	if err := e.prov.UserCancel(e.prov.PendingRefs()[0]); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(3 * time.Second)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusConflict)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusNotFound)

	// A signs; meanwhile D books the same slot: A's /book is 409 and
	// nothing is stored for A.
	r = a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusCreated)
	order = r.obj(t)["order"].(string)
	e.completeSign(pnA)
	e.book(d, slot, pnD)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusConflict)
	if m := r.obj(t); m["code"] != "slot_taken" || m["error"] != httpMsg("sv", "slot_released") {
		t.Fatalf("taken meanwhile: %s", r.body)
	}
	r = a.do("GET", "/api/booking/mine", nil)
	if len(r.list(t)) != 0 {
		t.Fatalf("A has a booking: %s", r.body)
	}
	// /sign itself says 409 for a slot that is not free.
	r = a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusConflict)
}

func TestHTTP_LateCancelCostsTheFee(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(72*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	id := e.book(a, slot, pnA)["id"].(string)
	b := e.browser()
	b.login(pnB)
	wantStatus(t, e.coSign(b, e.invitationToken(), pnB), http.StatusCreated)

	e.clk.Advance(30 * time.Hour) // 42 hours before the meeting
	r := a.do("GET", "/api/booking/mine/"+id+"/cancel-terms", nil)
	wantStatus(t, r, http.StatusOK)
	m := r.obj(t)
	if m["fee"] != true || m["amount"] != 200.0 || !strings.Contains(m["message"].(string), "200 kronor") {
		t.Fatalf("late terms: %s", r.body)
	}
	r = a.do("GET", "/api/booking/mine/"+id+"/cancel-terms?lang=en", nil)
	if m := r.obj(t); !strings.Contains(m["message"].(string), "200 SEK") {
		t.Fatalf("late terms in English: %s", r.body)
	}
	r = a.do("POST", "/api/booking/mine/"+id+"/cancel", map[string]any{})
	wantStatus(t, r, http.StatusConflict)
	if m := r.obj(t); m["code"] != "fee_not_accepted" || m["error"] == "" {
		t.Fatalf("without accept_fee: %s", r.body)
	}
	if contains(freeSlotIDs(t, a), slot) {
		t.Fatal("refused cancel freed the slot")
	}
	r = a.do("POST", "/api/booking/mine/"+id+"/cancel", map[string]any{"accept_fee": true})
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["fee"] != true || m["amount"] != 200.0 || m["kind"] != "cancelled" {
		t.Fatalf("cancel: %s", r.body)
	}
	r = a.do("GET", "/api/booking/mine", nil)
	l := r.list(t)
	if len(l) != 1 || l[0]["state"] != "cancelled" || l[0]["fee"] == nil ||
		l[0]["fee"].(map[string]any)["amount"] != 200.0 || l[0]["fee"].(map[string]any)["reason"] == "" {
		t.Fatalf("mine after a late cancel: %s", r.body)
	}

	// Staff: the fee to invoice, as JSON and as CSV.
	r = e.staff.do("GET", "/api/booking/staff/fees?from=2026-11-01&to=2026-11-30", nil)
	wantStatus(t, r, http.StatusOK)
	fees := r.list(t)
	if len(fees) != 1 || fees[0]["booking_id"] != id || fees[0]["personnummer"] != pnA || fees[0]["name"] != nameA ||
		fees[0]["amount"] != 200.0 {
		t.Fatalf("fees: %s", r.body)
	}
	r = e.staff.do("GET", "/api/booking/staff/fees?from=2026-11-01&to=2026-11-30&format=csv", nil)
	wantStatus(t, r, http.StatusOK)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="avgifter-2026-11-01-2026-11-30.csv"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "Bokning" || rows[1][0] != id || rows[1][6] != pnA || rows[1][7] != "200" {
		t.Fatalf("csv: %q", rows)
	}
}

func TestHTTP_FeesCSVNeutralisesFormulas(t *testing.T) {
	e := newHTTPEnv(t)
	// A fee whose name (the e-ID name) would be a formula in a
	// spreadsheet: made through the Store, as no test e-ID has such a name.
	slot := e.publish(httpStart.Add(40*time.Hour), FormEngangssamtal)
	evil := "=HYPERLINK(\"http://evil.example/\",\"x\")"
	_, tok, err := e.s.Book(BookInput{SlotID: slot, Applicant: Identity{Personnummer: pnA, Name: evil},
		Contact:          Contact{Name: "+1 Sökande", Address: "@gatan 1", Email: typedEmail, Mobile: typedMobile},
		CoApplicantEmail: typedCoEmail, Proof: Proof{Signature: "c2ln", OCSP: "b2NzcA==", SignedAt: e.clk.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CoSign(tok, Identity{Personnummer: pnB, Name: "-Medsökande"}, Proof{Signature: "c2ln", OCSP: "b2NzcA==", SignedAt: e.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	list, err := e.s.BookingsFor(pnA)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	if _, err := e.s.Cancel(list[0].ID, pnB, true); err != nil {
		t.Fatal(err)
	}
	r := e.staff.do("GET", "/api/booking/staff/fees?format=csv&lang=en&from=2026-11-23&to=2026-11-23", nil)
	wantStatus(t, r, http.StatusOK)
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "Booking" || rows[0][6] != "Personal identity number" {
		t.Fatalf("csv: %q", rows)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if rows[1][5] != "'-Medsökande" {
		t.Fatalf("name cell %q", rows[1][5])
	}
	if strings.Contains(e.logs.String(), "HYPERLINK") {
		t.Fatal("the name was logged")
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"Anna":      "Anna",
		"=1+1":      "'=1+1",
		"+46701":    "'+46701",
		"-2":        "'-2",
		"@SUM(A1)":  "'@SUM(A1)",
		"\t=1":      "'\t=1",
		"200":       "200",
		"FR-ABC123": "FR-ABC123",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTTP_StaffRoutesNeedStaff(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	routes := []struct{ method, path, body string }{
		{"GET", "/api/booking/staff/slots", ""},
		{"POST", "/api/booking/staff/slots", `{"start":"2026-12-10T10:00","minutes":60,"form":"parterapi","place":"video","counselor":"X"}`},
		{"DELETE", "/api/booking/staff/slots/" + slot, ""},
		{"GET", "/api/booking/staff/bookings", ""},
		{"POST", "/api/booking/staff/bookings/FR-X/cancel", `{"charge_fee":true}`},
		{"GET", "/api/booking/staff/fees", ""},
		{"GET", "/api/booking/staff/fees?format=csv", ""},
	}
	citizen := e.browser()
	citizen.login(pnA) // a citizen session is no staff login
	other := e.browser()
	other.headers = map[string]string{staffRoleHeader: "counselor", staffUserHeader: "someone"}
	for _, rt := range routes {
		var body any
		if rt.body != "" {
			body = rt.body
		}
		if r := citizen.do(rt.method, rt.path, body); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s without staff login: %d", rt.method, rt.path, r.status)
		}
		if r := other.do(rt.method, rt.path, body); r.status != http.StatusForbidden {
			t.Errorf("%s %s with another role: %d", rt.method, rt.path, r.status)
		}
	}
	// A staff login without a username (StaffName "") is refused too.
	nameless := e.browser()
	nameless.headers = map[string]string{staffRoleHeader: "admin"}
	if r := nameless.do("GET", "/api/booking/staff/bookings", nil); r.status != http.StatusUnauthorized {
		t.Errorf("nameless staff: %d", r.status)
	}
	// The slot is still there; staff may delete it.
	r := e.staff.do("DELETE", "/api/booking/staff/slots/"+slot, nil)
	wantStatus(t, r, http.StatusNoContent)
	r = e.staff.do("DELETE", "/api/booking/staff/slots/"+slot, nil)
	wantStatus(t, r, http.StatusNotFound)
	r = e.staff.do("GET", "/api/booking/staff/slots?from=2026-12-31&to=2026-12-01", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)

	// Routes without a Staff middleware deny every staff route.
	mux := http.NewServeMux()
	e.s.Routes(mux, HTTPOptions{EID: e.svc, Sessions: e.sessions})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/booking/staff/bookings", nil)
	req.Header.Set(staffRoleHeader, "admin")
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("no Staff middleware: %d", rec.Code)
	}
}

func TestHTTP_StaffCancelAndHeldSlot(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	id := e.book(a, slot, pnA)["id"].(string)
	// A held slot cannot be deleted.
	r := e.staff.do("DELETE", "/api/booking/staff/slots/"+slot, nil)
	wantStatus(t, r, http.StatusConflict)
	r = e.staff.do("POST", "/api/booking/staff/bookings/"+id+"/cancel", map[string]any{"charge_fee": false})
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["kind"] != "cancelled" || m["booking_id"] != id {
		t.Fatalf("staff cancel: %s", r.body)
	}
	r = e.staff.do("POST", "/api/booking/staff/bookings/FR-NOSUCHONE1/cancel", map[string]any{})
	wantStatus(t, r, http.StatusNotFound)
	if !contains(freeSlotIDs(t, a), slot) {
		t.Fatal("slot not free after staff cancel")
	}
	if !strings.Contains(e.logs.String(), "karin.staff") {
		t.Fatal("the staff action is not logged with the username")
	}
}

func TestDrafts_BoundAndExpiring(t *testing.T) {
	now := httpStart
	ds := newDrafts(10*time.Minute, 2)
	if err := ds.put("o1", &draft{session: "s1"}, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := ds.get("o1", "s2", now); ok {
		t.Fatal("another session got the draft")
	}
	if _, ok := ds.get("o1", "s1", now.Add(9*time.Minute)); !ok {
		t.Fatal("the draft is gone early")
	}
	// One per session: a new draft replaces the session's earlier one.
	if err := ds.put("o2", &draft{session: "s1"}, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := ds.get("o1", "s1", now); ok || ds.len() != 1 {
		t.Fatal("the session's earlier draft is kept")
	}
	if err := ds.put("o3", &draft{session: "s2"}, now); err != nil {
		t.Fatal(err)
	}
	if err := ds.put("o4", &draft{session: "s3"}, now); err != errTooManyDrafts {
		t.Fatalf("over the bound: %v", err)
	}
	// Expired drafts make room and are not found.
	later := now.Add(10 * time.Minute)
	if _, ok := ds.get("o2", "s1", later); ok {
		t.Fatal("an expired draft was found")
	}
	if err := ds.put("o4", &draft{session: "s3"}, later); err != nil {
		t.Fatal(err)
	}
	d, _ := ds.get("o4", "s3", later)
	if !ds.take("o4", d) || ds.take("o4", d) {
		t.Fatal("take is not once")
	}
}

func TestHTTP_DraftExpires(t *testing.T) {
	e := newHTTPEnv(t)
	slot := e.publish(httpStart.Add(7*24*time.Hour), FormParterapi)
	a := e.browser()
	a.login(pnA)
	r := a.do("POST", "/api/booking/sign", signBody(slot))
	wantStatus(t, r, http.StatusCreated)
	order := r.obj(t)["order"].(string)
	e.completeSign(pnA)
	e.clk.Advance(10 * time.Minute)
	r = a.do("POST", "/api/booking/book", map[string]string{"order": order})
	wantStatus(t, r, http.StatusNotFound)
	if !contains(freeSlotIDs(t, a), slot) {
		t.Fatal("slot taken by an expired draft")
	}
}
