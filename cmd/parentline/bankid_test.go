package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parentline/eid/bankid/bankidtest"
	"parentline/internal/redistest"
)

// bankidFlags are the flags that point the server at fake, with its
// certificates written to files.
func bankidFlags(t *testing.T, fake *bankidtest.Server) []string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return []string{"--eid", "bankid", "--bankid-url", fake.URL,
		"--bankid-cert", write("rp.pem", fake.ClientCertPEM), "--bankid-key", write("rp.key", fake.ClientKeyPEM),
		"--bankid-ca", write("ca.pem", fake.CAPEM)}
}

// TestServe_BankIDLogin: with --eid bankid the server logs a citizen in
// through BankID's RP API v6 (a fake that speaks it over mutual TLS): the
// browser gets an order, an animated QR code as SVG and the official
// message, never the QR secret, and is logged in when the order completes.
func TestServe_BankIDLogin(t *testing.T) {
	fake := bankidtest.New(t)
	ts := startServer(t, t.TempDir(), bankidFlags(t, fake)...)

	c := newCitizen(t, ts.base)
	status, m := c.do("POST", "/api/eid/orders", map[string]string{"kind": "auth"})
	if status != 201 || m["test"] != false {
		t.Fatalf("start: %d %v", status, m)
	}
	order := m["order"].(string)
	res, err := c.c.Get(ts.base + "/api/eid/orders/" + order + "/qr.svg")
	if err != nil {
		t.Fatal(err)
	}
	svg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(svg), "<svg") {
		t.Fatalf("qr: %d %.80s", res.StatusCode, svg)
	}
	if reqs := fake.Requests(); len(reqs) == 0 || reqs[0].Endpoint != "auth" || !strings.Contains(string(reqs[0].Body), `"endUserIp":"127.0.0.1"`) {
		t.Fatalf("BankID was asked %+v", reqs)
	}
	first := c.await("/api/eid/orders/"+order, "GET", nil, func(status int, m map[string]any) bool { return status == 200 })
	if msg, _ := first["message"].(string); msg == "" {
		t.Fatalf("no message for the citizen: %v", first)
	}
	c.await("/api/eid/orders/"+order, "GET", nil, func(status int, m map[string]any) bool { return m["logged_in"] == true })
	status, me := c.do("GET", "/api/eid/me", nil)
	if status != 200 || me["name"] != bankidtest.DefaultUser.Name || me["test"] != false {
		t.Fatalf("me: %d %v", status, me)
	}
	if strings.Contains(ts.logs.String(), bankidtest.DefaultUser.PersonalNumber) {
		t.Fatal("the personnummer reached the log")
	}
}

// TestClusterStore_BankIDToldTheCitizensAddress: in a cluster the store
// node starts the BankID orders, yet BankID is told the citizen's own
// address (endUserIp), not the chat node's; the address is stored and
// logged nowhere, and a header forged by a client counts for nothing.
func TestClusterStore_BankIDToldTheCitizensAddress(t *testing.T) {
	const citizenIP = "127.0.0.2"
	fake := bankidtest.New(t)
	r := redistest.Start(t)
	store := startServer(t, t.TempDir(), append([]string{"--redis", r.URL(), "--role", "store"}, bankidFlags(t, fake)...)...)
	chatNode := startChatNode(t, r)

	jar, _ := cookiejar.New(nil)
	c := &citizen{t: t, base: chatNode.base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: clientAt(citizenIP).Transport}}
	status, m := c.do("POST", "/api/eid/orders", map[string]string{"kind": "auth"})
	if status != http.StatusCreated {
		t.Fatalf("start through the chat node: %d %v", status, m)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Endpoint != "auth" || !strings.Contains(string(reqs[0].Body), `"endUserIp":"`+citizenIP+`"`) {
		t.Fatalf("BankID was asked %+v, want the citizen's address %s", reqs, citizenIP)
	}
	c.await("/api/eid/orders/"+m["order"].(string), "GET", nil, func(status int, m map[string]any) bool { return m["logged_in"] == true })
	if status, me := c.do("GET", "/api/eid/me", nil); status != 200 || me["name"] != bankidtest.DefaultUser.Name {
		t.Fatalf("me through the chat node: %d %v", status, me)
	}

	// A client that sends the header itself, to the chat node or straight
	// to the store node, is taken for what its connection says.
	other, err := newInternalBox([]byte("another cluster's key, not this one's"))
	if err != nil {
		t.Fatal(err)
	}
	forged := other.endUserToken("203.0.113.9:4000", time.Now())
	for _, base := range []string{chatNode.base, store.base} {
		req, _ := http.NewRequest("POST", base+"/api/eid/orders", strings.NewReader(`{"kind":"auth"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(endUserHeader, forged)
		res, err := clientAt("127.0.0.3").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("start at %s: %d", base, res.StatusCode)
		}
		last := fake.Requests()
		body := string(last[len(last)-1].Body)
		if !strings.Contains(body, `"endUserIp":"127.0.0.3"`) {
			t.Fatalf("with a forged header at %s, BankID was told %s", base, body)
		}
	}

	// Every route the chat node seals the address for is one the store
	// node has (a renamed route would quietly send the chat node's).
	for path := range endUserRoutes {
		if got := call(t, "POST", store.base+path, "", "{}").status; got == http.StatusNotFound || got == http.StatusMethodNotAllowed {
			t.Errorf("POST %s on the store node: %d", path, got)
		}
	}

	dump := dumpRedis(t, r.Client())
	for _, node := range []*testServer{store, chatNode} {
		for _, ip := range []string{citizenIP, "203.0.113.9"} {
			if strings.Contains(node.logs.String(), ip) {
				t.Errorf("%s logged %s", node.base, ip)
			}
			if strings.Contains(dump, ip) {
				t.Errorf("redis holds %s", ip)
			}
		}
	}
}
