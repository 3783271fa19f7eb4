//go:build linux

// Package clustertest runs real parentline nodes (store node, chat nodes) as child processes on loopback for tests,
// to be killed, paused and restarted as in production faults, and searches all that Redis holds for marker strings.
//
// The binary is built once per test process from this module (or taken from
// $CLUSTERTEST_BINARY; $CLUSTERTEST_RACE=1 builds it with -race). Every node
// runs in its own process group with Pdeathsig=SIGKILL and is killed at its
// test's cleanup, so no node outlives its test, not even a killed test
// process. Linux only.
package clustertest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parentline/internal/redistest"
)

// Role is what a node is in the cluster.
type Role string

// Roles.
const (
	Store Role = "store" // owns --data; with --redis it applies what chat nodes send
	Chat  Role = "chat"  // --redis URL --role chat: no data directory of its own
)

// Bounds on every wait, so that a hung node fails its test instead of the
// whole test binary's timeout.
const (
	listenTimeout = 15 * time.Second // from start until the node says where it listens
	readyTimeout  = 15 * time.Second // /readyz answering 200
	stopTimeout   = 20 * time.Second // SIGTERM until exit (the server's own shutdown allows 15 s)
	killTimeout   = 10 * time.Second // SIGKILL until the process is reaped
	buildTimeout  = 5 * time.Minute  // a cold build on a small CI machine
	logTail       = 64 << 10         // how much of a node's log a failed test prints
)

// BinaryEnv names a prebuilt parentline binary to use instead of building
// one; with RaceEnv=1 the build has the race detector (slower nodes, and a
// race a node reports fails its test).
const (
	BinaryEnv = "CLUSTERTEST_BINARY"
	RaceEnv   = "CLUSTERTEST_RACE"
)

var build struct {
	once    sync.Once
	path    string
	hasRole bool // serve knows --role (chat nodes run with --role chat)
	err     error
}

// Binary returns the parentline binary the nodes run: $CLUSTERTEST_BINARY
// when set, otherwise this module's ./cmd/parentline built once per test
// process into a temporary directory (removed by a later test process once
// this one has exited). A failed build fails the test.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		build.path, build.err = binary()
		if build.err == nil {
			build.hasRole, build.err = knowsFlag(build.path, "role")
		}
	})
	if build.err != nil {
		t.Fatalf("clustertest: %v", build.err)
	}
	return build.path
}

func binary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("$%s: %w", BinaryEnv, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("$%s: %w", BinaryEnv, err)
		}
		return abs, nil
	}
	sweepStaleBuilds()
	dir, err := os.MkdirTemp("", buildDirPrefix())
	if err != nil {
		return "", fmt.Errorf("build directory: %w", err)
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(dir, "parentline")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	// The import path works from any directory inside the module, which is
	// where go test runs a test binary.
	args := []string{"build", "-o", out}
	if os.Getenv(RaceEnv) == "1" {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, goCmd, append(args, "parentline/cmd/parentline")...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("building parentline: %w\n%s", err, msg)
	}
	return out, nil
}

var clusterKey struct {
	once sync.Once
	path string
	err  error
}

// KeyFile is a cluster key file (hex) every node this test process starts
// shares, in a directory swept like the build's once the process is gone.
func KeyFile(t testing.TB) string {
	t.Helper()
	clusterKey.once.Do(func() {
		dir, err := os.MkdirTemp("", buildDirPrefix())
		if err != nil {
			clusterKey.err = fmt.Errorf("key directory: %w", err)
			return
		}
		key := make([]byte, 32)
		rand.Read(key)
		clusterKey.path = filepath.Join(dir, "cluster.key")
		clusterKey.err = os.WriteFile(clusterKey.path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
	})
	if clusterKey.err != nil {
		t.Fatalf("clustertest: %v", clusterKey.err)
	}
	return clusterKey.path
}

// buildDirPrefix names this process's build directory after its PID, so a
// later test process can tell when it is stale.
func buildDirPrefix() string { return "parentline-clustertest-" + strconv.Itoa(os.Getpid()) + "-" }

// sweepStaleBuilds removes the build directories of test processes that
// have exited.
func sweepStaleBuilds() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "parentline-clustertest-*-*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), "parentline-clustertest-")
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || Alive(pid) {
			continue
		}
		os.RemoveAll(d)
	}
}

// knowsFlag reports whether `parentline serve -h` lists -name.
func knowsFlag(bin, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "-h")
	cmd.Env = childEnv()
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		return false, fmt.Errorf("%s serve -h: %w", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); strings.HasPrefix(line, "  -") && len(f) > 0 && f[0] == "-"+name {
			return true, nil
		}
	}
	return false, nil
}

