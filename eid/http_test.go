package eid_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parentline/eid"
	"parentline/eid/testid"
	"parentline/internal/testkit"
)

// newClock returns a settable clock, to share by the provider, the
// sessions and the service.
func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

// counting wraps a Provider, counting Collect calls and remembering the
// started orders (to check that their secrets never leave the server).
type counting struct {
	eid.Provider
	collects atomic.Int64
	mu       sync.Mutex
	started  []eid.Started
}

func (c *counting) Start(ctx context.Context, o eid.Order) (eid.Started, error) {
	st, err := c.Provider.Start(ctx, o)
	if err == nil {
		c.mu.Lock()
		c.started = append(c.started, st)
		c.mu.Unlock()
	}
	return st, err
}

func (c *counting) Collect(ctx context.Context, ref string) (eid.Result, error) {
	c.collects.Add(1)
	return c.Provider.Collect(ctx, ref)
}

func (c *counting) last() eid.Started {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started[len(c.started)-1]
}

// AutoStartURL passes the test provider's device link through the wrapper.
func (c *counting) AutoStartURL(token, redirect string) string {
	return c.Provider.(*testid.Provider).AutoStartURL(token, redirect)
}

type env struct {
	t        *testing.T
	clk      *testkit.Clock
	test     *testid.Provider
	prov     *counting
	sessions *eid.Sessions
	svc      *eid.Service
	srv      *httptest.Server
}

// newEnv starts a real server on 127.0.0.1 with the e-ID routes, the test
// device, and two citizen routes of its own: GET /api/test/whoami behind
// Require, and POST /api/test/sign + POST /api/test/take/{id} that start a
// sign order and take its result, as a booking handler would.
func newEnv(t *testing.T, secure bool) *env {
	t.Helper()
	e := &env{t: t, clk: newClock()}
	e.test = testid.New(testid.Options{Now: e.clk.Now})
	e.prov = &counting{Provider: e.test}
	e.sessions = eid.NewSessions(eid.SessionOptions{Now: e.clk.Now, CookieSecure: secure})
	e.svc = eid.NewService(e.prov, e.sessions, eid.Options{Now: e.clk.Now})
	mux := http.NewServeMux()
	e.svc.Register(mux)
	e.test.Register(mux)
	mux.Handle("GET /", http.NotFoundHandler()) // as the server's static files
	mux.Handle("GET /api/test/whoami", e.sessions.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := eid.CitizenFrom(r.Context())
		_ = json.NewEncoder(w).Encode(map[string]string{"given_name": c.User.GivenName})
	})))
	mux.Handle("POST /api/test/sign", eid.Protect(e.sessions.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := eid.CitizenFrom(r.Context())
		id, err := e.svc.StartSign(r.Context(), r, c, "Jag bokar familjesamtal den 1 december.", []byte("doc-hash"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"order": id})
	}))))
	mux.Handle("POST /api/test/take/{id}", eid.Protect(e.sessions.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := eid.CitizenFrom(r.Context())
		res, err := e.svc.TakeSigned(c, r.PathValue("id"))
		code := "ok"
		switch {
		case errors.Is(err, eid.ErrNoOrder):
			code = "no_order"
		case errors.Is(err, eid.ErrOrderPending):
			code = "pending"
		case errors.Is(err, eid.ErrOrderFailed):
			code = "failed"
		case err != nil:
			code = "error"
		}
		_ = json.NewEncoder(w).Encode(map[string]string{
			"code": code, "signer": res.User.PersonalNumber, "signature": res.Signature, "ocsp": res.OCSPResponse,
		})
	}))))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// browser is an HTTP client with its own cookie jar.
type browser struct {
	t   *testing.T
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}, jar: jar}
}

type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
	res    *http.Response
}

func (b *browser) do(method, path string, body string, headers ...string) response {
	b.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: raw, res: res}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || bytes.HasPrefix(raw, []byte("{")) {
		r.json = map[string]any{}
		_ = json.Unmarshal(raw, &r.json)
	}
	return r
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL + "/api/eid/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func want(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// startLogin starts a login and returns the order id.
func (b *browser) startLogin() string {
	b.t.Helper()
	r := b.do("POST", "/api/eid/orders", `{"kind":"auth"}`)
	want(b.t, r, http.StatusCreated)
	id, _ := r.json["order"].(string)
	if id == "" {
		b.t.Fatalf("no order id: %s", r.body)
	}
	return id
}

