package stats

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// mustOpenDB opens a bbolt file in a fresh temporary directory and closes it
// when the test ends.
func mustOpenDB(tb testing.TB) (*bolt.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "parentline.db")
	db := mustOpenPath(tb, path)
	return db, path
}

func mustOpenPath(tb testing.TB, path string) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatalf("open bolt: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func mustOpenTallies(tb testing.TB, db *bolt.DB) *Tallies {
	tb.Helper()
	t, err := OpenTallies(db, zerolog.Nop())
	if err != nil {
		tb.Fatalf("OpenTallies: %v", err)
	}
	tb.Cleanup(func() { _ = t.Close() })
	return t
}

// addWait adds and waits for done.
func addWait(tb testing.TB, t *Tallies, day, audience string, topics ...string) error {
	tb.Helper()
	ch := make(chan error, 1)
	t.Add(day, audience, topics, func(err error) { ch <- err })
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		tb.Fatal("done was not called")
		return nil
	}
}

func mustCount(tb testing.TB, t *Tallies, day, audience, topic string) uint64 {
	tb.Helper()
	n, err := t.Count(day, audience, topic)
	if err != nil {
		tb.Fatalf("Count(%s,%s,%s): %v", day, audience, topic, err)
	}
	return n
}

func TestTallies_AddAndCount(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)

	if err := addWait(t, ta, "2026-03-02", "young", "sleep", "food"); err != nil {
		t.Fatal(err)
	}
	if err := addWait(t, ta, "2026-03-02", "young", "sleep", "sleep", "sleep"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day, aud, topic string
		want            uint64
	}{
		{"2026-03-02", "young", "sleep", 2}, // duplicates in one call count once
		{"2026-03-02", "young", "food", 1},
		{"2026-03-02", "teen", "sleep", 0},
		{"2026-03-03", "young", "sleep", 0},
	} {
		if got := mustCount(t, ta, c.day, c.aud, c.topic); got != c.want {
			t.Errorf("Count(%s,%s,%s) = %d, want %d", c.day, c.aud, c.topic, got, c.want)
		}
	}
}

func TestTallies_ConcurrentAddsAllCounted(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)

	const goroutines, perG = 50, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			aud := []string{"young", "teen"}[g%2]
			var inner sync.WaitGroup
			for range perG {
				inner.Add(1)
				ta.Add("2026-05-04", aud, []string{"sleep", "screens"}, func(err error) {
					defer inner.Done()
					if err != nil {
						mu.Lock()
						failures = append(failures, err)
						mu.Unlock()
					}
				})
			}
			inner.Wait()
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d adds failed, first: %v", len(failures), failures[0])
	}
	want := uint64(goroutines / 2 * perG)
	for _, aud := range []string{"young", "teen"} {
		for _, topic := range []string{"sleep", "screens"} {
			if got := mustCount(t, ta, "2026-05-04", aud, topic); got != want {
				t.Errorf("Count(%s,%s) = %d, want %d", aud, topic, got, want)
			}
		}
	}
}

// TestTallies_GroupCommit checks that Adds made while a batch is being written
// are committed together, in fewer transactions than Adds.
func TestTallies_GroupCommit(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)
	writes := func() int64 { s := db.Stats(); return s.TxStats.GetWrite() }
	before := writes()

	const n = 500
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go ta.Add("2026-05-05", "teen", []string{"other"}, func(error) { wg.Done() })
	}
	wg.Wait()
	if got := mustCount(t, ta, "2026-05-05", "teen", "other"); got != n {
		t.Fatalf("count = %d, want %d", got, n)
	}
	// Every commit writes at least one data page and the meta page; with one
	// transaction per Add there would be at least 2n writes.
	if w := writes() - before; w >= n {
		t.Errorf("%d page writes for %d adds: no group commit?", w, n)
	} else {
		t.Logf("%d page writes for %d adds", w, n)
	}
}

