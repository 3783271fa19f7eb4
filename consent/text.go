package consent

import (
	"errors"
	"strconv"
	"strings"
)

// The consent texts, one per language. The text a parent accepted is kept
// in the sealed case with its version, so a changed text must get a new
// version (text_test.go pins each version's text by hash). {unit} and {days}
// are filled in from the configuration; they are not part of the version.
var consentTexts = map[string]struct{ version, template string }{
	"sv": {"2026-11-sv-1", `Vill du att vi lämnar dina uppgifter till {unit}?

Vad lämnas: bara de uppgifter du själv skriver här nedanför (till exempel ditt namn, telefonnummer eller e-post, personnummer, ditt barns förnamn och ålder och vilken hjälp du vill ha) och rådgivarens korta sammanfattning av varför ni har pratat om mer stöd. Resten av chatten sparas inte.

Till vem: {unit}. Uppgifterna krypteras så att bara de kan läsa dem.

Varför: så att du eller ditt barn kan få det stöd ni behöver.

Hur länge: vi sparar uppgifterna tills ärendet är avslutat hos oss och raderar dem {days} dagar efter det. Om {unit} öppnar ett eget ärende gäller deras regler för hur länge det sparas.

Så återkallar du: du får ett referensnummer och en kod. Spara dem. Med dem kan du när som helst återkalla ditt samtycke på sidan /consent/. Då raderar vi det som bara ditt samtycke gav oss rätt att spara. Det som redan har gjorts på ett lagligt sätt innan du återkallade påverkas inte.

Det är frivilligt. Om du säger nej fortsätter chatten som vanligt, du är fortfarande anonym och ingenting sparas.`},
	"en": {"2026-11-en-1", `Do you want us to pass your details to {unit}?

What is shared: only the details you choose to write below (for example your name, phone number or e-mail, personal identity number, your child's first name and age, and what help you would like) and the counsellor's short summary of why you talked about more support. The rest of the chat is not kept.

With whom: {unit}. The details are encrypted so that only they can read them.

Why: so that you or your child can get the support you need.

For how long: we keep the details until the case is closed on our side and delete them {days} days after that. If {unit} opens a case of their own, their rules decide how long it is kept.

How to withdraw: you get a reference and a code. Keep them. With them you can withdraw your consent at any time on the page /consent/. We then delete what only your consent allowed us to keep. What was lawfully done before you withdrew is not undone.

It is up to you. If you say no, the chat goes on as before, you stay anonymous and nothing is kept.`},
}

// ConsentText returns the consent text in lang ("sv" or "en"; anything
// else gives Swedish) for the social-services unit and retention period, and
// the text's version, such as "2026-11-sv-1".
func ConsentText(lang, unit string, retentionDays int) (text, version string) {
	t := consentTexts[normLang(lang)]
	r := strings.NewReplacer("{unit}", unit, "{days}", strconv.Itoa(retentionDays))
	return r.Replace(t.template), t.version
}

// normLang maps a language to one the texts exist in.
func normLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "sv"
}

// pick returns sv or en by lang.
func pick(lang, sv, en string) string {
	if normLang(lang) == "en" {
		return en
	}
	return sv
}

// Error is an error with a message fit for the person who caused it, in
// Swedish and English. Messages never repeat what was typed.
type Error struct {
	Code  string // stable, for programs and tests
	Field string // the detail or report field a validation error is about; "" otherwise
	Sv    string
	En    string
}

// Error returns the English message.
func (e *Error) Error() string { return "consent: " + e.En }

// Message returns the message in lang ("sv" or "en"; anything else gives Swedish).
func (e *Error) Message(lang string) string { return pick(lang, e.Sv, e.En) }

// UserMessage returns the message of err in lang if err is (or wraps) an
// *Error, and a general "something went wrong" otherwise. The chat hub shows
// it to the parent; handlers to staff.
func UserMessage(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message(lang)
	}
	return pick(lang, "Något gick fel. Inget har sparats. Försök igen om en stund.",
		"Something went wrong. Nothing was saved. Please try again in a moment.")
}

