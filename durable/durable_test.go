package durable

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/chat"
	"parentline/internal/redistest"
	"parentline/stats"
)

// store is a store node's half: a bbolt file with its tallies, and an
// applier reading the stream into it.
type store struct {
	db      *bolt.DB
	tallies *stats.Tallies
}

func openStore(t *testing.T) *store {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "store.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tal, err := stats.OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tal.Close(); db.Close() })
	return &store{db: db, tallies: tal}
}

func (s *store) applier(t *testing.T, rdb *redis.Client) *Applier {
	t.Helper()
	a, err := NewApplier(rdb, s.db, map[string]Handler{KindTally: ApplyTally, KindAudit: ApplyAudit}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (s *store) count(t *testing.T, topic string) uint64 {
	t.Helper()
	n, err := s.tallies.Count("2026-11-23", "young", topic)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drain steps the applier until the stream has nothing more for it.
func drain(t *testing.T, a *Applier) {
	t.Helper()
	for range 1000 {
		n, err := a.Step(context.Background(), 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the stream never ran dry")
}

// closeChats sends n closed-chat tallies through a chat node's Tallies and
// waits until each is acknowledged.
func closeChats(t *testing.T, tal *Tallies, n int, topic string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		tal.Add("2026-11-23", "young", []string{topic}, func(err error) {
			errs <- err
			wg.Done()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a tally was not acknowledged: %v", err)
		}
	}
}

// Chats closed on two chat nodes are counted exactly once on the store.
func TestTallies_TwoNodesCountedExactlyOnce(t *testing.T) {
	r := redistest.Start(t)
	st := openStore(t)
	nodeA, nodeB := NewTallies(r.Client(), zerolog.Nop()), NewTallies(r.Client(), zerolog.Nop())
	defer nodeA.Close()
	defer nodeB.Close()
	var wg sync.WaitGroup
	for _, node := range []*Tallies{nodeA, nodeB} {
		wg.Add(1)
		go func() { defer wg.Done(); closeChats(t, node, 60, "sleep") }()
	}
	wg.Wait()
	nodeA.Queued(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), "young")
	drain(t, st.applier(t, r.Client()))
	if n := st.count(t, "sleep"); n != 120 {
		t.Fatalf("sleep = %d, want 120", n)
	}
	if l, _ := r.Client().XLen(context.Background(), Stream).Result(); l != 0 && l != 1 {
		t.Fatalf("the stream keeps %d applied entries", l)
	}
}

// The store node crashes after committing a batch but before acknowledging
// it; the restarted store gets the batch again and does not count it twice.
func TestApplier_CrashBetweenCommitAndAck(t *testing.T) {
	r := redistest.Start(t)
	st := openStore(t)
	node := NewTallies(r.Client(), zerolog.Nop())
	defer node.Close()
	closeChats(t, node, 25, "school")

	crashing := st.applier(t, r.Client())
	ctx, crash := context.WithCancel(context.Background())
	crashing.afterCommit = crash // the ack that follows fails: the process "died"
	if _, err := crashing.Step(ctx, 50*time.Millisecond); err == nil {
		t.Fatal("the crashed step acknowledged its batch")
	}
	if n := st.count(t, "school"); n != 25 {
		t.Fatalf("committed before the crash: %d", n)
	}
	pending, _ := r.Client().XPending(context.Background(), Stream, group).Result()
	if pending.Count != 25 {
		t.Fatalf("pending after the crash = %d, want 25", pending.Count)
	}

	drain(t, st.applier(t, r.Client())) // the restarted store node
	if n := st.count(t, "school"); n != 25 {
		t.Fatalf("after redelivery school = %d, want 25 (counted twice?)", n)
	}
	if pending, _ := r.Client().XPending(context.Background(), Stream, group).Result(); pending.Count != 0 {
		t.Fatalf("still pending: %d", pending.Count)
	}
}

// While the store node is down chats close and are acknowledged; Redis
// restarts meanwhile; when the store node comes back everything is applied.
func TestTallies_StoreDownAndRedisRestartLoseNothing(t *testing.T) {
	r := redistest.Start(t)
	node := NewTallies(r.Client(), zerolog.Nop())
	defer node.Close()
	closeChats(t, node, 30, "sleep")
	r.Restart()
	// The client reconnects by itself; entries sent after the restart count too.
	deadline := time.Now().Add(5 * time.Second)
	for r.Client().Ping(context.Background()).Err() != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	closeChats(t, node, 5, "sleep")

	st := openStore(t)
	drain(t, st.applier(t, r.Client()))
	if n := st.count(t, "sleep"); n != 35 {
		t.Fatalf("sleep = %d, want 35", n)
	}
}

// A malformed entry is skipped with a log line and does not block the rest.
func TestApplier_RejectsMalformedEntriesAndGoesOn(t *testing.T) {
	r := redistest.Start(t)
	ctx := context.Background()
	for _, body := range []string{`not json`, `[{"b":"staff","k":"a|b|c"}]`} {
		if _, err := Send(ctx, r.Client(), KindTally, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Send(ctx, r.Client(), "unknown_kind", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	node := NewTallies(r.Client(), zerolog.Nop())
	defer node.Close()
	closeChats(t, node, 3, "sleep")
	st := openStore(t)
	drain(t, st.applier(t, r.Client()))
	if n := st.count(t, "sleep"); n != 3 {
		t.Fatalf("sleep = %d, want 3", n)
	}
}

func TestAfter(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"1-0", "", true}, {"2-0", "1-5", true}, {"1-5", "1-4", true}, {"1-4", "1-4", false}, {"1-3", "1-4", false}, {"10-0", "9-9", true}} {
		if got := after(c.a, c.b); got != c.want {
			t.Errorf("after(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// A chat node's hub takes Tallies as its Tallier.
var _ chat.Tallier = (*Tallies)(nil)
