//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/durable"
	"parentline/internal/clustertest"
	"parentline/internal/redistest"
	"parentline/staff"
	"parentline/stats"
)

// These tests run real nodes as processes (internal/clustertest) on a real
// redis-server: killed with SIGKILL, Redis restarted and paused under them.

// cluster3 starts a store node with the given users and two chat nodes.
func cluster3(t *testing.T, r *redistest.Server, users map[string]string, extra ...string) (store, a, b *clustertest.Node) {
	t.Helper()
	data := t.TempDir()
	for u, roles := range users {
		clustertest.AddUser(t, data, u, strings.ToUpper(u[:1])+u[1:], roles, clusterPassword)
	}
	store = clustertest.StartStore(t, r.URL(), append([]string{"--data", data}, extra...)...)
	a = clustertest.StartChat(t, r.URL(), extra...)
	b = clustertest.StartChat(t, r.URL(), extra...)
	for _, n := range []*clustertest.Node{store, a, b} {
		n.WaitReady()
	}
	return store, a, b
}

func staffSocket(t *testing.T, base, token string) *wsClient {
	t.Helper()
	c := dialWS(t, base, "/ws/counselor", http.Header{"Cookie": {staff.CookieName + "=" + token}}, nil)
	c.next("ready")
	return c
}

// frame reads the next frame whatever its type, within d.
func (c *wsClient) frame(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("bad JSON %q", b)
	}
	return m, nil
}

// nextWhere returns the next frame of type typ for which ok holds.
func (c *wsClient) nextWhere(typ string, ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m, err := c.frame(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if (typ == "" || m["type"] == typ) && ok(m) {
			return m
		}
	}
	c.t.Fatalf("no matching %q within 10s", typ)
	return nil
}

// resumeVia reconnects a parent through base with its token, retrying as
// the widget does while the chat still looks connected elsewhere; it
// returns the socket, its welcome and how long it took.
func resumeVia(t *testing.T, base string, token any) (*wsClient, map[string]any, time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 15*time.Second {
		p := dialWS(t, base, "/ws/parent", nil, nil)
		p.send(map[string]any{"type": "resume", "resume": token})
		for {
			m, err := p.frame(5 * time.Second)
			if err != nil {
				t.Fatalf("resume through %s: %v", base, err)
			}
			if m["type"] == "welcome" {
				return p, m, time.Since(start)
			}
			if m["type"] == "error" {
				if m["code"] != "already_connected" {
					t.Fatalf("resume refused: %v", m)
				}
				break
			}
		}
		p.ws.CloseNow()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("resume still refused after 15 s")
	return nil, nil, 0
}

func textIs(s string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["text"] == s }
}

