package stats

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Defaults and limits of k, the smallest count a report may show.
const (
	DefaultK = 5
	MinK     = 2
)

// Sources of report data.
const (
	SourceLive = "live"
	SourceDemo = "demo"
)

// The counter buckets this file reads (docs/protocol.md, "What is stored").
// Demo data has the same layout in buckets named with the prefix "demo_".
const (
	nameTallies = "tallies"
	nameFlow    = "tally_flow"
	nameWaits   = "tally_waits"
	nameHours   = "tally_hours"
	nameEsc     = "tally_escalations" // written by the consent module
	demoPrefix  = "demo_"
)

// Fixed dimension values.
var (
	reportAudiences = []string{"young", "teen"} // others found in the data follow, by id
	flowEvents      = []string{"queued", "answered", "abandoned"}
	waitBucketIDs   = []string{"lt1", "1to5", "5to15", "15to30", "gt30"}
	escalationKinds = []string{"consented", "mandatory"}
)

const (
	evQueued = iota
	evAnswered
	evAbandoned
)

// dimAll names a summed dimension.
const dimAll = "all"

// heatCells is the number of hours in a week.
const heatCells = 7 * 24

// Reporter answers the statistics reports over the counters in bbolt. It is
// safe for concurrent use once made; K and Now may be set before first use.
type Reporter struct {
	K   int              // smallest count shown; smaller perturbed values are suppressed
	Now func() time.Time // the clock, for default ranges

	db     *bolt.DB
	topics *Topics
	secret []byte
	mode   protectMode // tests only
}

// NewReporter makes a Reporter with k (0 means DefaultK), loading the
// cell-key secret from bbolt or creating it on first use. topics may be nil:
// reports then name only the topics found in the data.
func NewReporter(db *bolt.DB, topics *Topics, k int) (*Reporter, error) {
	if k == 0 {
		k = DefaultK
	}
	if k < MinK {
		return nil, fmt.Errorf("stats: k must be at least %d, got %d", MinK, k)
	}
	secret, err := loadOrCreateSecret(db)
	if err != nil {
		return nil, err
	}
	return &Reporter{K: k, Now: time.Now, db: db, topics: topics, secret: secret}, nil
}

// Query asks for one report. From and To are calendar dates (their date in
// their own location counts); they are widened to whole periods.
type Query struct {
	From, To time.Time
	Period   string   // week, month, quarter or year; "" means month
	By       []string // topics: topic and/or audience; flow and waits: all or audience; escalations: none
	Source   string   // live or demo; "" means live
}

// Cell is one published number of a report.
type Cell struct {
	Period   string `json:"period"`
	Topic    string `json:"topic,omitempty"`
	Audience string `json:"audience,omitempty"`
	Event    string `json:"event,omitempty"`
	Bucket   string `json:"bucket,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Weekday  int    `json:"weekday,omitempty"`
	Hour     *int   `json:"hour,omitempty"`
	Count    *int64 `json:"count"`
	Status   string `json:"status"`
}

// Total is the published total of one period.
type Total struct {
	Period string `json:"period"`
	Count  *int64 `json:"count"`
	Status string `json:"status"`
}

// Report is the answer to a Query, in the JSON shape of docs/protocol.md.
type Report struct {
	K      int     `json:"k"`
	Source string  `json:"source"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	Period string  `json:"period"`
	By     string  `json:"by,omitempty"`
	Cells  []Cell  `json:"cells"`
	Totals []Total `json:"totals,omitempty"`

	kind string // topics, flow, waits, heatmap or escalations: for CSV
}

// QueryError is a query the reports cannot answer; its message is fit to
// show to the statistician.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

func badQuery(format string, args ...any) error {
	return &QueryError{Msg: fmt.Sprintf(format, args...)}
}

// measure is what a number counts.
type measure uint8

const (
	mTopics measure = iota
	mFlow
	mWaits
	mHeat
	mEsc
)

var measureNames = [...]string{"topics", "flow", "waits", "hours", "escalations"}

