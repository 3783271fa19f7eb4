package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/chat/hours"
	"parentline/internal/redistest"
	"parentline/stats"
)

// cluster is several Cluster nodes on one real redis-server, each behind a
// real listener, sharing one tally store (the store node's part).
type cluster struct {
	t       *testing.T
	redis   *redistest.Server
	nodes   []*harness
	engines []*Cluster
	tallies *stats.Tallies
	db      *bolt.DB
	opts    Options
	key     []byte
}

func newCluster(t *testing.T, n int, mod func(*Options)) *cluster {
	t.Helper()
	r := redistest.Start(t)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "store.db"), 0o600, &bolt.Options{Timeout: time.Second})
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
	key := make([]byte, ClusterKeySize)
	rand.Read(key)
	cl := &cluster{t: t, redis: r, tallies: tallies, db: db, opts: opts, key: key}
	for range n {
		cl.add()
	}
	t.Cleanup(func() {
		for i, e := range cl.engines {
			if e != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				e.Shutdown(ctx)
				cancel()
				cl.nodes[i].srv.Close()
			}
		}
		tallies.Close()
		db.Close()
	})
	return cl
}

// add starts one more node.
func (cl *cluster) add() *harness {
	cl.t.Helper()
	e, err := NewCluster(cl.opts, ClusterOptions{Redis: cl.redis.Client(), Key: cl.key, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		cl.t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/parent", e.ServeParent)
	mux.HandleFunc("GET /ws/counselor", e.ServeCounselor)
	mux.HandleFunc("GET /api/status", e.HandleStatus)
	srv := httptest.NewServer(mux)
	h := &harness{t: cl.t, srv: srv, db: cl.db, tallies: cl.tallies}
	cl.nodes = append(cl.nodes, h)
	cl.engines = append(cl.engines, e)
	return h
}

// crash ends node i as a crash would: its sockets are cut and it stops
// working, with nothing cleaned up in Redis.
func (cl *cluster) crash(i int) {
	e := cl.engines[i]
	cl.engines[i] = nil
	e.stop()
	e.loops.Wait()
	cl.nodes[i].srv.CloseClientConnections()
	cl.nodes[i].srv.Close()
}

func TestCluster_ConversationAcrossNodes(t *testing.T) {
	cl := newCluster(t, 2, nil)
	a, b := cl.nodes[0], cl.nodes[1]
	co := b.counselor("anna", "Anna", false)
	p1, p2 := a.parent(), b.parent()
	p1.send(map[string]any{"type": "hello", "audience": "teen", "lang": "sv"})
	p1.expect("welcome")
	if q := p1.expectWhere("queued", func(m map[string]any) bool { return m["staffed"] == true }); q["position"] != 1.0 {
		t.Fatalf("first parent: %v", q)
	}
	p2.send(map[string]any{"type": "hello", "audience": "young", "lang": "en"})
	p2.expect("welcome")
	p2.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })
	co.expectWhere("queue", func(m map[string]any) bool { return m["total"] == 2.0 })

	co.send(map[string]any{"type": "accept"})
	started := co.expect("chat_started")
	if started["audience"] != "teen" {
		t.Fatalf("the first in the queue should be taken first: %v", started)
	}
	id := started["chat"].(string)
	if j := p1.expect("joined"); j["counselor"] != "Anna" {
		t.Fatalf("joined: %v", j)
	}
	p2.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })

	// Messages both ways, in order, with the same frames as on one node.
	const n = 10 // within the parent's burst
	for i := range n {
		p1.send(map[string]any{"type": "msg", "text": fmt.Sprintf("p%d", i), "id": fmt.Sprintf("c%d", i)})
		co.send(map[string]any{"type": "msg", "chat": id, "text": fmt.Sprintf("k%d", i)})
	}
	gotP, gotC := 0, 0
	deadline := time.After(5 * time.Second)
	for gotP < n || gotC < n {
		select {
		case m := <-p1.frames:
			if m["type"] != "msg" {
				continue
			}
			if m["from"] == "counselor" {
				if m["text"] != fmt.Sprintf("k%d", gotC) || m["chat"] != nil {
					t.Fatalf("parent got %v, want k%d", m, gotC)
				}
				gotC++
			}
		case m := <-co.frames:
			if m["type"] != "msg" || m["from"] != "parent" {
				continue
			}
			if m["text"] != fmt.Sprintf("p%d", gotP) || m["chat"] != id {
				t.Fatalf("counsellor got %v, want p%d", m, gotP)
			}
			gotP++
		case <-deadline:
			t.Fatalf("messages missing: parent has %d, counsellor %d", gotC, gotP)
		}
	}
	p1.send(map[string]any{"type": "typing"})
	co.expectWhere("typing", func(m map[string]any) bool { return m["chat"] == id })

	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"school"}})
	if e := p1.expectWhere("ended", func(map[string]any) bool { return true }); e["reason"] != "counselor_closed" {
		t.Fatalf("ended: %v", e)
	}
	p1.waitClosed()
	co.expectWhere("chat_ended", func(m map[string]any) bool { return m["chat"] == id && m["reason"] == "closed" })
	day := time.Now().In(cl.engines[0].loc).Format(time.DateOnly)
	if n, err := cl.tallies.Count(day, "teen", "school"); err != nil || n != 1 {
		t.Fatalf("tally = %d (%v), want 1", n, err)
	}
}

