package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	bt "parentline/internal/browsertest"
)

const staffPassword = "correct horse battery"

// openWidget opens the demo page and the widget's panel.
func openWidget(tab *bt.Tab, base string) {
	tab.Do("open the widget",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("pl-launcher")),
		chromedp.Click(chromedp.ID("pl-launcher")),
		chromedp.WaitVisible(chromedp.CSS(`label[for="pl-audience-young"]`)),
	)
}

// startWidgetChat picks an audience and joins the queue.
func startWidgetChat(tab *bt.Tab, audience string) {
	tab.Do("join the queue",
		chromedp.Click(chromedp.CSS(`label[for="pl-audience-`+audience+`"]`)),
		chromedp.Click(chromedp.ID("pl-start")),
	)
	tab.WaitFor("the queue view", bt.Visible("#pl-queue"))
}

func consoleLogin(tab *bt.Tab, base, user string) {
	tab.Do("console login",
		chromedp.Navigate(base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), user),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("take-next")),
	)
}

// TestBrowser_WholeChat: a parent on the demo page and a counsellor in the
// console, in separate browser contexts, have a whole chat; every state is
// checked by axe and photographed.
func TestBrowser_WholeChat(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor,supervisor", staffPassword)
	ts := startServer(t, data)

	console := browser.Tab(t)
	console.Do("console login page", chromedp.Navigate(ts.base+"/console/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	console.Axe("console login")
	console.Screenshot("console-login")
	consoleLogin(console, ts.base, "anna")

	parent := browser.Tab(t)
	parent.Do("demo page", chromedp.Navigate(ts.base+"/"), chromedp.WaitVisible(chromedp.ID("pl-launcher")))
	parent.Axe("demo page, widget closed")
	parent.Screenshot("widget-closed")
	openWidget(parent, ts.base)
	parent.WaitFor("the status block", "document.getElementById('pl-status').textContent.trim() !== ''")
	parent.Axe("widget open, intro")
	parent.Screenshot("widget-intro")
	startWidgetChat(parent, "teen")
	parent.WaitFor("queue position 1", bt.TextContains("#pl-queue", "1"))
	parent.Axe("widget queued")
	parent.Screenshot("widget-queued")

	console.WaitFor("the waiting parent in the queue", "document.querySelectorAll('#queue li').length === 1")
	console.Axe("console with a waiting parent (supervisor overview shown)")
	console.Screenshot("console-queue")
	console.Do("take the chat", chromedp.Click(chromedp.ID("take-next")), chromedp.WaitVisible(chromedp.ID("reply")))

	parent.WaitFor("the counsellor's name", bt.TextContains("#pl-with", "Anna"))
	parent.Do("parent writes",
		chromedp.SendKeys(chromedp.ID("pl-input"), "Vår dotter vill inte gå till skolan"),
		chromedp.Click(chromedp.ID("pl-send")),
	)
	console.WaitFor("the parent's message", bt.TextContains("#transcript", "Vår dotter vill inte gå till skolan"))
	console.Do("counsellor types", chromedp.SendKeys(chromedp.ID("reply"), "Hur länge"))
	parent.WaitFor("the typing indicator", bt.Visible("#pl-typing")+" && document.getElementById('pl-typing').textContent.trim() !== ''")
	console.Do("counsellor answers", chromedp.SendKeys(chromedp.ID("reply"), " har det varit så?"), chromedp.Click(chromedp.ID("send")))
	parent.WaitFor("the answer", bt.TextContains("#pl-log", "Hur länge har det varit så?"))
	parent.WaitFor("the answer announced to screen readers", "document.getElementById('pl-log').getAttribute('aria-live') === 'polite'")
	parent.Axe("widget chatting")
	parent.Screenshot("widget-chatting")
	console.Axe("console in a chat")
	console.Screenshot("console-chat")

	// The widget keeps nothing but its resume token, and sets no cookie.
	if keys := bt.Eval[[]string](parent, "Object.keys(sessionStorage)"); len(keys) != 1 || keys[0] != "parentline.resume" {
		t.Fatalf("sessionStorage keys = %v", keys)
	}
	if n := bt.Eval[int](parent, "localStorage.length"); n != 0 {
		t.Fatalf("localStorage has %d entries", n)
	}
	if c := bt.Eval[string](parent, "document.cookie"); c != "" {
		t.Fatalf("the widget set a cookie: %q", c)
	}
	// Nothing was loaded from another host.
	if n := bt.Eval[int](parent, "performance.getEntriesByType('resource').filter(e => new URL(e.name).host !== location.host).length"); n != 0 {
		t.Fatalf("%d resources loaded from other hosts", n)
	}

	console.Do("open the close form", chromedp.Click(chromedp.ID("close-chat")), chromedp.WaitVisible(chromedp.ID("close-form")))
	if disabled := bt.Eval[bool](console, "document.getElementById('close-confirm').disabled"); !disabled {
		t.Fatal("closing must need a topic")
	}
	console.Axe("console close form")
	console.Screenshot("console-close-form")
	console.Do("close with a topic",
		chromedp.Click(chromedp.CSS(`#close-form input[name="topic"][value="school"]`)),
		chromedp.Click(chromedp.ID("close-confirm")),
	)
	parent.Do("parent sees the end", chromedp.WaitVisible(chromedp.ID("pl-ended")))
	parent.WaitFor("token removed", "sessionStorage.length === 0")
	parent.Axe("widget ended")
	parent.Screenshot("widget-ended")
	console.WaitFor("chat gone from the console", "document.querySelectorAll('#my-chats li[data-chat]').length === 0")
}

// TestBrowser_ReloadResumesAndQuickExitLeaves: a parent who reloads the page
// is back in the same place in the queue; the quick exit ends the chat,
// clears the widget's storage and replaces the page.
func TestBrowser_ReloadResumesAndQuickExitLeaves(t *testing.T) {
	browser := bt.Start(t)
	ts := startServer(t, t.TempDir())

	first := browser.Tab(t)
	openWidget(first, ts.base)
	startWidgetChat(first, "young")
	first.WaitFor("position 1", bt.TextContains("#pl-queue", "1"))

	parent := browser.Tab(t)
	openWidget(parent, ts.base)
	startWidgetChat(parent, "teen")
	parent.WaitFor("position 2", bt.TextContains("#pl-queue", "2"))
	token := bt.Eval[string](parent, "sessionStorage.getItem('parentline.resume')")

	parent.Do("reload", chromedp.Reload())
	parent.WaitFor("still position 2 after reload", bt.Visible("#pl-queue")+" && "+bt.TextContains("#pl-queue", "2"))
	if again := bt.Eval[string](parent, "sessionStorage.getItem('parentline.resume')"); again == "" || again == token {
		t.Fatalf("resume token after reload = %q (before %q); it must be the new, rotated one", again, token)
	}

	parent.Do("quick exit", chromedp.Click(chromedp.ID("pl-exit")))
	parent.WaitPath("/neutral")
	if n := bt.Eval[int](parent, "sessionStorage.length"); n != 0 {
		t.Fatalf("sessionStorage still has %d entries after the quick exit", n)
	}
	parent.Axe("neutral page")
	waitQueueLength(t, ts.base, 1)
	first.WaitFor("first parent still position 1", bt.TextContains("#pl-queue", "1"))
}

// TestBrowser_KeyboardOnly: a parent reaches the widget, joins the queue,
// writes and leaves with the keyboard alone.
func TestBrowser_KeyboardOnly(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	ts := startServer(t, data)
	co := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "anna", staffPassword).Jar)
	co.next("ready")

	parent := browser.Tab(t)
	parent.Do("demo page", chromedp.Navigate(ts.base+"/"), chromedp.WaitVisible(chromedp.ID("pl-launcher")))
	tabTo(t, parent, "pl-launcher", 40)
	if outline := bt.Eval[string](parent, "getComputedStyle(document.activeElement).outlineStyle"); outline == "none" {
		t.Fatal("the focused launcher shows no focus outline")
	}
	parent.Screenshot("launcher-focused")
	parent.Keys(kb.Enter)
	parent.WaitFor("focus inside the open panel", "document.getElementById('pl-panel').contains(document.activeElement)")
	tabTo(t, parent, "pl-audience-young", 20)
	parent.Keys(" ")
	parent.WaitFor("young chosen", "document.getElementById('pl-audience-young').checked")
	tabTo(t, parent, "pl-start", 20)
	parent.Keys(kb.Enter)
	parent.WaitFor("queued", bt.Visible("#pl-queue"))

	co.send(map[string]any{"type": "accept"})
	co.next("chat_started")
	parent.WaitFor("the chat view", bt.Visible("#pl-input"))
	tabTo(t, parent, "pl-input", 30)
	parent.Keys("Hej, jag skriver med tangentbordet", kb.Enter)
	if m := co.next("msg"); m["text"] != "Hej, jag skriver med tangentbordet" {
		t.Fatalf("counsellor got %v", m)
	}

	// Escape twice is the quick exit.
	parent.Keys(kb.Escape, kb.Escape)
	parent.WaitPath("/neutral")
	if m := co.next("chat_ended"); m["reason"] != "parent_ended" {
		t.Fatalf("chat_ended = %v", m)
	}
}

