package testid

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parentline/eid"
	"parentline/internal/personnummer"
	"parentline/internal/testkit"
)

func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

var ctx = context.Background()

func TestPeople_AreValidTestNumbers(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	protected, coordination := 0, 0
	seen := map[string]bool{}
	for _, p := range People {
		n, err := personnummer.Parse(p.PersonalNumber, now)
		if err != nil {
			t.Errorf("%s %s: %v", p.GivenName, p.Surname, err)
			continue
		}
		if n.Long() != p.PersonalNumber || seen[p.PersonalNumber] {
			t.Errorf("%s: not 12 digits or a duplicate", p.GivenName)
		}
		seen[p.PersonalNumber] = true
		// Skatteverket's test series are old (born before 1920): no
		// number here may look like a living person's.
		if y := n.BirthDate().Year(); y >= 1920 {
			t.Errorf("%s: born %d, not one of the old test series", p.GivenName, y)
		}
		if p.Protected {
			protected++
		}
		if n.Coordination() {
			coordination++
		}
	}
	if protected != 1 || coordination != 1 {
		t.Fatalf("%d protected, %d samordningsnummer; want one each", protected, coordination)
	}
}

func start(t *testing.T, p *Provider, o eid.Order) eid.Started {
	t.Helper()
	if o.EndUserIP == "" {
		o.EndUserIP = "127.0.0.1"
	}
	st, err := p.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ref == "" || st.AutoStartToken == "" || st.QRStartToken == "" || st.QRStartSecret == "" || st.Ref == st.QRStartSecret {
		t.Fatalf("started %+v", st)
	}
	return st
}