// TestCluster_RacingAccepts: counsellors on two nodes all try to take the
// same chats at once; each chat goes to exactly one of them, nobody goes
// over their limit, and everyone else is told it was taken.
func TestCluster_RacingAccepts(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) { o.MaxChats = 2 })
	const chats, counselors = 10, 20
	var parents []*client
	for i := range chats {
		p := cl.nodes[i%2].parent()
		p.send(map[string]any{"type": "hello", "audience": "teen"})
		p.expect("welcome")
		parents = append(parents, p)
	}
	var cos []*client
	for i := range counselors {
		cos = append(cos, cl.nodes[i%2].counselor(fmt.Sprintf("c%02d", i), fmt.Sprintf("C%02d", i), false))
	}
	ids := map[string]bool{}
	cos[0].expectWhere("queue", func(m map[string]any) bool {
		if m["total"] != float64(chats) {
			return false
		}
		for _, w := range m["waiting"].([]any) {
			ids[w.(map[string]any)["chat"].(string)] = true
		}
		return true
	})
	// Everyone sends accept for every chat, as close together as we can.
	var wg sync.WaitGroup
	for _, co := range cos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				co.send(map[string]any{"type": "accept", "chat": id})
			}
		}()
	}
	wg.Wait()
	holders := map[string]int{}
	took := map[string]int{}
	for i, co := range cos {
		for range chats {
			m := co.expectWhere("", func(m map[string]any) bool { return m["type"] == "chat_started" || m["type"] == "error" })
			if m["type"] == "chat_started" {
				holders[m["chat"].(string)]++
				took[fmt.Sprint(i)]++
			} else if m["code"] != "taken" && m["code"] != "at_capacity" {
				t.Fatalf("refusal %v", m)
			}
		}
	}
	if len(holders) != chats {
		t.Fatalf("%d of %d chats taken", len(holders), chats)
	}
	for id, n := range holders {
		if n != 1 {
			t.Fatalf("chat %s taken %d times", id, n)
		}
	}
	for who, n := range took {
		if n > 2 {
			t.Fatalf("counsellor %s holds %d chats, limit 2", who, n)
		}
	}
	for _, p := range parents {
		p.expect("joined")
	}
}

// TestCluster_UrgentGoesFirstEverywhere: the queue order and every
// parent's position are the same on every node.
func TestCluster_UrgentGoesFirstEverywhere(t *testing.T) {
	cl := newCluster(t, 2, nil)
	co := cl.nodes[0].counselor("anna", "Anna", false)
	p1 := cl.nodes[0].parent()
	p1.send(map[string]any{"type": "hello", "audience": "teen"})
	p1.expect("welcome")
	p2 := cl.nodes[1].parent()
	p2.send(map[string]any{"type": "hello", "audience": "teen", "first": "Min man slår mig och barnen"})
	p2.expect("welcome")
	p2.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })
	p1.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })
	q := co.expectWhere("queue", func(m map[string]any) bool { return m["total"] == 2.0 })
	if first := q["waiting"].([]any)[0].(map[string]any); first["urgent"] != true || first["reason"] == "" {
		t.Fatalf("urgent chat not first: %v", q)
	}
	co.send(map[string]any{"type": "accept"})
	if s := co.expect("chat_started"); s["urgent"] != true {
		t.Fatalf("took %v", s)
	}
	p2.expect("joined")
}

