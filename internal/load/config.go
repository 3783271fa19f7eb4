//go:build linux

// Package load drives the Parentline chat server, or the bare relay floor, with the
// same repeatable workload and measures latency, throughput, loss and server cost.
//
// Run is the engine; cmd/chatload wraps it with flags and the benchmark matrix. Every
// socket goes to loopback and every run is bounded. Linux only (/proc, timerfd, 127/8).
package load

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"time"
)

// Target is the server under load.
type Target string

// Targets.
const (
	Parentline Target = "parentline" // the real protocol: counsellors log in, parents say hello
	Floor      Target = "floor"      // the bare relay: two sockets per chat, paired by key
)

// Mode is the shape of the workload.
type Mode string

// Modes.
const (
	Open   Mode = "open"   // a fixed timetable of sends at a total rate; latency from the scheduled time
	Closed Mode = "closed" // one message in flight per chat; the most messages per second
	Idle   Mode = "idle"   // connections that only wait; memory per connection
	Churn  Mode = "churn"  // Open plus short chats started and ended at a fixed rate
	Soak   Mode = "soak"   // Churn for a long time with periodic samples, then everyone leaves
)

// Limits that keep every run bounded.
const (
	maxConns    = 20_000
	maxRate     = 500_000
	maxChurn    = 2_000
	maxDuration = 24 * time.Hour
	maxTextSize = 4096
	minTextSize = 32
)

// Config says what to run. Zero fields take the defaults given beside them.
type Config struct {
	Target Target
	Mode   Mode
	URL    string // base URL of the server, e.g. http://127.0.0.1:8080; loopback only

	// URLs, instead of URL, are the base URLs of several nodes of one service
	// (parentline only). Parents take the nodes in turn, and each chat's
	// counsellor is on another node than its parent, so every message crosses
	// nodes. LoginURL is where counsellors log in (a cluster's store node);
	// empty: the node their console is on.
	URLs     []string
	LoginURL string

	Chats     int           // chats (idle: connections)
	Rate      float64       // messages per second over all chats (open, churn, soak); half each way
	ChurnRate float64       // short chats started and ended per second (churn, soak)
	Duration  time.Duration // the measured time (default 10s)
	Warmup    time.Duration // sent on the timetable before the measured time, not measured (default 1s; idle: none)
	Drain     time.Duration // how long to wait for outstanding messages after the last send (default 2s)
	Settle    time.Duration // soak: how long to watch after everyone left (default 2m30s)
	Sample    time.Duration // soak: sampling interval (default 10s)
	TextSize  int           // bytes of message text (default 100)

	UserPrefix      string // counsellor user names: prefix + 001, 002, … (default "load")
	Password        string // every counsellor's password
	MaxChats        int    // chats per counsellor, the server's --max-chats (default 20)
	ChurnCounselors int    // counsellors reserved for churn chats (default ceil(ChurnRate/20), at least 1)
	SourceAddrs     int    // loopback source addresses to spread sockets over (default 32)

	ServerPID  int                           // when known, server CPU and memory are read from /proc
	ServerPIDs []int                         // more server processes (other nodes, redis-server): CPU and memory are summed over all
	Logf       func(format string, a ...any) // progress messages; nil: none

	// Window, when set, is called where the server's CPU time is read: as the
	// measured time begins (end false) and once it is over and drained (end
	// true), so that a caller can take its own readings over the same window.
	Window func(end bool)
}

