package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"parentline/chat/hours"
	"parentline/internal/redistest"
)

// statusOf is /api/status on base.
type statusOf struct {
	Open       bool            `json:"open"`
	NextOpen   *time.Time      `json:"next_open"`
	ClosedDays []hours.Closure `json:"closed_days"`
	Hours      []hours.Span    `json:"hours"`
}

func hoursStatus(t *testing.T, base string) statusOf {
	t.Helper()
	r := call(t, "GET", base+"/api/status", "", "")
	var st statusOf
	if r.status != 200 || json.Unmarshal([]byte(r.body), &st) != nil {
		t.Fatalf("/api/status: %d %s", r.status, r.body)
	}
	return st
}

// closedToday is a schedule open around the clock except today, a staff
// day, in Europe/Stockholm.
func closedToday() (body, today string) {
	today = time.Now().In(hours.Location()).Format(time.DateOnly)
	return `{"always":true,"weekly":[],"closed":[{"date":"` + today + `","note":"personaldag"}]}`, today
}

// A supervisor's closed day takes the chat offline at once, parents see it
// in /api/status, and it outlives a restart (the --hours flag then no
// longer counts).
func TestHours_SupervisorClosesTodayAndItSticks(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "sara", "Sara", "supervisor", clusterPassword)
	addUser(t, data, "carl", "Carl", "counselor", clusterPassword)
	ts := startServer(t, data)
	if st := hoursStatus(t, ts.base); !st.Open || len(st.ClosedDays) != 0 {
		t.Fatalf("before: %+v; want open (--hours always) and no closed days", st)
	}
	body, today := closedToday()
	if r := call(t, "PUT", ts.base+"/api/hours", loginToken(t, ts.base, "carl"), body); r.status != 403 {
		t.Fatalf("a counsellor set the hours: %d %s", r.status, r.body)
	}
	sara := loginToken(t, ts.base, "sara")
	if r := call(t, "PUT", ts.base+"/api/hours", sara, body); r.status != 200 || r.json(t)["updated_by"] != "sara" {
		t.Fatalf("saving the hours: %d %s", r.status, r.body)
	}
	st := hoursStatus(t, ts.base)
	tomorrow := time.Now().In(hours.Location()).AddDate(0, 0, 1).Format(time.DateOnly)
	if st.Open || len(st.ClosedDays) != 1 || st.ClosedDays[0] != (hours.Closure{Date: today, Note: "personaldag"}) ||
		st.NextOpen == nil || st.NextOpen.In(hours.Location()).Format(time.DateOnly+" 15:04") != tomorrow+" 00:00" {
		t.Fatalf("after closing today: %+v", st)
	}
	// Restarted with other --hours: the saved setting holds.
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, data)
	if st := hoursStatus(t, ts.base); st.Open || len(st.ClosedDays) != 1 {
		t.Fatalf("after a restart: %+v; want today still closed", st)
	}
	r := call(t, "GET", ts.base+"/api/hours", loginToken(t, ts.base, "sara"), "")
	if r.status != 200 || r.json(t)["source"] != "saved" {
		t.Fatalf("GET /api/hours after a restart: %d %s", r.status, r.body)
	}
}

// In a cluster the supervisor saves through a chat node; the store node
// keeps the setting and publishes it, and every chat node's widget status
// follows within a few seconds.
func TestClusterStore_OpeningHoursReachChatNodes(t *testing.T) {
	r := redistest.Start(t)
	startStoreNode(t, r, map[string]string{"sara": "supervisor"})
	chatNode := startChatNode(t, r)
	other := startChatNode(t, r)
	if st := hoursStatus(t, other.base); !st.Open {
		t.Fatalf("before: %+v", st)
	}
	body, today := closedToday()
	if got := call(t, "PUT", chatNode.base+"/api/hours", loginToken(t, chatNode.base, "sara"), body); got.status != 200 {
		t.Fatalf("saving the hours through a chat node: %d %s", got.status, got.body)
	}
	raw, err := r.Client().Get(context.Background(), hoursKey).Bytes()
	if err != nil {
		t.Fatalf("pl:hours after the change: %v", err)
	}
	if h, err := decodeHours(raw); err != nil || len(h.Closures()) != 1 || h.Closures()[0].Date != today {
		t.Fatalf("pl:hours %s: %v", raw, err)
	}
	deadline := time.Now().Add(topicsCacheFor + 5*time.Second)
	for {
		st := hoursStatus(t, other.base)
		if !st.Open && len(st.ClosedDays) == 1 && st.ClosedDays[0].Note == "personaldag" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other chat node still says %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
