package staff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"parentline/internal/redistest"
)

// newRedisStore is a Store whose sessions live in a fresh redis-server.
func newRedisStore(t *testing.T, opts Options) (*Store, *RedisSessions, *redis.Client) {
	t.Helper()
	rdb := redistest.Start(t).Client()
	rs := NewRedisSessions(rdb, opts)
	opts.Sessions = rs
	return newTestStore(t, opts), rs, rdb
}

// startFor starts a session for username through the store, as a login does.
func startFor(t *testing.T, s *Store, username string) string {
	t.Helper()
	u, err := s.User(username)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.StartSession(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dumpRedis returns every key and value in rdb as one string.
func dumpRedis(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	iter := rdb.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		b.WriteString(key + "\n")
		switch rdb.Type(ctx, key).Val() {
		case "string":
			b.WriteString(rdb.Get(ctx, key).Val())
		case "hash":
			for k, v := range rdb.HGetAll(ctx, key).Val() {
				b.WriteString(k + "=" + v + "\n")
			}
		case "set":
			b.WriteString(strings.Join(rdb.SMembers(ctx, key).Val(), "\n"))
		}
		b.WriteString("\n")
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRedisSessionStartLookupEnd(t *testing.T) {
	s, rs, rdb := newRedisStore(t, Options{SessionIdle: 10 * time.Minute, SessionMax: time.Hour})
	putUser(t, s, "anna", "Anna", RoleCounselor, RoleSupervisor)
	ctx := context.Background()

	token := startFor(t, s, "anna")
	h := hashOf(token)
	rec := rdb.HGetAll(ctx, "pl:sess:"+h).Val()
	if rec["username"] != "anna" || rec["name"] != "Anna" || rec["roles"] != "counselor,supervisor" ||
		rec["created"] == "" || rec["last_seen"] == "" || len(rec) != 5 {
		t.Fatalf("session record %v", rec)
	}
	if ttl := rdb.PTTL(ctx, "pl:sess:"+h).Val(); ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("session TTL %v, want the idle expiry", ttl)
	}
	if !rdb.SIsMember(ctx, "pl:sess-user:anna", h).Val() {
		t.Fatal("session missing from the user's set")
	}
	if ttl := rdb.TTL(ctx, "pl:sess-user:anna").Val(); ttl <= 59*time.Minute {
		t.Fatalf("user set TTL %v, want the absolute expiry", ttl)
	}
	dump := dumpRedis(t, rdb)
	if strings.Contains(dump, token) || strings.Contains(dump, testPassword) || strings.Contains(dump, "argon2") {
		t.Fatalf("redis holds a token or a password:\n%s", dump)
	}

	sess, err := rs.Session(ctx, token)
	if err != nil || sess.Username != "anna" || sess.Name != "Anna" || !sess.Has(RoleSupervisor) {
		t.Fatalf("Session = %+v, %v", sess, err)
	}
	for _, bad := range []string{"", "x", token + "A", strings.Repeat("A", 43)} {
		if _, err := rs.Session(ctx, bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("Session(%q) = %v", bad, err)
		}
	}
	other := startFor(t, s, "anna")
	if err := rs.EndSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Session(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ended session valid: %v", err)
	}
	if rdb.Exists(ctx, "pl:sess:"+h).Val() != 0 || rdb.SIsMember(ctx, "pl:sess-user:anna", h).Val() {
		t.Fatal("ended session left behind in redis")
	}
	if _, err := rs.Session(ctx, other); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	if err := rs.EndSession(ctx, "garbage"); err != nil {
		t.Fatal(err)
	}
}

func TestRedisSessionIdleAndMaxExpiry(t *testing.T) {
	clock := newFakeClock()
	s, rs, rdb := newRedisStore(t, Options{Now: clock.Now, SessionIdle: 10 * time.Minute, SessionMax: 30 * time.Minute})
	putUser(t, s, "anna", "Anna", RoleCounselor)
	ctx := context.Background()
	start := clock.Now()
	token := startFor(t, s, "anna")
	key := "pl:sess:" + hashOf(token)

	// Within a minute of the last write a lookup does not write; after it,
	// the last-seen time and the TTL are refreshed.
	clock.Advance(30 * time.Second)
	if _, err := rs.Session(ctx, token); err != nil {
		t.Fatal(err)
	}
	if seen := rdb.HGet(ctx, key, "last_seen").Val(); seen != formatTime(start) {
		t.Fatalf("last_seen written after 30s: %s", seen)
	}
	clock.Advance(40 * time.Second)
	sess, err := rs.Session(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	seen := start.Add(70 * time.Second)
	if got := rdb.HGet(ctx, key, "last_seen").Val(); got != formatTime(seen) {
		t.Fatalf("last_seen = %s, want %s", got, formatTime(seen))
	}
	if !sess.Expires.Equal(seen.Add(10 * time.Minute)) {
		t.Fatalf("Expires = %v", sess.Expires)
	}

	// Idle past the limit: gone, and deleted.
	clock.Advance(10*time.Minute + time.Second)
	if _, err := rs.Session(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session valid: %v", err)
	}
	if rdb.Exists(ctx, key).Val() != 0 {
		t.Fatal("expired session not deleted on lookup")
	}

	// Kept busy, a session lives until the absolute limit and no longer,
	// and its TTL never reaches past it.
	token = startFor(t, s, "anna")
	key = "pl:sess:" + hashOf(token)
	for range 5 {
		clock.Advance(5 * time.Minute)
		if _, err := rs.Session(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl > 5*time.Minute {
		t.Fatalf("TTL %v reaches past the absolute expiry", ttl)
	}
	clock.Advance(5 * time.Minute)
	if _, err := rs.Session(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session past max valid: %v", err)
	}
}

func TestRedisSessionFollowUserChanges(t *testing.T) {
	s, rs, rdb := newRedisStore(t, Options{})
	putUser(t, s, "anna", "Anna", RoleCounselor, RoleSupervisor)
	putUser(t, s, "bertil", "Bertil", RoleCounselor)
	ctx := context.Background()
	a1, a2, b := startFor(t, s, "anna"), startFor(t, s, "anna"), startFor(t, s, "bertil")

	if err := s.SetRoles("anna", []Role{RoleCounselor}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetName("anna", "Anna S"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{a1, a2} {
		sess, err := rs.Session(ctx, tok)
		if err != nil || sess.Has(RoleSupervisor) || !sess.Has(RoleCounselor) || sess.Name != "Anna S" {
			t.Fatalf("after the change: %+v, %v", sess, err)
		}
	}

	if err := s.SetDisabled("anna", true); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{a1, a2} {
		if _, err := rs.Session(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Fatalf("a disabled user's session is valid: %v", err)
		}
	}
	if n := rdb.SCard(ctx, "pl:sess-user:anna").Val(); n != 0 {
		t.Fatalf("%d sessions left in the disabled user's set", n)
	}
	if _, err := s.Authenticate("anna", testPassword); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a disabled user authenticated: %v", err)
	}
	u, _ := s.User("anna")
	if _, _, err := s.StartSession(ctx, u); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a session started for a disabled user: %v", err)
	}
	if _, err := rs.Session(ctx, b); err != nil {
		t.Fatalf("another user's session ended: %v", err)
	}

	// A session started from a record that changed meanwhile is refused
	// (disabled) or carries the change (roles).
	if err := s.SetDisabled("anna", false); err != nil {
		t.Fatal(err)
	}
	stale, _ := s.User("anna")
	if err := s.SetRoles("anna", []Role{RoleStatistician}); err != nil {
		t.Fatal(err)
	}
	tok, sess, err := s.StartSession(ctx, stale)
	if err != nil || !sess.Has(RoleStatistician) || sess.Has(RoleCounselor) {
		t.Fatalf("session from a stale record: %+v, %v", sess, err)
	}
	if sess, err := rs.Session(ctx, tok); err != nil || !sess.Has(RoleStatistician) || sess.Has(RoleCounselor) {
		t.Fatalf("stored session from a stale record: %+v, %v", sess, err)
	}

	if err := s.SetPassword("anna", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Session(ctx, tok); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session valid after a new password: %v", err)
	}
	if _, _, err := s.StartSession(ctx, stale); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("a session started with the old password's record: %v", err)
	}
	if err := s.DeleteUser("bertil"); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Session(ctx, b); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a deleted user's session is valid: %v", err)
	}
}

// A node without the accounts (a chat node) checks the sessions a store node
// started, and cannot log anyone in itself.
func TestRedisSessionOnNodeWithoutAccounts(t *testing.T) {
	s, rs, _ := newRedisStore(t, Options{})
	putUser(t, s, "anna", "Anna", RoleStatistician)
	token := startFor(t, s, "anna")

	auth := NewAuth(nil, AuthOptions{Sessions: rs, Log: zerolog.Nop()})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", auth.HandleLogin)
	mux.HandleFunc("GET /api/me", auth.HandleMe)
	mux.Handle("GET /stats", auth.Require(RoleStatistician)(http.NotFoundHandler()))
	mux.Handle("GET /admin", auth.Require(RoleAdmin)(http.NotFoundHandler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t)
	cookie := CookieName + "=" + token
	if r := do(t, c, "GET", srv.URL+"/api/me", "", "Cookie", cookie); r.status != 200 || r.body["username"] != "anna" {
		t.Fatalf("me: %d %s", r.status, r.text)
	}
	if r := do(t, c, "GET", srv.URL+"/stats", "", "Cookie", cookie); r.status != 404 {
		t.Fatalf("a route for the session's role: %d", r.status)
	}
	if r := do(t, c, "GET", srv.URL+"/admin", "", "Cookie", cookie); r.status != 403 {
		t.Fatalf("a route for another role: %d", r.status)
	}
	if r := do(t, c, "POST", srv.URL+"/api/login", login("anna", testPassword)); r.status != 503 {
		t.Fatalf("login on a node without accounts: %d %s", r.status, r.text)
	}
}

func TestBoltSessionsFollowUserChanges(t *testing.T) {
	s := newTestStore(t, Options{})
	putUser(t, s, "anna", "Anna", RoleCounselor, RoleSupervisor)
	token := startFor(t, s, "anna")
	if err := s.SetRoles("anna", []Role{RoleCounselor, RoleCounselor}); err != nil {
		t.Fatal(err)
	}
	if sess, err := s.Session(token); err != nil || sess.Has(RoleSupervisor) || len(sess.Roles) != 1 {
		t.Fatalf("after SetRoles: %+v, %v", sess, err)
	}
	if err := s.SetRoles("anna", nil); err == nil {
		t.Fatal("SetRoles accepted no roles")
	}
	if err := s.SetDisabled("anna", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("a disabled user's session is valid: %v", err)
	}
	if _, _, err := s.NewSession("anna"); !errors.Is(err, ErrDisabled) {
		t.Fatalf("NewSession for a disabled user: %v", err)
	}
	if err := s.SetDisabled("nobody", true); !errors.Is(err, ErrNoUser) {
		t.Fatalf("SetDisabled(nobody) = %v", err)
	}
}
