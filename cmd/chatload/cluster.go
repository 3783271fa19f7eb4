//go:build linux

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"parentline/internal/load"
)

// redisTarget names redis-server among the processes of a run.
const redisTarget load.Target = "redis-server"

// clusterRun is what one run against n nodes gave: the engine's result
// (CPU summed over the nodes and redis-server) and the cluster's figures.
type clusterRun struct {
	Nodes int `json:"nodes"`
	load.Result
	NodeCPUUSPerMsg  float64          `json:"node_cpu_us_per_msg,omitempty"`  // the nodes' share of cpu_us_per_msg
	RedisCPUUSPerMsg float64          `json:"redis_cpu_us_per_msg,omitempty"` // redis-server's share
	RedisCmdsPerMsg  float64          `json:"redis_cmds_per_msg"`             // Redis commands over the measured window per message relayed in it
	RedisCalls       map[string]int64 `json:"redis_calls,omitempty"`          // those commands by name (INFO commandstats)
	Error            string           `json:"error,omitempty"`
	Notes            []string         `json:"notes,omitempty"`
}

// clusterOptions is how `chatload cluster` runs.
type clusterOptions struct {
	nodes       []int
	redisServer string
	loginStore  bool // counsellors log in at the store node (else at the node of their console)
	hasRole     bool // serve knows --role
}