// TestCluster_ResumeThroughAnotherNode: a parent and a counsellor whose
// sockets drop come back through other nodes and carry on where they were.
func TestCluster_ResumeThroughAnotherNode(t *testing.T) {
	cl := newCluster(t, 3, nil)
	co := cl.nodes[1].counselor("anna", "Anna", false)
	p := cl.nodes[0].parent()
	p.send(map[string]any{"type": "hello", "audience": "teen"})
	token := p.expect("welcome")["resume"]
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")
	p.send(map[string]any{"type": "msg", "text": "hej"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "hej" })

	p.ws.CloseNow()
	p2, w := cl.nodes[2].resume(token)
	if w["state"] != "chatting" || w["resume"] == token {
		t.Fatalf("welcome on resume: %v", w)
	}
	if j := p2.expect("joined"); j["counselor"] != "Anna" {
		t.Fatalf("joined: %v", j)
	}
	if h := p2.expect("history"); len(h["messages"].([]any)) != 1 {
		t.Fatalf("history: %v", h)
	}
	co.send(map[string]any{"type": "msg", "chat": id, "text": "välkommen tillbaka"})
	p2.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "välkommen tillbaka" })

	// The old token is spent.
	old := cl.nodes[1].parent()
	old.send(map[string]any{"type": "resume", "resume": token})
	old.expectError("invalid_token")

	// The counsellor comes back through another node and gets the chat.
	co.ws.CloseNow()
	time.Sleep(50 * time.Millisecond)
	co2 := cl.nodes[0].counselor("anna", "Anna", false)
	if s := co2.expect("chat_started"); s["chat"] != id {
		t.Fatalf("chat_started: %v", s)
	}
	if h := co2.expect("history"); len(h["messages"].([]any)) != 2 {
		t.Fatalf("history: %v", h)
	}
	p2.send(map[string]any{"type": "msg", "text": "tack"})
	co2.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "tack" && m["chat"] == id })
}

// TestCluster_NodeCrashChatsResumeElsewhere: a node dies with a parent and
// a counsellor on it; both come back through another node and the chat
// goes on with its history, within a few seconds.
func TestCluster_NodeCrashChatsResumeElsewhere(t *testing.T) {
	cl := newCluster(t, 2, nil)
	co := cl.nodes[0].counselor("anna", "Anna", false)
	p := cl.nodes[0].parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	token := p.expect("welcome")["resume"]
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")
	p.send(map[string]any{"type": "msg", "text": "före"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "före" })

	cl.crash(0)
	start := time.Now()
	p2, w := cl.nodes[1].resume(token)
	if w["state"] != "chatting" {
		t.Fatalf("welcome: %v", w)
	}
	co2 := cl.nodes[1].counselor("anna", "Anna", false)
	co2.expectWhere("chat_started", func(m map[string]any) bool { return m["chat"] == id })
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("resumed after %v", d)
	}
	p2.send(map[string]any{"type": "msg", "text": "efter"})
	co2.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "efter" })
	co2.send(map[string]any{"type": "msg", "chat": id, "text": "svar"})
	p2.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "svar" })
}

