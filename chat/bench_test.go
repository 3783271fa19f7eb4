package chat

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkRelay measures one parent message through the real hub over real
// loopback sockets: parent write → hub → counsellor read. It reports the
// median and 99th percentile of the one-way time seen by the test client.
func BenchmarkRelay(b *testing.B) {
	h := newHarness(b, func(o *Options) { o.ParentRate = 1e9; o.ParentBurst = 1 << 30 })
	co := h.counselor("anna", "Anna", false)
	p := h.parent()
	startChat(b, p, co, "young")
	frame, _ := json.Marshal(map[string]any{"type": "msg", "text": "Hur gör vi med läggningen när han vägrar sova?"})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := p.ws.Write(context.Background(), websocket.MessageText, frame); err != nil {
			b.Fatal(err)
		}
		for {
			m := <-co.frames
			if m["type"] == "msg" {
				break
			}
		}
		lat = append(lat, time.Since(start))
		<-p.frames // the parent's acknowledgement
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkDecodeFrame is the cost of parsing one client message frame.
func BenchmarkDecodeFrame(b *testing.B) {
	frame := []byte(`{"type":"msg","chat":"0123456789abcdef0123456789abcdef","text":"Hur gör vi med läggningen när han vägrar sova?","id":"c17"}`)
	b.ReportAllocs()
	for range b.N {
		if _, err := decodeFrame(frame); err != nil {
			b.Fatal(err)
		}
	}
}
