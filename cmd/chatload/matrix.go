//go:build linux

package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"parentline/internal/load"
)

// scenario is one workload of the matrix and the targets it is held to.
type scenario struct {
	name   string
	cfg    load.Config
	checks []check
}

// check is one line of the summary: a figure of both runs, and, when limit
// is set, the bound its ratio (parentline / floor) or its own value must keep.
type check struct {
	figure string
	value  func(load.Result) float64
	rule   string  // "ratio<=", "ratio>=", "zero", or "" for information only
	limit  float64 // for the ratio rules
	format string
}

func p99(r load.Result) float64 { return r.P99US }

// sendLag is how late the tool itself sent (p99): its share of the latency.
func sendLag(r load.Result) float64 { return r.SendLagP99US }

// scenarios is the matrix. quick shrinks it tenfold to try the setup.
func scenarios(quick bool) []scenario {
	chats, rate, churn, idle := 1000, 10_000.0, 100.0, 10_000
	open, closed, hold, churnFor := 15*time.Second, 10*time.Second, 5*time.Second, 15*time.Second
	if quick {
		chats, rate, churn, idle = 100, 1000, 10, 1000
		open, closed, hold, churnFor = 3*time.Second, 3*time.Second, 2*time.Second, 3*time.Second
	}
	return []scenario{
		{name: "open", cfg: load.Config{Mode: load.Open, Chats: chats, Rate: rate, Duration: open}, checks: []check{
			{figure: "p50 latency µs", value: func(r load.Result) float64 { return r.P50US }, format: "%.0f"},
			{figure: "p99 latency µs", value: p99, rule: "ratio<=", limit: 1.5, format: "%.0f"},
			{figure: "lost messages", value: func(r load.Result) float64 { return float64(r.Lost) }, rule: "zero", format: "%.0f"},
			{figure: "server CPU µs/msg", value: func(r load.Result) float64 { return r.CPUUSPerMsg }, rule: "ratio<=", limit: 1.5, format: "%.2f"},
			{figure: "tool send lag p99 µs", value: sendLag, format: "%.0f"},
		}},
		{name: "closed", cfg: load.Config{Mode: load.Closed, Chats: chats, Duration: closed}, checks: []check{
			{figure: "msgs/s", value: func(r load.Result) float64 { return r.MsgsPerS }, rule: "ratio>=", limit: 0.8, format: "%.0f"},
			{figure: "p99 latency µs", value: p99, format: "%.0f"},
		}},
		{name: "idle", cfg: load.Config{Mode: load.Idle, Chats: idle, Duration: hold}, checks: []check{
			{figure: "RSS bytes/conn", value: func(r load.Result) float64 { return r.RSSPerConnBytes }, rule: "ratio<=", limit: 1.25, format: "%.0f"},
		}},
		{name: "churn", cfg: load.Config{Mode: load.Churn, Chats: chats, Rate: rate, ChurnRate: churn, Duration: churnFor}, checks: []check{
			{figure: "p99 latency µs", value: p99, rule: "ratio<=", limit: 2, format: "%.0f"},
			{figure: "lost messages", value: func(r load.Result) float64 { return float64(r.Lost) }, rule: "zero", format: "%.0f"},
			{figure: "churn chats done", value: func(r load.Result) float64 { return float64(r.ChurnDone) }, format: "%.0f"},
			{figure: "churn chat p99 µs", value: func(r load.Result) float64 { return r.ChurnP99US }, format: "%.0f"},
			{figure: "tool send lag p99 µs", value: sendLag, format: "%.0f"},
		}},
	}
}

// pair is what one scenario gave on both targets.
type pair struct {
	sc                scenario
	ours, floor       load.Result
	oursErr, floorErr error
	notes             []string
}

// runMatrix is `chatload matrix`.
func runMatrix(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	parentline := fs.String("parentline", "", "the parentline binary (required)")
	floor := fs.String("floor", "", "the relayfloor binary (required)")
	out := fs.String("out", "", "file for the JSON lines of every run (default: stdout, after the table)")
	only := fs.String("only", "", "comma-separated scenarios to run (default all: open,closed,idle,churn)")
	quick := fs.Bool("quick", false, "a tenth of the size and 3 s runs, to try the setup")
	strict := fs.Bool("strict", false, "exit with status 3 when a target is not met")
	serverCPU := fs.Int("server-cpu", 0, "CPU the servers are pinned to")
	toolCPU := fs.Int("tool-cpu", 1, "CPU chatload pins itself to")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *parentline == "" || *floor == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "chatload matrix: --parentline and --floor are required")
		return exitUsage
	}
	pinNote := pinSelf(append([]string{"matrix"}, args...), *serverCPU, *toolCPU)
	logf := progress(stderr)
	b, err := newBench(*parentline, *floor, pinNote == "", *serverCPU, logf)
	if err != nil {
		fmt.Fprintf(stderr, "chatload matrix: %v\n", err)
		return exitFailure
	}
	defer b.close()
	list, err := pick(scenarios(*quick), *only)
	if err != nil {
		fmt.Fprintf(stderr, "chatload matrix: %v\n", err)
		return exitUsage
	}
	began := time.Now()
	pairs, err := b.runAll(ctx, list)
	if err != nil {
		fmt.Fprintf(stderr, "chatload matrix: %v\n", err)
		return exitFailure
	}
	met, total, failed := summary(stdout, pairs, pinNote, *serverCPU, *toolCPU, time.Since(began))
	var results []load.Result
	for _, p := range pairs {
		results = append(results, p.floor, p.ours)
	}
	if err := copyTo(stdout, *out, results); err != nil {
		fmt.Fprintf(stderr, "chatload matrix: %v\n", err)
		return exitFailure
	}
	switch {
	case failed:
		return exitFailure
	case *strict && met < total:
		return exitTargets
	}
	return exitOK
}