// childEnv is this process's environment without PARENTLINE_* (serve reads
// each flag's default from one) and CLUSTERTEST_*, so that the flags a test
// gives are the node's whole configuration.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PARENTLINE_") || strings.HasPrefix(kv, "CLUSTERTEST_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// AddUser creates a staff account in a store node's data directory with
// `parentline user add`, as an operator would. The store node must not be
// running on it (bbolt has one writer): add users before StartStore, or
// between Stop and Restart. roles is comma-separated, e.g. "counselor".
func AddUser(t testing.TB, data, username, name, roles, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), "user", "add", "--data", data,
		"--username", username, "--name", name, "--role", roles)
	cmd.Env = childEnv()
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clustertest: user add %s: %v: %s", username, err, strings.TrimSpace(string(out)))
	}
}

// Node is one parentline process and what it wrote.
type Node struct {
	t       testing.TB
	role    Role
	bin     string
	dir     string   // its working directory (a chat node's ./ is here, not in the package)
	data    string   // a store node's --data
	args    []string // serve's flags after --addr
	addr    string   // host:port it listens on; kept over restarts
	stderr  *logBuffer
	stdout  *logBuffer
	starts  int
	mu      sync.Mutex    // guards the fields below, which the waiting goroutine touches
	proc    *exec.Cmd     // the last process started
	done    chan struct{} // closed when it has exited and its output is read
	waitErr error         // how it exited
}

// StartStore starts a store node and waits until it is ready. With redisURL
// it is the store node of that cluster; with "" a node on its own. Its data
// directory is a fresh one unless extraArgs give --data (see AddUser).
func StartStore(t testing.TB, redisURL string, extraArgs ...string) *Node {
	t.Helper()
	n := Start(t, Store, redisURL, extraArgs...)
	n.WaitReady()
	return n
}

// StartChat starts a chat node of the cluster at redisURL and waits until
// it is ready.
func StartChat(t testing.TB, redisURL string, extraArgs ...string) *Node {
	t.Helper()
	n := Start(t, Chat, redisURL, extraArgs...)
	n.WaitReady()
	return n
}

// Start starts a node and returns once it listens, ready or not (a node
// started while Redis is down listens but is not ready). Every node gets
// --addr 127.0.0.1:0 (the port it reports is kept over restarts), --hours
// always and JSON logs at debug level; extraArgs come last and win.
func Start(t testing.TB, role Role, redisURL string, extraArgs ...string) *Node {
	t.Helper()
	n := &Node{t: t, role: role, bin: Binary(t), dir: t.TempDir(), stderr: &logBuffer{}, stdout: &logBuffer{}}
	args := []string{"--hours", "always", "--log-format", "json", "--log-level", "debug"}
	if redisURL != "" {
		args = append(args, "--redis", redisURL)
		if flagValue(extraArgs, "cluster-key-file") == "" {
			args = append(args, "--cluster-key-file", KeyFile(t))
		}
	}
	switch role {
	case Store:
		n.data = flagValue(extraArgs, "data")
		if n.data == "" {
			n.data = filepath.Join(n.dir, "data")
			args = append(args, "--data", n.data)
		}
	case Chat:
		if redisURL == "" {
			t.Fatal("clustertest: a chat node needs the cluster's Redis URL")
		}
		if build.hasRole {
			args = append(args, "--role", "chat")
		} else {
			// Before serve has --role, a chat node can only run as another
			// store node with a data directory of its own.
			t.Logf("clustertest: %s has no serve --role; this chat node runs as a store node with its own data", n.bin)
			n.data = filepath.Join(n.dir, "data")
			args = append(args, "--data", n.data)
		}
	default:
		t.Fatalf("clustertest: unknown role %q", role)
	}
	n.args = append(args, extraArgs...)
	t.Cleanup(n.cleanup)
	n.launch()
	return n
}

// flagValue is the value of --name (or -name, --name=v) in args, the last one.
func flagValue(args []string, name string) string {
	v := ""
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name && i+1 < len(args) {
			v = args[i+1]
		} else if rest, ok := strings.CutPrefix(a, name+"="); ok {
			v = rest
		}
	}
	return v
}

