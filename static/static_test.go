package static

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parentline/audit"
	"parentline/eid"
	"parentline/eid/testid"
	"parentline/internal/browsertest"
)

func request(t *testing.T, method, target string, headers map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

var pages = []struct {
	path, file, contentType string
	html, crossSite         bool
}{
	{"/", "index.html", "text/html; charset=utf-8", true, false},
	{"/site.css", "site.css", "text/css; charset=utf-8", false, false},
	{"/widget.js", "widget.js", "text/javascript; charset=utf-8", false, true},
	{"/widget.css", "widget.css", "text/css; charset=utf-8", false, true},
	{"/neutral", "neutral.html", "text/html; charset=utf-8", true, false},
	{"/neutral.css", "neutral.css", "text/css; charset=utf-8", false, false},
	{"/staff.css", "staff.css", "text/css; charset=utf-8", false, false},
	{"/staff.js", "staff.js", "text/javascript; charset=utf-8", false, false},
	{"/console/", "console/index.html", "text/html; charset=utf-8", true, false},
	{"/console/console.js", "console/console.js", "text/javascript; charset=utf-8", false, false},
	{"/console/console.css", "console/console.css", "text/css; charset=utf-8", false, false},
	{"/stats/", "stats/index.html", "text/html; charset=utf-8", true, false},
	{"/stats/report.js", "stats/report.js", "text/javascript; charset=utf-8", false, false},
	{"/stats/charts.js", "stats/charts.js", "text/javascript; charset=utf-8", false, false},
	{"/stats/report.css", "stats/report.css", "text/css; charset=utf-8", false, false},
	{"/intake/", "intake/index.html", "text/html; charset=utf-8", true, false},
	{"/intake/intake.js", "intake/intake.js", "text/javascript; charset=utf-8", false, false},
	{"/intake/hpke.js", "intake/hpke.js", "text/javascript; charset=utf-8", false, false},
	{"/intake/keyfile.js", "intake/keyfile.js", "text/javascript; charset=utf-8", false, false},
	{"/intake/intake.css", "intake/intake.css", "text/css; charset=utf-8", false, false},
	{"/consent/", "consent/index.html", "text/html; charset=utf-8", true, false},
	{"/consent/consent.js", "consent/consent.js", "text/javascript; charset=utf-8", false, false},
	{"/consent/consent.css", "consent/consent.css", "text/css; charset=utf-8", false, false},
	{"/eid/", "eid/index.html", "text/html; charset=utf-8", true, false},
	{"/eid/eid.js", "eid/eid.js", "text/javascript; charset=utf-8", false, false},
	{"/eid/session.js", "eid/session.js", "text/javascript; charset=utf-8", false, false},
	{"/eid/eid.css", "eid/eid.css", "text/css; charset=utf-8", false, false},
	{"/eid/demo.js", "eid/demo.js", "text/javascript; charset=utf-8", false, false},
	{"/eid/demo.css", "eid/demo.css", "text/css; charset=utf-8", false, false},
	{"/boka/", "booking/index.html", "text/html; charset=utf-8", true, false},
	{"/boka/boka.js", "booking/boka.js", "text/javascript; charset=utf-8", false, false},
	{"/boka/common.js", "booking/common.js", "text/javascript; charset=utf-8", false, false},
	{"/boka/booking.css", "booking/booking.css", "text/css; charset=utf-8", false, false},
	{"/boka/medsokande", "booking/medsokande.html", "text/html; charset=utf-8", true, false},
	{"/boka/medsokande.js", "booking/medsokande.js", "text/javascript; charset=utf-8", false, false},
	{"/mina-sidor/", "booking/mina-sidor.html", "text/html; charset=utf-8", true, false},
	{"/mina-sidor/mina-sidor.js", "booking/mina-sidor.js", "text/javascript; charset=utf-8", false, false},
	{"/mina-sidor/mina-sidor.css", "booking/mina-sidor.css", "text/css; charset=utf-8", false, false},
	{"/bokning/", "booking/staff.html", "text/html; charset=utf-8", true, false},
	{"/bokning/staff-booking.js", "booking/staff-booking.js", "text/javascript; charset=utf-8", false, false},
	{"/bokning/staff-booking.css", "booking/staff-booking.css", "text/css; charset=utf-8", false, false},
	{"/admin/", "admin/index.html", "text/html; charset=utf-8", true, false},
	{"/admin/admin.js", "admin/admin.js", "text/javascript; charset=utf-8", false, false},
	{"/admin/admin.css", "admin/admin.css", "text/css; charset=utf-8", false, false},
}

// Every route is tested, and every embedded file has a route.
func TestRoutes_AllListed(t *testing.T) {
	listed := map[string]string{}
	for _, p := range pages {
		listed[p.path] = p.file
	}
	for _, r := range routes {
		if listed[r.path] != r.file {
			t.Errorf("route %s → %s is not in the test's pages", r.path, r.file)
		}
	}
	if len(routes) != len(pages) {
		t.Errorf("%d routes, %d pages in the test", len(routes), len(pages))
	}
	served := map[string]bool{}
	for _, r := range routes {
		served[r.file] = true
	}
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !served[path] {
			t.Errorf("%s is embedded but not served", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHandler_ServesEveryPage(t *testing.T) {
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			t.Parallel()
			res := request(t, http.MethodGet, p.path, nil)
			body := readBody(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			want, err := files.ReadFile(p.file)
			if err != nil {
				t.Fatal(err)
			}
			if body != string(want) {
				t.Fatalf("body differs from %s", p.file)
			}
			if got := res.Header.Get("Content-Type"); got != p.contentType {
				t.Errorf("Content-Type %q, want %q", got, p.contentType)
			}
			sum := sha256.Sum256(want)
			if got, want := res.Header.Get("ETag"), `"`+hex.EncodeToString(sum[:])+`"`; got != want {
				t.Errorf("ETag %q, want %q", got, want)
			}
			for k, v := range map[string]string{
				"Cache-Control":          "no-cache",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			if p.html && csp != CSP {
				t.Errorf("CSP %q, want %q", csp, CSP)
			}
			if !p.html && csp != "" {
				t.Errorf("CSP on a non-HTML response: %q", csp)
			}
			acao, corp := res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Cross-Origin-Resource-Policy")
			if p.crossSite && (acao != "*" || corp != "cross-origin") {
				t.Errorf("cross-site asset: ACAO %q, CORP %q", acao, corp)
			}
			if !p.crossSite && (acao != "" || corp != "same-origin") {
				t.Errorf("same-site asset: ACAO %q, CORP %q", acao, corp)
			}
		})
	}
}

func TestHandler_ETagRevalidation(t *testing.T) {
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			t.Parallel()
			etag := request(t, http.MethodGet, p.path, nil).Header.Get("ETag")
			for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
				res := request(t, http.MethodGet, p.path, map[string]string{"If-None-Match": inm})
				if res.StatusCode != http.StatusNotModified {
					t.Fatalf("If-None-Match %s: status %d, want 304", inm, res.StatusCode)
				}
				if b := readBody(t, res); b != "" {
					t.Fatalf("304 with a body of %d bytes", len(b))
				}
				if res.Header.Get("ETag") != etag {
					t.Fatalf("304 without the ETag")
				}
			}
			res := request(t, http.MethodGet, p.path, map[string]string{"If-None-Match": `"stale"`})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("stale ETag: status %d, want 200", res.StatusCode)
			}
		})
	}
}

func TestHandler_Head(t *testing.T) {
	res := request(t, http.MethodHead, "/widget.js", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if b := readBody(t, res); b != "" {
		t.Fatalf("HEAD returned a body")
	}
	want, _ := files.ReadFile("widget.js")
	if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(want)) {
		t.Fatalf("Content-Length %q, want %d", got, len(want))
	}
}

