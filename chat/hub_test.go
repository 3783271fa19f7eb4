package chat

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/chat/hours"
	"parentline/stats"
)

type harness struct {
	t       testing.TB
	hub     *Hub
	srv     *httptest.Server
	tallies *stats.Tallies
	db      *bolt.DB
}

// newHarness runs a hub on a real listener with a real bbolt file. A
// counsellor's identity comes from the X-Test-Staff header ("user:Name" or
// "user:Name:supervisor"), standing in for the server's login check.
func newHarness(t testing.TB, mod func(*Options)) *harness {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "test.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tallies, err := stats.OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	topics, err := stats.OpenTopics(db)
	if err != nil {
		t.Fatal(err)
	}
	always, _ := hours.Parse("always")
	opts := Options{
		Log: zerolog.Nop(), Tally: tallies, Topics: topics, Hours: always,
		FlushDelay: 5 * time.Millisecond, PingInterval: -1,
		Identify: func(r *http.Request) (Staff, bool) {
			f := strings.Split(r.Header.Get("X-Test-Staff"), ":")
			if len(f) < 2 {
				return Staff{}, false
			}
			return Staff{Username: f[0], Name: f[1], Supervisor: len(f) > 2 && f[2] == "supervisor"}, true
		},
	}
	if mod != nil {
		mod(&opts)
	}
	hub, err := NewHub(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/parent", hub.ServeParent)
	mux.HandleFunc("GET /ws/counselor", hub.ServeCounselor)
	mux.HandleFunc("GET /api/status", hub.HandleStatus)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		srv.Close()
		tallies.Close()
		db.Close()
	})
	return &harness{t: t, hub: hub, srv: srv, tallies: tallies, db: db}
}

type client struct {
	t      testing.TB
	ws     *websocket.Conn
	frames chan map[string]any
	closed chan struct{}
}

func (h *harness) dial(path string, header http.Header) *client {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.srv.URL, "http")+path, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial %s: %v (status %d)", path, err, status)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: h.t, ws: ws, frames: make(chan map[string]any, 4096), closed: make(chan struct{})}
	go func() {
		defer close(c.closed)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				h.t.Errorf("server sent invalid JSON: %s", b)
				return
			}
			c.frames <- m
		}
	}()
	h.t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (h *harness) parent() *client { return h.dial("/ws/parent", nil) }

func (h *harness) counselor(user, name string, supervisor bool) *client {
	id := user + ":" + name
	if supervisor {
		id += ":supervisor"
	}
	c := h.dial("/ws/counselor", http.Header{"X-Test-Staff": {id}})
	c.expect("ready")
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) sendRaw(b string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(b)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// expect waits for the next frame of type typ, skipping the coalesced
// status frames (queue, colleagues, overview, status, queued) of other types.
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.frames:
			if m["type"] == typ {
				return m
			}
			switch m["type"] {
			case "queue", "colleagues", "overview", "status", "queued", "typing":
				continue
			}
			c.t.Fatalf("waiting for %q, got %v", typ, m)
		case <-deadline:
			c.t.Fatalf("no %q frame within 5s", typ)
		}
	}
}

// expectWhere waits for a frame of type typ for which ok is true.
func (c *client) expectWhere(typ string, ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-c.frames:
			if (typ == "" || m["type"] == typ) && ok(m) {
				return m
			}
		case <-deadline:
			c.t.Fatalf("no matching %q frame within 5s", typ)
		}
	}
}

// expectError waits for an error frame with the given code.
func (c *client) expectError(code string) {
	c.t.Helper()
	m := c.expect("error")
	if m["code"] != code {
		c.t.Fatalf("error code %v, want %s (%v)", m["code"], code, m["message"])
	}
	if s, _ := m["message"].(string); s == "" {
		c.t.Fatalf("error frame without a message: %v", m)
	}
}

// quiet asserts that no frame of type typ arrives within d.
func (c *client) quiet(typ string, d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-c.frames:
			if m["type"] == typ {
				c.t.Fatalf("unexpected %q frame: %v", typ, m)
			}
		case <-deadline:
			return
		}
	}
}

func (c *client) waitClosed() {
	c.t.Helper()
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
		c.t.Fatal("socket not closed within 5s")
	}
}

