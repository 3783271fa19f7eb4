package booking

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// GDPR rights on Mina sidor (package mypages): correcting one's own contact
// details (art. 16) and saying in plain words why a booking cannot be erased
// yet (art. 17(3)). A booking is never erased on request: its personal data
// is kept RetainFor (30 days) after the meeting, cancellation or release for
// fees and questions, and then Purge deletes all of it.

// ErrNothingToCorrect is CorrectContact's answer when every field is empty.
var ErrNothingToCorrect = &Error{Code: "nothing_to_correct",
	Sv: "Fyll i den eller de uppgifter du vill ändra.",
	En: "Fill in the detail or details you want to change."}

// ContactCorrection is a checked correction: the fields to change, each ""
// when it stays as it is. Mobile is in E.164 form, Address normalized.
type ContactCorrection struct {
	Email   string
	Mobile  string
	Address string
}

// String hides the details.
func (ContactCorrection) String() string { return "booking.ContactCorrection(redacted)" }

// GoString hides them from %#v too.
func (c ContactCorrection) GoString() string { return c.String() }

// CheckContact checks a correction of contact details with the validators
// of Book, without changing anything: a field left empty stays as it is,
// every field given must be valid. The error is FieldErrors (FieldEmail,
// FieldMobile, FieldAddress) or ErrNothingToCorrect when all are empty.
func CheckContact(email, mobile, address string) (ContactCorrection, error) {
	var out ContactCorrection
	errs := FieldErrors{}
	var m *Message
	if strings.TrimSpace(email) != "" {
		if out.Email, m = checkEmail(email); m != nil {
			errs[FieldEmail] = *m
		}
	}
	if strings.TrimSpace(mobile) != "" {
		if out.Mobile, m = checkMobile(mobile); m != nil {
			errs[FieldMobile] = *m
		}
	}
	if strings.TrimSpace(address) != "" {
		if out.Address, m = checkAddress(address); m != nil {
			errs[FieldAddress] = *m
		}
	}
	if len(errs) > 0 {
		return ContactCorrection{}, errs
	}
	if out == (ContactCorrection{}) {
		return out, ErrNothingToCorrect
	}
	return out, nil
}

// CorrectContact corrects the contact details of the person pn (from their
// e-ID login) on every booking of theirs that still holds personal data
// (not yet due for the purge), in one transaction, and returns how many
// bookings changed.
//
// As applicant the person gave a contact (address, e-mail, mobile): the
// fields given replace those. As co-applicant (once signed) the booking
// holds the e-mail address the applicant typed for them, where the
// booking's mails go: a new e-mail replaces it; a mobile or address is
// stored for a co-applicant only if the booking already holds a contact of
// theirs. Fields left empty stay as they are; errors as CheckContact, and
// ErrIdentity if pn is not a personnummer. Each changed booking is logged
// ("booking contact corrected", with its id and the person's role and the
// names of the fields changed, never their values), as every change of a
// booking is. Mails already queued keep the address they were queued with.
func (s *Store) CorrectContact(pn, email, mobile, address string) (int, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return 0, err
	}
	c, err := CheckContact(email, mobile, address)
	if err != nil {
		return 0, err
	}
	type corrected struct {
		id     string
		role   Role
		fields []string
	}
	var done []corrected
	err = s.update(func(t *txn) error {
		done = done[:0]
		prefix := t.s.personKey(long)
		var ids []string
		cur := t.bucket(bucketPeople).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			ids = append(ids, string(k[len(prefix):]))
		}
		for _, id := range ids {
			rec, ok, err := t.booking(id)
			if err != nil {
				return err
			}
			role := rec.roleOf(long)
			if !ok || role == "" {
				continue
			}
			if pa := rec.purgeAfter(t.s.opts.RetainFor); !pa.IsZero() && !t.now.Before(pa) {
				continue // due for the purge: nothing to keep right
			}
			fields := rec.correct(role, c)
			if len(fields) == 0 {
				continue
			}
			if err := t.putBooking(rec); err != nil {
				return err
			}
			done = append(done, corrected{id: rec.ID, role: role, fields: fields})
		}
		return nil
	})
	if err != nil {
		return 0, s.internal(err, "correcting contact details")
	}
	for _, d := range done {
		s.log.Info().Str("booking", d.id).Str("role", string(d.role)).Strs("fields", d.fields).Msg("booking contact corrected")
	}
	return len(done), nil
}