func TestHandler_NotFound(t *testing.T) {
	for _, path := range []string{
		"/nope", "/index.html", "/widget.js/x", "/console/nope", "/console/index.html",
		"/neutral.html", "/static.go", "/console/../static.go", "/WIDGET.JS",
		"/stats/nope", "/stats/index.html", "/stats/report", "/stats/../static.go",
		"/intake/nope", "/intake/index.html", "/intake/hpke", "/intake/../static.go",
		"/consent/nope", "/consent/index.html", "/consent/withdraw", "/consent/../static.go",
		"/eid/test/", "/eid/test/device.js", "/eid/nope", "/eid/index.html", "/eid/eid.go",
		"/boka/nope", "/boka/index.html", "/boka/medsokande/", "/boka/medsokande.html", "/booking/boka.js",
		"/mina-sidor/nope", "/mina-sidor/mina-sidor.html", "/bokning/nope", "/bokning/staff.html",
		"/admin/nope", "/admin/index.html", "/admin/../static.go", "/admin/users",
	} {
		res := request(t, http.MethodGet, path, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
		if res.Header.Get("Content-Security-Policy") != "" || res.Header.Get("ETag") != "" {
			t.Errorf("%s: 404 carries page headers", path)
		}
	}
}

func TestHandler_PagesWithoutSlashRedirect(t *testing.T) {
	for target, want := range map[string]string{
		"/console":         "/console/",
		"/stats":           "/stats/",
		"/intake":          "/intake/",
		"/consent":         "/consent/",
		"/consent?lang=en": "/consent/?lang=en",
		"/eid":             "/eid/",
		"/boka":            "/boka/",
		"/boka?lang=en":    "/boka/?lang=en",
		"/mina-sidor":      "/mina-sidor/",
		"/bokning":         "/bokning/",
		"/admin":           "/admin/",
		"/admin?lang=en":   "/admin/?lang=en",
		"/stats?from=2025-03-01&to=2026-02-28&period=month": "/stats/?from=2025-03-01&to=2026-02-28&period=month",
	} {
		res := request(t, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
			t.Errorf("%s: status %d, Location %q, want 301 to %q", target, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}

func TestHandler_MethodNotAllowed(t *testing.T) {
	res := request(t, http.MethodPost, "/widget.js", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("status %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

// The CSP forbids inline script, inline handlers and style attributes; the pages
// must not need them.
func TestPages_FitTheCSP(t *testing.T) {
	inlineScript := regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`)
	handler := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	styleAttr := regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`)
	styleTag := regexp.MustCompile(`(?i)<style\b`)
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`)
	for _, p := range pages {
		if !p.html {
			continue
		}
		b, _ := files.ReadFile(p.file)
		s := string(b)
		for name, re := range map[string]*regexp.Regexp{
			"inline script": inlineScript, "event handler attribute": handler,
			"style attribute": styleAttr, "style element": styleTag, "resource from another host": external,
		} {
			if re.MatchString(s) {
				t.Errorf("%s has an %s", p.file, name)
			}
		}
		if !strings.Contains(s, `<html lang="sv">`) {
			t.Errorf("%s lacks lang=\"sv\"", p.file)
		}
	}
}

// A municipality embeds the widget with exactly one tag; the demo page must too.
func TestIndex_EmbedsWidgetWithOneTag(t *testing.T) {
	b, _ := files.ReadFile("index.html")
	s := string(b)
	if n := strings.Count(s, "<script"); n != 1 {
		t.Fatalf("index.html has %d script tags, want 1", n)
	}
	if !strings.Contains(s, `<script src="/widget.js" defer></script>`) {
		t.Fatal("index.html does not embed /widget.js with defer")
	}
	if !strings.Contains(s, `href="/console/"`) {
		t.Fatal("index.html does not link to the console")
	}
}

// The neutral page must not lead back to the chat or run anything.
func TestNeutral_NoScriptsNoLinks(t *testing.T) {
	b, _ := files.ReadFile("neutral.html")
	s := strings.ToLower(string(b))
	if strings.Contains(s, "<script") || strings.Contains(s, "<a ") {
		t.Fatal("neutral.html has a script or a link")
	}
}

// The widget may keep only its resume token, in sessionStorage, and sets no cookie.
func TestWidget_StoresOnlyTheResumeToken(t *testing.T) {
	b, _ := files.ReadFile("widget.js")
	s := string(b)
	for _, banned := range []string{"localStorage", "document.cookie", "indexedDB", "caches."} {
		if strings.Contains(s, banned) {
			t.Errorf("widget.js uses %s", banned)
		}
	}
	if !strings.Contains(s, `'parentline.resume'`) {
		t.Error("widget.js does not use the parentline.resume key")
	}
	uses := regexp.MustCompile(`sessionStorage\.(\w+)\(([^)]*)\)`).FindAllStringSubmatch(s, -1)
	if len(uses) == 0 {
		t.Fatal("widget.js never touches sessionStorage")
	}
	for _, u := range uses {
		if !strings.HasPrefix(u[2], "KEY") {
			t.Errorf("sessionStorage.%s(%s): only KEY may be used", u[1], u[2])
		}
	}
}

// The report page's scripts are modules loaded from our own host, and the page has
// every element its tests and users rely on.
func TestStats_PageHasItsControls(t *testing.T) {
	b, _ := files.ReadFile("stats/index.html")
	s := string(b)
	if !strings.Contains(s, `<script type="module" src="/stats/report.js"></script>`) {
		t.Error("stats/index.html does not load /stats/report.js as a module")
	}
	if !strings.Contains(s, `href="/stats/report.css"`) {
		t.Error("stats/index.html does not link /stats/report.css")
	}
	ids := []string{
		"login-form", "login-username", "login-password", "login-submit", "login-error", "logout", "lang",
		"denied-view", "report-form", "from", "to", "period", "by", "source", "show", "demo-banner",
		"report-status", "topics-table", "flow-table", "waits-table", "heatmap-table", "escalations-table",
	}
	for _, kind := range []string{"topics", "flow", "waits", "heatmap", "escalations"} {
		ids = append(ids, "download-"+kind+"-csv", "download-"+kind+"-json", kind+"-charts", kind+"-error")
	}
	for _, id := range ids {
		if n := strings.Count(s, `id="`+id+`"`); n != 1 {
			t.Errorf("stats/index.html has %d elements with id %q, want 1", n, id)
		}
	}
	for _, v := range []string{"week", "month", "quarter", "year", "topic", "audience", "topic,audience", "live", "demo"} {
		if !strings.Contains(s, `<option value="`+v+`"`) {
			t.Errorf("stats/index.html has no option %q", v)
		}
	}
	for _, f := range []string{"stats/report.js", "stats/charts.js"} {
		js, _ := files.ReadFile(f)
		// The SVG namespace is a name, not a place anything is loaded from.
		code := strings.ReplaceAll(string(js), "'http://www.w3.org/2000/svg'", "")
		if regexp.MustCompile(`(?i)https?://`).MatchString(code) {
			t.Errorf("%s refers to another host", f)
		}
		for _, banned := range []string{"localStorage", "document.cookie", "eval(", "innerHTML", ".style."} {
			if strings.Contains(string(js), banned) {
				t.Errorf("%s uses %s", f, banned)
			}
		}
	}
	js, _ := files.ReadFile("stats/report.js")
	if !strings.Contains(string(js), "from './charts.js'") {
		t.Error("report.js does not import ./charts.js")
	}
}

// Every element report.js looks up by id is on the page.
func TestStats_ScriptFindsItsElements(t *testing.T) {
	page, _ := files.ReadFile("stats/index.html")
	js, _ := files.ReadFile("stats/report.js")
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\('([A-Za-z0-9_-]+)'\)`).FindAllStringSubmatch(string(js), -1) {
		ids[m[1]] = true
	}
	for _, kind := range []string{"topics", "flow", "waits", "heatmap", "escalations"} {
		for _, suffix := range []string{"-section", "-error", "-note", "-charts", "-table", "-caption", "-title"} {
			ids[kind+suffix] = true
		}
	}
	if len(ids) < 30 {
		t.Fatalf("found only %d ids in report.js; has the lookup helper changed?", len(ids))
	}
	for id := range ids {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("report.js uses #%s, which stats/index.html lacks", id)
		}
	}
}

// scriptIDs is every id a page script looks up with $('…').
func scriptIDs(t *testing.T, file string) map[string]bool {
	t.Helper()
	js, err := files.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\$\('([A-Za-z0-9_-]+)'\)`).FindAllStringSubmatch(string(js), -1) {
		ids[m[1]] = true
	}
	return ids
}

// requireIDs fails for every id that is not on the page exactly once.
func requireIDs(t *testing.T, page string, ids []string) {
	t.Helper()
	b, err := files.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if n := strings.Count(string(b), `id="`+id+`"`); n != 1 {
			t.Errorf("%s has %d elements with id %q, want 1", page, n, id)
		}
	}
}

// checkScript: a page script refers to no other host and uses no storage, eval,
// innerHTML or inline styles.
func checkScript(t *testing.T, file string, banned ...string) {
	t.Helper()
	js, err := files.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?i)https?://`).Match(js) {
		t.Errorf("%s refers to another host", file)
	}
	for _, b := range append([]string{"localStorage", "document.cookie", "eval(", "innerHTML", ".style."}, banned...) {
		if strings.Contains(string(js), b) {
			t.Errorf("%s uses %s", file, b)
		}
	}
}

