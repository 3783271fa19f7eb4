// Package browsertest drives Debian's headless Chromium for the end-to-end
// tests: tabs in separate browser contexts, bounded waits, axe-core checks
// and screenshots. Every page of the product is tested through it.
//
// Locally a missing Chromium or axe-core skips loudly; with CI=true it fails,
// because .ci/run installs both.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium process.
type Browser struct {
	ctx context.Context
}

func inCI() bool { return os.Getenv("CI") == "true" }

// Start launches Chromium for the test and stops it at cleanup.
func Start(t *testing.T) *Browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if inCI() {
			t.Fatal("chromium is not installed; .ci/run must install it")
		}
		t.Skip("SKIPPING browser test: chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "sv-SE"), chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("starting chromium: %v", err)
	}
	return &Browser{ctx: ctx}
}

// Tab is one page in a browser context of its own (own cookies and storage),
// like a person on another computer.
type Tab struct {
	t   *testing.T
	ctx context.Context
}

// Tab opens a new tab in a new browser context.
func (b *Browser) Tab(t *testing.T) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &Tab{t: t, ctx: ctx}
}

// Do runs browser steps, bounded in time.
func (tb *Tab) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// WaitFor waits until a JavaScript expression is true in the page.
func (tb *Tab) WaitFor(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// WaitPath waits until the tab shows a loaded page with the given path; it
// survives the navigation itself, during which the page cannot be asked.
func (tb *Tab) WaitPath(path string) {
	tb.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.readyState === 'complete' ? location.pathname : ''"))
		cancel()
		if err == nil && got == path {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("the page is %q (%v), want %s", got, err, path)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Eval evaluates a JavaScript expression (awaiting a promise) and decodes it.
func Eval[T any](tb *Tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluating %.80s: %v", expr, err)
	}
	return v
}

// Viewport sets the page size; mobile also emulates a touch phone.
func (tb *Tab) Viewport(width, height int, mobile bool) {
	tb.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(3))
	}
	tb.Do(fmt.Sprintf("viewport %dx%d", width, height), chromedp.EmulateViewport(int64(width), int64(height), opts...))
}

// Keys sends key presses to the focused element, one KeyEvent per string
// (use chromedp/kb constants for special keys).
func (tb *Tab) Keys(keys ...string) {
	tb.t.Helper()
	steps := make([]chromedp.Action[chromedp.Void], len(keys))
	for i, k := range keys {
		steps[i] = chromedp.KeyEvent(k)
	}
	tb.Do("keys", steps...)
}

// TextContains is a JavaScript predicate: the element's text contains text.
func TextContains(sel, text string) string {
	return "(document.querySelector(" + strconv.Quote(sel) + ")?.textContent || '').includes(" + strconv.Quote(text) + ")"
}

// Visible is a JavaScript predicate: the element exists, is not hidden and
// has a box.
func Visible(sel string) string {
	return "(() => { const e = document.querySelector(" + strconv.Quote(sel) + "); if (!e) return false; " +
		"const r = e.getBoundingClientRect(); return !e.closest('[hidden]') && r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })()"
}

// ModuleRoot is the directory holding go.mod.
func ModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ScreenshotDir is where screenshots of this test go:
// $PARENTLINE_SCREENSHOTS (default <module>/screenshots) / <test name>.
func ScreenshotDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PARENTLINE_SCREENSHOTS")
	if base == "" {
		base = filepath.Join(ModuleRoot(t), "screenshots")
	}
	dir := filepath.Join(base, unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves what the tab shows now as <ScreenshotDir>/<name>.png.
func (tb *Tab) Screenshot(name string) {
	tb.t.Helper()
	tb.screenshot(name, chromedp.CaptureScreenshot())
}

// FullScreenshot saves the whole page, not only the visible part.
func (tb *Tab) FullScreenshot(name string) {
	tb.t.Helper()
	tb.screenshot(name, chromedp.FullScreenshot(100)) // 100: PNG
}

func (tb *Tab) screenshot(name string, capture chromedp.Action[[]byte]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(ScreenshotDir(tb.t), unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// AxeTags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// AxeResult is what one axe run found.
type AxeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes       int `json:"passes"`
	Incomplete   int `json:"incomplete"`
	Inapplicable int `json:"inapplicable"`
}

// Rules is the number of rules axe evaluated.
func (r AxeResult) Rules() int {
	return len(r.Violations) + r.Passes + r.Incomplete + r.Inapplicable
}

// RunAxe runs axe-core's WCAG 2.1 A and AA rules on the page as it is now
// and returns what it found. ok is false when axe-core is not installed
// (outside CI; under CI=true that fails the test).
func (tb *Tab) RunAxe() (res AxeResult, ok bool) {
	tb.t.Helper()
	axeOnce.Do(func() {
		path := filepath.Join(ModuleRoot(tb.t), "internal", "browsertest", "axe", "node_modules", "axe-core", "axe.min.js")
		var b []byte
		b, axeErr = os.ReadFile(path)
		axeSource = string(b)
	})
	if axeErr != nil {
		if inCI() {
			tb.t.Fatalf("axe-core missing (%v); make test installs it with npm", axeErr)
		}
		return res, false
	}
	tags, _ := json.Marshal(AxeTags)
	script := "(() => { if (!window.axe) { " + axeSource + "\n }\n" +
		"return window.axe.run(document, {runOnly: {type: 'tag', values: " + string(tags) + "}, resultTypes: ['violations']})" +
		".then(r => JSON.stringify({violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))}))," +
		" passes: r.passes.length, incomplete: r.incomplete.length, inapplicable: r.inapplicable.length})); })()"
	raw := Eval[string](tb, script)
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		tb.t.Fatalf("axe result: %v", err)
	}
	return res, true
}

// Axe runs RunAxe and fails the test for every violation; state names the
// page state in the log.
func (tb *Tab) Axe(state string) AxeResult {
	tb.t.Helper()
	res, ok := tb.RunAxe()
	if !ok {
		tb.t.Logf("SKIPPING axe check of %s: axe-core is not installed (make test installs it)", state)
		return res
	}
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		tb.t.Errorf("axe, %s: %s (%s)\n    %s", state, v.ID, v.Help, strings.Join(where, "\n    "))
	}
	tb.t.Logf("axe, %s: %d rules run, %d violations", state, res.Rules(), len(res.Violations))
	return res
}
