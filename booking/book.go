package booking

import (
	"bytes"
	"encoding/binary"
	"time"

	"parentline/mail/outbox"
)

// BookInput is an applicant's booking: the slot, who they are (from the
// e-ID), the contact details they typed, the co-applicant's e-mail address
// and the applicant's signature.
type BookInput struct {
	SlotID           string
	Applicant        Identity
	Contact          Contact
	CoApplicantEmail string
	Proof            Proof // the applicant's sign order
}

// String hides the input.
func (BookInput) String() string { return "booking.BookInput(redacted)" }

// GoString hides it from %#v too.
func (in BookInput) GoString() string { return in.String() }

// due reports whether a booking awaiting co-signing is past its deadline.
func (r bookingRecord) due(now time.Time) bool {
	return r.State == StateAwaitingCosign && !now.Before(r.HoldUntil)
}

// holder returns the booking that holds the slot now, nil if it is free. A
// hold past its deadline is expired on the way (so it never blocks a slot),
// which clears slot.BookingID. Only in write transactions.
func (t *txn) holder(slot *slotRecord) (*bookingRecord, error) {
	if slot.BookingID == "" {
		return nil, nil
	}
	rec, ok, err := t.booking(slot.BookingID)
	if err != nil {
		return nil, err
	}
	if ok && rec.due(t.now) {
		if err := t.expire(&rec); err != nil {
			return nil, err
		}
	}
	if !ok || !rec.State.Active() {
		slot.BookingID = ""
		return nil, t.putSlot(*slot)
	}
	return &rec, nil
}

// release ends a booking that holds its slot: the state and end time are
// set, the slot is freed, the invitation token and hold entry deleted, and
// an invitation mail not yet sent is withdrawn (inviteUnsent reports that).
// The caller writes rec.
func (t *txn) release(rec *bookingRecord, state State, at time.Time) (inviteUnsent bool, err error) {
	if slot, ok, err := t.slot(rec.Meeting.SlotID); err != nil {
		return false, err
	} else if ok && slot.BookingID == rec.ID {
		slot.BookingID = ""
		if err := t.putSlot(slot); err != nil {
			return false, err
		}
	}
	inviteUnsent, err = t.endInvitation(rec)
	rec.State, rec.EndedAt = state, at
	return inviteUnsent, err
}

// endInvitation makes the invitation unusable: its token and hold entry are
// deleted, and its mail withdrawn if not yet sent (reported).
func (t *txn) endInvitation(rec *bookingRecord) (inviteUnsent bool, err error) {
	if rec.TokenHash != nil {
		if err := t.bucket(bucketTokens).Delete(rec.TokenHash); err != nil {
			return false, err
		}
		rec.TokenHash = nil
	}
	if rec.State == StateAwaitingCosign {
		if err := t.bucket(bucketHolds).Delete(timeKey(rec.HoldUntil, rec.ID)); err != nil {
			return false, err
		}
	}
	if rec.InviteJob != 0 {
		if inviteUnsent, err = outbox.Withdraw(t.bucket(bucketOutbox), rec.InviteJob); err != nil {
			return false, err
		}
		rec.InviteJob = 0
	}
	return inviteUnsent, nil
}

// expire releases a hold past its deadline, tells the applicant and counts
// it, and writes rec.
func (t *txn) expire(rec *bookingRecord) error {
	if _, err := t.release(rec, StateExpired, rec.HoldUntil); err != nil {
		return err
	}
	if err := t.mailReleased(*rec, StateExpired); err != nil {
		return err
	}
	if err := t.count(rec.HoldUntil, rec.Meeting.Form, OutcomeExpired); err != nil {
		return err
	}
	t.s.log.Info().Str("booking", rec.ID).Str("slot", rec.Meeting.SlotID).Str("state", string(StateExpired)).Msg("booking released")
	return t.putBooking(*rec)
}

// byToken finds the booking an invitation token belongs to.
func (t *txn) byToken(token string) (bookingRecord, bool, error) {
	h := tokenHash(token)
	if h == nil {
		return bookingRecord{}, false, nil
	}
	id := t.bucket(bucketTokens).Get(h)
	if id == nil {
		return bookingRecord{}, false, nil
	}
	rec, ok, err := t.booking(string(id))
	if err != nil || !ok || rec.State != StateAwaitingCosign || !bytes.Equal(rec.TokenHash, h) {
		return bookingRecord{}, false, err
	}
	return rec, true, nil
}