// The console has the concern panel, both paths and the supervisors' approval list,
// and every element console.js looks up.
func TestConsole_ConcernControls(t *testing.T) {
	requireIDs(t, "console/index.html", []string{
		"concern", "concern-panel", "concern-guidance", "consent-form", "consent-summary", "consent-request",
		"consent-status", "consent-error", "report-open", "report-form", "report-what", "report-why",
		"report-identifying", "report-told-yes", "report-told-no", "report-told-not_safe", "report-how",
		"report-submit", "report-status", "report-error", "pending-reports", "pending-list", "case-notices",
	})
	page, _ := files.ReadFile("console/index.html")
	for _, v := range []string{"yes", "no", "not_safe"} {
		if !strings.Contains(string(page), `name="report-told" value="`+v+`"`) {
			t.Errorf("console/index.html has no report-told radio %q", v)
		}
	}
	ids := scriptIDs(t, "console/console.js")
	if len(ids) < 40 {
		t.Fatalf("found only %d ids in console.js; has the lookup helper changed?", len(ids))
	}
	for id := range ids {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("console.js uses #%s, which console/index.html lacks", id)
		}
	}
	js, _ := files.ReadFile("console/console.js")
	for _, want := range []string{"'/api/concern/guidance?lang='", "'/api/reports'", "'/api/reports/pending'",
		"'/approve'", "'/reject'", "'consent_request'", "consent_result(", "case_status(", "approve-report", "reject-report"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("console.js lacks %s", want)
		}
	}
}

// The widget builds the consent dialog with the ids the browser tests use, as a
// labelled modal dialog.
func TestWidget_ConsentDialog(t *testing.T) {
	js, _ := files.ReadFile("widget.js")
	s := string(js)
	for _, id := range []string{"pl-consent", "pl-c-title", "pl-c-name", "pl-c-contact", "pl-c-pnr", "pl-c-child",
		"pl-c-help", "pl-c-accept", "pl-c-decline", "pl-c-receipt", "pl-c-done", "pl-c-error"} {
		if !strings.Contains(s, `'`+id+`'`) {
			t.Errorf("widget.js never creates #%s", id)
		}
	}
	for _, want := range []string{`'aria-modal': 'true'`, `'aria-labelledby': 'pl-c-title'`, "consent_request(f)",
		"consent_receipt(f)", "consent_declined()", "'/consent/'"} {
		if !strings.Contains(s, want) {
			t.Errorf("widget.js lacks %s", want)
		}
	}
}

// The intake view: the console's login ids, the key chooser, the case list and
// view, and a key that is never stored anywhere but a variable.
func TestIntake_PageHasItsControls(t *testing.T) {
	requireIDs(t, "intake/index.html", []string{
		"login-form", "login-username", "login-password", "login-submit", "login-error", "logout", "lang",
		"denied-view", "intake-view", "key-file", "key-status", "key-error", "cases-table", "case-view",
		"case-withdrawn", "status-received", "status-forwarded", "status-closed",
	})
	b, _ := files.ReadFile("intake/index.html")
	s := string(b)
	if !strings.Contains(s, `<script type="module" src="/intake/intake.js"></script>`) {
		t.Error("intake/index.html does not load /intake/intake.js as a module")
	}
	if !strings.Contains(s, `href="/intake/intake.css"`) {
		t.Error("intake/index.html does not link /intake/intake.css")
	}
	if !strings.Contains(s, `id="key-file" type="file" accept=".jwk,application/json"`) {
		t.Error("the key chooser is not a file input for .jwk and JSON")
	}
	for id := range scriptIDs(t, "intake/intake.js") {
		if !strings.Contains(s, `id="`+id+`"`) {
			t.Errorf("intake.js uses #%s, which intake/index.html lacks", id)
		}
	}
	for _, f := range []string{"intake/intake.js", "intake/hpke.js", "intake/keyfile.js"} {
		checkScript(t, f, "sessionStorage", "indexedDB", "caches.", "postMessage", "console.log")
	}
	js, _ := files.ReadFile("intake/intake.js")
	for _, want := range []string{"from './hpke.js'", "from './keyfile.js'", "'parentline case v1 '"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("intake.js lacks %s", want)
		}
	}
	keyfile, _ := files.ReadFile("intake/keyfile.js")
	for _, want := range []string{"FileReader", "importKey('jwk'", "export async function readKeyFile(file)"} {
		if !strings.Contains(string(keyfile), want) {
			t.Errorf("keyfile.js lacks %s", want)
		}
	}
	hpke, _ := files.ReadFile("intake/hpke.js")
	if !strings.Contains(string(hpke), "export async function hpkeOpen(privateKeyJwk, encBytes, ciphertextBytes, infoBytes)") {
		t.Error("hpke.js does not export hpkeOpen(privateKeyJwk, encBytes, ciphertextBytes, infoBytes)")
	}
}

