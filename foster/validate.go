package foster

import (
	"encoding/json"
	"fmt"
	"strings"

	"parentline/interest"
	"parentline/internal/field"
)

// Answers is the canonical form of a foster registration's answers: what is
// sealed to the municipalities. Every field is present; optional texts may
// be "".
type Answers struct {
	Assignments    []string      `json:"assignments"`
	Municipalities []string      `json:"municipalities"`
	Contact        field.Contact `json:"contact"`
	Household      Household     `json:"household"`
	Questions      QuestionsPart `json:"questions"`
	Health         Health        `json:"health"`
	Motivation     string        `json:"motivation"`
}

// Household is the "household" part of Answers.
type Household struct {
	Adults       int    `json:"adults"`
	Children     int    `json:"children"`
	ChildrenAges string `json:"children_ages"`
	Housing      string `json:"housing"`
	Rooms        int    `json:"rooms"`
	PartnerName  string `json:"partner_name"`
	Occupation   string `json:"occupation"`
	Languages    string `json:"languages"`
}

// QuestionsPart is the "questions" part of Answers.
type QuestionsPart struct {
	Experience     string   `json:"experience"`
	Time           string   `json:"time"`
	AgeGroups      []string `json:"age_groups"`
	SocialServices string   `json:"social_services"`
}

// Health is the "health" part of Answers: special-category data (GDPR art.
// 9), never in a draft, a mail or a log.
type Health struct {
	Physical  string `json:"physical"`
	Mental    string `json:"mental"`
	Treatment string `json:"treatment"`
	Comment   string `json:"comment"`
}

// input is Answers as a page sends it: numbers as they came, so that
// a fraction or a text is told apart from a missing value.
type input struct {
	Assignments    []string      `json:"assignments"`
	Municipalities []string      `json:"municipalities"`
	Contact        field.Contact `json:"contact"`
	Household      struct {
		Adults       json.RawMessage `json:"adults"`
		Children     json.RawMessage `json:"children"`
		ChildrenAges string          `json:"children_ages"`
		Housing      string          `json:"housing"`
		Rooms        json.RawMessage `json:"rooms"`
		PartnerName  string          `json:"partner_name"`
		Occupation   string          `json:"occupation"`
		Languages    string          `json:"languages"`
	} `json:"household"`
	Questions  QuestionsPart `json:"questions"`
	Health     Health        `json:"health"`
	Motivation string        `json:"motivation"`
}

// Messages about the chosen municipalities.
var (
	unknownMunicipality = field.Message{
		Sv: "Välj kommuner i listan. En av de valda kommunerna finns inte i e-tjänsten.",
		En: "Choose municipalities from the list. One of those chosen is not in the e-service.",
	}
	duplicateMunicipality = field.Message{
		Sv: "Välj varje kommun bara en gång.",
		En: "Choose each municipality only once.",
	}
)

// closedMessage says that the named municipalities take no registrations
// here.
func closedMessage(names []string) field.Message {
	if len(names) == 1 {
		return field.Message{
			Sv: names[0] + " tar inte emot anmälningar via e-tjänsten. Ta bort kommunen ur ditt val och kontakta den direkt.",
			En: names[0] + " does not take registrations through the e-service. Remove the municipality from your choice and contact it directly.",
		}
	}
	last := len(names) - 1
	sv := strings.Join(names[:last], ", ") + " och " + names[last]
	en := strings.Join(names[:last], ", ") + " and " + names[last]
	return field.Message{
		Sv: sv + " tar inte emot anmälningar via e-tjänsten. Ta bort dem ur ditt val och kontakta kommunerna direkt.",
		En: en + " do not take registrations through the e-service. Remove them from your choice and contact the municipalities directly.",
	}
}