var refRE = regexp.MustCompile(`name="ref" value="([^"]+)"`)

// device is the developer at the test device page: it completes the
// (only) pending order as pn through the page's form, over HTTP.
func (e *env) deviceComplete(pn string) string {
	e.t.Helper()
	dev := e.browser()
	page := dev.do("GET", testid.Path, "")
	want(e.t, page, http.StatusOK)
	if !strings.Contains(string(page.body), "TEST – inte riktig e-legitimation") ||
		!strings.Contains(string(page.body), "TEST – not a real e-ID") {
		e.t.Fatal("device page does not say it is a test")
	}
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
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Query().Get("m") == "" {
		e.t.Fatalf("device complete: %d %s", res.StatusCode, res.Request.URL)
	}
	_ = body
	return res.Request.URL.Query().Get("m")
}

// login logs b in as pn through the whole flow.
func (b *browser) login(pn string) {
	b.t.Helper()
	id := b.startLogin()
	if m := b.e.deviceComplete(pn); m != "complete" {
		b.t.Fatalf("device said %q", m)
	}
	b.e.clk.Advance(2 * time.Second)
	r := b.do("GET", "/api/eid/orders/"+id, "")
	want(b.t, r, http.StatusOK)
	if r.json["state"] != "complete" || r.json["logged_in"] != true {
		b.t.Fatalf("after completion: %s", r.body)
	}
}

func TestLogin_FullFlowWithTestProvider(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()

	r := a.do("POST", "/api/eid/orders", `{"kind":"auth"}`)
	want(t, r, http.StatusCreated)
	id := r.json["order"].(string)
	if r.json["test"] != true {
		t.Errorf("test = %v, want true", r.json["test"])
	}
	if as, _ := r.json["autostart"].(string); !strings.HasPrefix(as, testid.Path+"?autostarttoken=") {
		t.Errorf("autostart %q, want the test device", as)
	}
	if id == e.prov.last().Ref {
		t.Error("the order id is the provider's orderRef")
	}
	if a.cookie(eid.OrderCookie) == nil {
		t.Fatal("no order cookie")
	}

	r = a.do("GET", "/api/eid/orders/"+id, "")
	want(t, r, http.StatusOK)
	if r.json["state"] != "pending" || r.json["hint"] != "outstandingTransaction" || r.json["message"] == "" {
		t.Fatalf("pending poll: %s", r.body)
	}
	r = a.do("GET", "/api/eid/me", "")
	want(t, r, http.StatusUnauthorized)

	if m := e.deviceComplete("190308189802"); m != "complete" {
		t.Fatalf("device said %q", m)
	}

	// Another browser polling the same id gets nothing, and no login.
	other := e.browser()
	r = other.do("GET", "/api/eid/orders/"+id, "")
	want(t, r, http.StatusNotFound)
	e.clk.Advance(2 * time.Second)
	r = other.do("GET", "/api/eid/orders/"+id, "")
	want(t, r, http.StatusNotFound)
	if other.cookie(eid.CitizenCookie) != nil || len(r.res.Cookies()) != 0 {
		t.Fatal("another browser got a cookie")
	}

	r = a.do("GET", "/api/eid/orders/"+id+"?lang=en", "")
	want(t, r, http.StatusOK)
	if r.json["state"] != "complete" || r.json["logged_in"] != true {
		t.Fatalf("complete poll: %s", r.body)
	}
	if a.cookie(eid.CitizenCookie) == nil {
		t.Fatal("no citizen cookie after completion")
	}
	r = a.do("GET", "/api/eid/me", "")
	want(t, r, http.StatusOK)
	if r.json["name"] != "Anna Testsson" || r.json["given_name"] != "Anna" || r.json["test"] != true ||
		r.json["protected"] != false || r.json["idle_seconds"] != float64(15*60) {
		t.Fatalf("me: %s", r.body)
	}
	if pn := r.json["personal_number"]; pn != "19XXXXXX-XX02" {
		t.Errorf("personal_number %v, want the masked form", pn)
	}
	if strings.Contains(string(r.body), "190308189802") || strings.Contains(string(r.body), "0308189802") {
		t.Fatal("me shows the personal number")
	}
	r = a.do("GET", "/api/test/whoami", "")
	want(t, r, http.StatusOK)
	r = other.do("GET", "/api/eid/me", "")
	want(t, r, http.StatusUnauthorized)

	// The finished order logs nobody in a second time.
	r = a.do("GET", "/api/eid/orders/"+id, "")
	want(t, r, http.StatusOK)
	if r.json["logged_in"] == true || len(r.res.Cookies()) != 0 {
		t.Fatalf("second poll logged in again: %s", r.body)
	}
}

