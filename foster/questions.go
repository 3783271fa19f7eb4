package foster

import "parentline/internal/field"

// Question describes one field of the form (see field.Question).
type Question = field.Question

type m = field.Message

// The choices of the multiple-choice questions.
var (
	Assignments = []field.Choice{
		{Code: "familjehem", Label: m{Sv: "Familjehem", En: "Foster home"}},
		{Code: "jourhem", Label: m{Sv: "Jourhem", En: "Emergency foster home"}},
		{Code: "kontaktperson", Label: m{Sv: "Kontaktperson", En: "Support person"}},
		{Code: "kontaktfamilj", Label: m{Sv: "Kontaktfamilj", En: "Support family"}},
	}
	Housing = []field.Choice{
		{Code: "villa", Label: m{Sv: "Villa", En: "Detached house"}},
		{Code: "radhus", Label: m{Sv: "Radhus eller parhus", En: "Terraced or semi-detached house"}},
		{Code: "lagenhet", Label: m{Sv: "Lägenhet", En: "Flat"}},
		{Code: "gard", Label: m{Sv: "Gård", En: "Farm"}},
		{Code: "annat", Label: m{Sv: "Annat", En: "Other"}},
	}
	Experience = []field.Choice{
		{Code: "none", Label: m{Sv: "Ingen särskild erfarenhet", En: "No particular experience"}},
		{Code: "some", Label: m{Sv: "Viss erfarenhet, till exempel som förälder, släkting eller ledare",
			En: "Some experience, for example as a parent, relative or youth leader"}},
		{Code: "professional", Label: m{Sv: "Erfarenhet från arbete, till exempel i skola, vård eller socialt arbete",
			En: "Experience from work, for example in school, care or social work"}},
	}
	Time = []field.Choice{
		{Code: "fulltime", Label: m{Sv: "Heltid", En: "Full time"}},
		{Code: "parttime", Label: m{Sv: "Deltid", En: "Part time"}},
		{Code: "weekends", Label: m{Sv: "Helger", En: "Weekends"}},
	}
	AgeGroups = []field.Choice{
		{Code: "0-6", Label: m{Sv: "0–6 år", En: "0–6 years"}},
		{Code: "7-12", Label: m{Sv: "7–12 år", En: "7–12 years"}},
		{Code: "13-17", Label: m{Sv: "13–17 år", En: "13–17 years"}},
	}
	SocialServices = []field.Choice{
		{Code: "no", Label: m{Sv: "Nej", En: "No"}},
		{Code: "past", Label: m{Sv: "Ja, tidigare", En: "Yes, in the past"}},
		{Code: "now", Label: m{Sv: "Ja, just nu", En: "Yes, at present"}},
	}
	HealthState = []field.Choice{
		{Code: "good", Label: m{Sv: "God", En: "Good"}},
		{Code: "some_limits", Label: m{Sv: "Vissa begränsningar", En: "Some limitations"}},
		{Code: "serious", Label: m{Sv: "Allvarliga begränsningar", En: "Serious limitations"}},
	}
	Treatment = []field.Choice{
		{Code: "no", Label: m{Sv: "Nej", En: "No"}},
		{Code: "yes", Label: m{Sv: "Ja", En: "Yes"}},
	}
)

// The fields' specs: how the checkers name them in their messages.
var (
	specAssignments = field.Spec{What: m{Sv: "minst ett uppdrag som du är intresserad av",
		En: "at least one assignment you are interested in"}}
	specMunicipalities = field.Spec{What: m{Sv: "minst en kommun att skicka anmälan till",
		En: "at least one municipality to send the registration to"}}
	specAdults = field.Spec{What: m{Sv: "hur många vuxna som bor i hushållet",
		En: "how many adults live in the household"}}
	specChildren = field.Spec{What: m{Sv: "hur många barn som bor hemma hos dig (0 om inga)",
		En: "how many children live at home with you (0 if none)"}}
	specChildrenAges = field.Spec{What: m{Sv: "barnens åldrar", En: "the children's ages"}, Optional: true, Max: 200}
	specHousing      = field.Spec{What: m{Sv: "vilket slags bostad du har", En: "what kind of home you have"}}
	specRooms        = field.Spec{What: m{Sv: "hur många rum bostaden har", En: "how many rooms your home has"}}
	specPartnerName  = field.Spec{What: m{Sv: "din partners namn", En: "your partner's name"}, Optional: true, Max: 100}
	specOccupation   = field.Spec{What: m{Sv: "ditt yrke eller din sysselsättning", En: "your occupation"}, Optional: true, Max: 200}
	specLanguages    = field.Spec{What: m{Sv: "vilka språk ni talar hemma", En: "the languages spoken at home"}, Optional: true, Max: 200}
	specExperience   = field.Spec{What: m{Sv: "hur mycket erfarenhet du har av barn och unga",
		En: "how much experience you have of children and young people"}}
	specTime = field.Spec{What: m{Sv: "hur mycket tid du kan ge ett uppdrag",
		En: "how much time you can give an assignment"}}
	specAgeGroups = field.Spec{What: m{Sv: "minst en åldersgrupp som du kan ta emot",
		En: "at least one age group you can take"}}
	specSocialServices = field.Spec{What: m{Sv: "om du har eller har haft kontakt med socialtjänsten för egen del",
		En: "whether you have or have had contact with social services for yourself"}}
	specPhysical  = field.Spec{What: m{Sv: "hur du beskriver din fysiska hälsa", En: "how you would describe your physical health"}}
	specMental    = field.Spec{What: m{Sv: "hur du beskriver din psykiska hälsa", En: "how you would describe your mental health"}}
	specTreatment = field.Spec{What: m{Sv: "om du får behandling för din hälsa just nu",
		En: "whether you are being treated for your health at present"}}
	specHealthComment = field.Spec{What: m{Sv: "din kommentar om hälsan", En: "your comment on your health"},
		Optional: true, Max: 1000, Multiline: true}
	specMotivation = field.Spec{What: m{Sv: "varför du vill ta ett uppdrag", En: "why you want an assignment"},
		Optional: true, Max: 2000, Multiline: true}
)

