package hours

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustSpans(tb testing.TB, spans ...Span) Hours {
	tb.Helper()
	h, err := FromSpans(spans)
	if err != nil {
		tb.Fatalf("FromSpans(%+v): %v", spans, err)
	}
	return h
}

func mustClose(tb testing.TB, h Hours, dates ...string) Hours {
	tb.Helper()
	cs := make([]Closure, len(dates))
	for i, d := range dates {
		cs[i] = Closure{Date: d}
	}
	h, err := h.WithClosures(cs)
	if err != nil {
		tb.Fatalf("WithClosures(%q): %v", dates, err)
	}
	return h
}

// run lists n consecutive dates from the first.
func run(first string, n int) []string {
	d, err := time.Parse(time.DateOnly, first)
	if err != nil {
		panic(err)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return out
}

func TestFromSpans_Valid(t *testing.T) {
	for _, c := range []struct {
		spans []Span
		spec  string
		want  []Span
	}{
		{[]Span{{[]int{1, 2, 3, 4, 5}, "09:00", "16:00"}}, "mon-fri 09:00-16:00", nil},
		{[]Span{{[]int{5, 1}, "08:30", "24:00"}, {[]int{7}, "00:00", "00:01"}}, "mon,fri 08:30-24:00; sun 00:00-00:01",
			[]Span{{[]int{1, 5}, "08:30", "24:00"}, {[]int{7}, "00:00", "00:01"}}},
		{[]Span{{[]int{3, 3}, "10:00", "11:00"}}, "wed 10:00-11:00", []Span{{[]int{3}, "10:00", "11:00"}}},
		{[]Span{}, "", []Span{}},
		{nil, "", []Span{}},
	} {
		t.Run(c.spec, func(t *testing.T) {
			h := mustSpans(t, c.spans...)
			if got := h.String(); got != c.spec {
				t.Errorf("String() = %q, want %q", got, c.spec)
			}
			want := c.want
			if want == nil {
				want = c.spans
			}
			if got := h.Spans(); !reflect.DeepEqual(got, want) {
				t.Errorf("Spans() = %+v, want %+v", got, want)
			}
			if h.Always() {
				t.Error("Always() = true")
			}
			if c.spec == "" {
				if _, ok := h.NextOpen(at(2026, 11, 23, 9, 0)); ok {
					t.Error("hours without spans open")
				}
				return
			}
			if p := mustParse(t, c.spec); !reflect.DeepEqual(p.Spans(), h.Spans()) {
				t.Errorf("Parse(String()) gives %+v", p.Spans())
			}
		})
	}
	office := mustSpans(t, Span{[]int{1, 2, 3, 4, 5}, "09:00", "16:00"})
	if !office.Open(at(2026, 11, 23, 9, 0)) || office.Open(at(2026, 11, 23, 16, 0)) || office.Open(at(2026, 11, 28, 10, 0)) {
		t.Error("FromSpans office hours open at the wrong times")
	}
}

func TestFromSpans_Invalid(t *testing.T) {
	ok := Span{[]int{1}, "09:00", "16:00"}
	for _, c := range []struct {
		name   string
		spans  []Span
		errHas string
	}{
		{"no days", []Span{ok, {nil, "09:00", "16:00"}}, "span 1: no days"},
		{"day 0", []Span{{[]int{0}, "09:00", "16:00"}}, "span 0: day 0 is not"},
		{"day 8", []Span{{[]int{1, 8}, "09:00", "16:00"}}, "day 8 is not"},
		{"short hour", []Span{{[]int{1}, "9:00", "16:00"}}, `"9:00" is not HH:MM`},
		{"bare hour", []Span{{[]int{1}, "09:00", "9"}}, `"9" is not HH:MM`},
		{"empty", []Span{{[]int{1}, "", "16:00"}}, `"" is not HH:MM`},
		{"minutes 60", []Span{{[]int{1}, "09:60", "16:00"}}, "not a time of day"},
		{"from 24:00", []Span{{[]int{1}, "24:00", "24:00"}}, "only a closing time"},
		{"to 24:01", []Span{{[]int{1}, "09:00", "24:01"}}, "not a time of day"},
		{"backwards", []Span{ok, ok, {[]int{2}, "16:00", "09:00"}}, "span 2: opening time 16:00 must be before"},
		{"equal", []Span{{[]int{2}, "09:00", "09:00"}}, "must be before"},
		{"too many", slicesRepeat(ok, 33), "more than 32 spans"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromSpans(c.spans)
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("FromSpans = %v, want an error with %q", err, c.errHas)
			}
		})
	}
	if _, err := FromSpans(slicesRepeat(ok, 32)); err != nil {
		t.Fatalf("32 spans: %v", err)
	}
}

