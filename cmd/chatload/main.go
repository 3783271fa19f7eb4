//go:build linux

// Command chatload measures the Parentline chat server against a bare relay floor:
// one run as a JSON line (run), the benchmark matrix as ratios to the floor (matrix), or a soak.
//
// The engine is internal/load; this command adds flags, server processes and the
// summary. Linux only: it pins processes with taskset and reads /proc.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"parentline/internal/load"
)

const usage = `Usage:
  chatload [run] --target parentline|floor --url http://127.0.0.1:PORT[,…] --mode open|closed|idle|churn|soak [flags]
        one run against a server that is already running (or the nodes of one cluster); prints one JSON line
  chatload matrix --parentline BIN --floor BIN [--out FILE]
        every scenario against the floor and against parentline, each on a fresh server
        process pinned to CPU 0 (chatload pins itself to CPU 1); prints the ratios (about 2 minutes)
  chatload cluster --parentline BIN [--nodes 1,2,3] [--chats 300 --rate 2000 --duration 10s]
        the open-loop load against 1, 2 and 3 nodes sharing a fresh redis-server (a store node and
        chat nodes; every chat's counsellor on another node than its parent); a JSON line per run
        and a table of msgs/s, latency, loss, CPU per message and Redis commands per message
  chatload soak --parentline BIN [--duration 10m]
        open-loop load with churn for a long time, sampling memory and goroutines, then
        everyone leaves and it reports whether the server came back to its baseline
Run "chatload SUBCOMMAND -h" for the flags.
`

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitTargets = 3 // matrix --strict: a target was not met
)

// toolMemory is the soft memory limit the tool runs its collector at.
const toolMemory = 2 << 30

func main() {
	quietCollector()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// quietCollector turns the tool's garbage collector off up to a soft memory
// limit: on its one core, the tool's own collections would otherwise show
// up as milliseconds of latency. GOGC or GOMEMLIMIT in the environment win.
func quietCollector() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(toolMemory)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runOne(ctx, args, stdout, stderr)
	case "matrix":
		return runMatrix(ctx, args, stdout, stderr)
	case "soak":
		return runSoak(ctx, args, stdout, stderr)
	case "cluster":
		return runCluster(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "chatload: unknown command %q\n%s", cmd, usage)
	return exitUsage
}

// loadFlags binds the engine's settings to fs, defaults in cfg.
func loadFlags(fs *flag.FlagSet, cfg *load.Config) {
	fs.IntVar(&cfg.Chats, "chats", cfg.Chats, "chats (idle: connections)")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "messages per second over all chats, half each way (open, churn, soak)")
	fs.Float64Var(&cfg.ChurnRate, "churn", cfg.ChurnRate, "short chats started and ended per second (churn, soak)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "measured time (idle: how long connections are held)")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "load before the measured time, not measured")
	fs.DurationVar(&cfg.Drain, "drain", cfg.Drain, "how long to wait for outstanding messages after the last send")
	fs.DurationVar(&cfg.Settle, "settle", cfg.Settle, "soak: how long to watch the server after everyone left")
	fs.DurationVar(&cfg.Sample, "sample", cfg.Sample, "soak: sampling interval")
	fs.IntVar(&cfg.TextSize, "text-size", cfg.TextSize, "bytes of message text")
	fs.StringVar(&cfg.UserPrefix, "user-prefix", cfg.UserPrefix, "counsellor user names: PREFIX001, PREFIX002, …")
	fs.IntVar(&cfg.MaxChats, "max-chats", cfg.MaxChats, "chats per counsellor (the server's --max-chats)")
	fs.IntVar(&cfg.ChurnCounselors, "churn-counselors", cfg.ChurnCounselors, "counsellors for churn chats (0: churn/20, at least 1)")
	fs.IntVar(&cfg.SourceAddrs, "source-addrs", cfg.SourceAddrs, "loopback source addresses to spread sockets over (127.0.0.2, …)")
}

func defaultConfig() load.Config {
	return load.Config{Target: load.Parentline, Mode: load.Open, URL: "http://127.0.0.1:8080",
		Chats: 100, Rate: 1000, ChurnRate: 10, Duration: 10 * time.Second, Warmup: time.Second,
		Drain: 2 * time.Second, Settle: 150 * time.Second, Sample: 10 * time.Second, TextSize: 100,
		UserPrefix: "load", MaxChats: 20, SourceAddrs: 32}
}

// runOne is `chatload run`: one run against a running server.
func runOne(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var target, mode string
	fs.StringVar(&target, "target", string(cfg.Target), "parentline or floor")
	fs.StringVar(&mode, "mode", string(cfg.Mode), "open, closed, idle, churn or soak")
	urls := fs.String("url", cfg.URL, "the server's base URL (loopback only); several nodes of one cluster: comma-separated, "+
		"parents go round-robin and each chat's counsellor is on another node than its parent")
	fs.StringVar(&cfg.LoginURL, "login-url", "", "where counsellors log in (e.g. a cluster's store node; default: the node of their console)")
	fs.StringVar(&cfg.Password, "password", os.Getenv("CHATLOAD_PASSWORD"), "the counsellors' password (default $CHATLOAD_PASSWORD)")
	pids := fs.String("server-pid", "", "the server's process id, for its CPU time, memory and goroutines; several: comma-separated, summed")
	quiet := fs.Bool("quiet", false, "no progress messages on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write the tool's own CPU profile to this file")
	loadFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chatload run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg.Target, cfg.Mode = load.Target(target), load.Mode(mode)
	var err error
	if cfg.URL, cfg.URLs, err = splitURLs(*urls); err != nil {
		fmt.Fprintf(stderr, "chatload run: --url: %v\n", err)
		return exitUsage
	}
	if cfg.ServerPID, cfg.ServerPIDs, err = splitPIDs(*pids); err != nil {
		fmt.Fprintf(stderr, "chatload run: --server-pid: %v\n", err)
		return exitUsage
	}
	if !*quiet {
		cfg.Logf = progress(stderr)
	}
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "chatload: %v\n", err)
			return exitFailure
		}
		defer stop()
	}
	res, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "chatload: %v\n", err)
		return exitFailure
	}
	if err := writeJSON(stdout, res); err != nil {
		fmt.Fprintf(stderr, "chatload: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// splitURLs reads --url: one base URL, or several comma-separated (the
// nodes of one cluster).
func splitURLs(v string) (one string, several []string, err error) {
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			several = append(several, u)
		}
	}
	switch len(several) {
	case 0:
		return "", nil, errors.New("no URL")
	case 1:
		return several[0], nil, nil
	}
	return "", several, nil
}

// splitPIDs reads --server-pid: none, one, or several comma-separated.
func splitPIDs(v string) (first int, more []int, err error) {
	for i, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return 0, nil, fmt.Errorf("%q is not a process id", f)
		}
		if i == 0 {
			first = pid
		} else {
			more = append(more, pid)
		}
	}
	return first, more, nil
}

// progress writes the engine's progress messages, time-stamped, to w.
func progress(w io.Writer) func(string, ...any) {
	return func(format string, a ...any) {
		fmt.Fprintf(w, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
}

// writeJSON prints a result as one JSON line.
func writeJSON(w io.Writer, res any) error {
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}

// profileCPU profiles the tool itself into path until stop is called.
func profileCPU(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
