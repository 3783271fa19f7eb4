package stats

import (
	"fmt"
	"strconv"
	"time"
)

// periodType is the length of a report period. The order matters: a period
// of one type is made of whole periods of the types before it (a week is the
// exception: ISO weeks do not nest in months, so a month holds only the weeks
// that lie wholly inside it).
type periodType uint8

const (
	ptWeek periodType = iota
	ptMonth
	ptQuarter
	ptYear
	numPeriodTypes
)

var periodTypeNames = [numPeriodTypes]string{"week", "month", "quarter", "year"}

func (pt periodType) String() string { return periodTypeNames[pt] }

// parsePeriodType reads the period query value.
func parsePeriodType(s string) (periodType, bool) {
	for i, n := range periodTypeNames {
		if n == s {
			return periodType(i), true
		}
	}
	return 0, false
}

// maxRangeYears bounds the range a report may cover.
const maxRangeYears = 10

// dateOf is the calendar date of t (in t's own location) as midnight UTC, the
// form all period arithmetic here uses.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dayNumber counts days since 1970-01-01 for a date made by dateOf.
func dayNumber(d time.Time) int { return int(d.Unix() / 86400) }

// dateOfDay is the inverse of dayNumber.
func dateOfDay(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

// periodStart is the first day of the period of type pt that holds the date d.
func periodStart(pt periodType, d time.Time) time.Time {
	d = dateOf(d)
	switch pt {
	case ptWeek:
		wd := int(d.Weekday()+6) % 7 // Monday 0 … Sunday 6
		return d.AddDate(0, 0, -wd)
	case ptMonth:
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	case ptQuarter:
		m := (int(d.Month())-1)/3*3 + 1
		return time.Date(d.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(d.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
}

// periodAfter is the first day of the period after the one starting at start.
func periodAfter(pt periodType, start time.Time) time.Time {
	switch pt {
	case ptWeek:
		return start.AddDate(0, 0, 7)
	case ptMonth:
		return start.AddDate(0, 1, 0)
	case ptQuarter:
		return start.AddDate(0, 3, 0)
	default:
		return start.AddDate(1, 0, 0)
	}
}

// periodEnd is the last day of the period of type pt that holds the date d.
func periodEnd(pt periodType, d time.Time) time.Time {
	return periodAfter(pt, periodStart(pt, d)).AddDate(0, 0, -1)
}

// periodLabel names the period starting at start: "2026-W05" (the ISO week
// belongs to its ISO year), "2026-03", "2026-Q1", "2026".
func periodLabel(pt periodType, start time.Time) string {
	switch pt {
	case ptWeek:
		y, w := start.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case ptMonth:
		return start.Format("2006-01")
	case ptQuarter:
		return fmt.Sprintf("%04d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
	default:
		return strconv.Itoa(start.Year())
	}
}

// snapRange widens [from, to] to whole periods of type pt: from back to the
// start of its period, to forward to the end of its period.
func snapRange(pt periodType, from, to time.Time) (time.Time, time.Time) {
	return periodStart(pt, from), periodEnd(pt, to)
}

// period is one report period, as day numbers (both ends included).
type period struct {
	label      string
	start, end int
	// weeks are the indexes of the ISO weeks wholly inside this period (for
	// months, quarters and years), sub the indexes of the periods one type
	// down that make it up (quarter: months, year: quarters).
	weeks []int32
	sub   []int32
	// firstMonth and lastMonth index the months of this period (months,
	// quarters and years), for the hour-of-week relation.
	firstMonth, lastMonth int32
}

// window is the stretch of days a report reads, and the periods of every type
// up to the report's own that lie wholly inside it.
type window struct {
	top      periodType
	from, to int // day numbers, both included
	periods  [numPeriodTypes][]period
	// dayIdx[day-from][pt] is the index of the period of type pt that holds
	// the day, or -1 when that period is not wholly inside the window.
	dayIdx [][numPeriodTypes]int32
}

// newWindow lays out the periods of the snapped range [from, to] (dates made
// by dateOf and snapped to whole periods of type top).
func newWindow(top periodType, from, to time.Time) *window {
	w := &window{top: top, from: dayNumber(from), to: dayNumber(to)}
	for pt := ptWeek; pt <= top; pt++ {
		start := periodStart(pt, from)
		if start.Before(from) {
			start = periodAfter(pt, start)
		}
		for ; ; start = periodAfter(pt, start) {
			end := periodAfter(pt, start).AddDate(0, 0, -1)
			if end.After(to) {
				break
			}
			w.periods[pt] = append(w.periods[pt], period{
				label: periodLabel(pt, start),
				start: dayNumber(start),
				end:   dayNumber(end),
			})
		}
	}
	w.dayIdx = make([][numPeriodTypes]int32, w.to-w.from+1)
	for i := range w.dayIdx {
		for pt := range w.dayIdx[i] {
			w.dayIdx[i][pt] = -1
		}
	}
	for pt := ptWeek; pt <= top; pt++ {
		for pi, p := range w.periods[pt] {
			for d := p.start; d <= p.end; d++ {
				w.dayIdx[d-w.from][pt] = int32(pi)
			}
		}
	}
	// Nesting: weeks inside, the periods one type down, the months.
	for pt := ptMonth; pt <= top; pt++ {
		for pi := range w.periods[pt] {
			p := &w.periods[pt][pi]
			for wi, wk := range w.periods[ptWeek] {
				if wk.start >= p.start && wk.end <= p.end {
					p.weeks = append(p.weeks, int32(wi))
				}
			}
			p.firstMonth = w.dayIdx[p.start-w.from][ptMonth]
			p.lastMonth = w.dayIdx[p.end-w.from][ptMonth]
			if pt > ptMonth {
				down := pt - 1
				for si, s := range w.periods[down] {
					if s.start >= p.start && s.end <= p.end {
						p.sub = append(p.sub, int32(si))
					}
				}
			}
		}
	}
	return w
}

// index is the period of type pt holding day number d, or -1.
func (w *window) index(pt periodType, d int) int32 {
	if d < w.from || d > w.to || pt > w.top {
		return -1
	}
	return w.dayIdx[d-w.from][pt]
}
