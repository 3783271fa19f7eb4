package stats

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
)

// statsServer mounts the report handlers the way the server does (without
// the role check, which the server wraps around them).
func statsServer(t *testing.T) (*Reporter, repCounters, *httptest.Server) {
	t.Helper()
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	live := repCounters{}
	for d := repDate(2026, 1, 5); d.Before(repDate(2026, 4, 1)); d = d.AddDate(0, 0, 1) {
		live.chat(d, 20, "young", "1to5", "sleep", "food")
		live.chat(d, 21, "teen", "lt1", "screens")
		if d.Day()%3 == 0 {
			live.chat(d, 9, "teen", "")
		}
	}
	live.add(nameTallies, "2026-02-11|young|separation", 2) // a small cell
	live.add(nameEsc, "2026-01|consented", 9)
	live.add(nameEsc, "2026-01|mandatory", 2) // a small cell
	live.add(nameEsc, "2026-02|consented", 7)
	live.add(nameEsc, "2026-03|mandatory", 6)
	live.add(nameEsc, "2026-03|other", 4) // a kind the reports do not know
	live.write(t, db, "")
	demo := repCounters{}
	for d := repDate(2026, 1, 1); d.Before(repDate(2026, 4, 1)); d = d.AddDate(0, 0, 1) {
		for range 7 {
			demo.chat(d, 19, "young", "gt30", "school")
		}
	}
	demo.add(nameEsc, "2026-02|consented", 30)
	demo.write(t, db, demoPrefix)
	r := mustReporter(t, db, tp, 5)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/stats/topics", r.HandleTopics)
	mux.HandleFunc("GET /api/stats/flow", r.HandleFlow)
	mux.HandleFunc("GET /api/stats/waits", r.HandleWaits)
	mux.HandleFunc("GET /api/stats/heatmap", r.HandleHeatmap)
	mux.HandleFunc("GET /api/stats/escalations", r.HandleEscalations)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return r, live, srv
}

func repGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decodeReport(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return m
}

func TestHandlers_TopicsJSONShape(t *testing.T) {
	_, _, srv := statsServer(t)
	resp, body := repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&period=month&by=topic,audience")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := decodeReport(t, body)
	if got := keysOf(m); !slices.Equal(got, []string{"by", "cells", "from", "k", "period", "source", "to", "totals"}) {
		t.Errorf("report keys %v", got)
	}
	if m["k"] != 5.0 || m["source"] != "live" || m["from"] != "2026-01-01" || m["to"] != "2026-03-31" || m["period"] != "month" || m["by"] != "topic,audience" {
		t.Errorf("header: %v %v %v %v %v %v", m["k"], m["source"], m["from"], m["to"], m["period"], m["by"])
	}
	cells := m["cells"].([]any)
	suppressed := false
	for _, c := range cells {
		cell := c.(map[string]any)
		if got := keysOf(cell); !slices.Equal(got, []string{"audience", "count", "period", "status", "topic"}) {
			t.Fatalf("cell keys %v", got)
		}
		if cell["topic"] == "separation" && cell["period"] == "2026-02" && cell["audience"] == "young" {
			suppressed = true
			if cell["count"] != nil || cell["status"] != "suppressed" {
				t.Errorf("small cell: %v", cell)
			}
		}
	}
	if !suppressed {
		t.Error("the small cell is missing")
	}
	for _, c := range m["totals"].([]any) {
		if got := keysOf(c.(map[string]any)); !slices.Equal(got, []string{"count", "period", "status"}) {
			t.Fatalf("total keys %v", got)
		}
	}
	// A dimension not grouped by is "all".
	_, body = repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&by=topic")
	cell := decodeReport(t, body)["cells"].([]any)[0].(map[string]any)
	if cell["audience"] != "all" || cell["topic"] != "sleep" {
		t.Errorf("by=topic cell: %v", cell)
	}
	_, body = repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&by=audience")
	cell = decodeReport(t, body)["cells"].([]any)[0].(map[string]any)
	if cell["audience"] != "young" || cell["topic"] != "all" {
		t.Errorf("by=audience cell: %v", cell)
	}
}

