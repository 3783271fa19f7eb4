package main

import (
	"log"
	"regexp"
	"strings"

	"github.com/rs/zerolog"
)

// addressPattern matches IPv4 and IPv6 addresses, with or without a port.
var addressPattern = regexp.MustCompile(`\[?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*\]?(:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`)

// redactingWriter carries net/http's own error messages ("http: TLS
// handshake error from 203.0.113.7:5123: …") into our log with every address
// replaced, so not even the server library's messages keep who connected.
type redactingWriter struct{ log zerolog.Logger }

func (w redactingWriter) Write(p []byte) (int, error) {
	msg := addressPattern.ReplaceAllString(strings.TrimSpace(string(p)), "[address]")
	w.log.Warn().Str("source", "net/http").Msg(msg)
	return len(p), nil
}

func httpErrorLog(l zerolog.Logger) *log.Logger {
	return log.New(redactingWriter{log: l}, "", 0)
}
