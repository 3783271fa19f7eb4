package chat

import (
	"strings"
	"testing"
	"time"
)

func TestTriage_UrgentFirstWithReasonAndFirstLine(t *testing.T) {
	h := newHarness(t, nil)
	sup := h.counselor("sara", "Sara", true)
	calm := h.parent()
	calm.send(map[string]any{"type": "hello", "audience": "young", "first": "Min son vill inte sova i sin säng"})
	calm.expect("welcome")
	worried := h.parent()
	worried.send(map[string]any{"type": "hello", "audience": "teen", "first": "Min man slår mig och barnen"})
	worried.expect("welcome")

	q := sup.expectWhere("queue", func(m map[string]any) bool { return len(m["waiting"].([]any)) == 2 })
	head := q["waiting"].([]any)[0].(map[string]any)
	if head["urgent"] != true || head["reason"] != "Våld i hemmet" || head["reason_en"] != "Violence at home" {
		t.Fatalf("head of the queue = %v", head)
	}
	if second := q["waiting"].([]any)[1].(map[string]any); second["urgent"] != false || second["reason"] != nil {
		t.Fatalf("second = %v", second)
	}
	calm.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 2.0 })
	worried.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })

	// A supervisor lowers it and raises the other.
	sup.send(map[string]any{"type": "priority", "chat": head["chat"], "urgent": false})
	calm.expectWhere("queued", func(m map[string]any) bool { return m["position"] == 1.0 })
	q = sup.expectWhere("queue", func(m map[string]any) bool {
		w := m["waiting"].([]any)
		return len(w) == 2 && w[0].(map[string]any)["urgent"] == false && w[1].(map[string]any)["chat"] == head["chat"]
	})
	calmID := q["waiting"].([]any)[0].(map[string]any)["chat"]
	sup.send(map[string]any{"type": "priority", "chat": calmID, "urgent": true})
	sup.expectWhere("queue", func(m map[string]any) bool {
		w := m["waiting"].([]any)[0].(map[string]any)
		return w["chat"] == calmID && w["reason"] == "Prioriterad av arbetsledare"
	})

	// A counsellor cannot change priorities; the first line reaches whoever takes the chat.
	anna := h.counselor("anna", "Anna", false)
	anna.send(map[string]any{"type": "priority", "chat": head["chat"], "urgent": true})
	anna.expectError("bad_state")
	anna.send(map[string]any{"type": "accept", "chat": head["chat"]})
	if m := anna.expect("chat_started"); m["first"] != "Min man slår mig och barnen" {
		t.Fatalf("chat_started = %v", m)
	}
	sup.send(map[string]any{"type": "priority", "chat": head["chat"], "urgent": true})
	sup.expectError("taken")
}

func TestTriage_FirstLineLimit(t *testing.T) {
	h := newHarness(t, nil)
	p := h.parent()
	long := make([]rune, 301)
	for i := range long {
		long[i] = 'ö'
	}
	p.send(map[string]any{"type": "hello", "audience": "young", "first": string(long)})
	p.expectError("too_large")
}

func TestNotes_NeverReachTheParent(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.counselor("anna", "Anna", false)
	bo := h.counselor("bo", "Bo", false)
	p := h.parent()
	id := startChat(t, p, anna, "young")

	anna.send(map[string]any{"type": "note", "chat": id, "text": "NOTE-MARKER verkar orolig för skolan"})
	if m := anna.expect("note"); m["text"] != "NOTE-MARKER verkar orolig för skolan" || m["from"] != "Anna" {
		t.Fatalf("note = %v", m)
	}
	bo.send(map[string]any{"type": "note", "chat": id, "text": "x"})
	bo.expectError("not_your_chat")
	anna.send(map[string]any{"type": "transfer", "chat": id, "to": "bo"})
	bo.expect("chat_started")
	hist := bo.expect("history")
	if notes := hist["notes"].([]any); len(notes) != 1 {
		t.Fatalf("the new holder did not get the notes: %v", hist)
	}
	bo.send(map[string]any{"type": "msg", "chat": id, "text": "Hej, jag heter Bo"})

	// Every frame the parent's socket received, up to and after Bo's message:
	// no note anywhere.
	leaked := func(m map[string]any) bool {
		if m["type"] == "note" || m["notes"] != nil {
			return true
		}
		for _, v := range m {
			if s, ok := v.(string); ok && strings.Contains(s, "NOTE-MARKER") {
				return true
			}
		}
		return false
	}
	gotMsg := false
	deadline := time.After(2 * time.Second)
	for {
		select {
		case m := <-p.frames:
			if leaked(m) {
				t.Fatalf("the parent received a note: %v", m)
			}
			if m["type"] == "msg" && m["text"] == "Hej, jag heter Bo" {
				gotMsg = true
				deadline = time.After(200 * time.Millisecond) // and a little after
			}
		case <-deadline:
			if !gotMsg {
				t.Fatal("the parent never got Bo's message")
			}
			return
		}
	}
}