func TestTallies_SurviveReopen(t *testing.T) {
	db, path := mustOpenDB(t)
	ta := mustOpenTallies(t, db)

	// Not waiting for done: Close must still store everything pending.
	var acked sync.WaitGroup
	for range 100 {
		acked.Add(1)
		ta.Add("2026-10-25", "young", []string{"separation"}, func(err error) {
			if err != nil {
				t.Errorf("done: %v", err)
			}
			acked.Done()
		})
	}
	if err := ta.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	acked.Wait() // every done was called by the time Close returned
	if err := ta.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db2 := mustOpenPath(t, path)
	ta2 := mustOpenTallies(t, db2)
	if got := mustCount(t, ta2, "2026-10-25", "young", "separation"); got != 100 {
		t.Fatalf("after reopen count = %d, want 100", got)
	}
	if err := addWait(t, ta2, "2026-10-25", "young", "separation"); err != nil {
		t.Fatal(err)
	}
	if got := mustCount(t, ta2, "2026-10-25", "young", "separation"); got != 101 {
		t.Fatalf("count = %d, want 101", got)
	}
}

func TestTallies_Each(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)
	for _, a := range []struct{ day, aud, topic string }{
		{"2026-01-31", "young", "sleep"},
		{"2026-02-01", "young", "sleep"},
		{"2026-02-01", "teen", "school"},
		{"2026-02-15", "teen", "alcohol_drugs"},
		{"2026-02-28", "young", "food"},
		{"2026-03-01", "young", "food"},
	} {
		if err := addWait(t, ta, a.day, a.aud, a.topic); err != nil {
			t.Fatal(err)
		}
	}
	collect := func(from, to string) ([]string, error) {
		var got []string
		err := ta.Each(from, to, func(day, aud, topic string, n uint64) error {
			got = append(got, fmt.Sprintf("%s %s %s %d", day, aud, topic, n))
			return nil
		})
		return got, err
	}

	got, err := collect("2026-02-01", "2026-02-28")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2026-02-01 teen school 1",
		"2026-02-01 young sleep 1",
		"2026-02-15 teen alcohol_drugs 1",
		"2026-02-28 young food 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Each Feb:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if got, _ := collect("2026-03-01", "2026-03-01"); len(got) != 1 {
		t.Errorf("single day: %v", got)
	}
	if got, _ := collect("2025-01-01", "2025-12-31"); len(got) != 0 {
		t.Errorf("empty range: %v", got)
	}
	if got, _ := collect("2026-03-01", "2026-01-01"); len(got) != 0 {
		t.Errorf("reversed range: %v", got)
	}
	if _, err := collect("2026-2-1", "2026-03-01"); err == nil {
		t.Error("bad from day accepted")
	}

	stop := errors.New("stop")
	calls := 0
	err = ta.Each("2026-01-01", "2026-12-31", func(string, string, string, uint64) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn error: err=%v calls=%d", err, calls)
	}
}

func TestTallies_BadInput(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)
	cases := []struct {
		name, day, aud string
		topics         []string
		errHas         string
	}{
		{"no date", "yesterday", "young", []string{"sleep"}, "day"},
		{"impossible date", "2026-02-30", "young", []string{"sleep"}, "day"},
		{"time in day", "2026-02-03T10:00", "young", []string{"sleep"}, "day"},
		{"short date", "2026-2-3", "young", []string{"sleep"}, "day"},
		{"empty audience", "2026-02-03", "", []string{"sleep"}, "audience"},
		{"pipe in audience", "2026-02-03", "a|b", []string{"sleep"}, "audience"},
		{"upper case topic", "2026-02-03", "young", []string{"Sleep"}, "topic"},
		{"long topic", "2026-02-03", "young", []string{strings.Repeat("a", 41)}, "topic"},
		{"one bad topic", "2026-02-03", "young", []string{"sleep", "x y"}, "topic"},
		{"no topics", "2026-02-03", "young", nil, "at least one topic"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			ta.Add(c.day, c.aud, c.topics, func(err error) {
				called = true
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Errorf("err = %v, want one mentioning %q", err, c.errHas)
				}
			})
			if !called {
				t.Error("done not called at once for bad input")
			}
		})
	}
	// Nothing was written: the one valid topic of "one bad topic" is not counted.
	if n := mustCount(t, ta, "2026-02-03", "young", "sleep"); n != 0 {
		t.Errorf("bad input wrote a count: %d", n)
	}
	if _, err := ta.Count("2026-02-03", "young", "a|b"); err == nil {
		t.Error("Count accepted a bad topic")
	}
	ta.Add("nonsense", "young", []string{"sleep"}, nil) // nil done must not panic
}

