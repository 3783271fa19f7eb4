package personnummer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// now is the clock for the tests: a day in 2026.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// The vectors are from docs DOMAIN.md §2 (personnummer/meta testdata,
// re-checked). Numbers built in the tests below are all invalid ones.
func TestParse_Valid(t *testing.T) {
	tests := []struct {
		in           string
		long, short  string
		coordination bool
		born         string
	}{
		{"198211059954", "198211059954", "821105-9954", false, "1982-11-05"},
		{"199012119948", "199012119948", "901211-9948", false, "1990-12-11"},
		{"200012099891", "200012099891", "001209-9891", false, "2000-12-09"},
		{"19090527+1474", "190905271474", "090527+1474", false, "1909-05-27"},
		{"090527+1474", "190905271474", "090527+1474", false, "1909-05-27"},
		{"18791221+9990", "187912219990", "791221+9990", false, "1879-12-21"},
		{"791221+9990", "187912219990", "791221+9990", false, "1879-12-21"},
		{"195705749959", "195705749959", "570574-9959", true, "1957-05-14"},
		{"197306749982", "197306749982", "730674-9982", true, "1973-06-14"},
		{"730674-9982", "197306749982", "730674-9982", true, "1973-06-14"},
		// Every accepted form of one number.
		{"821105-9954", "198211059954", "821105-9954", false, "1982-11-05"},
		{"8211059954", "198211059954", "821105-9954", false, "1982-11-05"},
		{"19821105-9954", "198211059954", "821105-9954", false, "1982-11-05"},
		{"19821105+9954", "198211059954", "821105-9954", false, "1982-11-05"},
		{"  821105-9954\t", "198211059954", "821105-9954", false, "1982-11-05"},
		{"\n198211059954 ", "198211059954", "821105-9954", false, "1982-11-05"},
		// Without a separator a 10-digit number is under 100.
		{"0905271474", "200905271474", "090527-1474", false, "2009-05-27"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if n.Long() != tt.long || n.Short(now) != tt.short || n.Coordination() != tt.coordination ||
			n.BirthDate().Format(time.DateOnly) != tt.born {
			t.Errorf("Parse(%q) = long %s short %s coordination %v born %s; want %s %s %v %s", tt.in,
				n.Long(), n.Short(now), n.Coordination(), n.BirthDate().Format(time.DateOnly),
				tt.long, tt.short, tt.coordination, tt.born)
		}
		if !Valid(tt.in, now) {
			t.Errorf("Valid(%q) = false", tt.in)
		}
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		in   string
		want *Error
	}{
		{"198707049996", ErrChecksum},            // bad Luhn
		{"193901829913", ErrChecksum},            // samordningsnummer, bad Luhn
		{"201509160006", ErrSerial},              // Luhn OK, birth number 000
		{"19090527 1474", ErrFormat},             // space as separator
		{"090527 1474", ErrFormat},               // the same, short
		{"", ErrFormat},                          // nothing
		{"   ", ErrFormat},                       // only spaces
		{"82110599", ErrFormat},                  // too short
		{"1982110599541", ErrFormat},             // 13 digits
		{"19821105--9954", ErrFormat},            // two separators
		{"821105/9954", ErrFormat},               // unknown separator
		{"8211O59954", ErrFormat},                // letter O
		{"821105–9954", ErrFormat},               // en dash
		{"82-1105-9954", ErrFormat},              // separator in the wrong place
		{"8211059954-", ErrFormat},               // separator at the end
		{"+8211059954", ErrFormat},               // separator first
		{"١٩٨٢١١٠٥٩٩٥٤", ErrFormat},              // non-ASCII digits
		{"821105-99 54", ErrFormat},              // inner space
		{withCheck("821305999"), ErrDate},        // month 13
		{withCheck("820005999"), ErrDate},        // month 0
		{withCheck("821100999"), ErrDate},        // day 0
		{withCheck("821131999"), ErrDate},        // 31 November
		{withCheck("821160999"), ErrDate},        // samordning day 0 (60)
		{withCheck("821191999"), ErrDate},        // samordning day 31 November
		{withCheck("230229999"), ErrDate},        // 29 February 2023
		{"17" + withCheck("991231999"), ErrDate}, // before 1800
		{"20" + withCheck("261231999"), ErrFuture},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, now)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, err, tt.want)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Sv == "" || pe.En == "" || pe.Message("sv") != pe.Sv || pe.Message("en") != pe.En {
			t.Errorf("Parse(%q): error %v has no Swedish and English message", tt.in, err)
		}
	}
}

// withCheck appends the Luhn check digit to nine digits. Used only to build
// numbers that are invalid for another reason.
func withCheck(nine string) string {
	for c := byte('0'); c <= '9'; c++ {
		if luhnValid(nine + string(c)) {
			return nine + string(c)
		}
	}
	panic("no check digit")
}

