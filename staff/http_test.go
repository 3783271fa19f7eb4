package staff

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/internal/testkit"
)

type testServer struct {
	*httptest.Server
	store *Store
	auth  *Auth
	logs  *testkit.LogBuffer
}

// newTestServer serves the auth endpoints and a few guarded routes. A test
// may pose as another client with the X-Test-Client header, which replaces
// RemoteAddr.
func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	store := newTestStore(t, opts)
	logs := &testkit.LogBuffer{}
	auth := NewAuth(store, AuthOptions{Log: zerolog.New(logs)})
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := FromContext(r.Context())
		if !ok {
			http.Error(w, "no session in context", 500)
			return
		}
		io.WriteString(w, sess.Username)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/api/login", auth.HandleLogin)
	mux.HandleFunc("/api/logout", auth.HandleLogout)
	mux.HandleFunc("/api/me", auth.HandleMe)
	mux.Handle("/any", auth.Require()(whoami))
	mux.Handle("/admin", auth.Require(RoleAdmin)(whoami))
	mux.Handle("/chat", auth.Require(RoleCounselor, RoleSupervisor)(whoami))
	mux.HandleFunc("/peek", func(w http.ResponseWriter, r *http.Request) {
		sess, ok := auth.SessionFrom(r)
		io.WriteString(w, strconv.FormatBool(ok)+" "+sess.Username)
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := r.Header.Get("X-Test-Client"); c != "" {
			r.RemoteAddr = c
		}
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, store: store, auth: auth, logs: logs}
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	text   string
}

func do(t *testing.T, c *http.Client, method, url, body string, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, text: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, url, raw)
		}
	}
	return r
}

func login(username, password string) string {
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	return string(b)
}

// sessionCookie returns the Set-Cookie header for CookieName.
func sessionCookie(t *testing.T, h http.Header) (*http.Cookie, string) {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == CookieName {
			return c, line
		}
	}
	t.Fatalf("no %s cookie set: %v", CookieName, h.Values("Set-Cookie"))
	return nil, ""
}

func TestHTTPLoginMeLogout(t *testing.T) {
	ts := newTestServer(t, Options{})
	putUser(t, ts.store, "anna", "Anna", RoleCounselor, RoleSupervisor)
	c := newClient(t)

	r := do(t, c, "GET", ts.URL+"/api/me", "")
	if r.status != 401 || r.body["error"] == "" {
		t.Fatalf("me without session: %d %q", r.status, r.text)
	}

	r = do(t, c, "POST", ts.URL+"/api/login", login(" Anna ", testPassword))
	if r.status != 200 {
		t.Fatalf("login: %d %q", r.status, r.text)
	}
	if r.body["username"] != "anna" || r.body["name"] != "Anna" ||
		!reflectRoles(r.body["roles"], "counselor", "supervisor") {
		t.Fatalf("login body %q", r.text)
	}
	cookie, line := sessionCookie(t, r.header)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" ||
		cookie.MaxAge != 12*3600 || cookie.Secure {
		t.Fatalf("cookie attributes: %s", line)
	}
	first := cookie.Value

	r = do(t, c, "GET", ts.URL+"/api/me", "")
	if r.status != 200 || r.body["username"] != "anna" || r.body["name"] != "Anna" {
		t.Fatalf("me: %d %q", r.status, r.text)
	}
	if r := do(t, c, "GET", ts.URL+"/peek", ""); r.text != "true anna" {
		t.Fatalf("SessionFrom: %q", r.text)
	}

	// Logging in again gives a new token and ends the old one.
	r = do(t, c, "POST", ts.URL+"/api/login", login("anna", testPassword))
	cookie, _ = sessionCookie(t, r.header)
	if r.status != 200 || cookie.Value == first {
		t.Fatalf("second login: %d, same token %v", r.status, cookie.Value == first)
	}
	if _, err := ts.store.Session(first); err == nil {
		t.Fatal("the previous session survived a new login")
	}
	second := cookie.Value

	r = do(t, c, "POST", ts.URL+"/api/logout", "")
	if r.status != 204 {
		t.Fatalf("logout: %d %q", r.status, r.text)
	}
	cookie, line = sessionCookie(t, r.header)
	if cookie.MaxAge >= 0 || cookie.Value != "" {
		t.Fatalf("logout cookie not expired: %s", line)
	}
	if r := do(t, c, "GET", ts.URL+"/api/me", ""); r.status != 401 {
		t.Fatalf("me after logout: %d", r.status)
	}
	// The old cookie value, replayed, does not work either.
	if r := do(t, http.DefaultClient, "GET", ts.URL+"/api/me", "", "Cookie", CookieName+"="+second); r.status != 401 {
		t.Fatalf("replayed cookie after logout: %d", r.status)
	}
	// Logout without a session is still 204.
	if r := do(t, newClient(t), "POST", ts.URL+"/api/logout", ""); r.status != 204 {
		t.Fatalf("logout without session: %d", r.status)
	}
	if r := do(t, c, "GET", ts.URL+"/api/logout", ""); r.status != 405 {
		t.Fatalf("GET logout: %d", r.status)
	}

	logs := ts.logs.String()
	if !strings.Contains(logs, `"username":"anna"`) {
		t.Fatalf("login not logged: %s", logs)
	}
	for _, secret := range []string{testPassword, "127.0.0.1", "Go-http-client", first, second} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains %q: %s", secret, logs)
		}
	}
}

