package testkit

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

var _ io.Writer = (*LogBuffer)(nil)

func TestClock_NowAdvanceSet(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: Now() = %v, want %v", got, want)
	}
	c.Advance(-30 * time.Minute)
	if got, want := c.Now(), start.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("after a negative Advance: Now() = %v, want %v", got, want)
	}
	later := start.Add(48 * time.Hour)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Fatalf("after Set: Now() = %v, want %v", got, later)
	}
	c.Set(start) // Set may also move the clock back
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("after Set back: Now() = %v, want %v", got, start)
	}

	var zero Clock
	if !zero.Now().IsZero() {
		t.Fatalf("zero Clock: Now() = %v, want the zero time", zero.Now())
	}
	zero.Advance(time.Second)
	if got := zero.Now(); !got.Equal(time.Time{}.Add(time.Second)) {
		t.Fatalf("zero Clock after Advance: Now() = %v", got)
	}
}

// TestClock_Concurrent moves the clock from many goroutines while others
// read it; the race detector checks the locking, the sum checks that no
// step was lost.
func TestClock_Concurrent(t *testing.T) {
	const goroutines, steps = 8, 200
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c := NewClock(start)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range steps {
				c.Advance(time.Second)
			}
		})
		wg.Go(func() {
			for range steps {
				if c.Now().Before(start) {
					t.Error("the clock went back before its start")
					return
				}
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(goroutines*steps*time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("after Set, Now() = %v", c.Now())
	}
}

func TestLogBuffer_WriteStringBytes(t *testing.T) {
	var b LogBuffer
	if b.String() != "" || len(b.Bytes()) != 0 {
		t.Fatalf("zero LogBuffer: %q, want empty", b.String())
	}
	n, err := b.Write([]byte("hello "))
	if n != 6 || err != nil {
		t.Fatalf("Write = %d, %v; want 6, nil", n, err)
	}
	fmt.Fprintf(&b, "world %d\n", 42)
	if got, want := b.String(), "hello world 42\n"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	got := b.Bytes()
	if !bytes.Equal(got, []byte("hello world 42\n")) {
		t.Fatalf("Bytes() = %q", got)
	}
	got[0] = 'J' // a copy: changing it changes nothing kept
	if b.String() != "hello world 42\n" {
		t.Fatalf("changing what Bytes returned changed the buffer: %q", b.String())
	}
}

// TestLogBuffer_Concurrent writes whole lines from many goroutines while
// others read; every line must arrive whole and exactly once.
func TestLogBuffer_Concurrent(t *testing.T) {
	const goroutines, lines = 8, 200
	var b LogBuffer
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(&b, "goroutine %d line %d\n", g, i)
			}
		})
		wg.Go(func() {
			for range lines {
				_ = b.String()
				_ = b.Bytes()
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		seen[l]++
	}
	if len(seen) != goroutines*lines {
		t.Fatalf("%d distinct lines, want %d", len(seen), goroutines*lines)
	}
	for g := range goroutines {
		for i := range lines {
			if l := fmt.Sprintf("goroutine %d line %d", g, i); seen[l] != 1 {
				t.Fatalf("%q seen %d times, want once", l, seen[l])
			}
		}
	}
}
