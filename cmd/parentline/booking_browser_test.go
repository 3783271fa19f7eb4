package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"parentline/eid/testid"
	bt "parentline/internal/browsertest"
)

// The test persons of the test e-ID provider (testid.People).
const (
	pnAnna    = "190308189802" // Anna Testsson: the applicant
	pnBertil  = "190309069813" // Bertil Provsson: the co-applicant
	pnCecilia = "190310139803" // Cecilia Exempeldotter: protected identity
)

// bkApprove is the developer at the test e-ID device page, in a browser
// context of its own: it completes the pending order as the person pn.
func bkApprove(t *testing.T, b *bt.Browser, base, pn string) {
	t.Helper()
	dev := b.Tab(t)
	dev.Do("open the test device page", chromedp.Navigate(base+testid.Path))
	radio := `form.complete input[name="pn"][value="` + pn + `"]`
	dev.WaitFor("a pending order for "+pn, "document.querySelectorAll('form.complete').length === 1 && !!document.querySelector("+strconv.Quote(radio)+")")
	dev.Do("approve as "+pn, chromedp.Click(chromedp.CSS(radio)), chromedp.Click(chromedp.CSS("form.complete button[type=submit]")))
}

// bkStartedOrder waits until the e-ID component in the tab shows a started
// order (its QR code and cancel button), with the TEST banner.
func bkStartedOrder(tab *bt.Tab, what string) {
	tab.WaitFor(what+": the started order", bt.Visible(".eid .eid-cancel")+" && "+bt.Visible(".eid-test")+" && "+
		bt.TextContains(".eid-test", "TEST – inte riktig e-legitimation"))
}