// The administration page: the staff login, the five sections with the controls its
// browser test drives, every element admin.js looks up, labelled fields whose errors
// are named by them, a modal confirmation, and a script that stores nothing and calls
// the APIs of /tmp/admin/CONTRACT.md.
func TestAdmin_PageHasItsControls(t *testing.T) {
	requireIDs(t, "admin/index.html", []string{
		"login-form", "login-username", "login-password", "login-submit", "login-error", "logout", "lang",
		"denied-view", "admin-view", "admin-nav", "announcer", "alert",
		"accounts-section", "accounts-title", "accounts-status", "accounts-table", "account-edit", "account-edit-title",
		"account-edit-self", "edit-form", "edit-name", "edit-roles", "edit-roles-plain", "edit-scope-prefix",
		"edit-scope-value", "edit-scope-add", "edit-save", "edit-toggle", "edit-delete", "edit-action-error",
		"password-form", "password-new", "password-save", "new-form", "new-summary", "new-username", "new-name",
		"new-roles", "new-roles-plain", "new-scoped-list", "new-scope-prefix", "new-scope-value", "new-scope-add",
		"new-password", "new-submit",
		"topics-section", "topics-status", "topics-table", "topic-form", "topic-id", "topic-sv", "topic-en", "topic-add",
		"topic-edit", "topic-edit-form", "topic-edit-sv", "topic-edit-en",
		"canned-section", "canned-status", "canned-lang-sv", "canned-lang-en", "canned-list", "canned-form",
		"canned-title-input", "canned-text", "canned-save",
		"audit-section", "audit-form", "audit-from", "audit-to", "audit-action", "audit-show", "audit-verified",
		"audit-status", "audit-table",
		"delete-dialog", "delete-dialog-title", "delete-dialog-text", "delete-confirm", "delete-cancel",
	})
	b, _ := files.ReadFile("admin/index.html")
	s := string(b)
	if !strings.Contains(s, `<script type="module" src="/admin/admin.js"></script>`) {
		t.Error("admin/index.html does not load /admin/admin.js as a module")
	}
	if !strings.Contains(s, `<dialog id="delete-dialog" class="confirm-dialog" aria-labelledby="delete-dialog-title" aria-describedby="delete-dialog-text">`) {
		t.Error("the delete confirmation is not a labelled <dialog>")
	}
	for _, id := range []string{"accounts", "topics", "hours", "canned", "audit"} {
		if !strings.Contains(s, `<section id="`+id+`-section" class="card" aria-labelledby="`+id+`-title" hidden>`) {
			t.Errorf("#%s-section is not a hidden region named by its heading", id)
		}
		if !strings.Contains(s, `href="#`+id+`-section"`) {
			t.Errorf("the navigation has no link to #%s-section", id)
		}
	}
	for _, fs := range []string{"new-roles", "edit-roles", "canned-lang"} {
		if !regexp.MustCompile(`<fieldset id="` + fs + `"[^>]*>\s*<legend`).MatchString(s) {
			t.Errorf("#%s is not a fieldset with a legend", fs)
		}
	}
	if !strings.Contains(s, `id="announcer" class="sr-only" aria-live="polite"`) {
		t.Error("the page has no polite live region")
	}
	// Every field and error message: a label for each input, each error named by its field.
	for _, m := range regexp.MustCompile(`<(?:input|select|textarea) id="([a-z0-9-]+)"`).FindAllStringSubmatch(s, -1) {
		if m[1] == "canned-lang-sv" || m[1] == "canned-lang-en" || strings.HasPrefix(m[1], "login-") {
			continue
		}
		if !strings.Contains(s, `<label for="`+m[1]+`"`) {
			t.Errorf("#%s has no label", m[1])
		}
		if !strings.Contains(s, `id="`+m[1]+`-error"`) && m[1] != "audit-action" && !strings.HasSuffix(m[1], "-prefix") {
			t.Errorf("#%s has no error message", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`id="([a-z0-9-]+)-error" class="field-error"`).FindAllStringSubmatch(s, -1) {
		if !regexp.MustCompile(`id="` + regexp.QuoteMeta(m[1]) + `"[^>]*aria-describedby="[^"]*\b` + regexp.QuoteMeta(m[1]) + `-error\b`).MatchString(s) {
			t.Errorf("#%s-error is not named by #%s's aria-describedby", m[1], m[1])
		}
	}
	ids := scriptIDs(t, "admin/admin.js")
	if len(ids) < 60 {
		t.Fatalf("found only %d ids in admin.js; has the lookup helper changed?", len(ids))
	}
	for id := range ids {
		if n := strings.Count(s, `id="`+id+`"`); n != 1 {
			t.Errorf("admin.js uses #%s, which admin/index.html has %d times", id, n)
		}
	}
	checkScript(t, "admin/admin.js", "sessionStorage", "indexedDB", "caches.", "postMessage", "console.log")
	js, _ := files.ReadFile("admin/admin.js")
	for _, want := range []string{
		"} from '/staff.js';", "'/api/users'", "'/api/users/roles'", "'/password'", "'/api/topics/all'", "'/api/topics'",
		"'/api/canned?lang='", "'/api/canned'", "'/api/audit?'", "hasRole(me, 'admin')", "hasRole(me, 'supervisor')",
		"showModal()", "'aria-invalid'", "last_admin", "self:", "sv: {", "en: {",
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("admin.js lacks %s", want)
		}
	}
}

// The withdrawal page: the form, the result, the plain note about a mandatory
// report, and a script that stores nothing.
func TestConsent_PageHasItsControls(t *testing.T) {
	requireIDs(t, "consent/index.html", []string{"w-form", "w-reference", "w-code", "w-submit", "w-result", "w-error", "lang", "w-exit"})
	b, _ := files.ReadFile("consent/index.html")
	s := string(b)
	if !strings.Contains(s, `<script type="module" src="/consent/consent.js"></script>`) {
		t.Error("consent/index.html does not load /consent/consent.js as a module")
	}
	if !strings.Contains(s, `id="w-result" class="result" role="status"`) {
		t.Error("#w-result is not a status region")
	}
	if !strings.Contains(s, "En orosanmälan kan inte återkallas. Socialtjänsten måste enligt lag ta emot den.") {
		t.Error("the page does not say that a mandatory report cannot be withdrawn")
	}
	for id := range scriptIDs(t, "consent/consent.js") {
		if !strings.Contains(s, `id="`+id+`"`) {
			t.Errorf("consent.js uses #%s, which consent/index.html lacks", id)
		}
	}
	checkScript(t, "consent/consent.js", "sessionStorage", "indexedDB")
	js, _ := files.ReadFile("consent/consent.js")
	if !strings.Contains(string(js), "'/api/consent/withdraw'") {
		t.Error("consent.js does not post to /api/consent/withdraw")
	}
}

// The staff pages share /staff.css (linked before the page's own style sheet) and
// /staff.js (imported by each page script); every id staff.js looks up is on the
// pages that use its session, and the widget, loaded by other sites, uses neither.
func TestStaff_SharedFiles(t *testing.T) {
	checkScript(t, "staff.js", "sessionStorage", "indexedDB")
	staffIDs := scriptIDs(t, "staff.js")
	if len(staffIDs) < 10 {
		t.Fatalf("found only %d ids in staff.js; has the lookup helper changed?", len(staffIDs))
	}
	for _, p := range []struct {
		dir, css, js string
		session      bool
		lacks        string // an id of staff.js the page does without (it does not call what uses it)
	}{
		{"console", "console.css", "console.js", true, "denied-view"}, // the console shows its own note instead
		{"stats", "report.css", "report.js", true, "announcer"},       // the report does not announce()
		{"intake", "intake.css", "intake.js", true, ""},
		{"admin", "admin.css", "admin.js", true, ""},
		{"consent", "consent.css", "consent.js", false, ""},
	} {
		b, _ := files.ReadFile(p.dir + "/index.html")
		page := string(b)
		shared := strings.Index(page, `<link rel="stylesheet" href="/staff.css">`)
		own := strings.Index(page, `<link rel="stylesheet" href="/`+p.dir+"/"+p.css+`">`)
		if shared < 0 || own < shared {
			t.Errorf("%s/index.html does not link /staff.css before its own %s", p.dir, p.css)
		}
		js, _ := files.ReadFile(p.dir + "/" + p.js)
		if !strings.Contains(string(js), "} from '/staff.js';") {
			t.Errorf("%s/%s does not import /staff.js", p.dir, p.js)
		}
		if !p.session {
			continue
		}
		for id := range staffIDs {
			if id == p.lacks {
				continue
			}
			if !strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("staff.js uses #%s, which %s/index.html lacks", id, p.dir)
			}
		}
	}
	for _, f := range []string{"widget.js", "widget.css", "index.html"} {
		b, _ := files.ReadFile(f)
		if strings.Contains(string(b), "staff.") {
			t.Errorf("%s refers to the staff files; the widget must stand alone", f)
		}
	}
}

// ---- the citizen e-ID files (/eid/) ---------------------------------------------------

// The e-ID scripts and the demo page refer to no other host, build no HTML from
// strings and set no inline style; the demo page has what demo.js looks up.
func TestEID_FilesFitTheCSP(t *testing.T) {
	for _, f := range []string{"eid/eid.js", "eid/session.js", "eid/demo.js"} {
		checkScript(t, f, "sessionStorage", "indexedDB")
	}
	page, _ := files.ReadFile("eid/index.html")
	for _, id := range []string{"lang", "session", "out-view", "in-view", "start", "eid", "in-title"} {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("eid/index.html lacks #%s", id)
		}
	}
	if !strings.Contains(string(page), `<script type="module" src="/eid/demo.js"></script>`) {
		t.Error("eid/index.html does not load /eid/demo.js as a module")
	}
	for f, exports := range map[string][]string{
		"eid/eid.js":     {"export function login(container, opts = {})", "export function sign(container, orderId, opts = {})"},
		"eid/session.js": {"export async function sessionBar(container, opts = {})", "export async function me()", "export async function logout()"},
	} {
		js, _ := files.ReadFile(f)
		for _, e := range exports {
			if !strings.Contains(string(js), e) {
				t.Errorf("%s lacks %s", f, e)
			}
		}
	}
}