// TestClusterNodes_KilledNodeChatsResumeElsewhere: the node a parent is
// chatting through is killed (SIGKILL); the parent reconnects through
// another node with its token and is back in the same chat, history and
// all, within 5 seconds. Then the node both sides are on is killed, and
// both come back through the store node.
func TestClusterNodes_KilledNodeChatsResumeElsewhere(t *testing.T) {
	r := redistest.Start(t)
	store, a, b := cluster3(t, r, map[string]string{"anna": "counselor"})
	token := loginToken(t, b.Base(), "anna")
	co := staffSocket(t, b.Base(), token)

	p := dialWS(t, a.Base(), "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	resume := p.next("welcome")["resume"]
	co.send(map[string]any{"type": "accept"})
	id := co.next("chat_started")["chat"]
	p.next("joined")
	p.send(map[string]any{"type": "msg", "text": "före"})
	co.nextWhere("msg", textIs("före"))

	a.Kill()
	p2, w, took := resumeVia(t, b.Base(), resume)
	if w["state"] != "chatting" {
		t.Fatalf("welcome after the node died: %v", w)
	}
	if took > 5*time.Second {
		t.Fatalf("resumed after %v; want within 5 s", took)
	}
	t.Logf("parent resumed through another node %v after its node was killed", took.Round(time.Millisecond))
	if h := p2.next("history"); !strings.Contains(fmt.Sprint(h["messages"]), "före") {
		t.Fatalf("history: %v", h)
	}
	p2.send(map[string]any{"type": "msg", "text": "efter"})
	co.nextWhere("msg", textIs("efter"))
	co.send(map[string]any{"type": "msg", "chat": id, "text": "svar"})
	p2.nextWhere("msg", textIs("svar"))

	// Now the node both are on dies; both come back through the store node.
	resume = w["resume"]
	b.Kill()
	killed := time.Now()
	p3, w3, _ := resumeVia(t, store.Base(), resume)
	co2 := staffSocket(t, store.Base(), token)
	co2.nextWhere("chat_started", func(m map[string]any) bool { return m["chat"] == id })
	if took := time.Since(killed); took > 5*time.Second {
		t.Fatalf("both sides back after %v", took)
	}
	if w3["state"] != "chatting" {
		t.Fatalf("welcome: %v", w3)
	}
	p3.send(map[string]any{"type": "msg", "text": "igen"})
	co2.nextWhere("msg", textIs("igen"))
	co2.send(map[string]any{"type": "close", "chat": id, "topics": []string{"school"}})
	p3.next("ended")
	co2.nextWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
}

// TestClusterNodes_RedisDownThenBack: with Redis gone every node says it is
// not ready and a parent's message is refused (not_sent), never silently
// dropped; when Redis is back the nodes reconnect by themselves and the
// chat goes on; every message acknowledged before reached the other side.
// A pause (SIGSTOP) behaves the same.
func TestClusterNodes_RedisDownThenBack(t *testing.T) {
	r := redistest.Start(t)
	store, a, _ := cluster3(t, r, map[string]string{"anna": "counselor"})
	token := loginToken(t, store.Base(), "anna")
	co := staffSocket(t, store.Base(), token)
	p := dialWS(t, a.Base(), "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "young"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.next("chat_started")["chat"]
	p.next("joined")
	p.send(map[string]any{"type": "msg", "text": "ett", "id": "1"})
	p.nextWhere("msg", textIs("ett"))
	co.nextWhere("msg", textIs("ett"))

	for _, fault := range []struct {
		name     string
		down, up func()
	}{
		{"restart", r.Stop, r.StartAgain},
		{"pause", r.Pause, r.Resume},
	} {
		fault.down()
		for _, n := range []*clustertest.Node{store, a} {
			waitStatus(t, n.Base()+"/readyz", http.StatusServiceUnavailable)
		}
		p.send(map[string]any{"type": "msg", "text": "under " + fault.name, "id": "x"})
		m := p.nextWhere("", func(m map[string]any) bool { return true })
		for m["type"] != "error" && m["type"] != "msg" {
			m = p.nextWhere("", func(m map[string]any) bool { return true })
		}
		if m["type"] != "error" || m["code"] != "not_sent" {
			t.Fatalf("%s: a message while Redis is away: %v", fault.name, m)
		}
		fault.up()
		for _, n := range []*clustertest.Node{store, a} {
			waitStatus(t, n.Base()+"/readyz", http.StatusOK)
		}
		text := "efter " + fault.name
		deadline := time.Now().Add(10 * time.Second)
		for {
			p.send(map[string]any{"type": "msg", "text": text, "id": "y"})
			m := p.nextWhere("", func(m map[string]any) bool { return m["type"] == "error" || m["type"] == "msg" })
			if m["type"] == "msg" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still refused 10 s after Redis came back: %v", fault.name, m)
			}
			time.Sleep(200 * time.Millisecond)
		}
		co.nextWhere("msg", textIs(text))
		co.send(map[string]any{"type": "msg", "chat": id, "text": "svar " + fault.name})
		p.nextWhere("msg", textIs("svar "+fault.name))
	}
}

// closeOne runs one chat from hello to close through the given nodes.
func closeOne(t *testing.T, parentBase string, co *wsClient, topic string) {
	t.Helper()
	p := dialWS(t, parentBase, "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.next("chat_started")["chat"]
	p.next("joined")
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{topic}})
	co.nextWhere("chat_ended", func(m map[string]any) bool { return m["chat"] == id && m["reason"] == "closed" })
	p.ws.Close(websocket.StatusNormalClosure, "")
}

