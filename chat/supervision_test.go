package chat

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"parentline/internal/testkit"
)

// recordingAuditor keeps audit entries in memory, or fails every write.
type recordingAuditor struct {
	mu      sync.Mutex
	entries []string // "actor action chat"
	fail    bool
}

func (a *recordingAuditor) Audit(actor, action, chat string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("disk full")
	}
	a.entries = append(a.entries, actor+" "+action+" "+chat)
	return nil
}

func (a *recordingAuditor) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.entries...)
}

// drain collects every frame c receives for d.
func drain(c *client, d time.Duration) []map[string]any {
	var out []map[string]any
	deadline := time.After(d)
	for {
		select {
		case m := <-c.frames:
			out = append(out, m)
		case <-deadline:
			return out
		}
	}
}

func TestSupervision_FollowHintTakeOver(t *testing.T) {
	onBothEngines(t, testSupervisionFollowHintTakeOver)
}

func testSupervisionFollowHintTakeOver(t *testing.T, newWorld func(func(*Options)) world) {
	aud := &recordingAuditor{}
	h := newWorld(func(o *Options) { o.Auditor = aud })
	anna := h.counselor("anna", "Anna", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "teen")
	p.send(map[string]any{"type": "msg", "text": "Min son vill inte gå till skolan"})
	anna.expect("msg")

	sara.send(map[string]any{"type": "follow", "chat": id})
	f := sara.expect("following")
	if f["chat"] != id || f["counselor"] != "Anna" || f["audience"] != "teen" || f["parent"] == "" {
		t.Fatalf("following = %v", f)
	}
	hist := sara.expect("history")
	if msgs := hist["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "Min son vill inte gå till skolan" {
		t.Fatalf("the follower did not get the chat so far: %v", hist)
	}
	if got := anna.expect("followers"); len(got["names"].([]any)) != 1 || got["names"].([]any)[0] != "Sara" {
		t.Fatalf("the counsellor was not told who follows: %v", got)
	}
	if got := aud.list(); len(got) != 1 || got[0] != "sara chat_followed "+id {
		t.Fatalf("audit = %v", got)
	}

	// The follower sees both sides of the conversation, and notes.
	p.send(map[string]any{"type": "msg", "text": "Han sover hela dagarna"})
	if m := sara.expect("msg"); m["from"] != "parent" || m["chat"] != id || m["text"] != "Han sover hela dagarna" {
		t.Fatalf("follower msg = %v", m)
	}
	anna.expect("msg")
	anna.send(map[string]any{"type": "msg", "chat": id, "text": "Hur länge har det varit så?"})
	if m := sara.expect("msg"); m["from"] != "counselor" || m["text"] != "Hur länge har det varit så?" {
		t.Fatalf("follower msg = %v", m)
	}
	anna.send(map[string]any{"type": "note", "chat": id, "text": "NOTE-MARKER trött"})
	if m := sara.expect("note"); m["text"] != "NOTE-MARKER trött" || m["from"] != "Anna" {
		t.Fatalf("follower note = %v", m)
	}

	// A private hint reaches the counsellor and the follower, not the parent.
	sara.send(map[string]any{"type": "hint", "chat": id, "text": "HINT-MARKER fråga om sömnen"})
	if m := anna.expectWhere("hint", func(map[string]any) bool { return true }); m["from"] != "Sara" || m["text"] != "HINT-MARKER fråga om sömnen" || m["chat"] != id {
		t.Fatalf("hint = %v", m)
	}
	sara.expect("hint")

	// Take-over: the chat moves to the supervisor like a transfer.
	sara.send(map[string]any{"type": "take_over", "chat": id})
	if m := anna.expectWhere("chat_ended", func(map[string]any) bool { return true }); m["reason"] != "taken_over" || m["chat"] != id {
		t.Fatalf("previous holder got %v", m)
	}
	anna.quiet("followers", 100*time.Millisecond) // no longer hers: no word of who follows it
	started := sara.expectWhere("chat_started", func(map[string]any) bool { return true })
	if started["transferred_from"] != "Anna" {
		t.Fatalf("chat_started = %v", started)
	}
	hist = sara.expect("history")
	notes := hist["notes"].([]any)
	if len(notes) != 2 || notes[1].(map[string]any)["kind"] != "hint" {
		t.Fatalf("notes and hints did not follow the chat: %v", hist)
	}
	if got := aud.list(); len(got) != 2 || got[1] != "sara chat_taken_over "+id {
		t.Fatalf("audit = %v", got)
	}
	sara.send(map[string]any{"type": "msg", "chat": id, "text": "Hej, jag heter Sara och tar över"})

	// Everything the parent's socket got: a counsellor change like a
	// transfer, never a supervisor, hint, note or follow.
	var joined []string
	for _, m := range drain(p, 300*time.Millisecond) {
		b, _ := json.Marshal(m)
		for _, bad := range []string{"HINT-MARKER", "NOTE-MARKER", "follow", "hint", "note", "supervis"} {
			if strings.Contains(string(b), bad) {
				t.Fatalf("the parent received %s", b)
			}
		}
		if m["type"] == "joined" {
			joined = append(joined, m["counselor"].(string))
		}
	}
	if len(joined) != 1 || joined[0] != "Sara" {
		t.Fatalf("the parent saw counsellors %v, want [Sara]", joined)
	}
}

