package chat

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeEscalator stands in for the consent package: it records what it was
// given and refuses a consent without a contact, as the real one does.
type fakeEscalator struct {
	mu    sync.Mutex
	given []ConsentGiven
}

func (f *fakeEscalator) ConsentRequest(lang string) ConsentRequest {
	return ConsentRequest{Text: "Samtyckestext (" + lang + ")", Version: "test-" + lang + "-1", SharedWith: "Socialtjänsten", RetentionDays: 90}
}

func (f *fakeEscalator) Consent(c ConsentGiven) (string, string, error) {
	if c.Details["contact"] == "" {
		return "", "", errors.New("Ange ett telefonnummer eller en e-postadress.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.given = append(f.given, c)
	return "ORO-TEST0001", "ABCD-EFGH-JKMN", nil
}

func TestConsent_WithoutEscalatorIsRefused(t *testing.T) {
	onBothEngines(t, testConsentWithoutEscalatorIsRefused)
}

func testConsentWithoutEscalatorIsRefused(t *testing.T, newWorld func(func(*Options)) world) {
	h := newWorld(nil)
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "young")
	co.send(map[string]any{"type": "consent_request", "chat": id})
	co.expectError("bad_state")
}

// switchedEscalator can seal only while on is set, as a chat node's
// escalator follows the store node's word.
type switchedEscalator struct {
	fakeEscalator
	on atomic.Bool
}

func (s *switchedEscalator) CanSeal() bool { return s.on.Load() }

func TestConsent_RefusedBeforeAskingWhenNothingCanBeSealed(t *testing.T) {
	onBothEngines(t, testConsentRefusedBeforeAskingWhenNothingCanBeSealed)
}

func testConsentRefusedBeforeAskingWhenNothingCanBeSealed(t *testing.T, newWorld func(func(*Options)) world) {
	esc := &switchedEscalator{}
	h := newWorld(func(o *Options) { o.Escalator = esc })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "young")

	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": "Oro"})
	if m := co.expect("error"); m["code"] != "bad_state" || !strings.Contains(m["message"].(string), "Föräldern har inte tillfrågats") && !strings.Contains(m["message"].(string), "The parent was not asked") {
		t.Fatalf("refusal = %v", m)
	}
	co.send(map[string]any{"type": "msg", "chat": id, "text": "Jag finns kvar här"})
	if m := p.expect("msg"); m["text"] != "Jag finns kvar här" {
		t.Fatalf("the parent got %v before the message, want nothing else", m)
	}

	esc.on.Store(true)
	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": "Oro"})
	if req := p.expect("consent_request"); req["text"] != "Samtyckestext (sv)" {
		t.Fatalf("consent_request = %v", req)
	}
}

func TestConsent_DeclineThenAccept(t *testing.T) { onBothEngines(t, testConsentDeclineThenAccept) }

func testConsentDeclineThenAccept(t *testing.T, newWorld func(func(*Options)) world) {
	esc := &fakeEscalator{}
	h := newWorld(func(o *Options) { o.Escalator = esc })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	id := startChat(t, p, co, "teen")

	p.send(map[string]any{"type": "consent", "id": "nothing", "accept": true})
	p.expectError("bad_state")
	co.send(map[string]any{"type": "consent_request", "chat": "0123456789abcdef0123456789abcdef"})
	co.expectError("not_your_chat")

	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": "Oro för sömn och bråk hemma"})
	req := p.expect("consent_request")
	if req["text"] != "Samtyckestext (sv)" || req["version"] != "test-sv-1" || req["id"] == "" || req["shared_with"] != "Socialtjänsten" {
		t.Fatalf("consent_request = %v", req)
	}
	co.send(map[string]any{"type": "consent_request", "chat": id})
	co.expectError("bad_state") // one open request at a time

	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": false})
	p.expect("consent_declined")
	if m := co.expect("consent_result"); m["accepted"] != false || m["reference"] != nil {
		t.Fatalf("consent_result = %v", m)
	}
	if len(esc.given) != 0 {
		t.Fatal("a declined request stored something")
	}

	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": "Andra försöket"})
	req = p.expect("consent_request")
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true, "details": map[string]any{"shoe_size": "42"}})
	p.expectError("bad_request")
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true, "details": map[string]any{"name": "Kim"}})
	if m := p.expect("error"); m["message"] != "Ange ett telefonnummer eller en e-postadress." {
		t.Fatalf("error = %v", m)
	}
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true,
		"details": map[string]any{"name": "Kim", "contact": "070-123 45 67", "help": ""}})
	receipt := p.expect("consent_receipt")
	if receipt["reference"] != "ORO-TEST0001" || receipt["withdrawal_code"] != "ABCD-EFGH-JKMN" {
		t.Fatalf("receipt = %v", receipt)
	}
	if m := co.expect("consent_result"); m["accepted"] != true || m["reference"] != "ORO-TEST0001" {
		t.Fatalf("consent_result = %v", m)
	}
	g := esc.given[0]
	if g.Summary != "Andra försöket" || g.Text != "Samtyckestext (sv)" || g.Version != "test-sv-1" || g.RaisedBy != "anna" ||
		g.Details["contact"] != "070-123 45 67" || len(g.Details) != 2 || g.AcceptedAt.IsZero() {
		t.Fatalf("given = %+v", g)
	}
	// The request is answered: a replay is refused, and the chat goes on.
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true, "details": map[string]any{"contact": "x@y.se"}})
	p.expectError("bad_state")
	p.send(map[string]any{"type": "msg", "text": "tack"})
	co.expectWhere("msg", func(m map[string]any) bool { return m["text"] == "tack" })
}

func TestConsent_OpenRequestComesBackAfterResume(t *testing.T) {
	onBothEngines(t, testConsentOpenRequestComesBackAfterResume)
}

func testConsentOpenRequestComesBackAfterResume(t *testing.T, newWorld func(func(*Options)) world) {
	h := newWorld(func(o *Options) { o.Escalator = &fakeEscalator{} })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	p.send(map[string]any{"type": "hello", "audience": "young"})
	w := p.expect("welcome")
	co.send(map[string]any{"type": "accept"})
	id := co.expect("chat_started")["chat"]
	p.expect("joined")
	co.send(map[string]any{"type": "consent_request", "chat": id, "summary": "s"})
	first := p.expect("consent_request")
	p.ws.CloseNow() // reload before answering
	p2, _ := h.resume(w["resume"])
	if again := p2.expectWhere("consent_request", func(map[string]any) bool { return true }); again["id"] != first["id"] || again["text"] != first["text"] {
		t.Fatalf("after resume: %v, first %v", again, first)
	}
	p2.send(map[string]any{"type": "consent", "id": first["id"], "accept": false})
	p2.expect("consent_declined")
}