// correct applies c to the party in role and returns the names of the
// fields that changed.
func (r *bookingRecord) correct(role Role, c ContactCorrection) []string {
	var fields []string
	set := func(name string, dst *string, v string) {
		if v != "" && *dst != v {
			*dst = v
			if !slices.Contains(fields, name) {
				fields = append(fields, name)
			}
		}
	}
	switch role {
	case RoleApplicant:
		if r.Applicant.Contact == nil {
			r.Applicant.Contact = &Contact{}
		}
		set(FieldEmail, &r.Applicant.Contact.Email, c.Email)
		set(FieldMobile, &r.Applicant.Contact.Mobile, c.Mobile)
		set(FieldAddress, &r.Applicant.Contact.Address, c.Address)
	case RoleCoApplicant:
		set(FieldEmail, &r.CoEmail, c.Email)
		if r.Co != nil && r.Co.Contact != nil {
			set(FieldEmail, &r.Co.Contact.Email, c.Email)
			set(FieldMobile, &r.Co.Contact.Mobile, c.Mobile)
			set(FieldAddress, &r.Co.Contact.Address, c.Address)
		}
	}
	return fields
}

// KeepReason says, in plain words, why the personal data of the booking b
// (as BookingsFor returned it) cannot be erased at now, and until when it is
// kept: an upcoming meeting must be cancelled first (until: RetainFor after
// the meeting, the latest it can be kept); a meeting that has started or
// passed, or a cancelled or otherwise ended booking, is kept RetainFor (30
// days) for fees and questions and then deleted automatically (until: the
// purge date). A booking is never erased on request, so there is always a
// reason.
func (s *Store) KeepReason(b MyBooking, now time.Time) (until time.Time, reason Message) {
	days := int(s.opts.RetainFor / (24 * time.Hour))
	state := b.State
	if state == StateAwaitingCosign && !now.Before(b.HoldUntil) {
		state = StateExpired // not yet written by ExpireHolds
	}
	switch {
	case state.Active() && now.Before(b.Meeting.Start):
		until = b.Meeting.End().Add(s.opts.RetainFor)
		return until, Message{
			Sv: fmt.Sprintf("Bokningen gäller ett kommande möte. Avboka den först; uppgifterna raderas sedan %d dagar efter avbokningen.", days),
			En: fmt.Sprintf("The booking is for an upcoming meeting. Cancel it first; the details are then deleted %d days after the cancellation.", days),
		}
	case state == StateConfirmed:
		until = b.PurgeAfter
		if until.IsZero() {
			until = b.Meeting.End().Add(s.opts.RetainFor)
		}
		return until, Message{
			Sv: fmt.Sprintf("Uppgifterna sparas i %d dagar efter mötet för eventuella avgifter och frågor, och raderas automatiskt den %s.", days, s.day(until, "sv")),
			En: fmt.Sprintf("The details are kept for %d days after the meeting for any fees and questions, and are deleted automatically on %s.", days, s.day(until, "en")),
		}
	}
	until = b.PurgeAfter
	if until.IsZero() || b.State != state {
		ended := b.EndedAt
		if ended.IsZero() {
			ended = b.HoldUntil
		}
		until = ended.Add(s.opts.RetainFor)
	}
	sv, en := "avbokningen", "the cancellation"
	if state == StateDeclined || state == StateExpired {
		sv, en = "att bokningen avslutades", "the booking ended"
	}
	return until, Message{
		Sv: fmt.Sprintf("Uppgifterna sparas i %d dagar efter %s för eventuella avgifter och frågor, och raderas automatiskt den %s.", days, sv, s.day(until, "sv")),
		En: fmt.Sprintf("The details are kept for %d days after %s for any fees and questions, and are deleted automatically on %s.", days, en, s.day(until, "en")),
	}
}

// day is a date in the store's calendar: "2 juli 2026", "2 July 2026".
func (s *Store) day(t time.Time, lang string) string {
	t = t.In(s.opts.Location)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), svMonths[t.Month()-1], t.Year())
}
