// Package field checks the fields of the citizens' forms and says what is
// wrong with each, in Swedish and English, next to the field it concerns.
package field

import (
	"slices"
	"strings"
)

// Message is a text in Swedish and English.
type Message struct {
	Sv string `json:"sv"`
	En string `json:"en"`
}

// In returns the text in lang ("en" gives English, anything else Swedish).
func (m Message) In(lang string) string {
	if lang == "en" {
		return m.En
	}
	return m.Sv
}

// Errors is what is wrong with a form, by field path (for example
// "contact.email" or "municipalities"), each with its message. A form with
// Errors changed nothing.
type Errors map[string]Message

// Error names the fields in error, never their values.
func (e Errors) Error() string {
	names := make([]string, 0, len(e))
	for k := range e {
		names = append(names, k)
	}
	slices.Sort(names)
	return "invalid " + strings.Join(names, ", ")
}

// In gives the messages in lang, by field path, as a page shows them.
func (e Errors) In(lang string) map[string]string {
	out := make(map[string]string, len(e))
	for k, m := range e {
		out[k] = m.In(lang)
	}
	return out
}

// Add records msg for path unless path already has a message (the first
// problem found is the one shown).
func (e Errors) Add(path string, msg Message) {
	if _, ok := e[path]; !ok {
		e[path] = msg
	}
}

// Summary is the message above a form with Errors.
var Summary = Message{
	Sv: "Några uppgifter behöver rättas. Se markeringarna vid fälten.",
	En: "Some details need correcting. See the notes by the fields.",
}
