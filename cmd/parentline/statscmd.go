package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"parentline/stats"
)

// runStats is `parentline stats seed-demo`: demo tallies for the report page,
// kept in buckets of their own so they never mix with real ones.
func runStats(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "seed-demo" {
		fmt.Fprintln(stderr, "parentline stats: the only subcommand is \"seed-demo\"")
		return exitUsage
	}
	fs := flag.NewFlagSet("stats seed-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(getenv, "PARENTLINE_DATA", "./data"), "data directory")
	years := fs.Int("years", 5, "years of daily demo tallies, ending today")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when demo data already exists")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *years < 1 || *years > 10 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "parentline stats seed-demo: --years must be 1–10")
		return exitUsage
	}
	db, err := openDB(*data)
	if err != nil {
		fmt.Fprintf(stderr, "parentline stats seed-demo: %v\n", err)
		return exitFailure
	}
	defer db.Close()
	if *ifEmpty && stats.HasDemo(db) {
		return exitOK
	}
	topics, err := stats.OpenTopics(db)
	if err != nil {
		fmt.Fprintf(stderr, "parentline stats seed-demo: %v\n", err)
		return exitFailure
	}
	var ids []string
	for _, tp := range topics.All() {
		ids = append(ids, tp.ID)
	}
	to := time.Now()
	from := to.AddDate(-*years, 0, 0)
	if err := stats.SeedDemo(db, ids, from, to, 1); err != nil {
		fmt.Fprintf(stderr, "parentline stats seed-demo: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "wrote %d years of DEMO tallies (kept apart from real ones); choose \"Demodata\" on /stats/\n", *years)
	return exitOK
}
