package programme

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

const pn = "199012119948" // a test personnummer (DOMAIN.md §2)

var citizen = interest.Citizen{PersonalNumber: pn, Name: "Sara Lind"}

// testUnits: every district open but Skärholmen.
func testUnits(t *testing.T) []interest.Unit {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	us := Units()
	for i := range us {
		if us[i].Code != "skarholmen" {
			us[i].Keys = []*ecdh.PublicKey{k.PublicKey()}
		}
	}
	return us
}

const valid = `{"programme":"komet","district":"kungsholmen",
 "contact":{"given_name":"Sara","surname":" Lind ","address":"Fleminggatan 1","postal_code":"112 26","city":"Stockholm",
            "phone":"+46 8 123 456 78","email":"sara@exempel.se"},
 "gender":"woman","children":2,
 "partner":{"name":"Ali Lind","email":"ali@exempel.se","gender":"man"},
 "other_district":"bromma","language":"arabiska","other_info":"Helst kvällar."}`

const canonical = `{"programme":"komet","district":"kungsholmen",` +
	`"contact":{"given_name":"Sara","surname":"Lind","address":"Fleminggatan 1","postal_code":"112 26","city":"Stockholm","phone":"+46 8 123 456 78","email":"sara@exempel.se"},` +
	`"gender":"woman","children":2,"partner":{"name":"Ali Lind","email":"ali@exempel.se","gender":"man"},` +
	`"other_district":"bromma","language":"arabiska","other_info":"Helst kvällar."}`

func TestForm(t *testing.T) {
	f := New(testUnits(t))
	if f.Kind != "programme" || f.Prefix != "FS" || f.RolePrefix != "coordinator" || f.Draft != nil || f.Mail == nil {
		t.Fatalf("form %+v", f)
	}
	if f.Title.Sv != "Intresseanmälan – föräldrastöd ABC och Komet" || f.Title.En == "" {
		t.Errorf("title %+v", f.Title)
	}
	if f.Consent.Version != "programme-v1" || f.Consent.What.Sv == "" || f.Consent.What.En == "" {
		t.Errorf("consent %+v", f.Consent)
	}
	for _, w := range []string{"samordnaren och gruppledarna", "Mina sidor", "raderas"} {
		if !strings.Contains(f.Consent.Text.Sv, w) {
			t.Errorf("consent lacks %q", w)
		}
	}
	want := map[string]float64{"received": 365, "contacted": 365, "offered": 365, "waitlist": 365, "closed": 30}
	if len(f.Statuses) != 5 || f.Statuses[0].Code != "received" {
		t.Fatalf("statuses %+v", f.Statuses)
	}
	for _, s := range f.Statuses {
		if !s.Erasable || s.RetainFor.Hours()/24 != want[s.Code] || s.Label.Sv == "" || s.Label.En == "" {
			t.Errorf("status %+v", s)
		}
	}
	if len(Units()) != 13 {
		t.Error("units")
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
	if !slices.Equal(c.Units, []string{"kungsholmen"}) || c.Label != "Komet" || c.Email != "sara@exempel.se" || c.Name != "Sara Lind" {
		t.Errorf("checked %+v", c)
	}
	if c2, errs := f.Validate(c.Answers, citizen); errs != nil || string(c2.Answers) != canonical {
		t.Fatalf("second round: %v %s", errs, c2.Answers)
	}
	// ABC, no partner, nothing optional.
	c, errs = f.Validate(json.RawMessage(`{"programme":"abc","district":"farsta","contact":{"given_name":"Sara","surname":"Lind",
		"address":"Fleminggatan 1","postal_code":"11226","city":"Stockholm","phone":"08-123 456 78","email":"sara@exempel.se"},
		"gender":"unspecified","children":1}`), citizen)
	if errs != nil {
		t.Fatalf("errors: %v", errs.In("en"))
	}
	wantMin := `{"programme":"abc","district":"farsta","contact":{"given_name":"Sara","surname":"Lind","address":"Fleminggatan 1","postal_code":"112 26","city":"Stockholm","phone":"08-123 456 78","email":"sara@exempel.se"},"gender":"unspecified","children":1,"partner":{"name":"","email":"","gender":""},"other_district":"","language":"","other_info":""}`
	if string(c.Answers) != wantMin || c.Label != "ABC" || c.Units[0] != "farsta" {
		t.Errorf("minimal: %s %+v", c.Answers, c)
	}
}

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
	out, _ := json.Marshal(doc)
	return out
}

