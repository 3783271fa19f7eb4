package hours

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParse(tb testing.TB, spec string) Hours {
	tb.Helper()
	h, err := Parse(spec)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", spec, err)
	}
	return h
}

// at is a Stockholm wall-clock time. For an hour that occurs twice it is
// ambiguous; use utc for those.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Location())
}

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func TestParse_Valid(t *testing.T) {
	cases := []struct {
		spec      string
		canonical string
		spans     []Span
	}{
		{"mon-fri 09:00-16:00", "mon-fri 09:00-16:00",
			[]Span{{[]int{1, 2, 3, 4, 5}, "09:00", "16:00"}}},
		{"  Always ", "always",
			[]Span{{[]int{1, 2, 3, 4, 5, 6, 7}, "00:00", "24:00"}}},
		{"mon-thu 09:00-16:00; fri 09:00-12:00; sun 18:00-21:00", "mon-thu 09:00-16:00; fri 09:00-12:00; sun 18:00-21:00",
			[]Span{{[]int{1, 2, 3, 4}, "09:00", "16:00"}, {[]int{5}, "09:00", "12:00"}, {[]int{7}, "18:00", "21:00"}}},
		{"MON,Wed,fri 8:30-17:00", "mon,wed,fri 08:30-17:00",
			[]Span{{[]int{1, 3, 5}, "08:30", "17:00"}}},
		{"mon-wed,fri 10:00-11:00", "mon-wed,fri 10:00-11:00",
			[]Span{{[]int{1, 2, 3, 5}, "10:00", "11:00"}}},
		{"  sat , sun   00:00 - 24:00 ;", "sat,sun 00:00-24:00",
			[]Span{{[]int{6, 7}, "00:00", "24:00"}}},
		{"fri,mon 09:00-10:00", "mon,fri 09:00-10:00",
			[]Span{{[]int{1, 5}, "09:00", "10:00"}}},
		{"mon-wed,tue-thu 09:00-10:00", "mon-thu 09:00-10:00",
			[]Span{{[]int{1, 2, 3, 4}, "09:00", "10:00"}}},
		{"mon-sun 12:00-13:00; mon 12:30-14:00", "mon-sun 12:00-13:00; mon 12:30-14:00",
			[]Span{{[]int{1, 2, 3, 4, 5, 6, 7}, "12:00", "13:00"}, {[]int{1}, "12:30", "14:00"}}},
		{"sun 23:59-24:00", "sun 23:59-24:00",
			[]Span{{[]int{7}, "23:59", "24:00"}}},
		{"tue-tue 01:00-02:00", "tue 01:00-02:00",
			[]Span{{[]int{2}, "01:00", "02:00"}}},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			h := mustParse(t, c.spec)
			if got := h.String(); got != c.canonical {
				t.Errorf("String() = %q, want %q", got, c.canonical)
			}
			if got := h.Spans(); !reflect.DeepEqual(got, c.spans) {
				t.Errorf("Spans() = %+v, want %+v", got, c.spans)
			}
			if h.Always() != (c.canonical == "always") {
				t.Errorf("Always() = %v", h.Always())
			}
		})
	}
}

