package mail

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"parentline/internal/testkit"
)

func nopLogger() zerolog.Logger { return zerolog.Nop() }

func TestOutboxKeepsAndLogs(t *testing.T) {
	var logs testkit.LogBuffer
	ob := NewOutbox(zerolog.New(&logs))
	if err := ob.Send(context.Background(), notification); err != nil {
		t.Fatal(err)
	}
	got := ob.Messages()
	if len(got) != 1 || got[0].Subject != notification.Subject || got[0].Text != notification.Text ||
		strings.Join(got[0].To, ",") != strings.Join(notification.To, ",") {
		t.Fatalf("Messages() = %+v, want the one sent", got)
	}

	// Copies: changing what Messages returned, or what was sent, changes nothing kept.
	got[0].To[0] = "changed@example.se"
	sent := Message{To: []string{"a@b.example.se"}, Subject: "Andra", Text: "x"}
	if err := ob.Send(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	sent.To[0] = "changed@example.se"
	again := ob.Messages()
	if again[0].To[0] != notification.To[0] || again[1].To[0] != "a@b.example.se" {
		t.Errorf("kept messages changed through a shared slice: %+v", again)
	}

	// One line per mail, with the domains and the subject only.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{"socialtjanst.example.se,kommun.example.se", "Nytt ärende PL-2025-ÅÄÖ"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line %s lacks %q", lines[0], want)
		}
	}
	for _, secret := range []string{"intake", "Mottagning", "Öppna det", "Ett nytt ärende"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log %s contains %q", logs.String(), secret)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ob.Send(ctx, notification); err == nil {
		t.Error("Send with an ended context succeeded")
	}
}

func TestOutboxKeepsTheLastOnes(t *testing.T) {
	ob := NewOutbox(nopLogger())
	var wg sync.WaitGroup
	for w := range 4 { // concurrent senders, for the race detector
		wg.Go(func() {
			for i := range 100 {
				m := Message{To: []string{"a@b.se"}, Subject: fmt.Sprintf("w%d-%03d", w, i)}
				if err := ob.Send(context.Background(), m); err != nil {
					t.Error(err)
				}
				_ = ob.Messages()
			}
		})
	}
	wg.Wait()
	if n := len(ob.Messages()); n != OutboxSize {
		t.Fatalf("kept %d, want %d", n, OutboxSize)
	}

	for i := range OutboxSize + 5 {
		m := Message{To: []string{"a@b.se"}, Subject: fmt.Sprintf("seq-%03d", i)}
		if err := ob.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := ob.Messages()
	if len(got) != OutboxSize || got[0].Subject != "seq-005" || got[len(got)-1].Subject != fmt.Sprintf("seq-%03d", OutboxSize+4) {
		t.Errorf("kept %d from %q to %q, want %d from seq-005", len(got), got[0].Subject, got[len(got)-1].Subject, OutboxSize)
	}
}

func TestOutboxPage(t *testing.T) {
	ob := NewOutbox(nopLogger())
	srv := httptest.NewServer(ob)
	defer srv.Close()
	get := func() (*http.Response, string) {
		t.Helper()
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}

	res, body := get()
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "No mail yet") {
		t.Fatalf("empty outbox: %s\n%s", res.Status, body)
	}

	evil := Message{
		To:      []string{`a&b'c@evil.example`},
		Subject: `<script>alert("subject")</script> & åäö`,
		Text:    "Hej!\n<img src=x onerror=alert(1)>\nLänk: https://parentline.example.se/booking/sign?token=a&b=c",
	}
	if err := ob.Send(context.Background(), notification); err != nil {
		t.Fatal(err)
	}
	if err := ob.Send(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	res, body = get()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %s", res.Status)
	}
	for _, raw := range []string{"<script>", "<img", "a&b"} {
		if strings.Contains(body, raw) {
			t.Errorf("page contains unescaped %q:\n%s", raw, body)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt; &amp; åäö",
		"&lt;img src=x onerror=alert(1)&gt;",
		"token=a&amp;b=c",
		"a&amp;b&#39;c@evil.example",
		"intake@socialtjanst.example.se, Mottagning.Tva@kommun.example.se",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Index(body, "alert") > strings.Index(body, "Nytt ärende") {
		t.Error("page is not newest first")
	}
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": outboxCSP,
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	post, err := http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed || post.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %s, Allow %q; want 405 with Allow: GET, HEAD", post.Status, post.Header.Get("Allow"))
	}
}
