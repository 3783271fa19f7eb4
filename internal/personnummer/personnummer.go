// Package personnummer handles Swedish personal identity and coordination
// numbers (personnummer, samordningsnummer): parsing, validation, formatting.
//
// A Number is sensitive personal data. It deliberately does not print itself:
// its String and GoString methods return a placeholder, so that a Number that
// slips into a log line or an error message does not leak. Use Long or Short
// to get the digits where they are really needed.
package personnummer

import (
	"strings"
	"time"
)

// Number is a valid personnummer or samordningsnummer. The zero value is not
// a valid number.
type Number struct {
	long string // YYYYMMDDNNNC, the day part +60 for a samordningsnummer
}

// Error is a validation error with a message fit to show to the person who
// typed the number, in Swedish and English. The messages never repeat the
// input.
type Error struct {
	Code string // stable: "format", "checksum", "date", "future", "serial"
	Sv   string
	En   string
}

// Error returns the English message.
func (e *Error) Error() string { return "personnummer: " + e.En }

// Message returns the message in lang ("sv" or "en"; anything else gives Swedish).
func (e *Error) Message(lang string) string {
	if lang == "en" {
		return e.En
	}
	return e.Sv
}

// The errors Parse returns. Compare with errors.Is.
var (
	ErrFormat = &Error{Code: "format",
		Sv: "Skriv personnumret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (10 eller 12 siffror).",
		En: "Write the personal identity number as YYMMDD-NNNN or YYYYMMDDNNNN (10 or 12 digits)."}
	ErrChecksum = &Error{Code: "checksum",
		Sv: "Personnumret stämmer inte: kontrollsiffran är fel. Kontrollera siffrorna.",
		En: "The personal identity number is not right: the check digit is wrong. Check the digits."}
	ErrDate = &Error{Code: "date",
		Sv: "Personnumret innehåller inget giltigt födelsedatum.",
		En: "The personal identity number does not contain a valid date of birth."}
	ErrFuture = &Error{Code: "future",
		Sv: "Födelsedatumet i personnumret ligger i framtiden.",
		En: "The date of birth in the personal identity number is in the future."}
	ErrSerial = &Error{Code: "serial",
		Sv: "Personnumret stämmer inte: de tre siffrorna efter datumet kan inte vara 000.",
		En: "The personal identity number is not right: the three digits after the date cannot be 000."}
)

// Earliest century Skatteverket uses for birth years.
const minYear = 1800

// Parse reads a personnummer or samordningsnummer in one of the forms
// YYMMDD-NNNC, YYMMDD+NNNC, YYMMDDNNNC, YYYYMMDD-NNNC, YYYYMMDD+NNNC or
// YYYYMMDDNNNC, with spaces allowed around it but not inside.
//
// For a 10-digit number the century comes from now: '-' (or none) means the
// person turns at most 99 this calendar year, '+' that they turn 100 or more
// (the separator changes in the calendar year of the 100th birthday, 18 §
// folkbokföringslagen). In a 12-digit number the century is given and the
// separator is not used.
//
// It checks the Luhn check digit over the last ten digits, that month and
// day form a real date (day minus 60 for a samordningsnummer), that the date
// is not after now, and that the birth number is not 000.
func Parse(s string, now time.Time) (Number, error) {
	s = strings.TrimSpace(s)
	var digits, sep string
	switch len(s) {
	case 10, 12:
		digits = s
	case 11:
		digits, sep = s[:6]+s[7:], s[6:7]
	case 13:
		digits, sep = s[:8]+s[9:], s[8:9]
	default:
		return Number{}, ErrFormat
	}
	if sep != "" && sep != "-" && sep != "+" {
		return Number{}, ErrFormat
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Number{}, ErrFormat
		}
	}

	var year int
	if len(digits) == 12 {
		year = atoi(digits[:4])
		digits = digits[2:]
	} else {
		base := now.Year()
		if sep == "+" {
			base -= 100
		}
		yy := atoi(digits[:2])
		year = base - mod(base-yy, 100)
	}
	if year < minYear {
		return Number{}, ErrDate
	}
	// digits is now YYMMDDNNNC.

	if !luhnValid(digits) {
		return Number{}, ErrChecksum
	}
	month, day := atoi(digits[2:4]), atoi(digits[4:6])
	if day > 60 {
		day -= 60
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, time.Month(month)) {
		return Number{}, ErrDate
	}
	born := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if born.After(today) {
		return Number{}, ErrFuture
	}
	if digits[6:9] == "000" {
		return Number{}, ErrSerial
	}
	return Number{long: pad4(year) + digits[2:]}, nil
}

// Valid reports whether s parses as a personnummer or samordningsnummer.
func Valid(s string, now time.Time) bool {
	_, err := Parse(s, now)
	return err == nil
}

// Long returns the 12-digit form YYYYMMDDNNNC (the form BankID and
// Skatteverket's systems use).
func (n Number) Long() string { return n.long }

// Short returns the 10-digit form with separator, YYMMDD-NNNC, or
// YYMMDD+NNNC from the calendar year the person turns 100.
func (n Number) Short(now time.Time) string {
	if n.long == "" {
		return ""
	}
	sep := "-"
	if now.Year()-atoi(n.long[:4]) >= 100 {
		sep = "+"
	}
	return n.long[2:8] + sep + n.long[8:]
}

// Coordination reports whether n is a samordningsnummer (day + 60).
func (n Number) Coordination() bool {
	return n.long != "" && atoi(n.long[6:8]) > 60
}

// BirthDate returns the date of birth (midnight UTC); for a
// samordningsnummer the day is the real day, not the day + 60.
func (n Number) BirthDate() time.Time {
	if n.long == "" {
		return time.Time{}
	}
	day := atoi(n.long[6:8])
	if day > 60 {
		day -= 60
	}
	return time.Date(atoi(n.long[:4]), time.Month(atoi(n.long[4:6])), day, 0, 0, 0, 0, time.UTC)
}

// IsZero reports whether n is the zero Number.
func (n Number) IsZero() bool { return n.long == "" }

// String returns a placeholder, never the digits: see the package comment.
func (n Number) String() string { return "personnummer(redacted)" }

// GoString returns the same placeholder for %#v.
func (n Number) GoString() string { return n.String() }

// luhnValid checks ten digits YYMMDDNNNC: weights 2,1,2,1,… from the left
// over the first nine, the digit sums added, check = (10 − sum mod 10) mod 10.
func luhnValid(d string) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return (10-sum%10)%10 == int(d[9]-'0')
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// atoi reads a short run of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func mod(a, b int) int {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func pad4(n int) string {
	b := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