func TestLuhnWorkedExample(t *testing.T) {
	// DOMAIN.md: 640823-323 has check digit 4.
	if got := withCheck("640823323"); got != "6408233234" {
		t.Fatalf("check digit of 640823323 = %s, want 6408233234", got)
	}
}

// The separator changes in the calendar year of the 100th birthday, not on
// the birthday.
func TestCentury_CalendarYear(t *testing.T) {
	n, err := Parse("190905271474", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now   time.Time
		short string
	}{
		{time.Date(2008, 12, 31, 23, 0, 0, 0, time.UTC), "090527-1474"}, // turns 99 this year
		{time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC), "090527+1474"},    // turns 100 this year, birthday not yet
		{time.Date(2009, 5, 27, 0, 0, 0, 0, time.UTC), "090527+1474"},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "090527+1474"},
	} {
		if got := n.Short(tt.now); got != tt.short {
			t.Errorf("Short at %s = %s, want %s", tt.now.Format(time.DateOnly), got, tt.short)
		}
		back, err := Parse(tt.short, tt.now)
		if err != nil || back.Long() != n.Long() {
			t.Errorf("Parse(%q) at %s = %v, %v; want %s", tt.short, tt.now.Format(time.DateOnly), back.Long(), err, n.Long())
		}
	}

	// In 2008, "090527+1474" means someone born 1809.
	old, err := Parse("090527+1474", time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || old.Long() != "180905271474" {
		t.Errorf("Parse(090527+1474) in 2008 = %s, %v; want 180905271474", old.Long(), err)
	}
	// '-' means within the last hundred years, so a year after this one's
	// two digits is the previous century.
	prev, err := Parse("821105-9954", time.Date(1981, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || prev.Long() != "188211059954" {
		t.Errorf("Parse(821105-9954) in 1981 = %s, %v; want 188211059954", prev.Long(), err)
	}
	// Born today is fine; tomorrow is not.
	if _, err := Parse("200012099891", time.Date(2000, 12, 9, 8, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("born today: %v", err)
	}
	if _, err := Parse("200012099891", time.Date(2000, 12, 8, 23, 0, 0, 0, time.UTC)); !errors.Is(err, ErrFuture) {
		t.Errorf("born tomorrow: %v, want ErrFuture", err)
	}
}

func TestDaysIn(t *testing.T) {
	for _, tt := range []struct {
		y    int
		m    time.Month
		want int
	}{{2024, 2, 29}, {2023, 2, 28}, {1900, 2, 28}, {2000, 2, 29}, {2026, 4, 30}, {2026, 12, 31}} {
		if got := daysIn(tt.y, tt.m); got != tt.want {
			t.Errorf("daysIn(%d, %d) = %d, want %d", tt.y, tt.m, got, tt.want)
		}
	}
}

func TestNumberNeverPrintsItsDigits(t *testing.T) {
	n, err := Parse("198211059954", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, n); strings.Contains(s, "9954") || strings.Contains(s, "821105") {
			t.Errorf("Sprintf(%q) = %q shows the number", format, s)
		}
	}
	var zero Number
	if !zero.IsZero() || zero.Long() != "" || zero.Short(now) != "" || zero.Coordination() || !zero.BirthDate().IsZero() {
		t.Error("the zero Number is not empty")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"198211059954", "19090527+1474", "090527+1474", "195705749959",
		"730674-9982", "198707049996", "19090527 1474", "", "+", "000000-0000", "991399+9999"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, offset int64) {
		// Any "now" from 1900 to 2100.
		at := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(offset%(200*365*24)) * time.Hour)
		if at.Year() < 1900 {
			at = at.AddDate(200, 0, 0)
		}
		n, err := Parse(s, at)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not an *Error", s, err)
			}
			if n != (Number{}) {
				t.Fatalf("Parse(%q) failed but returned a number", s)
			}
			return
		}
		long := n.Long()
		if len(long) != 12 || strings.Trim(long, "0123456789") != "" {
			t.Fatalf("Parse(%q).Long() = %q", s, long)
		}
		again, err := Parse(long, at)
		if err != nil || again != n {
			t.Fatalf("Parse(Long) of %q = %v, %v", s, again.Long(), err)
		}
		if n.BirthDate().After(at) {
			t.Fatalf("Parse(%q) born %v after now %v", s, n.BirthDate(), at)
		}
		// The short form names the same person while they are under 200.
		if at.Year()-n.BirthDate().Year() < 200 {
			short := n.Short(at)
			back, err := Parse(short, at)
			if err != nil || back != n {
				t.Fatalf("Parse(Short) of %q: %q gives %v, %v", s, short, back.Long(), err)
			}
		}
	})
}
