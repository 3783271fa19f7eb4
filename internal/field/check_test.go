package field

import (
	"encoding/json"
	"strings"
	"testing"
)

var what = Spec{What: Message{Sv: "ditt förnamn", En: "your first name"}, Max: 10}

// one runs a checker and returns its value and the message it added at "p".
func one[T any](t *testing.T, f func(e Errors) T) (T, *Message) {
	t.Helper()
	e := Errors{}
	v := f(e)
	for k := range e {
		if k != "p" {
			t.Fatalf("message at %q, want only at p", k)
		}
	}
	if m, ok := e["p"]; ok {
		if m.Sv == "" || m.En == "" || m.Sv == m.En {
			t.Fatalf("message %+v: want distinct non-empty sv and en", m)
		}
		return v, &m
	}
	return v, nil
}

func TestText(t *testing.T) {
	multi := what
	multi.Multiline = true
	multi.Max = 0
	opt := what
	opt.Optional = true
	custom := what
	custom.Missing = Message{Sv: "Skriv vad du heter.", En: "Enter what you are called."}
	for _, tc := range []struct {
		name, in string
		spec     Spec
		want     string
		msg      string // "" none; else a part of the Swedish message
	}{
		{"plain", "Anna", what, "Anna", ""},
		{"trimmed", "  Anna \n", what, "Anna", ""},
		{"empty", "   ", what, "", "Skriv ditt förnamn."},
		{"empty custom", "", custom, "", "Skriv vad du heter."},
		{"empty optional", " ", opt, "", ""},
		{"max runes", "Åsa-Märtaå", what, "Åsa-Märtaå", ""},
		{"too long", "Åsa-Märta Å", what, "Åsa-Märta Å", "högst 10 tecken (nu 11)"},
		{"newline", "An\nna", what, "An\nna", "på en rad"},
		{"tab", "An\tna", what, "An\tna", "styrtecken"},
		{"nul", "An\x00na", what, "An\x00na", "styrtecken"},
		{"bidi override", "An\u202Ena", what, "An\u202Ena", "styrtecken"},
		{"line separator", "An\u2028na", what, "An\u2028na", "styrtecken"},
		{"multiline ok", "rad 1\r\nrad 2", multi, "rad 1\nrad 2", ""},
		{"multiline lone cr", "rad 1\rrad 2", multi, "rad 1\nrad 2", ""},
		{"multiline tab", "rad\t1", multi, "rad\t1", "utan tabbar"},
		{"default max", strings.Repeat("a", DefaultMax+1), multi, strings.Repeat("a", DefaultMax+1), "högst 200 tecken"},
		{"invalid utf-8", "An\xffna", what, "An\xffna", "styrtecken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, m := one(t, func(e Errors) string { return Text(e, "p", tc.in, tc.spec) })
			if got != tc.want {
				t.Errorf("value %q, want %q", got, tc.want)
			}
			checkMsg(t, m, tc.msg)
		})
	}
}

func checkMsg(t *testing.T, m *Message, want string) {
	t.Helper()
	switch {
	case want == "" && m != nil:
		t.Errorf("message %q, want none", m.Sv)
	case want != "" && m == nil:
		t.Errorf("no message, want %q", want)
	case want != "" && !strings.Contains(m.Sv, want):
		t.Errorf("message %q, want it to contain %q", m.Sv, want)
	}
}

