//go:build linux

package main

import (
	"bufio"
	"bytes"
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"parentline/internal/load"
)

// pinnedEnv marks a chatload that re-executed itself under taskset.
const pinnedEnv = "CHATLOAD_PINNED"

// pinSelf makes sure this process runs on toolCPU alone. Go cannot pin a
// whole process from inside (affinity is per thread), so it re-executes
// itself under taskset and does not return when that works. Otherwise it
// returns why the run is unpinned ("" when pinned).
func pinSelf(args []string, serverCPU, toolCPU int) string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return "unpinned: reading the CPU affinity: " + err.Error()
	}
	if set.Count() == 1 && set.IsSet(toolCPU) {
		return ""
	}
	if os.Getenv(pinnedEnv) != "" {
		return fmt.Sprintf("unpinned: taskset -c %d did not take", toolCPU)
	}
	if !set.IsSet(serverCPU) || !set.IsSet(toolCPU) || serverCPU == toolCPU {
		return fmt.Sprintf("unpinned: CPUs %d and %d are not both available (%d CPUs allowed)", serverCPU, toolCPU, set.Count())
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return "unpinned: taskset not found (apt-get install util-linux)"
	}
	exe, err := os.Executable()
	if err != nil {
		return "unpinned: " + err.Error()
	}
	argv := append([]string{"taskset", "-c", strconv.Itoa(toolCPU), exe}, args...)
	err = syscall.Exec(taskset, argv, append(os.Environ(), pinnedEnv+"=1"))
	return "unpinned: re-executing under taskset: " + err.Error()
}

// bench is where the matrix and the soak run: a temporary directory with a
// data directory full of counsellor accounts, and fresh server processes.
type bench struct {
	parentline, floor string // server binaries
	dir               string
	password          string
	pinned            bool
	serverCPU         int
	logf              func(string, ...any)
}

func newBench(parentline, floor string, pinned bool, serverCPU int, logf func(string, ...any)) (*bench, error) {
	for _, bin := range []string{parentline, floor} {
		if bin == "" {
			continue
		}
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("server binary: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "chatload-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	secret := make([]byte, 12)
	rand.Read(secret)
	return &bench{parentline: parentline, floor: floor, dir: dir, password: hex.EncodeToString(secret),
		pinned: pinned, serverCPU: serverCPU, logf: logf}, nil
}

func (b *bench) close() { os.RemoveAll(b.dir) }

func (b *bench) dataDir() string { return filepath.Join(b.dir, "data") }

// addUsers creates counsellor accounts PREFIX001…PREFIXn with the CLI.
func (b *bench) addUsers(ctx context.Context, prefix string, n int) error {
	b.logf("adding %d counsellor accounts", n)
	for i := 1; i <= n; i++ {
		user := fmt.Sprintf("%s%03d", prefix, i)
		cmd := exec.CommandContext(ctx, b.parentline, "user", "add", "--data", b.dataDir(),
			"--username", user, "--name", fmt.Sprintf("Load %d", i), "--role", "counselor")
		cmd.Stdin = strings.NewReader(b.password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("adding %s: %w: %s", user, err, bytes.TrimSpace(out))
		}
	}
	return nil
}

// server is one server process, in a process group of its own.
type server struct {
	target load.Target
	cmd    *exec.Cmd
	url    string
	log    string // the server's standard error
	from   int64  // where the log stood when the server was ready
	done   chan struct{}
	err    error // Wait's result, once done is closed
}

// serveFlags are the flags every benchmark parentline node runs with: chat
// open around the clock, and limits that let the load through.
var serveFlags = []string{"--hours", "always",
	"--max-chats", "20", "--parent-rate", "1000", "--parent-burst", "1000",
	"--counselor-rate", "100000", "--counselor-burst", "100000", "--log-level", "warn", "--resume-grace", "5s"}

// start runs a fresh server of kind t on a free loopback port, pinned to
// the server CPU, with its output in a log file named after name.
func (b *bench) start(ctx context.Context, t load.Target, name string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	argv := []string{b.floor, "--addr", addr}
	if t == load.Parentline {
		argv = append([]string{b.parentline, "serve", "--addr", addr, "--data", b.dataDir()}, serveFlags...)
	}
	s, err := b.spawn(ctx, t, name, "http://"+addr, argv, "")
	if err != nil {
		return nil, err
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// spawn starts argv in directory dir ("": this one) as a server of kind t
// that will answer at url, pinned to the server CPU, in a process group of
// its own that dies with chatload, its standard error in NAME.log and its
// standard output in NAME.out.
func (b *bench) spawn(ctx context.Context, t load.Target, name, url string, argv []string, dir string) (*server, error) {
	if b.pinned {
		argv = append([]string{"taskset", "-c", strconv.Itoa(b.serverCPU)}, argv...)
	}
	s := &server{target: t, url: url, log: filepath.Join(b.dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(s.log)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	outFile, err := os.Create(filepath.Join(b.dir, name+".out"))
	if err != nil {
		return nil, fmt.Errorf("server output: %w", err)
	}
	defer outFile.Close()
	s.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = outFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s.cmd.Cancel = func() error { return syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL) }
	s.cmd.WaitDelay = 5 * time.Second
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", t, err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	return s, nil
}

// ready waits until the server answers (stopping it if it does not) and
// marks where its log stood then.
func (s *server) ready(ctx context.Context) error {
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return fmt.Errorf("%s did not start: %w; log: %s", s.target, err, s.tail())
	}
	if st, err := os.Stat(s.log); err == nil {
		s.from = st.Size()
	}
	return nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls until the server answers: /readyz for parentline, a TCP
// connection for the floor and redis-server.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("exited: %v", s.err)
		}
		if s.answers(client) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("not ready within 15s")
}

func (s *server) answers(client *http.Client) bool {
	if s.target != load.Parentline { // the floor, redis-server

		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	resp, err := client.Get(s.url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop ends the server's whole process group: SIGTERM, and SIGKILL if it
// is not gone within 10 s.
func (s *server) stop() {
	if s.exited() {
		return
	}
	syscall.Kill(-s.pid(), syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.pid(), syscall.SIGKILL)
		<-s.done
	}
}

// trouble lists what the server logged at warn level or above since it was
// ready (parentline logs JSON lines; anything the floor prints is
// trouble), the first five of them.
func (s *server) trouble() (count int, first []string) {
	f, err := os.Open(s.log)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	if _, err := f.Seek(s.from, io.SeekStart); err != nil {
		return 0, nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || !isTrouble(s.target, line) {
			continue
		}
		count++
		if len(first) < 5 {
			first = append(first, line)
		}
	}
	return count, first
}

func isTrouble(t load.Target, line string) bool {
	if t == load.Floor {
		return true
	}
	var entry struct{ Level string }
	if json.Unmarshal([]byte(line), &entry) != nil {
		return true // not a log line: a panic or the like
	}
	return entry.Level == "warn" || entry.Level == "error" || entry.Level == "fatal" || entry.Level == "panic"
}

// tail is the end of the server's log, for error messages.
func (s *server) tail() string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// freeAddr asks the kernel for a loopback address (127.0.0.1:PORT) that is free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// copyTo writes the JSON lines of results to path, or to w when path is "".
func copyTo(w io.Writer, path string, results []load.Result) error {
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer f.Close()
		w = f
	}
	for _, res := range results {
		if err := writeJSON(w, res); err != nil {
			return err
		}
	}
	return nil
}