// ---- the booking e-service (/boka/, /boka/medsokande, /mina-sidor/, /bokning/) -------------

var bookingPages = []struct {
	page, script, css string
	citizen           bool
}{
	{"booking/index.html", "/boka/boka.js", "/boka/booking.css", true},
	{"booking/medsokande.html", "/boka/medsokande.js", "/boka/booking.css", true},
	{"booking/mina-sidor.html", "/mina-sidor/mina-sidor.js", "/boka/booking.css", true},
	{"booking/staff.html", "/bokning/staff-booking.js", "/bokning/staff-booking.css", false},
}

// fileOf is the embedded file a URL path serves.
func fileOf(t *testing.T, urlPath string) string {
	t.Helper()
	for _, r := range routes {
		if r.path == urlPath {
			return r.file
		}
	}
	t.Fatalf("no route %s", urlPath)
	return ""
}

// Each booking page loads its module and style sheets from here, has every element
// its script looks up, and its script stores nothing and refers to no other host.
func TestBooking_PagesHaveTheirControls(t *testing.T) {
	checkScript(t, "booking/common.js", "sessionStorage", "indexedDB")
	for _, p := range bookingPages {
		b, err := files.ReadFile(p.page)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		if !strings.Contains(page, `<script type="module" src="`+p.script+`"></script>`) {
			t.Errorf("%s does not load %s as a module", p.page, p.script)
		}
		if !strings.Contains(page, `<link rel="stylesheet" href="`+p.css+`">`) {
			t.Errorf("%s does not link %s", p.page, p.css)
		}
		js := fileOf(t, p.script)
		checkScript(t, js, "sessionStorage", "indexedDB")
		ids := scriptIDs(t, js)
		if p.citizen {
			for id := range scriptIDs(t, "booking/common.js") {
				ids[id] = true
			}
			for _, css := range []string{"/site.css", "/eid/eid.css"} {
				if !strings.Contains(page, `<link rel="stylesheet" href="`+css+`">`) {
					t.Errorf("%s does not link %s", p.page, css)
				}
			}
			// Every citizen page: the session bar, the language link, a live region.
			for _, id := range []string{"session", "lang", "announcer", "main", "page-alert"} {
				ids[id] = true
			}
		} else {
			staff, _ := files.ReadFile("staff.js")
			if !strings.Contains(page, `<link rel="stylesheet" href="/staff.css">`) ||
				strings.Index(page, `href="/staff.css"`) > strings.Index(page, `href="`+p.css+`"`) {
				t.Errorf("%s does not link /staff.css before its own style sheet", p.page)
			}
			for _, m := range regexp.MustCompile(`\$\('([A-Za-z0-9_-]+)'\)`).FindAllStringSubmatch(string(staff), -1) {
				ids[m[1]] = true
			}
		}
		if len(ids) < 12 {
			t.Fatalf("found only %d ids for %s; has the lookup helper changed?", len(ids), p.page)
		}
		for id := range ids {
			if n := strings.Count(page, `id="`+id+`"`); n != 1 {
				t.Errorf("%s has %d elements with id %q, which its scripts use", p.page, n, id)
			}
		}
		// Every field's error is named by its field (or group).
		for _, m := range regexp.MustCompile(`id="([a-z0-9-]+)-error" class="field-error"`).FindAllStringSubmatch(page, -1) {
			if !regexp.MustCompile(`aria-describedby="[^"]*\b` + regexp.QuoteMeta(m[1]) + `-error\b`).MatchString(page) {
				t.Errorf("%s: #%s-error is not named by any aria-describedby", p.page, m[1])
			}
		}
	}
	for js, imports := range map[string][]string{
		"booking/boka.js":          {"from '/eid/eid.js'", "from '/boka/common.js'"},
		"booking/medsokande.js":    {"from '/eid/eid.js'", "from '/eid/session.js'", "from '/boka/common.js'"},
		"booking/mina-sidor.js":    {"from '/eid/eid.js'", "from '/boka/common.js'"},
		"booking/common.js":        {"from '/eid/session.js'"},
		"booking/staff-booking.js": {"} from '/staff.js';"},
	} {
		b, _ := files.ReadFile(js)
		for _, want := range imports {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %s", js, want)
			}
		}
	}
}

