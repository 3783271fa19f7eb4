package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/rs/zerolog"
)

func newLogger(cfg Config, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil || cfg.LogLevel == "" {
		level = zerolog.InfoLevel
	}
	if cfg.LogFormat == "pretty" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "parentline serve: %v\n", err)
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	srv, err := newServer(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "parentline serve: %v\n", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "parentline serve: %v\n", err)
		return exitFailure
	}
	printBanner(stdout, cfg, ln.Addr().String())
	log.Info().Str("addr", ln.Addr().String()).Str("data", cfg.Data).Str("hours", cfg.Hours.String()).Msg("parentline serving")
	if err := srv.Serve(ctx, ln); err != nil {
		log.Error().Err(err).Msg("parentline stopped with an error")
		return exitFailure
	}
	log.Info().Msg("parentline stopped")
	return exitOK
}

func printBanner(w io.Writer, cfg Config, addr string) {
	base := "http://" + addr
	metrics := base + "/metrics"
	if cfg.MetricsAddr != "" {
		metrics = "http://" + cfg.MetricsAddr + "/metrics"
	}
	fmt.Fprintf(w, `
Parentline is running.
  Demo page with the chat widget:  %s/
  Counsellor console:              %s/console/
  Metrics:                         %s
  Opening hours:                   %s (Europe/Stockholm)
No account yet? Stop the server (Ctrl-C), create one (the password is the first line of stdin),
and start it again:
  echo 'a-long-password' | bin/parentline user add --data %s --username anna --name Anna --role counselor,supervisor,admin
`, base, base, metrics, cfg.Hours.String(), cfg.Data)
}
