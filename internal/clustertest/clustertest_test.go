//go:build linux

package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"parentline/internal/redistest"
)

// loginStatus posts a staff login to the node and returns the status.
func loginStatus(t *testing.T, base, username, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := http.Post(base+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventually reports whether ok becomes true within 10 s (polled every 20 ms).
func eventually(ok func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// A node on its own (no --redis) goes through the whole life the harness
// offers: accounts added before it starts, its log captured, paused and
// resumed, restarted on the same address, stopped in order, killed; and
// after each end its process is gone.
func TestNode_Lifecycle(t *testing.T) {
	data := t.TempDir()
	AddUser(t, data, "anna", "Anna", "counselor", "correct horse battery")
	n := StartStore(t, "", "--data", data)
	if n.Data() != data || n.Role() != Store {
		t.Errorf("data %q role %q", n.Data(), n.Role())
	}
	if !strings.HasPrefix(n.Base(), "http://127.0.0.1:") || strings.HasSuffix(n.Base(), ":0") {
		t.Errorf("base URL %q", n.Base())
	}
	// The banner (standard output) and the log (standard error) are read
	// by two goroutines, so either may lag the address the node was found at.
	n.WaitLog(`"message":"parentline serving"`)
	if !eventually(func() bool { return strings.Contains(n.Stdout(), n.Base()) }) {
		t.Errorf("the banner was not captured:\n%s", n.Stdout())
	}
	if got := loginStatus(t, n.Base(), "anna", "correct horse battery"); got != http.StatusOK {
		t.Errorf("login with the account added before the start: %d", got)
	}
	n.WaitLog(`"route":"POST /api/login"`)

	first := n.PID()
	n.Pause()
	if got := n.Readyz(); got != 0 {
		t.Errorf("a paused node answered /readyz with %d", got)
	}
	n.Resume()
	n.WaitReady()

	base := n.Base()
	n.Restart()
	second := n.PID()
	if second == first || Alive(first) {
		t.Errorf("restart: pid %d then %d (the first alive: %v)", first, second, Alive(first))
	}
	if n.Base() != base {
		t.Errorf("restarted on %s, was %s", n.Base(), base)
	}
	if got := loginStatus(t, n.Base(), "anna", "correct horse battery"); got != http.StatusOK {
		t.Errorf("login after the restart: %d", got)
	}
	if !eventually(func() bool { return strings.Count(n.Logs(), `"message":"parentline serving"`) == 2 }) {
		t.Errorf("the log does not hold both starts:\n%s", n.Logs())
	}

	if err := n.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if n.Running() || Alive(second) {
		t.Errorf("stopped, yet pid %d alive", second)
	}
	if !strings.Contains(n.Logs(), "parentline stopped") {
		t.Error("SIGTERM did not end the node in order")
	}

	n.AddUser("bo", "Bo", "counselor", "another long password")
	n.Restart()
	if got := loginStatus(t, n.Base(), "bo", "another long password"); got != http.StatusOK {
		t.Errorf("login with an account added between stop and restart: %d", got)
	}
	third := n.PID()
	n.Kill()
	if n.Running() || Alive(third) {
		t.Errorf("killed, yet pid %d alive", third)
	}
	n.Kill() // a second kill is harmless
}

// A store node and a chat node on one Redis: both ready, the chat node with
// no data directory (nothing written in its working directory), and a
// killed chat node restarts on its address while the store node serves on.
func TestNode_StoreAndChatNode(t *testing.T) {
	r := redistest.Start(t)
	store := StartStore(t, r.URL())
	chat := StartChat(t, r.URL())
	if chat.Role() != Chat || chat.Data() != "" || store.Data() == "" {
		t.Errorf("chat node: role %q data %q; store data %q", chat.Role(), chat.Data(), store.Data())
	}
	if !build.hasRole {
		t.Log("this parentline has no serve --role: the chat node ran as a second store node")
	}
	chat.WaitLog("parentline serving")
	pid, base := chat.PID(), chat.Base()
	chat.Kill()
	if Alive(pid) || chat.Running() {
		t.Fatalf("killed chat node %d alive", pid)
	}
	if got := store.Readyz(); got != http.StatusOK {
		t.Errorf("store node /readyz %d with the chat node gone", got)
	}
	chat.Restart()
	if chat.Base() != base || chat.PID() == pid {
		t.Errorf("restarted at %s pid %d; was %s pid %d", chat.Base(), chat.PID(), base, pid)
	}
	if build.hasRole {
		if entries, _ := os.ReadDir(chat.dir); len(entries) != 0 {
			t.Errorf("the chat node wrote into its working directory: %v", entries)
		}
	}
}

// The test's cleanup kills the node.
func TestNode_CleanupKills(t *testing.T) {
	var pid int
	t.Run("node", func(t *testing.T) {
		n := StartStore(t, "")
		pid = n.PID()
	})
	if pid == 0 || Alive(pid) {
		t.Errorf("pid %d alive after its test ended", pid)
	}
}

// A node does not outlive its test process, even one that is killed
// (SIGKILL, no cleanup): the kernel kills it with its parent.
func TestNode_DiesWithTheTestProcess(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	helper.Env = append(os.Environ(), "CLUSTERTEST_HELPER=1", BinaryEnv+"="+Binary(t))
	helper.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { helper.Process.Kill(); helper.Wait() })
	pids := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "NODE PID "); ok {
				pid, _ := strconv.Atoi(rest)
				pids <- pid
			}
		}
		close(pids)
	}()
	var pid int
	select {
	case pid = <-pids:
	case <-time.After(30 * time.Second):
		t.Fatal("the helper did not start a node within 30s")
	}
	if pid == 0 || !Alive(pid) {
		t.Fatalf("the helper's node %d is not running", pid)
	}
	helper.Process.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for Alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("node %d outlived its killed test process", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHelperProcess is the test process TestNode_DiesWithTheTestProcess
// kills: it starts a node, says its PID and waits.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("CLUSTERTEST_HELPER") != "1" {
		t.Skip("run by TestNode_DiesWithTheTestProcess")
	}
	n := StartStore(t, "")
	os.Stdout.WriteString("NODE PID " + strconv.Itoa(n.PID()) + "\n")
	time.Sleep(time.Minute)
}

func TestFlagValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "/a"}, "/a"},
		{[]string{"-data", "/a"}, "/a"},
		{[]string{"--data=/b"}, "/b"},
		{[]string{"--data", "/a", "--data=/b"}, "/b"},
		{[]string{"--metrics-addr", "x", "--database", "y"}, ""},
		{[]string{"--data"}, ""},
	} {
		if got := flagValue(tc.args, "data"); got != tc.want {
			t.Errorf("flagValue(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestAddresses(t *testing.T) {
	if got := logAddr(`{"level":"info","addr":"127.0.0.1:4321","data":"/d","message":"parentline serving"}` + "\n"); got != "127.0.0.1:4321" {
		t.Errorf("logAddr = %q", got)
	}
	if got := logAddr(`{"level":"info","addr":"127.0.0.1:4321","message":"something else"}`); got != "" {
		t.Errorf("logAddr of another line = %q", got)
	}
	if got := bannerAddr("  Demo page with the chat widget:  http://127.0.0.1:5555/\n"); got != "127.0.0.1:5555" {
		t.Errorf("bannerAddr = %q", got)
	}
	if got := bannerAddr("  see http://example.com/"); got != "" {
		t.Errorf("bannerAddr of a remote URL = %q", got)
	}
}

// ScanRedis finds a planted marker in every type of key, in a key's name,
// a hash's field name and a stream's consumer group, and nothing in the
// keys without one.
func TestScanRedis_FindsMarkersInEveryType(t *testing.T) {
	r := redistest.Start(t)
	c := r.Client()
	ctx := context.Background()
	const (
		text  = "MARK-TEXT"
		name  = "MARK-NAME"
		field = "MARK-FIELD"
		group = "MARK-GROUP"
		cons  = "MARK-CONSUMER"
	)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Set(ctx, "s:marked", "said: "+text+" today", 0).Err())
	must(c.Set(ctx, "s:plain", "nothing to see", 0).Err())
	must(c.Set(ctx, "k:"+name, "v", 0).Err())
	must(c.HSet(ctx, "h:marked", "f", text, "g", "x").Err())
	must(c.HSet(ctx, "h:field", field, "v").Err())
	must(c.HSet(ctx, "h:plain", "f", "v").Err())
	must(c.RPush(ctx, "l:marked", "a", "b "+text).Err())
	must(c.RPush(ctx, "l:plain", "a", "b").Err())
	must(c.SAdd(ctx, "set:marked", text, "b").Err())
	must(c.SAdd(ctx, "set:plain", "a", "b").Err())
	must(c.ZAdd(ctx, "z:marked", redis.Z{Score: 1, Member: text}, redis.Z{Score: 2, Member: "b"}).Err())
	must(c.ZAdd(ctx, "z:plain", redis.Z{Score: 1, Member: "a"}).Err())
	must(c.XAdd(ctx, &redis.XAddArgs{Stream: "x:marked", Values: []any{"text", text}}).Err())
	must(c.XAdd(ctx, &redis.XAddArgs{Stream: "x:group", Values: []any{"a", "b"}}).Err())
	must(c.XGroupCreate(ctx, "x:group", group, "0").Err())
	must(c.XAdd(ctx, &redis.XAddArgs{Stream: "x:consumer", Values: []any{"a", "b"}}).Err())
	must(c.XGroupCreate(ctx, "x:consumer", "store", "0").Err())
	must(c.XGroupCreateConsumer(ctx, "x:consumer", "store", cons).Err())
	must(c.XAdd(ctx, &redis.XAddArgs{Stream: "x:plain", Values: []any{"a", "b"}}).Err())
	must(c.XGroupCreate(ctx, "x:plain", "store", "0").Err())

	keys, err := Keys(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"h:field", "h:marked", "h:plain", "k:" + name, "l:marked", "l:plain", "s:marked", "s:plain",
		"set:marked", "set:plain", "x:consumer", "x:group", "x:marked", "x:plain", "z:marked", "z:plain"}
	if !slices.Equal(keys, want) {
		t.Errorf("Keys = %v\nwant %v", keys, want)
	}

	found, err := ScanRedis(ctx, c, text, name, field, group, cons, "MARK-ABSENT")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		t.Log(f)
		if f.In != "dump" {
			got = append(got, f.Key+" "+f.Type+" "+f.In+" "+f.Marker)
		}
	}
	wantFound := []string{
		"h:field hash value " + field,
		"h:marked hash value " + text,
		"k:" + name + " string name " + name,
		"l:marked list value " + text,
		"s:marked string value " + text,
		"set:marked set value " + text,
		"x:consumer stream value " + cons,
		"x:group stream value " + group,
		"x:marked stream value " + text,
		"z:marked zset value " + text,
	}
	if !slices.Equal(got, wantFound) {
		t.Errorf("found\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(wantFound, "\n  "))
	}
	for _, f := range found {
		if f.In == "dump" && !slices.Contains(wantFound, f.Key+" "+f.Type+" value "+f.Marker) {
			t.Errorf("DUMP finding where the value holds none: %v", f)
		}
	}
	if none, err := ScanRedis(ctx, c, "MARK-ABSENT"); err != nil || len(none) != 0 {
		t.Errorf("an absent marker: %v, %v", none, err)
	}
}