// resume sends a resume frame on a new socket, retrying (as the widget does)
// while the server has not yet noticed that the old socket dropped.
func (h *harness) resume(token any) (*client, map[string]any) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := h.parent()
		c.send(map[string]any{"type": "resume", "resume": token})
		m := c.expectWhere("", func(m map[string]any) bool { return m["type"] == "welcome" || m["type"] == "error" })
		if m["type"] == "welcome" {
			return c, m
		}
		if m["code"] != "already_connected" || time.Now().After(deadline) {
			h.t.Fatalf("resume refused: %v", m)
		}
		c.ws.CloseNow()
		time.Sleep(20 * time.Millisecond)
	}
}

// startChat runs hello → accept and returns the chat id.
func startChat(t testing.TB, p, co *client, audience string) string {
	t.Helper()
	p.send(map[string]any{"type": "hello", "audience": audience, "lang": "sv"})
	p.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	started := co.expect("chat_started")
	p.expect("joined")
	return started["chat"].(string)
}

func TestHub_FullConversation(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()

	p.send(map[string]any{"type": "hello", "audience": "teen", "lang": "sv"})
	w := p.expect("welcome")
	session, _ := w["session"].(string)
	if len(session) != 32 || strings.Trim(session, "0123456789abcdef") != "" {
		t.Fatalf("session id %q is not 128 bits of hex", session)
	}
	if tok, _ := w["resume"].(string); len(tok) < 40 {
		t.Fatalf("resume token %q too short", tok)
	}
	q := p.expect("queued")
	if q["position"] != 1.0 || q["staffed"] != true {
		t.Fatalf("queued = %v, want position 1, staffed", q)
	}
	queue := co.expectWhere("queue", func(m map[string]any) bool { return len(m["waiting"].([]any)) == 1 })
	entry := queue["waiting"].([]any)[0].(map[string]any)
	if entry["audience"] != "teen" {
		t.Fatalf("queue entry %v", entry)
	}

	co.send(map[string]any{"type": "accept", "chat": entry["chat"]})
	started := co.expect("chat_started")
	chatID := started["chat"].(string)
	if chatID != entry["chat"] || started["audience"] != "teen" || started["parent"] == "" {
		t.Fatalf("chat_started = %v", started)
	}
	if chatID == session {
		t.Fatal("the chat id must not be the parent's session id")
	}
	if j := p.expect("joined"); j["counselor"] != "Anna" {
		t.Fatalf("joined = %v", j)
	}

	p.send(map[string]any{"type": "typing"})
	if m := co.expectWhere("typing", func(map[string]any) bool { return true }); m["chat"] != chatID {
		t.Fatalf("typing = %v", m)
	}
	p.send(map[string]any{"type": "msg", "text": "Min son sover inte", "id": "c1"})
	if ack := p.expect("msg"); ack["from"] != "parent" || ack["id"] != "c1" {
		t.Fatalf("parent ack = %v", ack)
	}
	if m := co.expect("msg"); m["chat"] != chatID || m["from"] != "parent" || m["text"] != "Min son sover inte" {
		t.Fatalf("counsellor got %v", m)
	}
	co.send(map[string]any{"type": "typing", "chat": chatID})
	p.expectWhere("typing", func(map[string]any) bool { return true })
	co.send(map[string]any{"type": "msg", "chat": chatID, "text": "Hur gammal är han?"})
	if m := p.expect("msg"); m["from"] != "counselor" || m["text"] != "Hur gammal är han?" {
		t.Fatalf("parent got %v", m)
	}
	co.expect("msg") // the counsellor's own acknowledgement

	co.send(map[string]any{"type": "close", "chat": chatID, "topics": []string{"sleep", "relationship", "sleep"}})
	if m := p.expect("ended"); m["reason"] != "counselor_closed" {
		t.Fatalf("ended = %v", m)
	}
	p.waitClosed()
	if m := co.expect("chat_ended"); m["chat"] != chatID || m["reason"] != "closed" {
		t.Fatalf("chat_ended = %v", m)
	}
	day := time.Now().In(h.hub.loc).Format(time.DateOnly)
	for topic, want := range map[string]uint64{"sleep": 1, "relationship": 1, "food": 0} {
		if n, err := h.tallies.Count(day, "teen", topic); err != nil || n != want {
			t.Fatalf("tally %s = %d, %v; want %d", topic, n, err, want)
		}
	}
}