// runCluster is `chatload cluster`.
func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := defaultConfig()
	cfg.Mode, cfg.Chats, cfg.Rate = load.Open, 300, 2000
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	parentline := fs.String("parentline", "", "the parentline binary (required)")
	redisServer := fs.String("redis-server", "redis-server", "the redis-server binary")
	nodeList := fs.String("nodes", "1,2,3", "comma-separated cluster sizes to run, each on a fresh redis-server and fresh nodes")
	login := fs.String("login", "store", "where counsellors log in: store (the store node) or node (the node of their console)")
	out := fs.String("out", "", "file for the JSON lines (default: stdout, one after each run)")
	serverCPU := fs.Int("server-cpu", 0, "CPU the nodes and redis-server are pinned to")
	toolCPU := fs.Int("tool-cpu", 1, "CPU chatload pins itself to")
	pin := fs.Bool("pin", true, "pin the servers and chatload to their CPUs (taskset)")
	fs.IntVar(&cfg.Chats, "chats", cfg.Chats, "chats")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "messages per second over all chats, half each way")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "measured time of each run")
	fs.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "load before the measured time, not measured")
	fs.DurationVar(&cfg.Drain, "drain", cfg.Drain, "how long to wait for outstanding messages after the last send")
	fs.IntVar(&cfg.TextSize, "text-size", cfg.TextSize, "bytes of message text")
	fs.IntVar(&cfg.MaxChats, "max-chats", cfg.MaxChats, "chats per counsellor")
	fs.StringVar(&cfg.UserPrefix, "user-prefix", cfg.UserPrefix, "counsellor user names: PREFIX001, PREFIX002, …")
	fs.IntVar(&cfg.SourceAddrs, "source-addrs", cfg.SourceAddrs, "loopback source addresses to spread sockets over (127.0.0.2, …)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	opts := clusterOptions{loginStore: *login == "store"}
	var err error
	switch {
	case *parentline == "" || fs.NArg() > 0:
		err = errors.New("--parentline is required")
	case *login != "store" && *login != "node":
		err = errors.New("--login must be store or node")
	default:
		opts.nodes, err = parseNodes(*nodeList)
	}
	if err == nil {
		// The nodes run in their own directories: the binary must be found from there.
		*parentline, err = filepath.Abs(*parentline)
	}
	if err == nil {
		if opts.redisServer, err = exec.LookPath(*redisServer); err != nil {
			err = fmt.Errorf("--redis-server: %w (apt-get install redis-server)", err)
		}
	}
	if err == nil {
		err = checkLoad(cfg, opts.nodes)
	}
	if err != nil {
		fmt.Fprintf(stderr, "chatload cluster: %v\n", err)
		return exitUsage
	}
	pinNote := "unpinned (--pin=false)"
	if *pin {
		pinNote = pinSelf(append([]string{"cluster"}, args...), *serverCPU, *toolCPU)
	}
	logf := progress(stderr)
	if pinNote != "" {
		logf("%s", pinNote)
	}
	b, err := newBench(*parentline, "", pinNote == "", *serverCPU, logf)
	if err != nil {
		fmt.Fprintf(stderr, "chatload cluster: %v\n", err)
		return exitFailure
	}
	defer b.close()
	if opts.hasRole, err = knowsServeFlag(ctx, *parentline, "role"); err != nil {
		fmt.Fprintf(stderr, "chatload cluster: %v\n", err)
		return exitFailure
	}
	if !opts.hasRole {
		logf("note: %s has no serve --role: chat nodes run as more store nodes, each with data of its own", *parentline)
	}

	// Every run is bounded by its own timeouts; this bounds them all.
	perRun := cfg.Warmup + cfg.Duration + cfg.Drain + 3*time.Minute
	ctx, cancel := context.WithTimeout(ctx, time.Duration(len(opts.nodes))*perRun)
	defer cancel()

	jsonOut, closeOut, err := openOut(stdout, *out)
	if err != nil {
		fmt.Fprintf(stderr, "chatload cluster: %v\n", err)
		return exitFailure
	}
	defer closeOut()
	began := time.Now()
	runs, err := b.cluster(ctx, cfg, opts, func(run clusterRun) {
		if err := writeJSON(jsonOut, run); err != nil {
			logf("%v", err)
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "chatload cluster: %v\n", err)
		return exitFailure
	}
	clusterTable(stdout, cfg, runs, pinNote, *serverCPU, *toolCPU, time.Since(began))
	for _, r := range runs {
		if r.Error != "" {
			return exitFailure
		}
	}
	return exitOK
}

// parseNodes reads --nodes: cluster sizes from 1 to 8.
func parseNodes(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 8 {
			return nil, fmt.Errorf("--nodes: %q is not a cluster size of 1 to 8", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("--nodes: no cluster size")
	}
	return out, nil
}

// checkLoad validates the workload as the engine will, before any process
// is started.
func checkLoad(cfg load.Config, nodes []int) error {
	if cfg.Chats < 1 || cfg.Chats > 20_000 || cfg.Rate <= 0 || cfg.Rate > 500_000 ||
		cfg.Duration <= 0 || cfg.Duration > time.Hour || cfg.Warmup < 0 || cfg.Drain < 0 || cfg.Drain > time.Minute {
		return errors.New("chats must be 1–20000, rate above 0 and at most 500000 msg/s, duration up to 1h, drain up to 1m")
	}
	if c := counselorsFor(cfg, nodes); c > 9999 {
		return fmt.Errorf("%d counsellors needed: too many for the user names", c)
	}
	return nil
}

// counselorsFor is how many counsellor accounts the largest cluster needs
// (on several nodes each node's parents have counsellors of their own).
func counselorsFor(cfg load.Config, nodes []int) int {
	users := 0
	for _, n := range nodes {
		c := cfg
		c.URL, c.URLs = "", make([]string, n) // only their number counts here
		users = max(users, c.Counselors())
	}
	return users
}

// openOut is where the JSON lines go: the file path, or w when path is "".
func openOut(w io.Writer, path string) (io.Writer, func(), error) {
	if path == "" {
		return w, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// knowsServeFlag reports whether `BIN serve -h` lists -name.
func knowsServeFlag(ctx context.Context, bin, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "-h")
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		return false, fmt.Errorf("%s serve -h: %w", bin, err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); strings.HasPrefix(sc.Text(), "  -") && len(f) > 0 && f[0] == "-"+name {
			return true, nil
		}
	}
	return false, nil
}

// cluster creates the counsellor accounts once and runs the load against
// each cluster size in turn, calling done after each run.
func (b *bench) cluster(ctx context.Context, cfg load.Config, opts clusterOptions, done func(clusterRun)) ([]clusterRun, error) {
	if err := b.addUsers(ctx, cfg.UserPrefix, counselorsFor(cfg, opts.nodes)); err != nil {
		return nil, err
	}
	var runs []clusterRun
	for _, n := range opts.nodes {
		run, err := b.clusterRun(ctx, cfg, opts, n)
		if err != nil {
			run.Error = err.Error()
			b.logf("%d nodes: %v", n, err)
		}
		done(run)
		runs = append(runs, run)
		if err := ctx.Err(); err != nil {
			return runs, fmt.Errorf("interrupted: %w", err)
		}
	}
	return runs, nil
}

// clusterRun starts a fresh redis-server, a store node (with a copy of the
// accounts) and n-1 chat nodes, runs the load, and stops them all.
func (b *bench) clusterRun(ctx context.Context, cfg load.Config, opts clusterOptions, n int) (run clusterRun, err error) {
	run.Nodes = n
	run.Result = load.Result{Target: load.Parentline, Mode: cfg.Mode, Chats: cfg.Chats, Rate: cfg.Rate, DurationS: cfg.Duration.Seconds()}
	dir := filepath.Join(b.dir, fmt.Sprintf("cluster-%d", n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return run, err
	}
	defer os.RemoveAll(dir)
	var procs []*server
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- { // chat nodes, the store node, then redis-server
			procs[i].stop()
		}
	}()

	rs, redisURL, err := b.startRedis(ctx, dir, fmt.Sprintf("cluster-%d-redis", n), opts.redisServer)
	if err != nil {
		return run, err
	}
	procs = append(procs, rs)
	client := redis.NewClient(&redis.Options{Addr: strings.TrimPrefix(rs.url, "http://"), ContextTimeoutEnabled: true})
	defer client.Close()
	if err := waitPing(ctx, client); err != nil {
		return run, fmt.Errorf("redis-server: %w; log: %s", err, readTail(filepath.Join(dir, "redis.log")))
	}

	storeData := filepath.Join(dir, "store-data")
	if err := copyFiles(b.dataDir(), storeData); err != nil {
		return run, fmt.Errorf("copying the accounts: %w", err)
	}
	keyFile := filepath.Join(dir, "cluster.key")
	if err := writeClusterKey(keyFile); err != nil {
		return run, err
	}
	var nodes []*server
	for k := range n {
		addr, err := freeAddr()
		if err != nil {
			return run, err
		}
		name := fmt.Sprintf("cluster-%d-store", n)
		argv := []string{b.parentline, "serve", "--addr", addr, "--redis", redisURL, "--cluster-key-file", keyFile}
		nodeDir := filepath.Join(dir, fmt.Sprintf("node-%d", k))
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			return run, err
		}
		switch {
		case k == 0:
			argv = append(argv, "--data", storeData)
		case opts.hasRole:
			name = fmt.Sprintf("cluster-%d-chat-%d", n, k)
			argv = append(argv, "--role", "chat")
		default: // no --role yet: another store node with data of its own
			name = fmt.Sprintf("cluster-%d-chat-%d", n, k)
			argv = append(argv, "--data", filepath.Join(nodeDir, "data"))
		}
		s, err := b.spawn(ctx, load.Parentline, name, "http://"+addr, append(argv, serveFlags...), nodeDir)
		if err != nil {
			return run, err
		}
		procs = append(procs, s)
		if err := s.ready(ctx); err != nil {
			return run, fmt.Errorf("node %d of %d: %w", k+1, n, err)
		}
		nodes = append(nodes, s)
	}

	c := cfg
	c.URL, c.URLs, c.LoginURL = "", nil, ""
	c.ServerPID, c.ServerPIDs = 0, nil
	for _, s := range nodes {
		c.URLs = append(c.URLs, s.url)
		c.ServerPIDs = append(c.ServerPIDs, s.pid())
	}
	c.ServerPIDs = append(c.ServerPIDs, rs.pid()) // last: redis-server
	if n == 1 {
		c.URL, c.URLs = c.URLs[0], nil
	}
	if opts.loginStore {
		c.LoginURL = nodes[0].url
	}
	c.Password, c.Logf = b.password, b.logf
	stats := &commandStats{client: client}
	c.Window = stats.window
	b.logf("%d node(s) (pids %v, redis-server %d): running %d chats at %.0f msg/s for %s", n, c.ServerPIDs[:n], rs.pid(), c.Chats, c.Rate, c.Duration)
	res, runErr := load.Run(ctx, c)
	if res.Target != "" { // the run began: what it saw until it ended
		run.Result = res
	}
	for _, s := range nodes {
		if count, first := s.trouble(); count > 0 {
			run.Notes = append(run.Notes, fmt.Sprintf("%s logged %d warnings or errors, first: %s", filepath.Base(strings.TrimSuffix(s.log, ".log")), count, strings.Join(first, " | ")))
		}
		if s.exited() {
			run.Notes = append(run.Notes, fmt.Sprintf("%s exited during the run (%v)", filepath.Base(strings.TrimSuffix(s.log, ".log")), s.err))
		}
	}
	if rs.exited() {
		run.Notes = append(run.Notes, fmt.Sprintf("redis-server exited during the run (%v): %s", rs.err, readTail(filepath.Join(dir, "redis.log"))))
	}
	if runErr != nil {
		return run, runErr
	}
	if err := stats.err(); err != nil {
		return run, err
	}
	run.RedisCalls = stats.calls()
	splitCPU(&run)
	return run, nil
}

// splitCPU fills the nodes' and redis-server's shares of the CPU per
// message (redis-server is the last process) and the Redis commands per
// message relayed in the measured window.
func splitCPU(run *clusterRun) {
	measured := math.Round(run.MsgsPerS * run.DurationS)
	if measured <= 0 {
		return
	}
	var total int64
	for _, n := range run.RedisCalls {
		total += n
	}
	run.RedisCmdsPerMsg = math.Round(float64(total)/measured*100) / 100
	each := run.CPUSEach
	if len(each) < 2 || run.CPUS <= 0 {
		return
	}
	redisS := each[len(each)-1]
	run.RedisCPUUSPerMsg = math.Round(redisS*1e6/measured*10) / 10
	run.NodeCPUUSPerMsg = math.Round((run.CPUS-redisS)*1e6/measured*10) / 10
}

// startRedis runs a fresh redis-server on a free loopback port with its
// append-only file (fsync on every write) in dir, as a cluster's Redis
// runs in production.
func (b *bench) startRedis(ctx context.Context, dir, name, bin string) (*server, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := strings.Cut(addr, ":")
	argv := []string{bin, "--bind", "127.0.0.1", "--port", port, "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--protected-mode", "yes", "--loglevel", "warning", "--logfile", filepath.Join(dir, "redis.log")}
	s, err := b.spawn(ctx, redisTarget, name, "http://"+addr, argv, dir)
	if err != nil {
		return nil, "", err
	}
	if err := s.ready(ctx); err != nil {
		return nil, "", fmt.Errorf("%w; redis log: %s", err, readTail(filepath.Join(dir, "redis.log")))
	}
	return s, "redis://" + addr + "/0", nil
}

// waitPing waits until Redis answers PING, for at most 10 s.
func waitPing(ctx context.Context, c *redis.Client) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := c.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("no answer to PING: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// copyFiles copies the regular files of dir src into dst (created).
func copyFiles(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// readTail is the end of a file, for error messages.
func readTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// commandStats reads Redis's INFO commandstats as the measured window opens
// and closes (the engine's Window hook) and keeps the difference.
type commandStats struct {
	client *redis.Client
	mu     sync.Mutex
	before map[string]int64
	diff   map[string]int64
	failed error
}

func (s *commandStats) window(end bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := s.client.Info(ctx, "commandstats").Result()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failed = fmt.Errorf("INFO commandstats: %w", err)
		return
	}
	calls := parseCommandStats(info)
	if !end {
		s.before = calls
		return
	}
	s.diff = map[string]int64{}
	for cmd, n := range calls {
		if d := n - s.before[cmd]; d > 0 {
			s.diff[cmd] = d
		}
	}
}

func (s *commandStats) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil && s.diff == nil {
		return errors.New("INFO commandstats: the measured window was not seen")
	}
	return s.failed
}

func (s *commandStats) calls() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.diff
}

