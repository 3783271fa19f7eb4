package hours

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Closure is a whole day the chat is closed although the weekly hours say
// open (a public holiday).
type Closure struct {
	Date string `json:"date"` // "YYYY-MM-DD", a day in Europe/Stockholm
	Note string `json:"note"` // shown to parents, e.g. "julafton"; may be ""
}

// Limits of the closures.
const (
	MaxClosures = 100 // closures one Hours holds
	MaxNote     = 60  // characters (runes) of a closure's note
)

// WithClosures returns h closed all day on the dates of cs as well,
// replacing any closures h had (none: no closed days). It refuses a date that
// is not "YYYY-MM-DD", a date given twice, a note longer than MaxNote
// characters or holding control characters, and more than MaxClosures
// closures; an error names the closure by its index in cs. Open is false on a
// closure's date and NextOpen skips it. "Always" hours can have closures too:
// open always except on those days.
func (h Hours) WithClosures(cs []Closure) (Hours, error) {
	if len(cs) > MaxClosures {
		return Hours{}, fmt.Errorf("hours: more than %d closures", MaxClosures)
	}
	seen := make(map[string]int, len(cs))
	for i, c := range cs {
		if err := checkClosure(c); err != nil {
			return Hours{}, fmt.Errorf("hours: closure %d: %w", i, err)
		}
		if j, dup := seen[c.Date]; dup {
			return Hours{}, fmt.Errorf("hours: closure %d: the date %s is already closure %d", i, c.Date, j)
		}
		seen[c.Date] = i
	}
	h.closed = nil
	if len(cs) > 0 {
		h.closed = slices.Clone(cs)
		slices.SortFunc(h.closed, func(a, b Closure) int { return strings.Compare(a.Date, b.Date) })
	}
	return h, nil
}

// checkClosure checks one closure's date and note.
func checkClosure(c Closure) error {
	if !ValidDate(c.Date) {
		return fmt.Errorf("date %q is not YYYY-MM-DD", c.Date)
	}
	if !utf8.ValidString(c.Note) || strings.ContainsFunc(c.Note, unicode.IsControl) {
		return fmt.Errorf("the note of %s holds control characters or is not UTF-8", c.Date)
	}
	if n := utf8.RuneCountInString(c.Note); n > MaxNote {
		return fmt.Errorf("the note of %s is %d characters, more than %d", c.Date, n, MaxNote)
	}
	return nil
}

// ValidDate reports whether s is a calendar date written "YYYY-MM-DD".
func ValidDate(s string) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Format(time.DateOnly) == s
}

// Closures lists the closures, sorted by date (a copy; nil when none).
func (h Hours) Closures() []Closure { return slices.Clone(h.closed) }

// Upcoming lists the closures from now's date in Stockholm on, within days
// days: today is the first of them, so Upcoming(now, 1) is at most today's.
// The list is sorted by date and never nil.
func (h Hours) Upcoming(now time.Time, days int) []Closure {
	out := []Closure{}
	if days <= 0 {
		return out
	}
	today := now.In(stockholm)
	y, m, d := today.Date()
	end := time.Date(y, m, d+days, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) // the first day after
	for _, c := range h.closed[h.firstFrom(dateOf(today)):] {
		if c.Date >= end {
			break
		}
		out = append(out, c)
	}
	return out
}

// dateOf is t's date as "YYYY-MM-DD", in t's location.
func dateOf(t time.Time) string { return t.Format(time.DateOnly) }

// firstFrom is the index of the first closure dated date or later.
// Dates of four-digit years compare as strings.
func (h Hours) firstFrom(date string) int {
	i, _ := slices.BinarySearchFunc(h.closed, date, func(c Closure, d string) int { return strings.Compare(c.Date, d) })
	return i
}

// closedOn reports whether the Stockholm time l falls on a closure's date.
func (h Hours) closedOn(l time.Time) bool {
	return len(h.closed) > 0 && h.closedOnDate(dateOf(l))
}

// closedOnDate reports whether date ("YYYY-MM-DD") is a closure's date.
func (h Hours) closedOnDate(date string) bool {
	i := h.firstFrom(date)
	return i < len(h.closed) && h.closed[i].Date == date
}