func TestParse_Invalid(t *testing.T) {
	cases := []struct{ spec, errHas string }{
		{"", "empty spec"},
		{"   ", "empty spec"},
		{";;", "no groups"},
		{"mon-fri", `group "mon-fri": missing the time range`},
		{"09:00-16:00", "missing the days"},
		{"mon-fir 09:00-16:00", `unknown day "fir"`},
		{"monday 09:00-16:00", `unknown day "monday"`},
		{"fri-mon 09:00-16:00", `"fri-mon" runs backwards`},
		{"mon,,tue 09:00-16:00", "empty day"},
		{"mon, 09:00-16:00", "empty day"},
		{"mon- 09:00-16:00", `unknown day ""`},
		{"mon 09:00", `"09:00" is not HH:MM-HH:MM`},
		{"mon 9-16", `time "9" is not HH:MM`},
		{"mon 09:00-16:60", `"16:60" is not a time of day`},
		{"mon 25:00-26:00", `"25:00" is not a time of day`},
		{"mon 24:00-24:00", "24:00 is only a closing time"},
		{"mon 24:30-24:00", "not a time of day"},
		{"mon 16:00-09:00", "must be before closing time"},
		{"mon 09:00-09:00", "must be before closing time"},
		{"mon 09:00-16:00-17:00", `"16:00-17:00" is not HH:MM`},
		{"mon 009:00-16:00", `"009:00" is not HH:MM`},
		{"mon 09:00-16:00; always", `"always" cannot be combined`},
		{"mon 09:00-16:00; tue", `group "tue"`},
		{"mon 9:0x-10:00", "not HH:MM"},
		{"mån 09:00-16:00", "unknown day"},
		{strings.Repeat("mon 09:00-10:00;", 100), "longer than"},
		{strings.Repeat("mon 09:00-10:00;", 33), "more than 32 groups"},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			_, err := Parse(c.spec)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", c.spec)
			}
			if !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("Parse(%q) = %q, want it to mention %q", c.spec, err, c.errHas)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	// 2026-11-23 is a Monday.
	office := mustParse(t, "mon-fri 09:00-16:00; sun 18:00-21:00")
	night := mustParse(t, "fri 20:00-24:00; sat 00:00-02:00")
	cases := []struct {
		name string
		h    Hours
		t    time.Time
		want bool
	}{
		{"monday opening minute", office, at(2026, 11, 23, 9, 0), true},
		{"monday just before", office, at(2026, 11, 23, 8, 59), false},
		{"monday last second", office, at(2026, 11, 23, 15, 59).Add(59*time.Second + 999*time.Millisecond), true},
		{"monday closing minute", office, at(2026, 11, 23, 16, 0), false},
		{"saturday", office, at(2026, 11, 28, 12, 0), false},
		{"sunday evening", office, at(2026, 11, 29, 20, 59), true},
		{"sunday 21:00", office, at(2026, 11, 29, 21, 0), false},
		{"other zone, same instant", office, at(2026, 11, 23, 9, 30).In(time.UTC), true},
		{"utc 08:30 is 09:30 in winter", office, utc(2026, 11, 23, 8, 30), true},
		{"utc 07:30 is 09:30 in summer", office, utc(2026, 6, 15, 7, 30), true},
		{"utc 07:59 is 08:59 in winter", office, utc(2026, 1, 5, 7, 59), false},
		{"friday 23:59 across midnight", night, at(2026, 11, 27, 23, 59), true},
		{"saturday 00:00", night, at(2026, 11, 28, 0, 0), true},
		{"saturday 02:00", night, at(2026, 11, 28, 2, 0), false},
		{"friday 19:59", night, at(2026, 11, 27, 19, 59), false},
		{"always", mustParse(t, "always"), at(2026, 12, 24, 3, 0), true},
		{"zero hours", Hours{}, at(2026, 12, 24, 3, 0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.h.Open(c.t); got != c.want {
				t.Errorf("Open(%v) = %v, want %v", c.t.In(Location()), got, c.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	office := mustParse(t, "mon-fri 09:00-16:00")
	weekend := mustParse(t, "sat,sun 10:00-12:00")
	late := mustParse(t, "wed 23:00-24:00; thu 00:00-01:00")
	checkNextOpen(t, []nextOpenCase{
		{"open now returns t", office, at(2026, 11, 23, 10, 17).Add(3 * time.Second), at(2026, 11, 23, 10, 17).Add(3 * time.Second), true},
		{"before opening", office, at(2026, 11, 23, 7, 0), at(2026, 11, 23, 9, 0), true},
		{"after closing → next day", office, at(2026, 11, 23, 16, 0), at(2026, 11, 24, 9, 0), true},
		{"friday evening → monday", office, at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 0), true},
		{"saturday → monday", office, at(2026, 11, 28, 12, 0), at(2026, 11, 30, 9, 0), true},
		{"sub-second before opening", office, at(2026, 11, 23, 9, 0).Add(-time.Millisecond), at(2026, 11, 23, 9, 0), true},
		{"across year end", weekend, at(2026, 12, 31, 12, 0), at(2027, 1, 2, 10, 0), true},
		{"sunday after close → next saturday", weekend, at(2026, 11, 29, 12, 0), at(2026, 12, 5, 10, 0), true},
		{"midnight window thu 00:00 open", late, at(2026, 11, 26, 0, 30), at(2026, 11, 26, 0, 30), true},
		{"thu 01:00 → next wed 23:00", late, at(2026, 11, 26, 1, 0), at(2026, 12, 2, 23, 0), true},
		{"always", mustParse(t, "always"), at(2026, 1, 1, 0, 0), at(2026, 1, 1, 0, 0), true},
		{"zero hours never", Hours{}, at(2026, 1, 1, 0, 0), time.Time{}, false},
		{"input in UTC", office, utc(2026, 11, 23, 5, 0), at(2026, 11, 23, 9, 0), true},
	})
}

// nextOpenCase is one NextOpen expectation: from t, the next opening is
// want (wantOK false: never).
type nextOpenCase struct {
	name   string
	h      Hours
	t      time.Time
	want   time.Time
	wantOK bool
}

// checkNextOpen runs the cases, and checks that each result is open.
func checkNextOpen(t *testing.T, cases []nextOpenCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.h.NextOpen(c.t)
			if ok != c.wantOK || !got.Equal(c.want) {
				t.Fatalf("NextOpen(%v) = %v, %v; want %v, %v", c.t.In(Location()), got.In(Location()), ok, c.want, c.wantOK)
			}
			if ok && !c.h.Open(got) {
				t.Errorf("not open at NextOpen result %v", got)
			}
		})
	}
}

// TestDST uses 2026's changes: clocks go forward on Sunday 29 March at 02:00
// CET (01:00 UTC) to 03:00 CEST, and back on Sunday 25 October at 03:00 CEST
// (01:00 UTC) to 02:00 CET.
func TestDST(t *testing.T) {
	h := mustParse(t, "sun 02:00-03:00")

	t.Run("spring: the window does not exist", func(t *testing.T) {
		for _, u := range []time.Time{
			utc(2026, 3, 29, 0, 59), // 01:59 CET
			utc(2026, 3, 29, 1, 0),  // 03:00 CEST
			utc(2026, 3, 29, 1, 30),
		} {
			if h.Open(u) {
				t.Errorf("open at %v", u.In(Location()))
			}
		}
		// Saturday evening: the next opening is a week later, Sunday 5 April 02:00 CEST.
		got, ok := h.NextOpen(at(2026, 3, 28, 20, 0))
		if want := utc(2026, 4, 5, 0, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, %v; want %v", got, ok, want)
		}
	})

	t.Run("spring: a window across the gap opens at the jump", func(t *testing.T) {
		h2 := mustParse(t, "sun 02:30-04:00")
		got, ok := h2.NextOpen(at(2026, 3, 29, 0, 0))
		if want := utc(2026, 3, 29, 1, 0); !ok || !got.Equal(want) { // 03:00 CEST
			t.Errorf("NextOpen = %v, %v; want %v", got.In(Location()), ok, want.In(Location()))
		}
		if !h2.Open(utc(2026, 3, 29, 1, 59)) || h2.Open(utc(2026, 3, 29, 2, 0)) {
			t.Error("03:00-04:00 CEST should be open, 04:00 not")
		}
		// A window 01:00-02:30 ends at the jump.
		h3 := mustParse(t, "sun 01:00-02:30")
		if !h3.Open(utc(2026, 3, 29, 0, 59)) || h3.Open(utc(2026, 3, 29, 1, 0)) {
			t.Error("01:00-02:30 should close at 03:00 CEST")
		}
	})

	t.Run("autumn: the window happens twice", func(t *testing.T) {
		for _, c := range []struct {
			u    time.Time
			want bool
		}{
			{utc(2026, 10, 24, 23, 59), false}, // 01:59 CEST
			{utc(2026, 10, 25, 0, 0), true},    // 02:00 CEST
			{utc(2026, 10, 25, 0, 59), true},   // 02:59 CEST
			{utc(2026, 10, 25, 1, 0), true},    // 02:00 CET, again
			{utc(2026, 10, 25, 1, 59), true},   // 02:59 CET
			{utc(2026, 10, 25, 2, 0), false},   // 03:00 CET
		} {
			if got := h.Open(c.u); got != c.want {
				t.Errorf("Open(%v) = %v, want %v", c.u.In(Location()), got, c.want)
			}
		}
		// NextOpen from 01:00 CEST finds the first 02:00.
		got, ok := h.NextOpen(utc(2026, 10, 24, 23, 0))
		if want := utc(2026, 10, 25, 0, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, %v; want %v", got, ok, want)
		}
		// After the second 02:00-03:00 the next one is Sunday 1 November, 02:00 CET.
		got, ok = h.NextOpen(utc(2026, 10, 25, 2, 0))
		if want := utc(2026, 11, 1, 1, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, %v; want %v", got, ok, want)
		}
	})

	t.Run("autumn: clocks going back reopen a window", func(t *testing.T) {
		h2 := mustParse(t, "sun 02:00-02:30")
		// At 02:45 CEST it is closed; when clocks go back at 03:00 CEST the
		// wall clock shows 02:00 again.
		got, ok := h2.NextOpen(utc(2026, 10, 25, 0, 45))
		if want := utc(2026, 10, 25, 1, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, %v; want %v", got.In(Location()), ok, want.In(Location()))
		}
	})

	t.Run("office hours keep wall time across the change", func(t *testing.T) {
		office := mustParse(t, "mon-fri 09:00-16:00")
		// Friday 27 March 16:00 CET → Monday 30 March 09:00 CEST (07:00 UTC).
		got, ok := office.NextOpen(at(2026, 3, 27, 16, 0))
		if want := utc(2026, 3, 30, 7, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, want %v", got, want)
		}
		// Friday 23 October 16:00 CEST → Monday 26 October 09:00 CET (08:00 UTC).
		got, ok = office.NextOpen(at(2026, 10, 23, 16, 0))
		if want := utc(2026, 10, 26, 8, 0); !ok || !got.Equal(want) {
			t.Errorf("NextOpen = %v, want %v", got, want)
		}
	})
}

// TestNextOpen_Limit checks the 8-day bound: a window that falls on the
// spring-forward hour is skipped that week, pushing the next opening 14 days out.
func TestNextOpen_Limit(t *testing.T) {
	h := mustParse(t, "sun 02:00-03:00")
	if got, ok := h.NextOpen(at(2026, 3, 22, 4, 0)); ok {
		t.Errorf("NextOpen beyond 8 days = %v, want false", got)
	}
}

// TestNextOpen_Exhaustive compares NextOpen with a minute-by-minute scan over
// a year of starting points, DST changes included.
func TestNextOpen_Exhaustive(t *testing.T) {
	specs := []string{"mon-fri 09:00-16:00; sun 18:00-21:00", "sun 02:00-03:00; wed 02:30-02:45", "sat 23:00-24:00; sun 00:00-02:30"}
	for _, spec := range specs {
		h := mustParse(t, spec)
		start := utc(2026, 1, 1, 0, 7)
		for i := range 24 * 365 / 7 {
			from := start.Add(time.Duration(i) * 7 * time.Hour).Add(time.Duration(i%60) * time.Second)
			got, ok := h.NextOpen(from)
			want, wantOK := scan(h, from)
			if ok != wantOK || !got.Equal(want) {
				t.Fatalf("%q: NextOpen(%v) = %v, %v; scan says %v, %v", spec, from.In(Location()), got.In(Location()), ok, want.In(Location()), wantOK)
			}
		}
	}
}

// scan finds the next opening by trying every minute boundary for 8 days.
func scan(h Hours, from time.Time) (time.Time, bool) {
	if h.Open(from) {
		return from, true
	}
	m := from.Truncate(time.Minute)
	for i := 1; i <= 8*24*60; i++ {
		c := m.Add(time.Duration(i) * time.Minute)
		if h.Open(c) {
			return c, true
		}
	}
	return time.Time{}, false
}

func TestLocation(t *testing.T) {
	if Location().String() != TimeZone {
		t.Fatalf("Location = %v", Location())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"always", "mon-fri 09:00-16:00", "mon-thu 09:00-16:00; fri 09:00-12:00; sun 18:00-21:00",
		"mon,wed,fri 8:30-17:00", "sat,sun 00:00-24:00", "fri-mon 1:00-2:00", "mon 24:00-24:00", ";",
		"MON - WED , FRI  10:00 - 11:00 ;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		h, err := Parse(spec)
		if err != nil {
			return
		}
		canon := h.String()
		h2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, spec, err)
		}
		if !reflect.DeepEqual(h.Spans(), h2.Spans()) {
			t.Fatalf("spans differ after round trip of %q via %q: %+v vs %+v", spec, canon, h.Spans(), h2.Spans())
		}
		if h2.String() != canon {
			t.Fatalf("String not stable: %q → %q", canon, h2.String())
		}
		now := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)
		if next, ok := h.NextOpen(now); ok && !h.Open(next) {
			t.Fatalf("%q: closed at NextOpen %v", spec, next)
		}
	})
}

func TestClock(t *testing.T) {
	for s, want := range map[string]int{"00:00": 0, "09:05": 545, "23:59": 1439, "24:00": 1440} {
		if got, ok := Clock(s); !ok || got != want {
			t.Errorf("Clock(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "9:00", "09:60", "24:01", "25:00", "0900", "09.00", "09:0a", " 09:00"} {
		if _, ok := Clock(s); ok {
			t.Errorf("Clock(%q) is ok", s)
		}
	}
}
