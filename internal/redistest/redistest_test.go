package redistest

import (
	"context"
	"testing"
	"time"
)

// What is written survives a restart (append-only file, fsync always), and
// a paused server does not answer until resumed.
func TestServer_RestartKeepsDataAndPauseStalls(t *testing.T) {
	s := Start(t)
	c := s.Client()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after restart: %q, %v", got, err)
	}

	s.Pause()
	pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := c.Ping(pctx).Err()
	cancel()
	if err == nil {
		t.Fatal("a paused server answered")
	}
	s.Resume()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}