// pick keeps the scenarios named in only (all when empty).
func pick(all []scenario, only string) ([]scenario, error) {
	if only == "" {
		return all, nil
	}
	var out []scenario
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, sc := range all {
			if sc.name == strings.TrimSpace(name) {
				out, found = append(out, sc), true
			}
		}
		if !found {
			return nil, fmt.Errorf("--only: no scenario %q", name)
		}
	}
	return out, nil
}

// runAll creates the counsellor accounts and runs every scenario on the
// floor and then on parentline, each on a fresh server process.
func (b *bench) runAll(ctx context.Context, list []scenario) ([]pair, error) {
	users := 0
	for _, sc := range list {
		cfg := sc.cfg
		cfg.Target = load.Parentline
		users = max(users, cfg.Counselors())
	}
	if err := b.addUsers(ctx, "load", users); err != nil {
		return nil, err
	}
	var pairs []pair
	for _, sc := range list {
		p := pair{sc: sc}
		p.floor, p.floorErr = b.runOn(ctx, sc, load.Floor, &p.notes)
		p.ours, p.oursErr = b.runOn(ctx, sc, load.Parentline, &p.notes)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("interrupted: %w", err)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// runOn runs one scenario against a fresh server of kind t.
func (b *bench) runOn(ctx context.Context, sc scenario, t load.Target, notes *[]string) (load.Result, error) {
	srv, err := b.start(ctx, t, sc.name+"-"+string(t))
	if err != nil {
		return load.Result{Target: t, Mode: sc.cfg.Mode}, err
	}
	defer srv.stop()
	cfg := sc.cfg
	cfg.Target, cfg.URL, cfg.ServerPID, cfg.Password, cfg.Logf = t, srv.url, srv.pid(), b.password, b.logf
	b.logf("%s on %s (pid %d): running", sc.name, t, srv.pid())
	res, err := load.Run(ctx, cfg)
	if n, first := srv.trouble(); n > 0 {
		*notes = append(*notes, fmt.Sprintf("%s %s: the server logged %d warnings or errors, first: %s", sc.name, t, n, strings.Join(first, " | ")))
	}
	if srv.exited() {
		*notes = append(*notes, fmt.Sprintf("%s %s: the server exited during the run (%v)", sc.name, t, srv.err))
	}
	if err != nil {
		b.logf("%s on %s: %v", sc.name, t, err)
	}
	return res, err
}

// summary prints the table and the notes, and counts the targets met.
func summary(w io.Writer, pairs []pair, pinNote string, serverCPU, toolCPU int, took time.Duration) (met, total int, failed bool) {
	fmt.Fprintln(w, "chatload matrix: parentline against the bare relay floor, same machine, same run")
	if pinNote == "" {
		fmt.Fprintf(w, "servers pinned to CPU %d, chatload to CPU %d; every run on a fresh server process; took %s\n\n", serverCPU, toolCPU, took.Round(time.Second))
	} else {
		fmt.Fprintf(w, "%s; every run on a fresh server process; took %s\n\n", pinNote, took.Round(time.Second))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tparentline\tfloor\tratio\ttarget\tmet\t")
	var notes []string
	for _, p := range pairs {
		notes = append(notes, p.notes...)
		for _, err := range []error{p.floorErr, p.oursErr} {
			if err != nil {
				failed = true
				notes = append(notes, fmt.Sprintf("%s: %v", p.sc.name, err))
			}
		}
		for _, c := range p.sc.checks {
			cells, verdict := c.row(p)
			fmt.Fprintf(tw, "%s\t%s\t\n", p.sc.name, strings.Join(cells, "\t"))
			if verdict != "" {
				total++
				if verdict == "yes" {
					met++
				}
			}
		}
		notes = append(notes, trouble(p)...)
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntargets met: %d of %d\n", met, total)
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)
	return met, total, failed
}

// row renders one check's cells after the scenario's name; verdict is
// "yes", "no" or "" (no target).
func (c check) row(p pair) (cells []string, verdict string) {
	ours, floor := c.value(p.ours), c.value(p.floor)
	ratio := "-"
	if floor != 0 && c.rule != "zero" {
		ratio = fmt.Sprintf("%.2f", ours/floor)
	}
	target := "-"
	switch c.rule {
	case "ratio<=":
		target = fmt.Sprintf("≤ %g", c.limit)
		verdict = yesNo(floor > 0 && ours/floor <= c.limit)
	case "ratio>=":
		target = fmt.Sprintf("≥ %g", c.limit)
		verdict = yesNo(floor > 0 && ours/floor >= c.limit)
	case "zero":
		target = "0"
		verdict = yesNo(ours == 0)
	}
	if c.rule != "" && (p.oursErr != nil || p.floorErr != nil) {
		verdict = yesNo(false)
	}
	return []string{c.figure, fmt.Sprintf(c.format, ours), fmt.Sprintf(c.format, floor), ratio, target, cmp.Or(verdict, "-")}, verdict
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// trouble describes what went wrong on the sockets of a pair's runs.
func trouble(p pair) []string {
	var out []string
	for _, r := range []load.Result{p.floor, p.ours} {
		if r.Disconnects == 0 && r.SendErrors == 0 && r.OutOfOrder == 0 && len(r.Errors) == 0 && r.ChurnFailed == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: disconnects %d, send errors %d, out of order %d, churn failed %d, errors %v",
			p.sc.name, r.Target, r.Disconnects, r.SendErrors, r.OutOfOrder, r.ChurnFailed, r.Errors))
	}
	return out
}