// node is one number a report may publish. For the heat map pi..pj are the
// months of the range and d is (weekday-1)*24+hour; otherwise pt and pi are
// the period, a the audience and d the topic, event or bucket, where a == nA
// or d == nD means "all". Escalations have no audience (a is always 0, which
// is nA) and d is the kind; they are kept per month, so they have no weeks.
type node struct {
	m  measure
	pt periodType
	a  uint16
	d  uint16
	pi int32
	pj int32
}

// countTable holds the counts of one measure for every period of the window and
// every combination of audience (or all) and second dimension (or all).
type countTable struct {
	nA, nD int
	vals   [numPeriodTypes][]int64
}

func newTable(w *window, nA, nD int) *countTable {
	t := &countTable{nA: nA, nD: nD}
	for pt := ptWeek; pt <= w.top; pt++ {
		t.vals[pt] = make([]int64, len(w.periods[pt])*(nA+1)*(nD+1))
	}
	return t
}

func (t *countTable) at(pt periodType, pi int32, a, d int) int {
	return (int(pi)*(t.nA+1)+a)*(t.nD+1) + d
}

// add counts n on one day, in every period holding it, under the day's own
// audience and value and under "all".
func (t *countTable) add(w *window, day, a, d int, n int64) {
	off := day - w.from
	for pt := ptWeek; pt <= w.top; pt++ {
		pi := w.dayIdx[off][pt]
		if pi < 0 {
			continue
		}
		vals := t.vals[pt]
		vals[t.at(pt, pi, a, d)] += n
		vals[t.at(pt, pi, t.nA, d)] += n
		vals[t.at(pt, pi, a, t.nD)] += n
		vals[t.at(pt, pi, t.nA, t.nD)] += n
	}
}

// addMonth counts n in the month starting on day, in every period holding it,
// under kind d and under "all". The table has no audiences (nA is 0).
func (t *countTable) addMonth(w *window, day, d int, n int64) {
	for pt := ptMonth; pt <= w.top; pt++ {
		pi := w.index(pt, day)
		if pi < 0 {
			continue
		}
		vals := t.vals[pt]
		vals[t.at(pt, pi, 0, d)] += n
		vals[t.at(pt, pi, 0, t.nD)] += n
	}
}

// dataset is what one report reads: the true counts over its window.
type dataset struct {
	w         *window
	audiences []string
	topicIDs  []string
	topics    *countTable // nil unless read
	flow      *countTable
	waits     *countTable
	esc       *countTable
	heat      []int64 // prefix sums per cell over the window's months; nil unless read
	months    int
}

func (ds *dataset) table(m measure) *countTable {
	switch m {
	case mTopics:
		return ds.topics
	case mFlow:
		return ds.flow
	case mEsc:
		return ds.esc
	default:
		return ds.waits
	}
}

// value is the true count of n.
func (ds *dataset) value(n node) int64 {
	if n.m == mHeat {
		row := int(n.d) * (ds.months + 1)
		return ds.heat[row+int(n.pj)+1] - ds.heat[row+int(n.pi)]
	}
	t := ds.table(n.m)
	return t.vals[n.pt][t.at(n.pt, n.pi, int(n.a), int(n.d))]
}

// appendIdentity writes the canonical name of n: the measure, the period and
// every dimension (with "all" where summed) in a fixed order. It names what
// the number is, whichever report shows it.
func (ds *dataset) appendIdentity(b []byte, n node) []byte {
	b = append(b, measureNames[n.m]...)
	b = append(b, '|')
	if n.m == mHeat {
		months := ds.w.periods[ptMonth]
		b = append(b, months[n.pi].label...)
		b = append(b, ".."...)
		b = append(b, months[n.pj].label...)
		b = append(b, "|weekday="...)
		b = strconv.AppendInt(b, int64(n.d/24+1), 10)
		b = append(b, "|hour="...)
		return strconv.AppendInt(b, int64(n.d%24), 10)
	}
	t := ds.table(n.m)
	b = append(b, ds.w.periods[n.pt][n.pi].label...)
	if n.m == mEsc {
		b = append(b, "|kind="...)
		if int(n.d) == t.nD {
			return append(b, dimAll...)
		}
		return append(b, escalationKinds[n.d]...)
	}
	b = append(b, "|audience="...)
	if int(n.a) == t.nA {
		b = append(b, dimAll...)
	} else {
		b = append(b, ds.audiences[n.a]...)
	}
	var name string
	switch n.m {
	case mTopics:
		b = append(b, "|topic="...)
		if int(n.d) == t.nD {
			name = dimAll
		} else {
			name = ds.topicIDs[n.d]
		}
	case mFlow:
		b = append(b, "|event="...)
		name = flowEvents[n.d]
	default:
		b = append(b, "|bucket="...)
		if int(n.d) == t.nD {
			name = dimAll
		} else {
			name = waitBucketIDs[n.d]
		}
	}
	return append(b, name...)
}

