package hours

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the zone must load on a host without zoneinfo
)

// TimeZone is the zone every opening time is in.
const TimeZone = "Europe/Stockholm"

var stockholm = mustLoad(TimeZone)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("hours: " + err.Error()) // cannot happen: time/tzdata is embedded
	}
	return loc
}

// Location is Europe/Stockholm, for callers that need the same calendar
// (the day a tally is counted on, for one).
func Location() *time.Location { return stockholm }

// Limits that keep a spec (and the fuzzer) sane.
const (
	maxSpecLen = 1024
	maxGroups  = 32
	// searchDays bounds NextOpen.
	searchDays = 8
)

// Hours is a parsed opening-hours spec, with the days it is closed all day
// (see WithClosures). The zero value is never open.
type Hours struct {
	always bool
	groups []group
	closed []Closure // sorted by date, no two on the same date
}

// group is one "DAYS HH:MM-HH:MM" part. from and to are minutes after
// midnight, 0 <= from < to <= 1440.
type group struct {
	days     [8]bool // by ISO weekday, 1 = Monday; index 0 unused
	from, to int
}

// Span is one group of the spec, as /api/status shows it.
type Span struct {
	Days []int  `json:"days"` // ISO weekdays, 1 = Monday .. 7 = Sunday, ascending
	From string `json:"from"` // "HH:MM"
	To   string `json:"to"`   // "HH:MM", up to "24:00"
}

var dayNames = [8]string{"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Parse reads a spec: "always", or ';'-separated groups "DAYS HH:MM-HH:MM"
// where DAYS is a comma-separated list of days (mon..sun) and day ranges
// (mon-fri). Case and extra spaces do not matter; the closing time may be
// 24:00; groups may overlap. Example: "mon-thu 09:00-16:00; fri 09:00-12:00".
func Parse(spec string) (Hours, error) {
	if len(spec) > maxSpecLen {
		return Hours{}, fmt.Errorf("hours: spec is longer than %d bytes", maxSpecLen)
	}
	s := strings.ToLower(strings.TrimSpace(spec))
	if s == "" {
		return Hours{}, fmt.Errorf(`hours: empty spec; write "always" or groups such as "mon-fri 09:00-16:00"`)
	}
	if s == "always" {
		return Hours{always: true}, nil
	}
	var h Hours
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // a trailing or doubled ';' is harmless
		}
		if part == "always" {
			return Hours{}, fmt.Errorf(`hours: "always" cannot be combined with other groups`)
		}
		if len(h.groups) == maxGroups {
			return Hours{}, fmt.Errorf("hours: more than %d groups", maxGroups)
		}
		g, err := parseGroup(part)
		if err != nil {
			return Hours{}, fmt.Errorf("hours: group %q: %w", part, err)
		}
		h.groups = append(h.groups, g)
	}
	if len(h.groups) == 0 {
		return Hours{}, fmt.Errorf(`hours: spec %q has no groups; write e.g. "mon-fri 09:00-16:00"`, spec)
	}
	return h, nil
}

// FromSpans builds weekly hours from spans, as an editor gives them: each
// span's Days are ISO weekdays 1 (Monday) to 7 (Sunday), at least one, and
// From and To are "HH:MM" with From before To; To may be "24:00". A day
// named twice counts once. No spans gives hours that are never open. An
// error names the span by its index. At most 32 spans, so that String reads
// back with Parse.
func FromSpans(spans []Span) (Hours, error) {
	if len(spans) > maxGroups {
		return Hours{}, fmt.Errorf("hours: more than %d spans", maxGroups)
	}
	h := Hours{groups: make([]group, 0, len(spans))}
	for i, sp := range spans {
		g, err := spanGroup(sp)
		if err != nil {
			return Hours{}, fmt.Errorf("hours: span %d: %w", i, err)
		}
		h.groups = append(h.groups, g)
	}
	return h, nil
}

// spanGroup checks one span and makes it a group.
func spanGroup(sp Span) (group, error) {
	var g group
	if len(sp.Days) == 0 {
		return g, fmt.Errorf("no days")
	}
	for _, d := range sp.Days {
		if d < 1 || d > 7 {
			return g, fmt.Errorf("day %d is not an ISO weekday 1..7", d)
		}
		g.days[d] = true
	}
	var err error
	if g.from, err = spanClock(sp.From, false); err != nil {
		return g, err
	}
	if g.to, err = spanClock(sp.To, true); err != nil {
		return g, err
	}
	if g.from >= g.to {
		return g, fmt.Errorf("opening time %s must be before closing time %s (use 24:00 for midnight)", sp.From, sp.To)
	}
	return g, nil
}