func collect(t *testing.T, p *Provider, ref string) eid.Result {
	t.Helper()
	res, err := p.Collect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestProvider_AuthPendingCompleteOnce(t *testing.T) {
	clk := newClock()
	p := New(Options{Now: clk.Now})
	if !p.Test() {
		t.Fatal("Test() is false")
	}
	st := start(t, p, eid.Order{Kind: eid.Auth})
	if r := collect(t, p, st.Ref); r.State != eid.Pending || r.HintCode != "outstandingTransaction" {
		t.Fatalf("%+v", r)
	}
	if err := p.Complete(st.Ref, "123"); !errors.Is(err, ErrInvalidNumber) {
		t.Fatalf("bad number: %v", err)
	}
	if err := p.Complete(st.Ref, "031204+9802"); err != nil { // short form, turned 100
		t.Fatal(err)
	}
	r := collect(t, p, st.Ref)
	if r.State != eid.Complete || r.User.PersonalNumber != "190312049802" || r.User.Name != "Test Testperson" {
		t.Fatalf("%+v", r)
	}
	if r.Signature != "" {
		t.Fatal("an auth order has a signature")
	}
	// As BankID: collected once, then unknown.
	var e *eid.Error
	if _, err := p.Collect(ctx, st.Ref); !errors.As(err, &e) || e.Code != "invalidParameters" {
		t.Fatalf("second collect: %v", err)
	}
	if err := p.Complete(st.Ref, "190308189802"); !errors.Is(err, ErrNoOrder) {
		t.Fatalf("complete after: %v", err)
	}
}

func TestProvider_ExpiresAfterThreeMinutes(t *testing.T) {
	clk := newClock()
	p := New(Options{Now: clk.Now})
	st := start(t, p, eid.Order{Kind: eid.Auth})
	clk.Advance(DefaultTTL - time.Second)
	if r := collect(t, p, st.Ref); r.State != eid.Pending {
		t.Fatalf("%+v", r)
	}
	clk.Advance(time.Second)
	if r := collect(t, p, st.Ref); r.State != eid.Failed || r.HintCode != "expiredTransaction" {
		t.Fatalf("%+v", r)
	}
	if err := p.Complete(st.Ref, "190308189802"); !errors.Is(err, ErrNoOrder) {
		t.Fatalf("complete after expiry: %v", err)
	}
}

func TestProvider_SignLockedToPersonWithTestProof(t *testing.T) {
	clk := newClock()
	p := New(Options{Now: clk.Now})
	if _, err := p.Start(ctx, eid.Order{Kind: eid.Sign, EndUserIP: "::1"}); err == nil {
		t.Fatal("sign without text started")
	}
	o := eid.Order{Kind: eid.Sign, VisibleText: "Jag intygar.", NonVisibleData: []byte{1, 2}, PersonalNumber: "190308189802"}
	st := start(t, p, o)
	// A second order for the same person: refused, and the first cancelled.
	var e *eid.Error
	if _, err := p.Start(ctx, eid.Order{Kind: eid.Sign, EndUserIP: "::1", VisibleText: "x", PersonalNumber: "190308189802"}); !errors.As(err, &e) || e.Code != "alreadyInProgress" {
		t.Fatalf("second order: %v", err)
	}
	if r := collect(t, p, st.Ref); r.State != eid.Failed || r.HintCode != "cancelled" {
		t.Fatalf("first order: %+v", r)
	}

	st = start(t, p, o)
	if err := p.Complete(st.Ref, "190309069813"); !errors.Is(err, ErrWrongPerson) {
		t.Fatalf("another person: %v", err)
	}
	if err := p.Complete(st.Ref, "190308189802"); err != nil {
		t.Fatal(err)
	}
	r := collect(t, p, st.Ref)
	if r.State != eid.Complete || r.User.Name != "Anna Testsson" {
		t.Fatalf("%+v", r)
	}
	sig, _ := base64.StdEncoding.DecodeString(r.Signature)
	ocsp, _ := base64.StdEncoding.DecodeString(r.OCSPResponse)
	if !strings.Contains(string(sig), "TEST") || !strings.Contains(string(ocsp), "TEST") {
		t.Fatalf("proof does not say TEST: %s / %s", sig, ocsp)
	}
}

func TestProvider_UserCancelAndRPCancel(t *testing.T) {
	p := New(Options{Now: newClock().Now})
	st := start(t, p, eid.Order{Kind: eid.Auth})
	if refs := p.PendingRefs(); len(refs) != 1 || refs[0] != st.Ref {
		t.Fatalf("pending refs %v", refs)
	}
	if err := p.UserCancel(st.Ref); err != nil {
		t.Fatal(err)
	}
	if r := collect(t, p, st.Ref); r.State != eid.Failed || r.HintCode != "userCancel" {
		t.Fatalf("%+v", r)
	}
	st = start(t, p, eid.Order{Kind: eid.Auth})
	if err := p.Cancel(ctx, st.Ref); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Collect(ctx, st.Ref); err == nil {
		t.Fatal("collect after cancel")
	}
}

func TestProvider_Bounded(t *testing.T) {
	p := New(Options{Now: newClock().Now, MaxOrders: 2})
	start(t, p, eid.Order{Kind: eid.Auth})
	start(t, p, eid.Order{Kind: eid.Auth})
	if _, err := p.Start(ctx, eid.Order{Kind: eid.Auth, EndUserIP: "::1"}); err == nil {
		t.Fatal("third order started")
	}
}

func TestHandler_PageCompleteCancel(t *testing.T) {
	clk := newClock()
	p := New(Options{Now: clk.Now})
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	res, body := get(Path)
	if res.StatusCode != 200 || !strings.Contains(body, "TEST – inte riktig e-legitimation") || !strings.Contains(body, "Inga väntande") {
		t.Fatalf("empty page: %d %s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	for _, a := range []string{"device.css", "device.js", "pending"} {
		if res, _ := get(Path + a); res.StatusCode != 200 {
			t.Fatalf("%s: %d", a, res.StatusCode)
		}
	}

	st := start(t, p, eid.Order{Kind: eid.Sign, VisibleText: "Boka <samtal> & mer"})
	_, body = get(Path + "?autostarttoken=" + st.AutoStartToken)
	if !strings.Contains(body, "Boka &lt;samtal&gt; &amp; mer") || !strings.Contains(body, "den här enheten") {
		t.Fatalf("page does not show the escaped text or the selected order:\n%s", body)
	}
	if r := collect(t, p, st.Ref); r.HintCode != "userSign" {
		t.Fatalf("opened sign order hint %q, want userSign", r.HintCode)
	}
	for _, person := range People {
		if !strings.Contains(body, person.Name()) {
			t.Errorf("page does not offer %s", person.Name())
		}
	}

	post := func(action string, v url.Values) string {
		res, err := http.PostForm(srv.URL+Path+action, v)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Request.URL.Query().Get("m")
	}
	if m := post("complete", url.Values{"ref": {st.Ref}, "other": {"12345"}}); m != "invalid" {
		t.Fatalf("invalid number: %q", m)
	}
	if m := post("cancel", url.Values{"ref": {st.Ref}}); m != "cancelled" {
		t.Fatalf("cancel: %q", m)
	}
	if m := post("cancel", url.Values{"ref": {st.Ref}}); m != "gone" {
		t.Fatalf("cancel twice: %q", m)
	}
	if r := collect(t, p, st.Ref); r.State != eid.Failed || r.HintCode != "userCancel" {
		t.Fatalf("%+v", r)
	}

	// Cross-site form posts are refused.
	req, _ := http.NewRequest("POST", srv.URL+Path+"complete", strings.NewReader("ref=x&pn=190308189802"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", res.StatusCode)
	}
}