func slicesRepeat(s Span, n int) []Span {
	out := make([]Span, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestWithClosures_Invalid(t *testing.T) {
	h := mustParse(t, "always")
	many := make([]Closure, MaxClosures+1)
	for i, d := range run("2027-01-01", len(many)) {
		many[i] = Closure{Date: d}
	}
	for _, c := range []struct {
		name   string
		cs     []Closure
		errHas string
	}{
		{"short month", []Closure{{Date: "2026-1-05"}}, `closure 0: date "2026-1-05" is not YYYY-MM-DD`},
		{"no such day", []Closure{{Date: "2026-12-24"}, {Date: "2026-02-30"}}, "closure 1: date"},
		{"empty", []Closure{{Date: ""}}, "is not YYYY-MM-DD"},
		{"time too", []Closure{{Date: "2026-12-24T00:00:00Z"}}, "is not YYYY-MM-DD"},
		{"spaces", []Closure{{Date: " 2026-12-24"}}, "is not YYYY-MM-DD"},
		{"twice", []Closure{{Date: "2026-12-24"}, {Date: "2026-12-25"}, {Date: "2026-12-24"}}, "closure 2: the date 2026-12-24 is already closure 0"},
		{"long note", []Closure{{Date: "2026-12-24", Note: strings.Repeat("å", MaxNote+1)}}, "61 characters, more than 60"},
		{"line break", []Closure{{Date: "2026-12-24", Note: "jul\nafton"}}, "control characters"},
		{"not utf-8", []Closure{{Date: "2026-12-24", Note: "jul\xff"}}, "not UTF-8"},
		{"too many", many, "more than 100 closures"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.WithClosures(c.cs)
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("WithClosures = %v, want an error with %q", err, c.errHas)
			}
		})
	}
	if _, err := h.WithClosures(many[:MaxClosures]); err != nil {
		t.Fatalf("%d closures: %v", MaxClosures, err)
	}
	if _, err := h.WithClosures([]Closure{{Date: "2026-12-24", Note: strings.Repeat("å", MaxNote)}}); err != nil {
		t.Fatalf("a note of %d characters: %v", MaxNote, err)
	}
}

