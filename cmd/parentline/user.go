package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"parentline/staff"
)

// runUserAdd creates a staff account in the data directory. It works while
// the server is stopped (the store is a single-writer file).
func runUserAdd(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(getenv, "PARENTLINE_DATA", "./data"), "data directory")
	username := fs.String("username", "", "login name (lowercase letters, digits, . _ -)")
	name := fs.String("name", "", `display name shown to parents (default "Rådgivare")`)
	roles := fs.String("role", "", "comma-separated roles: counselor, supervisor, statistician, admin, intake")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *username == "" || *roles == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "parentline user add: --username and --role are required")
		return exitUsage
	}
	parsed, err := staff.ParseRoles(*roles)
	if err != nil {
		fmt.Fprintf(stderr, "parentline user add: %v\n", err)
		return exitUsage
	}
	password, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "parentline user add: reading the password: %v\n", err)
		return exitFailure
	}
	password = strings.TrimRight(password, "\r\n")
	if password == "" {
		fmt.Fprintln(stderr, "parentline user add: no password on standard input")
		return exitUsage
	}

	db, err := openDB(*data)
	if err != nil {
		fmt.Fprintf(stderr, "parentline user add: %v\n", err)
		return exitFailure
	}
	defer db.Close()
	users, err := staff.NewStore(db, staff.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "parentline user add: %v\n", err)
		return exitFailure
	}
	if err := users.AddUser(*username, *name, parsed, password); err != nil {
		fmt.Fprintf(stderr, "parentline user add: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", *username, *roles)
	return exitOK
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}