func TestLogin_BrowserWithoutOrderCookieIsNotLoggedIn(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	id := a.startLogin()
	e.deviceComplete("190309069813")
	e.clk.Advance(2 * time.Second)

	// Another browser, even one that has an order cookie of its own.
	b := e.browser()
	b.startLogin()
	for range 3 {
		r := b.do("GET", "/api/eid/orders/"+id, "")
		want(t, r, http.StatusNotFound)
		r = b.do("GET", "/api/eid/orders/"+id+"/qr.svg", "")
		want(t, r, http.StatusNotFound)
		r = b.do("DELETE", "/api/eid/orders/"+id, "")
		want(t, r, http.StatusNotFound)
	}
	if b.cookie(eid.CitizenCookie) != nil {
		t.Fatal("the other browser is logged in")
	}
	// The right browser still is.
	r := a.do("GET", "/api/eid/orders/"+id, "")
	if r.json["logged_in"] != true {
		t.Fatalf("owner not logged in: %s", r.body)
	}
}

func TestSession_IdleTimeoutAndActivity(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190311019814")

	e.clk.Advance(14 * time.Minute)
	r := a.do("GET", "/api/eid/me", "")
	want(t, r, http.StatusOK)
	if r.json["idle_seconds"] != float64(60) {
		t.Fatalf("idle_seconds %v, want 60", r.json["idle_seconds"])
	}
	// /me is not activity; the keep-alive is.
	r = a.do("POST", "/api/eid/session", "")
	want(t, r, http.StatusOK)
	if r.json["idle_seconds"] != float64(15*60) {
		t.Fatalf("after keep-alive idle_seconds %v", r.json["idle_seconds"])
	}
	e.clk.Advance(14 * time.Minute)
	want(t, a.do("GET", "/api/test/whoami", ""), http.StatusOK) // activity too
	e.clk.Advance(14 * time.Minute)
	want(t, a.do("GET", "/api/eid/me", ""), http.StatusOK)
	e.clk.Advance(61 * time.Second)
	r = a.do("GET", "/api/eid/me?lang=en", "")
	want(t, r, http.StatusUnauthorized)
	if r.json["code"] != "login_required" || !strings.Contains(r.json["error"].(string), "logged out") {
		t.Fatalf("401 body %s", r.body)
	}
	r = a.do("GET", "/api/test/whoami", "")
	want(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.json["error"].(string), "inte inloggad") {
		t.Fatalf("Swedish 401 body %s", r.body)
	}
	want(t, a.do("POST", "/api/eid/session", ""), http.StatusUnauthorized)
}

func TestSession_Logout(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190308189802")
	r := a.do("POST", "/api/eid/logout", "")
	want(t, r, http.StatusNoContent)
	if a.cookie(eid.CitizenCookie) != nil {
		t.Fatal("cookie still there after logout")
	}
	want(t, a.do("GET", "/api/eid/me", ""), http.StatusUnauthorized)
	if n := e.sessions.Len(); n != 0 {
		t.Fatalf("%d sessions after logout", n)
	}
}

func TestProtect_CrossSitePostIs403(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190308189802")
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		for _, p := range []struct{ method, path, body string }{
			{"POST", "/api/eid/orders", `{"kind":"auth"}`},
			{"POST", "/api/eid/logout", ""},
			{"POST", "/api/eid/session", ""},
			{"POST", "/api/test/sign", ""},
			{"POST", testid.Path + "cancel", ""},
		} {
			r := a.do(p.method, p.path, p.body, h...)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s with %s: %d, want 403", p.method, p.path, h[0], r.status)
			}
		}
	}
	// Still logged in: the cross-site logout did nothing.
	want(t, a.do("GET", "/api/eid/me", ""), http.StatusOK)
	// Same-site requests pass.
	want(t, a.do("POST", "/api/eid/session", "", "Sec-Fetch-Site", "same-origin"), http.StatusOK)
	want(t, a.do("POST", "/api/eid/session", "", "Origin", e.srv.URL), http.StatusOK)
}

