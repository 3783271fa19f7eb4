package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"parentline/internal/testkit"
)

type testServer struct {
	base string
	data string
	logs *testkit.LogBuffer
	srv  *Server      // the running server, for tests that reach inside (e.g. to change a user)
	stop func() error // shuts the server down and returns Serve's error
}

func noEnv(string) string { return "" }

// addUser creates a staff account through the CLI, as an operator would.
func addUser(t *testing.T, data, username, name, roles, password string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"user", "add", "--data", data, "--username", username, "--name", name, "--role", roles},
		noEnv, strings.NewReader(password+"\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errOut.String())
	}
}

// clusterKeys holds one cluster key file per test, so that every node a
// test starts shares it.
var clusterKeys sync.Map // test name → path

// clusterKeyFile returns the test's cluster key file, made on first use.
func clusterKeyFile(t *testing.T) string {
	t.Helper()
	if path, ok := clusterKeys.Load(t.Name()); ok {
		return path.(string)
	}
	key := make([]byte, 32)
	rand.Read(key)
	path := filepath.Join(t.TempDir(), "cluster.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clusterKeys.Store(t.Name(), path)
	t.Cleanup(func() { clusterKeys.Delete(t.Name()) })
	return path
}

// startServer runs the real server on a loopback port with debug logging
// into a buffer and a data directory in t.TempDir(). A node started with
// --redis gets the test's cluster key unless extra names one.
func startServer(t *testing.T, data string, extra ...string) *testServer {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data", data, "--hours", "always", "--log-level", "debug"}, extra...)
	if slices.Contains(extra, "--redis") && !slices.Contains(extra, "--cluster-key-file") {
		args = append(args, "--cluster-key-file", clusterKeyFile(t))
	}
	cfg, err := parseServeFlags(args, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.LogBuffer{}
	srv, err := newServer(cfg, newLogger(cfg, logs))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	ts := &testServer{base: "http://" + ln.Addr().String(), data: data, logs: logs, srv: srv}
	var once sync.Once
	var serveErr error
	ts.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(20 * time.Second):
				t.Error("server did not stop within 20s")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { ts.stop() })
	waitReady(t, ts.base)
	return ts
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server not ready within 5s")
}

// login returns a client holding a staff session cookie.
func login(t *testing.T, base, username, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := c.Post(base+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: status %d", username, resp.StatusCode)
	}
	return c
}

type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialWS(t *testing.T, base, path string, header http.Header, jar http.CookieJar) *wsClient {
	t.Helper()
	opts := &websocket.DialOptions{HTTPHeader: header}
	if jar != nil {
		opts.HTTPClient = &http.Client{Jar: jar}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path, opts)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (%d)", path, err, status)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &wsClient{t: t, ws: ws}
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next frame of type typ, skipping others.
func (c *wsClient) next(typ string) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("bad JSON from server: %s", b)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// TestServe_ChatLeavesNoTrace runs a whole chat through the real server with
// marker strings in the text and in the request headers, then searches the
// log, the metrics and every file in the data directory for them.
func TestServe_ChatLeavesNoTrace(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", "correct horse battery")
	ts := startServer(t, data)

	const (
		textMarker  = "MARKER-TEXT-7f3a9c"
		replyMarker = "MARKER-REPLY-51be02"
		xffMarker   = "203.0.113.77"
		uaMarker    = "MarkerAgent/9.9 (MARKER-UA-c0ffee)"
	)
	staffClient := login(t, ts.base, "anna", "correct horse battery")
	co := dialWS(t, ts.base, "/ws/counselor", nil, staffClient.Jar)
	co.next("ready")

	p := dialWS(t, ts.base, "/ws/parent", http.Header{
		"X-Forwarded-For": {xffMarker}, "User-Agent": {uaMarker}, "X-Real-Ip": {xffMarker},
	}, nil)
	p.send(map[string]any{"type": "hello", "audience": "young", "lang": "sv"})
	welcome := p.next("welcome")
	session, token := welcome["session"].(string), welcome["resume"].(string)
	co.send(map[string]any{"type": "accept"})
	chatID := co.next("chat_started")["chat"].(string)
	p.next("joined")
	p.send(map[string]any{"type": "msg", "text": "Hej " + textMarker})
	if m := co.next("msg"); !strings.Contains(m["text"].(string), textMarker) {
		t.Fatalf("counsellor got %v", m)
	}
	co.send(map[string]any{"type": "msg", "chat": chatID, "text": replyMarker})
	p.next("msg")
	co.send(map[string]any{"type": "close", "chat": chatID, "topics": []string{"sleep"}})
	p.next("ended")
	co.next("chat_ended")

	resp, err := http.Get(ts.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `parentline_chats_started_total 1`) {
		t.Fatalf("metrics do not count the chat:\n%s", grepLines(string(metrics), "parentline_chats"))
	}

	if err := ts.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	markers := []string{textMarker, replyMarker, xffMarker, uaMarker, "MARKER-UA", session, token, chatID}
	for _, m := range markers {
		if strings.Contains(ts.logs.String(), m) {
			t.Errorf("log contains %q", m)
		}
		if strings.Contains(string(metrics), m) {
			t.Errorf("metrics contain %q", m)
		}
	}
	files := 0
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no files in the data directory to search")
	}
	if !strings.Contains(ts.logs.String(), `"route":"GET /ws/parent"`) {
		t.Fatalf("the search is meaningless if requests are not logged at all; log:\n%s", ts.logs.String())
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestServe_EndpointsAndRoles(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", "correct horse battery")
	addUser(t, data, "stina", "Stina", "statistician", "correct horse battery")
	ts := startServer(t, data)

	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(ts.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	anon := &http.Client{Timeout: 5 * time.Second}
	for path, want := range map[string]int{
		"/healthz": 200, "/readyz": 200, "/metrics": 200, "/widget.js": 200, "/": 200, "/console/": 200,
		"/api/status": 200, "/api/topics": 401, "/api/me": 401, "/api/canned": 401, "/no-such-page": 404,
	} {
		if code, _ := get(anon, path); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	anna := login(t, ts.base, "anna", "correct horse battery")
	code, body := get(anna, "/api/topics?lang=en")
	if code != 200 || !strings.Contains(body, `"label":"Sleep"`) {
		t.Fatalf("topics: %d %s", code, body)
	}
	if code, _ := get(anna, "/api/topics/all"); code != 403 {
		t.Fatalf("counsellor reading admin topics: %d", code)
	}
	stina := login(t, ts.base, "stina", "correct horse battery")
	if code, _ := get(stina, "/api/canned"); code != 403 {
		t.Fatalf("statistician reading canned answers: %d", code)
	}
	_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.base, "http")+"/ws/counselor",
		&websocket.DialOptions{HTTPClient: stina})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("statistician on the counsellor socket: %v %v", err, resp)
	}
	_, resp, err = websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.base, "http")+"/ws/counselor", nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("anonymous on the counsellor socket: %v %v", err, resp)
	}

	// A cross-site form post is refused before it reaches the login.
	req, _ := http.NewRequest("POST", ts.base+"/api/login", strings.NewReader(`{"username":"anna","password":"correct horse battery"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err = anon.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site login post: %d", resp.StatusCode)
	}
}

func TestRun_GracefulShutdownTellsParents(t *testing.T) {
	data := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testkit.LogBuffer
	exit := make(chan int, 1)
	env := map[string]string{"PARENTLINE_ADDR": addr, "PARENTLINE_DATA": data, "PARENTLINE_HOURS": "always"}
	go func() {
		exit <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	}()
	base := "http://" + addr
	waitReady(t, base)
	if !strings.Contains(stdout.String(), base+"/console/") {
		t.Fatalf("banner does not say where the console is:\n%s", stdout.String())
	}
	p := dialWS(t, base, "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	p.next("welcome")
	cancel()
	if m := p.next("closed"); m["reason"] != "shutting_down" {
		t.Fatalf("closed = %v", m)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit")
	}
	// The store was closed cleanly: the CLI can open it at once.
	addUser(t, data, "anna", "Anna", "counselor", "correct horse battery")
}

func TestRun_UsageAndErrors(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args     []string
		password string
		want     int
	}{
		{nil, "", 2},
		{[]string{"frobnicate"}, "", 2},
		{[]string{"version"}, "", 0},
		{[]string{"user", "add", "--data", data, "--username", "anna"}, "pw-long-enough", 2},
		{[]string{"user", "add", "--data", data, "--username", "anna", "--role", "wizard"}, "pw-long-enough", 2},
		{[]string{"user", "add", "--data", data, "--username", "anna", "--role", "counselor"}, "", 2},
		{[]string{"user", "add", "--data", data, "--username", "anna", "--role", "counselor"}, "short", 1},
		{[]string{"user", "add", "--data", data, "--username", "Anna!", "--role", "counselor"}, "pw-long-enough", 1},
		{[]string{"user", "add", "--data", data, "--username", "anna", "--role", "counselor"}, "pw-long-enough", 0},
		{[]string{"user", "add", "--data", data, "--username", "anna", "--role", "counselor"}, "pw-long-enough", 1},
		{[]string{"serve", "--hours", "someday"}, "", 2},
		{[]string{"serve", "--max-chats", "0"}, "", 2},
		{[]string{"serve", "--origins", "*"}, "", 2},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		got := run(context.Background(), c.args, noEnv, strings.NewReader(c.password+"\n"), &out, &errOut)
		if got != c.want {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, got, c.want, errOut.String())
		}
		if got != 0 && strings.Count(strings.TrimSpace(errOut.String()), "\n") > 0 && len(c.args) > 1 && c.args[0] == "user" {
			t.Errorf("%v: error is not one line: %q", c.args, errOut.String())
		}
	}
}

func TestConfig_EnvironmentAndFlags(t *testing.T) {
	env := map[string]string{"PARENTLINE_ADDR": "127.0.0.1:9999", "PARENTLINE_MAX_CHATS": "5", "PARENTLINE_ORIGINS": "www.kommun.se, *.kommun.se"}
	cfg, err := parseServeFlags([]string{"--max-chats", "4"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.MaxChats != 4 || len(cfg.Origins) != 2 || cfg.CookieSecure {
		t.Fatalf("cfg = %+v", cfg)
	}
	if _, err := parseServeFlags(nil, func(k string) string {
		if k == "PARENTLINE_MAX_CHATS" {
			return "many"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "PARENTLINE_MAX_CHATS") {
		t.Fatalf("bad env value: %v", err)
	}
	cfg, _ = parseServeFlags([]string{"--addr", "0.0.0.0:8080"}, noEnv)
	if !cfg.CookieSecure {
		t.Fatal("a non-loopback listener must default to Secure cookies")
	}
	contacts, err := parseContacts("Socialjouren|Social services out of hours|010-123 45 67; Mejl|Mail|hjalp@kommun.se")
	if err != nil || contacts[0].Href != "tel:0101234567" || contacts[1].Href != "mailto:hjalp@kommun.se" {
		t.Fatalf("contacts %+v %v", contacts, err)
	}
}