// parseCommandStats reads the calls per command from INFO commandstats
// ("cmdstat_xadd:calls=3,usec=…"), leaving out INFO itself (chatload's own).
func parseCommandStats(info string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_")
		if !ok {
			continue
		}
		cmd, fields, ok := strings.Cut(rest, ":")
		if !ok || cmd == "info" {
			continue
		}
		for _, f := range strings.Split(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					out[cmd] = n
				}
			}
		}
	}
	return out
}

// clusterTable prints one row per run and what went wrong.
func clusterTable(w io.Writer, cfg load.Config, runs []clusterRun, pinNote string, serverCPU, toolCPU int, took time.Duration) {
	fmt.Fprintf(w, "\nchatload cluster: %d chats at %.0f msg/s for %s (open loop, %d-byte messages); each run on a fresh redis-server\n",
		cfg.Chats, cfg.Rate, cfg.Duration, cfg.TextSize)
	fmt.Fprintln(w, "(appendfsync always) with a store node and chat nodes; every chat's counsellor on another node than its parent")
	if pinNote == "" {
		fmt.Fprintf(w, "nodes and redis-server pinned to CPU %d, chatload to CPU %d; took %s\n\n", serverCPU, toolCPU, took.Round(time.Second))
	} else {
		fmt.Fprintf(w, "%s; took %s\n\n", pinNote, took.Round(time.Second))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "nodes\tmsgs/s\tp50 µs\tp99 µs\tlost\tCPU µs/msg\tnodes µs/msg\tredis µs/msg\tredis cmds/msg\t")
	var notes []string
	for _, r := range runs {
		if r.Error != "" {
			fmt.Fprintf(tw, "%d\t-\t-\t-\t-\t-\t-\t-\t-\t\n", r.Nodes)
			notes = append(notes, fmt.Sprintf("%d nodes: %s", r.Nodes, r.Error))
		} else {
			fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.0f\t%d\t%.1f\t%.1f\t%.1f\t%.2f\t\n", r.Nodes, r.MsgsPerS, r.P50US, r.P99US, r.Lost,
				r.CPUUSPerMsg, r.NodeCPUUSPerMsg, r.RedisCPUUSPerMsg, r.RedisCmdsPerMsg)
		}
		for _, n := range r.Notes {
			notes = append(notes, fmt.Sprintf("%d nodes: %s", r.Nodes, n))
		}
		if r.Disconnects > 0 || r.SendErrors > 0 || r.OutOfOrder > 0 || len(r.Errors) > 0 {
			notes = append(notes, fmt.Sprintf("%d nodes: disconnects %d, send errors %d, out of order %d, errors %v",
				r.Nodes, r.Disconnects, r.SendErrors, r.OutOfOrder, r.Errors))
		}
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)
}

// writeClusterKey writes a fresh cluster key (hex) that all nodes of a run share.
func writeClusterKey(path string) error {
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the cluster key: %w", err)
	}
	return nil
}