// The pages say what the seed says: its instructions, the co-applicant's e-mail
// check, the fee, the contact details, the shared-device warning, and call the
// API of /tmp/booking-api.md.
func TestBooking_SeedTextsAndAPI(t *testing.T) {
	for file, wants := range map[string][]string{
		"booking/index.html": {
			"Den här tjänsten kräver inloggning.",
			"Läs hela instruktionen innan du genomför din bokning med tvåpartssignering",
			"Jag har läst instruktionen",
			"Ett enstaka samtal för er som prioriterar en snabbare tid utan möjlighet till återbesök hos den ni träffar.",
			"För er som bestämt er för ett arbete över tid, oftare lite längre väntetid men ni planerar er fortsättning tillsammans med den ni träffar.",
			"Oavsett samtalsform måste bägge signera bokningen med BankID.",
			"Kontrollera att rätt mailadress uppges till medsökande!",
			"Om samma person står som både sökande och medsökande kommer tiden att avbokas av oss och du får boka en ny tid.",
			"”Signera ärende”", "”bekräftelse på att ärendet skickats in”",
			"behöver du ändå betala samtalsavgiften på 200 kronor.",
			`href="tel:+4663144600">063-14 46 00</a>`, `href="mailto:famjamtland@ostersund.se">famjamtland@ostersund.se</a>`,
			"Lagringstid", "30 dagar",
		},
		"booking/boka.js": {
			"'/api/booking/slots?form='", "'/api/booking/sign'", "'/api/booking/book'", "r.status !== 202",
			"co_email: S.co", "S.me.protected", "Tiden är reserverad", "Medsökande har fått ett mejl",
		},
		"booking/medsokande.html": {
			"måste sökande logga ut innan du loggar in", "Logga in med ditt eget BankID", ">Signera ärende<", ">Avböj<",
		},
		"booking/medsokande.js": {
			"'/api/booking/invitation?t='", "'/api/booking/invitation/sign'", "'/api/booking/invitation/cosign'",
			"'/api/booking/invitation/decline'", "'same_person'", "logout()",
		},
		"booking/mina-sidor.js": {
			"'/api/booking/mine'", "'cancel-terms'", "'cancel'", "'rebook-terms?slot='", "'rebook'", "accept_fee",
			"Avbokning senare än 48 timmar före mötet: du behöver ändå betala samtalsavgiften på ${amount} kronor.",
			"'fee_not_accepted'",
		},
		"booking/common.js": {
			"state_awaiting_cosign: 'Väntar på medsökandes signering'", "state_confirmed: 'Bokad'", "state_cancelled: 'Avbokad'",
		},
		"booking/staff-booking.js": {
			"'/api/booking/staff/slots'", "'/api/booking/staff/bookings?'", "'/api/booking/staff/fees?'", "format: 'csv'",
			"state_held: 'Reserverad – väntar på signering'", "hasRole(me, 'booking', 'admin')",
		},
	} {
		b, err := files.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
}

// ---- the e-ID scripts in a browser (headless Chromium, axe) ------------------------------

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

// eidServer is the whole citizen e-ID stack on 127.0.0.1: the site's style
// sheet, the e-ID pages and scripts, the API and the test device. The
// idle time is 2 min 5 s, so the inactivity warning comes after 5 s.
func eidServer(t *testing.T) (*httptest.Server, *offsetClock) {
	clk := &offsetClock{}
	p := testid.New(testid.Options{Now: clk.Now})
	sessions := eid.NewSessions(eid.SessionOptions{Now: clk.Now, Idle: 125 * time.Second})
	svc := eid.NewService(p, sessions, eid.Options{Now: clk.Now})
	mux := http.NewServeMux()
	svc.Register(mux)
	p.Register(mux)
	mux.Handle("GET /", Handler()) // the one file server: /eid/ and the rest
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, clk
}

// approveOnDevice is the developer at the test device: completes the newest
// pending order as the first test person offered.
func approveOnDevice(t *testing.T, b *browsertest.Browser, base string) {
	dev := b.Tab(t)
	dev.Do("open the device page", chromedp.Navigate(base+testid.Path))
	dev.WaitFor("a pending order", browsertest.Visible("form.complete button[type=submit]"))
	// The page then reloads; the login tab's waits say whether it worked.
	dev.Do("approve", chromedp.Click(chromedp.CSS("form.complete button[type=submit]")))
}

func TestEIDBrowser_LoginWarningIdleLogout(t *testing.T) {
	b := browsertest.Start(t)
	srv, clk := eidServer(t)
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

	approveOnDevice(t, b, srv.URL)
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

func TestEIDBrowser_EnglishAndLogoutButton(t *testing.T) {
	b := browsertest.Start(t)
	srv, _ := eidServer(t)
	tab := b.Tab(t)
	tab.Do("open /eid/?lang=en", chromedp.Navigate(srv.URL+"/eid/?lang=en"))
	tab.WaitFor("the English login view", browsertest.Visible("#start")+" && "+browsertest.TextContains("#start", "Log in with BankID"))
	tab.Do("start the login", chromedp.Click(chromedp.CSS("#start")))
	tab.WaitFor("English texts", browsertest.TextContains(".eid-title", "Log in with BankID")+" && "+
		browsertest.TextContains("a.eid-autostart", "Open BankID on this device")+" && "+
		browsertest.TextContains(".eid-test", "TEST – not a real e-ID"))
	tab.WaitFor("an English message", browsertest.TextContains(".eid-msg", "QR code"))
	approveOnDevice(t, b, srv.URL)
	tab.WaitFor("logged in", browsertest.TextContains(".eid-session", "Logged in as Anna Testsson"))
	tab.Axe("logged in (English)")
	tab.Do("log out", chromedp.Click(chromedp.CSS(".eid-session button")))
	tab.WaitFor("logged out", browsertest.TextContains(".eid-loggedout", "You have logged out"))
	if browsertest.Eval[bool](tab, "fetch('/api/eid/me').then(r => r.status === 200)") {
		t.Fatal("/api/eid/me still answers after logout")
	}
}

func TestEIDBrowser_CancelAndDevicePage(t *testing.T) {
	b := browsertest.Start(t)
	srv, _ := eidServer(t)
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

// The administration page's audit filter offers every action the trail
// may hold.
func TestAdmin_AuditFilterKnowsEveryAction(t *testing.T) {
	js, err := files.ReadFile("admin/admin.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit.Actions() {
		if !strings.Contains(string(js), "'"+a+"'") {
			t.Errorf("admin.js does not offer the audit action %q", a)
		}
	}
}

// ---- opening hours (/admin/) and closed days (the widget) -------------------------------

// The opening hours section: a form with the "always" choice, a fieldset per weekday
// (Monday first) with its times, "Stängt" and an add button, the closed days, the save
// button and the line that says where the hours come from; admin.js reads and saves
// them through /api/hours, shows it to supervisors too, builds the rows' fields with
// the ids the browser tests use, and says everything in Swedish and English.
func TestAdmin_HoursSection(t *testing.T) {
	ids := []string{
		"nav-hours-item", "nav-hours", "hours-section", "hours-title", "hours-source", "hours-status", "hours-error",
		"hours-form", "hours-summary", "hours-always", "hours-always-error", "hours-weekly", "hours-weekly-error",
		"hours-closed", "hours-closed-list", "hours-closed-empty", "hours-closed-error", "hours-closed-add", "hours-save",
	}
	days := []string{"Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag"}
	for d := 1; d <= 7; d++ {
		n := strconv.Itoa(d)
		ids = append(ids, "hours-day-"+n, "hours-day-"+n+"-list", "hours-day-"+n+"-closed", "hours-day-"+n+"-error", "hours-day-"+n+"-add")
	}
	requireIDs(t, "admin/index.html", ids)
	b, _ := files.ReadFile("admin/index.html")
	s := string(b)
	// The weekdays in order, each a fieldset named by its legend and described by its error.
	at := 0
	for d, name := range days {
		n := strconv.Itoa(d + 1)
		re := regexp.MustCompile(`<fieldset id="hours-day-` + n + `" class="hours-day" aria-describedby="hours-day-` + n + `-error">\s*<legend data-i18n="day` + n + `">` + name + `</legend>`)
		loc := re.FindStringIndex(s)
		if loc == nil {
			t.Errorf("#hours-day-%s is not a fieldset with the legend %s", n, name)
			continue
		}
		if loc[0] < at {
			t.Errorf("%s comes before the day above it", name)
		}
		at = loc[0]
	}
	for _, fs := range []string{"hours-weekly", "hours-closed"} {
		if !regexp.MustCompile(`<fieldset id="` + fs + `"[^>]*>\s*<legend`).MatchString(s) {
			t.Errorf("#%s is not a fieldset with a legend", fs)
		}
	}
	if !strings.Contains(s, `<form id="hours-form" class="stack-form hours-form" novalidate aria-labelledby="hours-title" hidden>`) {
		t.Error("#hours-form is not a hidden, named form without the browser's own validation")
	}
	if !strings.Contains(s, `<input id="hours-always" type="checkbox"`) || !strings.Contains(s, `<label for="hours-always"`) {
		t.Error("the \"Alltid öppet\" checkbox is missing or has no label")
	}
	// The nav lists the hours between the topics and the canned answers, as the sections come.
	if i, j, k := strings.Index(s, `id="nav-topics"`), strings.Index(s, `id="nav-hours"`), strings.Index(s, `id="nav-canned"`); !(i < j && j < k) {
		t.Error("the navigation does not list the hours between the topics and the canned answers")
	}
	if i, j, k := strings.Index(s, `id="topics-section"`), strings.Index(s, `id="hours-section"`), strings.Index(s, `id="canned-section"`); !(i < j && j < k) {
		t.Error("the hours section is not between the topics and the canned answers")
	}

	jsb, _ := files.ReadFile("admin/admin.js")
	js := string(jsb)
	for _, want := range []string{
		"call('GET', '/api/hours')", "call('PUT', '/api/hours', body)", "hours: true, canned: true",
		"`hours-d${d}-t${i}-${part}`", "`hours-closed-${i}-${part}`", "type: 'time'", "type: 'date'",
		"'aria-describedby': id + '-error'", "showErrors(form, errors, 'field')", "(always|weekly|closed)",
		"(days|from|to|date|note)", "'Öppettiderna är sparade.'", "'The opening hours are saved.'",
		"Från serverns start-inställning (--hours)", "Senast ändrad av ${by}, ${when}.", "'Alltid öppet'", "'Always open'",
		"'Stängt'", "'Lägg till tid'", "'Lägg till stängd dag'", "'hours_changed'",
		"action_hours_changed: 'Öppettider ändrade'", "action_hours_changed: 'Opening hours changed'",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("admin.js lacks %s", want)
		}
	}
	// Every text of the section is in both languages.
	for _, key := range []string{
		"hoursTitle", "hoursIntro", "hoursAlways", "hoursAlwaysHint", "hoursWeekly", "hoursWeeklyHint", "day1", "day7", "dayIn",
		"dayClosed", "intervalLabel", "timeFrom", "timeTo", "intervalAdd", "intervalAddLabel", "hoursRemove",
		"intervalRemoveLabel", "intervalRemoved", "closedTitle", "closedHint", "closedEmpty", "closedRowLabel", "closedDate",
		"closedNote", "closedAdd", "closedRemoveLabel", "closedRemoved", "hoursSave", "hoursSaved", "hoursFailed",
		"hoursSourceFlag", "hoursSourceSaved", "hoursSourceSavedAt", "timeMissing", "timeOrder", "closedDateInvalid",
		"closedDuplicate", "closedNoteTooLong", "closedNoteControl", "closedTooMany",
	} {
		if n := len(regexp.MustCompile(`[\s{,]`+key+`: `).FindAllString(js, -1)); n != 2 {
			t.Errorf("admin.js has the text %s %d times, want 2 (sv and en)", key, n)
		}
	}
}

// hoursAPI is a stand-in for the staff login and GET/PUT /api/hours of package
// chat/schedule, as the contract describes them: it answers 422 with the field paths
// for a closed day in 2099 and for a time from 07:00 (as the server would for rules
// the page does not check itself), and keeps every PUT body.
type hoursAPI struct {
	mu      sync.Mutex
	setting map[string]any
	puts    []map[string]any
}

func (h *hoursAPI) routes(mux *http.ServeMux) {
	me := map[string]any{"username": "sune", "name": "Sune Arbetsledare", "roles": []string{"supervisor"}}
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("s"); err == nil && c.Value == "sune" {
			reply(w, http.StatusOK, me)
			return
		}
		reply(w, http.StatusUnauthorized, map[string]string{"error": "Logga in."})
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "sune", Path: "/", HttpOnly: true})
		reply(w, http.StatusOK, me)
	})
	mux.HandleFunc("GET /api/canned", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, []map[string]string{{"id": "c1", "lang": "sv", "title": "Välkommen", "text": "Hej och välkommen!"}})
	})
	mux.HandleFunc("GET /api/hours", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		reply(w, http.StatusOK, h.setting)
	})
	mux.HandleFunc("PUT /api/hours", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Always bool `json:"always"`
			Weekly []struct {
				Days     []int
				From, To string
			} `json:"weekly"`
			Closed []struct{ Date, Note string } `json:"closed"`
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &in); err != nil {
			reply(w, http.StatusBadRequest, map[string]string{"error": "malformed"})
			return
		}
		var body map[string]any
		json.Unmarshal(raw, &body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.puts = append(h.puts, body)
		en := r.URL.Query().Get("lang") == "en"
		fields := map[string]string{}
		for i, sp := range in.Weekly {
			if sp.From == "07:00" {
				fields["weekly."+strconv.Itoa(i)+".from"] = map[bool]string{false: "Chatten kan inte öppna före 08:00.", true: "The chat cannot open before 08:00."}[en]
			}
		}
		for i, c := range in.Closed {
			if strings.HasPrefix(c.Date, "2099-") {
				fields["closed."+strconv.Itoa(i)+".date"] = map[bool]string{false: "Datumet är mer än två år fram.", true: "The date is more than two years ahead."}[en]
			}
		}
		if len(fields) > 0 {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid", "fields": fields})
			return
		}
		h.setting = map[string]any{"always": in.Always, "weekly": body["weekly"], "closed": body["closed"], "source": "saved",
			"updated_at": "2026-05-14T08:22:00Z", "updated_by": "sune"}
		reply(w, http.StatusOK, h.setting)
	})
}

