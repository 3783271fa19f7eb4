package booking

import "time"

// Form is the kind of counselling session a slot is for.
type Form string

// The two forms the e-service books (seed: "Engångssamtal", "Parterapi").
const (
	// FormEngangssamtal is a single session, often at short notice, without
	// return visits to the same counsellor.
	FormEngangssamtal Form = "engangssamtal"
	// FormParterapi is couple therapy over time with the same counsellor.
	FormParterapi Form = "parterapi"
)

// Valid reports whether f is one of the forms.
func (f Form) Valid() bool { return f == FormEngangssamtal || f == FormParterapi }

// Label is the form's name for people.
func (f Form) Label(lang string) string {
	switch f {
	case FormEngangssamtal:
		return Message{Sv: "Engångssamtal", En: "Single session"}.In(lang)
	case FormParterapi:
		return Message{Sv: "Parterapi", En: "Couple therapy"}.In(lang)
	}
	return string(f)
}

// Place is where a session is held.
type Place string

// The places the e-service books.
const (
	PlaceOstersund Place = "ostersund" // the office in Östersund
	PlaceVideo     Place = "video"     // a video call
)

// Valid reports whether p is one of the places.
func (p Place) Valid() bool { return p == PlaceOstersund || p == PlaceVideo }

// Label is the place's name for people.
func (p Place) Label(lang string) string {
	switch p {
	case PlaceOstersund:
		return Message{Sv: "Familjerådgivningens mottagning i Östersund", En: "the Family Counselling office in Östersund"}.In(lang)
	case PlaceVideo:
		return Message{Sv: "Videosamtal", En: "Video call"}.In(lang)
	}
	return string(p)
}

// SlotState is where a slot stands. It is derived from the booking that
// holds the slot, at the moment of reading: a hold past its deadline reads
// as free even before ExpireHolds has run.
type SlotState string

// The states of a slot.
const (
	SlotFree   SlotState = "free"   // bookable
	SlotHeld   SlotState = "held"   // reserved, waiting for the co-applicant to sign
	SlotBooked SlotState = "booked" // both have signed
)

// Label is the state as staff see it.
func (s SlotState) Label(lang string) string {
	switch s {
	case SlotFree:
		return Message{Sv: "Ledig", En: "Free"}.In(lang)
	case SlotHeld:
		return Message{Sv: "Reserverad – väntar på medsökandes signering", En: "Reserved, waiting for co-signing"}.In(lang)
	case SlotBooked:
		return Message{Sv: "Bokad", En: "Booked"}.In(lang)
	}
	return string(s)
}

// State is where a booking stands. See the package comment for the moves.
type State string

// The states of a booking.
const (
	StateAwaitingCosign    State = "awaiting_cosign"     // the applicant signed; the slot is held for the co-applicant
	StateConfirmed         State = "confirmed"           // both signed; the slot is booked
	StateCancelled         State = "cancelled"           // cancelled by a party (or staff); the slot is free
	StateDeclined          State = "declined"            // the co-applicant said no; the slot is free
	StateExpired           State = "expired"             // the co-applicant did not sign in time; the slot is free
	StateRefusedSamePerson State = "refused_same_person" // the same person signed twice; the slot is free
)

// Active reports whether a booking in state s holds its slot.
func (s State) Active() bool { return s == StateAwaitingCosign || s == StateConfirmed }

// Label is the state as the citizen sees it on Mina sidor.
func (s State) Label(lang string) string {
	m, ok := map[State]Message{
		StateAwaitingCosign:    {Sv: "Väntar på medsökandes signering", En: "Waiting for the co-applicant to sign"},
		StateConfirmed:         {Sv: "Bokad", En: "Booked"},
		StateCancelled:         {Sv: "Avbokad", En: "Cancelled"},
		StateDeclined:          {Sv: "Medsökande tackade nej", En: "The co-applicant declined"},
		StateExpired:           {Sv: "Medsökande signerade inte i tid", En: "The co-applicant did not sign in time"},
		StateRefusedSamePerson: {Sv: "Avbokad: samma person som sökande och medsökande", En: "Cancelled: the same person as applicant and co-applicant"},
	}[s]
	if !ok {
		return string(s)
	}
	return m.In(lang)
}

// Outcome is what the anonymous statistics count.
type Outcome string