// splits calls fn with each set of published numbers that adds up exactly to
// n (relations with a non-zero rest are left out: their rest is not on its
// lower bound, so they pin nothing), until fn returns true; it reports
// whether fn did. Each set is a fresh slice.
func (ds *dataset) splits(n node, fn func(parts []node) bool) bool {
	v := ds.value(n)
	try := func(parts []node) bool {
		var sum int64
		for _, c := range parts {
			sum += ds.value(c)
		}
		return sum == v && fn(parts)
	}
	if n.m == mHeat {
		// A year of the heat map is its quarters, a quarter its months.
		var step int32
		switch n.pj - n.pi + 1 {
		case 12:
			step = 3
		case 3:
			step = 1
		default:
			return false
		}
		var parts []node
		for s := n.pi; s <= n.pj; s += step {
			c := n
			c.pi, c.pj = s, s+step-1
			parts = append(parts, c)
		}
		return try(parts)
	}
	t := ds.table(n.m)
	// Audiences.
	if int(n.a) == t.nA && t.nA > 0 {
		parts := make([]node, t.nA)
		for a := range parts {
			parts[a] = n
			parts[a].a = uint16(a)
		}
		if try(parts) {
			return true
		}
	}
	// Topics, and the kinds of escalation.
	if (n.m == mTopics || n.m == mEsc) && int(n.d) == t.nD && t.nD > 0 {
		parts := make([]node, t.nD)
		for d := range parts {
			parts[d] = n
			parts[d].d = uint16(d)
		}
		if try(parts) {
			return true
		}
	}
	if n.m == mFlow {
		switch n.d {
		case evQueued:
			a, b := n, n
			a.d, b.d = evAnswered, evAbandoned
			if try([]node{a, b}) {
				return true
			}
			if int(n.a) == t.nA && n.pt >= ptMonth && ds.heat != nil {
				p := ds.w.periods[n.pt][n.pi]
				parts := make([]node, heatCells)
				for c := range parts {
					parts[c] = node{m: mHeat, d: uint16(c), pi: p.firstMonth, pj: p.lastMonth}
				}
				if try(parts) {
					return true
				}
			}
		case evAnswered:
			if ds.waits != nil {
				parts := make([]node, len(waitBucketIDs))
				for b := range parts {
					parts[b] = node{m: mWaits, pt: n.pt, pi: n.pi, a: n.a, d: uint16(b)}
				}
				if try(parts) {
					return true
				}
			}
		}
	}
	// Time: a year is its quarters, a quarter its months; a month, quarter or
	// year holds the ISO weeks wholly inside it (plus edge days), except for
	// escalations, which are kept per month.
	if n.pt >= ptMonth {
		p := ds.w.periods[n.pt][n.pi]
		if n.pt > ptMonth && len(p.sub) > 0 {
			parts := make([]node, len(p.sub))
			for i, s := range p.sub {
				parts[i] = n
				parts[i].pt, parts[i].pi = n.pt-1, s
			}
			if try(parts) {
				return true
			}
		}
		if len(p.weeks) > 0 && n.m != mEsc {
			parts := make([]node, len(p.weeks))
			for i, wk := range p.weeks {
				parts[i] = n
				parts[i].pt, parts[i].pi = ptWeek, wk
			}
			if try(parts) {
				return true
			}
		}
	}
	return false
}

// what a report needs to read.
type readNeeds struct{ topics, flow, waits, heat, esc bool }

