package bankid_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"parentline/eid"
	"parentline/eid/bankid"
	"parentline/eid/bankid/bankidtest"
)

// Documentation addresses (RFC 5737 / RFC 3849), not anyone's.
const (
	userIP = "192.0.2.10"
	pnr    = "198211059954"
)

var clock = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func config(srv *bankidtest.Server) bankid.Config {
	return bankid.Config{
		URL:          srv.URL,
		CertPEM:      srv.ClientCertPEM,
		KeyPEM:       srv.ClientKeyPEM,
		CAPEM:        srv.CAPEM,
		Timeout:      5 * time.Second,
		RetryBackoff: 5 * time.Millisecond,
		Now:          func() time.Time { return clock },
	}
}

func newClient(t *testing.T, cfg bankid.Config) *bankid.Client {
	t.Helper()
	c, err := bankid.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// eidError returns err's *eid.Error, failing the test without one.
func eidError(t *testing.T, err error) *eid.Error {
	t.Helper()
	var e *eid.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *eid.Error, got %v", err)
	}
	return e
}

func countRequests(srv *bankidtest.Server, endpoint string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

func TestAuthPendingThenComplete(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	if c.Test() {
		t.Error("Test() = true for the real client")
	}

	st, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if err != nil {
		t.Fatal(err)
	}
	if st.Ref == "" || st.AutoStartToken == "" || st.QRStartToken == "" || st.QRStartSecret == "" {
		t.Fatalf("incomplete start answer: %+v", st)
	}
	if !st.At.Equal(clock) {
		t.Errorf("At = %v, want the injected clock %v", st.At, clock)
	}
	if got, want := bankid.QRAt(st, clock.Add(1500*time.Millisecond)), bankid.QRData(st.QRStartToken, st.QRStartSecret, 1); got != want {
		t.Errorf("QRAt = %s, want %s", got, want)
	}

	for _, want := range []string{"outstandingTransaction", "userSign"} {
		r, err := c.Collect(ctx(t), st.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != eid.Pending || r.HintCode != want {
			t.Fatalf("got %+v, want pending %s", r, want)
		}
	}
	r, err := c.Collect(ctx(t), st.Ref)
	if err != nil {
		t.Fatal(err)
	}
	u := bankidtest.DefaultUser
	want := eid.User{PersonalNumber: u.PersonalNumber, Name: u.Name, GivenName: u.GivenName, Surname: u.Surname}
	if r.State != eid.Complete || r.User != want {
		t.Fatalf("got %+v, want complete for %+v", r, want)
	}
	if r.Signature == "" || r.OCSPResponse == "" {
		t.Error("complete auth lacks signature or OCSP response")
	}

	// A completed order cannot be collected twice.
	_, err = c.Collect(ctx(t), st.Ref)
	if e := eidError(t, err); e.Code != "invalidParameters" || e.Status != 400 {
		t.Errorf("second collect: %v", e)
	}
}

func TestSignCompletesWithSignature(t *testing.T) {
	other := bankidtest.User{PersonalNumber: "199012119948", Name: "Andra Person", GivenName: "Andra", Surname: "Person"}
	srv := bankidtest.New(t, bankidtest.WithScript(func(bankidtest.Order) []bankidtest.Step {
		return []bankidtest.Step{bankidtest.Pending("userSign"), bankidtest.CompleteAs(other)}
	}))
	c := newClient(t, config(srv))

	text := "Jag bokar samtal med familjerådgivningen.\nÅÄÖ åäö."
	hash := []byte{0xde, 0xad, 0xbe, 0xef}
	st, err := c.Start(ctx(t), eid.Order{Kind: eid.Sign, EndUserIP: userIP, VisibleText: text, NonVisibleData: hash, PersonalNumber: other.PersonalNumber})
	if err != nil {
		t.Fatal(err)
	}
	o, ok := srv.Order(st.Ref)
	if !ok || o.Kind != "sign" || o.VisibleText != text || string(o.NonVisibleData) != string(hash) || o.PersonalNumber != other.PersonalNumber {
		t.Fatalf("fake saw %+v", o)
	}
	if r, err := c.Collect(ctx(t), st.Ref); err != nil || r.State != eid.Pending || r.HintCode != "userSign" {
		t.Fatalf("first collect: %+v, %v", r, err)
	}
	r, err := c.Collect(ctx(t), st.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != eid.Complete || r.User.PersonalNumber != other.PersonalNumber || r.User.Name != other.Name {
		t.Fatalf("got %+v", r)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || !strings.Contains(string(sig), base64.StdEncoding.EncodeToString([]byte(text))) {
		t.Errorf("signature is not base64 XML over the visible text: %q (%v)", sig, err)
	}
	if _, err := base64.StdEncoding.DecodeString(r.OCSPResponse); err != nil || r.OCSPResponse == "" {
		t.Errorf("OCSP response %q: %v", r.OCSPResponse, err)
	}
}

func TestFailedHints(t *testing.T) {
	for _, hint := range []string{"userCancel", "expiredTransaction", "startFailed", "certificateErr"} {
		t.Run(hint, func(t *testing.T) {
			srv := bankidtest.New(t)
			srv.Script(func(bankidtest.Order) []bankidtest.Step {
				return []bankidtest.Step{bankidtest.Pending("outstandingTransaction"), bankidtest.Failed(hint)}
			})
			c := newClient(t, config(srv))
			st, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
			if err != nil {
				t.Fatal(err)
			}
			if r, err := c.Collect(ctx(t), st.Ref); err != nil || r.State != eid.Pending {
				t.Fatalf("first collect: %+v, %v", r, err)
			}
			r, err := c.Collect(ctx(t), st.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if want := (eid.Result{State: eid.Failed, HintCode: hint}); r != want {
				t.Errorf("got %+v, want %+v", r, want)
			}
		})
	}
}

func TestAlreadyInProgressCancelsTheFirstOrder(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	first, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP, PersonalNumber: pnr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Start(ctx(t), eid.Order{Kind: eid.Sign, EndUserIP: userIP, PersonalNumber: pnr, VisibleText: "x"})
	e := eidError(t, err)
	if e.Code != "alreadyInProgress" || e.Status != 400 || e.Retryable() {
		t.Errorf("got %+v (retryable %v)", e, e.Retryable())
	}
	if n := countRequests(srv, "sign"); n != 1 {
		t.Errorf("alreadyInProgress was sent %d times; it must not be retried", n)
	}
	if strings.Contains(err.Error(), pnr) {
		t.Errorf("error names the personal number: %v", err)
	}
	r, err := c.Collect(ctx(t), first.Ref)
	if err != nil || r.State != eid.Failed || r.HintCode != "cancelled" {
		t.Errorf("first order: %+v, %v; want failed cancelled", r, err)
	}
}

func TestMaintenanceIsRetriedThenReturned(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	srv.Fail("maintenance", 3)
	_, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	e := eidError(t, err)
	if e.Code != "maintenance" || e.Status != 503 || !e.Retryable() {
		t.Errorf("got %+v", e)
	}
	if n := countRequests(srv, "auth"); n != 3 {
		t.Errorf("%d attempts, want 3 (one and two retries)", n)
	}
}

func TestRetryableErrorThenSuccess(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	st, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("internalError")
	srv.FailNext("requestTimeout")
	r, err := c.Collect(ctx(t), st.Ref)
	if err != nil || r.State != eid.Pending {
		t.Fatalf("got %+v, %v", r, err)
	}
	if n := countRequests(srv, "collect"); n != 3 {
		t.Errorf("%d collect requests, want 3", n)
	}
}

func TestNonRetryableErrorIsNotRetried(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	for _, code := range []string{"invalidParameters", "unauthorized"} {
		srv.FailNext(code)
		_, err := c.Start(ctx(t), eid.Order{Kind: eid.Sign, EndUserIP: userIP, VisibleText: "x"})
		if e := eidError(t, err); e.Code != code || e.Status != bankidtest.StatusFor(code) || e.Retryable() {
			t.Errorf("%s: got %+v", code, e)
		}
	}
	if n := countRequests(srv, "sign"); n != 2 {
		t.Errorf("%d sign requests, want 2", n)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))

	// A proxy's 504 on /auth may hide an order BankID created: not retried.
	srv.FailNextRaw(http.StatusGatewayTimeout, "text/html", "<html>gateway timeout</html>")
	_, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if e := eidError(t, err); e.Code != "internalError" || e.Status != 504 || e.Details != "" {
		t.Errorf("got %+v", e)
	}
	if n := countRequests(srv, "auth"); n != 1 {
		t.Errorf("%d auth requests, want 1", n)
	}

	// Collect is safe to repeat.
	st, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNextRaw(http.StatusBadGateway, "text/plain", "bad gateway")
	if _, err := c.Collect(ctx(t), st.Ref); err != nil {
		t.Errorf("collect after a 502: %v", err)
	}

	srv.FailNextRaw(http.StatusServiceUnavailable, "text/plain", "down")
	srv.FailNextRaw(http.StatusServiceUnavailable, "text/plain", "down")
	srv.FailNextRaw(http.StatusServiceUnavailable, "text/plain", "down")
	if e := eidError(t, c.Cancel(ctx(t), st.Ref)); e.Code != "maintenance" {
		t.Errorf("503 without body: %+v", e)
	}
}

func TestErrorDetailsAreScrubbed(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	srv.FailNextRaw(400, "application/json", `{"errorCode":"invalidParameters","details":"Bad personalNumber 198211059954 for 192.0.2.10"}`)
	_, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	e := eidError(t, err)
	if e.Code != "invalidParameters" || strings.Contains(err.Error(), pnr) || strings.Contains(err.Error(), userIP) {
		t.Errorf("got %q", err)
	}
}

func TestRetryStopsAtTheDeadline(t *testing.T) {
	srv := bankidtest.New(t)
	cfg := config(srv)
	cfg.RetryBackoff = time.Hour
	c := newClient(t, cfg)
	srv.Fail("maintenance", 3)
	short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Start(short, eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if e := eidError(t, err); e.Code != "maintenance" {
		t.Errorf("got %+v", e)
	}
	if time.Since(start) > time.Second {
		t.Errorf("waited %v for a retry past the deadline", time.Since(start))
	}
	if n := countRequests(srv, "auth"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestCancel(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	st, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx(t), st.Ref); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Order(st.Ref); ok {
		t.Error("order still there after cancel")
	}
	_, err = c.Collect(ctx(t), st.Ref)
	if e := eidError(t, err); e.Code != "notFound" {
		t.Errorf("collect after cancel: %+v", e)
	}
}

func TestCollectUnknownRef(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	_, err := c.Collect(ctx(t), "131daac9-16c6-4618-beb0-365768f37288")
	if e := eidError(t, err); e.Code != "notFound" || e.Status != 404 || e.Retryable() {
		t.Errorf("got %+v", e)
	}
	if e := eidError(t, c.Cancel(ctx(t), "131daac9-16c6-4618-beb0-365768f37288")); e.Code != "notFound" {
		t.Errorf("cancel: %+v", e)
	}
}

func TestRequestBodies(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))

	text := "Boka tid 14.00 – ÅÄÖ"
	calls := []eid.Order{
		{Kind: eid.Auth, EndUserIP: "::ffff:" + userIP},
		{Kind: eid.Auth, EndUserIP: "2001:db8::7", PersonalNumber: pnr},
		{Kind: eid.Sign, EndUserIP: userIP, VisibleText: text, NonVisibleData: []byte("hash")},
	}
	var refs []string
	for _, o := range calls {
		st, err := c.Start(ctx(t), o)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, st.Ref)
	}
	if err := c.Cancel(ctx(t), refs[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Collect(ctx(t), refs[0]); err != nil {
		t.Fatal(err)
	}

	want := []struct {
		endpoint string
		body     map[string]any
	}{
		{"auth", map[string]any{"endUserIp": userIP}},
		{"auth", map[string]any{"endUserIp": "2001:db8::7", "requirement": map[string]any{"personalNumber": pnr}}},
		{"sign", map[string]any{
			"endUserIp":          userIP,
			"userVisibleData":    base64.StdEncoding.EncodeToString([]byte(text)),
			"userNonVisibleData": base64.StdEncoding.EncodeToString([]byte("hash")),
		}},
		{"cancel", map[string]any{"orderRef": refs[1]}},
		{"collect", map[string]any{"orderRef": refs[0]}},
	}
	got := srv.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Method != http.MethodPost || g.Endpoint != w.endpoint || g.ContentType != "application/json" {
			t.Errorf("request %d: %s %s (%s), want POST %s (application/json)", i, g.Method, g.Endpoint, g.ContentType, w.endpoint)
		}
		var body map[string]any
		if err := json.Unmarshal(g.Body, &body); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if !reflect.DeepEqual(body, w.body) {
			t.Errorf("request %d body:\n got %s\nwant %v", i, g.Body, w.body)
		}
	}
}

func TestPinCodeAndPolicies(t *testing.T) {
	srv := bankidtest.New(t)
	cfg := config(srv)
	cfg.PinCode = true
	cfg.CertificatePolicies = []string{"1.2.3.4.25"}
	c := newClient(t, cfg)
	if _, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP}); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(srv.Requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"pinCode": true, "certificatePolicies": []any{"1.2.3.4.25"}}
	if !reflect.DeepEqual(body["requirement"], want) {
		t.Errorf("requirement = %v, want %v", body["requirement"], want)
	}
}

func TestInvalidOrdersAreRefusedBeforeAnyRequest(t *testing.T) {
	srv := bankidtest.New(t)
	c := newClient(t, config(srv))
	for name, o := range map[string]eid.Order{
		"sign without text":     {Kind: eid.Sign, EndUserIP: userIP},
		"sign with blank text":  {Kind: eid.Sign, EndUserIP: userIP, VisibleText: " \n "},
		"no kind":               {EndUserIP: userIP},
		"no IP":                 {Kind: eid.Auth},
		"bad IP":                {Kind: eid.Auth, EndUserIP: "192.0.2.999"},
		"short personal number": {Kind: eid.Auth, EndUserIP: userIP, PersonalNumber: "8211059954"},
		"dashed number":         {Kind: eid.Auth, EndUserIP: userIP, PersonalNumber: "19821105-9954"},
		"text too long":         {Kind: eid.Sign, EndUserIP: userIP, VisibleText: strings.Repeat("a", 30_001)},
		"invalid UTF-8":         {Kind: eid.Sign, EndUserIP: userIP, VisibleText: "a\xffb"},
		"hidden data too long":  {Kind: eid.Sign, EndUserIP: userIP, VisibleText: "x", NonVisibleData: make([]byte, 150_001)},
	} {
		_, err := c.Start(ctx(t), o)
		if !errors.Is(err, bankid.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
			continue
		}
		if (o.EndUserIP != "" && strings.Contains(err.Error(), o.EndUserIP)) ||
			(o.PersonalNumber != "" && strings.Contains(err.Error(), o.PersonalNumber)) {
			t.Errorf("%s: error repeats the input: %v", name, err)
		}
	}
	// The limits themselves are allowed.
	if _, err := c.Start(ctx(t), eid.Order{Kind: eid.Sign, EndUserIP: userIP,
		VisibleText: strings.Repeat("a", 30_000), NonVisibleData: make([]byte, 150_000)}); err != nil {
		t.Errorf("largest order: %v", err)
	}
	for _, ref := range []string{"", "../auth", strings.Repeat("a", 101)} {
		if _, err := c.Collect(ctx(t), ref); !errors.Is(err, bankid.ErrInvalid) {
			t.Errorf("collect %q: %v", ref, err)
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests sent, want only the largest order", n)
	}
}

func TestWrongClientCertificateFailsTLS(t *testing.T) {
	srv := bankidtest.New(t)
	other := bankidtest.New(t)
	cfg := config(srv)
	cfg.CertPEM, cfg.KeyPEM = other.ClientCertPEM, other.ClientKeyPEM // trusted by other, not srv
	c := newClient(t, cfg)
	_, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	var e *eid.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("want a TLS error, got %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("a request got past TLS")
	}

	// No client certificate at all.
	roots, err := tlsRoots(srv.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Post(srv.URL+"/auth", "application/json", strings.NewReader(`{"endUserIp":"192.0.2.10"}`))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("no client certificate: got HTTP %d", resp.StatusCode)
	}
	if len(srv.Requests()) != 0 {
		t.Error("a request without a client certificate got past TLS")
	}
}

func TestUntrustedServerIsRefused(t *testing.T) {
	srv := bankidtest.New(t)
	other := bankidtest.New(t)
	cfg := config(srv)
	cfg.CAPEM = other.CAPEM // srv's certificate is not signed by this CA
	c := newClient(t, cfg)
	_, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP})
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a certificate verification error, got %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("the client sent a request to an untrusted server")
	}
}

