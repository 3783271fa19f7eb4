// Package redistest runs a real redis-server for tests: on a free loopback
// port, with its append-only file (fsync on every write) in t.TempDir(), so
// that it can be restarted, paused and killed the way production faults
// happen. A missing redis-server skips loudly locally and fails with CI=true.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs redis-server for the test and stops it at cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not installed (apt-get install redis-server): skipping a test that needs a real Redis"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("\n\n*** " + msg + " ***\n")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	s.port = freePort(t)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port; URL the redis:// form for --redis.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }
func (s *Server) URL() string  { return "redis://" + s.Addr() + "/0" }

// Dir is the server's working directory: its append-only files, what Redis
// keeps at rest.
func (s *Server) Dir() string { return s.dir }

// Client returns a go-redis client for the server, closed at cleanup.
// Context deadlines bound its socket reads and writes (go-redis ignores
// them unless ContextTimeoutEnabled is set, and waits its own 3 s).
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true})
	s.t.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--protected-mode", "yes", "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.t.Fatalf("redis-server exited at start: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server not answering within 10s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGCONT) // in case it was paused
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// Restart stops the server and starts it again on the same port with the
// same data: what was written with fsync is there again.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// StartAgain starts a stopped server on the same port with the same data.
func (s *Server) StartAgain() {
	s.t.Helper()
	if s.cmd == nil {
		s.start()
	}
}

// Pause stops the process (SIGSTOP) as a network pause would look to its
// clients, and waits until it has stopped (the signal is delivered
// asynchronously); Resume lets it go on.
func (s *Server) Pause() {
	s.t.Helper()
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGSTOP)
	deadline := time.Now().Add(10 * time.Second)
	for !Stopped(s.cmd.Process.Pid) {
		if time.Now().After(deadline) {
			s.t.Errorf("redistest: redis-server %d not stopped 10s after SIGSTOP", s.cmd.Process.Pid)
			return // Errorf, not Fatalf: Pause may run on another goroutine
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *Server) Resume() { syscall.Kill(-s.cmd.Process.Pid, syscall.SIGCONT) }

// Stopped reports whether every thread of process pid is stopped (state T
// or t in /proc/PID/task/*/stat) or gone. Where there is no /proc it
// reports true at once, so a wait on it does not wait.
func Stopped(pid int) bool {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		return true
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return os.IsNotExist(err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(dir + "/" + task.Name() + "/stat")
		if err != nil {
			continue // the thread ended
		}
		// The state is the first field after the command name in parentheses.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if st := b[i+2]; st != 'T' && st != 't' && st != 'Z' && st != 'X' {
			return false
		}
	}
	return true
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(fmt.Errorf("finding a free port: %w", err))
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