// Book books a slot for an applicant who has signed with e-ID. In one
// transaction: the slot must be free (ErrSlotTaken if it is held or
// booked, ErrSlotPast if it has started, ErrSlotNotFound if there is no such
// slot); the booking is stored awaiting co-signing with a deadline of
// HoldFor from now (at the latest the meeting's start); the slot is held;
// and the invitation to the co-applicant and a receipt to the applicant are
// queued in the outbox.
//
// It returns the booking and the invitation token. The token is the
// co-applicant's alone: it is in the invitation mail, is stored only as a
// SHA-256 hash (and in the mail job until the mail is sent), and is not
// shown anywhere else; callers should not show it to the applicant.
// Invalid input gives FieldErrors, and nothing is stored.
func (s *Store) Book(in BookInput) (Booking, string, error) {
	in, err := in.normalize(s.now())
	if err != nil {
		return Booking{}, "", err
	}
	token, hash := newToken()
	var rec bookingRecord
	err = s.update(func(t *txn) error {
		slot, ok, err := t.slot(in.SlotID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrSlotNotFound
		}
		if !slot.Start.After(t.now) {
			return ErrSlotPast
		}
		if h, err := t.holder(&slot); err != nil {
			return err
		} else if h != nil {
			return ErrSlotTaken
		}
		id, err := newID(t.bucket(bucketBookings), "FR-")
		if err != nil {
			return err
		}
		hold := t.now.Add(t.s.opts.HoldFor)
		if hold.After(slot.Start) {
			hold = slot.Start
		}
		contact := in.Contact
		rec = bookingRecord{ID: id, State: StateAwaitingCosign, Meeting: slot.meeting(), Created: t.now,
			HoldUntil: hold, CoEmail: in.CoApplicantEmail, TokenHash: hash,
			Applicant: partyRecord{Personnummer: in.Applicant.Personnummer, Name: in.Applicant.Name,
				Contact: &contact, Proof: in.Proof}}
		slot.BookingID = id
		if err := t.putSlot(slot); err != nil {
			return err
		}
		if err := t.bucket(bucketTokens).Put(hash, []byte(id)); err != nil {
			return err
		}
		if err := t.bucket(bucketHolds).Put(timeKey(hold, id), nil); err != nil {
			return err
		}
		if err := t.indexPerson(rec.Applicant.Personnummer, id); err != nil {
			return err
		}
		if rec.InviteJob, err = t.mailInvitation(rec, token); err != nil {
			return err
		}
		if err := t.mailPending(rec); err != nil {
			return err
		}
		if err := t.count(t.now, rec.Meeting.Form, OutcomeRequested); err != nil {
			return err
		}
		return t.putBooking(rec)
	})
	if err != nil {
		return Booking{}, "", s.internal(err, "booking a slot")
	}
	s.log.Info().Str("booking", rec.ID).Str("slot", rec.Meeting.SlotID).Str("state", string(rec.State)).
		Time("hold_until", rec.HoldUntil).Msg("booking requested")
	return rec.view(s.opts.RetainFor), token, nil
}

// Invitation is what the co-applicant's link shows: the meeting, the
// applicant's name and the deadline. ErrInvitationInvalid for a token that
// is malformed, unknown, used, expired, declined or cancelled: the caller
// cannot tell which.
func (s *Store) Invitation(token string) (InvitationView, error) {
	var out InvitationView
	err := s.view(func(t *txn) error {
		rec, ok, err := t.byToken(token)
		if err != nil {
			return err
		}
		if !ok || rec.due(t.now) {
			return ErrInvitationInvalid
		}
		out = InvitationView{BookingID: rec.ID, Meeting: rec.Meeting, ApplicantName: rec.Applicant.Name, HoldUntil: rec.HoldUntil}
		return nil
	})
	if err != nil {
		return InvitationView{}, s.internal(err, "reading an invitation")
	}
	return out, nil
}

