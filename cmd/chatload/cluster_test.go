//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parentline/internal/clustertest"
	"parentline/internal/load"
)

const testPassword = "load-test-password"

// loadNode starts a parentline node on its own (no --redis) with the
// limits chatload's benchmarks use and counsellor accounts load001…loadNNN.
func loadNode(t *testing.T, counsellors int) *clustertest.Node {
	t.Helper()
	data := t.TempDir()
	for i := 1; i <= counsellors; i++ {
		clustertest.AddUser(t, data, fmt.Sprintf("load%03d", i), fmt.Sprintf("Load %d", i), "counselor", testPassword)
	}
	return clustertest.StartStore(t, "", append([]string{"--data", data, "--log-level", "info"}, serveFlags...)...)
}

// runTool runs chatload in-process and returns its exit code and output.
func runTool(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, args, &out, &errOut)
	if code != exitOK {
		t.Logf("chatload %s: exit %d; stderr:\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return code, out.String()
}

// checkDelivered asserts that every message arrived, once and in order,
// with nothing wrong on any socket.
func checkDelivered(t *testing.T, res load.Result) {
	t.Helper()
	if res.Sent == 0 || res.Received != res.Sent || res.Lost != 0 || res.Acks != res.Sent {
		t.Errorf("sent %d, received %d, lost %d, acks %d; want everything delivered and acknowledged", res.Sent, res.Received, res.Lost, res.Acks)
	}
	if res.ChatsUsed != res.Chats || res.OutOfOrder != 0 || res.SendErrors != 0 || res.Disconnects != 0 || len(res.Errors) != 0 {
		t.Errorf("chats used %d of %d, out of order %d, send errors %d, disconnects %d, errors %v",
			res.ChatsUsed, res.Chats, res.OutOfOrder, res.SendErrors, res.Disconnects, res.Errors)
	}
	if res.P50US <= 0 || res.P99US < res.P50US {
		t.Errorf("p50 %v p99 %v", res.P50US, res.P99US)
	}
}

// `chatload run --url` given once drives a single node as before.
func TestRun_OneNodeOneURL(t *testing.T) {
	n := loadNode(t, 2)
	code, out := runTool(t, "run", "--url", n.Base(), "--password", testPassword, "--server-pid", strconv.Itoa(n.PID()),
		"--chats", "20", "--rate", "200", "--duration", "1s", "--warmup", "200ms", "--drain", "10s", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var res load.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("%s", out)
	checkDelivered(t, res)
	if res.Nodes != 0 || res.CPUS <= 0 || len(res.CPUSEach) != 0 || res.Goroutines == 0 {
		t.Errorf("nodes %d, cpu %v (each %v), goroutines %d", res.Nodes, res.CPUS, res.CPUSEach, res.Goroutines)
	}
}

// The same node under two URLs is a two-node run as the tool sees it:
// parents alternate between the URLs and every counsellor is on the other
// one, so the multi-node path runs end to end on a single server.
func TestRun_OneNodeUnderTwoURLs(t *testing.T) {
	n := loadNode(t, 2)
	_, port, _ := strings.Cut(n.Addr(), ":")
	code, out := runTool(t, "run", "--url", n.Base()+",http://localhost:"+port, "--password", testPassword,
		"--login-url", n.Base(), "--server-pid", strconv.Itoa(n.PID()),
		"--chats", "20", "--rate", "200", "--duration", "1s", "--warmup", "200ms", "--drain", "10s", "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var res load.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	checkDelivered(t, res)
	if res.Nodes != 2 || res.Goroutines == 0 {
		t.Errorf("nodes %d, goroutines %d (both URLs' /metrics summed)", res.Nodes, res.Goroutines)
	}
}

func TestRun_BadURLsAndPIDs(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--url", " , ", "--password", "x"},
		{"run", "--url", "http://127.0.0.1:1", "--server-pid", "12,abc", "--password", "x"},
		{"run", "--url", "http://127.0.0.1:1,http://10.0.0.1:2", "--password", "x", "--quiet"},
	} {
		if code, _ := runTool(t, args...); code == exitOK {
			t.Errorf("%q: exit 0", args)
		}
	}
}

func TestSplitURLsAndPIDs(t *testing.T) {
	one, several, err := splitURLs("http://127.0.0.1:1")
	if err != nil || one != "http://127.0.0.1:1" || several != nil {
		t.Errorf("one URL: %q %q %v", one, several, err)
	}
	one, several, err = splitURLs(" http://127.0.0.1:1, http://127.0.0.1:2 ,")
	if err != nil || one != "" || !slices.Equal(several, []string{"http://127.0.0.1:1", "http://127.0.0.1:2"}) {
		t.Errorf("two URLs: %q %q %v", one, several, err)
	}
	first, more, err := splitPIDs("10, 11,12")
	if err != nil || first != 10 || !slices.Equal(more, []int{11, 12}) {
		t.Errorf("pids: %d %v %v", first, more, err)
	}
	if first, more, err := splitPIDs(""); err != nil || first != 0 || more != nil {
		t.Errorf("no pids: %d %v %v", first, more, err)
	}
	if _, _, err := splitPIDs("-3"); err == nil {
		t.Error("a negative pid was taken")
	}
}

func TestParseNodes(t *testing.T) {
	if got, err := parseNodes("1, 2,3"); err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("parseNodes: %v %v", got, err)
	}
	for _, bad := range []string{"", "0", "9", "two"} {
		if _, err := parseNodes(bad); err == nil {
			t.Errorf("parseNodes(%q) took it", bad)
		}
	}
}

func TestParseCommandStats(t *testing.T) {
	info := "# Commandstats\r\n" +
		"cmdstat_xadd:calls=30,usec=300,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_info:calls=4,usec=40,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setinfo:calls=2,usec=2,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_exec:calls=15,usec=3,usec_per_call=0.20\r\n"
	got := parseCommandStats(info)
	want := map[string]int64{"xadd": 30, "client|setinfo": 2, "exec": 15}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d", k, got[k], v)
		}
	}
}

