package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	bt "parentline/internal/browsertest"
)

// The interest registrations in the browser: the foster-home form
// (/familjehem/) and its staff view (/familjehem/personal/), the parenting
// programme form (/foraldrastod/) and its coordinator view
// (/foraldrastod/samordnare/), against the real server. The helpers bk* and
// the test persons are booking_browser_test.go's.

// irType empties the field with this id at once and returns the action
// that types value into it.
func irType(tab *bt.Tab, id, value string) chromedp.Action[chromedp.Void] {
	bkClear(tab, id)
	return chromedp.SendKeys(chromedp.ID(id), value)
}

// irChecked is a predicate: the input with this id is checked.
func irChecked(id string) string {
	return "!!document.getElementById(" + strconv.Quote(id) + ")?.checked"
}

// irValue is a predicate: the field with this id holds value.
func irValue(id, value string) string {
	return "document.getElementById(" + strconv.Quote(id) + ")?.value === " + strconv.Quote(value)
}

// irNext presses the step's "Nästa" and waits for the next step.
func irNext(tab *bt.Tab, step, to string) {
	tab.Do(step+": next", chromedp.Click(chromedp.ID("step-"+step+"-next")))
	tab.WaitFor("the step "+to, bt.Visible("#step-"+to)+" && "+bkFocusIn("#"+to+"-title"))
}

// irStaffLogin logs a staff member in on a staff view of interest registrations.
func irStaffLogin(tab *bt.Tab, url, username string) {
	tab.Do("the staff page", chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("login-username")))
	tab.Do("log in as "+username,
		chromedp.SendKeys(chromedp.ID("login-username"), username),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
	)
}

