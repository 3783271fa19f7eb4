package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"

	"parentline/internal/testkit"
	"parentline/mail"
)

var testBucket = []byte("test/outbox")

const (
	address = "mottagare.testperson@example.se"
	secret  = "the secret text of the mail"
)

// recorder is a Mailer that keeps what it accepted. It refuses the next
// fail mails, and calls before (if set) before each.
type recorder struct {
	mu     sync.Mutex
	sent   []mail.Message
	calls  int
	fail   int
	before func(m mail.Message)
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	r.mu.Lock()
	before := r.before
	r.mu.Unlock()
	if before != nil {
		before(m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		return errors.New("451 try again later")
	}
	r.sent = append(r.sent, m)
	return nil
}

func (r *recorder) messages() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

type harness struct {
	db    *bbolt.DB
	clock *testkit.Clock
	log   *testkit.LogBuffer
	d     *Deliverer
	m     *recorder
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "outbox.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket(testBucket)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{db: db, clock: testkit.NewClock(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)), log: &testkit.LogBuffer{},
		m: &recorder{}}
	h.d = &Deliverer{DB: db, Bucket: testBucket, Name: "test", Now: h.clock.Now, Log: zerolog.New(h.log)}
	return h
}

// enqueue queues a mail with subject and the given refs, due now.
func (h *harness) enqueue(t *testing.T, subject string, refs ...string) uint64 {
	t.Helper()
	var seq uint64
	err := h.db.Update(func(tx *bbolt.Tx) error {
		var err error
		now := h.clock.Now()
		seq, err = Enqueue(tx.Bucket(testBucket), Job{Kind: "notice", Refs: refs, To: []string{address},
			Subject: subject, Text: secret, Created: now, NextTry: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func (h *harness) pending(t *testing.T) int {
	t.Helper()
	n := -1
	if err := h.db.View(func(tx *bbolt.Tx) error { n = Pending(tx.Bucket(testBucket)); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func (h *harness) jobs(t *testing.T) map[uint64]Job {
	t.Helper()
	out := map[uint64]Job{}
	err := h.db.View(func(tx *bbolt.Tx) error {
		return Each(tx.Bucket(testBucket), func(seq uint64, j Job) error { out[seq] = j; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (h *harness) deliver(t *testing.T) int {
	t.Helper()
	n, err := h.d.Deliver(context.Background(), h.m)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return n
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute,
		7: 32 * time.Minute, 8: time.Hour, 50: time.Hour} {
		if got := Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

// Enqueued mails are sent oldest first and deleted once accepted.
func TestDeliver_DeletesAfterAcceptance(t *testing.T) {
	h := newHarness(t)
	a := h.enqueue(t, "first", "R1")
	b := h.enqueue(t, "second", "R2", "R3")
	if a == 0 || b <= a {
		t.Fatalf("sequence numbers %d, %d", a, b)
	}
	if n := h.pending(t); n != 2 {
		t.Fatalf("%d pending", n)
	}
	if n := h.deliver(t); n != 2 {
		t.Fatalf("sent %d", n)
	}
	msgs := h.m.messages()
	if len(msgs) != 2 || msgs[0].Subject != "first" || msgs[1].Subject != "second" ||
		!slices.Equal(msgs[0].To, []string{address}) || msgs[0].Text != secret {
		t.Fatalf("sent %+v", msgs)
	}
	if n := h.pending(t); n != 0 {
		t.Fatalf("%d pending after delivery", n)
	}
	if n := h.deliver(t); n != 0 || h.m.calls != 2 {
		t.Fatalf("sent %d more (%d calls)", n, h.m.calls)
	}
	logged := h.log.String()
	if !strings.Contains(logged, `"refs":["R2","R3"]`) || !strings.Contains(logged, `"outbox":"test"`) {
		t.Errorf("log lacks the refs or the name:\n%s", logged)
	}
	if strings.Contains(logged, address) || strings.Contains(logged, secret) {
		t.Errorf("the log names the address or the text:\n%s", logged)
	}
}

// A refused mail stays with Attempts and NextTry pushed by the backoff and
// is retried once the clock passed it.
func TestDeliver_RetryWithBackoff(t *testing.T) {
	h := newHarness(t)
	seq := h.enqueue(t, "retried", "R1")
	h.m.fail = 1
	start := h.clock.Now()
	sent, err := h.d.Deliver(context.Background(), h.m)
	if sent != 0 || err == nil || !strings.Contains(err.Error(), fmt.Sprintf("test: mail %d (notice)", seq)) {
		t.Fatalf("Deliver: sent %d, %v", sent, err)
	}
	if strings.Contains(err.Error(), address) || strings.Contains(err.Error(), secret) {
		t.Fatal("the error names the address or the text")
	}
	j := h.jobs(t)[seq]
	if j.Attempts != 1 || !j.NextTry.Equal(start.Add(RetryFirst)) || j.Text != secret {
		t.Fatalf("after one failure: %+v", j)
	}

	// Not due yet: not even tried.
	h.clock.Advance(RetryFirst - time.Second)
	if n := h.deliver(t); n != 0 || h.m.calls != 1 {
		t.Fatalf("sent %d before the backoff (%d calls)", n, h.m.calls)
	}

	// Due: refused again, now a minute.
	h.clock.Advance(time.Second)
	h.m.fail = 1
	if _, err := h.d.Deliver(context.Background(), h.m); err == nil {
		t.Fatal("a second refusal is not an error")
	}
	j = h.jobs(t)[seq]
	if j.Attempts != 2 || !j.NextTry.Equal(start.Add(RetryFirst+time.Minute)) {
		t.Fatalf("after two failures: %+v", j)
	}

	h.clock.Advance(time.Minute)
	if n := h.deliver(t); n != 1 || h.m.calls != 3 {
		t.Fatalf("sent %d after the backoff (%d calls)", n, h.m.calls)
	}
	if n := h.pending(t); n != 0 {
		t.Fatalf("%d pending", n)
	}
	logged := h.log.String()
	if !strings.Contains(logged, "mail not accepted") || !strings.Contains(logged, `"attempt":2`) {
		t.Errorf("the failures are not logged:\n%s", logged)
	}
	if strings.Contains(logged, address) || strings.Contains(logged, secret) {
		t.Errorf("the log names the address or the text:\n%s", logged)
	}
}

// A job deleted after Deliver read it but before its turn is not sent.
func TestDeliver_SkipsJobDeletedMeanwhile(t *testing.T) {
	h := newHarness(t)
	h.enqueue(t, "first", "R1")
	second := h.enqueue(t, "second", "R2")
	h.enqueue(t, "third", "R3")
	h.m.before = func(m mail.Message) {
		if m.Subject != "first" {
			return
		}
		err := h.db.Update(func(tx *bbolt.Tx) error {
			ok, err := Withdraw(tx.Bucket(testBucket), second)
			if !ok {
				t.Error("the second job was not there to withdraw")
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}
	if n := h.deliver(t); n != 2 {
		t.Fatalf("sent %d", n)
	}
	var subjects []string
	for _, m := range h.m.messages() {
		subjects = append(subjects, m.Subject)
	}
	if !slices.Equal(subjects, []string{"first", "third"}) {
		t.Fatalf("sent %v", subjects)
	}
	err := h.db.Update(func(tx *bbolt.Tx) error {
		ok, err := Withdraw(tx.Bucket(testBucket), second)
		if ok {
			t.Error("withdrew the second job twice")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// One Deliver sends at most Batch mails.
func TestDeliver_Batch(t *testing.T) {
	h := newHarness(t)
	for i := range Batch + 50 {
		h.enqueue(t, fmt.Sprintf("mail %d", i), fmt.Sprint(i))
	}
	if n := h.deliver(t); n != Batch {
		t.Fatalf("first run sent %d", n)
	}
	if n := h.pending(t); n != 50 {
		t.Fatalf("%d pending", n)
	}
	if n := h.deliver(t); n != 50 {
		t.Fatalf("second run sent %d", n)
	}
	msgs := h.m.messages()
	for i, m := range msgs {
		if m.Subject != fmt.Sprintf("mail %d", i) {
			t.Fatalf("mail %d is %q: not oldest first", i, m.Subject)
		}
	}
}

// Deliver calls at the same time send every mail once.
func TestDeliver_Concurrent(t *testing.T) {
	h := newHarness(t)
	const n = 40
	for i := range n {
		h.enqueue(t, fmt.Sprintf("mail %d", i), fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Go(func() {
			sent, err := h.d.Deliver(context.Background(), h.m)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += sent
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != n || h.m.calls != n {
		t.Fatalf("sent %d in %d calls, want %d", total, h.m.calls, n)
	}
	seen := map[string]bool{}
	for _, m := range h.m.messages() {
		if seen[m.Subject] {
			t.Fatalf("%q sent twice", m.Subject)
		}
		seen[m.Subject] = true
	}
}

// AfterSent runs after a Deliver that sent something, and its error is
// returned.
func TestDeliver_AfterSent(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.d.AfterSent = func() error { calls++; return errors.New("scrubbing failed") }
	if n := h.deliver(t); n != 0 || calls != 0 {
		t.Fatalf("nothing to send: sent %d, AfterSent ran %d times", n, calls)
	}
	h.enqueue(t, "one", "R1")
	sent, err := h.d.Deliver(context.Background(), h.m)
	if sent != 1 || calls != 1 || err == nil || err.Error() != "scrubbing failed" {
		t.Fatalf("sent %d, AfterSent ran %d times, %v", sent, calls, err)
	}
}

func TestDeliver_NoMailerAndCanceled(t *testing.T) {
	h := newHarness(t)
	h.enqueue(t, "one", "R1")
	if _, err := h.d.Deliver(context.Background(), nil); err == nil || err.Error() != "test: no mailer" {
		t.Fatalf("without a mailer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sent, err := h.d.Deliver(ctx, h.m)
	if sent != 0 || !errors.Is(err, context.Canceled) || h.m.calls != 0 {
		t.Fatalf("canceled: sent %d, %v, %d calls", sent, err, h.m.calls)
	}
	if n := h.pending(t); n != 1 {
		t.Fatalf("%d pending", n)
	}
}

// Drop deletes the jobs whose records are all gone.
func TestDrop_Orphans(t *testing.T) {
	h := newHarness(t)
	records := []byte("test/records")
	err := h.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(records)
		if err != nil {
			return err
		}
		return b.Put([]byte("KEPT"), []byte("{}"))
	})
	if err != nil {
		t.Fatal(err)
	}
	kept := h.enqueue(t, "about a kept record", "GONE", "KEPT")
	h.enqueue(t, "about gone records", "GONE", "ALSO-GONE")
	h.enqueue(t, "about nothing")
	var dropped int
	err = h.db.Update(func(tx *bbolt.Tx) error {
		recs := tx.Bucket(records)
		dropped, err = Drop(tx.Bucket(testBucket), func(_ uint64, j Job) bool { return j.OrphanIn(recs) })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	left := h.jobs(t)
	if _, ok := left[kept]; dropped != 2 || len(left) != 1 || !ok {
		t.Fatalf("dropped %d, left %v", dropped, left)
	}
}

// Jobs stored by the booking and interest outboxes before this package
// decode, and are delivered.
func TestJob_LegacyJSON(t *testing.T) {
	booking := `{"kind":"invitation","booking_id":"BK7K2MQ9XD12","to":["` + address + `"],"subject":"Signera",` +
		`"text":"` + secret + `","created":"2025-03-10T08:00:00Z","attempts":2,"next_try":"2025-03-10T08:30:00Z"}`
	interest := `{"kind":"foster","ids":["FH-7K2M-Q9XD","FH-7K2M-Q9XE"],"to":["` + address + `"],` +
		`"subject":"Din intresseanmälan","text":"` + secret + `","created":"2025-03-10T08:00:00Z",` +
		`"next_try":"2025-03-10T08:00:00Z"}`

	var j Job
	if err := json.Unmarshal([]byte(booking), &j); err != nil {
		t.Fatal(err)
	}
	if j.Kind != "invitation" || !slices.Equal(j.Refs, []string{"BK7K2MQ9XD12"}) || j.Attempts != 2 ||
		!slices.Equal(j.To, []string{address}) || j.Subject != "Signera" || j.Text != secret ||
		!j.NextTry.Equal(time.Date(2025, 3, 10, 8, 30, 0, 0, time.UTC)) {
		t.Fatalf("booking job: %+v", j)
	}
	j = Job{}
	if err := json.Unmarshal([]byte(interest), &j); err != nil {
		t.Fatal(err)
	}
	if j.Kind != "foster" || !slices.Equal(j.Refs, []string{"FH-7K2M-Q9XD", "FH-7K2M-Q9XE"}) || j.Attempts != 0 ||
		!j.Created.Equal(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("interest job: %+v", j)
	}
	// Both names at once: merged, once.
	j = Job{}
	if err := json.Unmarshal([]byte(`{"ids":["A","B"],"booking_id":"B"}`), &j); err != nil || !slices.Equal(j.Refs, []string{"A", "B"}) {
		t.Fatalf("both names: %+v, %v", j.Refs, err)
	}

	// Written now: "ids", no "booking_id"; and it reads back the same.
	raw, err := json.Marshal(Job{Kind: "x", Refs: []string{"R"}})
	if err != nil || !strings.Contains(string(raw), `"ids":["R"]`) || strings.Contains(string(raw), "booking_id") {
		t.Fatalf("encoded %s, %v", raw, err)
	}

	// As they lie on disk: Each reads them, Deliver sends and deletes them.
	h := newHarness(t)
	err = h.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(testBucket)
		for _, raw := range []string{booking, interest} {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(Key(seq), []byte(raw)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs := h.jobs(t)
	if len(jobs) != 2 || !slices.Equal(jobs[1].Refs, []string{"BK7K2MQ9XD12"}) || len(jobs[2].Refs) != 2 {
		t.Fatalf("stored jobs: %+v", jobs)
	}
	if n := h.deliver(t); n != 2 || h.pending(t) != 0 {
		t.Fatalf("sent %d, %d pending", n, h.pending(t))
	}
	if !strings.Contains(h.log.String(), `"refs":["BK7K2MQ9XD12"]`) {
		t.Errorf("the legacy booking id is not logged as a ref:\n%s", h.log.String())
	}
}

// A broken job is an error, not a skipped mail.
func TestDeliver_UnreadableJob(t *testing.T) {
	h := newHarness(t)
	err := h.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(testBucket).Put(Key(1), []byte("{not json")) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.Deliver(context.Background(), h.m); err == nil || !strings.Contains(err.Error(), "test: reading the outbox") {
		t.Fatalf("Deliver: %v", err)
	}
}