func TestEmail(t *testing.T) {
	spec := EmailAddr
	for _, tc := range []struct{ in, want, msg string }{
		{"anna@exempel.se", "anna@exempel.se", ""},
		{" anna.b+x@sub.exempel.se ", "anna.b+x@sub.exempel.se", ""},
		{"", "", "Skriv din e-postadress."},
		{"anna", "anna", BadEmail.Sv},
		{"anna@localhost", "anna@localhost", BadEmail.Sv},
		{"anna@exempel.", "anna@exempel.", BadEmail.Sv},
		{"anna@-x.se", "anna@-x.se", BadEmail.Sv},
		{"Anna <anna@exempel.se>", "Anna <anna@exempel.se>", BadEmail.Sv},
		{"a@x.se, b@x.se", "a@x.se, b@x.se", BadEmail.Sv},
		{"an na@x.se", "an na@x.se", BadEmail.Sv},
		{"anna@@x.se", "anna@@x.se", BadEmail.Sv},
		{"@x.se", "@x.se", BadEmail.Sv},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".se", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".se", ""},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".se", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 187) + ".se", BadEmail.Sv},
	} {
		got, m := one(t, func(e Errors) string { return Email(e, "p", tc.in, spec) })
		if got != tc.want {
			t.Errorf("Email(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkMsg(t, m, tc.msg)
	}
	opt := spec
	opt.Optional = true
	if _, m := one(t, func(e Errors) string { return Email(e, "p", " ", opt) }); m != nil {
		t.Errorf("optional empty e-mail: %q", m.Sv)
	}
}

func TestPhone(t *testing.T) {
	for _, tc := range []struct{ in, want, msg string }{
		{"070-123 45 67", "070-123 45 67", ""},
		{"  +46 70  123 45 67 ", "+46 70 123 45 67", ""},
		{"0631234", "0631234", ""},                   // 7 digits
		{"063123", "063123", BadPhone.Sv},            // 6
		{"+123456789012345", "+123456789012345", ""}, // 15
		{"1234567890123456", "1234567890123456", BadPhone.Sv},
		{"070+1234567", "070+1234567", BadPhone.Sv},
		{"(070) 123 45 67", "(070) 123 45 67", BadPhone.Sv},
		{"070 123 45 6x", "070 123 45 6x", BadPhone.Sv},
		{"", "", "Skriv ditt telefonnummer."},
	} {
		got, m := one(t, func(e Errors) string { return Phone(e, "p", tc.in, PhoneNumber) })
		if got != tc.want {
			t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkMsg(t, m, tc.msg)
	}
}

func TestPostalCode(t *testing.T) {
	for _, tc := range []struct{ in, want, msg string }{
		{"83130", "831 30", ""},
		{" 831 30 ", "831 30", ""},
		{"831  30", "831  30", BadPostalCode.Sv},
		{"831-30", "831-30", BadPostalCode.Sv},
		{"8313", "8313", BadPostalCode.Sv},
		{"831300", "831300", BadPostalCode.Sv},
		{"8313a", "8313a", BadPostalCode.Sv},
		{"", "", "Skriv ditt postnummer."},
	} {
		got, m := one(t, func(e Errors) string { return PostalCode(e, "p", tc.in, Postcode) })
		if got != tc.want {
			t.Errorf("PostalCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
		checkMsg(t, m, tc.msg)
	}
}

var colour = Spec{What: Message{Sv: "en färg", En: "a colour"}}

func TestOneOf(t *testing.T) {
	opt := colour
	opt.Optional = true
	choices := []string{"red", "blue"}
	for _, tc := range []struct {
		in   string
		spec Spec
		msg  string
	}{
		{"red", colour, ""},
		{" blue ", colour, ""},
		{"", colour, "Välj en färg."},
		{"green", colour, "Välj en färg."},
		{"RED", colour, "Välj en färg."},
		{"", opt, ""},
		{"green", opt, "Välj en färg."},
	} {
		got, m := one(t, func(e Errors) string { return OneOf(e, "p", tc.in, choices, tc.spec) })
		if m == nil && got != strings.TrimSpace(tc.in) {
			t.Errorf("OneOf(%q) = %q", tc.in, got)
		}
		checkMsg(t, m, tc.msg)
	}
}

func TestSomeOf(t *testing.T) {
	choices := []string{"a", "b", "c"}
	opt := colour
	opt.Optional = true
	for _, tc := range []struct {
		in   []string
		min  int
		spec Spec
		want []string
		msg  string
	}{
		{[]string{"c", "a"}, 1, colour, []string{"a", "c"}, ""},
		{[]string{"a", "b", "c"}, 1, colour, []string{"a", "b", "c"}, ""},
		{nil, 1, colour, []string{}, "Välj en färg."},
		{[]string{}, 0, colour, []string{}, "Välj en färg."},
		{[]string{}, 0, opt, []string{}, ""},
		{[]string{"a"}, 2, colour, []string{"a"}, "Välj en färg."},
		{[]string{"a", "a"}, 1, colour, []string{}, Duplicate.Sv},
		{[]string{"a", "x"}, 1, colour, []string{}, "Välj en färg."},
		{[]string{""}, 1, colour, []string{}, "Välj en färg."},
	} {
		got, m := one(t, func(e Errors) []string { return SomeOf(e, "p", tc.in, choices, tc.min, tc.spec) })
		if strings.Join(got, ",") != strings.Join(tc.want, ",") || got == nil {
			t.Errorf("SomeOf(%q) = %#v, want %q", tc.in, got, tc.want)
		}
		checkMsg(t, m, tc.msg)
	}
}

func TestInt(t *testing.T) {
	spec := Spec{What: Message{Sv: "antalet rum", En: "the number of rooms"}}
	opt := spec
	opt.Optional = true
	for _, tc := range []struct {
		in   string
		spec Spec
		want int
		ok   bool
	}{
		{"1", spec, 1, true},
		{" 30 ", spec, 30, true},
		{"0", spec, 0, false},
		{"31", spec, 0, false},
		{"-1", spec, 0, false},
		{"2.5", spec, 0, false},
		{"2.0", spec, 0, false},
		{"1e1", spec, 0, false},
		{`"3"`, spec, 0, false},
		{"true", spec, 0, false},
		{"null", spec, 0, false},
		{"", spec, 0, false},
		{"99999999999999999999999", spec, 0, false},
		{"", opt, 0, false},
		{"null", opt, 0, false},
	} {
		var got int
		var ok bool
		_, m := one(t, func(e Errors) int { got, ok = Int(e, "p", json.RawMessage(tc.in), 1, 30, tc.spec); return got })
		if got != tc.want || ok != tc.ok {
			t.Errorf("Int(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		wantMsg := !tc.ok && !(tc.spec.Optional && (tc.in == "" || tc.in == "null"))
		if wantMsg != (m != nil) {
			t.Errorf("Int(%s): message %v, want %v", tc.in, m, wantMsg)
		}
		if m != nil && m.Sv != "Skriv antalet rum, ett heltal från 1 till 30." {
			t.Errorf("Int(%s): message %q", tc.in, m.Sv)
		}
	}
}

func TestCheckContact(t *testing.T) {
	e := Errors{}
	c := CheckContact(e, "contact", Contact{GivenName: " Anna ", Surname: "Berg", Address: "Storgatan 1",
		PostalCode: "83130", City: "Östersund", Phone: "070-123  45 67", Email: "anna@exempel.se "})
	if len(e) != 0 {
		t.Fatalf("errors: %v", e)
	}
	want := Contact{"Anna", "Berg", "Storgatan 1", "831 30", "Östersund", "070-123 45 67", "anna@exempel.se"}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	e = Errors{}
	CheckContact(e, "contact", Contact{})
	seen := map[string]string{}
	for _, p := range []string{"given_name", "surname", "address", "postal_code", "city", "phone", "email"} {
		m, ok := e["contact."+p]
		if !ok || m.Sv == "" || m.En == "" || m.Sv == m.En {
			t.Errorf("contact.%s: %+v", p, m)
		}
		if other, dup := seen[m.Sv]; dup {
			t.Errorf("contact.%s and %s share %q", p, other, m.Sv)
		}
		seen[m.Sv] = p
	}
	if len(e) != 7 {
		t.Errorf("got %d messages, want 7: %v", len(e), e)
	}
}

func TestDecode(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type doc struct {
		Name  string          `json:"name"`
		N     json.RawMessage `json:"n"`
		Inner inner           `json:"inner"`
	}
	for _, tc := range []struct {
		in   string
		ok   bool
		path string // "" with ok true and no message: none
		msg  Message
	}{
		{`{"name":"x","n":2,"inner":{"a":"y"}}`, true, "-", Message{}},
		{` {"name":"x"} `, true, "-", Message{}},
		{`{"name":"x","extra":1}`, true, "", Unknown},
		{`{"inner":{"a":"y","b":2}}`, true, "", Unknown},
		{`{"name":5}`, true, "name", WrongType},
		{`{"inner":{"a":[1]}}`, true, "inner.a", WrongType},
		{`{"inner":"y"}`, true, "inner", WrongType},
		{`[1]`, false, "", Unreadable},
		{`null`, false, "", Unreadable},
		{``, false, "", Unreadable},
		{`{"name":"x"`, false, "", Unreadable},
		{`{"name":"x"} {}`, false, "", Unreadable},
		{`{"name":"` + strings.Repeat("a", 100) + `"}`, false, "", Unreadable},
	} {
		var d doc
		probs, ok := Decode(json.RawMessage(tc.in), 80, &d)
		if ok != tc.ok {
			t.Errorf("Decode(%s) ok %v, want %v", tc.in, ok, tc.ok)
		}
		if tc.path == "-" {
			if len(probs) != 0 {
				t.Errorf("Decode(%s): %v", tc.in, probs)
			}
			continue
		}
		if len(probs) != 1 || probs[tc.path] != tc.msg {
			t.Errorf("Decode(%s) = %v, want %q at %q", tc.in, probs, tc.msg.En, tc.path)
		}
	}
}

func TestMergeKeepsFirst(t *testing.T) {
	e := Errors{"a": {Sv: "1", En: "one"}}
	e.Merge(Errors{"a": WrongType, "b": WrongType})
	if e["a"].En != "one" || e["b"] != WrongType {
		t.Fatalf("%v", e)
	}
}
