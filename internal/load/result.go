//go:build linux

package load

import (
	"math"
	"time"
)

// Result is what one run measured; cmd/chatload prints it as one JSON line.
// Latencies are in microseconds; server figures are present only when the
// server's PID was given (goroutines only for parentline, from its /metrics).
// With several server processes, CPU time, memory and goroutines are sums.
type Result struct {
	Target    Target  `json:"target"`
	Mode      Mode    `json:"mode"`
	Nodes     int     `json:"nodes,omitempty"` // nodes of one service, when more than one
	Chats     int     `json:"chats"`
	Conns     int     `json:"conns"` // sockets the tool held open
	Rate      float64 `json:"rate,omitempty"`
	ChurnRate float64 `json:"churn_rate,omitempty"`
	DurationS float64 `json:"duration_s"`

	Sent        int64            `json:"sent"`
	Received    int64            `json:"received"`
	Lost        int64            `json:"lost"`
	Acks        int64            `json:"acks,omitempty"`         // parentline's echo of the sender's own message
	OutOfOrder  int64            `json:"out_of_order,omitempty"` // repeated or reordered messages
	SendErrors  int64            `json:"send_errors,omitempty"`
	Disconnects int64            `json:"disconnects,omitempty"` // sockets the server closed during the run
	Errors      map[string]int64 `json:"errors,omitempty"`      // error frames by code, and other trouble
	ChatsUsed   int              `json:"chats_used,omitempty"`  // chats with messages delivered both ways

	P50US        float64 `json:"p50_us"`
	P90US        float64 `json:"p90_us"`
	P99US        float64 `json:"p99_us"`
	P999US       float64 `json:"p999_us"`
	MaxUS        float64 `json:"max_us"`
	SendLagP99US float64 `json:"send_lag_p99_us,omitempty"` // how late the tool itself sent (open loop)
	MsgsPerS     float64 `json:"msgs_per_s"`

	ChurnStarted int64   `json:"churn_started,omitempty"`
	ChurnDone    int64   `json:"churn_done,omitempty"`
	ChurnFailed  int64   `json:"churn_failed,omitempty"`
	ChurnP50US   float64 `json:"churn_p50_us,omitempty"` // a whole short chat, from dial to closed
	ChurnP99US   float64 `json:"churn_p99_us,omitempty"`

	CPUS            float64   `json:"cpu_s,omitempty"`      // summed over the server processes
	CPUSEach        []float64 `json:"cpu_s_each,omitempty"` // each process apart (ServerPID, then ServerPIDs), when more than one
	CPUUSPerMsg     float64   `json:"cpu_us_per_msg,omitempty"`
	RSSBeforeBytes  int64     `json:"rss_before_bytes,omitempty"`
	RSSBytes        int64     `json:"rss_bytes,omitempty"`
	RSSPerConnBytes float64   `json:"rss_per_conn_bytes,omitempty"`
	Goroutines      int64     `json:"goroutines,omitempty"`
	ToolCPUS        float64   `json:"tool_cpu_s,omitempty"` // the load tool's own CPU time over the same window

	Soak *SoakReport `json:"soak,omitempty"`
}

// SoakReport is what a soak saw: samples under load and after everyone left.
type SoakReport struct {
	Baseline           Sample   `json:"baseline"` // before anyone connected
	Samples            []Sample `json:"samples"`
	RSSReturned        bool     `json:"rss_returned"`        // at least 75 % of the growth given back
	GoroutinesReturned bool     `json:"goroutines_returned"` // within 5 of the baseline
}

// Sample is one look at the server during a soak.
type Sample struct {
	AtS        float64 `json:"at_s"`  // seconds since the load started (negative: before)
	Phase      string  `json:"phase"` // "baseline", "load" or "after"
	RSSBytes   int64   `json:"rss_bytes"`
	Goroutines int64   `json:"goroutines"`
	Sent       int64   `json:"sent"`
	Received   int64   `json:"received"`
}

// latencies fills the latency fields from h.
func (res *Result) latencies(h *histogram) {
	res.P50US = micros(h.quantile(0.50))
	res.P90US = micros(h.quantile(0.90))
	res.P99US = micros(h.quantile(0.99))
	res.P999US = micros(h.quantile(0.999))
	res.MaxUS = micros(h.quantile(1))
}

// micros turns nanoseconds into microseconds with one decimal.
func micros(ns float64) float64 { return math.Round(ns/100) / 10 }

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
