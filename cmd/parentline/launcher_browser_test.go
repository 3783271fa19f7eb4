package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	bt "parentline/internal/browsertest"
)

// getStatus reads GET /api/status as a parent's browser would.
func getStatus(t *testing.T, base string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/status: %d", resp.StatusCode)
	}
	var st map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitStaffed waits until /api/status says staffed is want.
func waitStaffed(t *testing.T, base string, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := getStatus(t, base)
		if st["staffed"] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/status staffed = %v, want %v", st["staffed"], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLauncher_StatusCarriesMode: /api/status tells the widget the launcher
// mode; "always" unless --launcher staffed; other values are refused.
func TestLauncher_StatusCarriesMode(t *testing.T) {
	staffed := startServer(t, t.TempDir(), "--launcher", "staffed")
	if got := getStatus(t, staffed.base)["launcher"]; got != "staffed" {
		t.Fatalf(`--launcher staffed: /api/status "launcher" = %v`, got)
	}
	def := startServer(t, t.TempDir())
	if got := getStatus(t, def.base)["launcher"]; got != "always" {
		t.Fatalf(`default: /api/status "launcher" = %v`, got)
	}
	if _, err := parseServeFlags([]string{"--launcher", "sometimes"}, noEnv); err == nil {
		t.Fatal("--launcher sometimes was accepted")
	}
}

// noLauncher checks the gated dock: the quick exit and the closed card's
// button, no chat launcher and no way into the chat panel.
func noLauncher(t *testing.T, tab *bt.Tab, state string) {
	t.Helper()
	if bt.Eval[bool](tab, bt.Visible("#pl-launcher")) {
		t.Fatalf("%s: the chat launcher is shown", state)
	}
	if !bt.Eval[bool](tab, bt.Visible("#pl-exit")) {
		t.Fatalf("%s: the quick exit is not shown", state)
	}
	if !bt.Eval[bool](tab, bt.Visible("#pl-closed-btn")) {
		t.Fatalf("%s: the closed card's button is not shown", state)
	}
	if bt.Eval[bool](tab, bt.Visible("#pl-panel")+" || "+bt.Visible("#pl-start")) {
		t.Fatalf("%s: the chat panel is shown", state)
	}
}

// TestBrowser_LauncherStaffedShowsHoursUntilSomeoneIsOnDuty: with --launcher
// staffed and nobody on duty the widget offers no chat, only the hours and
// the other contacts (desktop and phone, Swedish and English, axe-clean); when
// a counsellor logs in, the launcher appears on the next focus or visibility
// change.
func TestBrowser_LauncherStaffedShowsHoursUntilSomeoneIsOnDuty(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	ts := startServer(t, data, "--launcher", "staffed")
	waitStaffed(t, ts.base, false)

	type viewport struct {
		name          string
		width, height int
		mobile        bool
	}
	tabs := map[string]*bt.Tab{}
	for _, vp := range []viewport{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		tab := browser.Tab(t)
		tabs[vp.name] = tab
		tab.Viewport(vp.width, vp.height, vp.mobile)
		tab.Do(vp.name+" demo page", chromedp.Navigate(ts.base+"/"), chromedp.WaitVisible(chromedp.ID("pl-closed-btn")))
		if v := bt.Eval[string](tab, "document.visibilityState"); v != "visible" {
			t.Fatalf("%s: document.visibilityState = %q", vp.name, v)
		}
		noLauncher(t, tab, vp.name+" collapsed")
		tab.WaitFor("the closed button's text", bt.TextContains("#pl-closed-btn", "Chatten är stängd just nu"))
		if bt.Eval[string](tab, "document.getElementById('pl-closed-btn').getAttribute('aria-expanded')") != "false" {
			t.Fatalf("%s: the closed card starts expanded", vp.name)
		}
		checkLayout(t, tab, vp.name+" closed button", "#pl-closed-btn")
		tab.Axe(vp.name + " widget gated, collapsed")
		tab.Screenshot(vp.name + "-gated-collapsed")

		tab.Do("open the closed card", chromedp.Click(chromedp.ID("pl-closed-btn")))
		tab.WaitFor("the hours and the contacts",
			bt.Visible("#pl-closed-panel")+" && "+bt.TextContains("#pl-closed-panel", "Öppettider")+" && "+
				bt.TextContains("#pl-closed-panel", "alla dagar dygnet runt")+" && "+
				bt.TextContains("#pl-closed-panel", "Ingen rådgivare är ledig just nu")+" && "+
				bt.Visible(`#pl-closed-panel a[href="tel:112"]`))
		if bt.Eval[string](tab, "document.getElementById('pl-closed-btn').getAttribute('aria-expanded')") != "true" {
			t.Fatalf("%s: aria-expanded not true on the open card", vp.name)
		}
		// Nothing in the card starts a chat: its only button is the language switch.
		if ids := bt.Eval[[]string](tab, "[...document.querySelectorAll('#pl-closed-panel button, #pl-closed-panel input, #pl-closed-panel textarea')].map(e => e.id)"); len(ids) != 1 || ids[0] != "pl-closed-lang" {
			t.Fatalf("%s: controls in the closed card: %v", vp.name, ids)
		}
		noLauncher(t, tab, vp.name+" expanded")
		checkLayout(t, tab, vp.name+" closed card", "#pl-closed-panel")
		checkLayout(t, tab, vp.name+" quick exit beside the card", "#pl-exit")
		tab.Axe(vp.name + " widget gated, hours and contacts")
		tab.Screenshot(vp.name + "-gated-expanded")
	}

	// The desktop tab: English, then Escape folds the card and focus stays on its button.
	desk := tabs["desktop"]
	desk.Do("switch to English", chromedp.Click(chromedp.ID("pl-closed-lang")))
	desk.WaitFor("English card", bt.TextContains("#pl-closed-btn", "The chat is closed right now")+" && "+
		bt.TextContains("#pl-closed-panel", "Opening hours")+" && "+bt.TextContains("#pl-closed-panel", "every day around the clock")+
		" && "+bt.TextContains("#pl-closed-panel", "Do you need to talk to someone now?")+" && "+
		bt.TextContains("#pl-closed-panel", "No counsellor is free right now"))
	desk.Axe("desktop widget gated, English")
	desk.Screenshot("desktop-gated-english")
	desk.Do("focus the card's button", chromedp.Focus(chromedp.ID("pl-closed-btn")))
	desk.Keys(kb.Escape)
	desk.WaitFor("the card folded", "!("+bt.Visible("#pl-closed-panel")+") && document.activeElement.id === 'pl-closed-btn'")

	// A counsellor logs in: their console connects and is available.
	console := browser.Tab(t)
	consoleLogin(console, ts.base, "anna")
	waitStaffed(t, ts.base, true)

	// The page becomes visible again (as when the parent comes back to the tab).
	bt.Eval[bool](desk, "document.dispatchEvent(new Event('visibilitychange'))")
	desk.WaitFor("the launcher on the desktop", bt.Visible("#pl-launcher")+" && !("+bt.Visible("#pl-closed-btn")+")")
	if id := bt.Eval[string](desk, "document.activeElement.id"); id != "pl-launcher" {
		t.Fatalf("focus was on the closed button and went to %q, not the launcher that replaced it", id)
	}
	desk.Screenshot("desktop-staffed-launcher")

	phone := tabs["phone"]
	// The window gets focus.
	bt.Eval[bool](phone, "window.dispatchEvent(new Event('focus'))")
	phone.WaitFor("the launcher on the phone", bt.Visible("#pl-launcher")+" && !("+bt.Visible("#pl-closed-btn")+") && !("+bt.Visible("#pl-closed-panel")+")")
	checkLayout(t, phone, "phone launcher", "#pl-launcher")
	phone.Axe("phone widget staffed, launcher")
	phone.Do("open the chat", chromedp.Click(chromedp.ID("pl-launcher")), chromedp.WaitVisible(chromedp.ID("pl-start")))
	phone.WaitFor("the chat can be started", bt.TextContains("#pl-status", "Chatten är öppen")+" && !document.getElementById('pl-start').disabled")
	phone.Screenshot("phone-staffed-intro")
}

// TestBrowser_LauncherStaffedResumesRunningChat: a parent whose chat is
// running gets it back after a reload, and the launcher with it, even though
// nobody is available any more and the mode is "staffed".
func TestBrowser_LauncherStaffedResumesRunningChat(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	ts := startServer(t, data, "--launcher", "staffed")
	co := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "anna", staffPassword).Jar)
	co.next("ready")
	waitStaffed(t, ts.base, true)

	parent := browser.Tab(t)
	openWidget(parent, ts.base)
	startWidgetChat(parent, "young")
	co.send(map[string]any{"type": "accept"})
	chat := co.next("chat_started")["chat"]
	co.send(map[string]any{"type": "msg", "chat": chat, "text": "Hej, jag heter Anna. Vad vill du prata om?"})
	parent.WaitFor("the counsellor's message", bt.TextContains("#pl-log", "Hej, jag heter Anna."))

	// The counsellor is no longer available: nobody is on duty.
	co.send(map[string]any{"type": "available", "on": false})
	waitStaffed(t, ts.base, false)

	parent.Do("reload", chromedp.Reload())
	parent.WaitFor("the chat is back", bt.Visible("#pl-input")+" && "+bt.TextContains("#pl-with", "Anna")+" && "+
		bt.TextContains("#pl-log", "Hej, jag heter Anna."))
	parent.Do("parent writes", chromedp.SendKeys(chromedp.ID("pl-input"), "Jag är tillbaka"), chromedp.Click(chromedp.ID("pl-send")))
	m := co.next("msg")
	for m["from"] == "counselor" { // the acknowledgement of Anna's own message
		m = co.next("msg")
	}
	if m["text"] != "Jag är tillbaka" || m["chat"] != chat {
		t.Fatalf("counsellor got %v", m)
	}

	parent.Do("minimise", chromedp.Click(chromedp.ID("pl-min")))
	bt.Eval[bool](parent, "window.dispatchEvent(new Event('focus'))") // a wake-up must not hide a running chat
	parent.WaitFor("the launcher, focused", bt.Visible("#pl-launcher")+" && document.activeElement.id === 'pl-launcher' && "+
		bt.TextContains("#pl-launcher", "Öppna chatten"))
	if bt.Eval[bool](parent, bt.Visible("#pl-closed-btn")) {
		t.Fatal("the closed card is shown to a parent with a running chat")
	}
	parent.Axe("widget minimised with a running chat, nobody available")
	parent.Screenshot("staffed-running-chat-launcher")
	parent.Do("back to the chat", chromedp.Click(chromedp.ID("pl-launcher")), chromedp.WaitVisible(chromedp.ID("pl-input")))
}