// tabTo presses Tab until the element with id has focus.
func tabTo(t *testing.T, tab *bt.Tab, id string, max int) {
	t.Helper()
	for range max {
		if bt.Eval[string](tab, "document.activeElement?.id || ''") == id {
			return
		}
		tab.Keys(kb.Tab)
	}
	t.Fatalf("#%s not reached with %d presses of Tab (focus on %q)", id, max, bt.Eval[string](tab, "document.activeElement?.outerHTML.slice(0,120) || ''"))
}

// TestBrowser_PhoneAndDesktopLayout: on a phone and on a desktop nothing in
// the widget is cut off, nothing scrolls sideways, and the input stays
// visible when the on-screen keyboard takes half the screen.
func TestBrowser_PhoneAndDesktopLayout(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	ts := startServer(t, data)
	co := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "anna", staffPassword).Jar)
	co.next("ready")

	for _, vp := range []struct {
		name          string
		width, height int
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 800, false}} {
		tab := browser.Tab(t)
		tab.Viewport(vp.width, vp.height, vp.mobile)
		tab.Do("demo page", chromedp.Navigate(ts.base+"/"), chromedp.WaitVisible(chromedp.ID("pl-launcher")))
		checkLayout(t, tab, vp.name+" closed", "#pl-launcher")
		tab.Screenshot(vp.name + "-closed")
		openWidget(tab, ts.base)
		checkLayout(t, tab, vp.name+" intro", "#pl-start")
		tab.Axe(vp.name + " widget intro")
		tab.Screenshot(vp.name + "-intro")
		startWidgetChat(tab, "young")
		co.send(map[string]any{"type": "accept"})
		id := co.next("chat_started")["chat"]
		tab.WaitFor("chat view", bt.Visible("#pl-input"))
		for i := range 12 {
			co.send(map[string]any{"type": "msg", "chat": id, "text": fmt.Sprintf("Meddelande %d med lite längre text som ska radbrytas snyggt i bubblan på en smal skärm.", i)})
		}
		tab.WaitFor("all messages", bt.TextContains("#pl-log", "Meddelande 11"))
		checkLayout(t, tab, vp.name+" chatting", "#pl-input")
		tab.Axe(vp.name + " widget chatting")
		tab.Screenshot(vp.name + "-chatting")

		// The on-screen keyboard: the visible height shrinks.
		tab.Viewport(vp.width, vp.height/2, vp.mobile)
		tab.WaitFor("the panel to fit the smaller screen", "document.getElementById('pl-panel').getBoundingClientRect().bottom <= innerHeight + 1")
		tab.Do("focus the input", chromedp.Focus(chromedp.ID("pl-input")))
		checkLayout(t, tab, vp.name+" with keyboard", "#pl-input")
		if n := bt.Eval[int](tab, "[...document.querySelectorAll('#pl-log > *')].filter(e => e.scrollHeight > e.clientHeight + 1).length"); n != 0 {
			t.Errorf("%s with keyboard: %d messages are squashed so their text overflows", vp.name, n)
		}
		tab.Screenshot(vp.name + "-keyboard")
		co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"other"}})
		co.next("chat_ended")
	}
}