func TestWithClosures_SortedCopies(t *testing.T) {
	in := []Closure{{"2026-12-31", "nyårsafton"}, {"2026-12-24", "julafton"}, {"2026-12-25", ""}}
	base := mustParse(t, "mon-fri 09:00-16:00")
	h, err := base.WithClosures(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Closure{{"2026-12-24", "julafton"}, {"2026-12-25", ""}, {"2026-12-31", "nyårsafton"}}
	if got := h.Closures(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Closures() = %v, want %v", got, want)
	}
	if in[0].Date != "2026-12-31" {
		t.Error("WithClosures sorted its argument")
	}
	h.Closures()[0].Date = "2026-01-01"
	in[1].Date = "2026-01-01"
	if got := h.Closures(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Closures() changed from outside: %v", got)
	}
	if base.Closures() != nil || base.Open(at(2026, 12, 24, 10, 0)) != true {
		t.Error("WithClosures changed the hours it was called on")
	}
	cleared, err := h.WithClosures(nil)
	if err != nil || cleared.Closures() != nil || !cleared.Open(at(2026, 12, 24, 10, 0)) {
		t.Errorf("WithClosures(nil) = %v, %v: want no closures", cleared.Closures(), err)
	}
	if h.String() != base.String() || !reflect.DeepEqual(h.Spans(), base.Spans()) {
		t.Error("closures changed String or Spans")
	}
}

func TestOpen_Closures(t *testing.T) {
	// 2026-12-24 is a Thursday.
	office := mustClose(t, mustParse(t, "mon-fri 09:00-16:00"), "2026-12-24")
	always := mustClose(t, mustParse(t, "always"), "2026-12-24")
	never := mustClose(t, Hours{}, "2026-12-24")
	for _, c := range []struct {
		name string
		h    Hours
		t    time.Time
		want bool
	}{
		{"office the day before", office, at(2026, 12, 23, 10, 0), true},
		{"office on the day", office, at(2026, 12, 24, 10, 0), false},
		{"office the day after", office, at(2026, 12, 25, 10, 0), true},
		{"office, the day in UTC", office, utc(2026, 12, 24, 9, 0), false},
		{"always the last second before", always, at(2026, 12, 23, 23, 59).Add(59 * time.Second), true},
		{"always at midnight", always, at(2026, 12, 24, 0, 0), false},
		{"always, 23:30 UTC the day before is Stockholm's day", always, utc(2026, 12, 23, 23, 30), false},
		{"always the last second of the day", always, at(2026, 12, 24, 23, 59).Add(59 * time.Second), false},
		{"always the next midnight", always, at(2026, 12, 25, 0, 0), true},
		{"never stays never", never, at(2026, 12, 23, 10, 0), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.h.Open(c.t); got != c.want {
				t.Errorf("Open(%v) = %v, want %v", c.t.In(Location()), got, c.want)
			}
		})
	}
	if !always.Always() {
		t.Error("Always() = false for always hours with closures")
	}
}

func TestNextOpen_Closures(t *testing.T) {
	office := mustParse(t, "mon-fri 09:00-16:00")
	always := mustParse(t, "always")
	sunday := mustParse(t, "sun 10:00-12:00")
	checkNextOpen(t, []nextOpenCase{
		{"christmas: wed evening → mon", mustClose(t, office, "2026-12-24", "2026-12-25"),
			at(2026, 12, 23, 16, 0), at(2026, 12, 28, 9, 0), true},
		{"on the closed day, during the window", mustClose(t, office, "2026-12-24"),
			at(2026, 12, 24, 10, 0), at(2026, 12, 25, 9, 0), true},
		{"20 closed days in a row", mustClose(t, office, run("2026-12-01", 20)...),
			at(2026, 11, 30, 16, 0), at(2026, 12, 21, 9, 0), true},
		{"20 closed days, from inside the run", mustClose(t, office, run("2026-12-01", 20)...),
			at(2026, 12, 10, 12, 0), at(2026, 12, 21, 9, 0), true},
		{"always, 20 closed days", mustClose(t, always, run("2026-12-01", 20)...),
			at(2026, 12, 1, 0, 0), at(2026, 12, 21, 0, 0), true},
		{"always, one closed day", mustClose(t, always, "2026-12-24"),
			at(2026, 12, 24, 13, 0), at(2026, 12, 25, 0, 0), true},
		{"always, before the closed day", mustClose(t, always, "2026-12-24"),
			at(2026, 12, 23, 13, 0), at(2026, 12, 23, 13, 0), true},
		{"sundays only, next sunday closed", mustClose(t, sunday, "2026-11-29"),
			at(2026, 11, 28, 12, 0), at(2026, 12, 6, 10, 0), true},
		{"sundays only, 100 closed days across spring DST", mustClose(t, sunday, run("2027-01-01", MaxClosures)...),
			at(2026, 12, 31, 12, 0), at(2027, 4, 11, 10, 0), true},
		{"a closure in the past changes nothing", mustClose(t, office, "2026-01-01"),
			at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 0), true},
		{"never, with closures", mustClose(t, Hours{}, "2026-12-24"), at(2026, 12, 23, 0, 0), time.Time{}, false},
	})
}