// CoSign records the co-applicant's signature. If they are the applicant
// (the same personnummer), the booking becomes refused_same_person, the
// slot is released, the applicant is told by mail, and ErrSamePerson is
// returned. Otherwise the booking is confirmed, the token is used up, and
// both get the confirmation mail ("bekräftelse på att ärendet skickats
// in"). ErrInvitationInvalid as for Invitation; FieldErrors if the e-ID's
// identity or signature is unusable (nothing is changed then).
func (s *Store) CoSign(token string, co Identity, proof Proof) (MyBooking, error) {
	now := s.now()
	errs := FieldErrors{}
	co = checkIdentity(co, now, errs)
	proof = checkProof(proof, now, errs)
	if len(errs) > 0 {
		return MyBooking{}, errs
	}
	var rec bookingRecord
	var after error
	err := s.update(func(t *txn) error {
		var ok bool
		var err error
		if rec, ok, err = t.byToken(token); err != nil {
			return err
		}
		if !ok {
			after = ErrInvitationInvalid
			return nil
		}
		if rec.due(t.now) {
			after = ErrInvitationInvalid
			return t.expire(&rec)
		}
		if co.Personnummer == rec.Applicant.Personnummer {
			after = ErrSamePerson
			if _, err := t.release(&rec, StateRefusedSamePerson, t.now); err != nil {
				return err
			}
			if err := t.mailReleased(rec, StateRefusedSamePerson); err != nil {
				return err
			}
			if err := t.count(t.now, rec.Meeting.Form, OutcomeRefusedSamePerson); err != nil {
				return err
			}
			return t.putBooking(rec)
		}
		if _, err := t.endInvitation(&rec); err != nil {
			return err
		}
		rec.Co = &partyRecord{Personnummer: co.Personnummer, Name: co.Name, Proof: proof}
		rec.State, rec.ConfirmedAt = StateConfirmed, t.now
		if err := t.indexPerson(co.Personnummer, rec.ID); err != nil {
			return err
		}
		if err := t.mailConfirmed(rec); err != nil {
			return err
		}
		if err := t.count(t.now, rec.Meeting.Form, OutcomeConfirmed); err != nil {
			return err
		}
		return t.putBooking(rec)
	})
	if err != nil {
		return MyBooking{}, s.internal(err, "co-signing a booking")
	}
	if after != nil {
		if rec.ID != "" {
			s.log.Info().Str("booking", rec.ID).Str("slot", rec.Meeting.SlotID).Str("state", string(rec.State)).Msg("co-signing refused")
		}
		return MyBooking{}, after
	}
	s.log.Info().Str("booking", rec.ID).Str("slot", rec.Meeting.SlotID).Str("state", string(rec.State)).Msg("booking confirmed")
	return s.myView(rec, RoleCoApplicant, now), nil
}

// Decline is the co-applicant saying no: the booking becomes declined, the
// slot is released at once and the applicant is told. ErrInvitationInvalid
// as for Invitation.
func (s *Store) Decline(token string) error {
	var rec bookingRecord
	var after error
	err := s.update(func(t *txn) error {
		var ok bool
		var err error
		if rec, ok, err = t.byToken(token); err != nil {
			return err
		}
		if !ok {
			after = ErrInvitationInvalid
			return nil
		}
		if rec.due(t.now) {
			after = ErrInvitationInvalid
			return t.expire(&rec)
		}
		if _, err := t.release(&rec, StateDeclined, t.now); err != nil {
			return err
		}
		if err := t.mailReleased(rec, StateDeclined); err != nil {
			return err
		}
		if err := t.count(t.now, rec.Meeting.Form, OutcomeDeclined); err != nil {
			return err
		}
		return t.putBooking(rec)
	})
	if err != nil {
		return s.internal(err, "declining a booking")
	}
	if after != nil {
		return after
	}
	s.log.Info().Str("booking", rec.ID).Str("slot", rec.Meeting.SlotID).Str("state", string(rec.State)).Msg("booking released")
	return nil
}

// ExpireHolds releases every hold past its deadline: the booking becomes
// expired, the slot free, and the applicant is told. It returns how many.
// Run calls it every minute; Book, CoSign and the views also treat a hold
// past its deadline as released, so a late run never blocks a slot.
func (s *Store) ExpireHolds() (int, error) {
	n := 0
	err := s.update(func(t *txn) error {
		n = 0
		var due []string
		limit := uint64(t.now.UnixNano())
		c := t.bucket(bucketHolds).Cursor()
		for k, _ := c.First(); k != nil && len(k) > 8 && binary.BigEndian.Uint64(k[:8]) <= limit; k, _ = c.Next() {
			due = append(due, string(k))
		}
		for _, k := range due {
			rec, ok, err := t.booking(k[8:])
			if err != nil {
				return err
			}
			if ok && rec.due(t.now) {
				if err := t.expire(&rec); err != nil {
					return err
				}
				n++
				continue
			}
			// A stale entry: the booking moved on without removing it.
			if err := t.bucket(bucketHolds).Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, s.internal(err, "expiring holds")
	}
	return n, nil
}
