package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "parentline/internal/browsertest"
)

// TestStats_ReportsFromClosedChats: chats closed through the real server show
// up in the statistician's report, protected, and only statisticians and
// admins may read it.
func TestStats_ReportsFromClosedChats(t *testing.T) {
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor,supervisor", staffPassword)
	addUser(t, data, "stina", "Stina", "statistician", staffPassword)
	ts := startServer(t, data)

	co := dialWS(t, ts.base, "/ws/counselor", nil, login(t, ts.base, "anna", staffPassword).Jar)
	co.next("ready")
	for i := range 12 {
		p := dialWS(t, ts.base, "/ws/parent", nil, nil)
		audience := []string{"young", "teen"}[i%2]
		p.send(map[string]any{"type": "hello", "audience": audience})
		p.next("welcome")
		co.send(map[string]any{"type": "accept"})
		id := co.next("chat_started")["chat"]
		co.send(map[string]any{"type": "close", "chat": id, "topics": []string{"sleep"}})
		co.next("chat_ended")
		p.ws.CloseNow()
	}

	stina := login(t, ts.base, "stina", staffPassword)
	get := func(c *http.Client, path string) (int, []byte) {
		t.Helper()
		resp, err := c.Get(ts.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	from, to := time.Now().AddDate(-1, 0, 0).Format(time.DateOnly), time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	q := "/api/stats/topics?from=" + from + "&to=" + to + "&period=year&by=topic"
	if code, _ := get(login(t, ts.base, "anna", staffPassword), q); code != 403 {
		t.Fatalf("a counsellor reading statistics: %d", code)
	}
	if code, _ := get(&http.Client{}, q); code != 401 {
		t.Fatalf("anonymous reading statistics: %d", code)
	}
	code, body := get(stina, q)
	if code != 200 {
		t.Fatalf("statistician: %d %s", code, body)
	}
	var rep struct {
		K     int `json:"k"`
		Cells []struct {
			Period, Topic, Audience, Status string
			Count                           *int
		} `json:"cells"`
		Totals []struct {
			Period, Status string
			Count          *int
		} `json:"totals"`
	}
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.K != 5 {
		t.Fatalf("k = %d", rep.K)
	}
	found := false
	for _, c := range rep.Cells {
		if c.Topic == "sleep" && c.Audience == "all" && c.Period == time.Now().Format("2006") {
			found = true
			if c.Count == nil || *c.Count < 10 || *c.Count > 14 || c.Status != "perturbed" {
				t.Fatalf("12 sleep chats published as %v (%s); want 12±2, perturbed", c.Count, c.Status)
			}
		}
		if c.Topic == "food" && c.Period == time.Now().Format("2006") && (c.Count == nil || *c.Count != 0 || c.Status != "exact") {
			t.Fatalf("a topic nobody chose must be an exact 0: %+v", c)
		}
	}
	if !found {
		t.Fatalf("no sleep cell in %s", body)
	}

	code, body = get(stina, q+"&format=csv")
	if code != 200 {
		t.Fatalf("csv: %d", code)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 || !strings.Contains(strings.Join(rows[0], ","), "status") {
		t.Fatalf("csv: %v %q", err, body)
	}

	// The flow of the queue was tallied too.
	code, body = get(stina, "/api/stats/flow?from="+from+"&to="+to+"&period=year&by=all")
	if code != 200 || !bytes.Contains(body, []byte(`"event":"answered"`)) {
		t.Fatalf("flow: %d %s", code, body)
	}
}

// TestBrowser_StatsPage: a statistician logs in, reads the demo reports as
// tables and charts, downloads CSV, and the page passes axe on a desktop and
// a phone.
func TestBrowser_StatsPage(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "stina", "Stina", "statistician", staffPassword)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"stats", "seed-demo", "--data", data}, noEnv, nil, &out, &errOut); code != 0 {
		t.Fatalf("seed-demo: %d %s", code, errOut.String())
	}
	ts := startServer(t, data)

	tab := browser.Tab(t)
	tab.Do("login page", chromedp.Navigate(ts.base+"/stats/"), chromedp.WaitVisible(chromedp.ID("login-username")))
	tab.Axe("stats login")
	tab.Do("log in",
		chromedp.SendKeys(chromedp.ID("login-username"), "stina"),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("report-form")),
	)
	tab.Do("demo data by month", chromedp.SetValue(chromedp.ID("source"), "demo"), chromedp.Click(chromedp.ID("show")))
	tab.WaitFor("the demo banner", bt.Visible("#demo-banner"))
	for _, table := range []string{"#topics-table", "#flow-table", "#waits-table", "#heatmap-table", "#escalations-table"} {
		tab.WaitFor(table+" filled", "document.querySelectorAll('"+table+" tbody tr').length > 0")
	}
	tab.WaitFor("charts drawn", "document.querySelectorAll('svg[role=\"img\"]').length >= 4")
	tab.Axe("stats report (demo data)")
	tab.FullScreenshot("stats-desktop")

	csvText := bt.Eval[string](tab, "fetch('/api/stats/topics' + location.search.replace(/^\\?/, '?') + (location.search ? '&' : '?') + 'format=csv').then(r => r.text())")
	if !strings.Contains(csvText, "status") {
		t.Fatalf("CSV of what is shown: %.200q", csvText)
	}

	tab.Viewport(390, 844, true)
	tab.Do("reload on a phone", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("report-form")))
	tab.WaitFor("tables filled", "document.querySelectorAll('#topics-table tbody tr').length > 0")
	if w := bt.Eval[float64](tab, "document.documentElement.scrollWidth - innerWidth"); w > 1 {
		t.Errorf("the report page scrolls sideways by %vpx on a phone", w)
	}
	tab.Axe("stats report on a phone")
	tab.FullScreenshot("stats-phone")
}