func TestHub_CloseNeedsAValidTopic(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "young")

	co.send(map[string]any{"type": "close", "chat": id})
	co.expectError("no_topic")
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"astrology"}})
	co.expectError("no_topic")
	// The chat goes on.
	p.send(map[string]any{"type": "msg", "text": "Hallå?"})
	if m := co.expect("msg"); m["text"] != "Hallå?" {
		t.Fatalf("got %v", m)
	}
}

func TestHub_QueuePositionsFollowChanges(t *testing.T) {
	h := newHarness(t, nil)
	var ps []*client
	for i := range 3 {
		p := h.parent()
		p.send(map[string]any{"type": "hello", "audience": "young"})
		p.expect("welcome")
		if q := p.expect("queued"); q["position"] != float64(i+1) || q["staffed"] != false {
			t.Fatalf("parent %d queued = %v", i, q)
		}
		ps = append(ps, p)
	}
	ps[0].send(map[string]any{"type": "end"})
	ps[0].expect("ended")
	ps[1].expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })
	ps[2].expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })

	// A counsellor arriving makes the queue staffed.
	h.counselor("anna", "Anna", false)
	ps[1].expectWhere("queued", func(m map[string]any) bool { return m["staffed"] == true && m["position"] == 1.0 })
}

func TestHub_ResumeKeepsQueuePlaceAndChat(t *testing.T) {
	h := newHarness(t, nil)
	first := h.parent()
	first.send(map[string]any{"type": "hello", "audience": "young"})
	first.expect("welcome")
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	w := p.expect("welcome")
	p.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })

	// Network drop while queued: the place is kept.
	p.ws.CloseNow()
	p2, w2 := h.resume(w["resume"])
	if w2["session"] != w["session"] || w2["state"] != "queued" || w2["resume"] == w["resume"] {
		t.Fatalf("resume welcome = %v (first %v)", w2, w)
	}
	if q := p2.expect("queued"); q["position"] != 2.0 {
		t.Fatalf("position after resume = %v", q)
	}
	// The old token was rotated away.
	p3 := h.parent()
	p3.send(map[string]any{"type": "resume", "resume": w["resume"]})
	p3.expectError("invalid_token")

	// Into a chat, then reload: the chat and its history come back.
	co := h.counselor("anna", "Anna", false)
	co.send(map[string]any{"type": "accept", "chat": nil})
	co.expect("chat_started") // the first parent
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p2.expect("joined")
	p2.send(map[string]any{"type": "msg", "text": "före omladdning"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "före omladdning" })
	p2.ws.Close(websocket.StatusGoingAway, "reload")
	<-p2.closed
	co.send(map[string]any{"type": "msg", "chat": id, "text": "medan du var borta"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "medan du var borta" })

	p4, w4 := h.resume(w2["resume"])
	if w4["state"] != "chatting" {
		t.Fatalf("welcome = %v", w4)
	}
	if j := p4.expect("joined"); j["counselor"] != "Anna" {
		t.Fatalf("joined = %v", j)
	}
	hist := p4.expect("history")["messages"].([]any)
	if len(hist) != 2 || hist[1].(map[string]any)["text"] != "medan du var borta" {
		t.Fatalf("history = %v", hist)
	}
}

func TestHub_SecondSocketWithSameTokenIsRefused(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	w := p.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")

	intruder := h.parent()
	intruder.send(map[string]any{"type": "resume", "resume": w["resume"]})
	intruder.expectError("already_connected")
	intruder.send(map[string]any{"type": "resume", "resume": "forged-token"})
	intruder.expectError("invalid_token")
	intruder.send(map[string]any{"type": "msg", "text": "hej"})
	intruder.expectError("bad_state")

	// The real parent is undisturbed.
	co.send(map[string]any{"type": "msg", "chat": id, "text": "är du kvar?"})
	if m := p.expect("msg"); m["text"] != "är du kvar?" {
		t.Fatalf("got %v", m)
	}
}

