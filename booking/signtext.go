package booking

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ServiceName is how the sign texts name the service.
const ServiceName = "Familjerådgivningen, Östersunds kommun"

// SignDoc is what a party signs with e-ID: the booking as the sign text
// (SignText) shows it and the digest (SignData) covers it. The HTTP layer
// builds it from the slot, the e-ID session and what the citizen typed.
//
// For the applicant it is the whole booking input: the meeting, who they
// are (from the e-ID), their contact details and the co-applicant's e-mail
// address. For the co-applicant it is the booking as InvitationView gives
// it: the meeting, the applicant's name, the deadline and the booking id.
// The applicant's address, e-mail and mobile are deliberately not in the
// co-applicant's text: the invitation link may have gone to a wrong
// address, and the applicant may have a protected identity, so the other
// party never sees them (the same rule as MyBooking).
type SignDoc struct {
	Role    Role
	Meeting Meeting
	// Applicant is the applicant's identity from their e-ID: personnummer
	// and name when the applicant signs; the name only when the
	// co-applicant does.
	Applicant Identity
	// Applicant signing.
	Contact          Contact
	CoApplicantEmail string
	// Co-applicant signing.
	BookingID string
	HoldUntil time.Time
	Signer    Identity // the co-applicant's identity from their e-ID
}

// String hides the document.
func (SignDoc) String() string { return "booking.SignDoc(redacted)" }

// GoString hides it from %#v too.
func (d SignDoc) GoString() string { return d.String() }

// ApplicantDoc is the SignDoc of an applicant booking in (Proof unused).
func ApplicantDoc(in BookInput, m Meeting) SignDoc {
	return SignDoc{Role: RoleApplicant, Meeting: m, Applicant: in.Applicant, Contact: in.Contact,
		CoApplicantEmail: in.CoApplicantEmail}
}

// CoApplicantDoc is the SignDoc of the co-applicant signing the
// invitation v as signer.
func CoApplicantDoc(v InvitationView, signer Identity) SignDoc {
	return SignDoc{Role: RoleCoApplicant, Meeting: v.Meeting, Applicant: Identity{Name: v.ApplicantName},
		BookingID: v.BookingID, HoldUntil: v.HoldUntil, Signer: signer}
}

// longDate is a day in the store's calendar: "tisdag 1 december 2026",
// "Tuesday 1 December 2026".
func longDate(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Monday 2 January 2006")
	}
	return fmt.Sprintf("%s %d %s %d", svDays[t.Weekday()], t.Day(), svMonths[t.Month()-1], t.Year())
}

// MeetingTime is a meeting's time as the sign texts and pages write it, in
// the store's calendar: "tisdag 1 december 2026 kl. 10:00–11:00",
// "Tuesday 1 December 2026, 10:00–11:00".
func (s *Store) MeetingTime(m Meeting, lang string) string {
	start := m.Start.In(s.opts.Location)
	end := m.End().In(s.opts.Location)
	if lang == "en" {
		return longDate(start, lang) + ", " + start.Format("15:04") + "–" + end.Format("15:04")
	}
	return longDate(start, lang) + " kl. " + start.Format("15:04") + "–" + end.Format("15:04")
}

// moment is a point in time in the store's calendar: "måndag 30 november
// 2026 kl. 10:00", "Monday 30 November 2026 at 10:00".
func (s *Store) moment(t time.Time, lang string) string {
	t = t.In(s.opts.Location)
	if lang == "en" {
		return longDate(t, lang) + " at " + t.Format("15:04")
	}
	return longDate(t, lang) + " kl. " + t.Format("15:04")
}

// oneLine joins the lines of a multi-line value (an address) with ", ".
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, ", ")
}