// TestCluster_NoChatTextLeftInRedis: markers sent through two nodes are in
// Redis only while the chat runs; the user agent and address never are.
func TestCluster_NoChatTextLeftInRedis(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) { o.Auditor = &recordingAuditor{} })
	co := cl.nodes[1].counselor("anna", "Anna", false)
	sup := cl.nodes[0].counselor("sara", "Sara", true)
	sup.send(map[string]any{"type": "available", "on": false})
	p := cl.nodes[0].dial("/ws/parent", http.Header{"User-Agent": {"UA-MARKER-7f3"}, "X-Forwarded-For": {"203.0.113.77"}})
	p.send(map[string]any{"type": "hello", "audience": "teen", "first": "FIRST-MARKER-a1"})
	p.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"].(string)
	p.expect("joined")
	p.send(map[string]any{"type": "msg", "text": "TEXT-MARKER-p1"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "TEXT-MARKER-p1" })
	co.send(map[string]any{"type": "msg", "chat": id, "text": "TEXT-MARKER-c1"})
	co.send(map[string]any{"type": "note", "chat": id, "text": "NOTE-MARKER-n1"})
	p.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "TEXT-MARKER-c1" })
	co.expectWhere("note", func(m map[string]any) bool { return m["text"] == "NOTE-MARKER-n1" })
	sup.send(map[string]any{"type": "follow", "chat": id})
	sup.expect("following")
	sup.send(map[string]any{"type": "hint", "chat": id, "text": "HINT-MARKER-h1"})
	co.expectWhere("hint", func(m map[string]any) bool { return m["text"] == "HINT-MARKER-h1" })

	ctx := context.Background()
	rdb := cl.redis.Client()
	// While the chat runs its text is in Redis only sealed with the cluster
	// key; the user agent and address are never there.
	if found := scanFor(t, ctx, cl, "MARKER", "203.0.113", "127.0.0.1"); len(found) > 0 {
		t.Fatalf("in Redis during the chat: %v", found)
	}
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"school"}})
	co.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	sup.expectWhere("follow_ended", func(m map[string]any) bool { return m["chat"] == id })
	co.ws.CloseNow()
	sup.ws.CloseNow()
	for _, e := range cl.engines {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		e.Shutdown(ctx)
		cancel()
	}
	cl.engines = make([]*Cluster, len(cl.engines))
	if found := scanFor(t, ctx, cl, "MARKER", id); len(found) > 0 {
		t.Fatalf("left in Redis after the chat ended: %v", found)
	}
	if found := filesHolding(t, cl.redis.Dir(), "MARKER", "203.0.113"); len(found) > 0 {
		t.Fatalf("in Redis's files on disk: %v", found)
	}
	keys, _ := rdb.Keys(ctx, "*").Result()
	for _, k := range keys {
		if strings.HasPrefix(k, "pl:chat:") || strings.HasPrefix(k, "pl:resume:") || strings.HasPrefix(k, "pl:following:") {
			t.Fatalf("a chat's key outlived it: %s", k)
		}
	}
}

func TestCluster_FollowsEndWithTheirConsoles(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) {
		o.Auditor = &recordingAuditor{}
		o.ResumeGrace = 300 * time.Millisecond
	})
	anna := cl.nodes[0].counselor("anna", "Anna", false)
	sara := cl.nodes[1].counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := cl.nodes[1].parent()
	id := startChat(t, p, anna, "teen")
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expect("following")
	anna.expectWhere("followers", func(m map[string]any) bool { return len(m["names"].([]any)) == 1 })

	// The supervisor's console is gone past its grace: the follow ends and
	// the holder is told.
	sara.ws.CloseNow()
	anna.expectWhere("followers", func(m map[string]any) bool { return len(m["names"].([]any)) == 0 })
	if n, _ := cl.redis.Client().Exists(context.Background(), keyFollowing("sara"), keyFollowers(id)).Result(); n != 0 {
		t.Fatalf("%d follow keys outlived the supervisor's grace", n)
	}

	// The holder's console is gone past its grace: the chat goes back to the
	// queue and the follower is told why the follow ended.
	sara = cl.nodes[0].counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expect("following")
	anna.ws.CloseNow()
	if m := sara.expectWhere("follow_ended", func(map[string]any) bool { return true }); m["reason"] != "requeued" || m["chat"] != id {
		t.Fatalf("follow_ended = %v", m)
	}
	p.expectWhere("queued", func(map[string]any) bool { return true })
}

