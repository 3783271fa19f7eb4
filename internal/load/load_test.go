//go:build linux

package load

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"parentline/internal/relayfloor"
)

// checkDelivery asserts that everything sent arrived, once, in order, and
// that the percentiles are ordered and positive.
func checkDelivery(t *testing.T, res Result) {
	t.Helper()
	t.Logf("%+v", res)
	if res.Sent == 0 || res.Received != res.Sent || res.Lost != 0 {
		t.Errorf("sent %d, received %d, lost %d; want all delivered", res.Sent, res.Received, res.Lost)
	}
	if res.OutOfOrder != 0 || res.SendErrors != 0 || res.Disconnects != 0 || len(res.Errors) != 0 {
		t.Errorf("out of order %d, send errors %d, disconnects %d, errors %v; want none",
			res.OutOfOrder, res.SendErrors, res.Disconnects, res.Errors)
	}
	if res.ChatsUsed != res.Chats {
		t.Errorf("%d of %d chats carried messages both ways", res.ChatsUsed, res.Chats)
	}
	if !(0 < res.P50US && res.P50US <= res.P90US && res.P90US <= res.P99US && res.P99US <= res.P999US && res.P999US <= res.MaxUS) {
		t.Errorf("percentiles out of order: p50 %v p90 %v p99 %v p99.9 %v max %v", res.P50US, res.P90US, res.P99US, res.P999US, res.MaxUS)
	}
	if res.MsgsPerS <= 0 {
		t.Errorf("msgs_per_s = %v", res.MsgsPerS)
	}
}

func floorServer(t *testing.T) string {
	srv := httptest.NewServer(relayfloor.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLoad_FloorOpen(t *testing.T) {
	res, err := Run(context.Background(), Config{Target: Floor, Mode: Open, URL: floorServer(t),
		Chats: 20, Rate: 400, Duration: time.Second, Warmup: 200 * time.Millisecond, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkDelivery(t, res)
	// The timetable is exact: every chat sends on schedule, warm-up included.
	if want := int64(1.2 * 400); res.Sent != want {
		t.Errorf("sent %d messages, want %d", res.Sent, want)
	}
	if res.Conns != 40 {
		t.Errorf("conns = %d, want 40", res.Conns)
	}
}

func TestLoad_FloorClosed(t *testing.T) {
	res, err := Run(context.Background(), Config{Target: Floor, Mode: Closed, URL: floorServer(t),
		Chats: 20, Duration: time.Second, Warmup: 200 * time.Millisecond, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkDelivery(t, res)
}

func TestLoad_FloorChurnAndIdle(t *testing.T) {
	url := floorServer(t)
	res, err := Run(context.Background(), Config{Target: Floor, Mode: Churn, URL: url,
		Chats: 10, Rate: 100, ChurnRate: 20, Duration: time.Second, Warmup: 100 * time.Millisecond, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkDelivery(t, res)
	if res.ChurnStarted == 0 || res.ChurnDone != res.ChurnStarted || res.ChurnFailed != 0 {
		t.Errorf("churn: started %d, done %d, failed %d", res.ChurnStarted, res.ChurnDone, res.ChurnFailed)
	}
	res, err = Run(context.Background(), Config{Target: Floor, Mode: Idle, URL: url, Chats: 20, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Conns != 20 || res.Disconnects != 0 {
		t.Errorf("idle: conns %d, disconnects %d", res.Conns, res.Disconnects)
	}
}

func TestLoad_RefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:80", "http://example.com:80", "https://127.0.0.1:1", "127.0.0.1:80"} {
		_, err := Run(context.Background(), Config{Target: Floor, Mode: Open, URL: u, Chats: 1, Rate: 1})
		if err == nil {
			t.Errorf("%s: no error", u)
		}
	}
	if err := loopbackOnly("tcp4", "192.0.2.1:80", nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("dialer control let a non-loopback address through: %v", err)
	}
}

func TestHistogram_Accuracy(t *testing.T) {
	var h histogram
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 100_000)
	for i := range vals {
		v := time.Duration(rng.ExpFloat64() * float64(300*time.Microsecond))
		vals[i] = float64(v)
		h.record(v)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		want := exactQuantile(vals, q)
		got := h.quantile(q)
		if rel := (got - want) / want; rel > 0.01 || rel < -0.01 {
			t.Errorf("q%v: histogram %v, exact %v (%.2f%%)", q, got, want, rel*100)
		}
	}
	for _, v := range []int64{0, 1, 127, 128, 255, 256, 1 << 20, 1<<47 - 1} {
		if mid := bucketMid(bucketOf(v)); mid < float64(v)*0.99 || mid > float64(v)*1.01+1 {
			t.Errorf("value %d: bucket middle %v", v, mid)
		}
	}
}

func exactQuantile(vals []float64, q float64) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.999999)
	return s[min(max(rank, 1), len(s))-1]
}

func TestPayload_RoundTrip(t *testing.T) {
	p := payload{chat: 17, seq: 42, sched: 1234567 * time.Nanosecond}
	text := p.text(100)
	if len(text) != 100 {
		t.Errorf("text is %d bytes, want 100", len(text))
	}
	got, ok := parsePayload([]byte(text))
	if !ok || got != p {
		t.Errorf("parsePayload(%q) = %+v, %v", text, got, ok)
	}
	if _, ok := parsePayload([]byte("hello")); ok {
		t.Error("a foreign text parsed")
	}
}

// TestHotPath_NoAllocations keeps building, receiving and measuring a
// message free of allocations, so the tool's garbage collector stays out
// of the latencies.
func TestHotPath_NoAllocations(t *testing.T) {
	r := newRunner(context.Background(), Config{Target: Parentline, TextSize: 100}.withDefaults(), []string{"127.0.0.1:1"}, "")
	list := []*chat{newChat(0, "0123456789abcdef0123456789abcdef", nil, nil)}
	r.chats.Store(&list)
	r.clock.Store(&clock{start: time.Now(), to: time.Hour})
	co := &peer{r: r, side: counselorSide}
	c := list[0]
	prefix := []byte(`{"type":"msg","chat":"0123456789abcdef0123456789abcdef","from":"parent","text":"`)
	out, in := make([]byte, 0, 512), make([]byte, 0, 512)
	seq := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		out = appendMsg(out[:0], "", payload{chat: 0, seq: seq, sched: time.Millisecond}, 100)
		// What the counsellor's socket gets from the server for the parent's message.
		in = append(append(in[:0], prefix...), out[len(`{"type":"msg","text":"`):]...)
		co.dispatch(in, time.Now())
		seq++
	})
	if allocs > 0 {
		t.Errorf("%v allocations per message; want none", allocs)
	}
	if got := c.recv[0].Load(); got != seq {
		t.Errorf("received %d of %d messages", got, seq)
	}
}
