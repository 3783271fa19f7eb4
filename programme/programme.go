// Package programme is the interest registration for the parenting
// programmes ABC and Komet: a parent asks their city district for a place.
//
// ABC ("Alla Barn i Centrum", all children in focus) is a programme for
// parents of children aged about 3–12; Komet ("Kommunikationsmetod",
// communication method) is for parents of children with whom conflicts are
// frequent. Both run in groups led by the district's group leaders; the
// district's coordinator (samordnare) handles the registrations.
//
// New returns the interest.Form the interest store runs: the answers' rules
// (Validate), the consent, the statuses with their retention and the
// confirmation mail, which lets the person log in to follow the status. The
// programme keeps no drafts. The record is sealed to the chosen district's
// coordinator and group leaders alone.
package programme

import (
	"encoding/json"
	"time"

	"parentline/interest"
	"parentline/internal/field"
)

// Form identity.
const (
	Kind       = "programme"
	Prefix     = "FS"
	RolePrefix = "coordinator"
	// StaffPage is where the units' staff read the registrations.
	StaffPage = "/foraldrastod/samordnare/"
)

// ConsentVersion names the consent text below.
const ConsentVersion = "programme-v1"

// MaxAnswers is the most bytes of answers Validate reads.
const MaxAnswers = 64 << 10

// Title is the form's name.
var Title = field.Message{
	Sv: "Intresseanmälan – föräldrastöd ABC och Komet",
	En: "Registration of interest – parenting programmes ABC and Komet",
}

// Units are the default units: Stockholm's city districts, with ascii
// codes. They have no keys: the server adds them.
func Units() []interest.Unit {
	return []interest.Unit{
		{Code: "rinkeby-kista", Name: "Rinkeby-Kista"},
		{Code: "spanga-tensta", Name: "Spånga-Tensta"},
		{Code: "hasselby-vallingby", Name: "Hässelby-Vällingby"},
		{Code: "bromma", Name: "Bromma"},
		{Code: "kungsholmen", Name: "Kungsholmen"},
		{Code: "norrmalm", Name: "Norrmalm"},
		{Code: "ostermalm", Name: "Östermalm"},
		{Code: "sodermalm", Name: "Södermalm"},
		{Code: "enskede-arsta-vantor", Name: "Enskede-Årsta-Vantör"},
		{Code: "skarpnack", Name: "Skarpnäck"},
		{Code: "farsta", Name: "Farsta"},
		{Code: "hagersten-alvsjo", Name: "Hägersten-Älvsjö"},
		{Code: "skarholmen", Name: "Skärholmen"},
	}
}

// Status codes.
const (
	StatusReceived  = "received"
	StatusContacted = "contacted"
	StatusOffered   = "offered"
	StatusWaitlist  = "waitlist"
	StatusClosed    = "closed"
)

// Statuses: each may be withdrawn by the citizen (the record is deleted);
// a closed registration is kept 30 days, the others a year.
func Statuses() []interest.Status {
	year := 365 * 24 * time.Hour
	return []interest.Status{
		{Code: StatusReceived, Label: field.Message{Sv: "Mottagen", En: "Received"}, Erasable: true, RetainFor: year},
		{Code: StatusContacted, Label: field.Message{Sv: "Kontaktad", En: "Contacted"}, Erasable: true, RetainFor: year},
		{Code: StatusOffered, Label: field.Message{Sv: "Erbjuden plats", En: "Offered a place"}, Erasable: true, RetainFor: year},
		{Code: StatusWaitlist, Label: field.Message{Sv: "Väntelista", En: "Waiting list"}, Erasable: true, RetainFor: year},
		{Code: StatusClosed, Label: field.Message{Sv: "Avslutad", En: "Closed"}, Erasable: true, RetainFor: 30 * 24 * time.Hour},
	}
}

// Consent is what the person confirms with the registration.
func Consent() interest.ConsentText {
	return interest.ConsentText{
		Version: ConsentVersion,
		What: field.Message{
			Sv: "Behandling av uppgifterna i din anmälan till ABC eller Komet",
			En: "Processing of the details in your registration for ABC or Komet",
		},
		Text: field.Message{
			Sv: "Jag samtycker till att samordnaren och gruppledarna i den stadsdel jag har valt behandlar uppgifterna " +
				"i min anmälan. De använder dem för att kunna erbjuda mig en plats i föräldrastödsprogrammet och för att " +
				"kontakta mig. Bara de kan läsa anmälan.\n\n" +
				"Om jag skriver min partners namn och e-postadress har jag berättat det för min partner.\n\n" +
				"Jag kan när som helst ta tillbaka samtycket på Mina sidor. Då raderas anmälan. Det som gjordes " +
				"innan dess påverkas inte.",
			En: "I consent to the coordinator and group leaders of the city district I have chosen processing the details " +
				"in my registration. They use them to offer me a place in the parenting programme and to contact me. " +
				"Only they can read the registration.\n\n" +
				"If I give my partner's name and e-mail address, I have told my partner so.\n\n" +
				"I can withdraw the consent at any time on My pages (Mina sidor). The registration is then deleted. " +
				"What was done before that is not affected.",
		},
	}
}

// New returns the programme form for units (Units() with the keys the
// server holds). A unit without keys is listed but cannot be chosen.
func New(units []interest.Unit) interest.Form {
	us := append([]interest.Unit(nil), units...)
	return interest.Form{
		Kind:       Kind,
		Prefix:     Prefix,
		RolePrefix: RolePrefix,
		StaffPage:  StaffPage,
		Title:      Title,
		Units:      us,
		Statuses:   Statuses(),
		Consent:    Consent(),
		Validate: func(answers json.RawMessage, c interest.Citizen) (interest.Checked, field.Errors) {
			return Validate(us, answers, c.Protected)
		},
		Draft: nil, // no drafts: the form is short
		Mail: func(c interest.Checked, ids []string, link, lang string) (string, string) {
			return mailText(us, c, ids, link, lang)
		},
	}
}