// Clock reads a time of day written exactly "HH:MM", 00:00 to 24:00, as
// minutes after midnight: a Span's From or To (whether 24:00 may be one is
// the caller's to say).
func Clock(s string) (int, bool) {
	if len(s) != len("15:04") {
		return 0, false
	}
	m, err := parseClock(s, true)
	return m, err == nil
}

// spanClock reads exactly "HH:MM" (Parse also takes "H:MM").
func spanClock(s string, closing bool) (int, error) {
	if len(s) != len("15:04") {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return parseClock(s, closing)
}

// parseGroup reads "DAYS HH:MM-HH:MM"; the days end where the first digit is.
func parseGroup(part string) (group, error) {
	var g group
	i := strings.IndexAny(part, "0123456789")
	if i < 0 {
		return g, fmt.Errorf("missing the time range HH:MM-HH:MM")
	}
	days := removeSpaces(part[:i])
	times := removeSpaces(part[i:])
	if days == "" {
		return g, fmt.Errorf("missing the days before the time range, e.g. mon-fri")
	}
	if err := parseDays(days, &g.days); err != nil {
		return g, err
	}
	from, to, ok := strings.Cut(times, "-")
	if !ok {
		return g, fmt.Errorf("time range %q is not HH:MM-HH:MM", times)
	}
	var err error
	if g.from, err = parseClock(from, false); err != nil {
		return g, err
	}
	if g.to, err = parseClock(to, true); err != nil {
		return g, err
	}
	if g.from >= g.to {
		return g, fmt.Errorf("opening time %s must be before closing time %s (use 24:00 for midnight)", from, to)
	}
	return g, nil
}

func removeSpaces(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func parseDays(s string, days *[8]bool) error {
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return fmt.Errorf("empty day in the list %q", s)
		}
		a, b, isRange := strings.Cut(item, "-")
		first, err := parseDay(a)
		if err != nil {
			return err
		}
		last := first
		if isRange {
			if last, err = parseDay(b); err != nil {
				return err
			}
			if last < first {
				return fmt.Errorf("day range %q runs backwards; ranges go from mon to sun, e.g. write fri-sun,mon", item)
			}
		}
		for d := first; d <= last; d++ {
			days[d] = true
		}
	}
	return nil
}