func TestHandlers_OtherReportsJSONShape(t *testing.T) {
	_, _, srv := statsServer(t)
	for _, c := range []struct {
		path      string
		cellKeys  []string
		perPeriod int
	}{
		{"/api/stats/flow?from=2026-01-01&to=2026-03-31&period=quarter&by=audience", []string{"audience", "count", "event", "period", "status"}, 6},
		{"/api/stats/waits?from=2026-01-01&to=2026-03-31&period=quarter", []string{"audience", "bucket", "count", "period", "status"}, 5},
		{"/api/stats/heatmap?from=2026-01-01&to=2026-03-31", []string{"count", "hour", "period", "status", "weekday"}, 168},
	} {
		resp, body := repGet(t, srv.URL+c.path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
		}
		m := decodeReport(t, body)
		if _, ok := m["totals"]; ok {
			t.Errorf("%s has totals", c.path)
		}
		cells := m["cells"].([]any)
		if len(cells) != c.perPeriod {
			t.Errorf("%s: %d cells, want %d", c.path, len(cells), c.perPeriod)
		}
		for _, x := range cells {
			if got := keysOf(x.(map[string]any)); !slices.Equal(got, c.cellKeys) {
				t.Fatalf("%s: cell keys %v", c.path, got)
			}
		}
		if strings.Contains(c.path, "heatmap") {
			first := cells[0].(map[string]any)
			if first["weekday"] != 1.0 || first["hour"] != 0.0 || first["period"] != "2026-01..2026-03" || m["period"] != "quarter" {
				t.Errorf("heat map: %v, period %v", first, m["period"])
			}
		}
	}
}

