//go:build linux

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"parentline/internal/load"
)

// loadServer starts the real server with the limits chatload uses and
// three counsellor accounts load001…load003.
func loadServer(t *testing.T) *testServer {
	t.Helper()
	data := t.TempDir()
	for i := 1; i <= 3; i++ {
		addUser(t, data, fmt.Sprintf("load%03d", i), fmt.Sprintf("Load %d", i), "counselor", "load-test-password")
	}
	return startServer(t, data, "--max-chats", "20", "--parent-rate", "1000", "--parent-burst", "1000",
		"--counselor-rate", "100000", "--counselor-burst", "100000")
}

// checkAllDelivered asserts that every message arrived and was acknowledged,
// and that nothing went wrong on any socket.
func checkAllDelivered(t *testing.T, res load.Result) {
	t.Helper()
	t.Logf("%+v", res)
	if res.Sent == 0 || res.Received != res.Sent || res.Lost != 0 {
		t.Errorf("sent %d, received %d, lost %d; want everything delivered", res.Sent, res.Received, res.Lost)
	}
	if res.Acks != res.Sent {
		t.Errorf("%d acknowledgements for %d messages", res.Acks, res.Sent)
	}
	if res.ChatsUsed != res.Chats {
		t.Errorf("%d of %d chats carried messages both ways", res.ChatsUsed, res.Chats)
	}
	if res.OutOfOrder != 0 || res.SendErrors != 0 || res.Disconnects != 0 || len(res.Errors) != 0 {
		t.Errorf("out of order %d, send errors %d, disconnects %d, errors %v; want none",
			res.OutOfOrder, res.SendErrors, res.Disconnects, res.Errors)
	}
	if !(0 < res.P50US && res.P50US <= res.P99US && res.P99US <= res.MaxUS) {
		t.Errorf("percentiles out of order: p50 %v p99 %v max %v", res.P50US, res.P99US, res.MaxUS)
	}
}

func TestLoad_ParentlineOpen(t *testing.T) {
	ts := loadServer(t)
	res, err := load.Run(context.Background(), load.Config{
		Target: load.Parentline, Mode: load.Open, URL: ts.base, Password: "load-test-password",
		Chats: 50, Rate: 500, Duration: 2 * time.Second, Warmup: 200 * time.Millisecond, Drain: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAllDelivered(t, res)
	if res.Goroutines == 0 {
		t.Error("no goroutine count from /metrics")
	}
}

func TestLoad_ParentlineChurn(t *testing.T) {
	ts := loadServer(t)
	res, err := load.Run(context.Background(), load.Config{
		Target: load.Parentline, Mode: load.Churn, URL: ts.base, Password: "load-test-password",
		Chats: 10, Rate: 100, ChurnRate: 10, Duration: time.Second, Warmup: 100 * time.Millisecond, Drain: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAllDelivered(t, res)
	if res.ChurnStarted == 0 || res.ChurnDone != res.ChurnStarted || res.ChurnFailed != 0 {
		t.Errorf("churn: started %d, done %d, failed %d; want every churn chat closed", res.ChurnStarted, res.ChurnDone, res.ChurnFailed)
	}
}