func parseDay(s string) (int, error) {
	for d := 1; d <= 7; d++ {
		if s == dayNames[d] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", s)
}

// parseClock reads H:MM or HH:MM into minutes after midnight. 24:00 is
// allowed only as a closing time.
func parseClock(s string, closing bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not a time of day", s)
	}
	if h == 24 && !closing {
		return 0, fmt.Errorf("opening time %q: 24:00 is only a closing time; use 00:00", s)
	}
	return h*60 + m, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Always reports whether the spec was "always".
func (h Hours) Always() bool { return h.always }

// Open reports whether the chat is open at t, by the wall clock in Stockholm.
// A window includes its opening minute and excludes its closing minute. On
// the date of a closure it is closed all day.
func (h Hours) Open(t time.Time) bool {
	if !h.always && len(h.groups) == 0 {
		return false
	}
	l := t.In(stockholm)
	if h.closedOn(l) {
		return false
	}
	return h.always || h.openAtWall(isoWeekday(l.Weekday()), wallSeconds(l))
}

func (h Hours) openAtWall(day, sec int) bool {
	for _, g := range h.groups {
		if g.days[day] && sec >= g.from*60 && sec < g.to*60 {
			return true
		}
	}
	return false
}

// NextOpen is the first moment at or after t when the chat is open: t itself
// if it is open then. It searches 8 days ahead, and a week more for each
// closure dated t's Stockholm date or later (so that no run of closed days
// hides the next opening), and reports false if the chat does not open in
// that time (or never does).
//
// It walks the zone's periods of constant UTC offset: within one, the wall
// clock runs in step with real time, so the next opening is plain arithmetic;
// at a change of offset the wall clock jumps, and the chat may be open right
// at the jump (clocks going back into an opening window, or forward past the
// start of one).
func (h Hours) NextOpen(t time.Time) (time.Time, bool) {
	if h.Open(t) {
		return t, true
	}
	if !h.always && len(h.groups) == 0 {
		return time.Time{}, false
	}
	days := h.searchDays(t)
	limit := t.Add(time.Duration(days) * 24 * time.Hour)
	cur := t.In(stockholm)
	for !cur.After(limit) {
		_, zoneEnd := cur.ZoneBounds()
		// The wall clock as a UTC time: plain arithmetic, no offsets.
		_, offset := cur.Zone()
		wall := cur.UTC().Add(time.Duration(offset) * time.Second)
		if next, ok := h.nextStartAtWall(wall, days); ok {
			at := next.Add(-time.Duration(offset) * time.Second).In(stockholm)
			if zoneEnd.IsZero() || at.Before(zoneEnd) {
				if at.After(limit) {
					return time.Time{}, false
				}
				return at, true
			}
		}
		if zoneEnd.IsZero() {
			return time.Time{}, false
		}
		cur = zoneEnd.In(stockholm)
		if cur.After(limit) {
			return time.Time{}, false
		}
		if h.Open(cur) {
			return cur, true
		}
	}
	return time.Time{}, false
}

// searchDays is how many days NextOpen looks ahead from t: searchDays, and
// a week for each closure from t's date on. A week is enough: each closure
// takes away at most one occurrence of each weekly window.
func (h Hours) searchDays(t time.Time) int {
	return searchDays + 7*len(h.closed[h.firstFrom(dateOf(t.In(stockholm))):])
}

// allDay is "always" as a group, for NextOpen's search past closed days.
var allDay = group{days: [8]bool{false, true, true, true, true, true, true, true}, from: 0, to: 24 * 60}

// nextStartAtWall finds the first window opening at or after the wall-clock
// time w (given as a UTC time), within days days, skipping closed dates.
func (h Hours) nextStartAtWall(w time.Time, days int) (time.Time, bool) {
	groups := h.groups
	if h.always {
		groups = []group{allDay}
	}
	y, m, d := w.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	var best time.Time
	found := false
	for i := 0; i <= days && !found; i++ {
		day := midnight.AddDate(0, 0, i)
		if len(h.closed) > 0 && h.closedOnDate(day.Format(time.DateOnly)) {
			continue
		}
		wd := isoWeekday(day.Weekday())
		for _, g := range groups {
			if !g.days[wd] {
				continue
			}
			start := day.Add(time.Duration(g.from) * time.Minute)
			if start.Before(w) {
				continue
			}
			if !found || start.Before(best) {
				best, found = start, true
			}
		}
	}
	return best, found
}

// Spans lists the groups in the order they were written. "always" is one
// span, every day 00:00-24:00.
func (h Hours) Spans() []Span {
	if h.always {
		return []Span{{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "00:00", To: "24:00"}}
	}
	out := make([]Span, 0, len(h.groups))
	for _, g := range h.groups {
		sp := Span{Days: []int{}, From: clock(g.from), To: clock(g.to)}
		for d := 1; d <= 7; d++ {
			if g.days[d] {
				sp.Days = append(sp.Days, d)
			}
		}
		out = append(out, sp)
	}
	return out
}

// String is the canonical spec, which Parse reads back to the same hours:
// "always", or groups such as "mon-wed,fri 09:00-16:00; sun 18:00-21:00".
// The zero Hours gives "".
func (h Hours) String() string {
	if h.always {
		return "always"
	}
	parts := make([]string, 0, len(h.groups))
	for _, g := range h.groups {
		parts = append(parts, daysString(g.days)+" "+clock(g.from)+"-"+clock(g.to))
	}
	return strings.Join(parts, "; ")
}

// daysString writes runs of three or more days as a range, others as a list.
func daysString(days [8]bool) string {
	var items []string
	for d := 1; d <= 7; {
		if !days[d] {
			d++
			continue
		}
		end := d
		for end < 7 && days[end+1] {
			end++
		}
		switch {
		case end-d >= 2:
			items = append(items, dayNames[d]+"-"+dayNames[end])
		default:
			for x := d; x <= end; x++ {
				items = append(items, dayNames[x])
			}
		}
		d = end + 1
	}
	return strings.Join(items, ",")
}

func clock(min int) string {
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}

func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

func wallSeconds(t time.Time) int {
	h, m, s := t.Clock()
	return h*3600 + m*60 + s
}