func TestSplitCPU(t *testing.T) {
	run := clusterRun{Nodes: 2, Result: load.Result{MsgsPerS: 1000, DurationS: 10, CPUS: 0.6, CPUSEach: []float64{0.3, 0.2, 0.1}},
		RedisCalls: map[string]int64{"xadd": 20_000, "multi": 10_000, "exec": 10_000, "xread": 500}}
	splitCPU(&run)
	if run.NodeCPUUSPerMsg != 50 || run.RedisCPUUSPerMsg != 10 || run.RedisCmdsPerMsg != 4.05 {
		t.Errorf("nodes %v µs/msg, redis %v µs/msg, %v cmds/msg; want 50, 10, 4.05", run.NodeCPUUSPerMsg, run.RedisCPUUSPerMsg, run.RedisCmdsPerMsg)
	}
}

// Two nodes of 20 chats need two counsellors; three need three; the
// accounts cover the largest cluster.
func TestCounselorsFor(t *testing.T) {
	cfg := defaultConfig()
	cfg.Chats, cfg.MaxChats = 300, 20
	if got := counselorsFor(cfg, []int{1}); got != 15 {
		t.Errorf("one node: %d", got)
	}
	if got := counselorsFor(cfg, []int{1, 2, 3}); got != 16 {
		t.Errorf("1, 2 and 3 nodes: %d, want 16", got)
	}
}

// needRedis skips (fails under CI=true) without redis-server.
func needRedis(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server is not installed (apt-get install redis-server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// clusterRuns runs `chatload cluster` and returns its JSON lines and table.
func clusterRuns(t *testing.T, nodes string) ([]clusterRun, string) {
	t.Helper()
	code, out := runTool(t, "cluster", "--parentline", clustertest.Binary(t), "--nodes", nodes, "--pin=false",
		"--chats", "12", "--rate", "120", "--duration", "1s", "--warmup", "200ms", "--drain", "5s")
	var runs []clusterRun
	var table strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "{") {
			table.WriteString(line + "\n")
			continue
		}
		var r clusterRun
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		t.Logf("%s", line)
		runs = append(runs, r)
	}
	t.Logf("%s", table.String())
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	return runs, table.String()
}

// checkCluster asserts a cluster run's figures: everything delivered, CPU
// of every node and of redis-server, and Redis's command count read.
func checkCluster(t *testing.T, r clusterRun, nodes int) {
	t.Helper()
	if r.Nodes != nodes || r.Error != "" {
		t.Fatalf("nodes %d (want %d), error %q", r.Nodes, nodes, r.Error)
	}
	checkDelivered(t, r.Result)
	if len(r.CPUSEach) != nodes+1 || r.CPUUSPerMsg <= 0 || r.NodeCPUUSPerMsg <= 0 {
		t.Errorf("CPU: each %v, %v µs/msg (nodes %v)", r.CPUSEach, r.CPUUSPerMsg, r.NodeCPUUSPerMsg)
	}
	if r.RedisCalls == nil {
		t.Error("no INFO commandstats over the window")
	}
}

// `chatload cluster --nodes 1`: a fresh redis-server and a store node with
// --redis, the accounts created, the load run, one JSON line and the table.
func TestCluster_OneNode(t *testing.T) {
	needRedis(t)
	runs, table := clusterRuns(t, "1")
	if len(runs) != 1 {
		t.Fatalf("%d JSON lines, want 1", len(runs))
	}
	checkCluster(t, runs[0], 1)
	if !strings.Contains(table, "redis cmds/msg") || !strings.Contains(table, "msgs/s") {
		t.Errorf("no table:\n%s", table)
	}
}

// `chatload cluster --nodes 2,3` once serve has --role (the cluster chat
// engine): every message crosses from one node to another.
func TestCluster_TwoAndThreeNodes(t *testing.T) {
	needRedis(t)
	ok, err := knowsServeFlag(context.Background(), clustertest.Binary(t), "role")
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("parentline serve has no --role yet: no chat nodes to run")
	}
	runs, _ := clusterRuns(t, "2,3")
	if len(runs) != 2 {
		t.Fatalf("%d JSON lines, want 2", len(runs))
	}
	checkCluster(t, runs[0], 2)
	checkCluster(t, runs[1], 3)
	for _, r := range runs {
		if r.RedisCmdsPerMsg <= 0 {
			t.Errorf("%d nodes: %v Redis commands per message: the messages did not go through Redis", r.Nodes, r.RedisCmdsPerMsg)
		}
	}
}
