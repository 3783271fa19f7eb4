package programme

import (
	"encoding/json"
	"strings"

	"parentline/interest"
	"parentline/internal/field"
)

// Question describes one field of the form (see field.Question).
type Question = field.Question

type m = field.Message

// The choices.
var (
	Programmes = []field.Choice{
		{Code: "abc", Label: m{Sv: "ABC – Alla Barn i Centrum", En: "ABC – All Children in Focus (Alla Barn i Centrum)"}},
		{Code: "komet", Label: m{Sv: "Komet – Kommunikationsmetod", En: "Komet – Communication method (Kommunikationsmetod)"}},
	}
	Genders = []field.Choice{
		{Code: "woman", Label: m{Sv: "Kvinna", En: "Woman"}},
		{Code: "man", Label: m{Sv: "Man", En: "Man"}},
		{Code: "other", Label: m{Sv: "Annat", En: "Other"}},
		{Code: "unspecified", Label: m{Sv: "Vill inte ange", En: "Prefer not to say"}},
	}
)

// labels are the records' labels by programme, kept in clear beside the
// sealed record.
var labels = map[string]string{"abc": "ABC", "komet": "Komet"}

var (
	specProgramme = field.Spec{What: m{Sv: "vilket program du vill gå", En: "which programme you want to attend"}}
	specDistrict  = field.Spec{What: m{Sv: "vilken stadsdel du anmäler dig till", En: "which city district you register with"}}
	specGender    = field.Spec{What: m{Sv: "ditt kön", En: "your gender"}}
	specChildren  = field.Spec{What: m{Sv: "hur många barn du har", En: "how many children you have"}}
	specPartnerNm = field.Spec{What: m{Sv: "din partners namn", En: "your partner's name"}, Optional: true, Max: 100,
		Missing: m{Sv: "Skriv din partners namn, eller lämna alla uppgifter om partnern tomma.",
			En: "Enter your partner's name, or leave all the partner's details empty."}}
	specPartnerEm = field.Spec{What: m{Sv: "din partners e-postadress", En: "your partner's e-mail address"}, Optional: true}
	specPartnerGn = field.Spec{What: m{Sv: "din partners kön, eller lämna det tomt", En: "your partner's gender, or leave it empty"}, Optional: true}
	specOther     = field.Spec{What: m{Sv: "en annan stadsdel i listan, eller lämna fältet tomt",
		En: "another city district from the list, or leave the field empty"}, Optional: true}
	specLanguage  = field.Spec{What: m{Sv: "vilket språk du vill gå programmet på", En: "the language you want the programme in"}, Optional: true, Max: 60}
	specOtherInfo = field.Spec{What: m{Sv: "övriga upplysningar", En: "other information"}, Optional: true, Max: 1000, Multiline: true}
)

var sameDistrict = m{
	Sv: "Välj en annan stadsdel än den du anmäler dig till, eller lämna fältet tomt.",
	En: "Choose a district other than the one you register with, or leave the field empty.",
}

func closedMessage(name string) field.Message {
	return field.Message{
		Sv: name + " tar inte emot anmälningar via e-tjänsten. Välj en annan stadsdel eller kontakta stadsdelen direkt.",
		En: name + " does not take registrations through the e-service. Choose another district or contact the district directly.",
	}
}

// Questions describes every field of the answers, in the order of the form.
func Questions() []Question {
	return []Question{
		{Path: "programme", Kind: "one", Required: true, Choices: Programmes,
			Label: m{Sv: "Vilket program vill du gå?", En: "Which programme do you want to attend?"}},
		{Path: "district", Kind: "unit", Required: true,
			Label: m{Sv: "Stadsdel", En: "City district"}},
		{Path: "contact.given_name", Kind: "text", Required: true, Max: field.GivenName.Max, Label: m{Sv: "Förnamn", En: "First name"}},
		{Path: "contact.surname", Kind: "text", Required: true, Max: field.Surname.Max, Label: m{Sv: "Efternamn", En: "Surname"}},
		{Path: "contact.address", Kind: "text", Required: true, Max: field.Address.Max, Label: m{Sv: "Gatuadress", En: "Street address"}},
		{Path: "contact.postal_code", Kind: "postal_code", Required: true, Label: m{Sv: "Postnummer", En: "Postcode"}},
		{Path: "contact.city", Kind: "text", Required: true, Max: field.City.Max, Label: m{Sv: "Postort", En: "Town"}},
		{Path: "contact.phone", Kind: "phone", Required: true, Label: m{Sv: "Telefonnummer", En: "Phone number"}},
		{Path: "contact.email", Kind: "email", Required: true, Label: m{Sv: "E-postadress", En: "E-mail address"}},
		{Path: "gender", Kind: "one", Required: true, Choices: Genders, Label: m{Sv: "Kön", En: "Gender"}},
		{Path: "children", Kind: "int", Required: true, Min: 1, Max: 15, Label: m{Sv: "Antal barn", En: "Number of children"}},
		{Path: "partner.name", Kind: "text", Max: specPartnerNm.Max, Label: m{Sv: "Partners namn", En: "Partner's name"}},
		{Path: "partner.email", Kind: "email", Label: m{Sv: "Partners e-postadress", En: "Partner's e-mail address"}},
		{Path: "partner.gender", Kind: "one", Choices: Genders, Label: m{Sv: "Partners kön", En: "Partner's gender"}},
		{Path: "other_district", Kind: "unit",
			Label: m{Sv: "Vill du hellre gå i en annan stadsdel?", En: "Would you rather attend in another district?"}},
		{Path: "language", Kind: "text", Max: specLanguage.Max,
			Label: m{Sv: "Vill du gå programmet på ett annat språk än svenska? Vilket?", En: "Would you like the programme in a language other than Swedish? Which?"}},
		{Path: "other_info", Kind: "textarea", Max: specOtherInfo.Max, Label: m{Sv: "Övriga upplysningar", En: "Other information"}},
	}
}