// The errors of Service. Compare with errors.Is; validation errors are
// *Error values with Field set (use errors.As).
var (
	ErrNotFound = &Error{Code: "not_found",
		Sv: "Vi hittar inget ärende med den referensen och koden. Kontrollera att du har skrivit av dem rätt.",
		En: "We found no case with that reference and code. Check that you copied them correctly."}
	ErrMandatory = &Error{Code: "mandatory",
		Sv: "Det här ärendet är en orosanmälan som vi enligt lag är skyldiga att göra (anmälningsskyldighet enligt socialtjänstlagen). Den kan inte återkallas. Kontakta socialtjänsten om du har frågor om den.",
		En: "This case is a report of concern that the law requires us to make (the duty to report under the Social Services Act). It cannot be withdrawn. Contact social services if you have questions about it."}
	ErrNoRecipients = &Error{Code: "no_recipients",
		Sv: "Det går inte att lämna uppgifter till socialtjänsten just nu, eftersom ingen mottagarnyckel är inställd. Inget har sparats.",
		En: "Details cannot be passed to social services right now, because no intake key is configured. Nothing was saved."}
	ErrOwnReport = &Error{Code: "own_report",
		Sv: "Du kan inte godkänna eller avslå en anmälan du själv har skrivit. En annan arbetsledare måste göra det.",
		En: "You cannot approve or reject a report you wrote yourself. Another supervisor must do it."}
	ErrReportNotFound = &Error{Code: "report_not_found",
		Sv: "Utkastet finns inte längre. Det kan redan vara godkänt eller avslaget, eller så har servern startats om.",
		En: "The draft no longer exists. It may already have been approved or rejected, or the server was restarted."}
	ErrTooManyDrafts = &Error{Code: "too_many_drafts",
		Sv: "Det finns för många utkast som väntar på godkännande. Be en arbetsledare gå igenom dem.",
		En: "Too many drafts are waiting for approval. Ask a supervisor to go through them."}
	ErrBadStatus = &Error{Code: "bad_status",
		Sv: "Okänd status. Välj mottagen, vidarebefordrad eller avslutad.",
		En: "Unknown status. Choose received, forwarded or closed."}
	ErrTransition = &Error{Code: "bad_transition",
		Sv: "Ärendet kan inte få den statusen nu. Ordningen är ny, mottagen, vidarebefordrad, avslutad.",
		En: "The case cannot get that status now. The order is new, received, forwarded, closed."}
	ErrWithdrawn = &Error{Code: "withdrawn",
		Sv: "Samtycket till ärendet är återkallat. Ärendet kan inte ändras.",
		En: "Consent to this case was withdrawn. The case cannot be changed."}
	ErrConsentText = &Error{Code: "consent_text",
		Sv: "Samtyckestexten stämmer inte med den version som visades. Inget har sparats. Be rådgivaren skicka frågan igen.",
		En: "The consent text does not match the version shown. Nothing was saved. Ask the counsellor to send the question again."}
	ErrNoActor = &Error{Code: "no_actor",
		Sv: "Det saknas uppgift om vem som gör detta.",
		En: "It is not known who is doing this."}
)

// fieldNames are the fields' names inside a sentence.
var fieldNames = map[string][2]string{
	"name":         {"Namnet", "The name"},
	"contact":      {"Kontaktuppgiften", "The contact detail"},
	"personnummer": {"Personnumret", "The personal identity number"},
	"child":        {"Uppgiften om barnet", "The detail about the child"},
	"help":         {"Beskrivningen av vilken hjälp du vill ha", "The description of the help you want"},
	"summary":      {"Sammanfattningen", "The summary"},
	"what":         {"Vad som sagts", "What was said"},
	"why":          {"Varför du är orolig", "Why you are concerned"},
	"identifying":  {"De identifierande uppgifterna", "The identifying details"},
	"how_told":     {"Hur föräldern fick veta", "How the parent was told"},
	"parent_told":  {"Om föräldern fått veta", "Whether the parent was told"},
	"reason":       {"Skälet", "The reason"},
}

func tooLong(field string, limit int) *Error {
	n := fieldNames[field]
	l := strconv.Itoa(limit)
	return &Error{Code: "too_long", Field: field,
		Sv: n[0] + " får vara högst " + l + " tecken.",
		En: n[1] + " may be at most " + l + " characters."}
}

