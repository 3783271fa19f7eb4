package booking

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// fileContains reports which of the strings are anywhere in the database
// file, free pages included.
func fileContains(t *testing.T, path string, strs ...string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, s := range strs {
		if bytes.Contains(raw, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

func TestPurge_AfterThirtyDays(t *testing.T) {
	h := newHarness(t)
	t0 := h.clock.Now()
	slA := h.publish(t, 72*time.Hour, FormParterapi, "Anna")     // confirmed, kept until 30 days after the meeting
	slB := h.publish(t, 30*time.Hour, FormEngangssamtal, "Anna") // confirmed, cancelled late with the fee
	slC := h.publish(t, 80*time.Hour, FormParterapi, "Anna")     // declined
	slD := h.publish(t, 90*time.Hour, FormParterapi, "Anna")     // expires

	a := h.confirmed(t, slA.ID)
	b := h.confirmed(t, slB.ID)
	_, tokC := h.book(t, slC.ID)
	_, tokD := h.book(t, slD.ID)
	h.deliver(t) // some mail goes out (its jobs are deleted, the bytes linger in free pages)
	if err := h.s.Decline(tokC); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	if _, err := h.s.Cancel(b.ID, pnCo, true); err != nil { // some mail stays queued
		t.Fatal(err)
	}
	cancelledAt := h.clock.Now()
	secrets := append([]string{tokC, tokD}, personalStrings...)
	if found := fileContains(t, h.path, secrets...); len(found) == 0 {
		t.Fatal("the scan finds nothing even before the purge: it proves nothing")
	}

	// 29 days after the cancellation: all still there.
	h.clock.Set(cancelledAt.Add(29 * 24 * time.Hour))
	res, err := h.s.Purge()
	if err != nil {
		t.Fatal(err)
	}
	if res.Bookings != 0 {
		t.Fatalf("purged %d bookings at 29 days", res.Bookings)
	}
	if list, _ := h.s.BookingsFor(pnApplicant); len(list) != 4 {
		t.Fatalf("%d bookings at 29 days", len(list))
	}
	if fees, _ := h.s.FeeList(t0, h.clock.Now()); len(fees) != 1 {
		t.Fatal("the fee is gone before 30 days")
	}

	// 29 days after A's meeting: the others are gone, A is still there.
	h.clock.Set(a.Meeting.End().Add(29 * 24 * time.Hour))
	if res, err = h.s.Purge(); err != nil {
		t.Fatal(err)
	}
	if res.Bookings != 3 || res.MailJobs == 0 {
		t.Fatalf("purge: %+v", res)
	}
	list, _ := h.s.BookingsFor(pnApplicant)
	if len(list) != 1 || list[0].ID != a.ID || list[0].PurgeAfter.After(a.Meeting.End().Add(30*24*time.Hour)) {
		t.Fatalf("after the others' purge: %+v", list)
	}
	if fees, _ := h.s.FeeList(t0, h.clock.Now()); len(fees) != 0 {
		t.Fatal("the fee outlived its booking")
	}
	if staff, _ := h.s.StaffBookings(t0, h.clock.Now()); len(staff) != 1 {
		t.Fatal("the past confirmed booking is gone before 30 days")
	}

	// 31 days after the meeting: gone.
	h.clock.Set(a.Meeting.End().Add(31 * 24 * time.Hour))
	if res, err = h.s.Purge(); err != nil {
		t.Fatal(err)
	}
	if res.Bookings != 1 || res.ScrubbedPages == 0 {
		t.Fatalf("purge: %+v", res)
	}
	for _, pn := range []string{pnApplicant, pnCo} {
		if list, _ := h.s.BookingsFor(pn); len(list) != 0 {
			t.Fatalf("%d bookings after 31 days", len(list))
		}
	}
	if staff, _ := h.s.StaffBookings(t0, h.clock.Now()); len(staff) != 0 {
		t.Fatal("staff still see the booking")
	}
	if slots, _ := h.s.ListSlots(t0, h.clock.Now(), SlotFilter{}); len(slots) != 0 {
		t.Fatalf("%d old slots left", len(slots))
	}
	if n, _ := h.s.PendingMail(); n != 0 {
		t.Fatalf("%d mail jobs left", n)
	}
	err = h.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if name := string(name); name == string(bucketStats) {
				continue
			}
			if n := tx.Bucket(name).Stats().KeyN; n != 0 {
				t.Errorf("%d entries left in %s", n, name)
			}
		}
		if tx.Bucket(bucketScrub) != nil {
			t.Error("the scrub filler was left behind")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Not a byte of it is left in the file, free pages included.
	if found := fileContains(t, h.path, secrets...); len(found) != 0 {
		t.Fatalf("still in the database file after the purge: %q", found)
	}
	// ... and it stays so after closing.
	h.reopen(t)
	if found := fileContains(t, h.path, secrets...); len(found) != 0 {
		t.Fatalf("in the file after reopening: %q", found)
	}

	// The anonymous counts remain.
	c := h.counts(t)
	want := map[string]uint64{
		"2026-06|parterapi|requested":     3,
		"2026-06|parterapi|confirmed":     1,
		"2026-06|parterapi|declined":      1,
		"2026-06|parterapi|expired":       1,
		"2026-06|engangssamtal|requested": 1,
		"2026-06|engangssamtal|confirmed": 1,
		"2026-06|engangssamtal|cancelled": 1,
		"2026-06|engangssamtal|fee":       1,
	}
	if len(c) != len(want) {
		t.Fatalf("counts %v, want %v", c, want)
	}
	for k, n := range want {
		if c[k] != n {
			t.Fatalf("counts %v, want %v", c, want)
		}
	}
	june, err := h.s.Counts(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(june) != len(want) {
		t.Fatalf("Counts of June: %d %v", len(june), err)
	}
	if may, _ := h.s.Counts(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)); len(may) != 0 {
		t.Fatalf("Counts of May: %v", may)
	}
}

// A booking is kept while the co-applicant may still sign, however old.
func TestPurge_KeepsOpenHoldsAndFutureMeetings(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 60*24*time.Hour, FormParterapi, "Anna")
	b := h.confirmed(t, sl.ID)
	h.clock.Advance(40 * 24 * time.Hour)
	if res, err := h.s.Purge(); err != nil || res.Bookings != 0 {
		t.Fatalf("purge: %+v %v", res, err)
	}
	h.myBooking(t, pnApplicant, b.ID)
}

func TestRun(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b, _ := h.book(t, sl.ID)
	h.clock.Advance(25 * time.Hour)

	s, err := Open(h.db, Options{Now: h.clock.Now, Secret: testSecret, BaseURL: baseURL, Log: zerolog.New(h.logs),
		Mailer: h.mailer, ExpireEvery: time.Millisecond, PurgeEvery: time.Millisecond, MailEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	type ran struct {
		job string
		err error
	}
	runs := make(chan ran, 16)
	s.ranJob = func(job string, err error) {
		select {
		case runs <- ran{job, err}:
		default: // the test reads only what it needs
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()

	// Wait (bounded) until each job ran once without error and the mail failed once.
	seen := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for !(seen["expire"] && seen["purge"] && seen["mail"]) {
		select {
		case r := <-runs:
			if r.err != nil {
				t.Fatalf("%s: %v", r.job, r.err)
			}
			seen[r.job] = true
		case <-deadline:
			t.Fatalf("jobs seen: %v", seen)
		}
	}
	if my := h.myBooking(t, pnApplicant, b.ID); my.State != StateExpired {
		t.Fatalf("state %s", my.State)
	}
	for {
		if n, _ := s.PendingMail(); n == 0 {
			break
		}
		select {
		case <-runs:
		case <-deadline:
			t.Fatal("mail not delivered")
		}
	}
	if len(h.mailer.To(applicantEmail)) != 2 { // the receipt and the release
		t.Fatalf("%d mails to the applicant", len(h.mailer.To(applicantEmail)))
	}

	// A failing mailer is logged, not swallowed.
	h.mailer.FailNext(1 << 30)
	other := h.publish(t, 96*time.Hour, FormParterapi, "Anna")
	h.book(t, other.ID)
	for failed := false; !failed; {
		select {
		case r := <-runs:
			failed = r.job == "mail" && r.err != nil
		case <-deadline:
			t.Fatal("the mail failure was not reported")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if !strings.Contains(h.logs.String(), "booking job failed") {
		t.Fatal("the failure was not logged")
	}
}