func TestSupervision_Refusals(t *testing.T) { onBothEngines(t, testSupervisionRefusals) }

func testSupervisionRefusals(t *testing.T, newWorld func(func(*Options)) world) {
	aud := &recordingAuditor{}
	h := newWorld(func(o *Options) { o.Auditor = aud })
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "young")

	bo.send(map[string]any{"type": "follow", "chat": id})
	bo.expectError("bad_state")
	bo.send(map[string]any{"type": "take_over", "chat": id})
	bo.expectError("bad_state")
	bo.send(map[string]any{"type": "hint", "chat": id, "text": "x"})
	bo.expectError("bad_state")
	sara.send(map[string]any{"type": "follow", "chat": "0123456789abcdef0123456789abcdef"})
	sara.expectError("taken")
	sara.send(map[string]any{"type": "hint", "chat": id, "text": "x"})
	sara.expectError("not_your_chat")
	sara.send(map[string]any{"type": "unfollow", "chat": id})
	sara.expectError("not_your_chat")

	// A waiting chat cannot be followed.
	q := h.parent()
	q.send(map[string]any{"type": "hello", "audience": "young"})
	q.expect("welcome")
	waiting := sara.expectWhere("queue", func(m map[string]any) bool { return len(m["waiting"].([]any)) == 1 })
	wid := waiting["waiting"].([]any)[0].(map[string]any)["chat"]
	sara.send(map[string]any{"type": "follow", "chat": wid})
	sara.expectError("taken")

	// When the audit trail cannot be written, nothing is followed or taken.
	aud.mu.Lock()
	aud.fail = true
	aud.mu.Unlock()
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expectError("store_failed")
	sara.send(map[string]any{"type": "take_over", "chat": id})
	sara.expectError("store_failed")
	anna.quiet("followers", 200*time.Millisecond)
	anna.send(map[string]any{"type": "msg", "chat": id, "text": "still mine"})
	if m := anna.expect("msg"); m["text"] != "still mine" {
		t.Fatalf("the holder lost the chat: %v", m)
	}
	sara.quiet("msg", 100*time.Millisecond)
	if got := aud.list(); len(got) != 0 {
		t.Fatalf("audit = %v", got)
	}
}

func TestSupervision_FollowLastsUntilTheChatEnds(t *testing.T) {
	onBothEngines(t, testSupervisionFollowLastsUntilTheChatEnds)
}

func testSupervisionFollowLastsUntilTheChatEnds(t *testing.T, newWorld func(func(*Options)) world) {
	h := newWorld(func(o *Options) { o.Auditor = &recordingAuditor{} })
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	bo.send(map[string]any{"type": "available", "on": false})
	bo.expect("status")
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "young")
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expect("following")

	// A transfer: the follower keeps following, with the new holder.
	bo.send(map[string]any{"type": "available", "on": true})
	bo.expect("status")
	anna.expectWhere("colleagues", func(m map[string]any) bool {
		for _, c := range m["counselors"].([]any) {
			if c := c.(map[string]any); c["username"] == "bo" && c["available"] == true {
				return true
			}
		}
		return false
	})
	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "bo"})
	if f := sara.expectWhere("following", func(map[string]any) bool { return true }); f["counselor"] != "Bo" {
		t.Fatalf("after transfer following = %v", f)
	}
	if got := bo.expectWhere("followers", func(map[string]any) bool { return true }); got["names"].([]any)[0] != "Sara" {
		t.Fatalf("the new holder was not told: %v", got)
	}

	// The supervisor's console reconnects: the follow is still there.
	sara.ws.CloseNow()
	sara = h.counselor("sara", "Sara", true)
	if f := sara.expectWhere("following", func(map[string]any) bool { return true }); f["chat"] != id {
		t.Fatalf("following after reconnect = %v", f)
	}

	// The parent leaves: the follower sees it; the close ends the follow.
	p.send(map[string]any{"type": "end"})
	if m := sara.expectWhere("chat_ended", func(map[string]any) bool { return true }); m["reason"] != "parent_ended" {
		t.Fatalf("follower got %v", m)
	}
	bo.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
	if m := sara.expectWhere("follow_ended", func(map[string]any) bool { return true }); m["reason"] != "closed" || m["chat"] != id {
		t.Fatalf("follow_ended = %v", m)
	}
}