func TestHub_ParentWhoDoesNotComeBackEndsTheChat(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ResumeGrace = 150 * time.Millisecond })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	w := p.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")
	p.ws.CloseNow()

	if m := co.expect("chat_ended"); m["reason"] != "parent_timeout" || m["chat"] != id {
		t.Fatalf("chat_ended = %v", m)
	}
	late := h.parent()
	late.send(map[string]any{"type": "resume", "resume": w["resume"]})
	late.expectError("invalid_token")
	co.send(map[string]any{"type": "msg", "chat": id, "text": "hallå"})
	co.expectError("bad_state")
	// Wrap-up: the counsellor still tags it, and it is counted.
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"other"}})
	if m := co.expect("chat_ended"); m["reason"] != "closed" {
		t.Fatalf("chat_ended = %v", m)
	}
	day := time.Now().In(h.hub.loc).Format(time.DateOnly)
	if n, _ := h.tallies.Count(day, "young", "other"); n != 1 {
		t.Fatalf("tally = %d", n)
	}
}

func TestHub_ParentEndsChat(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "young")
	p.send(map[string]any{"type": "end"})
	if m := p.expect("ended"); m["reason"] != "parent_ended" {
		t.Fatalf("ended = %v", m)
	}
	p.waitClosed()
	if m := co.expect("chat_ended"); m["reason"] != "parent_ended" || m["chat"] != id {
		t.Fatalf("chat_ended = %v", m)
	}
}

func TestHub_BadInputGetsErrorsAndDisturbsNothing(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	other := h.parent()
	otherID := startChat(t, other, co, "young")

	p := h.parent()
	p.sendRaw(`{"type":`)
	p.expectError("bad_json")
	p.sendRaw(`[1,2,3]`)
	p.expectError("bad_json")
	p.sendRaw(`{"text":"no type"}`)
	p.expectError("bad_json")
	p.send(map[string]any{"type": "dance"})
	p.expectError("unknown_type")
	p.send(map[string]any{"type": "msg", "text": "before hello"})
	p.expectError("bad_state")
	p.send(map[string]any{"type": "hello", "audience": "adults"})
	p.expectError("bad_request")
	p.send(map[string]any{"type": "hello", "audience": "young", "lang": "de"})
	p.expectError("bad_request")
	p.sendRaw(`{"type":"msg","text":"` + strings.Repeat("x", 20<<10) + `"}`)
	p.expectError("too_large")

	p.send(map[string]any{"type": "hello", "audience": "young", "lang": "en"})
	p.expect("welcome")
	p.send(map[string]any{"type": "hello", "audience": "young"})
	p.expectError("bad_state")
	p.send(map[string]any{"type": "msg", "text": "queued"})
	p.expectError("bad_state")
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")
	p.send(map[string]any{"type": "msg", "text": strings.Repeat("å", 2049)}) // 4098 bytes
	p.expectError("too_large")
	p.send(map[string]any{"type": "msg", "text": " \n\t "})
	p.expectError("empty")
	p.send(map[string]any{"type": "msg", "text": strings.Repeat("y", 4096)})
	if m := p.expect("msg"); len(m["text"].(string)) != 4096 {
		t.Fatal("a 4096-byte message must pass")
	}
	co.expect("msg")

	co.send(map[string]any{"type": "msg", "chat": "0123456789abcdef0123456789abcdef", "text": "x"})
	co.expectError("not_your_chat")
	co.send(map[string]any{"type": "accept", "chat": otherID})
	co.expectError("taken")
	co.send(map[string]any{"type": "available"})
	co.expectError("bad_request")
	co.sendRaw(`{"type":"close","chat":"` + id + `","topics":"sleep"}`)
	co.expectError("bad_json")

	// Both chats still work.
	co.send(map[string]any{"type": "msg", "chat": otherID, "text": "fortfarande här"})
	if m := other.expect("msg"); m["text"] != "fortfarande här" {
		t.Fatalf("got %v", m)
	}
	p.send(map[string]any{"type": "msg", "text": "still here"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["chat"] == id && m["text"] == "still here" })
}

func TestHub_FramesAboveHardLimitCloseTheSocket(t *testing.T) {
	h := newHarness(t, nil)
	p := h.parent()
	p.sendRaw(`{"type":"msg","text":"` + strings.Repeat("x", 300<<10) + `"}`)
	p.waitClosed()
}

func TestHub_ParentRateLimit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ParentRate = 0.01; o.ParentBurst = 3 })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	startChat(t, p, co, "young")
	for range 3 {
		p.send(map[string]any{"type": "msg", "text": "hej"})
		p.expect("msg")
	}
	p.send(map[string]any{"type": "msg", "text": "too many"})
	p.expectError("too_fast")
	co.quiet("msg_never_too_many", 50*time.Millisecond)
}

