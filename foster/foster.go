// Package foster is the foster-care interest registration: a person tells the
// municipalities they choose that they may take a foster-care assignment.
//
// The Swedish terms: a familjehem is a foster home, where a child lives for
// a longer time; a jourhem is an emergency foster home, taking a child at
// short notice for a short time; a kontaktperson (support person) or a
// kontaktfamilj (support family) sees a child or young person regularly,
// for example some weekends a month, while the child lives at home.
//
// New returns the interest.Form the interest store runs: the answers' rules
// (Validate), what a draft may keep (Draft: never the health answers), the
// art. 9 consent to processing health data, the statuses with their
// retention, and the confirmation mail. Each chosen municipality gets its
// own record, sealed to that municipality's foster-care staff alone.
package foster

import (
	"encoding/json"
	"time"

	"parentline/interest"
	"parentline/internal/field"
)

// Form identity.
const (
	Kind       = "foster"
	Prefix     = "FH"
	RolePrefix = "foster"
	// StaffPage is where the units' staff read the registrations.
	StaffPage = "/familjehem/personal/"
)

// ConsentVersion names the consent text below; a new text needs a new
// version.
const ConsentVersion = "foster-art9-v1"

// MaxAnswers is the most bytes of answers Validate and Draft read.
const MaxAnswers = 64 << 10

// Title is the form's name.
var Title = field.Message{
	Sv: "Intresseanmälan – familjehem, jourhem, kontaktperson och kontaktfamilj",
	En: "Registration of interest – foster home, emergency foster home, support person and support family",
}

// Units are the default municipalities, those of Jämtland county, by
// municipality code. They have no keys: the server adds them.
func Units() []interest.Unit {
	return []interest.Unit{
		{Code: "2303", Name: "Ragunda"},
		{Code: "2305", Name: "Bräcke"},
		{Code: "2309", Name: "Krokom"},
		{Code: "2313", Name: "Strömsund"},
		{Code: "2321", Name: "Åre"},
		{Code: "2326", Name: "Berg"},
		{Code: "2361", Name: "Härjedalen"},
		{Code: "2380", Name: "Östersund"},
	}
}

// Status codes.
const (
	StatusReceived   = "received"
	StatusAssessment = "assessment"
)

// Statuses: received (the citizen may withdraw it; kept a year), then
// assessment (part of the municipality's case; kept 180 days here).
func Statuses() []interest.Status {
	return []interest.Status{
		{
			Code:      StatusReceived,
			Label:     field.Message{Sv: "Inkommen", En: "Received"},
			Erasable:  true,
			RetainFor: 365 * 24 * time.Hour,
		},
		{
			Code:     StatusAssessment,
			Label:    field.Message{Sv: "Under bedömning", En: "Under assessment"},
			Erasable: false,
			KeepReason: field.Message{
				Sv: "Kommunen bedömer din anmälan. Den ingår i ett pågående ärende och kan inte raderas härifrån " +
					"förrän bedömningen är klar. Kontakta kommunens familjehemsenhet om du vill ta tillbaka den.",
				En: "The municipality is assessing your registration. It is part of an ongoing case and cannot be " +
					"deleted from here until the assessment is finished. Contact the municipality's foster care " +
					"unit if you want to withdraw it.",
			},
			RetainFor: 180 * 24 * time.Hour,
		},
	}
}

// Consent is the explicit consent (GDPR art. 9.2 a) to process the health
// answers, confirmed with every submission.
func Consent() interest.ConsentText {
	return interest.ConsentText{
		Version: ConsentVersion,
		What: field.Message{
			Sv: "Behandling av uppgifter om din hälsa (art. 9)",
			En: "Processing of information about your health (art. 9)",
		},
		Text: field.Message{
			Sv: "Jag samtycker till att de kommuner jag har valt behandlar mina svar om min fysiska och psykiska hälsa. " +
				"Kommunen använder svaren för att bedöma om jag kan bli familjehem, jourhem, kontaktperson eller kontaktfamilj. " +
				"Uppgifter om hälsa är känsliga personuppgifter, och därför behövs mitt uttryckliga samtycke " +
				"(artikel 9.2 a i dataskyddsförordningen, GDPR).\n\n" +
				"Samtycket är frivilligt. Utan det kan anmälan inte skickas här, men jag kan kontakta kommunens " +
				"familjehemsenhet direkt.\n\n" +
				"Jag kan när som helst ta tillbaka samtycket på Mina sidor. Om kommunen inte har börjat bedöma anmälan " +
				"raderas den då. Om bedömningen har börjat får kommunen veta att jag har tagit tillbaka samtycket och " +
				"slutar använda mina svar om hälsa. Det som gjordes innan jag tog tillbaka samtycket påverkas inte.\n\n" +
				"Anmälan krypteras så att bara de som arbetar med familjehem i den kommun jag har valt kan läsa den. " +
				"Den som driver e-tjänsten kan inte läsa den.",
			En: "I consent to the municipalities I have chosen processing my answers about my physical and mental health. " +
				"The municipality uses the answers to assess whether I can become a foster home, an emergency foster home, " +
				"a support person or a support family. Information about health is sensitive personal data, so my " +
				"explicit consent is needed (Article 9(2)(a) of the General Data Protection Regulation, GDPR).\n\n" +
				"The consent is voluntary. Without it the registration cannot be sent here, but I can contact the " +
				"municipality's foster care unit directly.\n\n" +
				"I can withdraw the consent at any time on My pages (Mina sidor). If the municipality has not started " +
				"assessing the registration, it is then deleted. If the assessment has started, the municipality is told " +
				"that I have withdrawn the consent and stops using my answers about health. What was done before I " +
				"withdrew the consent is not affected.\n\n" +
				"The registration is encrypted so that only the foster care staff of the municipality I have chosen can " +
				"read it. Those who run the e-service cannot read it.",
		},
	}
}

// New returns the foster form for units (Units() with the keys the server
// holds). A unit without keys is listed but cannot be chosen.
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
		Draft:   Draft,
		ForUnit: ForUnit,
		Mail: func(c interest.Checked, ids []string, link, lang string) (string, string) {
			return mailText(us, c, ids, link, lang)
		},
	}
}