// The outcomes counted per month and form.
const (
	OutcomeRequested         Outcome = "requested" // an applicant signed a booking
	OutcomeConfirmed         Outcome = "confirmed"
	OutcomeCancelled         Outcome = "cancelled"
	OutcomeExpired           Outcome = "expired"
	OutcomeDeclined          Outcome = "declined"
	OutcomeRefusedSamePerson Outcome = "refused_same_person"
	OutcomeRebooked          Outcome = "rebooked"
	OutcomeFee               Outcome = "fee" // a late cancellation or rebooking that costs the fee
)

// Identity is who an e-ID says a person is: the 12-digit personnummer
// (YYYYMMDDNNNC) and the name, both from the e-ID's completion data.
type Identity struct {
	Personnummer string
	Name         string
}

// String hides the identity, so that it does not end up in a log by mistake.
func (Identity) String() string { return "booking.Identity(redacted)" }

// GoString hides it from %#v too.
func (i Identity) GoString() string { return i.String() }

// Contact is what the applicant types: their name, postal address, e-mail
// address and mobile number.
type Contact struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Email   string `json:"email"`
	Mobile  string `json:"mobile"`
}

// String hides the details.
func (Contact) String() string { return "booking.Contact(redacted)" }

// GoString hides them from %#v too.
func (c Contact) GoString() string { return c.String() }

// Proof is an e-ID's proof of a completed sign order: the signature and the
// OCSP response (base64, as BankID gives them) and when the order completed.
type Proof struct {
	Signature string    `json:"signature"`
	OCSP      string    `json:"ocsp"`
	SignedAt  time.Time `json:"signed_at"`
}

// Meeting is the time and place a booking is for: a copy of its slot taken
// when it was booked or moved.
type Meeting struct {
	SlotID    string    `json:"slot_id"`
	Start     time.Time `json:"start"`
	Minutes   int       `json:"minutes"`
	Form      Form      `json:"form"`
	Place     Place     `json:"place"`
	Counselor string    `json:"counselor"` // the counsellor's display name
}

// End is when the meeting ends.
func (m Meeting) End() time.Time { return m.Start.Add(time.Duration(m.Minutes) * time.Minute) }

// Party is one of the two people of a booking, as stored.
type Party struct {
	Personnummer string    `json:"personnummer"` // 12 digits
	Name         string    `json:"name"`         // from the e-ID
	Contact      *Contact  `json:"contact,omitempty"`
	SignedAt     time.Time `json:"signed_at"`
}

// String hides the party.
func (Party) String() string { return "booking.Party(redacted)" }

// GoString hides it from %#v too.
func (p Party) GoString() string { return p.String() }

// Booking is a booking with everything stored about it: what staff see of a
// confirmed booking, and what Book returns to the applicant.
type Booking struct {
	ID               string    `json:"id"`
	State            State     `json:"state"`
	Meeting          Meeting   `json:"meeting"`
	Created          time.Time `json:"created"`
	HoldUntil        time.Time `json:"hold_until"`             // the co-applicant's deadline
	ConfirmedAt      time.Time `json:"confirmed_at,omitzero"`  // when the co-applicant signed
	EndedAt          time.Time `json:"ended_at,omitzero"`      // when cancelled, declined, expired or refused
	Applicant        Party     `json:"applicant"`              // with Contact
	CoApplicantEmail string    `json:"co_applicant_email"`     // where the invitation went
	CoApplicant      *Party    `json:"co_applicant,omitempty"` // once signed
	Rebookings       int       `json:"rebookings"`
	Fees             []Fee     `json:"fees,omitempty"`
	// PurgeAfter is when the booking's personal data is deleted: 30 days
	// (Options.RetainFor) after the meeting, the cancellation or the
	// release. Zero while the co-applicant may still sign.
	PurgeAfter time.Time `json:"purge_after,omitzero"`
}

// Role is what a person is in a booking.
type Role string

// The two roles.
const (
	RoleApplicant   Role = "applicant"
	RoleCoApplicant Role = "co_applicant"
)