// Validate checks answers against units (a unit is open when it has keys)
// and returns them in canonical form.
// With protected identity the address may be left out, and a phone
// number or an e-mail address is enough (field.CheckContactFor).
func Validate(units []interest.Unit, answers json.RawMessage, protected bool) (interest.Checked, field.Errors) {
	e := field.Errors{}
	var in input
	probs, ok := field.Decode(answers, MaxAnswers, &in)
	if !ok {
		return interest.Checked{}, probs
	}
	var a Answers
	a.Assignments = field.SomeOf(e, "assignments", in.Assignments, field.Codes(Assignments), 1, specAssignments)
	a.Municipalities = checkUnits(e, "municipalities", in.Municipalities, units)
	a.Contact = field.CheckContactFor(e, "contact", in.Contact, protected)

	h := in.Household
	a.Household.Adults, _ = field.Int(e, "household.adults", h.Adults, 1, 10, specAdults)
	a.Household.Children, _ = field.Int(e, "household.children", h.Children, 0, 20, specChildren)
	a.Household.ChildrenAges = field.Text(e, "household.children_ages", h.ChildrenAges, specChildrenAges)
	a.Household.Housing = field.OneOf(e, "household.housing", h.Housing, field.Codes(Housing), specHousing)
	a.Household.Rooms, _ = field.Int(e, "household.rooms", h.Rooms, 1, 30, specRooms)
	a.Household.PartnerName = field.Text(e, "household.partner_name", h.PartnerName, specPartnerName)
	a.Household.Occupation = field.Text(e, "household.occupation", h.Occupation, specOccupation)
	a.Household.Languages = field.Text(e, "household.languages", h.Languages, specLanguages)

	q := in.Questions
	a.Questions.Experience = field.OneOf(e, "questions.experience", q.Experience, field.Codes(Experience), specExperience)
	a.Questions.Time = field.OneOf(e, "questions.time", q.Time, field.Codes(Time), specTime)
	a.Questions.AgeGroups = field.SomeOf(e, "questions.age_groups", q.AgeGroups, field.Codes(AgeGroups), 1, specAgeGroups)
	a.Questions.SocialServices = field.OneOf(e, "questions.social_services", q.SocialServices, field.Codes(SocialServices), specSocialServices)

	a.Health.Physical = field.OneOf(e, "health.physical", in.Health.Physical, field.Codes(HealthState), specPhysical)
	a.Health.Mental = field.OneOf(e, "health.mental", in.Health.Mental, field.Codes(HealthState), specMental)
	a.Health.Treatment = field.OneOf(e, "health.treatment", in.Health.Treatment, field.Codes(Treatment), specTreatment)
	a.Health.Comment = field.Text(e, "health.comment", in.Health.Comment, specHealthComment)

	a.Motivation = field.Text(e, "motivation", in.Motivation, specMotivation)

	e.Merge(probs)
	if len(e) > 0 {
		return interest.Checked{}, e
	}
	out, err := json.Marshal(a)
	if err != nil { // cannot happen: plain strings and ints
		e.Add("", field.Unreadable)
		return interest.Checked{}, e
	}
	return interest.Checked{
		Answers: out,
		Units:   append([]string(nil), a.Municipalities...),
		Label:   "",
		Email:   a.Contact.Email,
		Name:    a.Contact.GivenName + " " + a.Contact.Surname,
	}, nil
}

// checkUnits checks the chosen municipalities: at least one, each known and
// open, none twice. They are returned in the order of units.
func checkUnits(e field.Errors, path string, v []string, units []interest.Unit) []string {
	byCode := make(map[string]interest.Unit, len(units))
	for _, u := range units {
		byCode[u.Code] = u
	}
	seen := make(map[string]bool, len(v))
	var closed []string
	for _, code := range v {
		code = strings.TrimSpace(code)
		u, known := byCode[code]
		switch {
		case !known:
			e.Add(path, unknownMunicipality)
			return []string{}
		case seen[code]:
			e.Add(path, duplicateMunicipality)
			return []string{}
		case len(u.Keys) == 0:
			closed = append(closed, u.Name)
		}
		seen[code] = true
	}
	if len(closed) > 0 {
		e.Add(path, closedMessage(closed))
		return []string{}
	}
	if len(seen) == 0 {
		e.Add(path, field.Choose(specMunicipalities.What))
	}
	out := make([]string, 0, len(seen))
	for _, u := range units {
		if seen[u.Code] {
			out = append(out, u.Code)
			seen[u.Code] = false // a code listed twice in units counts once
		}
	}
	return out
}

// ForUnit is one municipality's copy of canonical answers: its
// "municipalities" names that municipality alone, so that it does not learn
// where else the applicant registered.
func ForUnit(answers json.RawMessage, unit string) (json.RawMessage, error) {
	var a Answers
	if err := json.Unmarshal(answers, &a); err != nil {
		return nil, fmt.Errorf("foster: the canonical answers do not decode: %w", err)
	}
	a.Municipalities = []string{unit}
	return json.Marshal(a)
}
