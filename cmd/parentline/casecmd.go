package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"parentline/audit"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"parentline/consent"
)

// runKeys is `parentline keys new --out DIR`: a reader's key pair, made on
// the reader's side. The private key never goes to the server.
func runKeys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "new" {
		fmt.Fprintln(stderr, "parentline keys: the only subcommand is \"new\"")
		return exitUsage
	}
	fs := flag.NewFlagSet("keys new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write the key pair into")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "parentline keys new: --out DIR is required")
		return exitUsage
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		fmt.Fprintf(stderr, "parentline keys new: %v\n", err)
		return exitFailure
	}
	priv, err := consent.GenerateKey()
	if err != nil {
		fmt.Fprintf(stderr, "parentline keys new: %v\n", err)
		return exitFailure
	}
	privPath, pubPath, err := consent.WriteKeyPair(*out, priv)
	if err != nil {
		fmt.Fprintf(stderr, "parentline keys new: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "private key (keep it; load it in the intake view or give it to case open): %s\n", privPath)
	fmt.Fprintf(stdout, "public key (give it to the server with --intake-key):                      %s\n", pubPath)
	return exitOK
}

// runCase is `parentline case open --key FILE --data DIR REF`, run on the
// reader's machine with a copy of the data directory.
func runCase(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "open" {
		fmt.Fprintln(stderr, "parentline case: the only subcommand is \"open\"")
		return exitUsage
	}
	fs := flag.NewFlagSet("case open", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyPath := fs.String("key", "", "the reader's private key file (.jwk)")
	data := fs.String("data", envOr(getenv, "PARENTLINE_DATA", "./data"), "data directory (a copy is fine)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *keyPath == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "parentline case open: --key FILE and one case reference are required")
		return exitUsage
	}
	ref := fs.Arg(0)
	priv, err := consent.LoadPrivateKey(*keyPath)
	if err != nil {
		fmt.Fprintf(stderr, "parentline case open: %v\n", err)
		return exitFailure
	}
	db, err := bolt.Open(filepath.Join(*data, "parentline.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		fmt.Fprintf(stderr, "parentline case open: opening the store read-only: %v\n", err)
		return exitFailure
	}
	defer db.Close()
	meta, env, err := consent.NewStore(db).Get(ref)
	if err != nil {
		fmt.Fprintf(stderr, "parentline case open: %s: %v\n", ref, err)
		return exitFailure
	}
	if meta.Status == consent.StatusWithdrawn {
		fmt.Fprintf(stderr, "parentline case open: %s was withdrawn by the parent; its content is deleted\n", ref)
		return exitFailure
	}
	plain, err := consent.Open(env, ref, priv)
	if err != nil {
		fmt.Fprintf(stderr, "parentline case open: %s: %v\n", ref, err)
		return exitFailure
	}
	var pretty any
	if json.Unmarshal(plain, &pretty) == nil {
		plain, _ = json.MarshalIndent(pretty, "", "  ")
	}
	fmt.Fprintf(stdout, "%s\n", plain)
	return exitOK
}

// runAudit is `parentline audit verify --data DIR`: checks that no audit
// entry was edited, removed or added out of order.
func runAudit(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "parentline audit: the only subcommand is \"verify\"")
		return exitUsage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr(getenv, "PARENTLINE_DATA", "./data"), "data directory")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	db, err := bolt.Open(filepath.Join(*data, "parentline.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		fmt.Fprintf(stderr, "parentline audit verify: opening the store read-only: %v\n", err)
		return exitFailure
	}
	defer db.Close()
	n, err := audit.Verify(db)
	if err != nil {
		fmt.Fprintf(stderr, "parentline audit verify: FAILED: %v\n", err)
		return exitFailure
	}
	_, head, _ := audit.Head(db)
	fmt.Fprintf(stdout, "audit trail intact: %d entries, head %s\n", n, head)
	return exitOK
}
