package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parentline/eid/bankid/bankidtest"
)

// TestServe_BankIDLogin: with --eid bankid the server logs a citizen in
// through BankID's RP API v6 (a fake that speaks it over mutual TLS): the
// browser gets an order, an animated QR code as SVG and the official
// message, never the QR secret, and is logged in when the order completes.
func TestServe_BankIDLogin(t *testing.T) {
	fake := bankidtest.New(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ts := startServer(t, t.TempDir(), "--eid", "bankid", "--bankid-url", fake.URL,
		"--bankid-cert", write("rp.pem", fake.ClientCertPEM), "--bankid-key", write("rp.key", fake.ClientKeyPEM),
		"--bankid-ca", write("ca.pem", fake.CAPEM))

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