func TestHub_CounselorCapacity(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxChats = 1 })
	co := h.counselor("anna", "Anna", false)
	p1, p2 := h.parent(), h.parent()
	startChat(t, p1, co, "young")
	p2.send(map[string]any{"type": "hello", "audience": "young"})
	p2.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	co.expectError("at_capacity")
	co.send(map[string]any{"type": "accept"})
	co.expectError("at_capacity")
}

func TestHub_EmptyQueue(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	co.send(map[string]any{"type": "accept"})
	co.expectError("queue_empty")
}

func TestHub_Transfer(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	p := h.parent()
	id := startChat(t, p, anna, "teen")
	p.send(map[string]any{"type": "msg", "text": "första"})
	p.expect("msg")
	anna.expect("msg")

	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "nobody"})
	anna.expectError("unavailable")
	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "anna"})
	anna.expectError("unavailable")
	bo.send(map[string]any{"type": "available", "on": false})
	bo.expectWhere("status", func(m map[string]any) bool { return m["available"] == false })
	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "bo"})
	anna.expectError("unavailable")
	bo.send(map[string]any{"type": "available", "on": true})
	bo.expectWhere("status", func(m map[string]any) bool { return m["available"] == true })

	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "bo"})
	if m := anna.expect("chat_ended"); m["reason"] != "transferred" {
		t.Fatalf("chat_ended = %v", m)
	}
	if m := bo.expect("chat_started"); m["chat"] != id || m["transferred_from"] != "Anna" {
		t.Fatalf("chat_started = %v", m)
	}
	if hist := bo.expect("history")["messages"].([]any); len(hist) != 1 {
		t.Fatalf("history = %v", hist)
	}
	if m := p.expect("joined"); m["counselor"] != "Bo" {
		t.Fatalf("joined = %v", m)
	}
	anna.send(map[string]any{"type": "msg", "chat": id, "text": "x"})
	anna.expectError("not_your_chat")
	bo.send(map[string]any{"type": "msg", "chat": id, "text": "Hej, jag heter Bo"})
	if m := p.expect("msg"); m["text"] != "Hej, jag heter Bo" {
		t.Fatalf("got %v", m)
	}
}

func TestHub_CounselorReconnectGetsChatsBack(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "young")
	p.send(map[string]any{"type": "msg", "text": "ett"})
	co.expect("msg")
	co.ws.CloseNow()
	p.send(map[string]any{"type": "msg", "text": "två"}) // acknowledged while the counsellor is away
	p.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "två" })

	again := h.counselor("anna", "Anna", false)
	if m := again.expect("chat_started"); m["chat"] != id {
		t.Fatalf("chat_started = %v", m)
	}
	hist := again.expect("history")["messages"].([]any)
	if len(hist) != 2 || hist[1].(map[string]any)["text"] != "två" {
		t.Fatalf("history = %v", hist)
	}
}

func TestHub_VanishedCounselorsChatsGoBackFirstInQueue(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ResumeGrace = 150 * time.Millisecond })
	anna := h.counselor("anna", "Anna", false)
	p := h.parent()
	startChat(t, p, anna, "young")
	waiting := h.parent()
	waiting.send(map[string]any{"type": "hello", "audience": "young"})
	waiting.expect("welcome")
	anna.ws.CloseNow()

	p.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })
	waiting.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })
}

func TestHub_SecondConsoleReplacesFirst(t *testing.T) {
	h := newHarness(t, nil)
	first := h.counselor("anna", "Anna", false)
	h.counselor("anna", "Anna", false)
	first.expectError("replaced")
	first.waitClosed()
}

func TestHub_OutsideOpeningHours(t *testing.T) {
	sunday := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	weekdays, err := hours.Parse("mon-fri 09:00-16:00")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Hours = weekdays; o.Now = func() time.Time { return sunday } })
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	if m := p.expect("closed"); m["reason"] != "outside_hours" {
		t.Fatalf("closed = %v", m)
	}
	p.waitClosed()

	st := h.hub.Status()
	if st.Open || st.Staffed || st.NextOpen == nil || len(st.Hours) != 1 {
		t.Fatalf("status = %+v", st)
	}
	if st.NextOpen.Weekday() != time.Monday || st.NextOpen.Hour() != 9 {
		t.Fatalf("next open %v", st.NextOpen)
	}
}

