package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/durable"
	"parentline/internal/redistest"
	"parentline/stats"
)

// waitStatus polls url until it answers want, for at most 10 s.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if last = resp.StatusCode; last == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s answered %d, want %d", url, last, want)
}

// TestCluster_StoreNodeAppliesWhatChatNodesSend: a node started with
// --redis owns the store and applies tallies other nodes send over the
// durable stream, each once; /readyz follows Redis (not ready while it is
// paused, ready again without a restart).
func TestCluster_StoreNodeAppliesWhatChatNodesSend(t *testing.T) {
	r := redistest.Start(t)
	data := t.TempDir()
	ts := startServer(t, data, "--redis", r.URL())

	chatNode := durable.NewTallies(r.Client(), zerolog.Nop())
	defer chatNode.Close()
	day := time.Now().In(time.FixedZone("", 0)).Format(time.DateOnly)
	acked := make(chan error, 7)
	for range 7 {
		chatNode.Add(day, "teen", []string{"school"}, func(err error) { acked <- err })
	}
	for range 7 {
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := r.Client().XLen(ctx, durable.Stream).Result()
		p, _ := r.Client().XPending(ctx, durable.Stream, "store").Result()
		if n == 0 && p != nil && p.Count == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store node did not apply the stream: %d entries, pending %v", n, p)
		}
		time.Sleep(20 * time.Millisecond)
	}

	r.Pause()
	waitStatus(t, ts.base+"/readyz", http.StatusServiceUnavailable)
	r.Resume()
	waitStatus(t, ts.base+"/readyz", http.StatusOK)

	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(data, "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tal, err := stats.OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer tal.Close()
	if n, err := tal.Count(day, "teen", "school"); err != nil || n != 7 {
		t.Fatalf("school on the store = %d (%v), want 7", n, err)
	}
}