func TestSign_BoundToSessionTakenOnce(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190308189802")
	b := e.browser()
	b.login("190309069813")

	r := a.do("POST", "/api/test/sign", "")
	want(t, r, http.StatusOK)
	id := r.json["order"].(string)

	take := func(br *browser) map[string]any {
		t.Helper()
		r := br.do("POST", "/api/test/take/"+id, "")
		want(t, r, http.StatusOK)
		return r.json
	}
	if got := take(a)["code"]; got != "pending" {
		t.Fatalf("take while pending: %v", got)
	}

	// The device page shows the text to sign; only Anna may sign it.
	dev := e.browser()
	page := dev.do("GET", testid.Path, "")
	if !strings.Contains(string(page.body), "Jag bokar familjesamtal den 1 december.") {
		t.Fatal("device page does not show the text to sign")
	}
	if strings.Contains(string(page.body), "190309069813") {
		t.Fatal("a locked sign order offers another person")
	}
	if m := e.deviceComplete("190309069813"); m != "wrong" {
		t.Fatalf("completing as another person: %q", m)
	}
	if m := e.deviceComplete("190308189802"); m != "complete" {
		t.Fatalf("completing as the signer: %q", m)
	}
	e.clk.Advance(2 * time.Second)

	// Other session: cannot see, cannot take.
	want(t, b.do("GET", "/api/eid/orders/"+id, ""), http.StatusNotFound)
	if got := take(b)["code"]; got != "no_order" {
		t.Fatalf("take by another session: %v", got)
	}

	r = a.do("GET", "/api/eid/orders/"+id, "")
	want(t, r, http.StatusOK)
	if r.json["state"] != "complete" || r.json["logged_in"] == true || r.json["kind"] != "sign" {
		t.Fatalf("sign poll: %s", r.body)
	}
	if strings.Contains(string(r.body), "signature") {
		t.Fatal("the poll carries the signature")
	}
	got := take(a)
	if got["code"] != "ok" || got["signer"] != "190308189802" {
		t.Fatalf("take: %v", got)
	}
	sig, err := base64.StdEncoding.DecodeString(got["signature"].(string))
	if err != nil || !bytes.Contains(sig, []byte("TEST")) {
		t.Fatalf("signature does not say TEST: %q %v", sig, err)
	}
	ocsp, err := base64.StdEncoding.DecodeString(got["ocsp"].(string))
	if err != nil || !bytes.Contains(ocsp, []byte("TEST")) {
		t.Fatalf("OCSP does not say TEST: %q %v", ocsp, err)
	}
	if got := take(a)["code"]; got != "no_order" {
		t.Fatalf("second take: %v", got)
	}
	// Still logged in as before (a sign order logs nobody in).
	r = a.do("GET", "/api/eid/me", "")
	if r.json["given_name"] != "Anna" {
		t.Fatalf("me after signing: %s", r.body)
	}
}

func TestSign_CancelledByUserFails(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190308189802")
	r := a.do("POST", "/api/test/sign", "")
	id := r.json["order"].(string)
	// The developer cancels on the device.
	if err := e.test.UserCancel(e.test.PendingRefs()[0]); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	r = a.do("GET", "/api/eid/orders/"+id, "")
	if r.json["state"] != "failed" || r.json["hint"] != "userCancel" {
		t.Fatalf("after user cancel: %s", r.body)
	}
	r = a.do("POST", "/api/test/take/"+id, "")
	if r.json["code"] != "failed" {
		t.Fatalf("take failed order: %s", r.body)
	}
}

// qrData is BankID's animated QR algorithm, written out independently of
// the package.
func qrData(st eid.Started, t int) string {
	mac := hmac.New(sha256.New, []byte(st.QRStartSecret))
	mac.Write([]byte(strconv.Itoa(t)))
	return "bankid." + st.QRStartToken + "." + strconv.Itoa(t) + "." + hex.EncodeToString(mac.Sum(nil))
}

