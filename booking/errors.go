package booking

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Message is a text shown to a citizen or staff member, in Swedish and
// English.
type Message struct {
	Sv string `json:"sv"`
	En string `json:"en"`
}

// In returns the text in lang ("en" gives English, anything else Swedish).
func (m Message) In(lang string) string {
	if lang == "en" {
		return m.En
	}
	return m.Sv
}

// Error is an error a citizen or staff member may see: a stable code for
// programs and tests and a message in Swedish and English. The messages never
// repeat personal data or what was typed.
//
// Two *Error values are the same error for errors.Is when their codes are
// equal, so errors.Is(err, ErrFeeNotAccepted) holds for a fee error whose
// text names the configured amount.
type Error struct {
	Code string `json:"code"`
	Sv   string `json:"sv"`
	En   string `json:"en"`
}

// Error returns the English message.
func (e *Error) Error() string { return "booking: " + e.En }

// Message returns the message in lang ("en" gives English, anything else
// Swedish).
func (e *Error) Message(lang string) string { return Message{Sv: e.Sv, En: e.En}.In(lang) }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// FieldErrors is what is wrong with the fields of a form, by field name (the
// Field* constants), each with a Swedish and English message. It is returned
// as the error of PublishSlot, Book and CoSign when input is invalid; find it
// with errors.As. Nothing has been changed when it is returned.
type FieldErrors map[string]Message

// Error names the fields in error, never their values.
func (f FieldErrors) Error() string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	slices.Sort(names)
	return "booking: invalid " + strings.Join(names, ", ")
}

// Field names used in FieldErrors.
const (
	// Book: the contact details the applicant types.
	FieldName             = "name"
	FieldAddress          = "address"
	FieldEmail            = "email"
	FieldMobile           = "mobile"
	FieldCoApplicantEmail = "co_applicant_email"
	// Book and CoSign: what the e-ID gave. An error here is an error in the
	// caller (the e-ID order), not something the citizen typed.
	FieldPersonnummer = "personnummer"
	FieldIdentityName = "identity_name"
	FieldSignature    = "signature"
	// PublishSlot.
	FieldStart     = "start"
	FieldMinutes   = "minutes"
	FieldForm      = "form"
	FieldPlace     = "place"
	FieldCounselor = "counselor"
	FieldBy        = "by"
)

// The errors of Store. Compare with errors.Is.
var (
	ErrSlotNotFound = &Error{Code: "slot_not_found",
		Sv: "Tiden finns inte. Välj en annan tid.",
		En: "That time does not exist. Please choose another time."}
	ErrSlotTaken = &Error{Code: "slot_taken",
		Sv: "Tiden har precis bokats av någon annan. Välj en annan tid.",
		En: "That time has just been booked by someone else. Please choose another time."}
	ErrSlotPast = &Error{Code: "slot_past",
		Sv: "Tiden har redan passerat. Välj en annan tid.",
		En: "That time has already passed. Please choose another time."}
	ErrSlotNotFree = &Error{Code: "slot_not_free",
		Sv: "Tiden är bokad eller reserverad och kan inte tas bort. Den kan tas bort när den är ledig igen.",
		En: "The time is booked or reserved and cannot be removed. It can be removed once it is free again."}
	ErrSlotOverlap = &Error{Code: "slot_overlap",
		Sv: "Familjerådgivaren har redan en tid som överlappar den här.",
		En: "The counsellor already has a time that overlaps this one."}
	ErrInvitationInvalid = &Error{Code: "invitation_invalid",
		Sv: "Länken gäller inte längre. Den kan redan ha använts, tiden för att signera kan ha gått ut, " +
			"eller bokningen kan ha avbokats. Sökande kan boka en ny tid.",
		En: "The link is no longer valid. It may already have been used, the time to sign may have run out, " +
			"or the booking may have been cancelled. The applicant can book a new time."}
	ErrSamePerson = &Error{Code: "same_person",
		Sv: "Samma person kan inte stå som både sökande och medsökande. Därför har tiden avbokats. " +
			"Sökande får ett mejl om det och får boka en ny tid, där ni signerar med var sitt BankID.",
		En: "The same person cannot be both applicant and co-applicant, so the time has been cancelled. " +
			"The applicant is told by e-mail and may book a new time, which you each sign with your own BankID."}
	ErrBookingNotFound = &Error{Code: "booking_not_found",
		Sv: "Bokningen finns inte.",
		En: "The booking does not exist."}
	ErrNotChangeable = &Error{Code: "not_changeable",
		Sv: "Bokningen är redan avbokad eller avslutad och kan inte ändras.",
		En: "The booking is already cancelled or closed and cannot be changed."}
	ErrNotConfirmed = &Error{Code: "not_confirmed",
		Sv: "Bokningen kan ombokas först när båda har signerat. Du kan avboka den och boka en ny tid.",
		En: "The booking can be moved only once both of you have signed. You can cancel it and book a new time."}
	ErrMeetingPassed = &Error{Code: "meeting_passed",
		Sv: "Mötet har redan börjat eller varit och kan inte av- eller ombokas här. Kontakta Familjerådgivningen.",
		En: "The meeting has already started or taken place and cannot be cancelled or moved here. Please contact Family Counselling."}
	ErrSameSlot = &Error{Code: "same_slot",
		Sv: "Välj en annan tid än den ni redan har.",
		En: "Please choose a time other than the one you already have."}
	ErrOtherForm = &Error{Code: "other_form",
		Sv: "Ni kan bara omboka till en tid med samma samtalsform. Vill ni byta samtalsform, avboka och boka en ny tid.",
		En: "You can only move to a time of the same kind of session. To change the kind, cancel and book a new time."}
	// ErrFeeNotAccepted is returned by Cancel and Rebook when the change
	// costs the fee and the caller did not pass acceptFee. The text returned
	// names the configured amount and window; this one is the default.
	ErrFeeNotAccepted = feeError(200, 48)
	ErrIdentity       = &Error{Code: "identity_invalid",
		Sv: "Uppgifterna från e-legitimationen kunde inte läsas. Logga in och signera igen.",
		En: "The details from the e-ID could not be read. Please log in and sign again."}
)

func feeError(fee, hours int) *Error {
	return &Error{Code: "fee_not_accepted",
		Sv: "Om ni av- eller ombokar senare än " + itoa(hours) + " timmar före mötet behöver ni ändå betala samtalsavgiften på " +
			itoa(fee) + " kronor. Bekräfta att ni godkänner avgiften för att fortsätta.",
		En: "If you cancel or move the time later than " + itoa(hours) + " hours before the meeting, the session fee of " +
			itoa(fee) + " SEK still has to be paid. Please confirm that you accept the fee to continue."}
}

// UserMessage returns what to show for err in lang: the message of an
// *Error, a summary of FieldErrors (show each field's own message next to
// it), or a general "something went wrong, nothing was changed".
func UserMessage(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message(lang)
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return Message{Sv: "Några uppgifter behöver rättas. Se markeringarna vid fälten.",
			En: "Some details need correcting. See the notes by the fields."}.In(lang)
	}
	return Message{Sv: "Något gick fel. Inget har ändrats. Försök igen om en stund.",
		En: "Something went wrong. Nothing was changed. Please try again in a moment."}.In(lang)
}

func itoa(n int) string { return strconv.Itoa(n) }
