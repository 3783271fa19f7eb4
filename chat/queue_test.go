package chat

import (
	"testing"
	"time"
)

// TestQueue_UpdatesOnlyChangedPositionsCoalesced: a change in a long queue
// sends a frame only to the parents whose position changed, and several
// changes within one flush interval reach each of them as one frame.
func TestQueue_UpdatesOnlyChangedPositionsCoalesced(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.FlushDelay = 150 * time.Millisecond })
	const n = 60
	parents := make([]*client, n)
	for i := range parents {
		parents[i] = h.parent()
		parents[i].send(map[string]any{"type": "hello", "audience": "young"})
		parents[i].expect("welcome")
	}
	for i, p := range parents {
		p.expectWhere("queued", func(m map[string]any) bool { return m["position"] == float64(i+1) })
	}

	// The last one leaves: nobody else's place changes, nobody hears of it.
	parents[n-1].send(map[string]any{"type": "end"})
	parents[n-1].expect("ended")
	for _, p := range parents[:n-1] {
		p.quiet("queued", 10*time.Millisecond)
	}
	parents[0].quiet("queued", 300*time.Millisecond)

	// Three leave from the middle at once: those before them hear nothing,
	// those after them one frame each with their final place.
	for _, i := range []int{10, 20, 30} {
		parents[i].send(map[string]any{"type": "end"})
	}
	for _, i := range []int{10, 20, 30} {
		parents[i].expect("ended")
	}
	time.Sleep(400 * time.Millisecond) // two flush intervals
	count := func(p *client) (frames int, last float64) {
		for {
			select {
			case m := <-p.frames:
				if m["type"] == "queued" {
					frames++
					last = m["position"].(float64)
				}
			default:
				return
			}
		}
	}
	for i, p := range parents[:n-1] {
		frames, pos := count(p)
		switch {
		case i < 10:
			if frames != 0 {
				t.Errorf("parent %d (place unchanged) got %d queued frames", i+1, frames)
			}
		case i == 10 || i == 20 || i == 30:
		default:
			want := float64(i + 1)
			for _, gone := range []int{10, 20, 30} {
				if i > gone {
					want--
				}
			}
			if frames != 1 || pos != want {
				t.Errorf("parent %d: %d frames, last position %v; want 1 frame with %v", i+1, frames, pos, want)
			}
		}
	}
}
