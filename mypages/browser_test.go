package mypages

import (
	"crypto/ecdh"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/booking"
	"parentline/eid"
	"parentline/eid/testid"
	"parentline/interest"
	bt "parentline/internal/browsertest"
	"parentline/internal/field"
	"parentline/static"
)

// browserServer is the citizen side on 127.0.0.1 with real time: the
// static pages, e-ID with the test provider, booking, interest (a small
// foster form and a programme form) and Mina sidor.
type browserServer struct {
	srv  *httptest.Server
	prov *testid.Provider
	bk   *booking.Store
	st   *interest.Store
}

func newBrowserServer(t *testing.T) *browserServer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := zerolog.Nop()
	s := &browserServer{prov: testid.New(testid.Options{})}
	s.bk, err = booking.Open(db, booking.Options{Secret: secret, BaseURL: "https://etjanster.example.se", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*ecdh.PrivateKey{}
	fosterForm := testForm(t, keys)
	fosterForm.Draft = func(a json.RawMessage) (json.RawMessage, error) { return a, nil }
	prog := testForm(t, keys)
	prog.Kind, prog.Prefix, prog.RolePrefix = ModuleProgramme, "FS", "coordinator"
	prog.Title = field.Message{Sv: "Intresseanmälan ABC och Komet", En: "Registration for ABC and Komet"}
	prog.Units = []interest.Unit{{Code: "kungsholmen", Name: "Kungsholmen", Keys: fosterForm.Units[0].Keys}}
	prog.Consent = interest.ConsentText{Version: "prog-v1", Text: field.Message{Sv: "Jag samtycker.", En: "I consent."},
		What: field.Message{Sv: "Behandling av uppgifterna i anmälan", En: "Processing of the details in the registration"}}
	s.st, err = interest.Open(db, interest.Options{Secret: secret, BaseURL: "https://etjanster.example.se", Log: log}, fosterForm, prog)
	if err != nil {
		t.Fatal(err)
	}
	sessions := eid.NewSessions(eid.SessionOptions{})
	svc := eid.NewService(s.prov, sessions, eid.Options{Log: log})
	mux := http.NewServeMux()
	mux.Handle("/", static.Handler())
	svc.Register(mux)
	s.prov.Register(mux)
	s.bk.Routes(mux, booking.HTTPOptions{EID: svc, Sessions: sessions, Log: log})
	s.st.Routes(mux, interest.HTTPOptions{Sessions: sessions, Log: log})
	New(Options{Bookings: s.bk, Registrations: s.st, Sessions: sessions, Log: log}).Routes(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// login logs the tab in on /mina-sidor/ as pn: the page starts the order,
// the test provider completes it.
func (s *browserServer) login(t *testing.T, tab *bt.Tab, pn string) {
	t.Helper()
	tab.WaitFor("the login button", bt.Visible("#login-start"))
	tab.Do("start the login", chromedp.Click(chromedp.ID("login-start")))
	tab.WaitFor("the started order", bt.Visible(".eid .eid-cancel"))
	deadline := time.Now().Add(5 * time.Second)
	for len(s.prov.PendingRefs()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no pending order")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.prov.Complete(s.prov.PendingRefs()[0], pn); err != nil {
		t.Fatal(err)
	}
}

func noSideScroll(t *testing.T, tab *bt.Tab, state string) {
	t.Helper()
	if w := bt.Eval[[]int](tab, "[document.documentElement.scrollWidth, window.innerWidth]"); w[0] > w[1] {
		t.Errorf("%s: the page is %d px wide in a %d px viewport", state, w[0], w[1])
	}
}

func count(sel string) string {
	return "document.querySelectorAll(" + strconv.Quote(sel) + ").length"
}

// TestBrowser_MinaSidor: on a phone, a citizen with a booking, three
// registrations and a draft sees them all; withdraws a registration and a
// consent through the confirm dialog; corrects the contact details after a
// field error; erases, and is told what is kept and why; opens the register
// extract. A person with protected identity gets an empty form and is not
// named. Every state passes axe and fits the screen.
func TestBrowser_MinaSidor(t *testing.T) {
	browser := bt.Start(t)
	s := newBrowserServer(t)

	now := time.Now()
	sl, err := s.bk.PublishSlot(booking.SlotInput{Start: now.Add(5 * 24 * time.Hour).Truncate(time.Hour), Minutes: 60,
		Form: booking.FormParterapi, Place: booking.PlaceOstersund, Counselor: "Karin Rådgivare"}, "staff")
	if err != nil {
		t.Fatal(err)
	}
	b, tok, err := s.bk.Book(booking.BookInput{SlotID: sl.ID, Applicant: booking.Identity{Personnummer: pnAnna, Name: "Anna Testsson"},
		Contact: annaContact, CoApplicantEmail: "bertil@example.se",
		Proof: booking.Proof{Signature: "U0lH", OCSP: "T0NTUA==", SignedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.bk.CoSign(tok, booking.Identity{Personnummer: pnBertil, Name: "Bertil Provsson"},
		booking.Proof{Signature: "U0lH", OCSP: "T0NTUA==", SignedAt: now}); err != nil {
		t.Fatal(err)
	}
	anna := interest.Citizen{PersonalNumber: pnAnna, Name: "Anna Testsson"}
	fh, err := s.st.Submit(ModuleFoster, anna, json.RawMessage(`{"units":["2380","2321"]}`), true, "sv")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.st.Submit(ModuleProgramme, anna, json.RawMessage(`{"units":["kungsholmen"]}`), true, "sv")
	if err != nil {
		t.Fatal(err)
	}
	var keep, erasable string
	for _, r := range fh {
		if r.Unit == "2321" {
			keep = r.ID
		} else {
			erasable = r.ID
		}
	}
	if _, err := s.st.SetStatus(ModuleFoster, keep, "assessment", []string{"foster:2321"}, "karin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.st.SaveDraft(ModuleFoster, anna, json.RawMessage(`{"units":["2309"]}`)); err != nil {
		t.Fatal(err)
	}

	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	phone.Do("Mina sidor", chromedp.Navigate(s.srv.URL+"/mina-sidor/"))
	s.login(t, phone, pnAnna)
	phone.WaitFor("everything", bt.Visible("#step-list")+" && "+count("#booking-list li.booking-card")+" === 1"+
		" && "+count("#reg-list li.reg-card")+" === 3 && "+count("#consent-list li.consent-card")+" === 3"+
		" && "+count("#draft-list li")+" === 1 && "+bt.Visible("#toc")+" && "+bt.Visible("#sec-erase"))
	phone.WaitFor("the kept registration says why", bt.TextContains("#reg-list li[data-record=\""+keep+"\"] .keep-reason", "Kommunen bedömer")+
		" && !document.querySelector('#reg-list li[data-record=\""+keep+"\"] .btn-withdraw')")
	phone.WaitFor("the form is pre-filled", "document.getElementById('ct-email').value === 'anna@example.se'"+
		" && document.getElementById('ct-postal').value === '831 30'")
	phone.WaitFor("the draft links to the form", "document.querySelector('#draft-list a').getAttribute('href') === '/familjehem/'")
	noSideScroll(t, phone, "phone, overview")
	phone.Axe("mina sidor: overview")
	phone.FullScreenshot("phone-overview")

	// Withdraw a registration: the dialog, then the list without it.
	phone.Do("withdraw?", chromedp.Click(chromedp.CSS(`#reg-list li[data-record="`+erasable+`"] .btn-withdraw`)))
	phone.WaitFor("the confirm dialog", "document.getElementById('confirm-dialog').open && document.activeElement.id === 'confirm-no'"+
		" && "+bt.TextContains("#confirm-text", erasable))
	phone.Axe("mina sidor: confirm dialog")
	phone.Screenshot("phone-confirm")
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("withdrawn", bt.Visible("#reg-done")+" && "+bt.TextContains("#reg-done", erasable)+
		" && "+count("#reg-list li.reg-card")+" === 2 && document.activeElement.id === 'reg-done'")

	// Withdraw the consent of the record under assessment: it stays.
	phone.Do("withdraw the consent?", chromedp.Click(chromedp.CSS(`#consent-list li[data-consent="`+keep+`"] .btn-withdraw-consent`)))
	phone.WaitFor("the effect in the dialog", "document.getElementById('confirm-dialog').open && "+bt.TextContains("#confirm-text", "raderas inte härifrån"))
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("withdrawn, kept", bt.Visible("#consents-done")+" && "+bt.TextContains("#consents-done", "finns kvar")+
		" && !document.querySelector('#consent-list li[data-consent=\""+keep+"\"] .btn-withdraw-consent')")
	phone.Axe("mina sidor: consent withdrawn")

	// Contact correction: a field error, then saved.
	bt.Eval[bool](phone, "(() => { document.getElementById('ct-email').value = 'inte-en-adress'; return true; })()")
	phone.Do("save", chromedp.Click(chromedp.ID("contact-submit")))
	phone.WaitFor("the error next to the field", bt.TextContains("#ct-email-error", "e-postadress")+
		" && document.getElementById('ct-email').getAttribute('aria-invalid') === 'true' && document.activeElement.id === 'ct-email'")
	noSideScroll(t, phone, "phone, contact error")
	phone.Axe("mina sidor: contact error")
	phone.Screenshot("phone-contact-error")
	bt.Eval[bool](phone, "(() => { document.getElementById('ct-email').value = 'ny@example.se'; return true; })()")
	phone.Do("save", chromedp.Click(chromedp.ID("contact-submit")))
	phone.WaitFor("saved", bt.Visible("#contact-done")+" && "+bt.TextContains("#contact-done", "1 bokning och 2 anmälningar")+
		" && document.getElementById('ct-email').value === 'ny@example.se'")

	// Erase: cancel first, then yes.
	phone.Do("erase?", chromedp.Click(chromedp.ID("erase-start")))
	phone.WaitFor("the dialog", "document.getElementById('confirm-dialog').open")
	phone.Do("no", chromedp.Click(chromedp.ID("confirm-no")))
	phone.WaitFor("closed, focus back", "!document.getElementById('confirm-dialog').open && document.activeElement.id === 'erase-start'")
	phone.Do("erase", chromedp.Click(chromedp.ID("erase-start")))
	phone.WaitFor("the dialog again", "document.getElementById('confirm-dialog').open")
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("what was erased and what is kept", bt.Visible("#erase-result")+" && "+bt.TextContains("#erased-list", fs[0].ID)+
		" && "+bt.TextContains("#erased-list", "Påbörjad anmälan")+" && "+bt.TextContains("#kept-list", keep)+
		" && "+bt.TextContains("#kept-list", "Kommunen bedömer")+" && "+bt.TextContains("#kept-list", b.ID)+
		" && "+bt.TextContains("#kept-list", "Avboka den först")+" && "+bt.TextContains("#kept-list", "Raderas senast")+
		" && "+count("#reg-list li.reg-card")+" === 1 && "+count("#draft-list li")+" === 0")
	noSideScroll(t, phone, "phone, erased")
	phone.Axe("mina sidor: erased")
	phone.FullScreenshot("phone-erased")

	// The register extract, and the export link.
	if href := bt.Eval[string](phone, "document.getElementById('export-link').getAttribute('href')"); href != "/api/mina-sidor/export.json?lang=sv" {
		t.Fatalf("export link %q", href)
	}
	phone.Do("the register extract", chromedp.Click(chromedp.ID("extract-link")))
	phone.WaitPath("/mina-sidor/registerutdrag")
	phone.WaitFor("the extract", bt.TextContains("h1", "Registerutdrag")+" && "+bt.TextContains("#main", keep)+
		" && "+bt.TextContains("#main", "Lagringstid")+" && getComputedStyle(document.querySelector('.module')).borderTopStyle === 'solid'")
	noSideScroll(t, phone, "phone, extract")
	phone.Axe("register extract")
	phone.FullScreenshot("phone-extract")

	// English.
	phone.Do("English", chromedp.Navigate(s.srv.URL+"/mina-sidor/?lang=en"))
	phone.WaitFor("English sections", "document.documentElement.lang === 'en' && "+bt.TextContains("#reg-title", "My registrations of interest")+
		" && "+bt.TextContains("#kept-list, #reg-list", "assessing"))
	phone.Axe("mina sidor in English")

	// Protected identity: not named, nothing pre-filled.
	cec := browser.Tab(t)
	cec.Viewport(390, 844, true)
	cec.Do("Mina sidor", chromedp.Navigate(s.srv.URL+"/mina-sidor/"))
	s.login(t, cec, pnCecilia)
	cec.WaitFor("the page, empty form, the reason", bt.Visible("#sec-contact")+" && "+bt.Visible("#contact-protected")+
		" && document.getElementById('ct-email').value === '' && "+bt.Visible("#reg-empty")+" && "+bt.Visible("#list-empty"))
	if bt.Eval[bool](cec, bt.TextContains("body", "Cecilia")+" || "+bt.TextContains("body", "Exempeldotter")) {
		t.Fatal("the page names a person with protected identity")
	}
	noSideScroll(t, cec, "phone, protected")
	cec.Axe("mina sidor: protected identity")
	cec.FullScreenshot("phone-protected")

	for name, tab := range map[string]*bt.Tab{"anna": phone, "cecilia": cec} {
		if n := bt.Eval[int](tab, "localStorage.length + sessionStorage.length"); n != 0 {
			t.Errorf("%s: %d entries in web storage", name, n)
		}
	}
}
