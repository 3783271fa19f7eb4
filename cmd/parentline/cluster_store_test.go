package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"parentline/internal/redistest"
	"parentline/staff"
)

const clusterPassword = "correct horse battery"

// startStoreNode starts a cluster's store node on r with the given users
// (username → roles), made through the CLI before it starts.
func startStoreNode(t *testing.T, r *redistest.Server, users map[string]string) *testServer {
	t.Helper()
	data := t.TempDir()
	for name, roles := range users {
		addUser(t, data, name, strings.ToUpper(name[:1])+name[1:], roles, clusterPassword)
	}
	return startServer(t, data, "--redis", r.URL(), "--role", "store")
}

// startChatNode starts a chat node on r. Its --data points at an empty
// directory, which it must leave alone.
func startChatNode(t *testing.T, r *redistest.Server) *testServer {
	t.Helper()
	return startServer(t, t.TempDir(), "--redis", r.URL(), "--role", "chat")
}

// response is what call got back.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not a JSON object (%d): %q", r.status, r.body)
	}
	return m
}

var clusterClient = &http.Client{Timeout: 10 * time.Second}

// call makes one request with the session token (if any) as the staff
// cookie and extra headers as name, value pairs.
func call(t *testing.T, method, url, token, body string, header ...string) response {
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
	if token != "" {
		req.AddCookie(&http.Cookie{Name: staff.CookieName, Value: token})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := clusterClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// loginToken logs in through base and returns the session token.
func loginToken(t *testing.T, base, username string, header ...string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": clusterPassword})
	r := call(t, "POST", base+"/api/login", "", string(body), header...)
	if r.status != 200 {
		t.Fatalf("login %s through %s: %d %s", username, base, r.status, r.body)
	}
	for _, line := range r.header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == staff.CookieName && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("login %s: no session cookie in %v", username, r.header)
	return ""
}

// meRoles returns /api/me's status and roles on base.
func meRoles(t *testing.T, base, token string) (int, []string) {
	t.Helper()
	r := call(t, "GET", base+"/api/me", token, "")
	if r.status != 200 {
		return r.status, nil
	}
	var me struct {
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	if err := json.Unmarshal([]byte(r.body), &me); err != nil {
		t.Fatalf("/api/me: %q", r.body)
	}
	return r.status, me.Roles
}

// counselorSocket asks for the counsellor socket without upgrading: the
// role check runs on the node itself, so 401 and 403 come from there.
func counselorSocket(t *testing.T, base, token string) int {
	t.Helper()
	return call(t, "GET", base+"/ws/counselor", token, "").status
}

// TestClusterStore_LoginThroughChatNode: a login through a chat node is
// passed to the store node, and its cookie is valid on every node; routes
// that need the store (and their role checks) answer through any chat node.
func TestClusterStore_LoginThroughChatNode(t *testing.T) {
	r := redistest.Start(t)
	store := startStoreNode(t, r, map[string]string{"stina": "statistician", "anna": "counselor"})
	chatA, chatB := startChatNode(t, r), startChatNode(t, r)

	stina := loginToken(t, chatA.base, "stina")
	for _, node := range []*testServer{chatA, chatB, store} {
		status, roles := meRoles(t, node.base, stina)
		if status != 200 || len(roles) != 1 || roles[0] != "statistician" {
			t.Fatalf("/api/me on %s: %d %v", node.base, status, roles)
		}
	}
	direct := call(t, "GET", store.base+"/api/stats/topics?period=year", stina, "")
	for _, node := range []*testServer{chatA, chatB} {
		got := call(t, "GET", node.base+"/api/stats/topics?period=year", stina, "")
		if got.status != 200 || got.body != direct.body || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
			t.Fatalf("statistics through %s: %d %q, want %d %q", node.base, got.status, got.body, direct.status, direct.body)
		}
		if n := len(got.header.Values("X-Content-Type-Options")); n != 1 {
			t.Fatalf("X-Content-Type-Options %d times", n)
		}
	}
	if got := call(t, "GET", chatB.base+"/api/topics/all", stina, ""); got.status != 403 {
		t.Fatalf("a statistician reading admin topics through a chat node: %d", got.status)
	}
	if got := call(t, "GET", chatB.base+"/api/stats/topics", "", ""); got.status != 401 {
		t.Fatalf("statistics without a session through a chat node: %d", got.status)
	}
	// The counsellor socket's role check runs on the chat node itself.
	if got := counselorSocket(t, chatB.base, stina); got != 403 {
		t.Fatalf("a statistician on a chat node's counsellor socket: %d", got)
	}
	anna := loginToken(t, chatB.base, "anna")
	if got := call(t, "GET", chatA.base+"/api/canned", anna, ""); got.status != 200 {
		t.Fatalf("canned answers for a counsellor through a chat node: %d %s", got.status, got.body)
	}
	if got := counselorSocket(t, chatA.base, anna); got == 401 || got == 403 {
		t.Fatalf("a counsellor refused on a chat node's counsellor socket: %d", got)
	}

	// A logout on one chat node ends the session everywhere.
	if got := call(t, "POST", chatB.base+"/api/logout", stina, ""); got.status != 204 {
		t.Fatalf("logout: %d", got.status)
	}
	for _, node := range []*testServer{chatA, store} {
		if status, _ := meRoles(t, node.base, stina); status != 401 {
			t.Fatalf("/api/me on %s after logout: %d", node.base, status)
		}
	}
	for _, node := range []*testServer{chatA, chatB} {
		if entries, _ := os.ReadDir(node.data); len(entries) != 0 {
			t.Fatalf("a chat node wrote to --data: %v", entries)
		}
	}
}

// TestClusterStore_UserChangesReachChatNodesAtOnce: a role removed, a user
// disabled or deleted on the store node counts on a chat node at the next
// request, with no waiting.
func TestClusterStore_UserChangesReachChatNodesAtOnce(t *testing.T) {
	r := redistest.Start(t)
	store := startStoreNode(t, r, map[string]string{"anna": "counselor,supervisor"})
	chatA, chatB := startChatNode(t, r), startChatNode(t, r)
	users := store.srv.users

	anna := loginToken(t, chatA.base, "anna")
	if status, roles := meRoles(t, chatB.base, anna); status != 200 || len(roles) != 2 {
		t.Fatalf("before the change: %d %v", status, roles)
	}
	if got := counselorSocket(t, chatB.base, anna); got == 401 || got == 403 {
		t.Fatalf("a counsellor refused on the counsellor socket: %d", got)
	}

	if err := users.SetRoles("anna", []staff.Role{staff.RoleStatistician}); err != nil {
		t.Fatal(err)
	}
	if status, roles := meRoles(t, chatB.base, anna); status != 200 || len(roles) != 1 || roles[0] != "statistician" {
		t.Fatalf("right after the roles changed: %d %v", status, roles)
	}
	if got := counselorSocket(t, chatB.base, anna); got != 403 {
		t.Fatalf("the counsellor socket right after the role was removed: %d", got)
	}

	if err := users.SetDisabled("anna", true); err != nil {
		t.Fatal(err)
	}
	if status, _ := meRoles(t, chatB.base, anna); status != 401 {
		t.Fatalf("a disabled user's session on a chat node: %d", status)
	}
	body, _ := json.Marshal(map[string]string{"username": "anna", "password": clusterPassword})
	if got := call(t, "POST", chatA.base+"/api/login", "", string(body)); got.status != 401 {
		t.Fatalf("a disabled user logging in through a chat node: %d", got.status)
	}

	if err := users.SetDisabled("anna", false); err != nil {
		t.Fatal(err)
	}
	anna = loginToken(t, chatA.base, "anna")
	if err := users.DeleteUser("anna"); err != nil {
		t.Fatal(err)
	}
	if status, _ := meRoles(t, chatB.base, anna); status != 401 {
		t.Fatalf("a deleted user's session on a chat node: %d", status)
	}
}

// TestClusterStore_StoreNodeDown: with the store node gone, a chat node
// answers the routes it passes on with 503 and a plain message, while chat,
// sessions and its health stay as they were.
func TestClusterStore_StoreNodeDown(t *testing.T) {
	r := redistest.Start(t)
	store := startStoreNode(t, r, map[string]string{"anna": "counselor,admin"})
	chatNode := startChatNode(t, r)
	anna := loginToken(t, chatNode.base, "anna")

	if err := store.stop(); err != nil {
		t.Fatalf("store node shutdown: %v", err)
	}
	ctx := context.Background()
	if n := r.Client().Exists(ctx, storeKey).Val(); n != 0 {
		t.Fatal("the store node left its address in redis when it stopped")
	}
	checkDown := func(why string) {
		t.Helper()
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/stats/topics", ""},
			{"GET", "/api/canned", ""},
			{"POST", "/api/login", `{"username":"anna","password":"correct horse battery"}`},
			{"GET", "/api/cases", ""},
		} {
			got := call(t, c.method, chatNode.base+c.path, anna, c.body)
			if got.status != 503 || got.header.Get("Retry-After") == "" {
				t.Fatalf("%s: %s %s = %d, want 503", why, c.method, c.path, got.status)
			}
			msg, _ := got.json(t)["error"].(string)
			if msg != storeDownSV+" "+storeDownEN {
				t.Fatalf("%s: %s %s said %q", why, c.method, c.path, got.body)
			}
		}
		got := call(t, "GET", chatNode.base+"/dev/outbox", anna, "")
		if got.status != 503 || !strings.HasPrefix(got.header.Get("Content-Type"), "text/plain") ||
			!strings.Contains(got.body, storeDownSV) || !strings.Contains(got.body, storeDownEN) {
			t.Fatalf("%s: /dev/outbox = %d %q", why, got.status, got.body)
		}
		for path, token := range map[string]string{"/api/status": "", "/api/me": anna, "/healthz": "", "/readyz": ""} {
			if got := call(t, "GET", chatNode.base+path, token, ""); got.status != 200 {
				t.Fatalf("%s: %s = %d %q", why, path, got.status, got.body)
			}
		}
	}
	checkDown("no store node address")

	// An address that no longer answers (a store node that was killed, its
	// key not yet lapsed) is the same to the staff.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	if err := r.Client().Set(ctx, storeKey, dead, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	checkDown("a dead store node address")
	if strings.Contains(chatNode.logs.String(), anna) {
		t.Fatal("the chat node logged a session token")
	}
}

// dumpRedis returns every key and value in Redis as one string.
func dumpRedis(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	iter := rdb.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		b.WriteString(key + "\n")
		switch typ := rdb.Type(ctx, key).Val(); typ {
		case "string":
			b.WriteString(rdb.Get(ctx, key).Val())
		case "hash":
			for k, v := range rdb.HGetAll(ctx, key).Val() {
				b.WriteString(k + "=" + v + "\n")
			}
		case "set":
			b.WriteString(strings.Join(rdb.SMembers(ctx, key).Val(), "\n"))
		case "zset":
			b.WriteString(strings.Join(rdb.ZRange(ctx, key, 0, -1).Val(), "\n"))
		case "list":
			b.WriteString(strings.Join(rdb.LRange(ctx, key, 0, -1).Val(), "\n"))
		case "stream":
			for _, m := range rdb.XRange(ctx, key, "-", "+").Val() {
				for k, v := range m.Values {
					b.WriteString(k + "=" + v.(string) + "\n")
				}
			}
		default:
			t.Fatalf("key %s has type %q, which the dump does not read", key, typ)
		}
		b.WriteString("\n")
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestClusterStore_NoSecretsOrAddressesTravel: after a login through a chat
// node, Redis holds the session under the token's hash only, and no
// password, token or client address; the store node is not told the
// client's address or forwarding headers either.
func TestClusterStore_NoSecretsOrAddressesTravel(t *testing.T) {
	r := redistest.Start(t)
	store := startStoreNode(t, r, map[string]string{"anna": "counselor"})
	chatNode := startChatNode(t, r)
	const (
		xffMarker = "203.0.113.77"
		uaMarker  = "MarkerAgent/9.9 (MARKER-UA-c0ffee)"
	)
	markers := []string{"X-Forwarded-For", xffMarker, "X-Real-Ip", xffMarker, "Forwarded", "for=" + xffMarker, "User-Agent", uaMarker}

	// The client's own address, as the chat node sees it.
	var clientAddr string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { clientAddr = info.Conn.LocalAddr().String() }}
	body, _ := json.Marshal(map[string]string{"username": "anna", "password": clusterPassword})
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		"POST", chatNode.base+"/api/login", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(markers); i += 2 {
		req.Header.Set(markers[i], markers[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var token string
	for _, c := range resp.Cookies() {
		if c.Name == staff.CookieName {
			token = c.Value
		}
	}
	if resp.StatusCode != 200 || token == "" || clientAddr == "" {
		t.Fatalf("login: %d, token %v, client address %q", resp.StatusCode, token != "", clientAddr)
	}

	dump := dumpRedis(t, r.Client())
	sum := sha256.Sum256([]byte(token))
	if !strings.Contains(dump, "pl:sess:"+hex.EncodeToString(sum[:])+"\n") {
		t.Fatalf("no session under the token's hash:\n%s", dump)
	}
	for _, secret := range []string{clusterPassword, token, xffMarker, uaMarker, clientAddr, "argon2"} {
		if strings.Contains(dump, secret) {
			t.Errorf("redis holds %q:\n%s", secret, dump)
		}
	}

	// What reaches the store node: stop the real one and put a recorder in
	// its place.
	if err := store.stop(); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen *http.Request
	)
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Clone(context.Background())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer recorder.Close()
	if err := r.Client().Set(context.Background(), storeKey, strings.TrimPrefix(recorder.URL, "http://"), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	got := call(t, "GET", chatNode.base+"/api/stats/topics?period=year", token, "", markers...)
	if got.status != 200 || got.body != `{"ok":true}` {
		t.Fatalf("through the proxy: %d %q", got.status, got.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen == nil {
		t.Fatal("the request did not reach the store node")
	}
	if seen.URL.Path != "/api/stats/topics" || seen.URL.RawQuery != "period=year" || seen.Host != strings.TrimPrefix(chatNode.base, "http://") {
		t.Fatalf("the store node got %s %q for host %q", seen.URL.Path, seen.URL.RawQuery, seen.Host)
	}
	if c, err := seen.Cookie(staff.CookieName); err != nil || c.Value != token {
		t.Fatal("the session cookie did not reach the store node")
	}
	for name, values := range seen.Header {
		for _, v := range values {
			if strings.Contains(v, xffMarker) || strings.Contains(v, "MARKER-UA") || strings.Contains(v, "127.0.0.1") {
				t.Errorf("the store node was told %s: %s", name, v)
			}
		}
		switch strings.ToLower(name) {
		case "x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host", "x-forwarded-proto", "via":
			t.Errorf("the store node got the header %s", name)
		}
	}
	for _, node := range []*testServer{store, chatNode} {
		for _, secret := range []string{clusterPassword, token, xffMarker, uaMarker, clientAddr} {
			if strings.Contains(node.logs.String(), secret) {
				t.Errorf("%s logged %q", node.base, secret)
			}
		}
	}
}

// TestClusterStore_TopicsReachChatNodes: the chat node's topic check
// follows the topics the store node publishes, also after an admin changes
// them (through a chat node).
func TestClusterStore_TopicsReachChatNodes(t *testing.T) {
	r := redistest.Start(t)
	startStoreNode(t, r, map[string]string{"adam": "admin"})
	chatNode := startChatNode(t, r)
	topics := chatNode.srv.shared
	if !topics.Valid("sleep") || topics.Valid("no_such_topic") {
		t.Fatal("the chat node does not have the store node's topics")
	}
	adam := loginToken(t, chatNode.base, "adam")
	if got := call(t, "PUT", chatNode.base+"/api/topics/sleep", adam, `{"active":false}`); got.status != 200 {
		t.Fatalf("deactivating a topic through a chat node: %d %s", got.status, got.body)
	}
	if r.Client().SIsMember(context.Background(), topicsKey, "sleep").Val() {
		t.Fatal("the store node did not publish the change")
	}
	deadline := time.Now().Add(topicsCacheFor + 5*time.Second)
	for topics.Valid("sleep") {
		if time.Now().After(deadline) {
			t.Fatal("the chat node still takes a deactivated topic")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestClusterStore_RoleFlag(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := parseServeFlags([]string{"--role", "chat"}, noEnv); err == nil || !strings.Contains(err.Error(), "--redis") {
		t.Fatalf("a chat node without --redis: %v", err)
	}
	if _, err := parseServeFlags([]string{"--role", "relay", "--redis", "redis://127.0.0.1:6379/0", "--cluster-key-file", "k"}, noEnv); err == nil ||
		!strings.Contains(err.Error(), "--role") {
		t.Fatalf("an unknown role: %v", err)
	}
	if _, err := parseServeFlags([]string{"--role", "chat", "--redis", "redis://127.0.0.1:6379/0"}, noEnv); err == nil ||
		!strings.Contains(err.Error(), "--cluster-key-file") {
		t.Fatalf("a cluster node without a key: %v", err)
	}
	cfg, err := parseServeFlags([]string{"--data", ""}, env(map[string]string{"PARENTLINE_ROLE": "chat",
		"PARENTLINE_REDIS": "redis://127.0.0.1:6379/0", "PARENTLINE_CLUSTER_KEY_FILE": "k"}))
	if err != nil || cfg.Role != roleChat || cfg.ClusterKeyFile != "k" {
		t.Fatalf("role from the environment: %q, %v", cfg.Role, err)
	}
	if cfg, err := parseServeFlags(nil, noEnv); err != nil || cfg.Role != roleStore {
		t.Fatalf("default role: %q, %v", cfg.Role, err)
	}
	if _, err := parseServeFlags([]string{"--data", ""}, noEnv); err == nil {
		t.Fatal("a store node without --data")
	}
	// A key file that does not hold a key is refused before anything runs.
	bad := filepath.Join(t.TempDir(), "cluster.key")
	os.WriteFile(bad, []byte("not a key\n"), 0o600)
	cfg, err = parseServeFlags([]string{"--role", "chat", "--redis", "redis://127.0.0.1:1/0", "--cluster-key-file", bad}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(cfg, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("a bad cluster key: %v", err)
	}

	// A chat node opens no bbolt file, so it starts beside a running store
	// node on the same --data without waiting for its lock.
	r := redistest.Start(t)
	store := startStoreNode(t, r, nil)
	chatNode := startServer(t, store.data, "--redis", r.URL(), "--role", "chat")
	if got := call(t, "GET", chatNode.base+"/readyz", "", ""); got.status != 200 {
		t.Fatalf("chat node /readyz: %d", got.status)
	}
	if _, err := os.Stat(filepath.Join(store.data, "parentline.db")); err != nil {
		t.Fatal(err)
	}
}

// clientAt is an HTTP client whose connections come from the loopback
// address ip (127.0.0.0/8 is all loopback on Linux).
func clientAt(ip string) *http.Client {
	d := &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestClusterStore_LoginThrottlePerClientAcrossNodes: the login throttle
// counts each client on its own even though every login reaches the store
// node from a chat node, and counts it once across all chat nodes.
func TestClusterStore_LoginThrottlePerClientAcrossNodes(t *testing.T) {
	r := redistest.Start(t)
	startStoreNode(t, r, map[string]string{"anna": "counselor"})
	one, two := startChatNode(t, r), startChatNode(t, r)
	login := func(c *http.Client, base, user, password string) int {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"username": user, "password": password})
		resp, err := c.Post(base+"/api/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	guesser, colleague := clientAt("127.0.0.2"), clientAt("127.0.0.3")
	throttled := -1
	for i := range 10 {
		if code := login(guesser, one.base, fmt.Sprintf("guess%d", i), "wrong"); code == http.StatusTooManyRequests {
			throttled = i
			break
		} else if code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if throttled < 1 {
		t.Fatalf("the guessing client was throttled after %d attempts", throttled)
	}
	if code := login(guesser, two.base, "guess-other-node", "wrong"); code != http.StatusTooManyRequests {
		t.Fatalf("through another chat node the guesser got %d, want 429", code)
	}
	if code := login(colleague, one.base, "anna", clusterPassword); code != http.StatusOK {
		t.Fatalf("another client through the same chat node got %d, want 200", code)
	}
}

// TestClusterStore_AccountsThroughChatNodes: an admin on one chat node adds
// and disables an account; the new account logs in through another chat
// node, and once disabled its session ends there at once.
func TestClusterStore_AccountsThroughChatNodes(t *testing.T) {
	r := redistest.Start(t)
	startStoreNode(t, r, map[string]string{"adam": "admin"})
	one, two := startChatNode(t, r), startChatNode(t, r)
	adam := loginToken(t, one.base, "adam")

	add := call(t, "POST", one.base+"/api/users", adam,
		`{"username":"cecilia","name":"Cecilia","roles":["counselor"],"password":"`+clusterPassword+`"}`)
	if add.status != http.StatusCreated {
		t.Fatalf("adding an account through a chat node: %d %s", add.status, add.body)
	}
	cecilia := loginToken(t, two.base, "cecilia")
	if status, roles := meRoles(t, two.base, cecilia); status != 200 || len(roles) != 1 || roles[0] != "counselor" {
		t.Fatalf("the new account on another chat node: %d %v", status, roles)
	}
	if got := call(t, "PUT", one.base+"/api/users/cecilia", adam, `{"disabled":true}`); got.status != http.StatusOK {
		t.Fatalf("disabling through a chat node: %d %s", got.status, got.body)
	}
	if status, _ := meRoles(t, two.base, cecilia); status != http.StatusUnauthorized {
		t.Fatalf("the disabled account's session on the other chat node: %d", status)
	}
	if got := call(t, "PUT", two.base+"/api/users/adam", adam, `{"disabled":true}`); got.status != http.StatusConflict || !strings.Contains(got.body, `"self"`) {
		t.Fatalf("an admin disabling themself through a chat node: %d %s", got.status, got.body)
	}
}