// MyBooking is a booking as one of its parties sees it on Mina sidor: their
// own details, the other party's name once they have signed, and what they
// may do now. Never the other party's personnummer, address or mobile.
type MyBooking struct {
	ID               string    `json:"id"`
	Role             Role      `json:"role"`
	State            State     `json:"state"`
	Meeting          Meeting   `json:"meeting"`
	Created          time.Time `json:"created"`
	HoldUntil        time.Time `json:"hold_until"`
	ConfirmedAt      time.Time `json:"confirmed_at,omitzero"`
	EndedAt          time.Time `json:"ended_at,omitzero"`
	You              Party     `json:"you"`
	OtherName        string    `json:"other_name,omitempty"` // the applicant's, or the co-applicant's once signed
	CoApplicantEmail string    `json:"co_applicant_email"`
	Fees             []Fee     `json:"fees,omitempty"`
	CanCancel        bool      `json:"can_cancel"`
	CanRebook        bool      `json:"can_rebook"`
	PurgeAfter       time.Time `json:"purge_after,omitzero"`
}

// InvitationView is what the co-applicant sees before signing: the meeting,
// the applicant's name and the deadline. The HTTP layer should show it only
// after the co-applicant has logged in with e-ID, since the link may have
// gone to a wrong address.
type InvitationView struct {
	BookingID     string    `json:"booking_id"`
	Meeting       Meeting   `json:"meeting"`
	ApplicantName string    `json:"applicant_name"`
	HoldUntil     time.Time `json:"hold_until"`
}

// Fee is a late cancellation or rebooking that costs the session fee: what
// staff invoice. It is personal data and is deleted with its booking.
type Fee struct {
	BookingID    string    `json:"booking_id"`
	Kind         string    `json:"kind"` // "cancelled" or "rebooked"
	At           time.Time `json:"at"`   // when it was cancelled or moved
	Meeting      Meeting   `json:"meeting"`
	Name         string    `json:"name"`         // who cancelled or moved it (e-ID name)
	Personnummer string    `json:"personnummer"` // theirs
	AmountSEK    int       `json:"amount_sek"`
}

// Fee kinds.
const (
	FeeCancelled = "cancelled"
	FeeRebooked  = "rebooked"
)

// Terms tell a party, before they confirm, what cancelling or moving a
// booking means: whether the fee applies, and until when it would not have.
type Terms struct {
	BookingID  string    `json:"booking_id"`
	Meeting    Meeting   `json:"meeting"`
	NewMeeting *Meeting  `json:"new_meeting,omitempty"` // RebookTerms
	Fee        bool      `json:"fee"`
	AmountSEK  int       `json:"amount_sek"` // 0 without fee
	FreeUntil  time.Time `json:"free_until"` // the last moment a change is free of charge
	Text       Message   `json:"text"`       // the sentence to show before the confirm button
}

// Change is the receipt of a cancellation or a rebooking.
type Change struct {
	BookingID string    `json:"booking_id"`
	Kind      string    `json:"kind"` // "cancelled" or "rebooked"
	At        time.Time `json:"at"`
	Meeting   Meeting   `json:"meeting"`            // the cancelled meeting, or the new one
	Previous  *Meeting  `json:"previous,omitempty"` // rebooking: the old meeting
	Fee       bool      `json:"fee"`
	AmountSEK int       `json:"amount_sek"`
}

// Count is one anonymous count: how many bookings of a form had an outcome
// in a calendar month (Europe/Stockholm).
type Count struct {
	Month   string  `json:"month"` // "2026-06"
	Form    Form    `json:"form"`
	Outcome Outcome `json:"outcome"`
	N       uint64  `json:"n"`
}

// String hides the booking's personal data from logs.
func (Booking) String() string { return "booking.Booking(redacted)" }

// GoString hides it from %#v too.
func (b Booking) GoString() string { return b.String() }

// String hides the booking's personal data from logs.
func (MyBooking) String() string { return "booking.MyBooking(redacted)" }

// GoString hides it from %#v too.
func (b MyBooking) GoString() string { return b.String() }

// String hides the fee's personal data from logs.
func (Fee) String() string { return "booking.Fee(redacted)" }

// GoString hides it from %#v too.
func (f Fee) GoString() string { return f.String() }

// String hides the applicant's name from logs.
func (InvitationView) String() string { return "booking.InvitationView(redacted)" }

// GoString hides it from %#v too.
func (v InvitationView) GoString() string { return v.String() }
