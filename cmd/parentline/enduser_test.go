package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The store node takes the citizen's address from a chat node's header
// only when it was sealed under this cluster's key within the last minute;
// otherwise it uses the connection's own address.
func TestEndUserIP(t *testing.T) {
	box, err := newInternalBox([]byte("this cluster's key"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := newInternalBox([]byte("another cluster's key"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req := func(header string) *http.Request {
		r := httptest.NewRequest("POST", "/api/eid/orders", nil)
		r.RemoteAddr = "10.1.2.3:5555" // the chat node
		if header != "" {
			r.Header.Set(endUserHeader, header)
		}
		return r
	}
	for _, tc := range []struct {
		name, header, want string
	}{
		{"no header", "", "10.1.2.3"},
		{"IPv4", box.endUserToken("192.0.2.7:41000", now), "192.0.2.7"},
		{"IPv6 with a zone", box.endUserToken("[fe80::1%eth0]:41000", now), "fe80::1"},
		{"IPv4 mapped in IPv6", box.endUserToken("[::ffff:192.0.2.8]:41000", now), "192.0.2.8"},
		{"another cluster's key", other.endUserToken("192.0.2.7:41000", now), "10.1.2.3"},
		{"a minute old", box.endUserToken("192.0.2.7:41000", now.Add(-endUserWindow-time.Second)), "10.1.2.3"},
		{"from the future", box.endUserToken("192.0.2.7:41000", now.Add(endUserWindow+time.Second)), "10.1.2.3"},
		{"not base64", "%%%", "10.1.2.3"},
		{"the login's header", box.clientToken("192.0.2.7:41000", now), "10.1.2.3"},
	} {
		if got := box.endUserIP(req(tc.header)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if tok := box.endUserToken("not-an-address", now); tok != "" {
		t.Errorf("a token for no address: %q", tok)
	}
}