func TestSupervision_Unfollow(t *testing.T) { onBothEngines(t, testSupervisionUnfollow) }

func testSupervisionUnfollow(t *testing.T, newWorld func(func(*Options)) world) {
	h := newWorld(func(o *Options) { o.Auditor = &recordingAuditor{} })
	anna := h.counselor("anna", "Anna", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "young")
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expect("following")
	anna.expect("followers")
	sara.send(map[string]any{"type": "unfollow", "chat": id})
	if m := sara.expectWhere("follow_ended", func(map[string]any) bool { return true }); m["reason"] != "unfollowed" {
		t.Fatalf("follow_ended = %v", m)
	}
	if got := anna.expect("followers"); len(got["names"].([]any)) != 0 {
		t.Fatalf("followers after unfollow = %v", got)
	}
	p.send(map[string]any{"type": "msg", "text": "hej"})
	anna.expect("msg")
	sara.quiet("msg", 200*time.Millisecond)
}

// world is where a test's sockets connect: one hub, or the nodes of a
// cluster.
type world interface {
	counselor(user, name string, supervisor bool) *client
	parent() *client
	resume(token any) (*client, map[string]any)
}

// onBothEngines runs a test against a hub and against a two-node cluster
// whose sockets are spread so that the chat's sides are on different nodes.
func onBothEngines(t *testing.T, test func(*testing.T, func(func(*Options)) world)) {
	t.Run("hub", func(t *testing.T) {
		test(t, func(mod func(*Options)) world { return newHarness(t, mod) })
	})
	t.Run("cluster", func(t *testing.T) {
		test(t, func(mod func(*Options)) world { return &spread{cl: newCluster(t, 2, mod), placed: map[string]int{}} })
	})
}

// spread places sockets on a cluster's nodes: "anna" first on node 0, every
// other counsellor first on node 1, and each reconnect on the next node;
// parents (and their resumes) alternately, from node 1.
type spread struct {
	cl      *cluster
	placed  map[string]int
	parents int
}

func (s *spread) counselor(user, name string, supervisor bool) *client {
	first := 1
	if user == "anna" {
		first = 0
	}
	i := (first + s.placed[user]) % len(s.cl.nodes)
	s.placed[user]++
	return s.cl.nodes[i].counselor(user, name, supervisor)
}

func (s *spread) parent() *client {
	return s.cl.nodes[s.nextParent()].parent()
}

func (s *spread) resume(token any) (*client, map[string]any) {
	return s.cl.nodes[s.nextParent()].resume(token)
}

func (s *spread) nextParent() int {
	s.parents++
	return s.parents % len(s.cl.nodes)
}

func TestWellbeing_BreakAfterHeavyOrLongChats(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	h := newHarness(t, func(o *Options) {
		o.Now = clock.Now
		o.BreakAfter = 40 * time.Minute
		o.NotifySupervisor = true
	})
	anna := h.counselor("anna", "Anna", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	sara.expect("status")

	// A short chat: no break.
	p := h.parent()
	id := startChat(t, p, anna, "young")
	clock.Advance(5 * time.Minute)
	anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
	anna.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	anna.quiet("break_suggested", 200*time.Millisecond)

	// A heavy chat, marked so at close.
	p = h.parent()
	id = startChat(t, p, anna, "young")
	clock.Advance(10 * time.Minute)
	anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}, "concern": true})
	anna.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	if m := anna.expect("break_suggested"); m["reason"] != "concern" || m["chat"] != id || m["minutes"] != 10.0 {
		t.Fatalf("break_suggested = %v", m)
	}
	if m := sara.expectWhere("wellbeing", func(map[string]any) bool { return true }); m["counselor"] != "Anna" || m["reason"] != "concern" || m["chat"] != nil {
		t.Fatalf("wellbeing = %v", m)
	}

	// A long chat.
	p = h.parent()
	id = startChat(t, p, anna, "teen")
	clock.Advance(41 * time.Minute)
	anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
	anna.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	if m := anna.expect("break_suggested"); m["reason"] != "long" || m["minutes"] != 41.0 {
		t.Fatalf("break_suggested = %v", m)
	}

	// A chat the triage marked urgent counts as heavy.
	p = h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young", "first": "Min man slår mig och barnen"})
	p.expect("welcome")
	anna.send(map[string]any{"type": "accept"})
	if s := anna.expect("chat_started"); s["urgent"] != true {
		t.Fatalf("not urgent: %v", s)
	} else {
		id = s["chat"].(string)
	}
	anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
	anna.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	if m := anna.expect("break_suggested"); m["reason"] != "concern" {
		t.Fatalf("break_suggested = %v", m)
	}
}