// TestNextOpen_ClosuresBound: only closures from t's date on widen the
// search, a week each.
func TestNextOpen_ClosuresBound(t *testing.T) {
	h := mustParse(t, "sun 02:00-03:00") // skipped on 29 March: the next is 14 days out
	from := at(2026, 3, 22, 4, 0)
	if got, ok := mustClose(t, h, "2026-03-01").NextOpen(from); ok {
		t.Errorf("a past closure widened the search: %v", got)
	}
	got, ok := mustClose(t, h, "2026-12-24").NextOpen(from)
	if want := utc(2026, 4, 5, 0, 0); !ok || !got.Equal(want) {
		t.Errorf("NextOpen = %v, %v; want %v", got.In(Location()), ok, want.In(Location()))
	}
	if n := mustClose(t, h, "2026-03-21", "2026-03-22", "2026-12-24").searchDays(from); n != searchDays+14 {
		t.Errorf("searchDays = %d, want %d", n, searchDays+14)
	}
}

// TestDST_Closures: a closed day is the calendar day, 23 hours long on
// 29 March 2026 and 25 hours on 25 October 2026.
func TestDST_Closures(t *testing.T) {
	t.Run("spring", func(t *testing.T) {
		h := mustClose(t, mustParse(t, "always"), "2026-03-29")
		for _, c := range []struct {
			u    time.Time
			want bool
		}{
			{utc(2026, 3, 28, 22, 59), true},  // 23:59 CET on the 28th
			{utc(2026, 3, 28, 23, 0), false},  // 00:00 CET
			{utc(2026, 3, 29, 1, 0), false},   // 03:00 CEST
			{utc(2026, 3, 29, 21, 59), false}, // 23:59 CEST
			{utc(2026, 3, 29, 22, 0), true},   // 00:00 CEST on the 30th
		} {
			if got := h.Open(c.u); got != c.want {
				t.Errorf("Open(%v) = %v, want %v", c.u.In(Location()), got, c.want)
			}
		}
		if got, ok := h.NextOpen(utc(2026, 3, 29, 0, 30)); !ok || !got.Equal(utc(2026, 3, 29, 22, 0)) {
			t.Errorf("NextOpen = %v, %v", got.In(Location()), ok)
		}
		// A window across the gap is not opened at the jump on a closed day.
		gap := mustClose(t, mustParse(t, "sun 02:30-04:00"), "2026-03-29")
		if got, ok := gap.NextOpen(at(2026, 3, 29, 0, 0)); !ok || !got.Equal(utc(2026, 4, 5, 0, 30)) {
			t.Errorf("NextOpen across the gap = %v, %v; want 5 April 02:30 CEST", got.In(Location()), ok)
		}
	})
	t.Run("autumn", func(t *testing.T) {
		h := mustClose(t, mustParse(t, "always"), "2026-10-25")
		for _, c := range []struct {
			u    time.Time
			want bool
		}{
			{utc(2026, 10, 24, 21, 59), true},  // 23:59 CEST on the 24th
			{utc(2026, 10, 24, 22, 0), false},  // 00:00 CEST
			{utc(2026, 10, 25, 1, 30), false},  // 02:30 CET, the second time
			{utc(2026, 10, 25, 22, 59), false}, // 23:59 CET
			{utc(2026, 10, 25, 23, 0), true},   // 00:00 CET on the 26th
		} {
			if got := h.Open(c.u); got != c.want {
				t.Errorf("Open(%v) = %v, want %v", c.u.In(Location()), got, c.want)
			}
		}
		if got, ok := h.NextOpen(utc(2026, 10, 24, 22, 0)); !ok || !got.Equal(utc(2026, 10, 25, 23, 0)) {
			t.Errorf("NextOpen = %v, %v", got.In(Location()), ok)
		}
		// Both 02:00-03:00 windows of the long night are closed; the next is 1 November, 02:00 CET.
		twice := mustClose(t, mustParse(t, "sun 02:00-03:00"), "2026-10-25")
		for _, u := range []time.Time{utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)} {
			if twice.Open(u) {
				t.Errorf("open at %v", u.In(Location()))
			}
		}
		if got, ok := twice.NextOpen(utc(2026, 10, 24, 23, 0)); !ok || !got.Equal(utc(2026, 11, 1, 1, 0)) {
			t.Errorf("NextOpen = %v, %v", got.In(Location()), ok)
		}
	})
}