// TestBrowser_LauncherAlwaysWithoutCounsellor: in the default mode the
// launcher is there with nobody on duty, and a chat can be started (today's
// behaviour).
func TestBrowser_LauncherAlwaysWithoutCounsellor(t *testing.T) {
	browser := bt.Start(t)
	ts := startServer(t, t.TempDir())
	waitStaffed(t, ts.base, false)

	tab := browser.Tab(t)
	tab.Do("demo page", chromedp.Navigate(ts.base+"/"), chromedp.WaitVisible(chromedp.ID("pl-launcher")))
	bt.Eval[bool](tab, "window.dispatchEvent(new Event('focus'))") // nothing to re-ask in this mode
	if bt.Eval[bool](tab, bt.Visible("#pl-closed-btn")) {
		t.Fatal("the closed card is shown in the always mode")
	}
	openWidget(tab, ts.base)
	tab.WaitFor("the unstaffed notice", bt.TextContains("#pl-status", "Du kan ställa dig i kö ändå")+
		" && !document.getElementById('pl-start').disabled")
	if !bt.Eval[bool](tab, bt.Visible("#pl-launcher")+" === false && "+bt.Visible("#pl-panel")) {
		t.Fatal("the panel did not replace the launcher")
	}
	startWidgetChat(tab, "teen")
	tab.WaitFor("queued", bt.TextContains("#pl-queue", "1"))
}

