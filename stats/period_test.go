package stats

import (
	"testing"
	"time"
)

func TestPeriod_LabelsAndSnapping(t *testing.T) {
	for _, c := range []struct {
		pt         periodType
		from, to   time.Time
		start, end string
		label      string // of the first period
	}{
		// 2026-01-01 is a Thursday: its ISO week starts on 2025-12-29 and is 2026-W01.
		{ptWeek, repDate(2026, 1, 1), repDate(2026, 1, 1), "2025-12-29", "2026-01-04", "2026-W01"},
		// 2027-01-01 is a Friday: it belongs to 2026-W53.
		{ptWeek, repDate(2027, 1, 1), repDate(2027, 1, 3), "2026-12-28", "2027-01-03", "2026-W53"},
		// 2024-12-30 is a Monday in 2025-W01.
		{ptWeek, repDate(2024, 12, 31), repDate(2024, 12, 31), "2024-12-30", "2025-01-05", "2025-W01"},
		{ptWeek, repDate(2026, 2, 1), repDate(2026, 2, 2), "2026-01-26", "2026-02-08", "2026-W05"},
		{ptMonth, repDate(2026, 3, 15), repDate(2026, 4, 2), "2026-03-01", "2026-04-30", "2026-03"},
		{ptMonth, repDate(2024, 2, 10), repDate(2024, 2, 10), "2024-02-01", "2024-02-29", "2024-02"},
		{ptQuarter, repDate(2026, 2, 10), repDate(2026, 8, 1), "2026-01-01", "2026-09-30", "2026-Q1"},
		{ptQuarter, repDate(2026, 12, 31), repDate(2026, 12, 31), "2026-10-01", "2026-12-31", "2026-Q4"},
		{ptYear, repDate(2025, 7, 1), repDate(2026, 1, 1), "2025-01-01", "2026-12-31", "2025"},
	} {
		s, e := snapRange(c.pt, c.from, c.to)
		if s.Format("2006-01-02") != c.start || e.Format("2006-01-02") != c.end {
			t.Errorf("%v %s..%s snapped to %s..%s, want %s..%s", c.pt, c.from.Format("2006-01-02"), c.to.Format("2006-01-02"),
				s.Format("2006-01-02"), e.Format("2006-01-02"), c.start, c.end)
		}
		if got := periodLabel(c.pt, s); got != c.label {
			t.Errorf("label of %v %s = %s, want %s", c.pt, s.Format("2006-01-02"), got, c.label)
		}
	}
	// The date of a time in another zone is its own calendar date.
	late := time.Date(2026, 3, 31, 23, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	if got := periodLabel(ptMonth, periodStart(ptMonth, late)); got != "2026-03" {
		t.Errorf("23:30 on 31 March CEST is in %s", got)
	}
	for _, s := range []string{"week", "month", "quarter", "year"} {
		if pt, ok := parsePeriodType(s); !ok || pt.String() != s {
			t.Errorf("parse %q: %v %v", s, pt, ok)
		}
	}
	if _, ok := parsePeriodType("day"); ok {
		t.Error("day accepted")
	}
}

func TestPeriod_Window(t *testing.T) {
	from, to := snapRange(ptYear, repDate(2026, 1, 1), repDate(2026, 12, 31))
	w := newWindow(ptYear, from, to)
	if n := len(w.periods[ptYear]); n != 1 {
		t.Fatalf("%d years", n)
	}
	if n := len(w.periods[ptQuarter]); n != 4 {
		t.Fatalf("%d quarters", n)
	}
	if n := len(w.periods[ptMonth]); n != 12 {
		t.Fatalf("%d months", n)
	}
	// 2026 has 53 ISO weeks; W01 starts in 2025 and W53 ends in 2027, so 51
	// lie wholly inside the calendar year.
	if n := len(w.periods[ptWeek]); n != 51 {
		t.Fatalf("%d weeks inside 2026", n)
	}
	if w.periods[ptWeek][0].label != "2026-W02" {
		t.Errorf("first whole week %s", w.periods[ptWeek][0].label)
	}
	y := w.periods[ptYear][0]
	if len(y.sub) != 4 || len(y.weeks) != 51 || y.firstMonth != 0 || y.lastMonth != 11 {
		t.Errorf("year: %d quarters, %d weeks, months %d..%d", len(y.sub), len(y.weeks), y.firstMonth, y.lastMonth)
	}
	q1 := w.periods[ptQuarter][0]
	if len(q1.sub) != 3 || q1.firstMonth != 0 || q1.lastMonth != 2 {
		t.Errorf("Q1: %v months %d..%d", q1.sub, q1.firstMonth, q1.lastMonth)
	}
	// February 2026 starts on a Sunday and ends on a Saturday: W06..W08 lie inside.
	feb := w.periods[ptMonth][1]
	var labels []string
	for _, wi := range feb.weeks {
		labels = append(labels, w.periods[ptWeek][wi].label)
	}
	if len(labels) != 3 || labels[0] != "2026-W06" || labels[2] != "2026-W08" {
		t.Errorf("weeks inside February: %v", labels)
	}
	// Every day of 2026 is in its month, quarter and year.
	for d := w.from; d <= w.to; d++ {
		for pt := ptMonth; pt <= ptYear; pt++ {
			pi := w.index(pt, d)
			if pi < 0 || w.periods[pt][pi].start > d || w.periods[pt][pi].end < d {
				t.Fatalf("day %s not in its %v", dateOfDay(d).Format("2006-01-02"), pt)
			}
		}
	}
	if w.index(ptWeek, dayNumber(repDate(2026, 1, 2))) != -1 {
		t.Error("2 January is in a week that starts in 2025, not wholly inside the window")
	}
}
