// Command parentline is the whole Parentline service in one binary: `serve`
// runs it, and the admin subcommands manage what it stores.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage:
  parentline serve [flags]                 run the service (parentline serve -h lists the flags)
  parentline user add --data DIR --username NAME --role ROLE[,ROLE...] [--name DISPLAY]
                                           create a staff account; the password is the first line of stdin
  parentline stats seed-demo --data DIR [--years N] [--if-empty]
                                           write demo tallies for the report page (never mixed with real ones)
  parentline keys new --out DIR            make an intake reader's key pair (on the reader's side)
  parentline case open --key FILE --data DIR REF
                                           decrypt a case with the reader's private key
  parentline audit verify --data DIR       check that the case audit trail is intact
  parentline version                       print the version
Roles: counselor, supervisor, statistician, admin, intake.
`

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program, with its environment passed in so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprintln(stderr, "parentline user: the only subcommand is \"add\"")
			return exitUsage
		}
		return runUserAdd(args[2:], getenv, stdin, stdout, stderr)
	case "keys":
		return runKeys(args[1:], stdout, stderr)
	case "case":
		return runCase(args[1:], getenv, stdout, stderr)
	case "audit":
		return runAudit(args[1:], getenv, stdout, stderr)
	case "stats":
		return runStats(args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "parentline: unknown command %q\n%s", args[0], usage)
	return exitUsage
}