// applied waits until the store node has applied everything chat nodes
// sent over the durable stream.
func applied(t *testing.T, r *redistest.Server) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := r.Client().XLen(ctx, durable.Stream).Result()
		p, err := r.Client().XPending(ctx, durable.Stream, "store").Result()
		if n == 0 && err == nil && p.Count == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store node has not applied the stream: %d entries, pending %v (%v)", n, p, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// storeCounts stops the store node and reads today's exact counts of the
// topics from its file (the reports perturb small counts on purpose).
func storeCounts(t *testing.T, store *clustertest.Node, audience string, topics ...string) []uint64 {
	t.Helper()
	if err := store.Stop(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(store.Data(), "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tal, err := stats.OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer tal.Close()
	day := time.Now().In(stockholm(t)).Format(time.DateOnly)
	var out []uint64
	for _, topic := range topics {
		n, err := tal.Count(day, audience, topic)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func stockholm(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestClusterNodes_StatsOnceAndStoreDown: chats closed on two different
// chat nodes are counted exactly once each; while the store node is down,
// chat goes on (logins already made stay valid, chats start and close),
// and what they leave for the statistics is applied when it returns.
func TestClusterNodes_StatsOnceAndStoreDown(t *testing.T) {
	r := redistest.Start(t)
	users := map[string]string{"anna": "counselor", "bo": "counselor", "stina": "statistician"}
	store, a, b := cluster3(t, r, users, "--stats-k", "2")
	anna, bo := loginToken(t, a.Base(), "anna"), loginToken(t, b.Base(), "bo")
	stina := loginToken(t, store.Base(), "stina")
	coA, coB := staffSocket(t, a.Base(), anna), staffSocket(t, b.Base(), bo)
	for range 3 {
		closeOne(t, b.Base(), coA, "school") // parent on b, counsellor on a: closed on a
		closeOne(t, a.Base(), coB, "school") // and the other way round: closed on b
	}
	applied(t, r)

	if err := store.Stop(); err != nil {
		t.Fatal(err)
	}
	if resp := call(t, "GET", a.Base()+"/api/stats/topics", stina, ""); resp.status != http.StatusServiceUnavailable {
		t.Fatalf("stats with the store node down: %d", resp.status)
	}
	closeOne(t, b.Base(), coA, "school")
	closeOne(t, a.Base(), coB, "sleep")
	// Two chats' queue flow and tallies wait in the stream meanwhile.
	if n, _ := r.Client().XLen(context.Background(), durable.Stream).Result(); n != 6 {
		t.Fatalf("%d entries wait for the store node, want 6 (queued, answered, closed × 2)", n)
	}
	store.Restart()
	store.WaitReady()
	applied(t, r)
	if resp := call(t, "GET", a.Base()+"/api/stats/topics?from=2026-01-01&to=2026-12-31&period=year&by=topic", stina, ""); resp.status != http.StatusOK {
		t.Fatalf("stats through a chat node once the store is back: %d %s", resp.status, resp.body)
	}
	if got := storeCounts(t, store, "teen", "school", "sleep"); got[0] != 7 || got[1] != 1 {
		t.Fatalf("school, sleep = %v, want 7 and 1: each chat counted exactly once", got)
	}
}

// TestClusterNodes_ChatLeavesNoTrace: a chat with marker strings in its
// text and in the request headers runs through two nodes; afterwards no
// Redis key, none of Redis's files on disk and no node's log holds any of
// them, and no key of the chat is left.
func TestClusterNodes_ChatLeavesNoTrace(t *testing.T) {
	const (
		text  = "MARKER-TEXT-5d1e"
		reply = "MARKER-REPLY-a7c2"
		first = "MARKER-FIRST-93b0"
		ua    = "MarkerAgent/1.0 (MARKER-UA-0c4f)"
		xff   = "198.51.100.23"
	)
	r := redistest.Start(t)
	store, a, _ := cluster3(t, r, map[string]string{"anna": "counselor"})
	co := staffSocket(t, store.Base(), loginToken(t, store.Base(), "anna"))
	p := dialWS(t, a.Base(), "/ws/parent", http.Header{"User-Agent": {ua}, "X-Forwarded-For": {xff}}, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen", "first": first})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.next("chat_started")["chat"].(string)
	p.next("joined")
	p.send(map[string]any{"type": "msg", "text": text})
	co.nextWhere("msg", textIs(text))
	co.send(map[string]any{"type": "msg", "chat": id, "text": reply})
	p.nextWhere("msg", textIs(reply))
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"other"}})
	co.nextWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })

	markers := []string{"MARKER", xff, "127.0.0.1:"}
	found, err := clustertest.ScanRedis(context.Background(), r.Client(), markers[:2]...)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("in Redis after the chat: %v", found)
	}
	keys, err := clustertest.Keys(context.Background(), r.Client())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, id) || strings.HasPrefix(k, "pl:resume:") {
			t.Fatalf("a key of the ended chat is left: %s", k)
		}
	}
	for _, f := range filesHoldingAny(t, r.Dir(), markers[:2]...) {
		t.Errorf("Redis's files on disk: %s", f)
	}
	for _, n := range []*clustertest.Node{store, a} {
		for _, m := range markers[:2] {
			if strings.Contains(n.Logs(), m) {
				t.Errorf("the %s node's log holds %q", n.Role(), m)
			}
		}
	}
}

