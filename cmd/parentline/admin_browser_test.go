package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	bt "parentline/internal/browsertest"
)

// The administration page (/admin/) in the browser, against the real server:
// accounts (the API of /tmp/admin/CONTRACT.md), topics, canned answers and the
// audit trail. The helpers bk* are booking_browser_test.go's.

// adLogin opens /admin/ (with query, e.g. "?lang=en") in the tab and logs in.
func adLogin(tab *bt.Tab, base, query, username, password string) {
	tab.Do("the admin page", chromedp.Navigate(base+"/admin/"+query), chromedp.WaitVisible(chromedp.ID("login-username")))
	tab.Do("log in as "+username,
		chromedp.SendKeys(chromedp.ID("login-username"), username),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	)
}

// adClients numbers the loopback addresses adLoginStatus logs in from.
var adClients atomic.Int32

// adLoginStatus is the status of a real login by username with password,
// from an HTTP client of its own on a loopback address of its own, so that
// the login throttle (per client) does not count the test's many logins as
// one client's guesses.
func adLoginStatus(t *testing.T, base, username, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	c := clientAt("127.0.1." + strconv.Itoa(int(adClients.Add(1)%250)+1))
	res, err := c.Post(base+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// adRow is the selector of an account's row.
func adRow(username string) string { return `#accounts-table tr[data-user="` + username + `"]` }

// adFetch is a JavaScript expression: the status and code of a same-origin
// request from the tab, as "status code".
func adFetch(method, path, body string) string {
	opts := "{method: " + strconv.Quote(method) + ", headers: {'Content-Type': 'application/json'}"
	if body != "" {
		opts += ", body: " + strconv.Quote(body)
	}
	opts += "}"
	return "fetch(" + strconv.Quote(path) + ", " + opts + ").then(async r => r.status + ' ' + ((await r.json().catch(() => ({}))).code || ''))"
}

// adInvalid is a predicate: the field is marked invalid.
func adInvalid(id string) string {
	return "document.getElementById(" + strconv.Quote(id) + ")?.getAttribute('aria-invalid') === 'true'"
}

// TestBrowser_AdminAccounts: an admin adds a counsellor (first refused for a
// short password, with the error by the field and in a summary that takes the
// focus); the counsellor really can log in, and is told they lack access to
// the page; the admin gives them the supervisor role and a scoped role, after
// which their own page shows the canned answers only; the admin disables the
// account (the counsellor's session ends and their login fails), enables it,
// sets a new password (the old one stops working), cannot disable or demote
// themself, and deletes the account after a confirmation dialog. Then a topic
// is added, deactivated and renamed, a canned answer added, edited and
// deleted, and the audit trail shows every account change with the chain
// intact; in English the page says all of it in English. Every state passes
// axe.
func TestBrowser_AdminAccounts(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "ada", "Ada Admin", "admin", staffPassword)
	ts := startServer(t, data)
	const first, second = "Kalles-forsta-1", "Kalles-andra-22"

	ada := browser.Tab(t)
	ada.Do("the admin page", chromedp.Navigate(ts.base+"/admin/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	ada.WaitFor("the Swedish login", bt.TextContains("#login-title", "Logga in")+" && document.documentElement.lang === 'sv'")
	ada.Axe("login")
	adLogin(ada, ts.base, "", "ada", staffPassword)
	ada.WaitFor("the four sections and the own account", bt.Visible("#admin-view")+" && "+bt.Visible("#accounts-section")+
		" && "+bt.Visible("#topics-section")+" && "+bt.Visible("#canned-section")+" && "+bt.Visible("#audit-section")+
		" && "+bt.Visible("#admin-nav")+" && "+bt.TextContains(adRow("ada"), "(du)")+" && "+bt.TextContains(adRow("ada"), "Administratör")+
		" && "+bt.Visible("#new-role-counselor")+" && "+bt.TextContains("#new-scope-hint", "kommunkod")+
		" && "+bt.Visible("#canned-list li")+" && "+bt.Visible(`#topics-table tr[data-topic="sleep"]`))
	ada.Axe("accounts")
	ada.Screenshot("admin-accounts")

	// ---- a new counsellor: a short password first ----
	ada.Do("a new account with a short password",
		chromedp.SendKeys(chromedp.ID("new-username"), "kalle"),
		chromedp.SendKeys(chromedp.ID("new-name"), "Kalle Rådgivare"),
		chromedp.Click(chromedp.ID("new-role-counselor")),
		chromedp.SendKeys(chromedp.ID("new-password"), "kort"),
		chromedp.Click(chromedp.ID("new-submit")),
	)
	ada.WaitFor("the error by the password and in the summary", bt.TextContains("#new-password-error", "minst 10 tecken")+
		" && "+adInvalid("new-password")+" && "+bt.Visible("#new-summary")+" && "+bkFocusIn("#new-summary")+
		" && document.querySelector('#new-summary a')?.getAttribute('href') === '#new-password'"+
		" && document.getElementById('new-username-error').textContent === ''")
	if bt.Eval[bool](ada, "!!document.querySelector('"+adRow("kalle")+"')") {
		t.Fatal("the account is listed although it was refused")
	}
	ada.Axe("new account: short password")
	ada.Screenshot("admin-new-short-password")
	ada.Do("the summary's link leads to the field", chromedp.Click(chromedp.CSS("#new-summary a")))
	ada.WaitFor("the focus in the password field", bkFocusIn("#new-password"))
	bkClear(ada, "new-password")
	ada.Do("a good password", chromedp.SendKeys(chromedp.ID("new-password"), first), chromedp.Click(chromedp.ID("new-submit")))
	ada.WaitFor("the account listed", bt.TextContains(adRow("kalle"), "Kalle Rådgivare")+" && "+bt.TextContains(adRow("kalle"), "Rådgivare")+
		" && "+bt.TextContains(adRow("kalle"), "Aktivt")+" && "+bt.TextContains("#accounts-status", "Kontot kalle är skapat")+
		" && !"+bt.Visible("#new-summary")+" && !document.querySelector('#new-form [aria-invalid]')"+
		" && document.getElementById('new-username').value === '' && document.getElementById('new-password').value === ''")
	ada.Axe("account created")
	if got := adLoginStatus(t, ts.base, "kalle", first); got != http.StatusOK {
		t.Fatalf("the new counsellor's login: status %d", got)
	}

	// The counsellor in a browser of their own: no access to this page.
	kalle := browser.Tab(t)
	adLogin(kalle, ts.base, "", "kalle", first)
	kalle.WaitFor("no access", bt.Visible("#denied-view")+" && "+bt.TextContains("#denied-view", "Du saknar behörighet")+
		" && !"+bt.Visible("#admin-view")+" && "+bt.TextContains("#me-name", "Kalle Rådgivare"))
	kalle.Axe("denied")
	if got := bt.Eval[string](kalle, adFetch("GET", "/api/users", "")); !strings.HasPrefix(got, "403") {
		t.Fatalf("a counsellor's GET /api/users: %q", got)
	}

	// ---- roles: supervisor and foster:2380 ----
	ada.Do("edit kalle", chromedp.Click(chromedp.CSS(adRow("kalle")+" button")))
	ada.WaitFor("the account's panel", bt.Visible("#account-edit")+" && "+bt.TextContains("#account-edit-title", "Konto: kalle")+
		" && "+bkFocusIn("#account-edit-title")+" && "+bt.TextContains("#edit-toggle", "Stäng av kontot")+" && "+bt.Visible("#edit-delete")+
		" && !"+bt.Visible("#account-edit-self")+" && "+irChecked("edit-role-counselor")+" && !"+irChecked("edit-role-supervisor")+
		" && "+irValue("edit-name", "Kalle Rådgivare"))
	ada.Do("a scope that is no scope", chromedp.SendKeys(chromedp.ID("edit-scope-value"), "Öster sund"), chromedp.Click(chromedp.ID("edit-scope-add")))
	ada.WaitFor("the scope refused by its field", bt.TextContains("#edit-scope-value-error", "1–40 tecken")+" && "+adInvalid("edit-scope-value"))
	ada.Axe("account edit: bad scope")
	bkClear(ada, "edit-scope-value")
	ada.Do("the supervisor role and foster:2380",
		chromedp.Click(chromedp.ID("edit-role-supervisor")),
		chromedp.SetValue(chromedp.ID("edit-scope-prefix"), "foster"),
		chromedp.SendKeys(chromedp.ID("edit-scope-value"), "2380"),
		chromedp.Click(chromedp.ID("edit-scope-add")),
	)
	ada.WaitFor("the scoped role listed", bt.TextContains("#edit-scoped-list", "Familjehemssekreterare: 2380")+
		" && document.getElementById('edit-scope-value-error').textContent === ''")
	ada.Do("save", chromedp.Click(chromedp.ID("edit-save")))
	ada.WaitFor("the roles saved", bt.TextContains(adRow("kalle"), "Arbetsledare")+" && "+bt.TextContains(adRow("kalle"), "Familjehemssekreterare: 2380")+
		" && "+bt.TextContains("#accounts-status", "Ändringarna för kalle är sparade")+" && !"+bt.Visible("#edit-summary"))
	ada.Axe("account edit: roles saved")
	ada.Screenshot("admin-account-edit")

	// Kalle, now a supervisor (the session carries the new roles): the
	// opening hours and the canned answers, nothing of an admin's.
	kalle.Do("reload", chromedp.Reload())
	kalle.WaitPath("/admin/")
	kalle.WaitFor("the hours and canned answers only", bt.Visible("#canned-section")+" && "+bt.Visible("#canned-list li")+
		" && "+bt.Visible("#hours-section")+" && "+bt.Visible("#admin-nav")+
		" && !"+bt.Visible("#accounts-section")+" && !"+bt.Visible("#topics-section")+" && !"+bt.Visible("#audit-section")+
		" && !"+bt.Visible("#nav-accounts")+" && !"+bt.Visible("#denied-view"))
	kalle.Axe("supervisor: hours and canned answers")
	kalle.Screenshot("admin-supervisor")

	// ---- disable: the session ends, the login fails ----
	ada.Do("disable kalle", chromedp.Click(chromedp.ID("edit-toggle")))
	ada.WaitFor("disabled", bt.TextContains(adRow("kalle"), "Avstängt")+" && "+bt.TextContains("#edit-toggle", "Aktivera kontot")+
		" && "+bt.TextContains("#edit-state", "avstängt")+" && "+bt.TextContains("#accounts-status", "Kontot kalle är avstängt")+
		" && "+bkFocusIn("#edit-toggle"))
	ada.Axe("account disabled")
	if got := bt.Eval[string](kalle, adFetch("GET", "/api/me", "")); !strings.HasPrefix(got, "401") {
		t.Fatalf("the disabled counsellor's session still answers: %q", got)
	}
	kalle.Do("reload", chromedp.Reload())
	kalle.WaitPath("/admin/")
	kalle.WaitFor("the login", bt.Visible("#login-view"))
	if got := adLoginStatus(t, ts.base, "kalle", first); got != http.StatusUnauthorized {
		t.Fatalf("a disabled account's login: status %d", got)
	}
	ada.Do("enable kalle", chromedp.Click(chromedp.ID("edit-toggle")))
	ada.WaitFor("enabled", bt.TextContains(adRow("kalle"), "Aktivt")+" && "+bt.TextContains("#edit-toggle", "Stäng av kontot")+
		" && "+bt.TextContains("#accounts-status", "Kontot kalle är aktiverat igen"))
	if got := adLoginStatus(t, ts.base, "kalle", first); got != http.StatusOK {
		t.Fatalf("an enabled account's login: status %d", got)
	}

	// ---- a new password ----
	ada.Do("a short new password", chromedp.SendKeys(chromedp.ID("password-new"), "kort"), chromedp.Click(chromedp.ID("password-save")))
	ada.WaitFor("refused by the field", bt.TextContains("#password-new-error", "minst 10 tecken")+" && "+adInvalid("password-new")+
		" && "+bkFocusIn("#password-summary"))
	ada.Axe("new password: too short")
	bkClear(ada, "password-new")
	ada.Do("a good new password", chromedp.SendKeys(chromedp.ID("password-new"), second), chromedp.Click(chromedp.ID("password-save")))
	ada.WaitFor("the password set", bt.TextContains("#accounts-status", "Lösenordet för kalle är bytt")+
		" && !"+bt.Visible("#password-summary")+" && "+irValue("password-new", ""))
	if got := adLoginStatus(t, ts.base, "kalle", first); got != http.StatusUnauthorized {
		t.Fatalf("the old password still works: status %d", got)
	}
	if got := adLoginStatus(t, ts.base, "kalle", second); got != http.StatusOK {
		t.Fatalf("the new password: status %d", got)
	}

	// ---- the admin's own account: no disable, no delete, no demotion ----
	ada.Do("close kalle's panel", chromedp.Click(chromedp.ID("account-edit-close")))
	ada.WaitFor("the panel closed, the focus back on kalle's row", "!"+bt.Visible("#account-edit")+" && "+bkFocusIn(adRow("kalle")))
	ada.Do("edit the own account", chromedp.Click(chromedp.CSS(adRow("ada")+" button")))
	ada.WaitFor("the own account's panel", bt.TextContains("#account-edit-title", "Konto: ada (du)")+" && "+bt.Visible("#account-edit-self")+
		" && !"+bt.Visible("#edit-toggle")+" && !"+bt.Visible("#edit-delete")+" && "+irChecked("edit-role-admin"))
	ada.Axe("own account")
	ada.Do("drop the own admin role", chromedp.Click(chromedp.ID("edit-role-admin")), chromedp.Click(chromedp.ID("edit-role-counselor")),
		chromedp.Click(chromedp.ID("edit-save")))
	ada.WaitFor("refused, said plainly", bt.TextContains("#edit-summary", "ditt eget konto")+" && "+bkFocusIn("#edit-summary"))
	ada.Axe("own account: demotion refused")
	if got := bt.Eval[string](ada, adFetch("PUT", "/api/users/ada", `{"disabled":true}`)); got != "409 self" {
		t.Fatalf("disabling oneself: %q", got)
	}
	if got := bt.Eval[string](ada, adFetch("DELETE", "/api/users/ada", "")); got != "409 self" {
		t.Fatalf("deleting oneself: %q", got)
	}
	ada.Do("close the panel", chromedp.Click(chromedp.ID("account-edit-close")))
	if got := adLoginStatus(t, ts.base, "ada", staffPassword); got != http.StatusOK {
		t.Fatalf("the admin's own login: status %d", got)
	}
	ada.WaitFor("still an admin", bt.TextContains(adRow("ada"), "Administratör")+" && !"+bt.TextContains(adRow("ada"), "Rådgivare"))

	// ---- delete, after a confirmation that names the account ----
	ada.Do("edit kalle", chromedp.Click(chromedp.CSS(adRow("kalle")+" button")))
	ada.WaitFor("kalle's panel", bt.TextContains("#account-edit-title", "Konto: kalle")+" && "+bt.Visible("#edit-delete"))
	ada.Do("delete", chromedp.Click(chromedp.ID("edit-delete")))
	ada.WaitFor("the dialog, naming the account, the focus on cancel", "document.getElementById('delete-dialog').open"+
		" && "+bt.TextContains("#delete-dialog-title", "Ta bort kontot?")+" && "+bt.TextContains("#delete-dialog-text", "kalle")+
		" && "+bt.TextContains("#delete-confirm", "Ta bort kalle")+" && "+bkFocusIn("#delete-cancel"))
	ada.Axe("delete dialog")
	ada.Screenshot("admin-delete-dialog")
	ada.Keys(kb.Escape)
	ada.WaitFor("the dialog closed, the focus back on delete", "!document.getElementById('delete-dialog').open && "+bkFocusIn("#edit-delete"))
	if got := adLoginStatus(t, ts.base, "kalle", second); got != http.StatusOK {
		t.Fatalf("after cancelling, kalle's login: status %d", got)
	}
	ada.Do("delete, and confirm", chromedp.Click(chromedp.ID("edit-delete")), chromedp.WaitVisible(chromedp.ID("delete-confirm")),
		chromedp.Click(chromedp.ID("delete-confirm")))
	ada.WaitFor("the account gone", "!document.querySelector('"+adRow("kalle")+"') && "+bt.TextContains("#accounts-status", "Kontot kalle är borttaget")+
		" && !"+bt.Visible("#account-edit")+" && "+bkFocusIn("#accounts-title"))
	ada.Axe("account deleted")
	if got := adLoginStatus(t, ts.base, "kalle", second); got != http.StatusUnauthorized {
		t.Fatalf("a deleted account's login: status %d", got)
	}

	// ---- topics ----
	ada.Do("a topic with a bad code",
		chromedp.SendKeys(chromedp.ID("topic-id"), "Trots ålder"),
		chromedp.SendKeys(chromedp.ID("topic-sv"), "Trotsåldern"),
		chromedp.Click(chromedp.ID("topic-add")),
	)
	ada.WaitFor("the code and the English name asked for", bt.TextContains("#topic-id-error", "1–40 tecken")+" && "+adInvalid("topic-id")+
		" && "+bt.TextContains("#topic-en-error", "Fyll i ett namn")+" && "+bkFocusIn("#topic-summary"))
	ada.Axe("topic: errors")
	bkClear(ada, "topic-id")
	ada.Do("a good topic", chromedp.SendKeys(chromedp.ID("topic-id"), "trots"), chromedp.SendKeys(chromedp.ID("topic-en"), "Defiance"),
		chromedp.Click(chromedp.ID("topic-add")))
	row := `#topics-table tr[data-topic="trots"]`
	ada.WaitFor("the topic listed, active", bt.TextContains(row, "Trotsåldern")+" && "+bt.TextContains(row, "Defiance")+
		" && "+bt.TextContains(row, "Aktivt")+" && "+bt.TextContains("#topics-status", "Ämnet Trotsåldern är tillagt"))
	ada.Do("deactivate it", chromedp.Click(chromedp.CSS(row+" button[data-focus='toggle:trots']")))
	ada.WaitFor("inactive", bt.TextContains(row, "Inaktivt")+" && "+bt.TextContains(row, "Aktivera")+
		" && "+bt.TextContains("#topics-status", "Ämnet Trotsåldern är inaktiverat")+" && "+bkFocusIn(row))
	ada.Axe("topics")
	if bt.Eval[bool](ada, "fetch('/api/topics').then(r => r.json()).then(l => l.some(x => x.id === 'trots'))") {
		t.Fatal("the deactivated topic is still offered to counsellors")
	}
	ada.Do("edit the topic", chromedp.Click(chromedp.CSS(row+" button[data-focus='edit:trots']")))
	ada.WaitFor("the topic's form", bt.Visible("#topic-edit")+" && "+bt.TextContains("#topic-edit-title", "Ändra ämnet trots")+
		" && "+irValue("topic-edit-en", "Defiance")+" && "+bkFocusIn("#topic-edit-sv"))
	bkClear(ada, "topic-edit-en")
	ada.Do("a new English name", chromedp.SendKeys(chromedp.ID("topic-edit-en"), "Defiance phase"), chromedp.Click(chromedp.ID("topic-edit-save")))
	ada.WaitFor("the name saved", bt.TextContains(row, "Defiance phase")+" && !"+bt.Visible("#topic-edit")+
		" && "+bt.TextContains("#topics-status", "Ämnet Trotsåldern är sparat")+" && "+bkFocusIn(row))

	// ---- a canned answer ----
	ada.Do("a canned answer",
		chromedp.SendKeys(chromedp.ID("canned-title-input"), "Kul att höras igen"),
		chromedp.SendKeys(chromedp.ID("canned-text"), "Hej igen! Vad roligt att du hör av dig."),
		chromedp.Click(chromedp.ID("canned-save")),
	)
	ada.WaitFor("the answer listed", bt.TextContains("#canned-list", "Kul att höras igen")+" && "+bt.TextContains("#canned-list", "Vad roligt att du hör av dig")+
		" && "+bt.TextContains("#canned-status", "Standardsvaret Kul att höras igen är tillagt")+" && "+irValue("canned-title-input", ""))
	ada.Axe("canned answer added")
	if !bt.Eval[bool](ada, "fetch('/api/canned?lang=sv').then(r => r.json()).then(l => l.some(x => x.title === 'Kul att höras igen'))") {
		t.Fatal("the canned answer is not stored")
	}
	id := bt.Eval[string](ada, "[...document.querySelectorAll('#canned-list li')].find(li => li.querySelector('h3').textContent === 'Kul att höras igen')?.dataset.id || ''")
	if id == "" {
		t.Fatal("the new answer has no item in the list")
	}
	item := `#canned-list li[data-id="` + id + `"]`
	ada.Do("edit it", chromedp.Click(chromedp.CSS(item+" button[data-focus^='edit:']")))
	ada.WaitFor("the form filled in", bt.TextContains("#canned-form-title", "Ändra standardsvaret Kul att höras igen")+
		" && "+irValue("canned-title-input", "Kul att höras igen")+" && "+bt.Visible("#canned-cancel")+" && "+bkFocusIn("#canned-title-input"))
	ada.Do("a longer text", chromedp.SendKeys(chromedp.ID("canned-text"), " Berätta gärna hur det har gått."), chromedp.Click(chromedp.ID("canned-save")))
	ada.WaitFor("the text saved", bt.TextContains(item, "Berätta gärna hur det har gått.")+
		" && "+bt.TextContains("#canned-status", "Standardsvaret Kul att höras igen är sparat")+" && !"+bt.Visible("#canned-cancel"))
	ada.Do("delete it", chromedp.Click(chromedp.CSS(item+" button[data-focus^='delete:']")))
	ada.WaitFor("the dialog naming it", "document.getElementById('delete-dialog').open && "+
		bt.TextContains("#delete-dialog-text", "Kul att höras igen")+" && "+bkFocusIn("#delete-cancel"))
	ada.Do("confirm", chromedp.Click(chromedp.ID("delete-confirm")))
	ada.WaitFor("the answer gone", "!"+bt.TextContains("#canned-list", "Kul att höras igen")+
		" && "+bt.TextContains("#canned-status", "Standardsvaret Kul att höras igen är borttaget")+" && "+bkFocusIn("#canned-title"))

	// ---- the audit trail ----
	ada.Do("show the audit trail", chromedp.Click(chromedp.ID("audit-show")))
	actions := []string{"user_added", "user_changed", "user_disabled", "user_enabled", "user_password_set", "user_deleted"}
	cond := bt.TextContains("#audit-verified", "Granskningsloggen är hel") + " && " + bt.TextContains("#audit-status", "Visar")
	for _, a := range actions {
		cond += ` && !!document.querySelector('#audit-table tr[data-action="` + a + `"]')`
	}
	ada.WaitFor("every account change, the chain intact", cond+" && "+bt.TextContains("#audit-table", "Konto borttaget")+
		" && "+bt.TextContains("#audit-table", "kalle")+" && "+bt.TextContains("#audit-table", "ada"))
	ada.Axe("audit trail")
	ada.FullScreenshot("admin-audit")
	ada.Do("only deletions", chromedp.SetValue(chromedp.ID("audit-action"), "user_deleted"), chromedp.Click(chromedp.ID("audit-show")))
	ada.WaitFor("one deletion", "document.querySelectorAll('#audit-table tbody tr').length === 1 && "+
		bt.TextContains("#audit-table tbody tr", "kalle")+" && "+bt.TextContains("#audit-status", "Visar 1 händelse"))

	// In English, everything the page says follows.
	ada.Do("English", chromedp.Click(chromedp.ID("lang")))
	ada.WaitFor("the page in English", "document.documentElement.lang === 'en' && location.search === '?lang=en'"+
		" && "+bt.TextContains("#accounts-title", "Accounts")+" && "+bt.TextContains(adRow("ada"), "(you)")+
		" && "+bt.TextContains(adRow("ada"), "Administrator")+" && "+bt.TextContains("#audit-table", "Account deleted")+
		" && "+bt.TextContains("#audit-status", "Showing 1 event")+" && "+bt.TextContains("#new-scope-hint", "municipality code")+
		" && "+bt.TextContains(`#topics-table tr[data-topic="trots"]`, "Inactive")+" && "+bt.TextContains("#lang", "Svenska"))
	ada.Axe("English")

	// No password reached the log, and nothing is kept in the browser.
	logs := ts.logs.String()
	for _, pw := range []string{first, second, staffPassword} {
		if strings.Contains(logs, pw) {
			t.Errorf("a password is in the log")
		}
	}
	if n := bt.Eval[int](ada, "localStorage.length + sessionStorage.length"); n != 0 {
		t.Errorf("%d entries in web storage", n)
	}
}

// TestBrowser_AdminPhone: on a phone (390×844) the admin's page, every
// section and the account panel, never scrolls sideways; in English a
// supervisor sees the canned answers only and adds an English one. Every
// state passes axe.
func TestBrowser_AdminPhone(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "ada", "Ada Admin", "admin", staffPassword)
	addUser(t, data, "sune", "Sune Arbetsledare", "supervisor,counselor", staffPassword)
	ts := startServer(t, data)

	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	phone.Do("the admin page", chromedp.Navigate(ts.base+"/admin/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	bkNoSideScroll(t, phone, "phone, login")
	adLogin(phone, ts.base, "", "ada", staffPassword)
	phone.WaitFor("the page with its rows", bt.TextContains(adRow("ada"), "(du)")+" && "+bt.Visible(`#topics-table tr[data-topic="sleep"]`)+
		" && "+bt.Visible("#canned-list li")+" && "+bt.Visible("#audit-verified"))
	bkNoSideScroll(t, phone, "phone, admin")
	phone.Axe("phone: admin")
	phone.Screenshot("admin-phone-top")
	phone.Do("edit the own account", chromedp.Click(chromedp.CSS(adRow("ada")+" button")))
	phone.WaitFor("the panel", bt.Visible("#account-edit")+" && "+bt.Visible("#edit-scope-add"))
	bkNoSideScroll(t, phone, "phone, account panel")
	phone.Axe("phone: account panel")
	phone.Screenshot("admin-phone-account-panel")
	phone.Do("the audit section", chromedp.Click(chromedp.ID("nav-audit")))
	phone.WaitFor("the focus on the audit heading", bkFocusIn("#audit-title"))
	bkNoSideScroll(t, phone, "phone, audit")
	phone.Screenshot("admin-phone-audit")

	sune := browser.Tab(t)
	sune.Viewport(390, 844, true)
	adLogin(sune, ts.base, "?lang=en", "sune", staffPassword)
	sune.WaitFor("English, canned answers only", bt.Visible("#canned-section")+" && "+bt.TextContains("#canned-title", "Canned answers")+
		" && document.documentElement.lang === 'en' && !"+bt.Visible("#accounts-section")+" && !"+bt.Visible("#audit-section")+
		" && "+bt.Visible("#canned-list li"))
	sune.Do("English answers", chromedp.Click(chromedp.ID("canned-lang-en")))
	sune.WaitFor("the English answers and form", bt.TextContains("#canned-form-title", "New canned answer in English")+
		" && document.getElementById('canned-title-input').lang === 'en' && "+bt.Visible(`#canned-list li[lang="en"]`)+
		" && !document.querySelector('#canned-list li[lang=\"sv\"]')")
	sune.Do("send it empty", chromedp.Click(chromedp.ID("canned-save")))
	sune.WaitFor("errors in English", bt.TextContains("#canned-title-input-error", "Enter a title.")+" && "+
		bt.TextContains("#canned-text-error", "Enter the text.")+" && "+bkFocusIn("#canned-summary"))
	bkNoSideScroll(t, sune, "phone, canned errors")
	sune.Axe("phone: canned answer errors (English)")
	sune.Do("an English answer",
		chromedp.SendKeys(chromedp.ID("canned-title-input"), "Welcome back"),
		chromedp.SendKeys(chromedp.ID("canned-text"), "Hello again! Good to hear from you."),
		chromedp.Click(chromedp.ID("canned-save")),
	)
	sune.WaitFor("listed", bt.TextContains("#canned-list", "Welcome back")+" && "+bt.TextContains("#canned-status", "The canned answer Welcome back is added"))
	bkNoSideScroll(t, sune, "phone, supervisor")
	sune.Axe("phone: supervisor (English)")
	sune.Screenshot("admin-phone-supervisor")
	if !bt.Eval[bool](sune, "fetch('/api/canned?lang=en').then(r => r.json()).then(l => l.some(x => x.title === 'Welcome back' && x.lang === 'en'))") {
		t.Fatal("the English answer is not stored in English")
	}
	if got := bt.Eval[string](sune, adFetch("GET", "/api/audit", "")); !strings.HasPrefix(got, "403") {
		t.Fatalf("a supervisor's GET /api/audit: %q", got)
	}
}