func reflectRoles(v any, want ...string) bool {
	list, ok := v.([]any)
	if !ok || len(list) != len(want) {
		return false
	}
	for i := range want {
		if list[i] != want[i] {
			return false
		}
	}
	return true
}

func TestHTTPWrongCredentials(t *testing.T) {
	ts := newTestServer(t, Options{})
	putUser(t, ts.store, "anna", "Anna", RoleCounselor)
	c := newClient(t)
	for _, body := range []string{login("anna", "wrong password"), login("nobody", testPassword)} {
		r := do(t, c, "POST", ts.URL+"/api/login", body)
		if r.status != 401 || r.body["error"] != "Fel användarnamn eller lösenord." {
			t.Fatalf("login %s: %d %q", body, r.status, r.text)
		}
		if len(r.header.Values("Set-Cookie")) != 0 {
			t.Fatal("cookie set on failed login")
		}
	}
	logs := ts.logs.String()
	if strings.Contains(logs, "nobody") || strings.Contains(logs, "wrong password") {
		t.Fatalf("log names an unknown user or a password: %s", logs)
	}
	if !strings.Contains(logs, `"username":"anna"`) || !strings.Contains(logs, "unknown_user") {
		t.Fatalf("failures not logged: %s", logs)
	}
}

func TestHTTPRequire(t *testing.T) {
	ts := newTestServer(t, Options{})
	putUser(t, ts.store, "anna", "Anna", RoleCounselor)
	putUser(t, ts.store, "stina", "Stina", RoleStatistician)
	putUser(t, ts.store, "adam", "Adam", RoleAdmin)

	anon := newClient(t)
	for _, path := range []string{"/any", "/admin", "/chat"} {
		r := do(t, anon, "GET", ts.URL+path, "")
		if r.status != 401 || r.body["error"] == nil {
			t.Fatalf("%s without session: %d %q", path, r.status, r.text)
		}
	}
	if r := do(t, anon, "GET", ts.URL+"/peek", ""); r.text != "false " {
		t.Fatalf("SessionFrom without cookie: %q", r.text)
	}
	if r := do(t, anon, "GET", ts.URL+"/any", "", "Cookie", CookieName+"=forged"); r.status != 401 {
		t.Fatalf("forged cookie: %d", r.status)
	}

	want := map[string]map[string]int{
		"anna":  {"/any": 200, "/admin": 403, "/chat": 200},
		"stina": {"/any": 200, "/admin": 403, "/chat": 403},
		"adam":  {"/any": 200, "/admin": 200, "/chat": 403},
	}
	for user, paths := range want {
		c := newClient(t)
		if r := do(t, c, "POST", ts.URL+"/api/login", login(user, testPassword)); r.status != 200 {
			t.Fatalf("login %s: %d %q", user, r.status, r.text)
		}
		for path, status := range paths {
			r := do(t, c, "GET", ts.URL+path, "")
			if r.status != status {
				t.Errorf("%s %s: %d, want %d (%q)", user, path, r.status, status, r.text)
			}
			if status == 200 && r.text != user {
				t.Errorf("%s %s: context session %q", user, path, r.text)
			}
			if status == 403 && r.body["error"] == nil {
				t.Errorf("%s %s: 403 without JSON error", user, path)
			}
		}
	}
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("FromContext found a session in an empty context")
	}
}