// checkLayout asserts no horizontal scrolling, the open panel inside the
// viewport, and the element sel fully visible once scrolled into view (as
// the browser does when it gets focus) and not clipped by the panel.
func checkLayout(t *testing.T, tab *bt.Tab, state, sel string) {
	t.Helper()
	var got struct {
		ScrollWidth, InnerWidth, InnerHeight float64
		Panel, Elem                          struct{ Left, Top, Right, Bottom float64 }
		PanelOpen                            bool
	}
	raw := bt.Eval[string](tab, `JSON.stringify((() => {
		const box = e => { const r = e.getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom}; };
		const panel = document.getElementById('pl-panel');
		document.querySelector(`+fmt.Sprintf("%q", sel)+`).scrollIntoView({block: 'nearest'});
		return {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth, InnerHeight: window.innerHeight,
			Panel: box(panel), PanelOpen: !panel.hidden, Elem: box(document.querySelector(`+fmt.Sprintf("%q", sel)+`))};
	})())`)
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	const slack = 1
	if got.ScrollWidth > got.InnerWidth+slack {
		t.Errorf("%s: page scrolls sideways (%v wide in a %v viewport)", state, got.ScrollWidth, got.InnerWidth)
	}
	inside := func(b struct{ Left, Top, Right, Bottom float64 }) bool {
		return b.Left >= -slack && b.Top >= -slack && b.Right <= got.InnerWidth+slack && b.Bottom <= got.InnerHeight+slack && b.Right > b.Left
	}
	if got.PanelOpen && !inside(got.Panel) {
		t.Errorf("%s: the panel %+v is cut off by the %vx%v viewport", state, got.Panel, got.InnerWidth, got.InnerHeight)
	}
	if got.PanelOpen && (got.Elem.Top < got.Panel.Top-slack || got.Elem.Bottom > got.Panel.Bottom+slack) {
		t.Errorf("%s: %s at %+v is clipped by the panel %+v", state, sel, got.Elem, got.Panel)
	}
	if !inside(got.Elem) {
		t.Errorf("%s: %s at %+v is not fully visible in the %vx%v viewport", state, sel, got.Elem, got.InnerWidth, got.InnerHeight)
	}
}