func badChars(field string) *Error {
	n := fieldNames[field]
	return &Error{Code: "bad_chars", Field: field,
		Sv: n[0] + " innehåller tecken som inte går att använda.",
		En: n[1] + " contains characters that cannot be used."}
}

func required(field string) *Error {
	n := fieldNames[field]
	return &Error{Code: "required", Field: field,
		Sv: n[0] + " behöver fyllas i.",
		En: n[1] + " is required."}
}

var (
	errContactMissing = &Error{Code: "contact_missing", Field: "contact",
		Sv: "Skriv ett telefonnummer eller en e-postadress, så att socialtjänsten kan kontakta dig.",
		En: "Write a phone number or an e-mail address, so that social services can contact you."}
	errContactInvalid = &Error{Code: "contact_invalid", Field: "contact",
		Sv: "Skriv ett telefonnummer (7–15 siffror) eller en e-postadress (som namn@exempel.se).",
		En: "Write a phone number (7–15 digits) or an e-mail address (like name@example.com)."}
	errParentTold = &Error{Code: "parent_told", Field: "parent_told",
		Sv: "Ange om föräldern har fått veta om anmälan: ja, nej, eller inte säkert att berätta.",
		En: "Say whether the parent was told about the report: yes, no, or not safe to tell."}
)

// Guidance for the counsellor's "concern" action (GET /api/concern/guidance).
var guidanceDuty = [2]string{
	"Du som arbetar här har anmälningsskyldighet enligt socialtjänstlagen (2025:400): får du i arbetet kännedom om eller misstänker att ett barn far illa ska du genast anmäla det till socialnämnden, med eller utan förälderns samtycke. Ett barn som inte går att identifiera kan inte anmälas. Då kan du konsultera socialtjänsten utan att nämna vem det gäller, och ge föräldern information om stöd och nödnummer.",
	"As a counsellor here you have a duty to report under the Social Services Act (socialtjänstlagen 2025:400): if in your work you learn or suspect that a child is being harmed, you must report it to the social welfare committee at once, with or without the parent's consent. A child who cannot be identified cannot be reported. Then you can consult social services without saying who it concerns, and give the parent information about support and emergency numbers.",
}

type guidancePath struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func guidancePaths(lang string) []guidancePath {
	return []guidancePath{
		{ID: "consented",
			Title: pick(lang, "Med samtycke: föräldern vill ha mer stöd", "With consent: the parent wants more support"),
			Text: pick(lang,
				"Om ni kommer överens om att familjen behöver mer stöd: skicka en fråga om samtycke i chatten, med en kort sammanfattning av varför. Föräldern ser vad som lämnas, till vem, varför och hur länge, och väljer själv vilka uppgifter de ger. Säger föräldern nej fortsätter chatten anonymt och ingenting sparas. Säger föräldern ja får de ett referensnummer och en kod för att kunna återkalla.",
				"If you agree that the family needs more support: send a consent request in the chat, with a short summary of why. The parent sees what is shared, with whom, why and for how long, and chooses which details to give. If the parent says no, the chat goes on anonymously and nothing is kept. If the parent says yes, they get a reference and a code to withdraw with.")},
		{ID: "mandatory",
			Title: pick(lang, "Orosanmälan: anmälningsskyldigheten gäller", "Report of concern: the duty to report applies"),
			Text: pick(lang,
				"Om föräldern har gett uppgifter som gör att barnet kan identifieras och ett barn kan fara illa ska du anmäla, även utan samtycke. Skriv vad som sagts, varför du är orolig, de identifierande uppgifter föräldern gett och om och hur föräldern fått veta. En arbetsledare, inte du själv, måste godkänna anmälan innan den skickas. Den kan inte återkallas. Är någon i akut fara: ring 112.",
				"If the parent has given details that identify the child and a child may be harmed, you must report, even without consent. Write what was said, why you are concerned, the identifying details the parent gave, and whether and how the parent was told. A supervisor other than you must approve the report before it is sent. It cannot be withdrawn. If anyone is in immediate danger: call 112.")},
	}
}
