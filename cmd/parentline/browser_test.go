package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startBrowser starts headless Chromium for the test. Locally a missing
// browser skips loudly; in CI (CI=true) it fails, since CI installs it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; .ci/run must install it")
		}
		t.Skip("SKIPPING browser test: chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// newTab opens a tab in a browser context of its own (its own cookies and
// storage), like a second person on another computer.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// do runs browser steps with a bound on the time they may take.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until a JavaScript expression is true in the page.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// waitPath waits until the tab shows a page with the given path; it survives
// the navigation itself, during which the page cannot be asked.
func waitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err := chromedp.Run(tctx, chromedp.Evaluate[string]("document.readyState === 'complete' ? location.pathname : ''"))
		cancel()
		if err == nil && got == path {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page is %q (%v), want %s", got, err, path)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func textContains(sel, text string) string {
	return "(document.querySelector(" + strconv.Quote(sel) + ")?.textContent || '').includes(" + strconv.Quote(text) + ")"
}

// TestBrowser_WholeChat: a parent on the demo page and a counsellor in the
// console, in separate browser contexts, have a whole chat.
func TestBrowser_WholeChat(t *testing.T) {
	browser := startBrowser(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", "correct horse battery")
	ts := startServer(t, data)

	console := newTab(t, browser)
	do(t, console, "console login",
		chromedp.Navigate(ts.base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "anna"),
		chromedp.SendKeys(chromedp.ID("login-password"), "correct horse battery"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("take-next")),
	)

	parent := newTab(t, browser)
	do(t, parent, "parent opens the widget",
		chromedp.Navigate(ts.base+"/"),
		chromedp.Click(chromedp.ID("pl-launcher")),
		chromedp.WaitVisible(chromedp.CSS(`label[for="pl-audience-young"]`)),
		chromedp.Click(chromedp.CSS(`label[for="pl-audience-teen"]`)),
		chromedp.Click(chromedp.ID("pl-start")),
		chromedp.WaitVisible(chromedp.ID("pl-queue")),
	)
	waitFor(t, parent, "queue position 1", textContains("#pl-queue", "1"))

	waitFor(t, console, "the waiting parent in the queue", "document.querySelectorAll('#queue li').length === 1")
	do(t, console, "take the chat", chromedp.Click(chromedp.ID("take-next")), chromedp.WaitVisible(chromedp.ID("reply")))

	waitFor(t, parent, "the counsellor's name", textContains("#parentline-widget", "Anna"))
	do(t, parent, "parent writes",
		chromedp.WaitVisible(chromedp.ID("pl-input")),
		chromedp.SendKeys(chromedp.ID("pl-input"), "Vår dotter vill inte gå till skolan"),
		chromedp.Click(chromedp.ID("pl-send")),
	)
	waitFor(t, console, "the parent's message", textContains("#transcript", "Vår dotter vill inte gå till skolan"))

	do(t, console, "counsellor types", chromedp.SendKeys(chromedp.ID("reply"), "Hur länge"))
	waitFor(t, parent, "the typing indicator", "(()=>{const e=document.getElementById('pl-typing'); return e && !e.hidden && e.textContent.trim() !== ''})()")
	do(t, console, "counsellor answers",
		chromedp.SendKeys(chromedp.ID("reply"), " har det varit så?"),
		chromedp.Click(chromedp.ID("send")),
	)
	waitFor(t, parent, "the answer", textContains("#pl-log", "Hur länge har det varit så?"))

	// The widget keeps nothing but its resume token, and sets no cookie.
	if keys := eval[[]string](t, parent, "Object.keys(sessionStorage)"); len(keys) != 1 || keys[0] != "parentline.resume" {
		t.Fatalf("sessionStorage keys = %v", keys)
	}
	if n := eval[int](t, parent, "localStorage.length"); n != 0 {
		t.Fatalf("localStorage has %d entries", n)
	}
	if c := eval[string](t, parent, "document.cookie"); c != "" {
		t.Fatalf("the widget set a cookie: %q", c)
	}

	do(t, console, "close with a topic",
		chromedp.Click(chromedp.ID("close-chat")),
		chromedp.WaitVisible(chromedp.ID("close-form")),
		chromedp.Click(chromedp.CSS(`#close-form input[name="topic"][value="school"]`)),
		chromedp.Click(chromedp.ID("close-confirm")),
	)
	do(t, parent, "parent sees the end", chromedp.WaitVisible(chromedp.ID("pl-ended")))
	waitFor(t, parent, "token removed", "sessionStorage.length === 0")
	waitFor(t, console, "chat gone from the console", "document.querySelectorAll('#my-chats li').length === 0")
}

// TestBrowser_ReloadResumesAndQuickExitLeaves: a parent who reloads the page
// is back in the same place in the queue; the quick exit ends the chat,
// clears the widget's storage and replaces the page.
func TestBrowser_ReloadResumesAndQuickExitLeaves(t *testing.T) {
	browser := startBrowser(t)
	ts := startServer(t, t.TempDir())

	first := newTab(t, browser)
	do(t, first, "first parent queues",
		chromedp.Navigate(ts.base+"/"),
		chromedp.Click(chromedp.ID("pl-launcher")),
		chromedp.Click(chromedp.CSS(`label[for="pl-audience-young"]`)),
		chromedp.Click(chromedp.ID("pl-start")),
	)
	waitFor(t, first, "position 1", textContains("#pl-queue", "1"))

	parent := newTab(t, browser)
	do(t, parent, "second parent queues",
		chromedp.Navigate(ts.base+"/"),
		chromedp.Click(chromedp.ID("pl-launcher")),
		chromedp.Click(chromedp.CSS(`label[for="pl-audience-teen"]`)),
		chromedp.Click(chromedp.ID("pl-start")),
	)
	waitFor(t, parent, "position 2", textContains("#pl-queue", "2"))
	token := eval[string](t, parent, "sessionStorage.getItem('parentline.resume')")

	do(t, parent, "reload", chromedp.Reload())
	waitFor(t, parent, "still position 2 after reload", "!document.getElementById('pl-queueview').hidden && "+textContains("#pl-queue", "2"))
	if again := eval[string](t, parent, "sessionStorage.getItem('parentline.resume')"); again == "" || again == token {
		t.Fatalf("resume token after reload = %q (before %q); it must be the new, rotated one", again, token)
	}

	do(t, parent, "quick exit", chromedp.Click(chromedp.ID("pl-exit")))
	waitPath(t, parent, "/neutral")
	if n := eval[int](t, parent, "sessionStorage.length"); n != 0 {
		t.Fatalf("sessionStorage still has %d entries after the quick exit", n)
	}
	// The chat really ended: the first parent is alone in the queue.
	waitFor(t, first, "first parent still position 1", textContains("#pl-queue", "1"))
	deadline := time.Now().Add(5 * time.Second)
	for queueLength(t, ts.base) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the quick exit did not take the parent out of the queue")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func queueLength(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		QueueLength int `json:"queue_length"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.QueueLength
}
