package mypages

import "parentline/internal/field"

// Modules of the record of processing. The first three have records a
// citizen can see on Mina sidor; consent cases from the chat are anonymous
// (not tied to a personnummer) and are listed for information only.
const (
	ModuleBooking   = "booking"
	ModuleFoster    = "foster"
	ModuleProgramme = "programme"
	ModuleConsent   = "consent"
)

// Processing is one module's entry in the record of processing (GDPR art.
// 30), as a citizen reads it: what is kept, why, on which legal basis, how
// long, who reads it, who is responsible and how to get sealed content.
// docs/processing.md mirrors DefaultProcessing.
type Processing struct {
	Module     string        `json:"module"`
	Title      field.Message `json:"title"`
	Data       field.Message `json:"data"`
	Purpose    field.Message `json:"purpose"`
	LegalBasis field.Message `json:"legal_basis"`
	Retention  field.Message `json:"retention"`
	Readers    field.Message `json:"readers"`
	// Controller is who is responsible for the data (personuppgiftsansvarig).
	Controller field.Message `json:"controller"`
	// Access says how to get what the platform cannot read (sealed
	// content), and whom to ask about the records; empty when everything
	// is shown here.
	Access field.Message `json:"access,omitzero"`
}

// DefaultProcessing is the record of processing of the modules Mina sidor
// covers: family-counselling bookings, foster-home interest registrations,
// the parenting programmes ABC and Komet, and the chat's consent cases.
// This is the one place these texts are written; docs/processing.md mirrors
// them.
func DefaultProcessing() []Processing {
	return []Processing{
		{
			Module: ModuleBooking,
			Title:  field.Message{Sv: "Bokningar hos Familjerådgivningen", En: "Bookings with Family Counselling"},
			Data: field.Message{
				Sv: "Namn, adress, e-postadress, personnummer och mobilnummer för båda parter, e-legitimationens underskrifter, tid och plats för mötet och eventuella avgifter för sena ändringar.",
				En: "Name, address, e-mail address, personal identity number and mobile number of both parties, the e-ID signatures, the time and place of the meeting and any fees for late changes.",
			},
			Purpose: field.Message{
				Sv: "Att hantera bokningar av samtal hos Familjerådgivningen, som båda parter signerar.",
				En: "To handle bookings of sessions with Family Counselling, signed by both parties.",
			},
			LegalBasis: field.Message{
				Sv: "En uppgift av allmänt intresse (artikel 6.1 e i dataskyddsförordningen; familjerådgivning enligt socialtjänstlagen 5 kap. 3 §).",
				En: "A task carried out in the public interest (Article 6(1)(e) GDPR; family counselling under the Social Services Act, chapter 5, section 3).",
			},
			Retention: field.Message{
				Sv: "30 dagar efter mötet, avbokningen eller att bokningen avslutades. Sedan raderas allt automatiskt.",
				En: "30 days after the meeting, the cancellation or the end of the booking. Then everything is deleted automatically.",
			},
			Readers: field.Message{
				Sv: "Familjerådgivningens personal, när båda parter har signerat. Du och den andra parten ser bokningen på Mina sidor.",
				En: "Family Counselling staff, once both parties have signed. You and the other party see the booking on My pages.",
			},
			Controller: field.Message{
				Sv: "Social- och arbetsmarknadsnämnden, Östersunds kommun (kundcenter@ostersund.se, 063-14 30 00). Dataskyddsombud: gdpr@ostersund.se.",
				En: "The Social and Labour Market Committee, Östersund municipality (kundcenter@ostersund.se, +46 63 14 30 00). Data protection officer: gdpr@ostersund.se.",
			},
		},
		{
			Module: ModuleFoster,
			Title:  field.Message{Sv: "Intresseanmälningar som familjehem, jourhem, kontaktperson eller kontaktfamilj", En: "Registrations of interest as a foster home, emergency foster home, contact person or contact family"},
			Data: field.Message{
				Sv: "Personnummer, namn, kontaktuppgifter, hushåll, svar på frågorna, svar om fysisk och psykisk hälsa, samtycket du gav och eventuella rättelser av kontaktuppgifter. Dessutom id, kommun, status och tider.",
				En: "Personal identity number, name, contact details, household, answers to the questions, answers about physical and mental health, the consent you gave and any corrections of contact details. Also the id, municipality, status and times.",
			},
			Purpose: field.Message{
				Sv: "Att kommunen ska kunna göra en första bedömning av om du passar som familjehem, jourhem, kontaktperson eller kontaktfamilj.",
				En: "So that the municipality can make a first assessment of whether you are suited as a foster home, emergency foster home, contact person or contact family.",
			},
			LegalBasis: field.Message{
				Sv: "En uppgift av allmänt intresse (artikel 6.1 e). Uppgifterna om hälsa: ditt uttryckliga samtycke (artikel 9.2 a), som du kan återkalla.",
				En: "A task carried out in the public interest (Article 6(1)(e)). The health answers: your explicit consent (Article 9(2)(a)), which you can withdraw.",
			},
			Retention: field.Message{
				Sv: "365 dagar efter att anmälan kom in om kommunen inte tar upp den; 180 dagar efter att kommunen började bedöma den (kommunen sparar det den behöver i sitt eget ärende). En påbörjad anmälan (utan hälsouppgifter) sparas i 30 dagar efter att du senast sparade den.",
				En: "365 days after it arrived if the municipality does not take it up; 180 days after the municipality started assessing it (the municipality keeps what it needs in its own case). A started registration (without health answers) is kept 30 days after you last saved it.",
			},
			Readers: field.Message{
				Sv: "Bara familjehemsenheten i den kommun du valde. Anmälan är krypterad till kommunens nycklar; plattformen kan inte läsa innehållet.",
				En: "Only the foster-care unit of the municipality you chose. The registration is encrypted to the municipality's keys; the platform cannot read its content.",
			},
			Controller: field.Message{
				Sv: "Socialnämnden i den kommun du skickade anmälan till.",
				En: "The social services committee of the municipality you sent the registration to.",
			},
			Access: field.Message{
				Sv: "Innehållet i din anmälan är krypterat till kommunen och plattformen kan inte läsa det. Vill du få ut det, rätta det eller ta tillbaka anmälan när den bedöms: kontakta familjehemsansvarig (socialtjänsten) i den kommun du skickade den till.",
				En: "The content of your registration is encrypted to the municipality, and the platform cannot read it. To get a copy, correct it or withdraw it while it is being assessed: contact the person responsible for foster homes (familjehemsansvarig, social services) in the municipality you sent it to.",
			},
		},
		{
			Module: ModuleProgramme,
			Title:  field.Message{Sv: "Intresseanmälningar till föräldrastödsprogrammen ABC och Komet", En: "Registrations of interest in the parenting programmes ABC and Komet"},
			Data: field.Message{
				Sv: "Namn, adress, telefonnummer, e-postadress, kön, antal barn, eventuellt din partners namn, e-postadress och kön, och dina önskemål (annan stadsdel, annat språk). Dessutom id, stadsdel, program, status och tider.",
				En: "Name, address, phone number, e-mail address, gender, number of children, possibly your partner's name, e-mail address and gender, and your wishes (another district, another language). Also the id, district, programme, status and times.",
			},
			Purpose: field.Message{
				Sv: "Att kunna erbjuda dig den föräldrautbildning du önskar och att samordnaren ska kunna kontakta dig.",
				En: "To offer you the parenting course you asked for, and so that the coordinator can contact you.",
			},
			LegalBasis: field.Message{
				Sv: "Ditt samtycke (artikel 6.1 a), som du när som helst kan återkalla.",
				En: "Your consent (Article 6(1)(a)), which you can withdraw at any time.",
			},
			Retention: field.Message{
				Sv: "365 dagar efter den senaste ändringen av status; 30 dagar efter att anmälan avslutats.",
				En: "365 days after the last change of status; 30 days after the registration was closed.",
			},
			Readers: field.Message{
				Sv: "Bara samordnaren i den stadsdel du valde. Anmälan är krypterad till stadsdelens nycklar; plattformen kan inte läsa innehållet.",
				En: "Only the coordinator of the district you chose. The registration is encrypted to the district's keys; the platform cannot read its content.",
			},
			Controller: field.Message{
				Sv: "Stadsdelsnämnden i den stadsdel du valde, Stockholms stad (plus@stockholm.se).",
				En: "The district committee of the district you chose, City of Stockholm (plus@stockholm.se).",
			},
			Access: field.Message{
				Sv: "Innehållet i din anmälan är krypterat till stadsdelen och plattformen kan inte läsa det. Vill du få ut det eller rätta det: kontakta samordnaren i stadsdelen (plus@stockholm.se).",
				En: "The content of your registration is encrypted to the district, and the platform cannot read it. To get a copy or correct it: contact the district's coordinator (plus@stockholm.se).",
			},
		},
		{
			Module: ModuleConsent,
			Title:  field.Message{Sv: "Samtycke i chatten: ärenden till socialtjänsten", En: "Consent in the chat: cases for social services"},
			Data: field.Message{
				Sv: "Det du själv lämnade när du samtyckte i chatten (namn, kontaktuppgift, eventuellt personnummer, om barnet och vilken hjälp du vill ha), rådgivarens sammanfattning och samtyckestexten.",
				En: "What you gave yourself when you consented in the chat (name, contact, possibly personal identity number, about the child and the help you want), the counsellor's summary and the consent text.",
			},
			Purpose: field.Message{
				Sv: "Att du ska få mer stöd från socialtjänsten, som du bad om i chatten.",
				En: "So that you get more support from social services, as you asked in the chat.",
			},
			LegalBasis: field.Message{
				Sv: "Ditt samtycke (artikel 6.1 a och 9.2 a). En orosanmälan görs i stället enligt lag (artikel 6.1 c).",
				En: "Your consent (Articles 6(1)(a) and 9(2)(a)). A report of concern is made under the law instead (Article 6(1)(c)).",
			},
			Retention: field.Message{
				Sv: "Tills socialtjänsten har tagit emot och skickat vidare eller avslutat ärendet, eller du har återkallat samtycket; sedan 90 dagar.",
				En: "Until social services have received and forwarded or closed the case, or you have withdrawn the consent; then 90 days.",
			},
			Readers: field.Message{
				Sv: "Bara socialtjänstens mottagning. Ärendet är krypterat till deras nycklar; plattformen kan inte läsa det.",
				En: "Only the social services' intake. The case is encrypted to their keys; the platform cannot read it.",
			},
			Controller: field.Message{
				Sv: "Socialnämnden i kommunen.",
				En: "The municipality's social services committee.",
			},
			Access: field.Message{
				Sv: "Chatten är anonym, så ärendet är inte kopplat till ditt personnummer och visas inte här. Du återkallar samtycket med ärendets referens och koden du fick i chatten, på sidan /consent/.",
				En: "The chat is anonymous, so the case is not linked to your personal identity number and is not shown here. You withdraw the consent with the case reference and the code you got in the chat, on the page /consent/.",
			},
		},
	}
}
