//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"parentline/internal/load"
)

// runSoak is `chatload soak`: a fresh server under open-loop load with churn
// for a long time, then everyone leaves and the server is watched settle.
func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := defaultConfig()
	cfg.Mode, cfg.Chats, cfg.Rate, cfg.ChurnRate, cfg.Duration = load.Soak, 1000, 10_000, 10, 10*time.Minute
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	parentline := fs.String("parentline", "", "the parentline binary (required: it also creates the accounts)")
	floor := fs.String("floor", "", "the relayfloor binary (only with --target floor)")
	target := fs.String("target", string(load.Parentline), "parentline or floor")
	out := fs.String("out", "", "file for the JSON line (default: stdout, after the samples)")
	serverCPU := fs.Int("server-cpu", 0, "CPU the server is pinned to")
	toolCPU := fs.Int("tool-cpu", 1, "CPU chatload pins itself to")
	loadFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cfg.Target = load.Target(*target)
	if *parentline == "" || (cfg.Target == load.Floor && *floor == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "chatload soak: --parentline is required (and --floor with --target floor)")
		return exitUsage
	}
	pinNote := pinSelf(append([]string{"soak"}, args...), *serverCPU, *toolCPU)
	logf := progress(stderr)
	if pinNote != "" {
		logf("%s", pinNote)
	}
	b, err := newBench(*parentline, *floor, pinNote == "", *serverCPU, logf)
	if err != nil {
		fmt.Fprintf(stderr, "chatload soak: %v\n", err)
		return exitFailure
	}
	defer b.close()
	res, err := b.soak(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "chatload soak: %v\n", err)
		return exitFailure
	}
	printSoak(stdout, res)
	if err := copyTo(stdout, *out, []load.Result{res}); err != nil {
		fmt.Fprintf(stderr, "chatload soak: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func (b *bench) soak(ctx context.Context, cfg load.Config) (load.Result, error) {
	if cfg.Target == load.Parentline {
		if err := b.addUsers(ctx, cfg.UserPrefix, cfg.Counselors()); err != nil {
			return load.Result{}, err
		}
	}
	srv, err := b.start(ctx, cfg.Target, "soak-"+string(cfg.Target))
	if err != nil {
		return load.Result{}, err
	}
	defer srv.stop()
	cfg.URL, cfg.ServerPID, cfg.Password, cfg.Logf = srv.url, srv.pid(), b.password, b.logf
	res, err := load.Run(ctx, cfg)
	if n, first := srv.trouble(); n > 0 {
		b.logf("the server logged %d warnings or errors, first: %v", n, first)
	}
	return res, err
}

// printSoak prints the samples and the verdict.
func printSoak(w io.Writer, res load.Result) {
	fmt.Fprintf(w, "chatload soak: %s, %d chats at %.0f msg/s with %.0f churn chats/s for %.0fs\n",
		res.Target, res.Chats, res.Rate, res.ChurnRate, res.DurationS)
	fmt.Fprintf(w, "sent %d, received %d, lost %d, p99 %.0f µs, disconnects %d, errors %v\n\n",
		res.Sent, res.Received, res.Lost, res.P99US, res.Disconnects, res.Errors)
	rep := res.Soak
	if rep == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tat s\tRSS MiB\tgoroutines\tsent\treceived\t")
	for _, s := range append([]load.Sample{rep.Baseline}, rep.Samples...) {
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%d\t%d\t%d\t\n", s.Phase, s.AtS, float64(s.RSSBytes)/(1<<20), s.Goroutines, s.Sent, s.Received)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRSS returned near the baseline (75%% of the growth given back): %s\n", yesNo(rep.RSSReturned))
	fmt.Fprintf(w, "goroutines returned to the baseline (within 5): %s\n\n", yesNo(rep.GoroutinesReturned))
}
