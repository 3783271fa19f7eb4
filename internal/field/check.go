package field

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	netmail "net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The checkers below share one shape: Check(e, path, value, ..., spec)
// returns the cleaned value (trimmed, canonical) and, when the value is not
// acceptable, adds one message at path to e (Errors.Add: the first problem
// found at a path is the one shown). The messages say what to do, name the
// field through Spec.What, and never repeat what was typed.

// Spec describes a field for the checkers.
type Spec struct {
	// What names the field as the object of "Skriv …"/"Enter …" or
	// "Välj …"/"Choose …", with its possessive: {"ditt förnamn", "your first
	// name"}, {"vilket boende du har", "what kind of home you live in"}.
	What Message
	// Missing is said when a required field is empty; zero: built from What
	// ("Skriv ditt förnamn." / "Enter your first name.", or "Välj …" for
	// choices).
	Missing Message
	// Optional lets the field be empty.
	Optional bool
	// Max is the most characters (runes) of a text; 0 means DefaultMax.
	Max int
	// Multiline lets a text hold line breaks (a textarea).
	Multiline bool
}

// Limits.
const (
	DefaultMax = 200 // characters of a text whose Spec.Max is 0
	MaxEmail   = 254 // bytes of an e-mail address (RFC 5321)
	MinPhone   = 7   // digits of a phone number
	MaxPhone   = 15  // digits of a phone number (E.164)
)

// Required is the message for an empty text field: "Skriv " + what + ".".
func Required(what Message) Message {
	return Message{Sv: "Skriv " + what.Sv + ".", En: "Enter " + what.En + "."}
}

// Choose is the message for a choice not made: "Välj " + what + ".".
func Choose(what Message) Message {
	return Message{Sv: "Välj " + what.Sv + ".", En: "Choose " + what.En + "."}
}

func (s Spec) missing(choice bool) Message {
	if s.Missing != (Message{}) {
		return s.Missing
	}
	if choice {
		return Choose(s.What)
	}
	return Required(s.What)
}

func (s Spec) max() int {
	if s.Max <= 0 {
		return DefaultMax
	}
	return s.Max
}

// badRune reports runes a text may not hold: control characters (line
// breaks only in multiline texts), line and paragraph separators, and the
// bidirectional overrides and isolates that make a text display otherwise
// than it reads.
func badRune(r rune, multiline bool) bool {
	switch {
	case r == '\n':
		return !multiline
	case r == utf8.RuneError, r == '\u2028', r == '\u2029', r == '\uFEFF':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return unicode.IsControl(r)
}

// Text checks a text: trimmed, line breaks as "\n" (multiline only), no
// control characters, at most Spec.Max characters; required unless
// Spec.Optional.
func Text(e Errors, path, v string, s Spec) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	if s.Multiline {
		v = strings.ReplaceAll(v, "\r", "\n")
	}
	switch {
	case v == "":
		if !s.Optional {
			e.Add(path, s.missing(false))
		}
	case strings.ContainsFunc(v, func(r rune) bool { return badRune(r, s.Multiline) }):
		if s.Multiline {
			e.Add(path, Message{
				Sv: "Skriv " + s.What.Sv + " utan tabbar eller andra styrtecken.",
				En: "Enter " + s.What.En + " without tabs or other control characters."})
		} else {
			e.Add(path, Message{
				Sv: "Skriv " + s.What.Sv + " på en rad, utan radbrytningar, tabbar eller andra styrtecken.",
				En: "Enter " + s.What.En + " on one line, without line breaks, tabs or other control characters."})
		}
	default:
		if n := utf8.RuneCountInString(v); n > s.max() {
			e.Add(path, Message{
				Sv: "Skriv " + s.What.Sv + " med högst " + strconv.Itoa(s.max()) + " tecken (nu " + strconv.Itoa(n) + ").",
				En: "Enter " + s.What.En + " in at most " + strconv.Itoa(s.max()) + " characters (now " + strconv.Itoa(n) + ")."})
		}
	}
	return v
}

// BadEmail is said of an e-mail address that cannot be used.
var BadEmail = Message{
	Sv: "Skriv en e-postadress, till exempel namn@exempel.se.",
	En: "Enter an e-mail address, for example name@example.com.",
}

// ValidEmail reports whether s is one bare address local@domain.tld, at most
// MaxEmail bytes, that net/mail reads as it is, with a dot in the domain.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmail || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>,;:\"()[]\\", r)
	}) {
		return false
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") {
		return false
	}
	for l := range strings.SplitSeq(domain, ".") {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

// Email checks an e-mail address (see ValidEmail) and returns it trimmed.
func Email(e Errors, path, v string, s Spec) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		if !s.Optional {
			e.Add(path, s.missing(false))
		}
	case !ValidEmail(v):
		e.Add(path, BadEmail)
	}
	return v
}

// BadPhone is said of a phone number that cannot be used.
var BadPhone = Message{
	Sv: "Skriv ett telefonnummer med 7–15 siffror, till exempel 070-123 45 67 eller +46 70 123 45 67.",
	En: "Enter a phone number of 7–15 digits, for example 070-123 45 67 or +46 70 123 45 67.",
}

// Phone checks a phone number: digits, spaces and dashes, optionally one
// leading +, 7–15 digits. It returns it trimmed with runs of spaces made
// one.
func Phone(e Errors, path, v string, s Spec) string {
	v = strings.Join(strings.Fields(v), " ")
	if v == "" {
		if !s.Optional {
			e.Add(path, s.missing(false))
		}
		return v
	}
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-':
		case r == '+' && i == 0:
		default:
			e.Add(path, BadPhone)
			return v
		}
	}
	if digits < MinPhone || digits > MaxPhone {
		e.Add(path, BadPhone)
	}
	return v
}

