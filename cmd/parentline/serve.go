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
	ev := log.Info().Str("addr", ln.Addr().String()).Str("hours", cfg.Hours.String())
	switch {
	case cfg.Role == roleChat:
		ev = ev.Str("role", roleChat) // no data directory: a chat node keeps nothing itself
	case cfg.Redis != "":
		ev = ev.Str("role", roleStore).Str("data", cfg.Data)
	default:
		ev = ev.Str("data", cfg.Data)
	}
	ev.Msg("parentline serving")
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
	if cfg.Role == roleChat {
		fmt.Fprintf(w, `
Parentline is running as a chat node of a cluster.
  Demo page with the chat widget:  %s/
  Counsellor console:              %s/console/
  Metrics:                         %s
  Opening hours:                   %s (Europe/Stockholm)
Logins, statistics, cases and administration are passed to the store node;
staff accounts are made there.
`, base, base, metrics, cfg.Hours.String())
		return
	}
	fmt.Fprintf(w, `
Parentline is running.
  Demo page with the chat widget:  %s/
  Counsellor console:              %s/console/
  Book family counselling:         %s/boka/
  Mina sidor (citizens):           %s/mina-sidor/
  Booking staff:                   %s/bokning/
  Foster-home interest:            %s/familjehem/   (staff: %s/familjehem/personal/)
  Parenting programmes ABC, Komet: %s/foraldrastod/ (coordinators: %s/foraldrastod/samordnare/)
  Metrics:                         %s
  Opening hours:                   %s (Europe/Stockholm)
`, base, base, base, base, base, base, base, base, base, metrics, cfg.Hours.String())
	if cfg.EID == "test" {
		fmt.Fprintf(w, `Citizen e-ID is the built-in TEST provider: act as the phone at %s/eid/test/
`, base)
	}
	if cfg.SMTPAddr == "" {
		fmt.Fprintf(w, `Mail is not sent; read it at %s/dev/outbox
`, base)
	}
	fmt.Fprintf(w, `No account yet? Stop the server (Ctrl-C), create one (the password is the first line of stdin),
and start it again:
  echo 'a-long-password' | bin/parentline user add --data %s --username anna --name Anna --role counselor,supervisor,admin,booking
Foster-care staff hold foster:<municipality code> (e.g. foster:2380), coordinators coordinator:<district>
(e.g. coordinator:kungsholmen); they open registrations with the reader key file (make run: data/dev-readers/*.jwk).
`, cfg.Data)
}