// SignText is the plain text the citizen reads in the e-ID app before
// signing d, in Swedish, or English when lang is "en".
func (s *Store) SignText(d SignDoc, lang string) string {
	en := lang == "en"
	pick := func(sv, e string) string {
		if en {
			return e
		}
		return sv
	}
	var b strings.Builder
	line := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	line(ServiceName)
	if d.Role == RoleCoApplicant {
		line(pick("Bokning av tid – signering som medsökande", "Booking an appointment – signing as co-applicant"))
	} else {
		line(pick("Bokning av tid – signering som sökande", "Booking an appointment – signing as applicant"))
	}
	line()
	line(pick("Samtalsform: ", "Form: "), d.Meeting.Form.Label(lang))
	line(pick("Tid: ", "Time: "), s.MeetingTime(d.Meeting, lang))
	line(pick("Plats: ", "Place: "), d.Meeting.Place.Label(lang))
	line(pick("Familjerådgivare: ", "Counsellor: "), d.Meeting.Counselor)
	line()
	fee := itoa(s.opts.Fee)
	hours := itoa(int(s.opts.FeeWindow / time.Hour))
	feeText := pick("Om vi lämnar återbud, uteblir eller ombokar senare än "+hours+" timmar före mötet betalar vi ändå samtalsavgiften på "+fee+" kronor.",
		"If we cancel, do not come, or move the time later than "+hours+" hours before the meeting, we still pay the session fee of "+fee+" SEK.")
	if d.Role == RoleCoApplicant {
		line(pick("Sökande: ", "Applicant: "), d.Applicant.Name)
		line(pick("Bokningsnummer: ", "Booking number: "), d.BookingID)
		if !d.HoldUntil.IsZero() {
			line(pick("Signera senast: ", "Sign by: "), s.moment(d.HoldUntil, lang))
		}
		line()
		line(pick("Jag signerar som medsökande.", "I sign as co-applicant (Jag signerar som medsökande)."))
		line(pick("Bokningen skickas in först när både sökande och medsökande har signerat. När jag har signerat är tiden bokad för oss båda.",
			"The booking is only sent in when both the applicant and the co-applicant have signed. Once I have signed, the time is booked for both of us."))
		line(feeText)
		return strings.TrimRight(b.String(), "\n")
	}
	line(pick("Sökande", "Applicant"))
	line(pick("Namn: ", "Name: "), d.Contact.Name)
	line(pick("Adress: ", "Address: "), oneLine(d.Contact.Address))
	line(pick("E-post: ", "E-mail: "), d.Contact.Email)
	line(pick("Mobil: ", "Mobile: "), d.Contact.Mobile)
	line()
	line(pick("Medsökandes e-postadress: ", "Co-applicant's e-mail address: "), d.CoApplicantEmail)
	line()
	line(pick("Jag bokar tiden ovan för mig och medsökande.", "I book the time above for myself and the co-applicant."))
	line(pick("Bokningen skickas in först när både jag och medsökande har signerat med BankID. Medsökande får ett mejl med en länk och har "+
		itoa(int(s.opts.HoldFor/time.Hour))+" timmar på sig att signera; annars släpps tiden.",
		"The booking is only sent in when both the co-applicant and I have signed with BankID. The co-applicant gets an e-mail with a link and has "+
			itoa(int(s.opts.HoldFor/time.Hour))+" hours to sign; otherwise the time is released."))
	line(feeText)
	return strings.TrimRight(b.String(), "\n")
}

// signedJSON is the canonical form of a SignDoc: fixed field order, times
// in UTC, and no HTML escaping.
type signedJSON struct {
	Service   string `json:"service"`
	Role      Role   `json:"role"`
	BookingID string `json:"booking_id,omitempty"`
	Meeting   struct {
		SlotID    string `json:"slot_id"`
		Start     string `json:"start"`
		Minutes   int    `json:"minutes"`
		Form      Form   `json:"form"`
		Place     Place  `json:"place"`
		Counselor string `json:"counselor"`
	} `json:"meeting"`
	Applicant struct {
		Personnummer string `json:"personnummer,omitempty"`
		Name         string `json:"name"`
	} `json:"applicant"`
	Contact          *Contact `json:"contact,omitempty"`
	CoApplicantEmail string   `json:"co_applicant_email,omitempty"`
	HoldUntil        string   `json:"hold_until,omitempty"`
	Signer           *struct {
		Personnummer string `json:"personnummer"`
		Name         string `json:"name"`
	} `json:"signer,omitempty"`
}

// CanonicalJSON is the canonical JSON of d that SignData hashes.
func CanonicalJSON(d SignDoc) []byte {
	var c signedJSON
	c.Service = ServiceName
	c.Role = d.Role
	c.BookingID = d.BookingID
	c.Meeting.SlotID = d.Meeting.SlotID
	c.Meeting.Start = d.Meeting.Start.UTC().Format(time.RFC3339)
	c.Meeting.Minutes = d.Meeting.Minutes
	c.Meeting.Form = d.Meeting.Form
	c.Meeting.Place = d.Meeting.Place
	c.Meeting.Counselor = d.Meeting.Counselor
	c.Applicant.Personnummer = d.Applicant.Personnummer
	c.Applicant.Name = d.Applicant.Name
	if d.Role == RoleCoApplicant {
		c.Applicant.Personnummer = ""
		if !d.HoldUntil.IsZero() {
			c.HoldUntil = d.HoldUntil.UTC().Format(time.RFC3339)
		}
		c.Signer = &struct {
			Personnummer string `json:"personnummer"`
			Name         string `json:"name"`
		}{d.Signer.Personnummer, d.Signer.Name}
	} else {
		contact := d.Contact
		c.Contact = &contact
		c.CoApplicantEmail = d.CoApplicantEmail
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		// Only strings, ints and nested structs: cannot fail.
		panic("booking: encoding a sign document: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// SignData is the e-ID order's NonVisibleData for d: the SHA-256 of its
// canonical JSON (CanonicalJSON), 32 bytes.
func SignData(d SignDoc) []byte {
	h := sha256.Sum256(CanonicalJSON(d))
	return h[:]
}