// filesHoldingAny lists the files under dir holding any of the markers.
func filesHoldingAny(t *testing.T, dir string, markers ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				found = append(found, path+" holds "+m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestClusterNodes_SupervisionAndConsentThroughChatNodes: a supervisor on
// the store node follows a chat held on one chat node with its parent on
// the other, and the follow reaches the store's audit trail; the parent's
// consent is sealed by the store node (the only one with the intake key)
// and nothing the parent gave passes through Redis.
func TestClusterNodes_SupervisionAndConsentThroughChatNodes(t *testing.T) {
	const (
		name    = "MARKER-NAME-4e1a"
		summary = "MARKER-SUMMARY-77b2"
		hint    = "MARKER-HINT-0d3c"
	)
	r := redistest.Start(t)
	priv, pub := newIntakeKey(t)
	store, a, b := cluster3(t, r, map[string]string{"anna": "counselor", "sara": "supervisor", "ada": "admin"},
		"--intake-key", pub)
	co := staffSocket(t, a.Base(), loginToken(t, a.Base(), "anna"))
	sup := staffSocket(t, store.Base(), loginToken(t, store.Base(), "sara"))
	sup.send(map[string]any{"type": "available", "on": false})
	p := dialWS(t, b.Base(), "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.next("chat_started")["chat"].(string)
	p.next("joined")

	sup.send(map[string]any{"type": "follow", "chat": id})
	sup.nextWhere("following", func(m map[string]any) bool { return m["chat"] == id })
	p.send(map[string]any{"type": "msg", "text": "hej"})
	sup.nextWhere("msg", textIs("hej"))
	sup.send(map[string]any{"type": "hint", "chat": id, "text": hint})
	co.nextWhere("hint", textIs(hint))

	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": summary})
	req := p.next("consent_request")
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true,
		"details": map[string]any{"name": name, "contact": "070-123 45 67"}})
	receipt := p.next("consent_receipt")
	ref, _ := receipt["reference"].(string)
	if ref == "" || receipt["withdrawal_code"] == "" {
		t.Fatalf("receipt = %v", receipt)
	}
	if m := co.nextWhere("consent_result", func(map[string]any) bool { return true }); m["accepted"] != true || m["reference"] != ref {
		t.Fatalf("consent_result = %v", m)
	}
	found, err := clustertest.ScanRedis(context.Background(), r.Client(), "MARKER-NAME", "MARKER-SUMMARY", "070-123")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("the parent's details are in Redis: %v", found)
	}
	applied(t, r)
	res := call(t, "GET", store.Base()+"/api/audit", loginToken(t, store.Base(), "ada"), "")
	if res.status != 200 || !strings.Contains(res.body, "chat_followed") {
		t.Fatalf("audit trail: %d %s", res.status, res.body)
	}

	// The case is on the store node's disk, sealed: the reader's key opens it.
	if err := store.Stop(); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if c := run(context.Background(), []string{"case", "open", "--key", priv, "--data", store.Data(), ref}, noEnv, nil, &out, &errOut); c != 0 ||
		!strings.Contains(out.String(), name) || !strings.Contains(out.String(), summary) {
		t.Fatalf("case open: %d %s %s", c, out.String(), errOut.String())
	}
}