// bkInvitationToken waits for the co-applicant's invitation in the
// development outbox and returns its token.
func bkInvitationToken(t *testing.T, base string) string {
	t.Helper()
	link := regexp.MustCompile(`/boka/medsokande\?t=([0-9A-Za-z_-]+)`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get(base + "/dev/outbox")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/dev/outbox: status %d (the test e-ID setup opens it to the developer)", res.StatusCode)
		}
		if m := link.FindSubmatch(page); m != nil {
			return string(m[1])
		}
		if time.Now().After(deadline) {
			t.Fatalf("no invitation in the outbox:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// bkNoSideScroll fails when the page is wider than the viewport.
func bkNoSideScroll(t *testing.T, tab *bt.Tab, state string) {
	t.Helper()
	if w := bt.Eval[[]int](tab, "[document.documentElement.scrollWidth, window.innerWidth]"); w[0] > w[1] {
		t.Errorf("%s: the page is %d px wide in a %d px viewport", state, w[0], w[1])
	}
}

// bkClear empties the field with this id.
func bkClear(tab *bt.Tab, id string) {
	bt.Eval[bool](tab, "(() => { document.getElementById("+strconv.Quote(id)+").value = ''; return true; })()")
}

// bkFocusIn is a predicate: the focus is on the element sel or inside it.
func bkFocusIn(sel string) string {
	return "(() => { const e = document.querySelector(" + strconv.Quote(sel) + "); return !!e && (e === document.activeElement || e.contains(document.activeElement)); })()"
}

// bkPublish publishes a slot on the staff page.
func bkPublish(staff *bt.Tab, at time.Time, form, place, counselor string) {
	staff.Do("fill in the time "+at.Format("2006-01-02 15:04"),
		chromedp.SetValue(chromedp.ID("p-date"), at.Format("2006-01-02")),
		chromedp.SetValue(chromedp.ID("p-time"), at.Format("15:04")),
		chromedp.SetValue(chromedp.ID("p-minutes"), "60"),
		chromedp.SetValue(chromedp.ID("p-form"), form),
		chromedp.SetValue(chromedp.ID("p-place"), place),
		chromedp.SetValue(chromedp.ID("p-counselor"), counselor),
		chromedp.Click(chromedp.ID("publish-submit")),
	)
	staff.WaitFor("the time published", bt.TextContains("#publish-status", "är utlagd"))
}

// bkLoginCitizen logs the tab in on a citizen page whose #login-start starts
// eid.js login(), as the test person pn.
func bkLoginCitizen(t *testing.T, b *bt.Browser, tab *bt.Tab, base, pn, state string) {
	t.Helper()
	tab.WaitFor(state+": the login button", bt.Visible("#login-start"))
	tab.Do(state+": start the login", chromedp.Click(chromedp.ID("login-start")))
	bkStartedOrder(tab, state)
	bkApprove(t, b, base, pn)
}

// TestBrowser_BookingTwoPartners: staff publish times on /bokning/; the
// applicant books one on /boka/ and signs; the co-applicant, in another
// browser, opens the link from the mail, is warned about shared devices,
// logs in with their own e-ID and co-signs; both see the booking on
// /mina-sidor/, where the applicant is told about the fee before moving it;
// staff see the reservation, then the booking with contact details, and the
// fee. Every page state is checked with axe and photographed.
func TestBrowser_BookingTwoPartners(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "berit", "Berit Bokare", "booking", staffPassword)
	addUser(t, data, "chatta", "Chatta Rådgivare", "counselor", staffPassword)
	ts := startServer(t, data)

	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	soon := now.Add(30 * time.Hour) // within 48 hours: a change costs the fee
	slotA := time.Date(soon.Year(), soon.Month(), soon.Day(), soon.Hour(), 0, 0, 0, loc)
	later := now.AddDate(0, 0, 6)
	slotB := time.Date(later.Year(), later.Month(), later.Day(), 10, 0, 0, 0, loc)
	other := now.AddDate(0, 0, 3)
	slotE := time.Date(other.Year(), other.Month(), other.Day(), 13, 0, 0, 0, loc)

	// ---- staff: log in, publish three times ----
	staff := browser.Tab(t)
	staff.Do("staff page", chromedp.Navigate(ts.base+"/bokning/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	staff.Axe("staff: login")
	staff.Screenshot("staff-login")
	staff.Do("a counsellor without the booking role logs in",
		chromedp.SendKeys(chromedp.ID("login-username"), "chatta"),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	staff.WaitFor("access denied", bt.Visible("#denied-view"))
	staff.Axe("staff: denied")
	staff.Do("log out", chromedp.Click(chromedp.ID("logout")))
	staff.WaitFor("the login form", bt.Visible("#login-username"))
	bkClear(staff, "login-username")
	staff.Do("staff login",
		chromedp.SendKeys(chromedp.ID("login-username"), "berit"),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	)
	staff.WaitFor("the booking view", bt.Visible("#publish-form")+" && "+bt.TextContains("#me-name", "Berit Bokare"))
	staff.Do("publish without a counsellor",
		chromedp.SetValue(chromedp.ID("p-date"), slotA.Format("2006-01-02")),
		chromedp.SetValue(chromedp.ID("p-time"), slotA.Format("15:04")),
		chromedp.Click(chromedp.ID("publish-submit")),
	)
	staff.WaitFor("the counsellor's error next to the field", bt.TextContains("#p-counselor-error", "familjerådgivarens namn")+
		" && document.getElementById('p-counselor').getAttribute('aria-invalid') === 'true'"+
		" && document.activeElement.id === 'p-counselor'")
	staff.Axe("staff: publish error")
	bkPublish(staff, slotA, "parterapi", "ostersund", "Karin Rådgivare")
	bkPublish(staff, slotB, "parterapi", "video", "Karin Rådgivare")
	bkPublish(staff, slotE, "engangssamtal", "ostersund", "Olle Rådgivare")
	staff.WaitFor("three free times", "document.querySelectorAll('#slots-table tbody tr[data-state=\"free\"]').length === 3")
	staff.Axe("staff: three free times")
	staff.FullScreenshot("staff-free-times")

	// ---- the applicant books ----
	anna := browser.Tab(t)
	anna.Do("the booking page", chromedp.Navigate(ts.base+"/boka/"))
	anna.WaitFor("the login step", bt.Visible("#step-login")+" && "+bt.TextContains("#main", "Den här tjänsten kräver inloggning."))
	anna.Axe("boka: logged out")
	anna.Screenshot("boka-logged-out")
	anna.Do("start the login", chromedp.Click(chromedp.ID("login-start")))
	bkStartedOrder(anna, "boka login")
	anna.Axe("boka: login pending (TEST banner)")
	anna.Screenshot("boka-login-pending")
	bkApprove(t, browser, ts.base, pnAnna)

	anna.WaitFor("the instructions", bt.Visible("#step-instr")+" && "+bkFocusIn("#instr-title"))
	anna.WaitFor("the session bar with logout and the TEST badge", bt.TextContains(".eid-session", "Inloggad som Anna Testsson")+
		" && "+bt.Visible(".eid-session button")+" && "+bt.Visible(".eid-badge"))
	if got := bt.Eval[string](anna, "getComputedStyle(document.getElementById('instr-title')).textTransform"); got != "uppercase" {
		t.Errorf("the instructions' heading is not shown in capitals as in the seed (text-transform %q)", got)
	}
	for _, want := range []string{
		"Kontrollera att rätt mailadress uppges till medsökande!",
		"Den som står som medsökande har 24 timmar på sig att godkänna bokningen",
		"bekräftelse på att ärendet skickats in", "063-14 46 00", "famjamtland@ostersund.se",
		"samtalsavgiften på 200 kronor",
	} {
		anna.WaitFor("the instructions say "+want, bt.TextContains("#step-instr", want))
	}
	anna.Axe("boka: instructions")
	anna.FullScreenshot("boka-instructions")
	anna.Do("continue without ticking the box", chromedp.Click(chromedp.ID("instr-next")))
	anna.WaitFor("the error next to the checkbox", bt.TextContains("#instr-read-error", "kryssa i rutan")+
		" && document.activeElement.id === 'instr-read' && document.getElementById('instr-read').getAttribute('aria-invalid') === 'true'")
	anna.Axe("boka: instructions not read")
	anna.Do("tick and continue", chromedp.Click(chromedp.ID("instr-read")), chromedp.Click(chromedp.ID("instr-next")))

	anna.WaitFor("the form and slot step", bt.Visible("#step-choose")+" && "+bkFocusIn("#choose-title"))
	anna.Do("continue without a form", chromedp.Click(chromedp.ID("choose-next")))
	anna.WaitFor("the form error", bt.TextContains("#form-error", "Välj samtalsform"))
	anna.Do("choose Parterapi", chromedp.Click(chromedp.ID("form-parterapi")))
	anna.WaitFor("the two couple-therapy times only", "document.querySelectorAll('#slot-list input[name=slot]').length === 2"+
		" && "+bt.TextContains("#slots-status", "2 lediga tider"))
	anna.Axe("boka: free times")
	anna.Screenshot("boka-free-times")
	anna.Do("choose the first (soonest) time", chromedp.Click(chromedp.ID("slot-0")), chromedp.Click(chromedp.ID("choose-next")))

	anna.WaitFor("the contact step, name from the e-ID", bt.Visible("#step-contact")+
		" && document.getElementById('c-name').value === 'Anna Testsson' && "+bt.Visible("#contact-prefilled"))
	anna.Do("continue with empty fields", chromedp.Click(chromedp.ID("contact-next")))
	anna.WaitFor("errors next to the fields", bt.TextContains("#c-address-error", "postadress")+" && "+
		bt.TextContains("#c-email-error", "e-postadress")+" && "+bt.TextContains("#c-mobile-error", "mobilnummer")+
		" && document.activeElement.id === 'c-address'"+
		" && document.getElementById('c-address').getAttribute('aria-describedby').includes('c-address-error')")
	anna.Axe("boka: contact errors")
	anna.Screenshot("boka-contact-errors")
	anna.Do("fill in the contact details",
		chromedp.SendKeys(chromedp.ID("c-address"), "Storgatan 1\n831 30 Östersund"),
		chromedp.SendKeys(chromedp.ID("c-email"), "anna@example.se"),
		chromedp.SendKeys(chromedp.ID("c-mobile"), "070-123 45 67"),
		chromedp.Click(chromedp.ID("contact-next")),
	)

	anna.WaitFor("the co-applicant step", bt.Visible("#step-co")+" && "+bt.TextContains("#step-co", "Kontrollera att rätt mailadress uppges till medsökande!"))
	anna.Do("two different addresses",
		chromedp.SendKeys(chromedp.ID("co-email"), "bertil@example.se"),
		chromedp.SendKeys(chromedp.ID("co-email2"), "bertil@exampel.se"),
		chromedp.Click(chromedp.ID("co-next")),
	)
	anna.WaitFor("the mismatch next to the second field", bt.TextContains("#co-email2-error", "inte likadana")+" && document.activeElement.id === 'co-email2'")
	anna.Axe("boka: co-applicant e-mail mismatch")
	bkClear(anna, "co-email2")
	anna.Do("correct it",
		chromedp.SendKeys(chromedp.ID("co-email2"), "bertil@example.se"),
		chromedp.Click(chromedp.ID("co-next")),
	)

	anna.WaitFor("the summary", bt.Visible("#step-summary")+" && "+bt.TextContains("#sum-contact", "anna@example.se")+
		" && "+bt.TextContains("#sum-co", "bertil@example.se")+" && "+bt.TextContains("#sum-meeting", "Karin Rådgivare"))
	anna.Axe("boka: summary")
	anna.FullScreenshot("boka-summary")
	anna.Do("sign", chromedp.Click(chromedp.ID("sign")))
	bkStartedOrder(anna, "boka sign")
	anna.WaitFor("the sign title", bt.TextContains(".eid-title", "Skriv under med BankID"))
	anna.Axe("boka: signing")
	bkApprove(t, browser, ts.base, pnAnna)
	anna.WaitFor("the receipt", bt.Visible("#step-receipt")+" && "+bkFocusIn("#receipt-title")+" && "+
		bt.TextContains("#receipt-title", "24 timmar")+" && "+bt.TextContains("#receipt-co", "bertil@example.se")+
		" && "+bt.TextContains("#step-receipt", "bekräftelse på att ärendet skickats in"))
	anna.Axe("boka: receipt")
	anna.FullScreenshot("boka-receipt")

	// Staff see the time reserved, and nothing of who holds it.
	staff.Do("refresh", chromedp.Click(chromedp.ID("refresh")))
	staff.WaitFor("the held time", "document.querySelectorAll('#slots-table tbody tr[data-state=\"held\"]').length === 1"+
		" && "+bt.TextContains("#slots-table tr[data-state=\"held\"]", "Reserverad – väntar på signering"))
	if bt.Eval[bool](staff, bt.TextContains("#main", "Anna")+" || "+bt.TextContains("#main", "anna@example.se")) {
		t.Fatal("the staff page shows the applicant of a time that is only reserved")
	}
	if n := bt.Eval[int](staff, "document.querySelectorAll('#bookings-list li').length"); n != 0 {
		t.Fatalf("%d bookings listed before the co-applicant signed", n)
	}
	staff.Axe("staff: a reserved time")

	// ---- the co-applicant, in another browser ----
	token := bkInvitationToken(t, ts.base)
	invite := ts.base + "/boka/medsokande?t=" + token

	// On the applicant's own device the page first says who is logged in, and offers a logout.
	anna.Do("the link on the applicant's device", chromedp.Navigate(invite))
	anna.WaitFor("the warning naming the logged-in applicant", bt.Visible("#step-warning")+" && "+
		bt.TextContains("#current-who", "Anna Testsson är inloggad")+" && "+bt.Visible("#logout-current")+" && !"+bt.Visible("#warning-ok"))
	anna.Axe("medsokande: shared device, someone logged in")
	anna.Screenshot("medsokande-shared-device")
	anna.Do("log the applicant out", chromedp.Click(chromedp.ID("logout-current")))
	anna.WaitFor("logged out, the own login offered", bt.Visible("#warning-ok")+" && !"+bt.Visible("#current-session")+
		" && document.activeElement.id === 'warning-ok'")
	if bt.Eval[bool](anna, "fetch('/api/eid/me').then(r => r.status === 200)") {
		t.Fatal("the applicant is still logged in after the logout on the co-applicant's page")
	}

	bertil := browser.Tab(t)
	bertil.Do("the invitation link", chromedp.Navigate(invite))
	bertil.WaitFor("the shared-device warning first", bt.Visible("#step-warning")+" && "+
		bt.TextContains("#step-warning", "måste sökande logga ut innan du loggar in")+" && "+bt.Visible("#warning-ok")+
		" && !"+bt.Visible("#step-invitation"))
	bertil.Axe("medsokande: warning")
	bertil.Screenshot("medsokande-warning")
	bertil.Do("understood: log in", chromedp.Click(chromedp.ID("warning-ok")))
	bkStartedOrder(bertil, "medsokande login")
	bertil.Axe("medsokande: login pending")
	bkApprove(t, browser, ts.base, pnBertil)
	bertil.WaitFor("the whole booking", bt.Visible("#step-invitation")+" && "+bt.TextContains("#inv-intro", "Anna Testsson")+
		" && "+bt.TextContains("#inv-meeting", "Karin Rådgivare")+" && "+bt.TextContains("#inv-meeting", "Parterapi")+
		" && "+bt.TextContains("#inv-deadline", "Du har till"))
	bertil.WaitFor("the session bar", bt.TextContains(".eid-session", "Inloggad som Bertil Provsson"))
	if !bt.Eval[bool](bertil, "!!(document.getElementById('inv-meeting').compareDocumentPosition(document.getElementById('cosign')) & Node.DOCUMENT_POSITION_FOLLOWING)") {
		t.Fatal("the sign button is not after the booking")
	}
	if got := bt.Eval[string](bertil, "document.getElementById('cosign').textContent"); got != "Signera ärende" {
		t.Fatalf("the co-applicant's sign button says %q", got)
	}
	bertil.Axe("medsokande: the booking")
	bertil.FullScreenshot("medsokande-booking")
	bertil.Do("decline?", chromedp.Click(chromedp.ID("decline")))
	bertil.WaitFor("the confirmation", bt.Visible("#decline-panel")+" && document.activeElement.id === 'decline-title'")
	bertil.Axe("medsokande: confirm declining")
	bertil.Do("no, go back", chromedp.Click(chromedp.ID("decline-no")))
	bertil.WaitFor("back", "!"+bt.Visible("#decline-panel")+" && document.activeElement.id === 'decline'")
	bertil.Do("sign the case", chromedp.Click(chromedp.ID("cosign")))
	bkStartedOrder(bertil, "medsokande sign")
	bkApprove(t, browser, ts.base, pnBertil)
	bertil.WaitFor("done", bt.Visible("#step-done")+" && "+bkFocusIn("#done-title")+" && "+
		bt.TextContains("#step-done", "bekräftelse på att ärendet skickats in"))
	bertil.Axe("medsokande: done")
	bertil.Screenshot("medsokande-done")

	// The same link again: used.
	bertil.Do("the used link", chromedp.Navigate(invite))
	bertil.WaitFor("the warning, with who is logged in", bt.Visible("#continue-current"))
	bertil.Do("it is me", chromedp.Click(chromedp.ID("continue-current")))
	bertil.WaitFor("the link is not valid", bt.Visible("#step-invalid")+" && "+bt.TextContains("#invalid-text", "Länken gäller inte längre"))
	bertil.Axe("medsokande: used link")

	// ---- Mina sidor, both partners ----
	bertil.Do("Mina sidor", chromedp.Navigate(ts.base+"/mina-sidor/"))
	bertil.WaitFor("the booking, booked", bt.Visible("#step-list")+" && document.querySelectorAll('#booking-list li.booking-card').length === 1"+
		" && "+bt.TextContains("#booking-list", "Bokad")+" && "+bt.TextContains("#booking-list", "Medsökande")+
		" && "+bt.TextContains("#booking-list", "Anna Testsson"))
	bertil.Axe("mina-sidor: co-applicant")
	bertil.Screenshot("mina-sidor-co-applicant")

	anna.Do("Mina sidor", chromedp.Navigate(ts.base+"/mina-sidor/"))
	bkLoginCitizen(t, browser, anna, ts.base, pnAnna, "mina-sidor")
	anna.WaitFor("the booking, booked", bt.Visible("#step-list")+" && document.querySelectorAll('#booking-list li.booking-card').length === 1"+
		" && "+bt.TextContains("#booking-list", "Bokad")+" && "+bt.TextContains("#booking-list", "Bertil Provsson"))
	anna.Axe("mina-sidor: applicant")
	anna.FullScreenshot("mina-sidor-applicant")

	// Cancelling within 48 hours: the fee is said first and must be accepted.
	anna.Do("cancel?", chromedp.Click(chromedp.CSS("#booking-list .btn-cancel")))
	anna.WaitFor("the fee warning", bt.TextContains("[data-panel=cancel]", "Avbokning senare än 48 timmar före mötet: du behöver ändå betala samtalsavgiften på 200 kronor")+
		" && "+bt.Visible("[data-panel=cancel] input[type=checkbox]"))
	anna.Do("confirm without accepting the fee", chromedp.Click(chromedp.CSS("[data-panel=cancel] .btn-confirm")))
	anna.WaitFor("the error next to the checkbox", bt.TextContains("[data-panel=cancel] .field-error", "200 kronor")+
		" && document.activeElement.type === 'checkbox'")
	anna.Axe("mina-sidor: cancel terms with the fee")
	anna.Screenshot("mina-sidor-cancel-fee")
	anna.Do("keep the booking", chromedp.Click(chromedp.CSS("[data-panel=cancel] .btn:not(.btn-confirm)")))
	anna.WaitFor("the panel closed", "!document.querySelector('[data-panel]')")

	// Moving it: a time of the same form, the terms, the fee accepted.
	anna.Do("move", chromedp.Click(chromedp.CSS("#booking-list .btn-rebook")))
	anna.WaitFor("the other couple-therapy time only", "document.querySelectorAll('[data-panel=rebook] input[type=radio]').length === 1"+
		" && "+bt.TextContains("[data-panel=rebook]", "Videosamtal"))
	anna.Axe("mina-sidor: choose a new time")
	anna.Do("choose it", chromedp.Click(chromedp.CSS("[data-panel=rebook] input[type=radio]")), chromedp.Click(chromedp.CSS("[data-panel=rebook] .btn-next")))
	anna.WaitFor("the terms with the fee", bt.TextContains("[data-panel=rebook]", "Ombokning senare än 48 timmar före mötet: du behöver ändå betala samtalsavgiften på 200 kronor"))
	anna.Axe("mina-sidor: rebook terms")
	anna.Do("accept and confirm", chromedp.Click(chromedp.CSS("[data-panel=rebook] input[type=checkbox]")), chromedp.Click(chromedp.CSS("[data-panel=rebook] .btn-confirm")))
	anna.WaitFor("moved", bt.Visible("#list-done")+" && "+bt.TextContains("#list-done", "ombokad")+" && document.activeElement.id === 'list-done'"+
		" && "+bt.TextContains("#booking-list", "Videosamtal")+" && "+bt.TextContains("#booking-list", "200 kronor"))
	anna.Axe("mina-sidor: moved")
	anna.FullScreenshot("mina-sidor-moved")

	// ---- staff: the booking with both parties' details, and the fee ----
	staff.Do("refresh", chromedp.Click(chromedp.ID("refresh")))
	staff.WaitFor("the confirmed booking", "document.querySelectorAll('#bookings-list li').length === 1"+
		" && "+bt.TextContains("#bookings-list", "Anna Testsson")+" && "+bt.TextContains("#bookings-list", "anna@example.se")+
		" && "+bt.TextContains("#bookings-list", "Storgatan 1")+" && "+bt.TextContains("#bookings-list", "19030818-9802")+
		" && "+bt.TextContains("#bookings-list", "Bertil Provsson")+" && "+bt.TextContains("#bookings-list", "bertil@example.se"))
	staff.WaitFor("the times' states", "document.querySelectorAll('#slots-table tbody tr[data-state=\"booked\"]').length === 1"+
		" && document.querySelectorAll('#slots-table tbody tr[data-state=\"free\"]').length === 2")
	staff.WaitFor("the fee", "document.querySelectorAll('#fees-table tbody tr').length === 1 && "+bt.TextContains("#fees-table tbody", "200 kr"))
	staff.Axe("staff: booking and fee")
	staff.FullScreenshot("staff-booking-and-fee")
	csv := bt.Eval[string](staff, "(async () => { const r = await fetch(document.getElementById('fees-csv').href); return r.headers.get('Content-Type') + '\\n' + await r.text(); })()")
	if !regexp.MustCompile(`(?s)^text/csv.*\nBokning,Typ,Ändrad,.*190308189802,200`).MatchString(csv) {
		t.Fatalf("the CSV link gives:\n%s", csv)
	}

	// Nothing of any of this is kept in the browsers.
	for name, tab := range map[string]*bt.Tab{"applicant": anna, "co-applicant": bertil, "staff": staff} {
		if n := bt.Eval[int](tab, "localStorage.length + sessionStorage.length"); n != 0 {
			t.Errorf("%s: %d entries in web storage", name, n)
		}
		if n := bt.Eval[int](tab, "performance.getEntriesByType('resource').filter(e => new URL(e.name).host !== location.host).length"); n != 0 {
			t.Errorf("%s: %d resources from other hosts", name, n)
		}
	}
}

// TestBrowser_BookingPhoneProtectedAndEnglish: on a phone (390×844) /boka/,
// /boka/medsokande and /mina-sidor/ fit the screen and pass axe; a citizen
// with protected identity gets nothing pre-filled and is told why, and is
// not named; logging out hides what was typed; keyboard focus is visible;
// the same person co-signing is told the booking is cancelled and the time
// released; the pages switch to English.
func TestBrowser_BookingPhoneProtectedAndEnglish(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "berit", "Berit Bokare", "booking", staffPassword)
	ts := startServer(t, data)

	// A free time, published through the API.
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(loc).AddDate(0, 0, 4)
	c := login(t, ts.base, "berit", staffPassword)
	if code, body := postJSON(t, c, ts.base+"/api/booking/staff/slots", map[string]any{
		"start": fmt.Sprintf("%sT09:00", day.Format("2006-01-02")), "minutes": 60, "form": "engangssamtal",
		"place": "ostersund", "counselor": "Olle Rådgivare",
	}); code != http.StatusCreated {
		t.Fatalf("publishing a slot: %d %s", code, body)
	}

	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	phone.Do("the booking page on a phone", chromedp.Navigate(ts.base+"/boka/"))
	phone.WaitFor("the login step", bt.Visible("#step-login"))
	bkNoSideScroll(t, phone, "phone, logged out")
	phone.Axe("phone: boka logged out")
	phone.Screenshot("phone-boka-logged-out")
	phone.Do("start the login", chromedp.Click(chromedp.ID("login-start")))
	bkStartedOrder(phone, "phone login")
	bkNoSideScroll(t, phone, "phone, login pending")
	phone.Axe("phone: boka login pending")
	phone.Screenshot("phone-boka-login")
	bkApprove(t, browser, ts.base, pnCecilia)

	phone.WaitFor("the instructions", bt.Visible("#step-instr"))
	phone.WaitFor("the session bar without a name (protected identity)", bt.TextContains(".eid-session", "Inloggad")+
		" && !"+bt.TextContains(".eid-session", "Cecilia")+" && "+bt.Visible(".eid-session button"))
	bkNoSideScroll(t, phone, "phone, instructions")
	phone.Axe("phone: boka instructions")
	phone.FullScreenshot("phone-boka-instructions")
	phone.Do("read", chromedp.Click(chromedp.ID("instr-read")), chromedp.Click(chromedp.ID("instr-next")))
	phone.Do("choose Engångssamtal", chromedp.Click(chromedp.ID("form-engangssamtal")))
	phone.WaitFor("the free time", "document.querySelectorAll('#slot-list input[name=slot]').length === 1")
	bkNoSideScroll(t, phone, "phone, free times")
	phone.Axe("phone: boka free times")
	phone.Screenshot("phone-boka-free-times")
	phone.Do("choose it", chromedp.Click(chromedp.ID("slot-0")), chromedp.Click(chromedp.ID("choose-next")))
	phone.WaitFor("the contact step with nothing pre-filled, and why", bt.Visible("#step-contact")+" && "+bt.Visible("#contact-protected")+
		" && !"+bt.Visible("#contact-prefilled")+" && document.getElementById('c-name').value === ''"+
		" && "+bt.TextContains("#contact-protected", "skyddade personuppgifter"))
	phone.Do("type a name", chromedp.SendKeys(chromedp.ID("c-name"), "C. E."), chromedp.Click(chromedp.ID("contact-next")))
	phone.WaitFor("errors", bt.TextContains("#c-address-error", "postadress"))
	bkNoSideScroll(t, phone, "phone, contact errors")
	phone.Axe("phone: boka contact (protected identity, errors)")
	phone.FullScreenshot("phone-boka-contact-protected")

	// Logging out (the session bar's button) hides and forgets what was typed.
	phone.Do("log out", chromedp.Click(chromedp.CSS(".eid-session button")))
	phone.WaitFor("logged out", bt.TextContains(".eid-loggedout", "Du har loggat ut")+" && !"+bt.Visible("#step-contact")+
		" && document.getElementById('c-name').value === ''")
	phone.Axe("phone: boka logged out by the citizen")

	phone.Do("Mina sidor on the phone", chromedp.Navigate(ts.base+"/mina-sidor/"))
	bkLoginCitizen(t, browser, phone, ts.base, pnCecilia, "phone mina-sidor")
	phone.WaitFor("no bookings", bt.Visible("#step-list")+" && "+bt.Visible("#list-empty"))
	bkNoSideScroll(t, phone, "phone, mina sidor")
	phone.Axe("phone: mina-sidor")
	phone.Screenshot("phone-mina-sidor")

	// A whole booking on the phone, and then the same person "co-signing" it.
	phone.Do("the booking page again", chromedp.Navigate(ts.base+"/boka/"))
	phone.WaitFor("the instructions", bt.Visible("#step-instr"))
	phone.Do("read", chromedp.Click(chromedp.ID("instr-read")), chromedp.Click(chromedp.ID("instr-next")))
	phone.Do("choose Engångssamtal", chromedp.Click(chromedp.ID("form-engangssamtal")))
	phone.WaitFor("the free time", "document.querySelectorAll('#slot-list input[name=slot]').length === 1")
	phone.Do("choose it", chromedp.Click(chromedp.ID("slot-0")), chromedp.Click(chromedp.ID("choose-next")))
	phone.WaitFor("the contact step", bt.Visible("#step-contact")+" && document.getElementById('c-name').value === ''")
	phone.Do("contact details",
		chromedp.SendKeys(chromedp.ID("c-name"), "C. E."),
		chromedp.SendKeys(chromedp.ID("c-address"), "Box 1, 831 82 Östersund"),
		chromedp.SendKeys(chromedp.ID("c-email"), "ce@example.se"),
		chromedp.SendKeys(chromedp.ID("c-mobile"), "+46 70 765 43 21"),
		chromedp.Click(chromedp.ID("contact-next")),
	)
	phone.Do("the co-applicant",
		chromedp.WaitVisible(chromedp.ID("co-email")),
		chromedp.SendKeys(chromedp.ID("co-email"), "partner@example.se"),
		chromedp.SendKeys(chromedp.ID("co-email2"), "partner@example.se"),
		chromedp.Click(chromedp.ID("co-next")),
	)
	phone.WaitFor("the summary", bt.Visible("#step-summary"))
	bkNoSideScroll(t, phone, "phone, summary")
	phone.Axe("phone: boka summary")
	phone.FullScreenshot("phone-boka-summary")
	// Keyboard focus is visible.
	bt.Eval[bool](phone, "(() => { document.getElementById('summary-back').focus(); return true; })()")
	phone.Keys(kb.Tab)
	phone.WaitFor("the sign button focused, with an outline", "document.activeElement.id === 'sign' && getComputedStyle(document.activeElement).outlineStyle !== 'none'")
	phone.Do("sign", chromedp.Click(chromedp.ID("sign")))
	bkStartedOrder(phone, "phone sign")
	bkNoSideScroll(t, phone, "phone, signing")
	phone.Axe("phone: boka signing")
	bkApprove(t, browser, ts.base, pnCecilia)
	phone.WaitFor("the receipt", bt.Visible("#step-receipt")+" && "+bt.TextContains("#receipt-co", "partner@example.se"))
	bkNoSideScroll(t, phone, "phone, receipt")
	phone.Axe("phone: boka receipt")
	phone.FullScreenshot("phone-boka-receipt")

	phone.Do("the invitation on the applicant's own phone", chromedp.Navigate(ts.base+"/boka/medsokande?t="+bkInvitationToken(t, ts.base)))
	phone.WaitFor("the warning: someone (unnamed) is logged in", bt.Visible("#step-warning")+" && "+
		bt.TextContains("#current-who", "Någon är inloggad")+" && !"+bt.TextContains("#main", "Cecilia"))
	bkNoSideScroll(t, phone, "phone, shared-device warning")
	phone.Axe("phone: medsokande warning, someone logged in")
	phone.Screenshot("phone-medsokande-warning")
	phone.Do("it is me (it is not)", chromedp.Click(chromedp.ID("continue-current")))
	phone.WaitFor("the booking", bt.Visible("#step-invitation"))
	phone.Do("sign the case", chromedp.Click(chromedp.ID("cosign")))
	bkStartedOrder(phone, "phone co-sign")
	bkApprove(t, browser, ts.base, pnCecilia)
	phone.WaitFor("same person: cancelled, released", bt.Visible("#step-same")+" && "+bkFocusIn("#same-title")+" && "+
		bt.TextContains("#same-text", "Samma person kan inte stå som både sökande och medsökande")+" && "+
		bt.TextContains("#step-same", "Tiden är släppt"))
	bkNoSideScroll(t, phone, "phone, same person")
	phone.Axe("phone: medsokande same person")
	phone.Screenshot("phone-medsokande-same-person")

	phone.Do("Mina sidor again", chromedp.Navigate(ts.base+"/mina-sidor/"))
	phone.WaitFor("the refused booking", "document.querySelectorAll('#booking-list li.booking-card').length === 1"+
		" && "+bt.TextContains("#booking-list", "samma person")+" && !document.querySelector('#booking-list .btn-cancel')")
	phone.Axe("phone: mina-sidor with a refused booking")
	phone.FullScreenshot("phone-mina-sidor-refused")

	// English.
	href := bt.Eval[string](phone, "document.getElementById('lang').href")
	if href != ts.base+"/mina-sidor/?lang=en" {
		t.Fatalf("the language link goes to %s", href)
	}
	phone.Do("switch to English", chromedp.Navigate(href))
	phone.WaitFor("English", "document.documentElement.lang === 'en' && "+bt.TextContains("h1", "My pages")+
		" && "+bt.TextContains("#lang", "Svenska")+" && "+bt.TextContains(".eid-session", "Log out"))
	phone.Axe("phone: mina-sidor in English")
	en := browser.Tab(t)
	en.Do("the booking page in English", chromedp.Navigate(ts.base+"/boka/?lang=en"))
	en.WaitFor("English", "document.documentElement.lang === 'en' && "+bt.TextContains("h1", "Family Counselling")+
		" && "+bt.TextContains("#login-start", "Log in with BankID")+" && "+bt.TextContains("#lang", "Svenska"))
	en.Axe("boka in English")
	en.Do("an invitation link without a token", chromedp.Navigate(ts.base+"/boka/medsokande?lang=en"))
	en.WaitFor("the link is not valid", bt.Visible("#step-invalid")+" && "+bt.TextContains("#invalid-title", "The link is not valid"))
	en.Axe("medsokande without a token, English")
}
