package foster

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"parentline/interest"
	"parentline/internal/field"
)

const pn = "198211059954" // a test personnummer (DOMAIN.md §2)

var citizen = interest.Citizen{PersonalNumber: pn, Name: "Anna Berg"}

// testUnits: Östersund and Krokom open, the rest without keys.
func testUnits(t *testing.T) []interest.Unit {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	us := Units()
	for i := range us {
		if us[i].Code == "2380" || us[i].Code == "2309" {
			us[i].Keys = []*ecdh.PublicKey{k.PublicKey()}
		}
	}
	return us
}

const valid = `{
 "assignments": ["kontaktfamilj", "familjehem"],
 "municipalities": ["2380", "2309"],
 "contact": {"given_name": " Anna ", "surname": "Berg", "address": "Storgatan 1", "postal_code": "83130",
             "city": "Östersund", "phone": "070-123 45 67", "email": "anna@exempel.se"},
 "household": {"adults": 2, "children": 1, "children_ages": "7", "housing": "villa", "rooms": 5,
               "partner_name": "Erik Berg", "occupation": "Lärare", "languages": "svenska, engelska"},
 "questions": {"experience": "some", "time": "parttime", "age_groups": ["7-12", "0-6"], "social_services": "no"},
 "health": {"physical": "good", "mental": "some_limits", "treatment": "no", "comment": "Inget särskilt.\r\nMvh"},
 "motivation": "Vi vill hjälpa till."
}`

const canonical = `{"assignments":["familjehem","kontaktfamilj"],"municipalities":["2309","2380"],` +
	`"contact":{"given_name":"Anna","surname":"Berg","address":"Storgatan 1","postal_code":"831 30","city":"Östersund","phone":"070-123 45 67","email":"anna@exempel.se"},` +
	`"household":{"adults":2,"children":1,"children_ages":"7","housing":"villa","rooms":5,"partner_name":"Erik Berg","occupation":"Lärare","languages":"svenska, engelska"},` +
	`"questions":{"experience":"some","time":"parttime","age_groups":["0-6","7-12"],"social_services":"no"},` +
	`"health":{"physical":"good","mental":"some_limits","treatment":"no","comment":"Inget särskilt.\nMvh"},` +
	`"motivation":"Vi vill hjälpa till."}`

func TestForm(t *testing.T) {
	f := New(testUnits(t))
	if f.Kind != "foster" || f.Prefix != "FH" || f.RolePrefix != "foster" || f.Draft == nil || f.Mail == nil || f.Validate == nil {
		t.Fatalf("form %+v", f)
	}
	if f.Title.Sv != "Intresseanmälan – familjehem, jourhem, kontaktperson och kontaktfamilj" || f.Title.En == "" {
		t.Errorf("title %+v", f.Title)
	}
	if f.Consent.Version != "foster-art9-v1" || f.Consent.What.Sv != "Behandling av uppgifter om din hälsa (art. 9)" {
		t.Errorf("consent %+v", f.Consent)
	}
	for _, lang := range []string{"sv", "en"} {
		text := strings.ToLower(f.Consent.Text.In(lang))
		for _, w := range map[string][]string{
			"sv": {"fysiska och psykiska hälsa", "9.2 a", "frivilligt", "mina sidor", "raderas", "slutar använda", "den som driver e-tjänsten kan inte läsa"},
			"en": {"physical and mental health", "9(2)(a)", "voluntary", "my pages", "deleted", "stops using", "run the e-service cannot read"},
		}[lang] {
			if !strings.Contains(text, w) {
				t.Errorf("consent %s lacks %q", lang, w)
			}
		}
	}
	if len(f.Statuses) != 2 || f.Statuses[0].Code != "received" || !f.Statuses[0].Erasable ||
		f.Statuses[0].RetainFor.Hours() != 365*24 || f.Statuses[1].Code != "assessment" || f.Statuses[1].Erasable ||
		f.Statuses[1].RetainFor.Hours() != 180*24 || !strings.HasPrefix(f.Statuses[1].KeepReason.Sv, "Kommunen bedömer din anmälan.") ||
		f.Statuses[1].KeepReason.En == "" {
		t.Errorf("statuses %+v", f.Statuses)
	}
	if got := len(Units()); got != 8 {
		t.Errorf("%d units", got)
	}
}

