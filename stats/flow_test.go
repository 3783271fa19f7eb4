package stats

import (
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

func readCounter(t *testing.T, db *bolt.DB, bucket, key string) uint64 {
	t.Helper()
	var n uint64
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte(bucket)).Get([]byte(key)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n
}

func TestTallies_FlowWaitsAndHours(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tl, err := OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 2026-03-03 21:30 in Stockholm is 20:30 UTC.
	at := time.Date(2026, 3, 3, 20, 30, 0, 0, time.UTC)
	tl.Queued(at, "teen")
	tl.Queued(at.Add(time.Minute), "teen")
	tl.Queued(at, "young")
	tl.Answered(at.Add(3*time.Minute), "teen", 3*time.Minute)
	tl.Answered(at.Add(40*time.Minute), "teen", 40*time.Minute)
	tl.Abandoned(at.Add(2*time.Minute), "young")
	tl.Queued(at, "bad audience!") // ignored
	// After midnight UTC but still the same Stockholm day? 23:30 UTC = 00:30 next day in Stockholm.
	tl.Queued(time.Date(2026, 3, 3, 23, 30, 0, 0, time.UTC), "young")
	if err := tl.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bucket, key string
		want        uint64
	}{
		{"tally_flow", "2026-03-03|teen|queued", 2},
		{"tally_flow", "2026-03-03|young|queued", 1},
		{"tally_flow", "2026-03-04|young|queued", 1},
		{"tally_flow", "2026-03-03|teen|answered", 2},
		{"tally_flow", "2026-03-03|young|abandoned", 1},
		{"tally_waits", "2026-03-03|teen|1to5", 1},
		{"tally_waits", "2026-03-03|teen|gt30", 1},
		{"tally_hours", "2026-03|2|21", 3},
		{"tally_hours", "2026-03|3|00", 1},
	} {
		if got := readCounter(t, db, c.bucket, c.key); got != c.want {
			t.Errorf("%s %s = %d, want %d", c.bucket, c.key, got, c.want)
		}
	}
}

func TestWaitBucket(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "lt1", 59 * time.Second: "lt1", time.Minute: "1to5", 14 * time.Minute: "5to15",
		15 * time.Minute: "15to30", 30 * time.Minute: "gt30", 3 * time.Hour: "gt30",
	} {
		if got := WaitBucket(d); got != want {
			t.Errorf("WaitBucket(%v) = %s, want %s", d, got, want)
		}
	}
}