// rawRow is a counter read from bbolt, before the dimensions are ordered.
type rawRow struct {
	day  int32
	a, d uint16
	n    int64
}

// rowChunk is how many rows are kept in one block: rows are appended in
// blocks so a long range is never copied to grow.
const rowChunk = 4096

type rawRows [][]rawRow

func (rs *rawRows) add(r rawRow) {
	if n := len(*rs); n == 0 || len((*rs)[n-1]) == rowChunk {
		*rs = append(*rs, make([]rawRow, 0, rowChunk))
	}
	last := &(*rs)[len(*rs)-1]
	*last = append(*last, r)
}

func (rs rawRows) each(fn func(rawRow)) {
	for _, chunk := range rs {
		for _, r := range chunk {
			fn(r)
		}
	}
}

// interner gives strings small ids in first-seen order.
type interner struct {
	ids   map[string]int32
	names []string
}

func (in *interner) id(b []byte) int32 {
	if id, ok := in.ids[string(b)]; ok {
		return id
	}
	s := string(b)
	if in.ids == nil {
		in.ids = make(map[string]int32)
	}
	id := int32(len(in.names))
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

// load reads the counters of the window from the live or demo buckets.
func (r *Reporter) load(source string, w *window, need readNeeds) (*dataset, error) {
	prefix := ""
	if source == SourceDemo {
		prefix = demoPrefix
	}
	var auds, tops interner
	for _, a := range reportAudiences {
		auds.id([]byte(a))
	}
	var rowsT, rowsF, rowsW rawRows
	var hours [][heatCells]int64
	var esc [][]int64
	err := r.db.View(func(tx *bolt.Tx) error {
		if need.topics {
			rowsT = readDaily(tx.Bucket([]byte(prefix+nameTallies)), w, &auds, func(b []byte) int32 { return tops.id(b) })
		}
		if need.flow {
			rowsF = readDaily(tx.Bucket([]byte(prefix+nameFlow)), w, &auds, fixedIndex(flowEvents))
		}
		if need.waits {
			rowsW = readDaily(tx.Bucket([]byte(prefix+nameWaits)), w, &auds, fixedIndex(waitBucketIDs))
		}
		if need.heat {
			hours = readHours(tx.Bucket([]byte(prefix+nameHours)), w)
		}
		if need.esc {
			esc = readMonthly(tx.Bucket([]byte(prefix+nameEsc)), w, escalationKinds)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	ds := &dataset{w: w}
	// Audiences: young, teen, then any other found, by id.
	audOrder := slices.Clone(auds.names[len(reportAudiences):])
	slices.Sort(audOrder)
	ds.audiences = append(slices.Clone(reportAudiences), audOrder...)
	audMap := remapIDs(auds.names, ds.audiences)

	var topicMap []int32
	if need.topics {
		ds.topicIDs = r.topicOrder(tops.names)
		topicMap = remapIDs(tops.names, ds.topicIDs)
		ds.topics = newTable(w, len(ds.audiences), len(ds.topicIDs))
		rowsT.each(func(row rawRow) {
			ds.topics.add(w, int(row.day), int(audMap[row.a]), int(topicMap[row.d]), row.n)
		})
	}
	if need.flow {
		ds.flow = newTable(w, len(ds.audiences), len(flowEvents))
		rowsF.each(func(row rawRow) {
			ds.flow.add(w, int(row.day), int(audMap[row.a]), int(row.d), row.n)
		})
	}
	if need.waits {
		ds.waits = newTable(w, len(ds.audiences), len(waitBucketIDs))
		rowsW.each(func(row rawRow) {
			ds.waits.add(w, int(row.day), int(audMap[row.a]), int(row.d), row.n)
		})
	}
	if need.esc {
		ds.esc = newTable(w, 0, len(escalationKinds))
		for mi, counts := range esc {
			for d, n := range counts {
				ds.esc.addMonth(w, w.periods[ptMonth][mi].start, d, n)
			}
		}
	}
	if need.heat {
		ds.months = len(hours)
		ds.heat = make([]int64, heatCells*(ds.months+1))
		for c := 0; c < heatCells; c++ {
			row := c * (ds.months + 1)
			for m := range hours {
				ds.heat[row+m+1] = ds.heat[row+m] + hours[m][c]
			}
		}
	}
	return ds, nil
}

// topicOrder lists the topics of a report: every active topic and every
// inactive one with data, in the topic list's order, then ids found in the
// data that the list does not know, by id.
func (r *Reporter) topicOrder(found []string) []string {
	has := make(map[string]bool, len(found))
	for _, f := range found {
		has[f] = true
	}
	var out []string
	known := make(map[string]bool)
	if r.topics != nil {
		for _, tp := range r.topics.All() {
			known[tp.ID] = true
			if tp.Active || has[tp.ID] {
				out = append(out, tp.ID)
			}
		}
	}
	var extra []string
	for _, f := range found {
		if !known[f] {
			extra = append(extra, f)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// remap maps first-seen ids to positions in order.
func remapIDs(names, order []string) []int32 {
	pos := make(map[string]int32, len(order))
	for i, s := range order {
		pos[s] = int32(i)
	}
	out := make([]int32, len(names))
	for i, s := range names {
		out[i] = pos[s]
	}
	return out
}

func fixedIndex(values []string) func([]byte) int32 {
	return func(b []byte) int32 {
		for i, v := range values {
			if string(b) == v {
				return int32(i)
			}
		}
		return -1
	}
}

// readDaily reads "YYYY-MM-DD|audience|value" counters of the window's days
// with one cursor pass. Keys of another shape, the reserved id "all" and
// values dim does not know (-1) are skipped.
func readDaily(b *bolt.Bucket, w *window, auds *interner, dim func([]byte) int32) rawRows {
	if b == nil {
		return nil
	}
	var rows rawRows
	var lastDay [10]byte
	day := -1
	c := b.Cursor()
	for k, v := c.Seek([]byte(dateOfDay(w.from).Format("2006-01-02"))); k != nil; k, v = c.Next() {
		if len(k) < 14 || k[10] != '|' || len(v) != 8 {
			continue
		}
		if day < 0 || !bytesEqual10(k[:10], &lastDay) {
			d, ok := parseDayKey(k[:10])
			if !ok {
				continue
			}
			copy(lastDay[:], k[:10])
			day = d
		}
		if day > w.to {
			break
		}
		rest := k[11:]
		sep := -1
		for i, ch := range rest {
			if ch == '|' {
				sep = i
				break
			}
		}
		if sep <= 0 || sep == len(rest)-1 {
			continue
		}
		aud, val := rest[:sep], rest[sep+1:]
		if string(aud) == dimAll || string(val) == dimAll {
			continue
		}
		d := dim(val)
		if d < 0 || d > math.MaxUint16 {
			continue
		}
		n := binary.BigEndian.Uint64(v)
		if n == 0 {
			continue
		}
		a := auds.id(aud)
		if a > math.MaxUint16 {
			continue
		}
		rows.add(rawRow{day: int32(day), a: uint16(a), d: uint16(d), n: int64(n)})
	}
	return rows
}

func bytesEqual10(b []byte, a *[10]byte) bool {
	return string(b) == string(a[:])
}

// parseDayKey reads "YYYY-MM-DD" into a day number.
func parseDayKey(b []byte) (int, bool) {
	t, err := time.Parse("2006-01-02", string(b))
	if err != nil {
		return 0, false
	}
	return dayNumber(t), true
}

// readHours reads "YYYY-MM|weekday|hour" counters for the window's months.
func readHours(b *bolt.Bucket, w *window) [][heatCells]int64 {
	months := w.periods[ptMonth]
	out := make([][heatCells]int64, len(months))
	if b == nil || len(months) == 0 {
		return out
	}
	index := make(map[string]int, len(months))
	for i, m := range months {
		index[m.label] = i
	}
	last := months[len(months)-1].label
	c := b.Cursor()
	for k, v := c.Seek([]byte(months[0].label)); k != nil; k, v = c.Next() {
		if len(k) < 7 || len(v) != 8 {
			continue
		}
		if string(k[:7]) > last {
			break
		}
		parts := strings.Split(string(k), "|")
		if len(parts) != 3 {
			continue
		}
		mi, ok := index[parts[0]]
		if !ok {
			continue
		}
		wd, err1 := strconv.Atoi(parts[1])
		h, err2 := strconv.Atoi(parts[2])
		if err1 != nil || err2 != nil || wd < 1 || wd > 7 || h < 0 || h > 23 {
			continue
		}
		out[mi][(wd-1)*24+h] += int64(binary.BigEndian.Uint64(v))
	}
	return out
}

// readMonthly reads "YYYY-MM|value" counters for the window's months, one
// count per value in values (others are skipped).
func readMonthly(b *bolt.Bucket, w *window, values []string) [][]int64 {
	months := w.periods[ptMonth]
	out := make([][]int64, len(months))
	for i := range out {
		out[i] = make([]int64, len(values))
	}
	if b == nil || len(months) == 0 {
		return out
	}
	index := make(map[string]int, len(months))
	for i, m := range months {
		index[m.label] = i
	}
	dim := fixedIndex(values)
	last := months[len(months)-1].label
	c := b.Cursor()
	for k, v := c.Seek([]byte(months[0].label)); k != nil; k, v = c.Next() {
		if len(k) < 7 || len(v) != 8 {
			continue
		}
		if string(k[:7]) > last {
			break
		}
		if len(k) < 9 || k[7] != '|' {
			continue
		}
		mi, ok := index[string(k[:7])]
		if !ok {
			continue
		}
		d := dim(k[8:])
		if d < 0 {
			continue
		}
		out[mi][d] += int64(binary.BigEndian.Uint64(v))
	}
	return out
}

// prepared is a checked query.
type prepared struct {
	from, to time.Time // snapped
	pt       periodType
	by       []string
	source   string
}

// prepare checks q for a report of kind (topics, flow, waits, heatmap or
// escalations).
func (r *Reporter) prepare(q Query, kind string) (prepared, error) {
	var p prepared
	if r.K < MinK {
		return p, fmt.Errorf("stats: k must be at least %d, got %d", MinK, r.K)
	}
	switch q.Source {
	case "", SourceLive:
		p.source = SourceLive
	case SourceDemo:
		p.source = SourceDemo
	default:
		return p, badQuery("source must be live or demo, not %q", q.Source)
	}
	if kind == "heatmap" {
		p.pt = ptMonth // set from the range below
	} else {
		period := q.Period
		if period == "" {
			period = "month"
		}
		pt, ok := parsePeriodType(period)
		if !ok {
			return p, badQuery("period must be week, month, quarter or year, not %q", q.Period)
		}
		if kind == "escalations" && pt == ptWeek {
			return p, badQuery("period must be month, quarter or year for escalations: they are counted per month, not per week")
		}
		p.pt = pt
	}
	by, err := checkBy(q.By, kind)
	if err != nil {
		return p, err
	}
	p.by = by
	if q.From.IsZero() || q.To.IsZero() {
		return p, badQuery("from and to are required (YYYY-MM-DD)")
	}
	from, to := dateOf(q.From), dateOf(q.To)
	if from.After(to) {
		return p, badQuery("from (%s) is after to (%s)", from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
	if !to.Before(from.AddDate(maxRangeYears, 0, 0)) {
		return p, badQuery("the range may be at most %d years", maxRangeYears)
	}
	if from.Year() < 2000 || to.Year() > 2199 {
		return p, badQuery("dates must be in the years 2000–2199")
	}
	if kind == "heatmap" {
		// One calendar month, quarter or year: the smallest holding the
		// range, or to's year for a range across years. Heat maps over any
		// run of months would overlap, and overlapping ranges with
		// independent noise can be played against each other.
		switch {
		case periodStart(ptMonth, from).Equal(periodStart(ptMonth, to)):
			p.pt = ptMonth
		case periodStart(ptQuarter, from).Equal(periodStart(ptQuarter, to)):
			p.pt = ptQuarter
		default:
			p.pt = ptYear
			from = periodStart(ptYear, to)
		}
	}
	p.from, p.to = snapRange(p.pt, from, to)
	return p, nil
}

// checkBy validates the grouping and puts it in canonical order.
func checkBy(by []string, kind string) ([]string, error) {
	switch kind {
	case "topics":
		if len(by) == 0 {
			return []string{"topic"}, nil
		}
		var topic, audience bool
		for _, b := range by {
			switch {
			case b == "topic" && !topic:
				topic = true
			case b == "audience" && !audience:
				audience = true
			default:
				return nil, badQuery("by must be topic, audience or topic,audience")
			}
		}
		switch {
		case topic && audience:
			return []string{"topic", "audience"}, nil
		case topic:
			return []string{"topic"}, nil
		default:
			return []string{"audience"}, nil
		}
	case "flow", "waits":
		if len(by) == 0 || (len(by) == 1 && by[0] == "all") {
			return []string{"all"}, nil
		}
		if len(by) == 1 && by[0] == "audience" {
			return []string{"audience"}, nil
		}
		return nil, badQuery("by must be all or audience")
	case "escalations":
		if len(by) == 0 || (len(by) == 1 && by[0] == "all") {
			return nil, nil
		}
		return nil, badQuery("escalations have no by: they are always by kind (consented or mandatory)")
	default:
		if len(by) == 0 || (len(by) == 1 && by[0] == "all") {
			return nil, nil
		}
		return nil, badQuery("the heat map has no by: it always covers every hour of the week")
	}
}

func (r *Reporter) run(q Query, kind string, need readNeeds) (prepared, *dataset, *publisher, error) {
	p, err := r.prepare(q, kind)
	if err != nil {
		return p, nil, nil, err
	}
	w := newWindow(p.pt, p.from, p.to)
	ds, err := r.load(p.source, w, need)
	if err != nil {
		return p, nil, nil, fmt.Errorf("stats: reading counters: %w", err)
	}
	return p, ds, newPublisher(ds, r.secret, r.K, r.mode), nil
}

func (r *Reporter) newReport(p prepared, kind string) Report {
	rep := Report{
		K:      r.K,
		Source: p.source,
		From:   p.from.Format("2006-01-02"),
		To:     p.to.Format("2006-01-02"),
		Period: p.pt.String(),
		By:     strings.Join(p.by, ","),
		Cells:  []Cell{},
		kind:   kind,
	}
	return rep
}

// Topics is the report of closed chats per topic and/or audience and period,
// with the total of each period. Topics and audiences not grouped by are
// "all". A chat closed with two topics counts once under each.
func (r *Reporter) Topics(q Query) (Report, error) {
	p, ds, pub, err := r.run(q, "topics", readNeeds{topics: true})
	if err != nil {
		return Report{}, err
	}
	rep := r.newReport(p, "topics")
	t := ds.topics
	byTopic := slices.Contains(p.by, "topic")
	byAudience := slices.Contains(p.by, "audience")
	auds := []int{t.nA}
	if byAudience {
		auds = auds[:0]
		for a := 0; a < t.nA; a++ {
			auds = append(auds, a)
		}
	}
	topics := []int{t.nD}
	if byTopic {
		topics = topics[:0]
		for d := 0; d < t.nD; d++ {
			topics = append(topics, d)
		}
	}
	for pi, per := range ds.w.periods[p.pt] {
		for _, d := range topics {
			for _, a := range auds {
				n := node{m: mTopics, pt: p.pt, pi: int32(pi), a: uint16(a), d: uint16(d)}
				count, status := pub.publish(n)
				rep.Cells = append(rep.Cells, Cell{
					Period:   per.label,
					Topic:    dimName(ds.topicIDs, d),
					Audience: dimName(ds.audiences, a),
					Count:    count,
					Status:   status,
				})
			}
		}
		n := node{m: mTopics, pt: p.pt, pi: int32(pi), a: uint16(t.nA), d: uint16(t.nD)}
		count, status := pub.publish(n)
		rep.Totals = append(rep.Totals, Total{Period: per.label, Count: count, Status: status})
	}
	return rep, nil
}

// Flow is the report of chats that joined the queue, were answered and were
// abandoned in the queue, per period (and audience).
func (r *Reporter) Flow(q Query) (Report, error) {
	p, ds, pub, err := r.run(q, "flow", readNeeds{flow: true, waits: true, heat: true})
	if err != nil {
		return Report{}, err
	}
	rep := r.newReport(p, "flow")
	t := ds.flow
	for pi, per := range ds.w.periods[p.pt] {
		for _, a := range audienceList(t, p.by) {
			for e := range flowEvents {
				n := node{m: mFlow, pt: p.pt, pi: int32(pi), a: uint16(a), d: uint16(e)}
				count, status := pub.publish(n)
				rep.Cells = append(rep.Cells, Cell{
					Period:   per.label,
					Audience: dimName(ds.audiences, a),
					Event:    flowEvents[e],
					Count:    count,
					Status:   status,
				})
			}
		}
	}
	return rep, nil
}

// Waits is the report of answered chats by time waited in the queue, per
// period (and audience).
func (r *Reporter) Waits(q Query) (Report, error) {
	p, ds, pub, err := r.run(q, "waits", readNeeds{waits: true})
	if err != nil {
		return Report{}, err
	}
	rep := r.newReport(p, "waits")
	t := ds.waits
	for pi, per := range ds.w.periods[p.pt] {
		for _, a := range audienceList(t, p.by) {
			for b := range waitBucketIDs {
				n := node{m: mWaits, pt: p.pt, pi: int32(pi), a: uint16(a), d: uint16(b)}
				count, status := pub.publish(n)
				rep.Cells = append(rep.Cells, Cell{
					Period:   per.label,
					Audience: dimName(ds.audiences, a),
					Bucket:   waitBucketIDs[b],
					Count:    count,
					Status:   status,
				})
			}
		}
	}
	return rep, nil
}

// Heatmap is the report of chats started by hour of the week (Europe/Stockholm
// time, weekday 1 = Monday), summed over one calendar month, quarter or year:
// the smallest that holds the range, or the year of To when the range spans
// years. Report.From, To and Period say which.
func (r *Reporter) Heatmap(q Query) (Report, error) {
	p, ds, pub, err := r.run(q, "heatmap", readNeeds{heat: true})
	if err != nil {
		return Report{}, err
	}
	rep := r.newReport(p, "heatmap")
	months := ds.w.periods[ptMonth]
	label := months[0].label + ".." + months[len(months)-1].label
	for c := 0; c < heatCells; c++ {
		n := node{m: mHeat, d: uint16(c), pi: 0, pj: int32(len(months) - 1)}
		count, status := pub.publish(n)
		hour := c % 24
		rep.Cells = append(rep.Cells, Cell{
			Period:  label,
			Weekday: c/24 + 1,
			Hour:    &hour,
			Count:   count,
			Status:  status,
		})
	}
	return rep, nil
}

// Escalations is the report of cases escalated to social services per period
// (month, quarter or year: the counts are kept per month) and kind: with the
// parent's consent ("consented") or a report of concern ("mandatory"), with
// the total of each period.
func (r *Reporter) Escalations(q Query) (Report, error) {
	p, ds, pub, err := r.run(q, "escalations", readNeeds{esc: true})
	if err != nil {
		return Report{}, err
	}
	rep := r.newReport(p, "escalations")
	t := ds.esc
	for pi, per := range ds.w.periods[p.pt] {
		for d, kind := range escalationKinds {
			n := node{m: mEsc, pt: p.pt, pi: int32(pi), d: uint16(d)}
			count, status := pub.publish(n)
			rep.Cells = append(rep.Cells, Cell{Period: per.label, Kind: kind, Count: count, Status: status})
		}
		n := node{m: mEsc, pt: p.pt, pi: int32(pi), d: uint16(t.nD)}
		count, status := pub.publish(n)
		rep.Totals = append(rep.Totals, Total{Period: per.label, Count: count, Status: status})
	}
	return rep, nil
}

func audienceList(t *countTable, by []string) []int {
	if len(by) == 1 && by[0] == "audience" {
		out := make([]int, t.nA)
		for a := range out {
			out[a] = a
		}
		return out
	}
	return []int{t.nA}
}

func dimName(names []string, i int) string {
	if i >= len(names) {
		return dimAll
	}
	return names[i]
}