func TestNewChecksConfig(t *testing.T) {
	srv := bankidtest.New(t)
	good := config(srv)
	for name, mutate := range map[string]func(*bankid.Config){
		"http URL":  func(c *bankid.Config) { c.URL = "http://127.0.0.1/rp/v6.0" },
		"no URL":    func(c *bankid.Config) { c.URL = "" },
		"no key":    func(c *bankid.Config) { c.KeyPEM = nil },
		"wrong key": func(c *bankid.Config) { c.KeyPEM = bankidtest.New(t).ClientKeyPEM },
		"no CA":     func(c *bankid.Config) { c.CAPEM = []byte("not a certificate") },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := bankid.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadConfigFiles(t *testing.T) {
	srv := bankidtest.New(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	both := write("rp.pem", append(append([]byte{}, srv.ClientCertPEM...), srv.ClientKeyPEM...))
	ca := write("ca.pem", srv.CAPEM)
	cfg, err := bankid.LoadConfigFiles(srv.URL, both, both, ca)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, cfg)
	if _, err := c.Start(ctx(t), eid.Order{Kind: eid.Auth, EndUserIP: userIP}); err != nil {
		t.Fatal(err)
	}
	if _, err := bankid.LoadConfigFiles(srv.URL, filepath.Join(dir, "missing.pem"), both, ca); err == nil {
		t.Error("missing file accepted")
	}
}

func tlsRoots(caPEM []byte) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no CA certificate")
	}
	return p, nil
}