func TestValidateFieldPaths(t *testing.T) {
	f := New(testUnits(t))
	for _, tc := range []struct {
		name, path string
		value      any
		wantPath   string
		want       string // part of the Swedish message; "": valid
	}{
		{"programme", "programme", "", "programme", "Välj vilket program"},
		{"programme unknown", "programme", "triple-p", "programme", "Välj vilket program"},
		{"district missing", "district", nil, "district", "Välj vilken stadsdel"},
		{"district unknown", "district", "solna", "district", "Välj vilken stadsdel"},
		{"district closed", "district", "skarholmen", "district", "Skärholmen tar inte emot anmälningar via e-tjänsten"},
		{"given name", "contact.given_name", "", "contact.given_name", "Skriv ditt förnamn."},
		{"postal code", "contact.postal_code", "1122", "contact.postal_code", "fem siffror"},
		{"phone", "contact.phone", "08", "contact.phone", "7–15 siffror"},
		{"email", "contact.email", "sara", "contact.email", "namn@exempel.se"},
		{"gender", "gender", "", "gender", "Välj ditt kön."},
		{"gender bad", "gender", "f", "gender", "Välj ditt kön."},
		{"children 0", "children", 0, "children", "från 1 till 15"},
		{"children 16", "children", 16, "children", "från 1 till 15"},
		{"children fraction", "children", 2.5, "children", "heltal"},
		{"children missing", "children", nil, "children", "hur många barn"},
		{"partner null", "partner", nil, "", ""},
		{"partner empty", "partner", map[string]any{}, "", ""},
		{"partner blank", "partner", map[string]any{"name": " ", "email": "", "gender": ""}, "", ""},
		{"partner name only", "partner", map[string]any{"name": "Ali"}, "", ""},
		{"partner email without name", "partner", map[string]any{"email": "ali@exempel.se"}, "partner.name", "eller lämna alla uppgifter om partnern tomma"},
		{"partner gender without name", "partner", map[string]any{"gender": "man"}, "partner.name", "partners namn"},
		{"partner email bad", "partner.email", "ali@", "partner.email", "namn@exempel.se"},
		{"partner gender bad", "partner.gender", "x", "partner.gender", "partners kön"},
		{"partner name long", "partner.name", strings.Repeat("x", 101), "partner.name", "högst 100"},
		{"partner unknown field", "partner.phone", "070", "", "inte hör till formuläret"},
		{"other district unknown", "other_district", "solna", "other_district", "annan stadsdel i listan"},
		{"other district same", "other_district", "kungsholmen", "other_district", "annan stadsdel än"},
		{"other district closed ok", "other_district", "skarholmen", "", ""},
		{"other district empty", "other_district", "", "", ""},
		{"language long", "language", strings.Repeat("x", 61), "language", "högst 60"},
		{"other info long", "other_info", strings.Repeat("x", 1001), "other_info", "högst 1000"},
		{"other info control", "other_info", "a\x07b", "other_info", "styrtecken"},
		{"unknown field", "personnummer", pn, "", "inte hör till formuläret"},
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
			if !strings.Contains(m.Sv, tc.want) || m.Sv == "" || m.En == "" || m.Sv == m.En {
				t.Errorf("message %+v, want %q", m, tc.want)
			}
		})
	}
}

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
	if _, errs := f.Validate(json.RawMessage(`[]`), citizen); errs[""] != field.Unreadable {
		t.Errorf("array: %v", errs)
	}
}

func TestMail(t *testing.T) {
	f := New(testUnits(t))
	c, errs := f.Validate(json.RawMessage(valid), citizen)
	if errs != nil {
		t.Fatal(errs)
	}
	link := "https://parentline.example/mina-sidor/"
	for _, lang := range []string{"sv", "en"} {
		subject, body := f.Mail(c, []string{"FS-7K2M-Q9XD"}, link, lang)
		all := subject + "\n" + body
		for _, w := range []string{link, "FS-7K2M-Q9XD", "Kungsholmen", "Komet", "Sara Lind"} {
			if !strings.Contains(all, w) {
				t.Errorf("%s mail lacks %q:\n%s", lang, w, all)
			}
		}
		phrase := map[string]string{"sv": "logga in för att se status", "en": "log in to see the status"}[lang]
		if !strings.Contains(strings.ToLower(body), phrase) {
			t.Errorf("%s mail lacks %q", lang, phrase)
		}
		for _, never := range []string{pn, "901211", "Ali", "Fleminggatan", "arabiska", "Helst"} {
			if strings.Contains(all, never) {
				t.Errorf("%s mail holds %q", lang, never)
			}
		}
	}
}

func TestQuestionsMatchSchema(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(canonical), &doc); err != nil {
		t.Fatal(err)
	}
	for _, q := range Questions() {
		var v any = doc
		for _, p := range strings.Split(q.Path, ".") {
			v = v.(map[string]any)[p]
		}
		if v == nil || q.Label.Sv == "" || q.Label.En == "" {
			t.Errorf("%s: %v %+v", q.Path, v, q.Label)
		}
	}
}