func TestHandlers_CSV(t *testing.T) {
	r, _, srv := statsServer(t)
	resp, body := repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&period=month&by=topic&format=csv&lang=en")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="parentline-topics-2026-01-01-2026-03-31.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"period", "topic", "topic_name", "audience", "count", "status"}) {
		t.Errorf("header %v", rows[0])
	}
	rep, err := r.Topics(Query{From: repDate(2026, 1, 1), To: repDate(2026, 3, 31), Period: "month", By: []string{"topic"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(rep.Cells)+len(rep.Totals) {
		t.Fatalf("%d rows for %d cells and %d totals", len(rows), len(rep.Cells), len(rep.Totals))
	}
	for i, c := range rep.Cells {
		want := []string{c.Period, c.Topic, r.topicName(c.Topic, "en"), c.Audience, countText(c.Count), c.Status}
		if !slices.Equal(rows[1+i], want) {
			t.Errorf("row %d %v, want %v", 1+i, rows[1+i], want)
		}
	}
	if rows[1][2] != "Sleep" {
		t.Errorf("English topic name %q", rows[1][2])
	}
	last := rows[len(rows)-1]
	if last[1] != "all" || last[2] != "All topics" || last[3] != "all" || last[0] != "2026-03" {
		t.Errorf("total row %v", last)
	}
	suppressedRow := false
	for _, row := range rows[1:] {
		if row[5] == StatusSuppressed {
			suppressedRow = true
			if row[4] != "" {
				t.Errorf("suppressed row with a count: %v", row)
			}
		}
	}
	if !suppressedRow {
		t.Error("no suppressed row: the small February separation count should be one")
	}

	_, body = repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&format=csv&lang=sv")
	if !strings.Contains(body, "Sömn") || !strings.Contains(body, "Alla ämnen") {
		t.Errorf("Swedish CSV:\n%s", body)
	}
	for _, c := range []struct{ path, header string }{
		{"/api/stats/flow?from=2026-01-01&to=2026-01-31&format=csv", "period,audience,event,count,status"},
		{"/api/stats/waits?from=2026-01-01&to=2026-01-31&format=csv&by=audience", "period,audience,bucket,count,status"},
		{"/api/stats/heatmap?from=2026-01-01&to=2026-01-31&format=csv", "period,weekday,hour,count,status"},
	} {
		resp, body := repGet(t, srv.URL+c.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(body, c.header+"\n") {
			t.Errorf("%s: %d\n%.200s", c.path, resp.StatusCode, body)
		}
	}
	resp, _ = repGet(t, srv.URL+"/api/stats/heatmap?from=2026-01-01&to=2026-01-31&format=csv")
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "parentline-heatmap-2026-01-01-2026-01-31.csv") {
		t.Errorf("heat map file name %q", cd)
	}
}

// TestHandlers_Escalations: cases escalated to social services per period and
// kind, with totals, protected like every other number; CSV; week refused.
func TestHandlers_Escalations(t *testing.T) {
	r, live, srv := statsServer(t)
	resp, body := repGet(t, srv.URL+"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=month")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := decodeReport(t, body)
	if got := keysOf(m); !slices.Equal(got, []string{"cells", "from", "k", "period", "source", "to", "totals"}) {
		t.Errorf("report keys %v", got)
	}
	if m["k"] != 5.0 || m["source"] != "live" || m["from"] != "2026-01-01" || m["to"] != "2026-03-31" || m["period"] != "month" {
		t.Errorf("header: %v %v %v %v %v", m["k"], m["source"], m["from"], m["to"], m["period"])
	}
	tr := &truth{c: live}
	check := func(key string, cell map[string]any) {
		t.Helper()
		v := tr.of(t, key)
		switch cell["status"] {
		case StatusExact:
			if v != 0 || cell["count"] != 0.0 {
				t.Errorf("%s: %v, truth %d", key, cell, v)
			}
		case StatusPerturbed:
			if want := v + noiseFor(r.secret, key, v); cell["count"] != float64(want) || want < 5 {
				t.Errorf("%s: %v, the cell key gives %d", key, cell, want)
			}
		case StatusSuppressed:
			if cell["count"] != nil || v < 1 {
				t.Errorf("%s: %v, truth %d", key, cell, v)
			}
		default:
			t.Errorf("%s: status %v", key, cell["status"])
		}
	}
	cells := m["cells"].([]any)
	var order []string
	for _, c := range cells {
		cell := c.(map[string]any)
		if got := keysOf(cell); !slices.Equal(got, []string{"count", "kind", "period", "status"}) {
			t.Fatalf("cell keys %v", got)
		}
		order = append(order, cell["period"].(string)+"|"+cell["kind"].(string))
		check("escalations|"+cell["period"].(string)+"|kind="+cell["kind"].(string), cell)
	}
	want := []string{"2026-01|consented", "2026-01|mandatory", "2026-02|consented", "2026-02|mandatory", "2026-03|consented", "2026-03|mandatory"}
	if !slices.Equal(order, want) {
		t.Errorf("cells %v, want %v", order, want)
	}
	if small := cells[1].(map[string]any); small["status"] != StatusSuppressed {
		t.Errorf("two mandatory cases in January: %v", small)
	}
	if zero := cells[3].(map[string]any); zero["status"] != StatusExact || zero["count"] != 0.0 {
		t.Errorf("no mandatory cases in February: %v", zero)
	}
	totals := m["totals"].([]any)
	if len(totals) != 3 {
		t.Fatalf("%d totals", len(totals))
	}
	for _, x := range totals {
		total := x.(map[string]any)
		if got := keysOf(total); !slices.Equal(got, []string{"count", "period", "status"}) {
			t.Fatalf("total keys %v", got)
		}
		check("escalations|"+total["period"].(string)+"|kind=all", total)
	}

	// A quarter is the same numbers summed, under its own identity.
	_, body = repGet(t, srv.URL+"/api/stats/escalations?from=2026-02-10&to=2026-02-10&period=quarter")
	m = decodeReport(t, body)
	if m["from"] != "2026-01-01" || m["to"] != "2026-03-31" || m["period"] != "quarter" || len(m["cells"].([]any)) != 2 {
		t.Fatalf("quarter: %s", body)
	}
	check("escalations|2026-Q1|kind=consented", m["cells"].([]any)[0].(map[string]any))
	check("escalations|2026-Q1|kind=all", m["totals"].([]any)[0].(map[string]any))

	// CSV: the cells, then a row per total.
	resp, body = repGet(t, srv.URL+"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=month&format=csv")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="parentline-escalations-2026-01-01-2026-03-31.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Escalations(Query{From: repDate(2026, 1, 1), To: repDate(2026, 3, 31), Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"period", "kind", "count", "status"}) || len(rows) != 1+len(rep.Cells)+len(rep.Totals) {
		t.Fatalf("CSV:\n%s", body)
	}
	for i, c := range rep.Cells {
		if w := []string{c.Period, c.Kind, countText(c.Count), c.Status}; !slices.Equal(rows[1+i], w) {
			t.Errorf("row %d %v, want %v", 1+i, rows[1+i], w)
		}
	}
	for i, tot := range rep.Totals {
		if w := []string{tot.Period, "all", countText(tot.Count), tot.Status}; !slices.Equal(rows[1+len(rep.Cells)+i], w) {
			t.Errorf("total row %v, want %v", rows[1+len(rep.Cells)+i], w)
		}
	}
	if rows[2][2] != "" || rows[2][3] != StatusSuppressed {
		t.Errorf("suppressed row %v", rows[2])
	}

	// Demo data is kept apart.
	resp, body = repGet(t, srv.URL+"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=quarter&source=demo&format=csv")
	if !strings.Contains(resp.Header.Get("Content-Disposition"), "parentline-escalations-demo-2026-01-01-2026-03-31.csv") ||
		!strings.HasPrefix(body, "period,kind,count,status,source\n2026-Q1,consented,") || !strings.Contains(body, "2026-Q1,mandatory,0,exact,demo") {
		t.Errorf("demo: %q\n%s", resp.Header.Get("Content-Disposition"), body)
	}

	// Weeks are refused: the counts are kept per month.
	for _, c := range []struct{ query, has string }{
		{"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=week", "counted per month"},
		{"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=week&format=csv", "counted per month"},
		{"/api/stats/escalations?from=2026-01-01&to=2026-03-31&by=audience", "no by"},
	} {
		resp, body := repGet(t, srv.URL+c.query)
		var e map[string]string
		if resp.StatusCode != 400 || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e["error"], c.has) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", c.query, resp.StatusCode, body, c.has)
		}
	}
}

