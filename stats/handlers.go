package stats

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"parentline/internal/web"
)

// reportZone is the calendar "today" is taken in for default ranges.
var reportZone = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return loc
	}
	return time.UTC
}()

// allTopicsName names the total row of a topics CSV.
var allTopicsName = map[string]string{"sv": "Alla ämnen", "en": "All topics"}

// HandleTopics serves GET /api/stats/topics.
func (r *Reporter) HandleTopics(w http.ResponseWriter, req *http.Request) {
	r.serve(w, req, r.Topics)
}

// HandleFlow serves GET /api/stats/flow.
func (r *Reporter) HandleFlow(w http.ResponseWriter, req *http.Request) {
	r.serve(w, req, r.Flow)
}

// HandleWaits serves GET /api/stats/waits.
func (r *Reporter) HandleWaits(w http.ResponseWriter, req *http.Request) {
	r.serve(w, req, r.Waits)
}

// HandleHeatmap serves GET /api/stats/heatmap.
func (r *Reporter) HandleHeatmap(w http.ResponseWriter, req *http.Request) {
	r.serve(w, req, r.Heatmap)
}

// HandleEscalations serves GET /api/stats/escalations.
func (r *Reporter) HandleEscalations(w http.ResponseWriter, req *http.Request) {
	r.serve(w, req, r.Escalations)
}

// serve reads the query (from, to, period, by, source, format, lang), runs the
// report and writes it as JSON or CSV. The caller checks the role.
func (r *Reporter) serve(w http.ResponseWriter, req *http.Request, report func(Query) (Report, error)) {
	q, format, err := r.parseQuery(req)
	if err != nil {
		web.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	rep, err := report(q)
	if err != nil {
		var qe *QueryError
		if errors.As(err, &qe) {
			web.Error(w, http.StatusBadRequest, qe.Msg)
			return
		}
		zerolog.Ctx(req.Context()).Error().Err(err).Msg("statistics report failed")
		web.Error(w, http.StatusInternalServerError, "internal error")
		return
	}
	if format == "csv" {
		r.writeCSV(w, rep, web.Lang(req))
		return
	}
	web.JSON(w, http.StatusOK, rep)
}

// parseQuery reads the URL query. from and to default to the start of this
// year and today (Europe/Stockholm).
func (r *Reporter) parseQuery(req *http.Request) (Query, string, error) {
	v := req.URL.Query()
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	today := dateOf(now().In(reportZone))
	q := Query{
		From:   time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC),
		To:     today,
		Period: v.Get("period"),
		Source: v.Get("source"),
	}
	for _, name := range []string{"from", "to"} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return q, "", &QueryError{Msg: name + " must be a date YYYY-MM-DD, not " + strconv.Quote(s)}
		}
		if name == "from" {
			q.From = d
		} else {
			q.To = d
		}
	}
	if s := v.Get("by"); s != "" {
		for _, part := range strings.Split(s, ",") {
			q.By = append(q.By, strings.TrimSpace(part))
		}
	}
	format := v.Get("format")
	switch format {
	case "", "json":
		format = "json"
	case "csv":
	default:
		return q, "", &QueryError{Msg: "format must be json or csv, not " + strconv.Quote(format)}
	}
	return q, format, nil
}

// CSVFilename is the download name of a report: parentline-topics-2026-01-01-2026-12-31.csv
// (with "-demo" after the report name for demo data).
func CSVFilename(rep Report) string {
	name := "parentline-" + rep.kind
	if rep.Source == SourceDemo {
		name += "-demo"
	}
	return name + "-" + rep.From + "-" + rep.To + ".csv"
}

// writeCSV writes the report's numbers as plain CSV: a header row, then one
// row per cell (and per total, for topics and escalations), each with its status; an empty
// count is a suppressed one. Demo data gets a "source" column saying demo.
func (r *Reporter) writeCSV(w http.ResponseWriter, rep Report, lang string) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="`+CSVFilename(rep)+`"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	demo := rep.Source == SourceDemo
	write := func(rec ...string) {
		if demo {
			rec = append(rec, SourceDemo)
		}
		_ = cw.Write(rec)
	}
	var header []string
	switch rep.kind {
	case "topics":
		header = []string{"period", "topic", "topic_name", "audience", "count", "status"}
	case "flow":
		header = []string{"period", "audience", "event", "count", "status"}
	case "waits":
		header = []string{"period", "audience", "bucket", "count", "status"}
	case "escalations":
		header = []string{"period", "kind", "count", "status"}
	default:
		header = []string{"period", "weekday", "hour", "count", "status"}
	}
	if demo {
		header = append(header, "source")
	}
	_ = cw.Write(header)
	for _, c := range rep.Cells {
		switch rep.kind {
		case "topics":
			write(c.Period, c.Topic, csvSafe(r.topicName(c.Topic, lang)), c.Audience, countText(c.Count), c.Status)
		case "flow":
			write(c.Period, c.Audience, c.Event, countText(c.Count), c.Status)
		case "waits":
			write(c.Period, c.Audience, c.Bucket, countText(c.Count), c.Status)
		case "escalations":
			write(c.Period, c.Kind, countText(c.Count), c.Status)
		default:
			hour := ""
			if c.Hour != nil {
				hour = strconv.Itoa(*c.Hour)
			}
			write(c.Period, strconv.Itoa(c.Weekday), hour, countText(c.Count), c.Status)
		}
	}
	for _, t := range rep.Totals {
		if rep.kind == "escalations" {
			write(t.Period, dimAll, countText(t.Count), t.Status)
			continue
		}
		write(t.Period, dimAll, csvSafe(r.topicName(dimAll, lang)), dimAll, countText(t.Count), t.Status)
	}
	cw.Flush()
}

func countText(c *int64) string {
	if c == nil {
		return ""
	}
	return strconv.FormatInt(*c, 10)
}

// topicName is the label of a topic in lang (Swedish when missing), or its id.
func (r *Reporter) topicName(id, lang string) string {
	if id == dimAll {
		if s, ok := allTopicsName[lang]; ok {
			return s
		}
		return allTopicsName["sv"]
	}
	if r.topics != nil {
		if tp, ok := r.topics.Get(id); ok {
			if l, ok := tp.Labels[lang]; ok {
				return l
			}
			if l, ok := tp.Labels["sv"]; ok {
				return l
			}
		}
	}
	return id
}

// csvSafe keeps a spreadsheet from reading a label as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