func TestWellbeing_BreakNotToSupervisorsUnlessConfigured(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.counselor("anna", "Anna", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "young")
	anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}, "concern": true})
	anna.expectWhere("break_suggested", func(map[string]any) bool { return true })
	sara.quiet("wellbeing", 200*time.Millisecond)
}

func statusOf(t *testing.T, h *harness) Status {
	t.Helper()
	res, err := http.Get(h.srv.URL + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return st
}

func TestWellbeing_Debrief(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	p := h.parent()
	id := startChat(t, p, bo, "young")
	if st := statusOf(t, h); st.CounselorsAvailable != 2 {
		t.Fatalf("available = %d", st.CounselorsAvailable)
	}
	anna.send(map[string]any{"type": "debrief", "on": true})
	if m := anna.expectWhere("status", func(m map[string]any) bool { return m["debrief"] == true }); m["available"] != true {
		t.Fatalf("status = %v (debrief keeps the available switch as it was)", m)
	}
	bo.expectWhere("colleagues", func(m map[string]any) bool {
		for _, c := range m["counselors"].([]any) {
			if c := c.(map[string]any); c["username"] == "anna" {
				return c["debrief"] == true
			}
		}
		return false
	})
	if st := statusOf(t, h); st.CounselorsAvailable != 1 {
		t.Fatalf("a counsellor in debrief counts as available: %d", st.CounselorsAvailable)
	}
	q := h.parent()
	q.send(map[string]any{"type": "hello", "audience": "young"})
	q.expect("welcome")
	anna.send(map[string]any{"type": "accept"})
	anna.expectError("in_debrief")
	bo.send(map[string]any{"type": "transfer", "chat": id, "to": "anna"})
	bo.expectError("unavailable")

	anna.send(map[string]any{"type": "debrief", "on": false})
	if m := anna.expectWhere("status", func(m map[string]any) bool { return m["debrief"] == false }); m["available"] != true {
		t.Fatalf("status after debrief = %v", m)
	}
	anna.send(map[string]any{"type": "accept"})
	anna.expect("chat_started")
}

func TestWellbeing_DailyCap(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, func(o *Options) { o.DailyCap = 2; o.Now = clock.Now })
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	for range 2 {
		p := h.parent()
		id := startChat(t, p, anna, "young")
		anna.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
		anna.expectWhere("chat_ended", func(m map[string]any) bool { return m["reason"] == "closed" })
	}
	anna.send(map[string]any{"type": "available", "on": true})
	if m := anna.expectWhere("status", func(m map[string]any) bool { return m["today"] == 2.0 }); m["daily_cap"] != 2.0 {
		t.Fatalf("status = %v", m)
	}
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	p.expect("welcome")
	anna.send(map[string]any{"type": "accept"})
	anna.expectError("daily_cap")
	if st := statusOf(t, h); st.CounselorsAvailable != 1 {
		t.Fatalf("a capped counsellor counts as available: %d", st.CounselorsAvailable)
	}
	bo.send(map[string]any{"type": "accept"})
	id := bo.expect("chat_started")["chat"]
	bo.send(map[string]any{"type": "transfer", "chat": id, "to": "anna"})
	bo.expectError("unavailable")

	// A new day in Stockholm: the count starts again.
	clock.Advance(16 * time.Hour)
	q := h.parent()
	q.send(map[string]any{"type": "hello", "audience": "young"})
	q.expect("welcome")
	anna.send(map[string]any{"type": "accept"})
	anna.expect("chat_started")
}

func TestSupervision_OverviewShowsFollowersAndLoad(t *testing.T) {
	onBothEngines(t, testSupervisionOverviewShowsFollowersAndLoad)
}

func testSupervisionOverviewShowsFollowersAndLoad(t *testing.T, newWorld func(func(*Options)) world) {
	h := newWorld(func(o *Options) { o.Auditor = &recordingAuditor{} })
	anna := h.counselor("anna", "Anna", false)
	sara := h.counselor("sara", "Sara", true)
	sara.send(map[string]any{"type": "available", "on": false})
	p := h.parent()
	id := startChat(t, p, anna, "young")
	anna.send(map[string]any{"type": "debrief", "on": true})
	sara.send(map[string]any{"type": "follow", "chat": id})
	sara.expectWhere("overview", func(m map[string]any) bool {
		var followed, load bool
		for _, c := range m["chats"].([]any) {
			c := c.(map[string]any)
			f, _ := c["followers"].([]any)
			followed = followed || c["chat"] == id && len(f) == 1 && f[0] == "Sara"
		}
		for _, c := range m["counselors"].([]any) {
			c := c.(map[string]any)
			load = load || c["username"] == "anna" && c["debrief"] == true && c["today"] == 1.0
		}
		return followed && load
	})
}