func TestHandlers_DemoSource(t *testing.T) {
	_, _, srv := statsServer(t)
	_, body := repGet(t, srv.URL+"/api/stats/topics?from=2026-01-01&to=2026-03-31&by=topic&source=demo")
	m := decodeReport(t, body)
	if m["source"] != "demo" {
		t.Errorf("source %v", m["source"])
	}
	for _, c := range m["cells"].([]any) {
		cell := c.(map[string]any)
		// Demo data has only school; live data has no school at all.
		if (cell["topic"] == "school") != (cell["status"] != "exact") {
			t.Errorf("demo cell %v", cell)
		}
	}
	_, body = repGet(t, srv.URL+"/api/stats/flow?from=2026-01-01&to=2026-03-31&by=audience&source=demo")
	for _, c := range decodeReport(t, body)["cells"].([]any) {
		cell := c.(map[string]any)
		nonzero := cell["status"] != "exact"
		if want := cell["audience"] == "young" && cell["event"] != "abandoned"; nonzero != want {
			t.Errorf("demo flow cell %v", cell)
		}
	}
	resp, body := repGet(t, srv.URL+"/api/stats/waits?from=2026-01-01&to=2026-03-31&source=demo&format=csv")
	if !strings.Contains(resp.Header.Get("Content-Disposition"), "parentline-waits-demo-2026-01-01-2026-03-31.csv") {
		t.Errorf("demo file name %q", resp.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"period", "audience", "bucket", "count", "status", "source"}) {
		t.Errorf("demo header %v", rows[0])
	}
	for _, row := range rows[1:] {
		if row[5] != "demo" {
			t.Fatalf("demo row %v", row)
		}
		if row[2] == "gt30" && row[4] == "" {
			t.Errorf("demo gt30 %v", row)
		}
	}
	// Live data is not marked.
	_, body = repGet(t, srv.URL+"/api/stats/waits?from=2026-01-01&to=2026-03-31&format=csv")
	if strings.Contains(body, "source") || strings.Contains(body, "demo") {
		t.Errorf("live CSV mentions demo:\n%.300s", body)
	}
}

