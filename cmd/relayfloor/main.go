// Command relayfloor is the reference floor for the load benchmark: a bare
// WebSocket relay (internal/relayfloor) served on a loopback address.
// chatload drives it with the same payloads as the real server, so every
// figure can be stated as a ratio to what a bare relay does on this machine.
package main

import (
	"flag"
	"log"
	"net/http"

	"parentline/internal/relayfloor"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address (loopback)")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, relayfloor.Handler()))
}