// TestNextOpen_ClosuresExhaustive compares NextOpen with a minute-by-minute
// scan over a year of starting points, with closed days on and around the
// DST changes and a long run of them.
func TestNextOpen_ClosuresExhaustive(t *testing.T) {
	closed := append([]string{"2026-03-28", "2026-03-29", "2026-10-25", "2026-11-29", "2026-12-24", "2026-12-25"}, run("2026-06-01", 12)...)
	for _, spec := range []string{"mon-fri 09:00-16:00; sun 18:00-21:00", "sun 02:00-03:00; wed 02:30-02:45", "sat 23:00-24:00; sun 00:00-02:30", "always"} {
		h := mustClose(t, mustParse(t, spec), closed...)
		start := utc(2026, 1, 1, 0, 7)
		for i := range 24 * 365 / 29 {
			from := start.Add(time.Duration(i) * 29 * time.Hour).Add(time.Duration(i%60) * time.Second)
			got, ok := h.NextOpen(from)
			want, wantOK := scanDays(h, from, h.searchDays(from))
			if ok != wantOK || !got.Equal(want) {
				t.Fatalf("%q: NextOpen(%v) = %v, %v; scan says %v, %v", spec, from.In(Location()), got.In(Location()), ok, want.In(Location()), wantOK)
			}
		}
	}
}

// scanDays finds the next opening by trying every minute boundary for days days.
func scanDays(h Hours, from time.Time, days int) (time.Time, bool) {
	if h.Open(from) {
		return from, true
	}
	m := from.Truncate(time.Minute)
	for i := 1; i <= days*24*60; i++ {
		c := m.Add(time.Duration(i) * time.Minute)
		if h.Open(c) {
			return c, true
		}
	}
	return time.Time{}, false
}

func TestUpcoming(t *testing.T) {
	h := mustParse(t, "mon-fri 09:00-16:00")
	if got := h.Upcoming(at(2026, 12, 1, 0, 0), 60); got == nil || len(got) != 0 {
		t.Fatalf("Upcoming without closures = %#v, want an empty list", got)
	}
	h, err := h.WithClosures([]Closure{{"2027-01-01", "nyårsdagen"}, {"2026-12-24", "julafton"}, {"2026-11-01", ""},
		{"2026-12-25", "juldagen"}, {"2026-12-31", "nyårsafton"}})
	if err != nil {
		t.Fatal(err)
	}
	dates := func(cs []Closure) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Date)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		now  time.Time
		days int
		want string
	}{
		{at(2026, 12, 24, 23, 30), 1, "2026-12-24"},
		{at(2026, 12, 24, 23, 30), 8, "2026-12-24,2026-12-25,2026-12-31"},
		{at(2026, 12, 24, 23, 30), 9, "2026-12-24,2026-12-25,2026-12-31,2027-01-01"},
		{utc(2026, 12, 24, 23, 30), 1, "2026-12-25"}, // 00:30 on the 25th in Stockholm
		{at(2026, 12, 1, 0, 0), 23, ""},
		{at(2026, 12, 1, 0, 0), 24, "2026-12-24"},
		{at(2026, 12, 1, 0, 0), 60, "2026-12-24,2026-12-25,2026-12-31,2027-01-01"},
		{at(2026, 10, 1, 0, 0), 60, "2026-11-01"},
		{at(2026, 12, 24, 10, 0), 0, ""},
		{at(2026, 12, 24, 10, 0), -1, ""},
		{at(2027, 1, 2, 10, 0), 400, ""},
	} {
		t.Run(fmt.Sprintf("%v+%d", c.now, c.days), func(t *testing.T) {
			got := h.Upcoming(c.now, c.days)
			if got == nil || dates(got) != c.want {
				t.Fatalf("Upcoming = %#v, want %q", got, c.want)
			}
		})
	}
	if got := h.Upcoming(at(2026, 12, 24, 0, 0), 1); got[0].Note != "julafton" {
		t.Errorf("the note: %+v", got)
	}
}

func TestValidDate(t *testing.T) {
	for s, want := range map[string]bool{
		"2026-12-24": true, "2028-02-29": true, "2026-02-29": false, "2026-13-01": false,
		"2026-12-1": false, "26-12-24": false, "2026/12/24": false, "": false, "2026-12-24 ": false,
	} {
		if got := ValidDate(s); got != want {
			t.Errorf("ValidDate(%q) = %v", s, got)
		}
	}
}
