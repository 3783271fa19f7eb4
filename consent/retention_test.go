package consent

import (
	"bytes"
	"context"
	"errors"
	"parentline/audit"
	"testing"
	"time"
)

func TestSweep(t *testing.T) {
	h := newHarness(t)
	day := 24 * time.Hour
	newCase, _ := h.createConsented(t)   // stays new: never deleted
	received, _ := h.createConsented(t)  // stays received: never deleted
	forwarded, _ := h.createConsented(t) // forwarded on day 0
	closed, _ := h.createConsented(t)    // closed on day 10
	withdrawn, code := h.createConsented(t)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.svc.SetStatus(received, StatusReceived, "ida"))
	must(h.svc.SetStatus(forwarded, StatusReceived, "ida"))
	must(h.svc.SetStatus(forwarded, StatusForwarded, "ida"))
	h.clock.Advance(5 * day)
	must(h.svc.Withdraw(withdrawn, code))
	h.clock.Advance(5 * day)
	must(h.svc.SetStatus(closed, StatusClosed, "ida"))

	sweep := func(at time.Duration) int {
		t.Helper()
		n, err := h.svc.Sweep(newClock().Now().Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sweep(90 * day); n != 0 { // exactly 90 days after forwarding: not yet
		t.Fatalf("swept %d at day 90", n)
	}
	if n := sweep(90*day + time.Second); n != 1 {
		t.Fatalf("swept %d just after day 90, want the forwarded case", n)
	}
	if _, _, err := h.svc.Get(forwarded); !errors.Is(err, ErrNotFound) {
		t.Fatalf("forwarded case after retention: %v", err)
	}
	if n := sweep(96 * day); n != 1 { // withdrawn on day 5
		t.Fatalf("swept %d on day 96, want the withdrawn case", n)
	}
	if n := sweep(101 * day); n != 1 { // closed on day 10
		t.Fatalf("swept %d on day 101, want the closed case", n)
	}
	if n := sweep(10000 * day); n != 0 {
		t.Fatalf("swept %d open cases", n)
	}
	list, _ := h.svc.List()
	if len(list) != 2 || (list[0].Reference != newCase && list[1].Reference != newCase) {
		t.Fatalf("left = %+v", list)
	}
	for _, ref := range []string{forwarded, withdrawn, closed} {
		trail, _ := audit.Trail(h.db, ref)
		if last := trail[len(trail)-1]; last.Action != audit.ActionDeleted || last.Actor != audit.ActorRetention {
			t.Fatalf("%s audit = %+v", ref, trail)
		}
	}
	if _, err := audit.Verify(h.db); err != nil {
		t.Fatal(err)
	}
	// A deleted case cannot be withdrawn or opened.
	if err := h.svc.Withdraw(withdrawn, code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("withdrawing a deleted case: %v", err)
	}
}

func TestSweep_UsesConfiguredDays(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.RetentionDays = 7 })
	ref, _ := h.createConsented(t)
	if err := h.svc.SetStatus(ref, StatusClosed, "ida"); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.svc.Sweep(h.clock.Now().Add(7*24*time.Hour - time.Second)); n != 0 {
		t.Fatal("swept before 7 days")
	}
	if n, _ := h.svc.Sweep(h.clock.Now().Add(7*24*time.Hour + time.Second)); n != 1 {
		t.Fatal("not swept after 7 days")
	}
	if p := h.svc.ConsentPrompt("en"); p.RetentionDays != 7 || !bytes.Contains([]byte(p.Text), []byte("7 days")) {
		t.Fatalf("the consent text does not say 7 days: %+v", p)
	}
}

func TestRunRetention(t *testing.T) {
	h := newHarness(t)
	ref, _ := h.createConsented(t)
	if err := h.svc.SetStatus(ref, StatusClosed, "ida"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(91 * 24 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.svc.RunRetention(ctx, time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if list, _ := h.svc.List(); len(list) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("RunRetention did not delete the case")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !bytes.Contains(h.logs.Bytes(), []byte(`"audit_head"`)) {
		t.Error("the audit head was not logged")
	}
}