var recordID = regexp.MustCompile(`^(FH|FS)-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

// irReceiptID waits for the receipt with one record and returns its id.
func irReceiptID(t *testing.T, tab *bt.Tab) string {
	t.Helper()
	tab.WaitFor("the receipt with a record id", bt.Visible("#step-receipt")+" && "+bkFocusIn("#receipt-title")+
		" && document.querySelectorAll('#receipt-records li[data-id]').length === 1")
	id := bt.Eval[string](tab, "document.querySelector('#receipt-records li[data-id]').dataset.id")
	if !recordID.MatchString(id) {
		t.Fatalf("the receipt's record id is %q", id)
	}
	tab.WaitFor("the id shown", bt.TextContains("#receipt-records", id))
	return id
}

// TestBrowser_FosterInterest: Anna registers foster-home interest on
// /familjehem/ step by step: an empty step is refused with the error by the
// field and in the summary; a saved draft comes back after a reload without
// the health answers; the review shows the answers and the consent text;
// sending without the consent is refused; the receipt gives the record id.
// Östersund's foster-care secretary, in another browser, opens it with the
// key file and sets it under assessment. Every state passes axe.
func TestBrowser_FosterInterest(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	priv, pub := readerKeyPair(t)
	addUser(t, data, "fia", "Fia Familjehem", "foster:2380", staffPassword)
	ts := startServer(t, data, "--reader-key", "foster:2380="+pub, "--reader-key", "coordinator:kungsholmen="+pub)
	a := fosterAnswers("2380")
	contact := a["contact"].(map[string]string)

	anna := browser.Tab(t)
	anna.Do("the foster form", chromedp.Navigate(ts.base+"/familjehem/"))
	anna.WaitFor("the login step", bt.Visible("#step-login")+" && "+bt.TextContains("#main", "Den här tjänsten kräver inloggning."))
	anna.Axe("familjehem: logged out")
	anna.Screenshot("familjehem-logged-out")
	bkLoginCitizen(t, browser, anna, ts.base, pnAnna, "familjehem")

	anna.WaitFor("the first step", bt.Visible("#step-assignments")+" && "+bkFocusIn("#assignments-title")+
		" && "+bt.Visible("#draft-bar")+" && "+bt.TextContains(".eid-session", "Anna Testsson"))
	anna.Axe("familjehem: assignments")
	anna.Do("next without an assignment", chromedp.Click(chromedp.ID("step-assignments-next")))
	anna.WaitFor("the error by the field and in the summary", bt.TextContains("#assignments-error", "Välj minst ett alternativ.")+
		" && "+bt.Visible("#error-summary")+" && "+bt.TextContains("#error-summary-list", "Uppdrag du är intresserad av")+
		" && document.querySelector('#error-summary-list a').getAttribute('href') === '#assignments-familjehem'"+
		" && "+bkFocusIn("#error-summary")+" && "+bt.Visible("#step-assignments"))
	anna.Axe("familjehem: assignments error")
	anna.Screenshot("familjehem-assignments-error")
	anna.Do("choose two assignments", chromedp.Click(chromedp.ID("assignments-familjehem")), chromedp.Click(chromedp.ID("assignments-jourhem")))
	irNext(anna, "assignments", "municipalities")
	anna.WaitFor("the summary gone", "!"+bt.Visible("#error-summary")+" && document.getElementById('assignments-error').textContent === ''")

	anna.WaitFor("Östersund open, Härjedalen (no reader key) not", bt.Visible("#municipalities-2380")+
		" && !document.getElementById('municipalities-2380').disabled && document.getElementById('municipalities-2361').disabled"+
		" && "+bt.TextContains("[data-unit=\"2361\"]", "tar inte emot anmälningar via e-tjänsten"))
	anna.Axe("familjehem: municipalities")
	anna.Do("choose Östersund", chromedp.Click(chromedp.ID("municipalities-2380")))
	irNext(anna, "municipalities", "contact")

	anna.WaitFor("the name from the e-ID, every field marked required", irValue("contact-given-name", "Anna")+
		" && "+irValue("contact-surname", "Testsson")+" && "+bt.Visible("#contact-prefilled")+" && !"+bt.Visible("#contact-protected")+
		" && "+bt.Visible("label[for=contact-address] .req")+" && document.getElementById('contact-address').required")
	anna.Do("next with the address and the rest empty", chromedp.Click(chromedp.ID("step-contact-next")))
	anna.WaitFor("errors by the fields", bt.TextContains("#contact-address-error", "Fyll i gatuadress.")+
		" && "+bt.TextContains("#contact-email-error", "Fyll i e-postadress.")+
		" && document.getElementById('contact-address').getAttribute('aria-invalid') === 'true'"+
		" && document.querySelectorAll('#error-summary-list li').length === 5")
	anna.Axe("familjehem: contact errors")
	anna.Screenshot("familjehem-contact-errors")
	anna.Do("the contact details",
		irType(anna, "contact-given-name", contact["given_name"]),
		irType(anna, "contact-surname", contact["surname"]),
		chromedp.SendKeys(chromedp.ID("contact-address"), contact["address"]),
		chromedp.SendKeys(chromedp.ID("contact-postal-code"), contact["postal_code"]),
		chromedp.SendKeys(chromedp.ID("contact-city"), contact["city"]),
		chromedp.SendKeys(chromedp.ID("contact-phone"), contact["phone"]),
		chromedp.SendKeys(chromedp.ID("contact-email"), contact["email"]),
	)
	irNext(anna, "contact", "household")

	anna.Axe("familjehem: household")
	anna.Do("the household",
		chromedp.SendKeys(chromedp.ID("household-adults"), "2"),
		chromedp.SendKeys(chromedp.ID("household-children"), "1"),
		chromedp.SendKeys(chromedp.ID("household-children-ages"), "9"),
		chromedp.Click(chromedp.ID("household-housing-villa")),
		chromedp.SendKeys(chromedp.ID("household-rooms"), "5"),
		chromedp.SendKeys(chromedp.ID("household-partner-name"), "Kasimir Hemlighetsson"),
		chromedp.SendKeys(chromedp.ID("household-occupation"), "Snickare"),
		chromedp.SendKeys(chromedp.ID("household-languages"), "svenska"),
	)
	irNext(anna, "household", "questions")

	anna.Axe("familjehem: questions")
	anna.Do("the questions",
		chromedp.Click(chromedp.ID("questions-experience-some")),
		chromedp.Click(chromedp.ID("questions-time-fulltime")),
		chromedp.Click(chromedp.ID("questions-age-groups-7-12")),
		chromedp.Click(chromedp.ID("questions-social-services-no")),
		chromedp.SendKeys(chromedp.ID("motivation"), a["motivation"].(string)),
	)
	irNext(anna, "questions", "health")

	anna.WaitFor("the health note", bt.TextContains("#health-note", "sparas aldrig i ett utkast"))
	anna.Axe("familjehem: health")
	anna.Do("the health answers",
		chromedp.Click(chromedp.ID("health-physical-good")),
		chromedp.Click(chromedp.ID("health-mental-some-limits")),
		chromedp.Click(chromedp.ID("health-treatment-no")),
		chromedp.SendKeys(chromedp.ID("health-comment"), "Migrän-Zebrafink"),
	)

	// A draft: saved, and after a reload filled in again, without the health answers.
	anna.Do("save a draft", chromedp.Click(chromedp.ID("draft-save")))
	anna.WaitFor("the draft saved", bt.TextContains("#draft-status", "Utkastet sparades")+" && "+bt.Visible("#draft-delete"))
	anna.Axe("familjehem: draft saved")
	anna.Screenshot("familjehem-draft-saved")
	anna.Do("reload the page", chromedp.Reload())
	anna.WaitPath("/familjehem/")
	anna.WaitFor("the draft filled in", bt.Visible("#step-assignments")+" && "+bt.TextContains("#draft-status", "Vi har fyllt i formuläret med ditt utkast")+
		" && "+irValue("contact-surname", contact["surname"])+" && "+irValue("household-partner-name", "Kasimir Hemlighetsson")+
		" && "+irChecked("assignments-jourhem")+" && "+irChecked("municipalities-2380")+" && "+irChecked("questions-age-groups-7-12"))
	if bt.Eval[bool](anna, irChecked("health-physical-good")+" || "+irChecked("health-mental-some-limits")+" || "+
		irChecked("health-treatment-no")+" || document.getElementById('health-comment').value !== ''") {
		t.Fatal("the health answers came back from the draft")
	}
	anna.Axe("familjehem: draft loaded")
	anna.Screenshot("familjehem-draft-loaded")
	irNext(anna, "assignments", "municipalities")
	irNext(anna, "municipalities", "contact")
	irNext(anna, "contact", "household")
	irNext(anna, "household", "questions")
	irNext(anna, "questions", "health")
	anna.Do("next without the health answers", chromedp.Click(chromedp.ID("step-health-next")))
	anna.WaitFor("the health errors", bt.TextContains("#health-physical-error", "Välj ett svar.")+" && "+bt.Visible("#error-summary"))
	anna.Axe("familjehem: health errors")
	anna.Do("the health answers again",
		chromedp.Click(chromedp.ID("health-physical-good")),
		chromedp.Click(chromedp.ID("health-mental-some-limits")),
		chromedp.Click(chromedp.ID("health-treatment-no")),
		chromedp.SendKeys(chromedp.ID("health-comment"), "Migrän-Zebrafink"),
	)
	irNext(anna, "health", "review")

	// Review, consent, submit.
	anna.WaitFor("the review and the consent text", "!"+bt.Visible("#error-summary")+
		" && "+bt.TextContains("#review", contact["surname"])+" && "+bt.TextContains("#review", "Östersund")+
		" && "+bt.TextContains("#review", "Vissa besvär eller begränsningar")+" && "+bt.TextContains("#review", "Migrän-Zebrafink")+
		" && "+bt.TextContains("#consent-text", "fysiska och psykiska hälsa")+" && "+bt.Visible("#edit-contact"))
	anna.Axe("familjehem: review")
	anna.FullScreenshot("familjehem-review")
	anna.Do("send without the consent", chromedp.Click(chromedp.ID("submit")))
	anna.WaitFor("the error at the consent", bt.TextContains("#consent-error", "kryssa i rutan")+
		" && document.getElementById('consent').getAttribute('aria-invalid') === 'true'"+
		" && "+bt.Visible("#error-summary")+" && "+bt.Visible("#step-review"))
	anna.Axe("familjehem: consent missing")
	anna.Screenshot("familjehem-consent-missing")
	anna.Do("consent and send", chromedp.Click(chromedp.ID("consent")), chromedp.Click(chromedp.ID("submit")))
	id := irReceiptID(t, anna)
	if !recordID.MatchString(id) || id[:3] != "FH-" {
		t.Fatalf("foster record id %q", id)
	}
	anna.WaitFor("the receipt's mail and copy", bt.TextContains("#receipt-records", "Östersund")+
		" && "+bt.TextContains("#receipt-mail", contact["email"])+" && "+bt.TextContains("#receipt-answers", "Migrän-Zebrafink")+
		" && "+bt.Visible("#receipt-print")+" && "+bt.Visible("#receipt-mine")+" && !"+bt.Visible("#draft-bar"))
	anna.Axe("familjehem: receipt")
	anna.FullScreenshot("familjehem-receipt")

	// ---- Östersund's foster-care secretary ----
	fia := browser.Tab(t)
	irStaffLogin(fia, ts.base+"/familjehem/personal/", "fia")
	fia.WaitFor("the list with the record", bt.Visible("#interest-view")+" && "+bt.TextContains("#unit-single", "Östersund (2380)")+
		" && "+bt.Visible("#open-"+id)+" && "+bt.TextContains("#records-table tr[data-id=\""+id+"\"]", "Inkommen")+
		" && "+bt.TextContains("#key-status", "Ingen nyckel är inläst"))
	if bt.Eval[bool](fia, bt.TextContains("#main", contact["surname"])) {
		t.Fatal("the list shows what the applicant wrote")
	}
	fia.Axe("familjehem personal: list")
	fia.Screenshot("personal-list")
	fia.Do("load the key file", chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{priv}))
	fia.WaitFor("the key loaded", bt.TextContains("#key-status", "Nyckeln är inläst")+" && "+
		bt.TextContains("#key-status", "Den är en av nycklarna för Östersund")+" && "+bt.Visible("#key-forget"))
	fia.Axe("familjehem personal: key loaded")
	fia.Do("open the record", chromedp.Click(chromedp.ID("open-"+id)))
	fia.WaitFor("the decrypted registration", bt.Visible("#record-view")+" && "+bt.TextContains("#record-title", id)+
		" && "+bt.TextContains("#record-content", contact["surname"])+" && "+bt.TextContains("#record-content", "Hur är din fysiska hälsa?")+
		" && "+bt.TextContains("#record-content", "Migrän-Zebrafink")+" && "+bt.TextContains("#record-content", "19030818-9802")+
		" && "+bt.TextContains("#record-content", "Anna Testsson")+" && "+bt.TextContains("#record-content", "fysiska och psykiska hälsa")+
		" && !"+bt.Visible("#record-corrections")+" && document.getElementById('record-error').textContent === ''")
	fia.Axe("familjehem personal: record opened")
	fia.FullScreenshot("personal-record")
	fia.Do("set it under assessment", chromedp.SetValue(chromedp.ID("status-select"), "assessment"), chromedp.Click(chromedp.ID("status-save")))
	fia.WaitFor("the status saved", bt.TextContains("#status-msg", "Under bedömning")+
		" && "+bt.TextContains("#records-table tr[data-id=\""+id+"\"]", "Under bedömning")+
		" && document.getElementById('status-select').value === 'assessment'")
	fia.Axe("familjehem personal: status saved")
	fia.Screenshot("personal-status")

	// Nothing of it is kept in the browsers, nor fetched from elsewhere.
	for name, tab := range map[string]*bt.Tab{"applicant": anna, "staff": fia} {
		if n := bt.Eval[int](tab, "localStorage.length + sessionStorage.length"); n != 0 {
			t.Errorf("%s: %d entries in web storage", name, n)
		}
		if n := bt.Eval[int](tab, "performance.getEntriesByType('resource').filter(e => new URL(e.name).host !== location.host).length"); n != 0 {
			t.Errorf("%s: %d resources from other hosts", name, n)
		}
	}
}

// TestBrowser_ProgrammeInterestPhone: on a phone (390×844), in English, a
// citizen with protected identity registers for a parenting programme:
// nothing is pre-filled, the address is not required, but a phone number or
// an e-mail address is; an invalid e-mail address is refused by the server
// with the message by the field; then the receipt. Kungsholmen's coordinator
// opens it with the key and sets it "contacted". The phone pages never
// scroll sideways, and every state passes axe.
func TestBrowser_ProgrammeInterestPhone(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	priv, pub := readerKeyPair(t)
	addUser(t, data, "sam", "Sam Samordnare", "coordinator:kungsholmen", staffPassword)
	ts := startServer(t, data, "--reader-key", "foster:2380="+pub, "--reader-key", "coordinator:kungsholmen="+pub)

	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	phone.Do("the programme form in English", chromedp.Navigate(ts.base+"/foraldrastod/?lang=en"))
	phone.WaitFor("the login step in English", bt.Visible("#step-login")+" && document.documentElement.lang === 'en'"+
		" && "+bt.TextContains("#login-start", "Log in with BankID"))
	bkNoSideScroll(t, phone, "phone, logged out")
	phone.Axe("foraldrastod phone: logged out")
	phone.Screenshot("foraldrastod-logged-out")
	// bkLoginCitizen, in English: the TEST banner says so in English.
	phone.Do("start the login", chromedp.Click(chromedp.ID("login-start")))
	phone.WaitFor("the started order, in English", bt.Visible(".eid .eid-cancel")+" && "+bt.TextContains(".eid-test", "TEST – not a real e-ID"))
	bkNoSideScroll(t, phone, "phone, login pending")
	phone.Axe("foraldrastod phone: login pending")
	bkApprove(t, browser, ts.base, pnCecilia)

	phone.WaitFor("the form, nothing pre-filled, and why", bt.Visible("#step-form")+" && "+bt.Visible("#contact-protected")+
		" && "+bt.TextContains("#contact-protected", "You choose which contact details you give")+" && !"+bt.Visible("#contact-prefilled")+
		" && "+irValue("contact-given-name", "")+" && "+irValue("contact-surname", "")+
		" && "+bt.TextContains(".eid-session", "Log out")+" && !"+bt.TextContains(".eid-session", "Cecilia"))
	phone.WaitFor("the address, phone and e-mail not marked required; the name is",
		"!"+bt.Visible("label[for=contact-address] .req")+" && !"+bt.Visible("label[for=contact-phone] .req")+
			" && !"+bt.Visible("label[for=contact-email] .req")+" && !document.getElementById('contact-address').required"+
			" && "+bt.Visible("label[for=contact-surname] .req")+" && document.getElementById('contact-surname').required")
	if n := bt.Eval[int](phone, "[...document.querySelectorAll('#interest-form input[type=text], #interest-form input[type=email], #interest-form input[type=tel], #interest-form textarea')].filter(e => e.value !== '').length"+
		" + document.querySelectorAll('#interest-form input:checked').length"); n != 0 {
		t.Fatalf("%d fields are filled in for a person with protected identity", n)
	}
	bkNoSideScroll(t, phone, "phone, the form")
	phone.Axe("foraldrastod phone: the form (protected identity)")
	phone.FullScreenshot("foraldrastod-form-protected")

	phone.Do("the form without an address, a phone number or an e-mail address",
		chromedp.Click(chromedp.ID("programme-abc")),
		chromedp.SetValue(chromedp.ID("district"), "kungsholmen"),
		chromedp.SendKeys(chromedp.ID("contact-given-name"), "C."),
		chromedp.SendKeys(chromedp.ID("contact-surname"), "E."),
		chromedp.Click(chromedp.ID("gender-woman")),
		chromedp.SendKeys(chromedp.ID("children"), "2"),
		chromedp.Click(chromedp.ID("consent")),
		chromedp.Click(chromedp.ID("submit")),
	)
	phone.WaitFor("a phone number or an e-mail address asked for, nothing else", bt.TextContains("#contact-phone-error", "Enter a phone number or an e-mail address")+
		" && document.querySelectorAll('#error-summary-list li').length === 1 && document.getElementById('contact-address-error').textContent === ''")
	bkNoSideScroll(t, phone, "phone, no way to reach")
	phone.Axe("foraldrastod phone: no phone or e-mail")
	phone.Screenshot("foraldrastod-no-contact")

	phone.Do("an invalid e-mail address", chromedp.SendKeys(chromedp.ID("contact-email"), "cecilia@exempel"), chromedp.Click(chromedp.ID("submit")))
	phone.WaitFor("the server's message by the e-mail field, in English", bt.TextContains("#contact-email-error", "Enter an e-mail address, for example name@example.com.")+
		" && document.getElementById('contact-email').getAttribute('aria-invalid') === 'true'"+
		" && document.getElementById('contact-phone-error').textContent === ''"+
		" && "+bt.Visible("#error-summary")+" && "+bt.TextContains("#error-summary-list", "E-mail address"))
	bkNoSideScroll(t, phone, "phone, invalid e-mail")
	phone.Axe("foraldrastod phone: invalid e-mail")
	phone.FullScreenshot("foraldrastod-invalid-email")

	phone.Do("correct it and send, still without an address",
		irType(phone, "contact-email", "cecilia@exempel.se"),
		chromedp.Click(chromedp.ID("submit")),
	)
	id := irReceiptID(t, phone)
	if id[:3] != "FS-" {
		t.Fatalf("programme record id %q", id)
	}
	phone.WaitFor("the receipt in English", bt.TextContains("#receipt-title", "Your registration of interest has been sent")+
		" && "+bt.TextContains("#receipt-records", "Kungsholmen")+" && "+bt.TextContains("#receipt-mail", "cecilia@exempel.se")+
		" && "+bt.TextContains("#receipt-answers", "ABC"))
	bkNoSideScroll(t, phone, "phone, receipt")
	phone.Axe("foraldrastod phone: receipt")
	phone.FullScreenshot("foraldrastod-receipt")

	// Back to the form: the note "already registered here" follows the
	// programme, since registration is once per district and programme.
	phone.Do("the form again", chromedp.Navigate(ts.base+"/foraldrastod/?lang=en"))
	phone.WaitFor("the form", bt.Visible("#step-form"))
	pickDistrict := func(code string) {
		bt.Eval[bool](phone, "(d => { d.value = "+strconv.Quote(code)+"; return d.dispatchEvent(new Event('change')); })(document.getElementById('district'))")
	}
	phone.Do("ABC", chromedp.Click(chromedp.ID("programme-abc")))
	pickDistrict("kungsholmen")
	phone.WaitFor("already registered for ABC there", bt.Visible("#district-registered")+" && "+bt.TextContains("#district-registered", "You have already registered here"))
	phone.Do("Komet instead", chromedp.Click(chromedp.ID("programme-komet")))
	phone.WaitFor("no note for Komet", "!"+bt.Visible("#district-registered"))
	phone.Do("ABC again", chromedp.Click(chromedp.ID("programme-abc")))
	phone.WaitFor("the note back for ABC", bt.Visible("#district-registered"))
	pickDistrict("farsta")
	phone.WaitFor("no note in Farsta", "!"+bt.Visible("#district-registered"))

	// ---- Kungsholmen's coordinator ----
	sam := browser.Tab(t)
	irStaffLogin(sam, ts.base+"/foraldrastod/samordnare/", "sam")
	sam.WaitFor("the list with the record", bt.Visible("#interest-view")+" && "+bt.TextContains("#unit-single", "Kungsholmen")+
		" && "+bt.Visible("#open-"+id)+" && "+bt.TextContains("#records-table tr[data-id=\""+id+"\"]", "ABC"))
	sam.Axe("samordnare: list")
	sam.Screenshot("samordnare-list")
	notKey := filepath.Join(t.TempDir(), "anteckning.jwk")
	if err := os.WriteFile(notKey, []byte(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"AAAA"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	sam.Do("a file that is no key", chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{notKey}))
	sam.WaitFor("refused, no key loaded", bt.TextContains("#key-error", "Filen är ingen giltig nyckelfil")+" && "+bt.TextContains("#key-status", "Ingen nyckel är inläst"))
	sam.Do("load the key file", chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{priv}))
	sam.WaitFor("the key loaded", bt.TextContains("#key-status", "Nyckeln är inläst")+" && document.getElementById('key-error').textContent === ''")
	sam.Do("open the record", chromedp.Click(chromedp.ID("open-"+id)))
	sam.WaitFor("the decrypted registration, the name from the e-ID not shown", bt.Visible("#record-view")+
		" && "+bt.TextContains("#record-content", "cecilia@exempel.se")+" && "+bt.TextContains("#record-content", "skyddade personuppgifter")+
		" && "+bt.TextContains("#record-content", "19031013-9803")+" && !"+bt.TextContains("#record-content", "Cecilia Exempeldotter"))
	sam.Axe("samordnare: record opened")
	sam.FullScreenshot("samordnare-record")
	sam.Do("set it contacted", chromedp.SetValue(chromedp.ID("status-select"), "contacted"), chromedp.Click(chromedp.ID("status-save")))
	sam.WaitFor("the status saved", bt.TextContains("#status-msg", "Kontaktad")+
		" && "+bt.TextContains("#records-table tr[data-id=\""+id+"\"]", "Kontaktad"))
	sam.Axe("samordnare: status saved")
	sam.Screenshot("samordnare-status")
}

// TestBrowser_FosterStaffForeignMunicipality: Krokom's foster-care
// secretary sees Krokom only, not Östersund's registration, and the server
// refuses it to them; staff without a foster role are told they lack access.
func TestBrowser_FosterStaffForeignMunicipality(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	_, pubOst := readerKeyPair(t)
	_, pubKrokom := readerKeyPair(t)
	addUser(t, data, "kurt", "Kurt Krokom", "foster:2309", staffPassword)
	addUser(t, data, "berit", "Berit Bokare", "booking", staffPassword)
	ts := startServer(t, data, "--reader-key", "foster:2380="+pubOst, "--reader-key", "foster:2309="+pubKrokom)

	anna := newCitizen(t, ts.base)
	anna.login(pnAnna)
	status, body := anna.do("POST", "/api/interest/foster", map[string]any{"answers": fosterAnswers("2380"), "consent": true})
	if status != http.StatusCreated {
		t.Fatalf("submit: %d %v", status, body)
	}
	id := body["records"].([]any)[0].(map[string]any)["id"].(string)

	kurt := browser.Tab(t)
	irStaffLogin(kurt, ts.base+"/familjehem/personal/", "kurt")
	kurt.WaitFor("Krokom only, no registrations", bt.Visible("#interest-view")+" && "+bt.TextContains("#unit-single", "Krokom (2309)")+
		" && !"+bt.Visible("#unit-pick")+" && "+bt.Visible("#records-empty")+" && "+bt.TextContains("#records-empty", "Inga anmälningar just nu."))
	if bt.Eval[bool](kurt, "!!document.getElementById("+strconv.Quote("open-"+id)+") || "+bt.TextContains("#main", id)+
		" || [...document.querySelectorAll('#unit-select option')].some(o => o.value === '2380')") {
		t.Fatal("Krokom's secretary is shown Östersund's registration")
	}
	if got := bt.Eval[[]int](kurt, "Promise.all(['/api/interest/foster/staff/records?unit=2380', "+strconv.Quote("/api/interest/foster/staff/records/"+id)+
		"].map(u => fetch(u).then(r => r.status)))"); got[0] != http.StatusForbidden || got[1] != http.StatusForbidden {
		t.Fatalf("Krokom's secretary asking for Östersund's list and record: %v, want 403", got)
	}
	kurt.Axe("familjehem personal: another municipality")
	kurt.Screenshot("personal-krokom")

	berit := browser.Tab(t)
	irStaffLogin(berit, ts.base+"/familjehem/personal/", "berit")
	berit.WaitFor("access denied", bt.Visible("#denied-view")+" && "+bt.TextContains("#denied-title", "Du saknar behörighet")+
		" && !"+bt.Visible("#interest-view"))
	berit.Axe("familjehem personal: denied")
	berit.Screenshot("personal-denied")
}

// irCount is an expression: how many elements match sel.
func irCount(sel string) string {
	return "document.querySelectorAll(" + strconv.Quote(sel) + ").length"
}

// irCard is the selector of the card of record id in the list list
// ("reg-list", "consent-list").
func irCard(list, id string) string {
	attr := "data-record"
	if list == "consent-list" {
		attr = "data-consent"
	}
	return "#" + list + " li[" + attr + "=\"" + id + "\"]"
}

// irSetValue sets the field with this id to value at once, as typing would.
func irSetValue(tab *bt.Tab, id, value string) {
	bt.Eval[bool](tab, "(() => { document.getElementById("+strconv.Quote(id)+").value = "+strconv.Quote(value)+"; return true; })()")
}

// TestBrowser_MinaSidorFollowsRegistrations: Mina sidor on the real server
// follows the interest registrations. Anna registers foster-home interest
// with Östersund and Krokom and for ABC in Kungsholmen (over HTTP; the forms
// have browser tests of their own); Östersund's secretary sets hers under
// assessment. On a phone Anna sees the three records, Östersund's kept with
// the reason and Krokom's withdrawable, and the art. 9 consent; withdraws
// Krokom's record and the programme consent (which erases that record)
// through the confirm dialog; corrects her phone number (and is told by the
// field when an e-mail address is invalid); reads the register extract and
// downloads the export, which name Östersund's record alone; erases, and
// is told that Östersund's record is kept and why. Östersund's secretary
// then finds the sealed correction on the record. Every state passes axe and
// fits the screen.
func TestBrowser_MinaSidorFollowsRegistrations(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	_, pub := readerKeyPair(t)
	_, pubKrokom := readerKeyPair(t)
	addUser(t, data, "fia", "Fia Familjehem", "foster:2380", staffPassword)
	ts := startServer(t, data, "--reader-key", "foster:2380="+pub, "--reader-key", "foster:2309="+pubKrokom,
		"--reader-key", "coordinator:kungsholmen="+pub)

	// ---- Anna registers, over HTTP ----
	api := newCitizen(t, ts.base)
	api.login(pnAnna)
	status, body := api.do("POST", "/api/interest/foster", map[string]any{"answers": fosterAnswers("2380", "2309"), "consent": true})
	if status != http.StatusCreated {
		t.Fatalf("foster submit: %d %v", status, body)
	}
	ids := map[string]string{}
	for _, r := range body["records"].([]any) {
		r := r.(map[string]any)
		ids[r["unit"].(string)] = r["id"].(string)
	}
	ost, krokom := ids["2380"], ids["2309"]
	if len(ids) != 2 || !recordID.MatchString(ost) || !recordID.MatchString(krokom) {
		t.Fatalf("foster records %v: want one for Östersund and one for Krokom", body["records"])
	}
	status, body = api.do("POST", "/api/interest/programme", map[string]any{"consent": true, "answers": map[string]any{
		"programme": "abc", "district": "kungsholmen", "gender": "woman", "children": 2,
		"contact": map[string]string{"given_name": "Anna", "surname": "Testsson", "address": "Fleminggatan 1",
			"postal_code": "112 26", "city": "Stockholm", "phone": "08-123 456 78", "email": "anna@exempel.se"},
	}})
	if status != http.StatusCreated {
		t.Fatalf("programme submit: %d %v", status, body)
	}
	prog := body["records"].([]any)[0].(map[string]any)["id"].(string)
	if !recordID.MatchString(prog) || prog[:3] != "FS-" {
		t.Fatalf("programme record id %q", prog)
	}

	// ---- Östersund's secretary sets hers under assessment ----
	fia := login(t, ts.base, "fia", staffPassword)
	if status, out := postJSON(t, fia, ts.base+"/api/interest/foster/staff/records/"+ost+"/status", map[string]string{"status": "assessment"}); status != http.StatusOK {
		t.Fatalf("set under assessment: %d %s", status, out)
	}

	// ---- Anna on Mina sidor, on a phone ----
	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	phone.Do("Mina sidor", chromedp.Navigate(ts.base+"/mina-sidor/"))
	phone.WaitFor("the login step", bt.Visible("#step-login")+" && !"+bt.Visible("#more"))
	bkNoSideScroll(t, phone, "logged out")
	phone.Axe("mina sidor: logged out")
	bkLoginCitizen(t, browser, phone, ts.base, pnAnna, "mina sidor")

	ostCard, krokomCard, progCard := irCard("reg-list", ost), irCard("reg-list", krokom), irCard("reg-list", prog)
	phone.WaitFor("the three registrations", bt.Visible("#step-list")+" && "+bt.Visible("#sec-registrations")+
		" && "+irCount("#reg-list li.reg-card")+" === 3 && !"+bt.Visible("#reg-empty")+
		" && "+bt.TextContains("#session", "Anna Testsson")+" && "+bt.TextContains("#reg-status", "Du har 3 intresseanmälningar."))
	phone.WaitFor("Östersund's under assessment, kept with the reason", bt.TextContains(ostCard, "Östersund")+
		" && "+bt.TextContains(ostCard+" .badge", "Under bedömning")+
		" && "+bt.TextContains(ostCard+" .keep-reason", "Kommunen bedömer din anmälan")+
		" && !document.querySelector("+strconv.Quote(ostCard+" .btn-withdraw")+")")
	phone.WaitFor("Krokom's received, with a withdraw button", bt.TextContains(krokomCard, "Krokom")+
		" && "+bt.TextContains(krokomCard+" .badge", "Inkommen")+" && "+bt.Visible(krokomCard+" .btn-withdraw")+
		" && !document.querySelector("+strconv.Quote(krokomCard+" .keep-reason")+")")
	phone.WaitFor("the ABC registration", bt.TextContains(progCard, "ABC")+" && "+bt.TextContains(progCard, "Kungsholmen")+
		" && document.querySelector("+strconv.Quote(progCard)+").dataset.module === 'programme'"+
		" && "+bt.Visible(progCard+" .btn-withdraw"))
	phone.WaitFor("the consents, the art. 9 one among them", bt.Visible("#sec-consents")+" && !"+bt.Visible("#consents-empty")+
		" && "+irCount("#consent-list li.consent-card")+" === 3"+
		" && "+bt.TextContains(irCard("consent-list", ost), "art. 9")+" && "+bt.TextContains(irCard("consent-list", ost), "foster-art9-v1")+
		" && "+bt.Visible(irCard("consent-list", prog)+" .btn-withdraw-consent")+" && "+bt.Visible("#chat-consent-link"))
	if bt.Eval[bool](phone, bt.TextContains("#main", "Hemlighetsdotter")+" || "+bt.TextContains("#main", "Migrän")) {
		t.Fatal("Mina sidor shows what was written in a sealed registration")
	}
	bkNoSideScroll(t, phone, "overview")
	phone.Axe("mina sidor: three registrations")
	phone.FullScreenshot("mina-sidor-registrations")

	// Withdraw Krokom's record: the dialog first.
	phone.Do("withdraw Krokom's record?", chromedp.Click(chromedp.CSS(krokomCard+" .btn-withdraw")))
	phone.WaitFor("the confirm dialog", "document.getElementById('confirm-dialog').open && document.activeElement.id === 'confirm-no'"+
		" && "+bt.TextContains("#confirm-text", krokom)+" && "+bt.TextContains("#confirm-yes", "Ja, ta bort anmälan"))
	bkNoSideScroll(t, phone, "confirm dialog")
	phone.Axe("mina sidor: withdraw dialog")
	phone.Screenshot("mina-sidor-withdraw-dialog")
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("Krokom's record gone", "!document.getElementById('confirm-dialog').open && "+bt.Visible("#reg-done")+
		" && "+bt.TextContains("#reg-done", krokom)+" && "+irCount("#reg-list li.reg-card")+" === 2"+
		" && !document.querySelector("+strconv.Quote(krokomCard)+") && !document.querySelector("+strconv.Quote(irCard("consent-list", krokom))+")"+
		" && "+bkFocusIn("#reg-done"))
	phone.Axe("mina sidor: record withdrawn")

	// Withdraw the programme consent: the record is erased with it.
	phone.Do("withdraw the programme consent?", chromedp.Click(chromedp.CSS(irCard("consent-list", prog)+" .btn-withdraw-consent")))
	phone.WaitFor("the effect in the dialog", "document.getElementById('confirm-dialog').open && "+bt.TextContains("#confirm-text", "raderas anmälan "+prog+" direkt"))
	phone.Axe("mina sidor: consent dialog")
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("the programme record gone", bt.Visible("#consents-done")+" && "+bt.TextContains("#consents-done", prog+" är raderad")+
		" && "+irCount("#reg-list li.reg-card")+" === 1 && !document.querySelector("+strconv.Quote(progCard)+")"+
		" && "+irCount("#consent-list li.consent-card")+" === 1 && !!document.querySelector("+strconv.Quote(ostCard)+")")
	bkNoSideScroll(t, phone, "consent withdrawn")
	phone.Axe("mina sidor: consent withdrawn")
	phone.FullScreenshot("mina-sidor-consent-withdrawn")

	// Correct the phone number.
	phone.WaitFor("the contact form, empty (no booking to take it from)", bt.Visible("#contact-form")+" && "+irValue("ct-phone", "")+" && "+irValue("ct-email", ""))
	phone.Do("a new phone number", chromedp.SendKeys(chromedp.ID("ct-phone"), "070-999 88 77"), chromedp.Click(chromedp.ID("contact-submit")))
	phone.WaitFor("saved", bt.Visible("#contact-done")+" && "+bt.TextContains("#contact-done", "Dina uppgifter är ändrade i 1 anmälan.")+
		" && document.getElementById('contact-alert').textContent === '' && "+bkFocusIn("#contact-done"))
	bkNoSideScroll(t, phone, "contact saved")
	phone.Axe("mina sidor: contact saved")
	phone.Screenshot("mina-sidor-contact-saved")
	irSetValue(phone, "ct-email", "anna@exempel")
	phone.Do("an invalid e-mail address", chromedp.Click(chromedp.ID("contact-submit")))
	phone.WaitFor("the message by the field", bt.TextContains("#ct-email-error", "Skriv en e-postadress, till exempel namn@exempel.se.")+
		" && document.getElementById('ct-email').getAttribute('aria-invalid') === 'true' && document.activeElement.id === 'ct-email'"+
		" && "+bt.TextContains("#contact-alert", "Se markeringarna vid fälten")+" && !"+bt.Visible("#contact-done")+
		" && document.getElementById('ct-phone-error').textContent === ''")
	bkNoSideScroll(t, phone, "contact error")
	phone.Axe("mina sidor: contact error")
	phone.Screenshot("mina-sidor-contact-error")

	// The export, with the page's login.
	raw := bt.Eval[string](phone, "fetch(document.getElementById('export-link').getAttribute('href'))"+
		".then(r => r.ok ? r.text() : 'status ' + r.status)")
	var export struct {
		Person struct {
			Personnummer string `json:"personnummer"`
		} `json:"person"`
		Modules []struct {
			Module  string `json:"module"`
			Records []struct {
				Registration struct {
					ID string `json:"id"`
				} `json:"registration"`
				Envelope    json.RawMessage   `json:"envelope"`
				Corrections []json.RawMessage `json:"corrections"`
			} `json:"records"`
		} `json:"modules"`
	}
	if err := json.Unmarshal([]byte(raw), &export); err != nil {
		t.Fatalf("the export: %v: %.200s", err, raw)
	}
	regs := map[string][]string{}
	for _, m := range export.Modules {
		for _, r := range m.Records {
			if r.Registration.ID == "" {
				continue
			}
			regs[m.Module] = append(regs[m.Module], r.Registration.ID)
			if r.Registration.ID == ost && (len(r.Envelope) < 10 || len(r.Corrections) != 1) {
				t.Errorf("the export's Östersund record: envelope %d bytes, %d corrections; want the envelope and 1 correction", len(r.Envelope), len(r.Corrections))
			}
		}
	}
	if export.Person.Personnummer != pnAnna || len(regs["foster"]) != 1 || regs["foster"][0] != ost || len(regs["programme"]) != 0 ||
		strings.Contains(raw, krokom) || strings.Contains(raw, prog) {
		t.Fatalf("the export names %v (person %q); want Östersund's %s alone", regs, export.Person.Personnummer, ost)
	}

	// The register extract.
	phone.Do("the register extract", chromedp.Click(chromedp.ID("extract-link")))
	phone.WaitPath("/mina-sidor/registerutdrag")
	rec := "document.getElementById(" + strconv.Quote("record-"+ost) + ")"
	phone.WaitFor("the extract with Östersund's record and its retention", bt.TextContains("h1", "Registerutdrag")+
		" && "+bt.TextContains(".person", "19030818-9802")+" && "+bt.TextContains(".person", "Anna Testsson")+
		" && !!"+rec+" && "+rec+".textContent.includes('Under bedömning') && "+rec+".textContent.includes('Raderas senast')"+
		" && "+rec+".textContent.includes('Kommunen bedömer din anmälan')"+
		" && "+bt.TextContains("#module-foster", "Lagringstid")+" && "+bt.TextContains("#module-foster", "180 dagar efter att kommunen började bedöma den")+
		" && "+bt.TextContains("#module-programme", "Det finns inga sådana uppgifter om dig."))
	if bt.Eval[bool](phone, bt.TextContains("#main", krokom)+" || "+bt.TextContains("#main", prog)) {
		t.Fatal("the register extract names a withdrawn record")
	}
	bkNoSideScroll(t, phone, "register extract")
	phone.Axe("register extract")
	phone.FullScreenshot("mina-sidor-extract")

	// Erase.
	phone.Do("back to Mina sidor", chromedp.Navigate(ts.base+"/mina-sidor/"))
	phone.WaitFor("the overview again", irCount("#reg-list li.reg-card")+" === 1 && "+bt.Visible("#sec-erase"))
	phone.Do("erase?", chromedp.Click(chromedp.ID("erase-start")))
	phone.WaitFor("the confirm dialog", "document.getElementById('confirm-dialog').open && "+bt.TextContains("#confirm-yes", "Ja, radera"))
	phone.Axe("mina sidor: erase dialog")
	phone.Do("yes", chromedp.Click(chromedp.ID("confirm-yes")))
	phone.WaitFor("Östersund's record kept with the reason, nothing else", bt.Visible("#erase-result")+
		" && "+bt.TextContains("#erase-message", "Det fanns inget som kunde raderas nu.")+
		" && "+irCount("#erased-list li")+" === 1 && "+irCount("#erased-list li[data-erased]")+" === 0"+
		" && "+irCount("#kept-list li")+" === 1 && "+irCount("#kept-list li[data-kept=\""+ost+"\"]")+" === 1"+
		" && "+bt.TextContains("#kept-list", "Kommunen bedömer din anmälan")+" && "+bt.TextContains("#kept-list", "Raderas senast")+
		" && "+irCount("#reg-list li.reg-card")+" === 1 && "+irCount("#consent-list li.consent-card")+" === 1"+
		" && "+bt.Visible("#list-empty")+" && !"+bt.Visible("#drafts")+" && "+bkFocusIn("#erase-result-title"))
	bkNoSideScroll(t, phone, "erased")
	phone.Axe("mina sidor: erased")
	phone.FullScreenshot("mina-sidor-erased")
	if n := bt.Eval[int](phone, "localStorage.length + sessionStorage.length"); n != 0 {
		t.Errorf("%d entries in web storage", n)
	}

	// ---- Östersund's secretary: the sealed correction on the record ----
	var opened struct {
		ID               string            `json:"id"`
		Status           string            `json:"status"`
		ConsentWithdrawn bool              `json:"consent_withdrawn"`
		Corrections      []json.RawMessage `json:"corrections"`
	}
	if status := getJSON(t, fia, ts.base+"/api/interest/foster/staff/records/"+ost, &opened); status != http.StatusOK {
		t.Fatalf("open Östersund's record: %d", status)
	}
	if opened.ID != ost || opened.Status != "assessment" || opened.ConsentWithdrawn || len(opened.Corrections) != 1 {
		t.Fatalf("Östersund's record: id %s, status %s, consent withdrawn %v, %d corrections; want %s under assessment with 1 correction",
			opened.ID, opened.Status, opened.ConsentWithdrawn, len(opened.Corrections), ost)
	}
	if strings.Contains(string(opened.Corrections[0]), "999 88 77") {
		t.Error("the correction is not sealed: the phone number is readable")
	}
}