func TestTallies_AddAfterClose(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)
	if err := ta.Close(); err != nil {
		t.Fatal(err)
	}
	var got error
	ta.Add("2026-04-01", "teen", []string{"sleep"}, func(err error) { got = err })
	if !errors.Is(got, ErrClosed) {
		t.Fatalf("Add after Close: %v, want ErrClosed", got)
	}
	ta.Add("2026-04-01", "teen", []string{"sleep"}, nil)
	if n := mustCount(t, ta, "2026-04-01", "teen", "sleep"); n != 0 {
		t.Fatalf("count after closed Add = %d", n)
	}
}

// TestTallies_StorageErrorReported checks that a failed commit reaches done
// as an error, never as nil, and that the writer goes on afterwards.
func TestTallies_StorageErrorReported(t *testing.T) {
	db, _ := mustOpenDB(t)
	ta := mustOpenTallies(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := addWait(t, ta, "2026-04-01", "teen", "sleep"); err == nil {
			t.Fatal("write to a closed DB acknowledged")
		}
	}
	// Close with a failing final batch reports it.
	ta.Add("2026-04-01", "teen", []string{"sleep"}, nil)
	_ = ta.Close() // the entry may or may not have been written before Close; either way no panic
}

// BenchmarkTallyAdd measures what the chat hub pays per Add: queueing only.
func BenchmarkTallyAdd(b *testing.B) {
	db, _ := mustOpenDB(b)
	ta := mustOpenTallies(b, db)
	topics := []string{"sleep", "food"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ta.Add("2026-06-01", "young", topics, nil)
		}
	})
	b.StopTimer()
	if err := ta.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTallyAddDurable measures an Add until it is committed, with many
// callers sharing each commit.
func BenchmarkTallyAddDurable(b *testing.B) {
	db, _ := mustOpenDB(b)
	ta := mustOpenTallies(b, db)
	topics := []string{"sleep", "food"}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ch := make(chan error, 1)
		done := func(err error) { ch <- err }
		for pb.Next() {
			ta.Add("2026-06-01", "young", topics, done)
			if err := <-ch; err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// ApplyIncrements counts what the event functions produce, in the caller's
// transaction, and refuses anything else.
func TestApplyIncrements(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tal, err := OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer tal.Close()
	closed, err := ClosedIncrements("2026-11-23", "young", []string{"sleep", "sleep", "school"})
	if err != nil || len(closed) != 2 {
		t.Fatalf("%v %v", closed, err)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	all := append(closed, QueuedIncrements(at, "young")...)
	all = append(all, AnsweredIncrements(at, "young", 3*time.Minute)...)
	if err := db.Update(func(tx *bolt.Tx) error { return ApplyIncrements(tx, all) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := tal.Count("2026-11-23", "young", "sleep"); n != 1 {
		t.Fatalf("sleep = %d", n)
	}
	for _, bad := range [][]Increment{
		{{Bucket: "staff", Key: "a|b|c"}},
		{{Bucket: "tallies", Key: "2026-11-23|young"}},
		{{Bucket: "tallies", Key: "2026-11-23|Young|sleep"}},
		{{Bucket: "tallies", Key: "2026-11-23|young|sleep\n"}},
	} {
		if err := db.Update(func(tx *bolt.Tx) error { return ApplyIncrements(tx, bad) }); err == nil {
			t.Errorf("applied %v", bad)
		}
	}
}