func TestHandlers_BadParams(t *testing.T) {
	_, _, srv := statsServer(t)
	for _, c := range []struct{ query, has string }{
		{"/api/stats/topics?from=2026-13-01&to=2026-12-31", "from must be a date YYYY-MM-DD"},
		{"/api/stats/topics?from=2026-01-01&to=31.12.2026", "to must be a date YYYY-MM-DD"},
		{"/api/stats/topics?from=2026-02-01&to=2026-01-31", "after"},
		{"/api/stats/topics?from=2010-01-01&to=2026-01-01", "at most 10 years"},
		{"/api/stats/topics?from=2026-01-01&to=2026-12-31&period=day", "period must be week, month, quarter or year"},
		{"/api/stats/topics?from=2026-01-01&to=2026-12-31&by=event", "by must be topic, audience or topic,audience"},
		{"/api/stats/topics?from=2026-01-01&to=2026-12-31&by=topic,", "by must be"},
		{"/api/stats/flow?from=2026-01-01&to=2026-12-31&by=topic", "by must be all or audience"},
		{"/api/stats/waits?from=2026-01-01&to=2026-12-31&source=test", "source must be live or demo"},
		{"/api/stats/heatmap?from=2026-01-01&to=2026-12-31&format=xml", "format must be json or csv"},
		{"/api/stats/heatmap?from=2026-01-01&to=2026-12-31&by=audience", "heat map has no by"},
	} {
		resp, body := repGet(t, srv.URL+c.query)
		var e map[string]string
		if resp.StatusCode != 400 || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e["error"], c.has) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", c.query, resp.StatusCode, body, c.has)
		}
	}
}

func TestHandlers_Defaults(t *testing.T) {
	_, _, srv := statsServer(t) // the clock says 2026-06-15
	_, body := repGet(t, srv.URL+"/api/stats/topics")
	m := decodeReport(t, body)
	if m["from"] != "2026-01-01" || m["to"] != "2026-06-30" || m["period"] != "month" || m["by"] != "topic" || m["source"] != "live" {
		t.Errorf("defaults: %v %v %v %v %v", m["from"], m["to"], m["period"], m["by"], m["source"])
	}
	_, body = repGet(t, srv.URL+"/api/stats/flow?from=2026-02-01&to=2026-02-01")
	if m := decodeReport(t, body); m["by"] != "all" {
		t.Errorf("flow default by %v", m["by"])
	}
	// A heat map across two years covers the later one.
	_, body = repGet(t, srv.URL+"/api/stats/heatmap?from=2025-06-01&to=2026-02-10")
	if m := decodeReport(t, body); m["from"] != "2026-01-01" || m["to"] != "2026-12-31" || m["period"] != "year" {
		t.Errorf("heat map across years: %v..%v %v", m["from"], m["to"], m["period"])
	}
}

// TestHandlers_Concurrent: reports run side by side give the same answers
// (run with -race).
func TestHandlers_Concurrent(t *testing.T) {
	_, _, srv := statsServer(t)
	paths := []string{
		"/api/stats/topics?from=2026-01-01&to=2026-03-31&period=week&by=topic,audience",
		"/api/stats/flow?from=2026-01-01&to=2026-03-31&period=month&by=audience",
		"/api/stats/waits?from=2026-01-01&to=2026-03-31&period=quarter",
		"/api/stats/heatmap?from=2026-01-01&to=2026-03-31",
		"/api/stats/escalations?from=2026-01-01&to=2026-03-31&period=month",
	}
	want := make([]string, len(paths))
	for i, p := range paths {
		_, want[i] = repGet(t, srv.URL+p)
	}
	done := make(chan string, 32)
	for g := range 8 {
		go func() {
			for i := range paths {
				p := paths[(g+i)%len(paths)]
				resp, err := http.Get(srv.URL + p)
				if err != nil {
					done <- err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != want[(g+i)%len(paths)] {
					done <- "different answer for " + p
					continue
				}
				done <- ""
			}
		}()
	}
	for range 8 * len(paths) {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