func TestHTTPThrottle(t *testing.T) {
	ts := newTestServer(t, Options{})
	putUser(t, ts.store, "anna", "Anna", RoleCounselor)
	putUser(t, ts.store, "bertil", "Bertil", RoleCounselor)
	c := newClient(t)
	const clientA, clientB = "192.0.2.10:40000", "198.51.100.20:40000"

	for i := 0; i < 5; i++ {
		r := do(t, c, "POST", ts.URL+"/api/login", login("anna", "not the password"), "X-Test-Client", clientA)
		if r.status != 401 {
			t.Fatalf("failed attempt %d: %d %q", i+1, r.status, r.text)
		}
	}
	runs := hashRuns.Load()
	r := do(t, c, "POST", ts.URL+"/api/login", login("anna", testPassword), "X-Test-Client", clientA)
	if r.status != 429 || r.body["error"] == nil {
		t.Fatalf("6th attempt: %d %q", r.status, r.text)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 20 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if hashRuns.Load() != runs {
		t.Fatal("a throttled login computed a hash")
	}
	// The same user from another client is throttled too (per user name)...
	if r := do(t, c, "POST", ts.URL+"/api/login", login("anna", testPassword), "X-Test-Client", clientB); r.status != 429 {
		t.Fatalf("anna from client B: %d", r.status)
	}
	// ...but a different user from a different client is not.
	if r := do(t, c, "POST", ts.URL+"/api/login", login("bertil", testPassword), "X-Test-Client", clientB); r.status != 200 {
		t.Fatalf("bertil from client B: %d %q", r.status, r.text)
	}
	logs := ts.logs.String()
	for _, secret := range []string{"192.0.2.10", "198.51.100.20", "not the password", testPassword} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains %q", secret)
		}
	}
	if !strings.Contains(logs, "staff login throttled") {
		t.Fatalf("throttling not logged: %s", logs)
	}
}

func TestHTTPBadRequests(t *testing.T) {
	ts := newTestServer(t, Options{})
	c := newClient(t)
	cases := []struct {
		name, body string
		status     int
	}{
		{"not json", "username=anna&password=x", 400},
		{"truncated", `{"username":"anna"`, 400},
		{"wrong types", `{"username":1,"password":true}`, 400},
		{"trailing data", `{"username":"a","password":"b"} {}`, 400},
		{"missing password", `{"username":"anna"}`, 400},
		{"missing username", `{"password":"long password"}`, 400},
		{"blank username", `{"username":"  ","password":"long password"}`, 400},
		{"empty", ``, 400},
		{"oversized", `{"username":"anna","password":"` + strings.Repeat("x", 5000) + `"}`, 413},
	}
	for _, tc := range cases {
		r := do(t, c, "POST", ts.URL+"/api/login", tc.body)
		if r.status != tc.status {
			t.Errorf("%s: %d, want %d (%q)", tc.name, r.status, tc.status, r.text)
			continue
		}
		if msg, _ := r.body["error"].(string); msg == "" {
			t.Errorf("%s: no error message: %q", tc.name, r.text)
		}
	}

	// An oversized body without Content-Length (chunked) is refused as well.
	req, _ := http.NewRequest("POST", ts.URL+"/api/login", io.MultiReader(
		strings.NewReader(`{"username":"anna","password":"`), strings.NewReader(strings.Repeat("x", 8000)+`"}`)))
	req.ContentLength = -1
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("chunked oversized body: %d", resp.StatusCode)
	}

	if r := do(t, c, "GET", ts.URL+"/api/login", ""); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET login: %d allow %q", r.status, r.header.Get("Allow"))
	}
	if r := do(t, c, "POST", ts.URL+"/api/me", ""); r.status != 405 {
		t.Fatalf("POST me: %d", r.status)
	}
	// English on request.
	r := do(t, c, "POST", ts.URL+"/api/login?lang=en", `{"username":"anna"}`)
	if r.body["error"] != "Enter your username and password." {
		t.Fatalf("English message: %q", r.text)
	}
}

func TestCookieSecure(t *testing.T) {
	store := newTestStore(t, Options{})
	auth := NewAuth(store, AuthOptions{CookieSecure: true, Log: zerolog.Nop()})
	w := httptest.NewRecorder()
	auth.HandleLogout(w, httptest.NewRequest("POST", "/api/logout", nil))
	cookie, line := sessionCookie(t, w.Result().Header)
	if !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie %s", line)
	}
}

func TestSweeper(t *testing.T) {
	clock := newFakeClock()
	store := newTestStore(t, Options{Now: clock.Now, SessionIdle: time.Minute})
	putUser(t, store, "anna", "Anna", RoleCounselor)
	token, _, err := store.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	auth := NewAuth(store, AuthOptions{Log: zerolog.Nop(), Now: clock.Now})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		auth.Sweeper(ctx, 5*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := storedSession(t, store, token); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Sweeper did not remove the expired session")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Sweeper did not stop")
	}
}