func TestQR_ChangesEverySecondNeverShowsSecret(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	start := a.do("POST", "/api/eid/orders", `{"kind":"auth"}`)
	id := start.json["order"].(string)
	st := e.prov.last()

	seen := map[string]bool{}
	var bodies [][]byte
	bodies = append(bodies, start.body)
	for sec := 0; sec < 5; sec++ {
		r := a.do("GET", "/api/eid/orders/"+id+"/qr.svg", "")
		want(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Fatalf("Content-Type %q", ct)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}
		if !bytes.HasPrefix(r.body, []byte("<svg")) {
			t.Fatalf("not an SVG: %.60s", r.body)
		}
		wantSVG, err := eid.QRSVG(qrData(st, sec))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, wantSVG) {
			t.Fatalf("second %d: the QR code is not BankID's animated QR data", sec)
		}
		// Within the same second it stays the same.
		e.clk.Advance(500 * time.Millisecond)
		again := a.do("GET", "/api/eid/orders/"+id+"/qr.svg", "")
		if !bytes.Equal(again.body, r.body) {
			t.Fatal("QR changed within a second")
		}
		if seen[string(r.body)] {
			t.Fatalf("second %d: QR repeats", sec)
		}
		seen[string(r.body)] = true
		bodies = append(bodies, r.body)
		bodies = append(bodies, a.do("GET", "/api/eid/orders/"+id, "").body)
		e.clk.Advance(500 * time.Millisecond)
	}
	for _, b := range bodies {
		if bytes.Contains(b, []byte(st.QRStartSecret)) || bytes.Contains(b, []byte(st.Ref)) {
			t.Fatal("a response carries the QR start secret or the orderRef")
		}
	}
	// Done orders have no QR code.
	want(t, a.do("DELETE", "/api/eid/orders/"+id, ""), http.StatusNoContent)
	want(t, a.do("GET", "/api/eid/orders/"+id+"/qr.svg", ""), http.StatusNotFound)
	r := a.do("GET", "/api/eid/orders/"+id, "")
	if r.json["state"] != "failed" || r.json["hint"] != "userCancel" {
		t.Fatalf("after cancel: %s", r.body)
	}
}

func TestCollect_AtMostEveryTwoSeconds(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	id := a.startLogin()
	// Ten polls a second for ten (simulated) seconds.
	for i := 0; i < 100; i++ {
		r := a.do("GET", "/api/eid/orders/"+id, "")
		want(t, r, http.StatusOK)
		e.clk.Advance(100 * time.Millisecond)
	}
	if n := e.prov.collects.Load(); n < 1 || n > 5 {
		t.Fatalf("%d Collect calls in 10 s of polling, want 1..5", n)
	}
	// Many at once: one Collect.
	e.clk.Advance(2 * time.Second)
	before := e.prov.collects.Load()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/eid/orders/"+id, nil)
			res, err := a.c.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := e.prov.collects.Load() - before; n != 1 {
		t.Fatalf("%d Collect calls for 20 simultaneous polls, want 1", n)
	}
}

func TestOrder_ExpiresAfterThreeMinutes(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	id := a.startLogin()
	e.clk.Advance(3 * time.Minute)
	r := a.do("GET", "/api/eid/orders/"+id, "")
	if r.json["state"] != "failed" || r.json["hint"] != "expiredTransaction" {
		t.Fatalf("after 3 minutes: %s", r.body)
	}
	want(t, a.do("GET", "/api/eid/orders/"+id+"/qr.svg", ""), http.StatusNotFound)
	if m := e.deviceCompleteOrNone(); m {
		t.Fatal("the expired order is still on the device page")
	}
}

// deviceCompleteOrNone reports whether the device page lists any order.
func (e *env) deviceCompleteOrNone() bool {
	page := e.browser().do("GET", testid.Path, "")
	return refRE.Match(page.body)
}

func TestCookies_Attributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			e := newEnv(t, secure)
			// No jar: a Secure cookie would not go back over http; carry
			// the order cookie by hand.
			c := &http.Client{Timeout: 10 * time.Second}
			res, err := c.Post(e.srv.URL+"/api/eid/orders", "application/json", strings.NewReader(`{"kind":"auth"}`))
			if err != nil {
				t.Fatal(err)
			}
			var start map[string]any
			_ = json.NewDecoder(res.Body).Decode(&start)
			res.Body.Close()
			oc := findCookie(res.Cookies(), eid.OrderCookie)
			if oc == nil {
				t.Fatal("no order cookie")
			}
			checkCookie(t, oc, secure, "/api/eid/")

			e.deviceComplete("190308189802")
			e.clk.Advance(2 * time.Second)
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/eid/orders/"+start["order"].(string), nil)
			req.AddCookie(&http.Cookie{Name: oc.Name, Value: oc.Value})
			res, err = c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cc := findCookie(res.Cookies(), eid.CitizenCookie)
			if cc == nil {
				t.Fatal("no citizen cookie")
			}
			checkCookie(t, cc, secure, "/")
			if len(cc.Value) < 43 {
				t.Errorf("citizen token %d characters: not 32 random bytes", len(cc.Value))
			}
		})
	}
}