// Questions describes every field of the answers, in the order of the form,
// with labels for the pages and the readable extract.
func Questions() []Question {
	return []Question{
		{Path: "assignments", Kind: "many", Required: true, Min: 1, Choices: Assignments,
			Label: m{Sv: "Vilka uppdrag är du intresserad av?", En: "Which assignments are you interested in?"}},
		{Path: "municipalities", Kind: "unit", Required: true, Min: 1,
			Label: m{Sv: "Vilka kommuner vill du skicka anmälan till?", En: "Which municipalities do you want to send the registration to?"}},
		{Path: "contact.given_name", Kind: "text", Required: true, Max: field.GivenName.Max, Label: m{Sv: "Förnamn", En: "First name"}},
		{Path: "contact.surname", Kind: "text", Required: true, Max: field.Surname.Max, Label: m{Sv: "Efternamn", En: "Surname"}},
		{Path: "contact.address", Kind: "text", Required: true, Max: field.Address.Max, Label: m{Sv: "Gatuadress", En: "Street address"}},
		{Path: "contact.postal_code", Kind: "postal_code", Required: true, Label: m{Sv: "Postnummer", En: "Postcode"}},
		{Path: "contact.city", Kind: "text", Required: true, Max: field.City.Max, Label: m{Sv: "Postort", En: "Town"}},
		{Path: "contact.phone", Kind: "phone", Required: true, Label: m{Sv: "Telefonnummer", En: "Phone number"}},
		{Path: "contact.email", Kind: "email", Required: true, Label: m{Sv: "E-postadress", En: "E-mail address"}},
		{Path: "household.adults", Kind: "int", Required: true, Min: 1, Max: 10,
			Label: m{Sv: "Antal vuxna i hushållet", En: "Adults in the household"}},
		{Path: "household.children", Kind: "int", Required: true, Min: 0, Max: 20,
			Label: m{Sv: "Antal barn som bor hemma", En: "Children living at home"}},
		{Path: "household.children_ages", Kind: "text", Max: specChildrenAges.Max,
			Label: m{Sv: "Barnens åldrar", En: "The children's ages"}},
		{Path: "household.housing", Kind: "one", Required: true, Choices: Housing,
			Label: m{Sv: "Hur bor du?", En: "What kind of home do you have?"}},
		{Path: "household.rooms", Kind: "int", Required: true, Min: 1, Max: 30,
			Label: m{Sv: "Antal rum i bostaden", En: "Rooms in your home"}},
		{Path: "household.partner_name", Kind: "text", Max: specPartnerName.Max,
			Label: m{Sv: "Partners namn", En: "Partner's name"}},
		{Path: "household.occupation", Kind: "text", Max: specOccupation.Max,
			Label: m{Sv: "Yrke eller sysselsättning", En: "Occupation"}},
		{Path: "household.languages", Kind: "text", Max: specLanguages.Max,
			Label: m{Sv: "Språk som talas hemma", En: "Languages spoken at home"}},
		{Path: "questions.experience", Kind: "one", Required: true, Choices: Experience,
			Label: m{Sv: "Vilken erfarenhet har du av barn och unga?", En: "What experience do you have of children and young people?"}},
		{Path: "questions.time", Kind: "one", Required: true, Choices: Time,
			Label: m{Sv: "Hur mycket tid kan du ge ett uppdrag?", En: "How much time can you give an assignment?"}},
		{Path: "questions.age_groups", Kind: "many", Required: true, Min: 1, Choices: AgeGroups,
			Label: m{Sv: "Vilka åldrar kan du ta emot?", En: "Which ages can you take?"}},
		{Path: "questions.social_services", Kind: "one", Required: true, Choices: SocialServices,
			Label: m{Sv: "Har du eller har du haft kontakt med socialtjänsten för egen del?",
				En: "Do you have, or have you had, contact with social services for yourself?"}},
		{Path: "health.physical", Kind: "one", Required: true, Choices: HealthState,
			Label: m{Sv: "Hur är din fysiska hälsa?", En: "How is your physical health?"}},
		{Path: "health.mental", Kind: "one", Required: true, Choices: HealthState,
			Label: m{Sv: "Hur är din psykiska hälsa?", En: "How is your mental health?"}},
		{Path: "health.treatment", Kind: "one", Required: true, Choices: Treatment,
			Label: m{Sv: "Får du behandling för din hälsa just nu, till exempel medicin eller samtal?",
				En: "Are you being treated for your health at present, for example with medicine or therapy?"}},
		{Path: "health.comment", Kind: "textarea", Max: specHealthComment.Max,
			Label: m{Sv: "Vill du berätta något mer om din hälsa?", En: "Is there anything more you want to say about your health?"}},
		{Path: "motivation", Kind: "textarea", Max: specMotivation.Max,
			Label: m{Sv: "Varför vill du ta ett uppdrag?", En: "Why do you want an assignment?"}},
	}
}