// BadPostalCode is said of a postcode that is not five digits.
var BadPostalCode = Message{
	Sv: "Skriv postnumret med fem siffror, till exempel 831 30.",
	En: "Enter the postcode as five digits, for example 831 30.",
}

// PostalCode checks a Swedish postcode, "83130" or "831 30", and returns it
// as "831 30".
func PostalCode(e Errors, path, v string, s Spec) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if !s.Optional {
			e.Add(path, s.missing(false))
		}
		return v
	}
	d := v
	if len(v) == 6 && v[3] == ' ' {
		d = v[:3] + v[4:]
	}
	if len(d) != 5 || strings.ContainsFunc(d, func(r rune) bool { return r < '0' || r > '9' }) {
		e.Add(path, BadPostalCode)
		return v
	}
	return d[:3] + " " + d[3:]
}

// OneOf checks a choice: one of choices ("" when Spec.Optional and not
// chosen). Anything else gets the Spec.Missing (or "Välj …") message.
func OneOf(e Errors, path, v string, choices []string, s Spec) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && s.Optional:
	case v == "" || !contains(choices, v):
		e.Add(path, s.missing(true))
	}
	return v
}

// Duplicate is said of a list of choices naming one choice twice.
var Duplicate = Message{
	Sv: "Välj varje alternativ bara en gång.",
	En: "Choose each option only once.",
}

// SomeOf checks several choices: each one of choices, none twice, at least
// min of them (min 0 and Spec.Optional: none is fine). The result is in the
// order of choices, so that equal answers read equal.
func SomeOf(e Errors, path string, v []string, choices []string, min int, s Spec) []string {
	seen := make(map[string]bool, len(v))
	for _, c := range v {
		c = strings.TrimSpace(c)
		switch {
		case !contains(choices, c):
			e.Add(path, s.missing(true))
			return []string{}
		case seen[c]:
			e.Add(path, Duplicate)
			return []string{}
		}
		seen[c] = true
	}
	if len(seen) < min || (len(seen) == 0 && !s.Optional) {
		e.Add(path, s.missing(true))
	}
	out := make([]string, 0, len(seen))
	for _, c := range choices {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, c := range list {
		if c == v {
			return true
		}
	}
	return false
}

// Int checks a whole number between min and max (inclusive) given as a
// JSON value: absent or null is missing; a string, a fraction or an
// exponent ("2.5", "2.0", "1e3") is refused. The message, unless
// Spec.Missing is set, is "Skriv <What>, ett heltal från <min> till <max>."
// With Spec.Optional, absent or null gives 0 and no message; ok reports
// whether a number was given and acceptable.
func Int(e Errors, path string, raw json.RawMessage, min, max int, s Spec) (n int, ok bool) {
	msg := s.Missing
	if msg == (Message{}) {
		msg = Message{
			Sv: "Skriv " + s.What.Sv + ", ett heltal från " + strconv.Itoa(min) + " till " + strconv.Itoa(max) + ".",
			En: "Enter " + s.What.En + ", a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max) + ".",
		}
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		if !s.Optional {
			e.Add(path, msg)
		}
		return 0, false
	}
	v, err := strconv.Atoi(string(t)) // a JSON integer literal only: no quotes, '.', 'e' or '+'
	if err != nil || t[0] == '+' || v < min || v > max {
		e.Add(path, msg)
		return 0, false
	}
	return v, true
}

// Unreadable is the message at path "" for answers that are not a JSON
// object of the form's shape.
var Unreadable = Message{
	Sv: "Svaren kunde inte läsas. Ladda om sidan och försök igen.",
	En: "The answers could not be read. Reload the page and try again.",
}

// Unknown is the message at path "" for answers holding a field the form
// does not have.
var Unknown = Message{
	Sv: "Svaren innehåller en uppgift som inte hör till formuläret. Ladda om sidan och försök igen.",
	En: "The answers contain a detail that does not belong to the form. Reload the page and try again.",
}

// WrongType is the message at a field whose value has the wrong JSON type
// (a number where a text belongs, for example).
var WrongType = Message{
	Sv: "Uppgiften kunde inte läsas. Fyll i fältet igen.",
	En: "This detail could not be read. Fill in the field again.",
}

// Decode reads answers into v strictly: one JSON object, no fields that v
// does not have, at most limit bytes. It returns the problems found: Unknown
// or Unreadable at path "", WrongType at the dotted path of a value of the
// wrong type (the decoder leaves that field zero and goes on). ok reports
// whether v holds what could be read, so that the caller checks its fields
// too and then Merges these problems, letting a field's own message win:
//
//	probs, ok := field.Decode(answers, limit, &in)
//	if ok { ...checks adding to e... }
//	e.Merge(probs)
func Decode(answers json.RawMessage, limit int, v any) (probs Errors, ok bool) {
	probs = Errors{}
	t := bytes.TrimSpace(answers)
	if len(t) == 0 || t[0] != '{' || len(answers) > limit {
		probs.Add("", Unreadable)
		return probs, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, end := dec.Token(); end != io.EOF {
			probs.Add("", Unreadable)
			return probs, false
		}
		return probs, true
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		probs.Add(te.Field, WrongType)
		return probs, true
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		probs.Add("", Unknown)
		return probs, true
	}
	probs.Add("", Unreadable)
	return probs, false
}

// Merge adds each of o's messages to e, where e has none at that path yet.
func (e Errors) Merge(o Errors) {
	for p, m := range o {
		e.Add(p, m)
	}
}