// launch starts the process and waits until it reports its address.
func (n *Node) launch() {
	n.t.Helper()
	addr := "127.0.0.1:0"
	if n.addr != "" {
		addr = n.addr
	}
	n.starts++
	if n.starts > 1 {
		n.stderr.Write([]byte(fmt.Sprintf("--- clustertest: start %d ---\n", n.starts)))
	}
	cmd := exec.Command(n.bin, append([]string{"serve", "--addr", addr}, n.args...)...)
	cmd.Dir = n.dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	outR, outW, err := os.Pipe()
	if err != nil {
		n.t.Fatalf("clustertest: %v", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		n.t.Fatalf("clustertest: %v", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	listenAt := make(chan string, 2)
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		n.t.Fatalf("clustertest: starting %s node: %v", n.role, err)
	}
	done := make(chan struct{})
	n.mu.Lock()
	n.proc, n.done, n.waitErr = cmd, done, nil
	n.mu.Unlock()
	var readers sync.WaitGroup
	readers.Go(func() { n.read(outR, n.stdout, listenAt, bannerAddr) })
	readers.Go(func() { n.read(errR, n.stderr, listenAt, logAddr) })
	go func() {
		err := cmd.Wait()
		readers.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(done)
	}()

	timer := time.NewTimer(listenTimeout)
	defer timer.Stop()
	select {
	case a := <-listenAt:
		n.addr = a
	case <-done:
		n.t.Fatalf("clustertest: %s node exited at start (%v); its log:\n%s", n.role, n.exitErr(), tail(n.Logs()))
	case <-timer.C:
		n.Kill()
		n.t.Fatalf("clustertest: %s node did not say where it listens within %s; its log:\n%s", n.role, listenTimeout, tail(n.Logs()))
	}
}

// read copies one output stream of the node into buf line by line and
// reports the first listening address found in it.
func (n *Node) read(r io.ReadCloser, buf *logBuffer, listenAt chan<- string, find func(string) string) {
	defer r.Close()
	br := bufio.NewReader(r)
	found := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			buf.Write([]byte(line))
			if !found {
				if a := find(line); a != "" {
					found = true
					listenAt <- a
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// logAddr finds the address in serve's "parentline serving" log line.
func logAddr(line string) string {
	if !strings.Contains(line, "parentline serving") {
		return ""
	}
	var entry struct {
		Message string `json:"message"`
		Addr    string `json:"addr"`
	}
	if json.Unmarshal([]byte(line), &entry) != nil || entry.Message != "parentline serving" {
		return ""
	}
	return loopbackHostPort(entry.Addr)
}

// bannerAddr finds the address in serve's banner on standard output (its
// first http:// URL), which is there whatever the log level.
func bannerAddr(line string) string {
	_, rest, ok := strings.Cut(line, "http://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return loopbackHostPort(strings.TrimSpace(host))
}

func loopbackHostPort(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil || port == "0" {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return ""
	}
	return a
}

// Role is what the node is.
func (n *Node) Role() Role { return n.role }

// Addr is the host:port the node listens on (the same over restarts).
func (n *Node) Addr() string { return n.addr }

// Base is the node's base URL, http://127.0.0.1:PORT.
func (n *Node) Base() string { return "http://" + n.addr }

// Data is a store node's data directory ("" for a chat node).
func (n *Node) Data() string { return n.data }

// PID is the running process's id, or 0 when the node is not running.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.exitedLocked() {
		return 0
	}
	return n.proc.Process.Pid
}

// Running reports whether the node's process is running (paused counts).
func (n *Node) Running() bool { return n.PID() != 0 }

func (n *Node) exitedLocked() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// exitErr is how the last process ended (nil: exit status 0 or still running).
func (n *Node) exitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.waitErr
}

// Logs is everything the node wrote to standard error (its JSON log) over
// all its starts so far.
func (n *Node) Logs() string { return n.stderr.String() }

// Stdout is everything the node wrote to standard output (its banners).
func (n *Node) Stdout() string { return n.stdout.String() }

// WaitLog waits until the node's log contains s, for at most 10 s.
func (n *Node) WaitLog(s string) {
	n.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(n.Logs(), s) {
		if time.Now().After(deadline) {
			n.t.Fatalf("clustertest: %s node at %s did not log %q within 10s; its log:\n%s", n.role, n.addr, s, tail(n.Logs()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe asks nodes for /readyz on a fresh connection each time, so that no
// pooled connection outlives a node's restart.
var probe = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// Readyz is the status /readyz answers now, or 0 when it does not answer
// within a second.
func (n *Node) Readyz() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.Base()+"/readyz", nil)
	if err != nil {
		return 0
	}
	resp, err := probe.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// WaitReady polls /readyz until it answers 200, for at most 15 s.
func (n *Node) WaitReady() {
	n.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	last := 0
	for {
		if last = n.Readyz(); last == http.StatusOK {
			return
		}
		if !n.Running() {
			n.t.Fatalf("clustertest: %s node at %s exited (%v) while waiting for /readyz; its log:\n%s", n.role, n.addr, n.exitErr(), tail(n.Logs()))
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("clustertest: %s node at %s not ready within %s (last /readyz: %d); its log:\n%s", n.role, n.addr, readyTimeout, last, tail(n.Logs()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signal sends sig to the node's process group; false when not running.
func (n *Node) signal(sig syscall.Signal) (done <-chan struct{}, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.exitedLocked() {
		return n.done, false
	}
	syscall.Kill(-n.proc.Process.Pid, sig)
	return n.done, true
}

// Kill ends the node at once (SIGKILL to its process group), as a crash
// would, and waits until it is gone. A node that is not running is left be.
func (n *Node) Kill() {
	n.t.Helper()
	done, ok := n.signal(syscall.SIGKILL)
	if !ok {
		return
	}
	select {
	case <-done:
	case <-time.After(killTimeout):
		n.t.Errorf("clustertest: %s node at %s still there %s after SIGKILL", n.role, n.addr, killTimeout)
	}
}

// Stop ends the node as an operator would (SIGTERM: it shuts down in
// order) and waits for at most 20 s before killing it. It returns how the
// process ended: nil for exit status 0.
func (n *Node) Stop() error {
	n.t.Helper()
	n.signal(syscall.SIGCONT) // a paused node cannot act on SIGTERM
	done, ok := n.signal(syscall.SIGTERM)
	if !ok {
		return n.exitErr()
	}
	select {
	case <-done:
		return n.exitErr()
	case <-time.After(stopTimeout):
	}
	n.Kill()
	return fmt.Errorf("%s node at %s did not stop within %s of SIGTERM and was killed", n.role, n.addr, stopTimeout)
}

// Pause stops the node's processes (SIGSTOP), as a node that hangs or is
// cut off would look to everyone else, and waits until every thread of the
// node has stopped (a signal is delivered asynchronously, so a busy node
// may answer a request or two after kill returns); Resume lets them go on
// (SIGCONT).
func (n *Node) Pause() {
	n.t.Helper()
	pid := n.PID()
	if _, ok := n.signal(syscall.SIGSTOP); !ok {
		return
	}
	deadline := time.Now().Add(killTimeout)
	for !redistest.Stopped(pid) {
		if time.Now().After(deadline) {
			n.t.Errorf("clustertest: %s node at %s not stopped %s after SIGSTOP", n.role, n.addr, killTimeout)
			return // Errorf, not Fatalf: Pause may run on another goroutine
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (n *Node) Resume() { n.signal(syscall.SIGCONT) }

// Restart stops the node if it runs (SIGTERM, see Stop), starts it again
// on the same port with the same flags and data, and waits until it is
// ready.
func (n *Node) Restart() {
	n.t.Helper()
	if n.Running() {
		if err := n.Stop(); err != nil {
			n.t.Logf("clustertest: %s node at %s ended with %v before its restart", n.role, n.addr, err)
		}
	}
	n.launch()
	n.WaitReady()
}

// AddUser creates a staff account in a stopped store node's data
// directory; see the function AddUser.
func (n *Node) AddUser(username, name, roles, password string) {
	n.t.Helper()
	switch {
	case n.data == "":
		n.t.Fatalf("clustertest: a %s node has no data directory for accounts", n.role)
	case n.Running():
		n.t.Fatal("clustertest: stop the store node before adding accounts (bbolt has one writer)")
	}
	AddUser(n.t, n.data, username, name, roles, password)
}

// cleanup kills the node at the end of its test, fails the test if the
// node reported a data race (a -race build), and, when the test failed,
// prints what the node logged.
func (n *Node) cleanup() {
	n.Kill()
	if strings.Contains(n.Logs(), "WARNING: DATA RACE") {
		n.t.Errorf("clustertest: the %s node at %s reported a data race", n.role, n.addr)
	}
	if n.t.Failed() {
		n.t.Logf("clustertest: %s node at %s (pid %d at last start) logged:\n%s", n.role, n.addr, n.lastPID(), tail(n.Logs()))
	}
}

// lastPID is the PID of the last process started, running or not.
func (n *Node) lastPID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.proc.Process == nil {
		return 0
	}
	return n.proc.Process.Pid
}

// Alive reports whether a process with this PID exists and is not a zombie
// (for tests that check a node is gone).
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state is the first field after the command name in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

// tail is the last logTail bytes of s.
func tail(s string) string {
	if len(s) > logTail {
		return "…" + s[len(s)-logTail:]
	}
	return s
}

// logBuffer is an output sink tests read while the node writes.
type logBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
