// Package mailtest runs a real SMTP server for tests: Mailpit
// (github.com/axllent/mailpit, installed by `make tools` into bin/tools), one
// process per test on free loopback ports, and reads what it received through
// its HTTP API.
//
// The binary is looked up as: $PARENTLINE_MAILPIT, <module root>/bin/tools/mailpit,
// mailpit on PATH, $(go env GOPATH)/bin/mailpit. Without it a test skips with a
// loud message, or fails when CI=true.
package mailtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// startWithin bounds how long Start waits for Mailpit to answer; Wait waits as
// long for mail to arrive.
const startWithin = 10 * time.Second

// Mailpit is one running Mailpit process.
type Mailpit struct {
	SMTPAddr string // 127.0.0.1:port of its SMTP server
	APIURL   string // http://127.0.0.1:port, the base of its HTTP API
	logPath  string
}

// Address is a mailbox as Mailpit reports it.
type Address struct {
	Name    string
	Address string
}

// Message is a received mail as Mailpit's API reports it, with its headers.
type Message struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Text      string
	Username  string // the SMTP AUTH user it came in with (Mailpit records it for LOGIN, not PLAIN)
	Headers   map[string][]string
}

// Header returns the first value of a header, "" if there is none.
func (m Message) Header(name string) string {
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// Binary finds the Mailpit binary; the error says where it looked.
func Binary() (string, error) {
	if p := os.Getenv("PARENTLINE_MAILPIT"); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("PARENTLINE_MAILPIT=%s is not an executable file", p)
	}
	var tried []string
	if root, ok := moduleRoot(); ok {
		p := filepath.Join(root, "bin", "tools", "mailpit")
		if isExecutable(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	tried = append(tried, "mailpit on PATH")
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	if gopath != "" {
		p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "mailpit")
		if isExecutable(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("mailpit not found (looked at $PARENTLINE_MAILPIT, %s)", strings.Join(tried, ", "))
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// moduleRoot is the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Options change how Start runs Mailpit.
type Options struct {
	// Login ("user:password"), when set, is the only SMTP login Mailpit accepts;
	// otherwise it accepts any login, or none.
	Login string
	// CertFile and KeyFile (PEM), when set, make Mailpit offer STARTTLS with
	// that certificate. Without them it allows logins over plain text.
	CertFile, KeyFile string
	// Args are further command-line flags, e.g. --smtp-require-tls.
	Args []string
}

// Start runs Mailpit for the rest of the test on free loopback ports, with its
// database in a temporary directory, accepting any SMTP login (also without
// TLS). It returns once both the HTTP API and the SMTP port answer; the process
// is killed and waited for at cleanup.
func Start(t testing.TB) *Mailpit {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Mailpit {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: `make tools` installs it, and `make test` runs `make tools`", err)
		}
		t.Skip("SKIPPING: mailpit not installed (make tools installs it)")
	}
	var lastErr error
	for range 3 { // another process may take a port between freePort and Mailpit's bind
		mp, err := start(t, bin, o)
		if err == nil {
			return mp
		}
		lastErr = err
	}
	t.Fatalf("starting mailpit: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, o Options) (*Mailpit, error) {
	dir := t.TempDir() // created before the process's cleanup, so removed after it
	httpAddr, smtpAddr := freePort(t), freePort(t)
	logPath := filepath.Join(dir, "mailpit.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy of the descriptor
	args := []string{
		"--listen", httpAddr,
		"--smtp", smtpAddr,
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
	}
	if o.Login != "" {
		authFile := filepath.Join(dir, "smtp-logins")
		if err := os.WriteFile(authFile, []byte(o.Login+"\n"), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--smtp-auth-file", authFile)
	} else {
		args = append(args, "--smtp-auth-accept-any")
	}
	if o.CertFile != "" || o.KeyFile != "" {
		args = append(args, "--smtp-tls-cert", o.CertFile, "--smtp-tls-key", o.KeyFile)
	} else {
		args = append(args, "--smtp-auth-allow-insecure")
	}
	args = append(args, o.Args...)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
		cancel()
	}
	mp := &Mailpit{SMTPAddr: smtpAddr, APIURL: "http://" + httpAddr, logPath: logPath}
	deadline := time.Now().Add(startWithin)
	for {
		select {
		case <-exited:
			cancel()
			return nil, fmt.Errorf("mailpit exited at start:\n%s", mp.log())
		default:
		}
		if mp.answers() {
			t.Cleanup(stop)
			return mp, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit did not answer within %v:\n%s", startWithin, mp.log())
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// answers reports whether both the HTTP API and the SMTP port answer.
func (mp *Mailpit) answers() bool {
	c := http.Client{Timeout: time.Second}
	res, err := c.Get(mp.APIURL + "/api/v1/info")
	if err != nil {
		return false
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false
	}
	conn, err := net.DialTimeout("tcp", mp.SMTPAddr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// log is what Mailpit printed, for failure messages.
func (mp *Mailpit) log() string {
	b, _ := os.ReadFile(mp.logPath)
	return string(b)
}

// Messages returns every received mail, newest first, with its headers.
func (mp *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct {
		Messages []struct{ ID string }
	}
	mp.get(t, "/api/v1/messages?limit=1000", &list)
	out := make([]Message, 0, len(list.Messages))
	for _, s := range list.Messages {
		var m Message
		mp.get(t, "/api/v1/message/"+url.PathEscape(s.ID), &m)
		mp.get(t, "/api/v1/message/"+url.PathEscape(s.ID)+"/headers", &m.Headers)
		out = append(out, m)
	}
	return out
}

// Wait waits (at most 10 s) until n mails have arrived and returns them, oldest first.
func (mp *Mailpit) Wait(t testing.TB, n int) []Message {
	t.Helper()
	deadline := time.Now().Add(startWithin)
	for {
		var list struct{ Total int }
		mp.get(t, "/api/v1/messages?limit=1", &list)
		if list.Total >= n {
			ms := mp.Messages(t)
			slices.Reverse(ms)
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit received %d mails within %v, want %d", list.Total, startWithin, n)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// Count is how many mails have arrived so far.
func (mp *Mailpit) Count(t testing.TB) int {
	t.Helper()
	var list struct{ Total int }
	mp.get(t, "/api/v1/messages?limit=1", &list)
	return list.Total
}

func (mp *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(mp.APIURL + path)
	if err != nil {
		t.Fatalf("mailpit API %s: %v", path, err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(res.Body); err != nil {
		t.Fatalf("mailpit API %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit API %s: %s: %s", path, res.Status, body.String())
	}
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("mailpit API %s: %v", path, errors.Join(err, errors.New(body.String())))
	}
}
