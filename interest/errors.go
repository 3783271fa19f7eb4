package interest

import (
	"errors"
	"strings"

	"parentline/internal/field"
)

// Errors of the Store. Each has a message for people in Messages (the HTTP
// layer's texts); they never name the person or repeat what was typed.
var (
	// ErrNotFound: no record with that id, or one the caller may not see as
	// its owner. A citizen is told the same for another person's record as
	// for an id that does not exist.
	ErrNotFound = errors.New("interest: no such registration")
	// ErrForeignUnit: the staff member's roles do not cover the record's
	// unit (or the unit asked for).
	ErrForeignUnit = errors.New("interest: the unit is not among the staff member's roles")
	// ErrNoDraft: the person has no draft of that form (or it has expired).
	ErrNoDraft = errors.New("interest: no draft")
	// ErrUnknownKind: no form of that kind.
	ErrUnknownKind = errors.New("interest: no form of that kind")
	// ErrDraftsNotKept: the form keeps no drafts (its Draft is nil).
	ErrDraftsNotKept = errors.New("interest: the form keeps no drafts")
	// ErrTooLarge: the answers are larger than MaxAnswers.
	ErrTooLarge = errors.New("interest: the answers are too large")
	// ErrBadAnswers: the answers are not a JSON object.
	ErrBadAnswers = errors.New("interest: the answers are not a JSON object")
)

// AlreadyError is Submit's refusal when the person already has a record for
// one of the chosen units (with the same label): nothing was stored. The
// citizen is pointed to Mina sidor, where the earlier registration is.
type AlreadyError struct {
	Units []string // the codes of the units already registered with
	Names []string // their names, in the same order
	// Field is the answers' path where the units were chosen
	// ("municipalities", "district"), where a page shows Message.
	Field string
}

func (e *AlreadyError) Error() string {
	return "interest: already registered with " + strings.Join(e.Units, ", ")
}

// Message says which units the person has already registered with, and
// where to see it.
func (e *AlreadyError) Message() field.Message {
	names := strings.Join(e.Names, ", ")
	return field.Message{
		Sv: "Du har redan gjort en intresseanmälan till " + names + ". Du ser den på Mina sidor. " +
			"Ta bort det valet om du vill anmäla dig till fler.",
		En: "You have already registered your interest with " + names + ". You can see it on My pages. " +
			"Remove that choice if you want to register with others.",
	}
}

// KeepError is the refusal to withdraw a record whose status keeps it:
// Reason is that status's KeepReason, in plain words.
type KeepError struct {
	Status string // the record's status code
	Reason field.Message
}

func (e *KeepError) Error() string {
	return "interest: the registration cannot be withdrawn in status " + e.Status
}

// Messages are the Store's and the HTTP layer's texts for people, by code.
var Messages = map[string]field.Message{
	"not_found": {Sv: "Anmälan finns inte. Den kan redan vara borttagen.",
		En: "The registration does not exist. It may already have been removed."},
	"foreign_unit": {Sv: "Du har inte behörighet till den enhetens anmälningar.",
		En: "You do not have access to that unit's registrations."},
	"no_units": {Sv: "Du har inte behörighet till någon enhet för de här anmälningarna.",
		En: "You do not have access to any unit for these registrations."},
	"unknown_kind": {Sv: "Det finns ingen sådan e-tjänst.", En: "There is no such e-service."},
	"no_drafts": {Sv: "Den här e-tjänsten sparar inga utkast.",
		En: "This e-service does not save drafts."},
	"no_draft": {Sv: "Det finns inget sparat utkast.", En: "There is no saved draft."},
	"too_large": {Sv: "Svaren är för långa. Korta ner de längsta fälten och försök igen.",
		En: "The answers are too long. Shorten the longest fields and try again."},
	"bad_request": {Sv: "Ogiltig begäran: skicka ett JSON-objekt med de fält som behövs.",
		En: "Invalid request: send a JSON object with the fields needed."},
	"bad_answers": {Sv: "Svaren kunde inte läsas. Ladda om sidan och försök igen.",
		En: "The answers could not be read. Reload the page and try again."},
	"login_required": {Sv: "Du är inte inloggad, eller så har du blivit utloggad. Logga in med e-legitimation.",
		En: "You are not logged in, or you have been logged out. Log in with your e-ID."},
	"staff_login": {Sv: "Du måste logga in.", En: "You need to log in."},
	"forbidden":   {Sv: "Du har inte behörighet till det här.", En: "You do not have permission for this."},
	"internal": {Sv: "Något gick fel. Inget har ändrats. Försök igen om en stund.",
		En: "Something went wrong. Nothing was changed. Please try again in a moment."},
	"consent": {Sv: "Du behöver lämna ditt samtycke för att kunna skicka anmälan.",
		En: "You need to give your consent to send the registration."},
	"choose_unit": {Sv: "Välj en mottagare som tar emot anmälningar via e-tjänsten.",
		En: "Choose a recipient that takes registrations through the e-service."},
	"unknown_status":    {Sv: "Välj en av statusarna i listan.", En: "Choose one of the statuses in the list."},
	"choose_unit_staff": {Sv: "Välj enhet.", En: "Choose a unit."},
	"nothing_to_correct": {Sv: "Fyll i minst en uppgift att rätta.",
		En: "Fill in at least one detail to correct."},
}

func msg(code, lang string) string { return Messages[code].In(lang) }
