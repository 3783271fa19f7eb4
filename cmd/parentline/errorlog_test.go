package main

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"parentline/internal/testkit"
)

func TestHTTPErrorLogRedactsAddresses(t *testing.T) {
	var out testkit.LogBuffer
	l := httpErrorLog(zerolog.New(&out))
	l.Printf("http: TLS handshake error from 203.0.113.7:51234: EOF")
	l.Printf("http: panic serving [2001:db8::17]:443: boom")
	l.Printf("http: Accept error: accept tcp [::]:8080: too many open files; retrying in 5ms")
	got := out.String()
	for _, leak := range []string{"203.0.113.7", "2001:db8::17", "51234"} {
		if strings.Contains(got, leak) {
			t.Errorf("log keeps %q: %s", leak, got)
		}
	}
	if !strings.Contains(got, "TLS handshake error from [address]") || !strings.Contains(got, "too many open files") {
		t.Errorf("the message itself must survive: %s", got)
	}
}