func findCookie(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func checkCookie(t *testing.T, c *http.Cookie, secure bool, path string) {
	t.Helper()
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != secure || c.Path != path {
		t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Secure=%v Path=%q; want HttpOnly, Strict, Secure=%v, %q",
			c.Name, c.HttpOnly, c.SameSite, c.Secure, c.Path, secure, path)
	}
}

func TestMe_ProtectedPerson(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("190310139803") // Cecilia, skyddad identitet
	r := a.do("GET", "/api/eid/me", "")
	want(t, r, http.StatusOK)
	if r.json["protected"] != true {
		t.Fatalf("me: %s", r.body)
	}
	if r.json["name"] != "" || r.json["given_name"] != "" || r.json["personal_number"] != nil {
		t.Fatalf("a protected person's details are shown back: %s", r.body)
	}
}

func TestLogin_SamordningsnummerAndTypedNumber(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	a.login("191401682396")
	r := a.do("GET", "/api/eid/me", "")
	if r.json["name"] != "Erik Samordnad" {
		t.Fatalf("me: %s", r.body)
	}
	// A test number typed in (not in the list) works too.
	b := e.browser()
	id := b.startLogin()
	dev := e.browser()
	page := dev.do("GET", testid.Path, "")
	ref := refRE.FindStringSubmatch(string(page.body))[1]
	form := url.Values{"ref": {ref}, "pn": {"190308189802"}, "other": {"19030924-9811"}}
	res, err := dev.c.PostForm(e.srv.URL+testid.Path+"complete", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	e.clk.Advance(2 * time.Second)
	r = b.do("GET", "/api/eid/orders/"+id, "")
	if r.json["logged_in"] != true {
		t.Fatalf("typed number: %s", r.body)
	}
	r = b.do("GET", "/api/eid/me", "")
	if r.json["personal_number"] != "19XXXXXX-XX11" {
		t.Fatalf("typed number me: %s", r.body)
	}
}

func TestStart_BadRequests(t *testing.T) {
	e := newEnv(t, false)
	a := e.browser()
	for _, body := range []string{`{"kind":"sign"}`, `{}`, `nonsense`, `{"kind":"auth"} {}`} {
		r := a.do("POST", "/api/eid/orders", body)
		want(t, r, http.StatusBadRequest)
	}
	want(t, a.do("GET", "/api/eid/orders/nope", ""), http.StatusNotFound)
	// A new login from the same browser cancels its previous one.
	first := a.startLogin()
	second := a.startLogin()
	r := a.do("GET", "/api/eid/orders/"+first, "")
	if r.json["state"] != "failed" {
		t.Fatalf("first order after a second start: %s", r.body)
	}
	r = a.do("GET", "/api/eid/orders/"+second, "")
	if r.json["state"] != "pending" {
		t.Fatalf("second order: %s", r.body)
	}
}

func TestStart_BoundedOrders(t *testing.T) {
	clk := newClock()
	p := testid.New(testid.Options{Now: clk.Now})
	svc := eid.NewService(p, eid.NewSessions(eid.SessionOptions{Now: clk.Now}), eid.Options{Now: clk.Now, MaxOrders: 3})
	mux := http.NewServeMux()
	svc.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	status := func() int {
		res, err := http.Post(srv.URL+"/api/eid/orders", "application/json", strings.NewReader(`{"kind":"auth"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 3; i++ {
		if s := status(); s != http.StatusCreated {
			t.Fatalf("order %d: %d", i, s)
		}
	}
	if s := status(); s != http.StatusServiceUnavailable {
		t.Fatalf("order over the bound: %d, want 503", s)
	}
	// Expired and forgotten orders free their slots.
	clk.Advance(3*time.Minute + 5*time.Minute)
	if s := status(); s != http.StatusCreated {
		t.Fatalf("after expiry: %d", s)
	}
}
