package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parentline/audit"
)

// TestServe_SupervisionIsAudited: a supervisor follows and takes over a chat
// on the real server; the audit trail (and /api/audit, admins only) holds
// who, what and which chat, and none of the chat's text.
func TestServe_SupervisionIsAudited(t *testing.T) {
	data := t.TempDir()
	const pw = "correct horse battery"
	addUser(t, data, "anna", "Anna", "counselor", pw)
	addUser(t, data, "sara", "Sara", "supervisor", pw)
	addUser(t, data, "adam", "Adam", "admin", pw)
	ts := startServer(t, data)

	anna := login(t, ts.base, "anna", pw)
	co := dialWS(t, ts.base, "/ws/counselor", nil, anna.Jar)
	co.next("ready")
	sup := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "sara", pw).Jar)
	sup.next("ready")
	sup.send(map[string]any{"type": "available", "on": false})

	const textMarker, hintMarker = "MARKER-SUP-TEXT-4411", "MARKER-SUP-HINT-9921"
	p := dialWS(t, ts.base, "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "teen", "lang": "sv"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	chatID := co.next("chat_started")["chat"].(string)
	p.next("joined")
	p.send(map[string]any{"type": "msg", "text": textMarker})
	co.next("msg")

	sup.send(map[string]any{"type": "follow", "chat": chatID})
	if f := sup.next("following"); f["counselor"] != "Anna" {
		t.Fatalf("following = %v", f)
	}
	sup.send(map[string]any{"type": "hint", "chat": chatID, "text": hintMarker})
	if h := co.next("hint"); h["text"] != hintMarker {
		t.Fatalf("hint = %v", h)
	}
	sup.send(map[string]any{"type": "take_over", "chat": chatID})
	if m := co.next("chat_ended"); m["reason"] != "taken_over" {
		t.Fatalf("chat_ended = %v", m)
	}
	sup.next("chat_started")
	if j := p.next("joined"); j["counselor"] != "Sara" {
		t.Fatalf("joined = %v", j)
	}

	// Only admins read the trail.
	if res, err := anna.Get(ts.base + "/api/audit"); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a counsellor reading the audit trail: %v %v", res.StatusCode, err)
	}
	res, err := login(t, ts.base, "adam", pw).Get(ts.base + "/api/audit")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var got struct {
		Entries  []audit.Entry `json:"entries"`
		Verified bool          `json:"verified"`
	}
	if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var seen []string
	for _, e := range got.Entries {
		seen = append(seen, e.Actor+" "+e.Action+" "+e.Reference)
	}
	want := []string{"sara chat_taken_over chat:" + chatID, "sara chat_followed chat:" + chatID}
	if !got.Verified || strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("audit = %v (verified %v), want %v", seen, got.Verified, want)
	}

	// No chat text or hint anywhere on disk or in the log.
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{textMarker, hintMarker} {
		if strings.Contains(ts.logs.String(), m) {
			t.Errorf("log contains %q", m)
		}
		filepath.WalkDir(data, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
			return nil
		})
	}
}

// TestServe_StaffNumbersStayOutOfReports: counsellors' names, loads, breaks
// and debriefs never reach the statistician's reports or the metrics.
func TestServe_StaffNumbersStayOutOfReports(t *testing.T) {
	data := t.TempDir()
	const pw = "correct horse battery"
	addUser(t, data, "annaxk", "Anna Staffmarker", "counselor", pw)
	addUser(t, data, "stina", "Stina", "statistician", pw)
	ts := startServer(t, data, "--daily-cap", "20", "--break-after", "1m")
	co := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "annaxk", pw).Jar)
	co.next("ready")
	for range 6 {
		p := dialWS(t, ts.base, "/ws/parent", nil, nil)
		p.send(map[string]any{"type": "hello", "audience": "young"})
		p.next("welcome")
		co.send(map[string]any{"type": "accept"})
		id := co.next("chat_started")["chat"]
		co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}, "concern": true})
		co.next("break_suggested")
		p.ws.CloseNow()
	}
	co.send(map[string]any{"type": "debrief", "on": true})
	co.next("status")

	stina := login(t, ts.base, "stina", pw)
	var all strings.Builder
	for _, path := range []string{"/api/stats/topics?by=topic,audience&period=year", "/api/stats/flow?by=audience&period=year",
		"/api/stats/waits?by=audience&period=year", "/api/stats/heatmap", "/api/stats/escalations?period=year", "/metrics"} {
		res, err := stina.Get(ts.base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, b)
		}
		all.Write(b)
	}
	if !strings.Contains(all.String(), `"topic":"sleep"`) {
		t.Fatal("the reports do not show the chats at all; the search is meaningless")
	}
	for _, m := range []string{"annaxk", "Staffmarker", "debrief", "break", "daily_cap", "wellbeing"} {
		if strings.Contains(all.String(), m) {
			t.Errorf("a report or metric carries %q", m)
		}
	}
}