// lastPut is the newest PUT /api/hours body as JSON, and the number of PUTs.
func (h *hoursAPI) lastPut() (string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.puts) == 0 {
		return "", 0
	}
	b, _ := json.Marshal(h.puts[len(h.puts)-1])
	return string(b), len(h.puts)
}

// The hours form in the browser against a stand-in of the API: a supervisor sees the
// hours (a span over several days spread over their rows, 24:00 as 00:00) beside the
// canned answers; with the keyboard adds a time that it leaves empty, which is refused
// by its fields with the focus on the first; times with the same hours are sent as one
// span, and the server's 422 for that span marks every field of it (one summary line);
// a good save sends the spans and closed days, says so and shows who changed them; in
// English everything follows. Every state passes axe.
func TestAdminBrowser_HoursForm(t *testing.T) {
	b := browsertest.Start(t)
	api := &hoursAPI{setting: map[string]any{
		"always": false, "source": "flag",
		"weekly": []map[string]any{{"days": []int{1, 2, 3, 4, 5}, "from": "09:00", "to": "16:00"}, {"days": []int{6}, "from": "10:00", "to": "24:00"}},
		"closed": []map[string]string{{"date": "2026-12-24", "note": "julafton"}},
	}}
	mux := http.NewServeMux()
	api.routes(mux)
	mux.Handle("GET /", Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	value := func(id, v string) string {
		return "document.getElementById(" + jsString(id) + ")?.value === " + jsString(v)
	}
	invalid := func(id string) string {
		return "document.getElementById(" + jsString(id) + ")?.getAttribute('aria-invalid') === 'true'"
	}
	focused := func(id string) string { return "document.activeElement?.id === " + jsString(id) }

	tab := b.Tab(t)
	tab.Do("the admin page", chromedp.Navigate(srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	tab.Do("log in", chromedp.SendKeys(chromedp.ID("login-username"), "sune"), chromedp.SendKeys(chromedp.ID("login-password"), "x"),
		chromedp.Click(chromedp.ID("login-submit")))
	cond := browsertest.Visible("#hours-form") + " && " + browsertest.Visible("#canned-section") + " && " + browsertest.Visible("#nav-hours") +
		" && !" + browsertest.Visible("#accounts-section") + " && " + browsertest.TextContains("#hours-source", "(--hours)") +
		" && !document.getElementById('hours-always').checked && " + browsertest.Visible("#hours-day-7-closed") +
		" && !" + browsertest.Visible("#hours-day-1-closed") + " && " + value("hours-d6-t0-from", "10:00") + " && " + value("hours-d6-t0-to", "00:00") +
		" && " + value("hours-closed-0-date", "2026-12-24") + " && " + value("hours-closed-0-note", "julafton") + " && !document.getElementById('hours-d1-t1-from')"
	for d := 1; d <= 5; d++ {
		cond += " && " + value("hours-d"+strconv.Itoa(d)+"-t0-from", "09:00") + " && " + value("hours-d"+strconv.Itoa(d)+"-t0-to", "16:00")
	}
	tab.WaitFor("the hours from the flag, each span on its days' rows", cond)
	if got := browsertest.Eval[string](tab, "document.getElementById('hours-d1-t0-to').getAttribute('aria-describedby')"); got != "hours-d1-t0-to-error" {
		t.Errorf("the time field is described by %q", got)
	}
	if got := browsertest.Eval[string](tab, "document.querySelector('label[for=\"hours-d1-t0-from\"]')?.textContent"); got != "Från" {
		t.Errorf("the first time's label: %q", got)
	}
	tab.Axe("hours loaded")

	// With the keyboard: a Sunday time, left empty.
	tab.Do("focus Sunday's add button", chromedp.Focus(chromedp.ID("hours-day-7-add")))
	tab.Keys("\r")
	tab.WaitFor("a new Sunday time, the focus in it", focused("hours-d7-t0-from")+" && !"+browsertest.Visible("#hours-day-7-closed"))
	if got := browsertest.Eval[string](tab, "document.getElementById('hours-day-7-add').getAttribute('aria-label')"); got != "Lägg till tid på söndag" {
		t.Errorf("Sunday's add button is named %q", got)
	}
	tab.Do("save", chromedp.Click(chromedp.ID("hours-save")))
	tab.WaitFor("refused by its fields, the focus on the first", browsertest.TextContains("#hours-d7-t0-from-error", "Fyll i en tid")+
		" && "+invalid("hours-d7-t0-from")+" && "+invalid("hours-d7-t0-to")+" && "+focused("hours-d7-t0-from")+
		" && "+browsertest.Visible("#hours-summary")+" && document.querySelectorAll('#hours-summary li').length === 2")
	tab.Axe("hours: an empty time")
	if _, n := api.lastPut(); n != 0 {
		t.Fatalf("%d PUTs of a form with errors", n)
	}
	tab.Do("remove it", chromedp.Click(chromedp.ID("hours-d7-t0-remove")))
	tab.WaitFor("Sunday closed again, the focus on its add button", browsertest.Visible("#hours-day-7-closed")+" && "+focused("hours-day-7-add")+
		" && !"+browsertest.Visible("#hours-summary")+" && !document.querySelector('#hours-form [aria-invalid]')")

	// Monday and Tuesday from 07:00: one span, refused by the server for both days.
	tab.Do("Monday and Tuesday from 07:00", chromedp.SetValue(chromedp.ID("hours-d1-t0-from"), "07:00"),
		chromedp.SetValue(chromedp.ID("hours-d2-t0-from"), "07:00"), chromedp.Click(chromedp.ID("hours-save")))
	tab.WaitFor("the server's message by both fields, once in the summary", browsertest.TextContains("#hours-d1-t0-from-error", "före 08:00")+
		" && "+browsertest.TextContains("#hours-d2-t0-from-error", "före 08:00")+" && "+invalid("hours-d2-t0-from")+
		" && !document.querySelector('#hours-d3-t0-from[aria-invalid]') && "+focused("hours-d1-t0-from")+
		" && document.querySelectorAll('#hours-summary li').length === 1")
	body, _ := api.lastPut()
	if want := `{"always":false,"closed":[{"date":"2026-12-24","note":"julafton"}],"weekly":[{"days":[1,2],"from":"07:00","to":"16:00"},` +
		`{"days":[3,4,5],"from":"09:00","to":"16:00"},{"days":[6],"from":"10:00","to":"24:00"}]}`; body != want {
		t.Errorf("PUT body\n%s\nwant\n%s", body, want)
	}
	tab.Axe("hours: refused by the server")

	// Back to 09:00, Friday until 12:00, a closed day the server refuses, then removed.
	tab.Do("fix the times", chromedp.SetValue(chromedp.ID("hours-d1-t0-from"), "09:00"), chromedp.SetValue(chromedp.ID("hours-d2-t0-from"), "09:00"),
		chromedp.SetValue(chromedp.ID("hours-d5-t0-to"), "12:00"), chromedp.Click(chromedp.ID("hours-closed-add")))
	tab.WaitFor("a new closed day, the focus in its date", focused("hours-closed-1-date"))
	tab.Do("a closed day in 2099", chromedp.SetValue(chromedp.ID("hours-closed-1-date"), "2099-01-02"), chromedp.Click(chromedp.ID("hours-save")))
	tab.WaitFor("refused by its date", browsertest.TextContains("#hours-closed-1-date-error", "två år")+" && "+focused("hours-closed-1-date")+
		" && !document.querySelector('#hours-d1-t0-from[aria-invalid]')")
	tab.Do("remove it", chromedp.Click(chromedp.ID("hours-closed-1-remove")))
	tab.WaitFor("the focus on the add button", focused("hours-closed-add")+" && !document.getElementById('hours-closed-1-date')")
	tab.Do("save", chromedp.Click(chromedp.ID("hours-save")))
	tab.WaitFor("saved, and said so", browsertest.TextContains("#hours-status", "Öppettiderna är sparade.")+
		" && "+browsertest.TextContains("#hours-source", "Senast ändrad av sune")+" && !"+browsertest.Visible("#hours-summary")+
		" && "+value("hours-d5-t0-to", "12:00")+" && "+value("hours-d6-t0-to", "00:00"))
	body, _ = api.lastPut()
	if want := `{"always":false,"closed":[{"date":"2026-12-24","note":"julafton"}],"weekly":[{"days":[1,2,3,4],"from":"09:00","to":"16:00"},` +
		`{"days":[5],"from":"09:00","to":"12:00"},{"days":[6],"from":"10:00","to":"24:00"}]}`; body != want {
		t.Errorf("PUT body\n%s\nwant\n%s", body, want)
	}
	tab.Axe("hours saved")

	// Always open: the weekdays go, and are not sent.
	tab.Do("always open", chromedp.Click(chromedp.ID("hours-always")))
	tab.WaitFor("no weekdays", "!"+browsertest.Visible("#hours-weekly"))
	tab.Do("English", chromedp.Click(chromedp.ID("lang")))
	tab.WaitFor("the section in English", browsertest.TextContains("#hours-title", "Opening hours")+" && "+browsertest.TextContains("#hours-source", "Last changed by sune")+
		" && "+browsertest.TextContains("#hours-status", "The opening hours are saved.")+" && document.getElementById('hours-always').checked"+
		" && "+browsertest.TextContains("label[for=\"hours-always\"]", "Always open")+" && "+browsertest.TextContains("#hours-closed", "Closed days"))
	tab.Do("save", chromedp.Click(chromedp.ID("hours-save")))
	tab.WaitFor("saved", "!document.getElementById('hours-save').disabled && "+browsertest.TextContains("#hours-status", "The opening hours are saved."))
	body, n := api.lastPut()
	if want := `{"always":true,"closed":[{"date":"2026-12-24","note":"julafton"}],"weekly":[]}`; body != want || n != 4 {
		t.Errorf("PUT %d body %s, want %s", n, body, want)
	}
	tab.Do("back to set hours", chromedp.Click(chromedp.ID("hours-always")))
	tab.WaitFor("the weekdays, in English", browsertest.Visible("#hours-weekly")+" && "+browsertest.TextContains("#hours-day-1", "Monday")+
		" && "+browsertest.TextContains("#hours-day-1", "Closed"))
	tab.Axe("hours in English")
}

// The widget lists the upcoming closed days of /api/status under the opening hours,
// in its language ("Stängt 24 december (julafton)"), and nothing when there are none.
func TestWidget_ClosedDays(t *testing.T) {
	js, _ := files.ReadFile("widget.js")
	if n := strings.Count(string(js), "hoursBlock(s.hours, s.closed_days)"); n != 2 {
		t.Errorf("widget.js passes the closed days to hoursBlock %d times, want 2 (the intro and the queue notice)", n)
	}
	b := browsertest.Start(t)
	var mu sync.Mutex
	closed := `,"closed_days":[{"date":"2026-12-24","note":"julafton"},{"date":"2026-12-31","note":""}]`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"open":false,"staffed":false,"launcher":"always","timezone":"Europe/Stockholm",`+
			`"hours":[{"days":[1,2,3,4,5],"from":"09:00","to":"16:00"}]`+closed+`}`)
	})
	mux.Handle("GET /", Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tab := b.Tab(t)
	open := func() {
		tab.Do("the widget", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("pl-launcher")), chromedp.Click(chromedp.ID("pl-launcher")))
		tab.WaitFor("the closed notice with the hours", browsertest.TextContains("#pl-status", "mån–fre 09:00–16:00"))
	}
	open()
	tab.WaitFor("the closed days under the hours", "[...document.querySelectorAll('#pl-status .pl-closures li')].map(l => l.textContent).join('|') === "+
		jsString("Stängt 24 december (julafton)|Stängt 31 december"))
	tab.Axe("widget: closed days")
	tab.Do("English", chromedp.Click(chromedp.ID("pl-lang")))
	tab.WaitFor("in English", "[...document.querySelectorAll('#pl-status .pl-closures li')].map(l => l.textContent).join('|') === "+
		jsString("Closed 24 December (julafton)|Closed 31 December"))

	for _, c := range []string{`,"closed_days":[]`, ``} {
		mu.Lock()
		closed = c
		mu.Unlock()
		open()
		if browsertest.Eval[bool](tab, "!!document.querySelector('#parentline-widget .pl-closures')") {
			t.Errorf("closed days listed for %q", c)
		}
	}
}