// filesHolding lists the files under dir that contain any marker.
func filesHolding(t *testing.T, dir string, markers ...string) []string {
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

// scanFor reads every key in Redis, whole, by its type and as DUMP, and
// returns the keys whose name or value holds any of the markers.
func scanFor(t *testing.T, ctx context.Context, cl *cluster, markers ...string) []string {
	t.Helper()
	rdb := cl.redis.Client()
	var found []string
	iter := rdb.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var parts []string
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		switch typ {
		case "string":
			parts = append(parts, rdb.Get(ctx, k).Val())
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				parts = append(parts, f, v)
			}
		case "set":
			parts = append(parts, rdb.SMembers(ctx, k).Val()...)
		case "zset":
			parts = append(parts, rdb.ZRange(ctx, k, 0, -1).Val()...)
		case "list":
			parts = append(parts, rdb.LRange(ctx, k, 0, -1).Val()...)
		case "stream":
			for _, m := range rdb.XRange(ctx, k, "-", "+").Val() {
				parts = append(parts, fmt.Sprint(m.Values))
			}
		}
		parts = append(parts, k, rdb.Dump(ctx, k).Val())
		for _, m := range markers {
			for _, p := range parts {
				if strings.Contains(p, m) {
					found = append(found, k+" ("+typ+") holds "+m)
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

// sendThrough sends n messages from the parent, one every gap, while
// disturb runs, and returns the texts the parent saw acknowledged (its own
// echo) and how many it was told were not sent.
func sendThrough(t *testing.T, p *client, n int, gap time.Duration, disturb func()) (acked []string, refused int) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); disturb() }()
	for i := range n {
		p.send(map[string]any{"type": "msg", "text": fmt.Sprintf("m%02d", i), "id": fmt.Sprintf("id%02d", i)})
		time.Sleep(gap)
	}
	<-done
	deadline := time.After(15 * time.Second)
	for len(acked)+refused < n {
		select {
		case m := <-p.frames:
			switch {
			case m["type"] == "msg" && m["from"] == "parent":
				acked = append(acked, m["text"].(string))
			case m["type"] == "error" && m["code"] == "not_sent":
				refused++
			case m["type"] == "error":
				t.Fatalf("unexpected refusal: %v", m)
			}
		case <-deadline:
			t.Fatalf("after %d acknowledged and %d refused of %d, no answer", len(acked), refused, n)
		}
	}
	return acked, refused
}

// receivedAll waits until the counsellor has every acknowledged text, in
// order (texts the parent was told were not sent may arrive too).
func receivedAll(t *testing.T, co *client, acked []string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	next := 0
	for next < len(acked) {
		select {
		case m := <-co.frames:
			if m["type"] == "msg" && m["from"] == "parent" && m["text"] == acked[next] {
				next++
			}
		case <-deadline:
			t.Fatalf("the counsellor got %d of %d acknowledged messages; missing %q", next, len(acked), acked[next])
		}
	}
}

// TestCluster_RedisRestartLosesNothingAcknowledged: Redis restarts in the
// middle of a chat between two nodes; every message the parent saw
// acknowledged reaches the counsellor, the others were refused with
// not_sent, and the chat goes on afterwards without anyone reconnecting.
func TestCluster_RedisRestartLosesNothingAcknowledged(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) { o.ParentRate, o.ParentBurst = 100, 100 })
	co := cl.nodes[1].counselor("anna", "Anna", false)
	p := cl.nodes[0].parent()
	id := startChat(t, p, co, "teen")

	acked, refused := sendThrough(t, p, 40, 25*time.Millisecond, func() {
		time.Sleep(200 * time.Millisecond)
		cl.redis.Restart()
	})
	t.Logf("%d acknowledged, %d refused while Redis restarted", len(acked), refused)
	if len(acked) == 0 {
		t.Fatal("nothing acknowledged at all")
	}
	receivedAll(t, co, acked)

	deadline := time.Now().Add(10 * time.Second)
	for {
		co.send(map[string]any{"type": "msg", "chat": id, "text": "efter omstarten"})
		m := co.expectWhere("", func(m map[string]any) bool {
			return (m["type"] == "msg" && m["from"] == "counselor") || m["type"] == "error"
		})
		if m["type"] == "msg" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still refused after Redis came back: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "efter omstarten" })
}