// TestBrowser_AnonNoticeMentionsSupervisor: the anonymity notice tells the
// parent, in both languages, that a supervisor may read the chat.
func TestBrowser_AnonNoticeMentionsSupervisor(t *testing.T) {
	browser := bt.Start(t)
	ts := startServer(t, t.TempDir())

	tab := browser.Tab(t)
	openWidget(tab, ts.base)
	tab.WaitFor("the notice", bt.Visible(".pl-anon"))
	sv := bt.Eval[string](tab, "document.querySelector('#pl-panel .pl-anon').innerText")
	for _, want := range []string{"Du är anonym", "En arbetsledare kan läsa med i chatten för att hålla kvaliteten", "orosanmälan"} {
		if !strings.Contains(sv, want) {
			t.Errorf("Swedish notice lacks %q: %q", want, sv)
		}
	}
	tab.Do("switch to English", chromedp.Click(chromedp.ID("pl-lang")))
	tab.WaitFor("English", "document.getElementById('parentline-widget').lang === 'en'")
	en := bt.Eval[string](tab, "document.querySelector('#pl-panel .pl-anon').innerText")
	for _, want := range []string{"You are anonymous", "A supervisor may read along in the chat to keep the quality", "social services"} {
		if !strings.Contains(en, want) {
			t.Errorf("English notice lacks %q: %q", want, en)
		}
	}
	tab.Axe("widget intro, English notice")
}
