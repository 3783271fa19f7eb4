package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/chat"
	"parentline/internal/redistest"
)

type recordingEscalator struct{ given []chat.ConsentGiven }

func (e *recordingEscalator) ConsentRequest(string) chat.ConsentRequest { return chat.ConsentRequest{} }
func (e *recordingEscalator) Consent(g chat.ConsentGiven) (string, string, error) {
	e.given = append(e.given, g)
	return "ORO-1", "ABCD-EFGH-JKMN", nil
}

// TestConsentIntake_OnlySealedFreshAndOnce: the store node's internal
// consent route stores an answer only when it is sealed with the cluster
// key, recent, and not seen before; anything else is refused unread.
func TestConsentIntake_OnlySealedFreshAndOnce(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, _ := newInternalBox(key)
	other, _ := newInternalBox(bytes.Repeat([]byte{8}, 32))
	esc := &recordingEscalator{}
	now := time.Now()
	srv := httptest.NewServer(&consentIntake{box: box, esc: esc, log: zerolog.Nop(), now: func() time.Time { return now }, seen: map[string]time.Time{}})
	defer srv.Close()
	post := func(b *internalBox, call consentCall) (int, []byte) {
		plain, _ := json.Marshal(call)
		res, err := http.Post(srv.URL, "application/octet-stream", bytes.NewReader(b.seal(plain, adConsentRequest)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(res.Body)
		return res.StatusCode, out.Bytes()
	}
	call := consentCall{ID: "a1", At: now.UnixMilli(), Given: chat.ConsentGiven{Details: map[string]string{"contact": "x@y.se"}, Lang: "sv"}}
	code, body := post(box, call)
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	plain, err := box.open(body, adConsentReply+"a1")
	if err != nil {
		t.Fatalf("the reply does not open: %v", err)
	}
	var reply consentReply
	json.Unmarshal(plain, &reply)
	if reply.Reference != "ORO-1" || reply.Code != "ABCD-EFGH-JKMN" {
		t.Fatalf("reply = %+v", reply)
	}
	if code, _ := post(box, call); code != 403 {
		t.Fatalf("a replay got %d", code)
	}
	if code, _ := post(other, consentCall{ID: "b2", At: now.UnixMilli()}); code != 403 {
		t.Fatalf("another key got %d", code)
	}
	if code, _ := post(box, consentCall{ID: "c3", At: now.Add(-2 * time.Minute).UnixMilli()}); code != 403 {
		t.Fatalf("a stale request got %d", code)
	}
	if len(esc.given) != 1 {
		t.Fatalf("stored %d consents, want 1", len(esc.given))
	}
}

// TestClusterStore_ConsentRefusedUpFrontWithoutIntakeKey: when the store
// node holds no intake key, a counsellor on a chat node is told so at once
// and the parent is never asked for details that could not be kept.
func TestClusterStore_ConsentRefusedUpFrontWithoutIntakeKey(t *testing.T) {
	r := redistest.Start(t)
	startStoreNode(t, r, map[string]string{"anna": "counselor"})
	chatNode := startChatNode(t, r)

	anna := login(t, chatNode.base, "anna", clusterPassword)
	co := dialWS(t, chatNode.base, "/ws/counselor", nil, anna.Jar)
	co.next("ready")
	p := dialWS(t, chatNode.base, "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "young"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	chatID := co.next("chat_started")["chat"]
	p.next("joined")

	co.send(map[string]any{"type": "consent_request", "chat": chatID, "summary": "Oro för barnet"})
	if m := co.next("error"); m["code"] != "bad_state" || !strings.Contains(m["message"].(string), "inte tillfrågats") {
		t.Fatalf("the counsellor was told %v", m)
	}
	co.send(map[string]any{"type": "msg", "chat": chatID, "text": "Jag är kvar"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := p.ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for the counsellor's message: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("bad JSON: %s", b)
		}
		if m["type"] == "consent_request" {
			t.Fatalf("the parent was asked: %v", m)
		}
		if m["type"] == "msg" {
			break
		}
	}
}