// TestBrowser_OutsideHoursAndEnglish: outside opening hours the widget says
// so, shows the hours and the other contacts, and cannot start a chat; the
// language switch turns everything into English.
func TestBrowser_OutsideHoursAndEnglish(t *testing.T) {
	browser := bt.Start(t)
	// Open only on a weekday three days from today: closed now, whatever the day.
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	day := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[(int(time.Now().In(stockholm).Weekday())+3)%7]
	ts := startServer(t, t.TempDir(), "--hours", day+" 09:00-16:00")

	tab := browser.Tab(t)
	openWidget(tab, ts.base)
	tab.WaitFor("the closed notice", bt.TextContains("#pl-status", "09:00"))
	tab.WaitFor("the contacts", "document.querySelector('#pl-status a[href=\"tel:112\"]') !== null")
	if !bt.Eval[bool](tab, "document.getElementById('pl-start').disabled || document.getElementById('pl-start').hidden") {
		t.Fatal("a chat can be started while closed")
	}
	tab.Axe("widget closed outside opening hours (sv)")
	tab.Screenshot("closed-sv")

	tab.Do("switch to English", chromedp.Click(chromedp.ID("pl-lang")))
	tab.WaitFor("English", "document.getElementById('parentline-widget').lang === 'en'")
	tab.WaitFor("English texts", bt.TextContains("#pl-panel", "anonymous")+" && "+bt.TextContains("#pl-status", "In an emergency"))
	tab.Axe("widget closed outside opening hours (en)")
	tab.Screenshot("closed-en")

	console := browser.Tab(t)
	console.Do("console", chromedp.Navigate(ts.base+"/console/"), chromedp.WaitVisible(chromedp.ID("lang")), chromedp.Click(chromedp.ID("lang")))
	console.WaitFor("English console", "document.documentElement.lang === 'en'")
	console.Axe("console login (en)")
}

func waitQueueLength(t *testing.T, base string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(base + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			QueueLength int `json:"queue_length"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err == nil && st.QueueLength == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue length %d, want %d", st.QueueLength, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