// Answers is the canonical form of a programme registration's answers: what
// is sealed to the district. Every field is present; optional texts may be
// "", and Partner has empty texts when no partner was given.
type Answers struct {
	Programme     string        `json:"programme"`
	District      string        `json:"district"`
	Contact       field.Contact `json:"contact"`
	Gender        string        `json:"gender"`
	Children      int           `json:"children"`
	Partner       Partner       `json:"partner"`
	OtherDistrict string        `json:"other_district"`
	Language      string        `json:"language"`
	OtherInfo     string        `json:"other_info"`
}

// Partner is the optional partner: if any field is given, the name must be.
type Partner struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	Gender string `json:"gender"`
}

type input struct {
	Programme     string          `json:"programme"`
	District      string          `json:"district"`
	Contact       field.Contact   `json:"contact"`
	Gender        string          `json:"gender"`
	Children      json.RawMessage `json:"children"`
	Partner       *Partner        `json:"partner"`
	OtherDistrict string          `json:"other_district"`
	Language      string          `json:"language"`
	OtherInfo     string          `json:"other_info"`
}

// Validate checks answers against units (a unit is open when it has keys)
// and returns them in canonical form; the record goes to the district.
// With protected identity the address may be left out, and a phone
// number or an e-mail address is enough (field.CheckContactFor).
func Validate(units []interest.Unit, answers json.RawMessage, protected bool) (interest.Checked, field.Errors) {
	e := field.Errors{}
	var in input
	probs, ok := field.Decode(answers, MaxAnswers, &in)
	if !ok {
		return interest.Checked{}, probs
	}
	byCode := make(map[string]interest.Unit, len(units))
	for _, u := range units {
		byCode[u.Code] = u
	}
	var a Answers
	a.Programme = field.OneOf(e, "programme", in.Programme, field.Codes(Programmes), specProgramme)

	a.District = strings.TrimSpace(in.District)
	if u, known := byCode[a.District]; !known {
		e.Add("district", field.Choose(specDistrict.What))
	} else if len(u.Keys) == 0 {
		e.Add("district", closedMessage(u.Name))
	}

	a.Contact = field.CheckContactFor(e, "contact", in.Contact, protected)
	a.Gender = field.OneOf(e, "gender", in.Gender, field.Codes(Genders), specGender)
	a.Children, _ = field.Int(e, "children", in.Children, 1, 15, specChildren)

	if p := in.Partner; p != nil {
		a.Partner.Name = field.Text(e, "partner.name", p.Name, specPartnerNm)
		a.Partner.Email = field.Email(e, "partner.email", p.Email, specPartnerEm)
		a.Partner.Gender = field.OneOf(e, "partner.gender", p.Gender, field.Codes(Genders), specPartnerGn)
		if a.Partner.Name == "" && (a.Partner.Email != "" || a.Partner.Gender != "") {
			e.Add("partner.name", specPartnerNm.Missing)
		}
	}

	a.OtherDistrict = strings.TrimSpace(in.OtherDistrict)
	if a.OtherDistrict != "" {
		if _, known := byCode[a.OtherDistrict]; !known {
			e.Add("other_district", field.Choose(specOther.What))
		} else if a.OtherDistrict == a.District {
			e.Add("other_district", sameDistrict)
		}
	}
	a.Language = field.Text(e, "language", in.Language, specLanguage)
	a.OtherInfo = field.Text(e, "other_info", in.OtherInfo, specOtherInfo)

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
		Units:   []string{a.District},
		Label:   labels[a.Programme],
		Email:   a.Contact.Email,
		Name:    a.Contact.GivenName + " " + a.Contact.Surname,
	}, nil
}
