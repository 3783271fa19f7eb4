package eidstatic_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parentline/eid"
	"parentline/eid/testid"
	"parentline/internal/browsertest"
	"parentline/static"
	eidstatic "parentline/static/eid"
)

// offsetClock runs with real time plus an offset the test moves forward.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// server is the whole citizen e-ID stack on 127.0.0.1: the site's style
// sheet, the e-ID pages and scripts, the API and the test device. The
// idle time is 2 min 5 s, so the inactivity warning comes after 5 s.
func server(t *testing.T) (*httptest.Server, *offsetClock) {
	clk := &offsetClock{}
	p := testid.New(testid.Options{Now: clk.Now})
	sessions := eid.NewSessions(eid.SessionOptions{Now: clk.Now, Idle: 125 * time.Second})
	svc := eid.NewService(p, sessions, eid.Options{Now: clk.Now})
	mux := http.NewServeMux()
	svc.Register(mux)
	eidstatic.Register(mux)
	p.Register(mux)
	mux.Handle("GET /", static.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, clk
}

// approve is the developer at the test device: completes the newest
// pending order as the first test person offered.
func approve(t *testing.T, b *browsertest.Browser, base string) {
	dev := b.Tab(t)
	dev.Do("open the device page", chromedp.Navigate(base+testid.Path))
	dev.WaitFor("a pending order", browsertest.Visible("form.complete button[type=submit]"))
	// The page then reloads; the login tab's waits say whether it worked.
	dev.Do("approve", chromedp.Click(chromedp.CSS("form.complete button[type=submit]")))
}

func TestBrowser_LoginWarningIdleLogout(t *testing.T) {
	b := browsertest.Start(t)
	srv, clk := server(t)
	tab := b.Tab(t)

	tab.Do("open /eid/", chromedp.Navigate(srv.URL+"/eid/"))
	tab.WaitFor("the login view", browsertest.Visible("#start"))
	tab.Axe("logged out")
	tab.Do("start the login", chromedp.Click(chromedp.CSS("#start")))
	tab.WaitFor("the QR code", "(() => { const i = document.querySelector('img.eid-qr'); return i && !i.hidden && i.complete && i.naturalWidth > 0; })()")
	tab.WaitFor("the TEST banner", browsertest.Visible(".eid-test")+" && "+browsertest.TextContains(".eid-test", "TEST – inte riktig e-legitimation"))
	tab.WaitFor("the message", browsertest.TextContains(".eid-msg", "QR"))
	tab.WaitFor("the autostart link", browsertest.Visible("a.eid-autostart[href*='autostarttoken=']")+" && "+browsertest.TextContains("a.eid-autostart", "Öppna BankID på den här enheten"))
	if got := browsertest.Eval[string](tab, "document.querySelector('.eid-msg').getAttribute('aria-live')"); got != "polite" {
		t.Fatalf("message aria-live %q", got)
	}
	first := browsertest.Eval[string](tab, "document.querySelector('img.eid-qr').src")
	tab.WaitFor("the QR code to be reloaded", "document.querySelector('img.eid-qr').src !== "+jsString(first))
	tab.Axe("login pending")
	tab.Screenshot("login-pending")

	approve(t, b, srv.URL)
	tab.WaitFor("the logged-in view", browsertest.Visible("#in-view")+" && "+browsertest.TextContains(".eid-session", "Inloggad som Anna Testsson"))
	tab.WaitFor("the TEST badge and logout button", browsertest.Visible(".eid-badge")+" && "+browsertest.Visible(".eid-session button"))
	tab.Axe("logged in")

	// 2 minutes before the idle logout (here: after 5 s) the warning comes.
	tab.WaitFor("the inactivity warning", browsertest.Visible("[role=alertdialog]"))
	if got := browsertest.Eval[string](tab, "document.activeElement.textContent"); got != "Fortsätt vara inloggad" {
		t.Fatalf("focus on %q in the warning", got)
	}
	tab.Axe("inactivity warning")
	tab.Screenshot("inactivity-warning")
	tab.Do("stay logged in", chromedp.Click(chromedp.CSS("[role=alertdialog] .eid-btn-primary")))
	tab.WaitFor("the warning to close", "!document.querySelector('[role=alertdialog]')")
	tab.WaitFor("still logged in", browsertest.Visible(".eid-session"))

	// Inactive past the limit (server clock): the next check logs out.
	clk.Advance(130 * time.Second)
	tab.WaitFor("the logged-out state", browsertest.Visible(".eid-loggedout")+" && "+browsertest.TextContains(".eid-loggedout", "Du har loggats ut"))
	tab.Axe("logged out after inactivity")
	if browsertest.Eval[bool](tab, "fetch('/api/eid/me').then(r => r.status === 200)") {
		t.Fatal("/api/eid/me still answers after the idle logout")
	}
}

func TestBrowser_EnglishAndLogoutButton(t *testing.T) {
	b := browsertest.Start(t)
	srv, _ := server(t)
	tab := b.Tab(t)
	tab.Do("open /eid/?lang=en", chromedp.Navigate(srv.URL+"/eid/?lang=en"))
	tab.WaitFor("the English login view", browsertest.Visible("#start")+" && "+browsertest.TextContains("#start", "Log in with BankID"))
	tab.Do("start the login", chromedp.Click(chromedp.CSS("#start")))
	tab.WaitFor("English texts", browsertest.TextContains(".eid-title", "Log in with BankID")+" && "+
		browsertest.TextContains("a.eid-autostart", "Open BankID on this device")+" && "+
		browsertest.TextContains(".eid-test", "TEST – not a real e-ID"))
	tab.WaitFor("an English message", browsertest.TextContains(".eid-msg", "QR code"))
	approve(t, b, srv.URL)
	tab.WaitFor("logged in", browsertest.TextContains(".eid-session", "Logged in as Anna Testsson"))
	tab.Axe("logged in (English)")
	tab.Do("log out", chromedp.Click(chromedp.CSS(".eid-session button")))
	tab.WaitFor("logged out", browsertest.TextContains(".eid-loggedout", "You have logged out"))
	if browsertest.Eval[bool](tab, "fetch('/api/eid/me').then(r => r.status === 200)") {
		t.Fatal("/api/eid/me still answers after logout")
	}
}

func TestBrowser_CancelAndDevicePage(t *testing.T) {
	b := browsertest.Start(t)
	srv, _ := server(t)
	tab := b.Tab(t)
	tab.Do("open /eid/", chromedp.Navigate(srv.URL+"/eid/"))
	tab.WaitFor("the login view", browsertest.Visible("#start"))
	tab.Do("start the login", chromedp.Click(chromedp.CSS("#start")))
	tab.WaitFor("the cancel button", browsertest.Visible(".eid-cancel"))

	dev := b.Tab(t)
	dev.Do("open the device page", chromedp.Navigate(srv.URL+testid.Path))
	dev.WaitFor("the TEST banner", browsertest.TextContains(".test-banner", "TEST – inte riktig e-legitimation"))
	dev.WaitFor("a pending order", browsertest.Visible("form.complete"))
	dev.Axe("device page")
	dev.Screenshot("device-page")

	tab.Do("cancel", chromedp.Click(chromedp.CSS(".eid-cancel")))
	tab.WaitFor("the cancelled state", browsertest.TextContains(".eid-msg", "avbröts")+" && "+browsertest.Visible(".eid-retry"))
	if got := browsertest.Eval[string](tab, "document.activeElement.textContent"); got != "Försök igen" {
		t.Fatalf("focus on %q after cancelling", got)
	}
	tab.Axe("login cancelled")
	// The device page no longer lists the cancelled order.
	res, err := http.Get(srv.URL + testid.Path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(page), `class="complete"`) {
		t.Fatal("the cancelled order is still on the device page")
	}
}

func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
