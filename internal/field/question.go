package field

// Question describes one field of a form for the pages and the readable
// extracts: its JSON path in the answers, its label, and for a choice the
// choices with theirs. The forms check their answers against the same
// lists.
type Question struct {
	Path     string  `json:"path"` // dotted JSON path in the answers: "health.physical"
	Label    Message `json:"label"`
	Required bool    `json:"required"`
	// Kind: "text", "textarea", "email", "phone", "postal_code", "int",
	// "one" (one of Choices), "many" (several of Choices), "unit" (one or
	// several of the form's units).
	Kind    string   `json:"kind"`
	Choices []Choice `json:"choices,omitempty"`
	Min     int      `json:"min,omitempty"` // int: least value; many: fewest choices
	Max     int      `json:"max,omitempty"` // text: most characters; int: greatest value
}

// Choice is one answer to a choice question.
type Choice struct {
	Code  string  `json:"code"`
	Label Message `json:"label"`
}

// Codes lists the choices' codes, in order.
func Codes(cs []Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

// LabelOf is the label of code among cs, or code itself as both texts when
// it is not one of them.
func LabelOf(cs []Choice, code string) Message {
	for _, c := range cs {
		if c.Code == code {
			return c.Label
		}
	}
	return Message{Sv: code, En: code}
}