func (c Config) withDefaults() Config {
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Warmup == 0 && c.Mode != Idle {
		c.Warmup = time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.Drain == 0 {
		c.Drain = 2 * time.Second
	}
	if c.Settle == 0 {
		c.Settle = 150 * time.Second
	}
	if c.Sample == 0 {
		c.Sample = 10 * time.Second
	}
	if c.TextSize == 0 {
		c.TextSize = 100
	}
	if c.UserPrefix == "" {
		c.UserPrefix = "load"
	}
	if c.MaxChats == 0 {
		c.MaxChats = 20
	}
	if c.ChurnCounselors == 0 {
		c.ChurnCounselors = max(1, int(math.Ceil(c.ChurnRate/20)))
	}
	if c.SourceAddrs == 0 {
		c.SourceAddrs = 32
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

// maxNodes bounds URLs.
const maxNodes = 64

// nodes is the base URLs of the server's nodes: URLs, or else URL alone.
func (c Config) nodes() []string {
	if len(c.URLs) > 0 {
		return c.URLs
	}
	return []string{c.URL}
}

// pids is every server process whose CPU time and memory are read.
func (c Config) pids() []int {
	var out []int
	if c.ServerPID > 0 {
		out = append(out, c.ServerPID)
	}
	for _, pid := range c.ServerPIDs {
		if pid > 0 {
			out = append(out, pid)
		}
	}
	return out
}

// validate checks the config after defaults and returns the host:port of
// each node, and of the login node ("" for each counsellor's own node).
func (c Config) validate() (hosts []string, login string, err error) {
	if err := c.validateLoad(); err != nil {
		return nil, "", err
	}
	switch {
	case c.URL != "" && len(c.URLs) > 0:
		return nil, "", errors.New("give the server as URL or as URLs, not both")
	case len(c.URLs) > maxNodes:
		return nil, "", fmt.Errorf("at most %d URLs", maxNodes)
	case len(c.URLs) > 1 && c.Target == Floor:
		return nil, "", errors.New("the floor is one process: give it one URL")
	case c.LoginURL != "" && c.Target == Floor:
		return nil, "", errors.New("the floor has no logins")
	}
	for _, raw := range c.nodes() {
		u, err := loopbackURL(raw)
		if err != nil {
			return nil, "", err
		}
		hosts = append(hosts, u.Host)
	}
	if c.LoginURL != "" {
		u, err := loopbackURL(c.LoginURL)
		if err != nil {
			return nil, "", fmt.Errorf("login: %w", err)
		}
		login = u.Host
	}
	for _, pid := range c.ServerPIDs {
		if pid < 0 {
			return nil, "", fmt.Errorf("server PID %d", pid)
		}
	}
	return hosts, login, nil
}

// validateLoad checks the workload's figures.
func (c Config) validateLoad() error {
	switch c.Target {
	case Parentline, Floor:
	default:
		return fmt.Errorf("unknown target %q (parentline or floor)", c.Target)
	}
	switch c.Mode {
	case Open, Closed, Idle, Churn, Soak:
	default:
		return fmt.Errorf("unknown mode %q (open, closed, idle, churn or soak)", c.Mode)
	}
	switch {
	case c.Chats < 1 || c.Chats > maxConns:
		return fmt.Errorf("chats must be 1–%d", maxConns)
	case c.Mode == Idle && c.Target == Floor && c.Chats%2 != 0:
		return errors.New("idle floor connections come in pairs: chats must be even")
	case (c.Mode == Open || c.Mode == Churn || c.Mode == Soak) && (c.Rate <= 0 || c.Rate > maxRate):
		return fmt.Errorf("rate must be above 0 and at most %d msg/s", maxRate)
	case (c.Mode == Churn) && (c.ChurnRate <= 0 || c.ChurnRate > maxChurn):
		return fmt.Errorf("churn rate must be above 0 and at most %d chats/s", maxChurn)
	case c.ChurnRate < 0 || c.ChurnRate > maxChurn:
		return fmt.Errorf("churn rate must be 0–%d chats/s", maxChurn)
	case c.Duration < 0 || c.Duration+c.Warmup > maxDuration || c.Drain < 0 || c.Drain > time.Minute:
		return errors.New("duration must be at most 24h and drain at most 1m")
	case c.TextSize < minTextSize || c.TextSize > maxTextSize:
		return fmt.Errorf("text size must be %d–%d bytes", minTextSize, maxTextSize)
	case c.MaxChats < 1 || c.MaxChats > 20:
		return errors.New("max chats per counsellor must be 1–20 (the server's --max-chats)")
	case c.SourceAddrs < 1 || c.SourceAddrs > 60_000:
		return errors.New("source addresses must be 1–60000")
	case c.Target == Parentline && c.Password == "":
		return errors.New("parentline needs the counsellors' password")
	}
	if c.Target == Parentline && c.Mode != Idle && c.counselors()+c.churnCounselors() > 9999 {
		return errors.New("too many counsellors for three-digit user names")
	}
	return nil
}

// Counselors is how many counsellor accounts (PREFIX001 on) the run logs in:
// enough to hold the chats at MaxChats each (on several nodes, for the
// parents of each node apart), plus those for churn chats.
func (c Config) Counselors() int {
	c = c.withDefaults()
	if c.Target == Floor || c.Mode == Idle {
		return 0
	}
	return c.counselors() + c.churnCounselors()
}

// counselors is how many counsellors hold the background chats.
func (c Config) counselors() int { return spreadCounselors(c.Chats, len(c.nodes()), c.MaxChats) }

// churnCounselors is how many counsellors take the churn chats (none without churn).
func (c Config) churnCounselors() int {
	if c.ChurnRate <= 0 || (c.Mode != Churn && c.Mode != Soak) {
		return 0
	}
	return c.ChurnCounselors
}

// loopbackURL parses the server's base URL and refuses anything but a
// loopback IP address (or "localhost", taken as 127.0.0.1).
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("server URL %q: want http://127.0.0.1:PORT", raw)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", raw, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("server URL %q: only loopback addresses may be loaded", raw)
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(ip.String(), port)}, nil
}