// TestCluster_RedisPauseLosesNothingAcknowledged: Redis stops answering for
// three seconds (a network pause); sends in the pause are refused once
// their two-second bound passes, and nothing acknowledged is lost.
func TestCluster_RedisPauseLosesNothingAcknowledged(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) { o.ParentRate, o.ParentBurst = 100, 100 })
	co := cl.nodes[0].counselor("anna", "Anna", false)
	p := cl.nodes[1].parent()
	startChat(t, p, co, "young")

	acked, refused := sendThrough(t, p, 20, 250*time.Millisecond, func() {
		time.Sleep(500 * time.Millisecond)
		cl.redis.Pause()
		time.Sleep(3 * time.Second)
		cl.redis.Resume()
	})
	t.Logf("%d acknowledged, %d refused around a 3 s pause", len(acked), refused)
	if refused == 0 {
		t.Fatal("no send was refused during a 3 s pause")
	}
	receivedAll(t, co, acked)
}

// TestCluster_RedisGoneRefusesClearly: with Redis stopped, a message gets
// not_sent within the two-second bound rather than hanging; once Redis is
// back the chat goes on.
func TestCluster_RedisGoneRefusesClearly(t *testing.T) {
	cl := newCluster(t, 2, nil)
	co := cl.nodes[1].counselor("anna", "Anna", false)
	p := cl.nodes[0].parent()
	id := startChat(t, p, co, "teen")
	cl.redis.Stop()
	start := time.Now()
	p.send(map[string]any{"type": "msg", "text": "hallå?"})
	p.expectError("not_sent")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("refused after %v", d)
	}
	cl.redis.StartAgain()
	deadline := time.Now().Add(10 * time.Second)
	for {
		co.send(map[string]any{"type": "msg", "chat": id, "text": "här"})
		m := co.expectWhere("", func(m map[string]any) bool { return m["type"] == "error" || m["type"] == "msg" })
		if m["type"] == "msg" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refused 10 s after Redis came back: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "här" })
}

// TestCluster_BadInputGetsClearErrors: wrong, forged and too-fast frames on
// a cluster node get the same error codes as on one node and change
// nothing: the chat goes on afterwards.
func TestCluster_BadInputGetsClearErrors(t *testing.T) {
	cl := newCluster(t, 2, func(o *Options) { o.ParentBurst = 3 })
	co := cl.nodes[0].counselor("anna", "Anna", false)
	bo := cl.nodes[1].counselor("bo", "Bo", false)
	p := cl.nodes[1].parent()
	p.send(map[string]any{"type": "msg", "text": "före hello"})
	p.expectError("bad_state")
	p.sendRaw(`{"type":`)
	p.expectError("bad_json")
	p.send(map[string]any{"type": "hello", "audience": "elderly"})
	p.expectError("bad_request")
	id := startChat(t, p, co, "teen")

	bo.send(map[string]any{"type": "msg", "chat": id, "text": "inte min"})
	bo.expectError("not_your_chat")
	bo.send(map[string]any{"type": "close", "chat": id, "topics": []string{"school"}})
	bo.expectError("not_your_chat")
	bo.send(map[string]any{"type": "accept", "chat": id})
	bo.expectError("taken")
	bo.send(map[string]any{"type": "accept", "chat": "ffffffffffffffffffffffffffffffff"})
	bo.expectError("taken")
	co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"no-such-topic"}})
	co.expectError("no_topic")
	co.send(map[string]any{"type": "transfer", "chat": id, "to": "nobody"})
	co.expectError("unavailable")
	co.send(map[string]any{"type": "follow", "chat": id})
	co.expectError("bad_state") // only supervisors follow
	co.send(map[string]any{"type": "msg", "chat": id, "text": "   "})
	co.expectError("empty")
	for range 3 {
		p.send(map[string]any{"type": "msg", "text": "snabbt"})
	}
	p.send(map[string]any{"type": "msg", "text": "för snabbt"})
	p.expectWhere("error", func(m map[string]any) bool { return m["code"] == "too_fast" })

	// Nothing of that disturbed the chat.
	co.send(map[string]any{"type": "msg", "chat": id, "text": "fortfarande här"})
	p.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "fortfarande här" })
	co.send(map[string]any{"type": "transfer", "chat": id, "to": "bo"})
	co.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "transferred" })
	if s := bo.expect("chat_started"); s["chat"] != id || s["transferred_from"] != "Anna" {
		t.Fatalf("transferred: %v", s)
	}
	bo.expect("history")
	if j := p.expectWhere("joined", func(map[string]any) bool { return true }); j["counselor"] != "Bo" {
		t.Fatalf("joined after transfer: %v", j)
	}
}