func TestHub_StatusCORSOnlyForAllowedOrigins(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.OriginPatterns = []string{"*.kommun.se"} })
	get := func(origin string) *http.Response {
		req, _ := http.NewRequest("GET", h.srv.URL+"/api/status", nil)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if got := get("https://www.kommun.se").Header.Get("Access-Control-Allow-Origin"); got != "https://www.kommun.se" {
		t.Fatalf("allowed origin got %q", got)
	}
	if got := get("https://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("foreign origin got %q", got)
	}
}

func TestHub_ParentSocketOriginCheck(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.OriginPatterns = []string{"www.kommun.se"} })
	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/ws/parent"
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: err %v, resp %v", err, resp)
	}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://www.kommun.se"}}})
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	c.CloseNow()
}

func TestHub_CounselorSocketNeedsIdentity(t *testing.T) {
	h := newHarness(t, nil)
	_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(h.srv.URL, "http")+"/ws/counselor", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err %v resp %v", err, resp)
	}
}

func TestHub_SupervisorOverview(t *testing.T) {
	h := newHarness(t, nil)
	sup := h.counselor("sara", "Sara", true)
	anna := h.counselor("anna", "Anna", false)
	p := h.parent()
	startChat(t, p, anna, "teen")
	h.parent().send(map[string]any{"type": "hello", "audience": "young"})
	sup.expectWhere("overview", func(m map[string]any) bool {
		chats := m["chats"].([]any)
		if len(chats) != 2 {
			return false
		}
		states := map[string]string{}
		for _, c := range chats {
			c := c.(map[string]any)
			states[c["state"].(string)], _ = c["counselor"].(string)
		}
		_, hasWaiting := states["waiting"]
		return states["active"] == "Anna" && hasWaiting
	})
	anna.quiet("overview", 50*time.Millisecond)
}

func TestHub_ShutdownTellsEveryone(t *testing.T) {
	h := newHarness(t, nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	startChat(t, p, co, "young")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if m := p.expect("closed"); m["reason"] != "shutting_down" {
		t.Fatalf("closed = %v", m)
	}
	co.expect("closed")
	p.waitClosed()
	co.waitClosed()
}

// counter reads a stats counter after flushing the tallies.
func (h *harness) counter(bucket, key string) uint64 {
	h.t.Helper()
	var n uint64
	h.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(bucket)).Get([]byte(key)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n
}

func TestHub_QueueFlowIsTallied(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.ResumeGrace = 150 * time.Millisecond })
	co := h.counselor("anna", "Anna", false)
	answered := h.parent()
	startChat(t, answered, co, "teen")
	leaver := h.parent()
	leaver.send(map[string]any{"type": "hello", "audience": "teen"})
	leaver.expect("welcome")
	leaver.send(map[string]any{"type": "end"})
	leaver.expect("ended")
	dropper := h.parent()
	dropper.send(map[string]any{"type": "hello", "audience": "young"})
	dropper.expect("welcome")
	dropper.ws.CloseNow() // never comes back: abandoned after the grace

	// The answered chat's counsellor vanishes: it goes back to the queue,
	// is taken again, and is still one answered chat, not two.
	co.ws.CloseNow()
	answered.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })
	again := h.counselor("bo", "Bo", false)
	again.send(map[string]any{"type": "accept"})
	again.expect("chat_started")
	deadline := time.Now().Add(5 * time.Second)
	for h.hub.Status().QueueLength != 0 { // the dropper's grace runs out
		if time.Now().After(deadline) {
			t.Fatal("the dropped parent is still queued")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.tallies.Close()

	day := time.Now().In(h.hub.loc).Format(time.DateOnly)
	for key, want := range map[string]uint64{
		day + "|teen|queued": 2, day + "|young|queued": 1,
		day + "|teen|answered": 1, day + "|teen|abandoned": 1, day + "|young|abandoned": 1,
	} {
		if got := h.counter("tally_flow", key); got != want {
			t.Errorf("tally_flow %s = %d, want %d", key, got, want)
		}
	}
	if got := h.counter("tally_waits", day+"|teen|lt1"); got != 1 {
		t.Errorf("waits lt1 = %d, want 1", got)
	}
}