func TestValidRoundTrip(t *testing.T) {
	f := New(testUnits(t))
	c, errs := f.Validate(json.RawMessage(valid), citizen)
	if errs != nil {
		t.Fatalf("errors: %v", errs.In("en"))
	}
	if string(c.Answers) != canonical {
		t.Fatalf("answers\n%s\nwant\n%s", c.Answers, canonical)
	}
	if !slices.Equal(c.Units, []string{"2309", "2380"}) || c.Label != "" || c.Email != "anna@exempel.se" || c.Name != "Anna Berg" {
		t.Errorf("checked %+v", c)
	}
	// The canonical form is valid and canonical again.
	c2, errs := f.Validate(c.Answers, citizen)
	if errs != nil || string(c2.Answers) != canonical {
		t.Fatalf("second round: %v\n%s", errs, c2.Answers)
	}
	var a Answers
	if err := json.Unmarshal(c.Answers, &a); err != nil || a.Health.Mental != "some_limits" || a.Household.Rooms != 5 {
		t.Errorf("decoded %+v, %v", a, err)
	}
	if strings.Contains(string(c.Answers), pn) {
		t.Error("answers hold the personnummer")
	}
}

// edit returns valid with the value at the dotted path replaced by v (or
// deleted when v is nil).
func edit(t *testing.T, path string, v any) json.RawMessage {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(valid), &doc); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(path, ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	if v == nil {
		delete(m, parts[len(parts)-1])
	} else {
		m[parts[len(parts)-1]] = v
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidateFieldPaths(t *testing.T) {
	f := New(testUnits(t))
	for _, tc := range []struct {
		name, path string
		value      any
		wantPath   string // "" + want "" : valid
		want       string // part of the Swedish message
	}{
		{"no assignment", "assignments", []string{}, "assignments", "Välj minst ett uppdrag"},
		{"unknown assignment", "assignments", []string{"adoption"}, "assignments", "Välj minst ett uppdrag"},
		{"assignment twice", "assignments", []string{"jourhem", "jourhem"}, "assignments", "bara en gång"},
		{"all assignments", "assignments", []string{"familjehem", "jourhem", "kontaktperson", "kontaktfamilj"}, "", ""},
		{"no municipality", "municipalities", []string{}, "municipalities", "Välj minst en kommun"},
		{"municipalities missing", "municipalities", nil, "municipalities", "Välj minst en kommun"},
		{"unknown municipality", "municipalities", []string{"0180"}, "municipalities", "finns inte i e-tjänsten"},
		{"municipality twice", "municipalities", []string{"2380", "2380"}, "municipalities", "Välj varje kommun bara en gång."},
		{"closed municipality", "municipalities", []string{"2380", "2321"}, "municipalities", "Åre tar inte emot anmälningar via e-tjänsten"},
		{"given name", "contact.given_name", "", "contact.given_name", "Skriv ditt förnamn."},
		{"surname", "contact.surname", nil, "contact.surname", "Skriv ditt efternamn."},
		{"address", "contact.address", " ", "contact.address", "Skriv din gatuadress."},
		{"postal code", "contact.postal_code", "8313", "contact.postal_code", "fem siffror"},
		{"postal code spaced", "contact.postal_code", "831 30", "", ""},
		{"city", "contact.city", "", "contact.city", "Skriv din postort."},
		{"phone", "contact.phone", "070", "contact.phone", "7–15 siffror"},
		{"phone intl", "contact.phone", "+44 20 7946 0958", "", ""},
		{"email", "contact.email", "anna@exempel", "contact.email", "namn@exempel.se"},
		{"email missing", "contact.email", "", "contact.email", "Skriv din e-postadress."},
		{"adults 0", "household.adults", 0, "household.adults", "vuxna"},
		{"adults 11", "household.adults", 11, "household.adults", "från 1 till 10"},
		{"adults fraction", "household.adults", 1.5, "household.adults", "heltal"},
		{"adults text", "household.adults", "2", "household.adults", "heltal"},
		{"children missing", "household.children", nil, "household.children", "barn"},
		{"children 0", "household.children", 0, "", ""},
		{"children 21", "household.children", 21, "household.children", "från 0 till 20"},
		{"children ages long", "household.children_ages", strings.Repeat("1", 201), "household.children_ages", "högst 200 tecken"},
		{"housing", "household.housing", "slott", "household.housing", "Välj vilket slags bostad"},
		{"rooms", "household.rooms", 31, "household.rooms", "rum"},
		{"partner long", "household.partner_name", strings.Repeat("x", 101), "household.partner_name", "högst 100"},
		{"occupation control", "household.occupation", "a\tb", "household.occupation", "styrtecken"},
		{"languages long", "household.languages", strings.Repeat("x", 201), "household.languages", "högst 200"},
		{"experience", "questions.experience", "", "questions.experience", "erfarenhet"},
		{"time", "questions.time", "always", "questions.time", "tid"},
		{"age groups", "questions.age_groups", []string{}, "questions.age_groups", "åldersgrupp"},
		{"age groups bad", "questions.age_groups", []string{"18+"}, "questions.age_groups", "åldersgrupp"},
		{"social services", "questions.social_services", "maybe", "questions.social_services", "socialtjänsten"},
		{"physical", "health.physical", "", "health.physical", "fysiska hälsa"},
		{"mental", "health.mental", "bad", "health.mental", "psykiska"},
		{"treatment", "health.treatment", nil, "health.treatment", "behandling"},
		{"comment long", "health.comment", strings.Repeat("x", 1001), "health.comment", "högst 1000"},
		{"motivation long", "motivation", strings.Repeat("x", 2001), "motivation", "högst 2000"},
		{"motivation missing", "motivation", nil, "", ""},
		{"unknown field", "pets", "cat", "", "inte hör till formuläret"},
		{"unknown nested field", "contact.personnummer", pn, "", "inte hör till formuläret"},
		{"wrong type", "contact.city", 5, "contact.city", "Skriv din postort."},
		{"wrong type optional", "motivation", 5, "motivation", "kunde inte läsas"},
		{"contact not object", "contact", "x", "contact", "kunde inte läsas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, errs := f.Validate(edit(t, tc.path, tc.value), citizen)
			if tc.want == "" {
				if errs != nil {
					t.Fatalf("errors: %v", errs.In("sv"))
				}
				if len(c.Answers) == 0 {
					t.Fatal("no answers")
				}
				return
			}
			m, ok := errs[tc.wantPath]
			if !ok {
				t.Fatalf("no message at %q: %v", tc.wantPath, errs.In("sv"))
			}
			if !strings.Contains(m.Sv, tc.want) {
				t.Errorf("message %q, want %q", m.Sv, tc.want)
			}
			if m.Sv == "" || m.En == "" || m.Sv == m.En {
				t.Errorf("message %+v", m)
			}
			if c.Answers != nil {
				t.Error("answers returned with errors")
			}
			if strings.Contains(m.Sv+m.En, pn) {
				t.Error("message repeats the input")
			}
		})
	}
}

// Every required field, left out, gets its own message at its own path,
// distinct from the others' in both languages.
func TestEmptyAnswers(t *testing.T) {
	f := New(testUnits(t))
	_, errs := f.Validate(json.RawMessage(`{}`), citizen)
	var required []string
	for _, q := range Questions() {
		if q.Required {
			required = append(required, q.Path)
		}
	}
	got := slices.Sorted(maps.Keys(errs))
	slices.Sort(required)
	if !slices.Equal(got, required) {
		t.Fatalf("paths %v\nwant %v", got, required)
	}
	sv, en := map[string]string{}, map[string]string{}
	for p, m := range errs {
		if m.Sv == "" || m.En == "" || m.Sv == m.En {
			t.Errorf("%s: %+v", p, m)
		}
		if o, dup := sv[m.Sv]; dup {
			t.Errorf("%s and %s share %q", p, o, m.Sv)
		}
		if o, dup := en[m.En]; dup {
			t.Errorf("%s and %s share %q", p, o, m.En)
		}
		sv[m.Sv], en[m.En] = p, p
	}
}

func TestUnreadable(t *testing.T) {
	f := New(testUnits(t))
	for _, in := range []string{``, `null`, `[]`, `"x"`, `{"assignments":`, valid + `{}`,
		`{"motivation":"` + strings.Repeat("x", MaxAnswers) + `"}`} {
		_, errs := f.Validate(json.RawMessage(in), citizen)
		if len(errs) != 1 || errs[""] != field.Unreadable {
			t.Errorf("%.40q: %v", in, errs)
		}
	}
}

func TestClosedUnitNamed(t *testing.T) {
	f := New(Units()) // no keys anywhere
	_, errs := f.Validate(json.RawMessage(valid), citizen)
	m := errs["municipalities"]
	if !strings.Contains(m.Sv, "Östersund och Krokom tar inte emot anmälningar via e-tjänsten") ||
		!strings.Contains(m.En, "Östersund and Krokom do not take registrations through the e-service") {
		t.Fatalf("%+v", m)
	}
}

func TestQuestionsMatchSchema(t *testing.T) {
	// Every question path is a field of the canonical answers.
	var doc map[string]any
	if err := json.Unmarshal([]byte(canonical), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, q := range Questions() {
		parts := strings.Split(q.Path, ".")
		var v any = doc
		for _, p := range parts {
			v = v.(map[string]any)[p]
		}
		if v == nil {
			t.Errorf("%s not in the answers", q.Path)
		}
		if q.Label.Sv == "" || q.Label.En == "" {
			t.Errorf("%s: label %+v", q.Path, q.Label)
		}
		for _, c := range q.Choices {
			if c.Label.Sv == "" || c.Label.En == "" {
				t.Errorf("%s/%s: label %+v", q.Path, c.Code, c.Label)
			}
		}
		n++
	}
	if n != 26 {
		t.Errorf("%d questions", n)
	}
}

func TestDraft(t *testing.T) {
	f := New(testUnits(t))
	d, err := f.Draft(json.RawMessage(valid))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(d), "health") || strings.Contains(string(d), "some_limits") || strings.Contains(string(d), "Inget särskilt") {
		t.Fatalf("draft keeps health: %s", d)
	}
	var got map[string]any
	if err := json.Unmarshal(d, &got); err != nil {
		t.Fatal(err)
	}
	if got["contact"].(map[string]any)["given_name"] != " Anna " || got["household"].(map[string]any)["rooms"] != 5.0 {
		t.Errorf("draft %s", d)
	}

	// Incomplete and invalid answers are kept; unknown fields, wrong types and health are not.
	d, err = f.Draft(json.RawMessage(`{"assignments":["familjehem",3,"adoption"],"contact":{"email":"not-an-address","x":1},
		"household":{"adults":"two","rooms":1.5},"health":{"physical":"serious"},"motivation":null,"pets":"cat","questions":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"assignments":["familjehem","adoption"],"contact":{"email":"not-an-address"},"household":{"rooms":1.5}}`
	if string(d) != want {
		t.Errorf("draft\n%s\nwant\n%s", d, want)
	}

	d, err = f.Draft(json.RawMessage(`{"health":{"mental":"good"}}`))
	if err != nil || string(d) != `{}` {
		t.Errorf("health only: %s, %v", d, err)
	}
	for _, in := range []string{``, `null`, `[]`, `{"a":1} {}`, `{`,
		`{"motivation":"` + strings.Repeat("x", MaxAnswers) + `"}`} {
		if _, err := f.Draft(json.RawMessage(in)); err == nil {
			t.Errorf("draft of %.30q accepted", in)
		}
	}
}

func TestMail(t *testing.T) {
	f := New(testUnits(t))
	c, errs := f.Validate(json.RawMessage(valid), citizen)
	if errs != nil {
		t.Fatal(errs)
	}
	link := "https://parentline.example/mina-sidor/"
	ids := []string{"FH-7K2M-Q9XD", "FH-AB2C-DE3F"}
	for _, lang := range []string{"sv", "en"} {
		subject, body := f.Mail(c, ids, link, lang)
		all := subject + "\n" + body
		for _, w := range []string{link, "Krokom", "2309", "FH-7K2M-Q9XD", "Östersund", "2380", "FH-AB2C-DE3F", "Anna Berg"} {
			if !strings.Contains(all, w) {
				t.Errorf("%s mail lacks %q:\n%s", lang, w, all)
			}
		}
		// Krokom (2309) is c.Units[0]: its line has the first id.
		if !strings.Contains(body, "Krokom") || !strings.Contains(strings.SplitAfter(body, "Krokom")[1][:60], ids[0]) {
			t.Errorf("%s: ids not beside their municipalities:\n%s", lang, body)
		}
		for _, never := range []string{pn, "821105", "some_limits", "Inget särskilt", "Storgatan", "070-123"} {
			if strings.Contains(all, never) {
				t.Errorf("%s mail holds %q", lang, never)
			}
		}
		hint := map[string]string{"sv": "krypterade", "en": "encrypted"}[lang]
		if !strings.Contains(body, hint) {
			t.Errorf("%s mail does not say the answers are encrypted", lang)
		}
		if strings.ContainsAny(subject, "\r\n") {
			t.Error("subject has a line break")
		}
	}
	sv, _ := f.Mail(c, ids, link, "sv")
	en, _ := f.Mail(c, ids, link, "en")
	if sv == en {
		t.Error("same subject in both languages")
	}
}

func TestOneClosedUnitNamed(t *testing.T) {
	f := New(testUnits(t))
	_, errs := f.Validate(edit(t, "municipalities", []string{"2380", "2361"}), citizen)
	m := errs["municipalities"]
	if !strings.Contains(m.Sv, "Härjedalen tar inte emot anmälningar via e-tjänsten") ||
		!strings.Contains(m.En, "Härjedalen does not take registrations through the e-service") || strings.Contains(m.Sv, "Östersund") {
		t.Fatalf("%+v", m)
	}
}

// TestProtectedIdentityChoosesContactDetails: a person with protected
// identity may leave out the address and one of phone and e-mail; what they
// give is still checked, and leaving out both ways to reach them is not.
func TestProtectedIdentityChoosesContactDetails(t *testing.T) {
	f := New(testUnits(t))
	protected := interest.Citizen{PersonalNumber: pn, Name: "Anna Berg", Protected: true}
	noAddress := edit(t, "contact", map[string]string{"given_name": "Anna", "surname": "Berg", "phone": "070-123 45 67"})
	if _, errs := f.Validate(noAddress, protected); errs != nil {
		t.Fatalf("protected identity without address and e-mail: %v", errs.In("sv"))
	}
	if _, errs := f.Validate(noAddress, citizen); errs["contact.address"].Sv == "" || errs["contact.email"].Sv == "" {
		t.Errorf("without protected identity the address and e-mail are required: %v", errs.In("sv"))
	}
	none := edit(t, "contact", map[string]string{"given_name": "Anna", "surname": "Berg"})
	if _, errs := f.Validate(none, protected); errs["contact.phone"] != field.NoWayToReach {
		t.Errorf("neither phone nor e-mail: %v", errs.In("sv"))
	}
	badMail := edit(t, "contact", map[string]string{"given_name": "Anna", "surname": "Berg", "email": "inte-en-adress"})
	if _, errs := f.Validate(badMail, protected); errs["contact.email"].Sv == "" {
		t.Errorf("a given e-mail is still checked: %v", errs.In("sv"))
	}
}

// TestForUnit: each municipality's copy names that municipality alone.
func TestForUnit(t *testing.T) {
	c, errs := New(testUnits(t)).Validate(json.RawMessage(valid), citizen)
	if errs != nil {
		t.Fatal(errs.In("en"))
	}
	one, err := ForUnit(c.Answers, "2380")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(canonical, `"municipalities":["2309","2380"]`, `"municipalities":["2380"]`, 1)
	if string(one) != want {
		t.Fatalf("Östersund's copy\n%s\nwant\n%s", one, want)
	}
}

// TestProtectedIdentity_BlankIsNotAWayToReach: spaces are not a phone number.
func TestProtectedIdentity_BlankIsNotAWayToReach(t *testing.T) {
	protected := interest.Citizen{PersonalNumber: pn, Name: "Anna Berg", Protected: true}
	blank := edit(t, "contact", map[string]string{"given_name": "Anna", "surname": "Berg", "phone": "   ", "email": " "})
	if _, errs := New(testUnits(t)).Validate(blank, protected); errs["contact.phone"] != field.NoWayToReach {
		t.Errorf("blank phone and e-mail: %v", errs.In("sv"))
	}
}
