package booking

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"parentline/internal/personnummer"
)

// parsePN reads a logged-in citizen's personnummer; ErrIdentity if it is
// not one.
func (s *Store) parsePN(pn string) (string, error) {
	n, err := personnummer.Parse(pn, s.now().In(s.opts.Location))
	if err != nil {
		return "", ErrIdentity
	}
	return n.Long(), nil
}

// myView is rec as the party in role sees it at now.
func (s *Store) myView(rec bookingRecord, role Role, now time.Time) MyBooking {
	if rec.due(now) { // not yet written by ExpireHolds
		rec.State, rec.EndedAt = StateExpired, rec.HoldUntil
	}
	you := rec.party(role)
	m := MyBooking{ID: rec.ID, Role: role, State: rec.State, Meeting: rec.Meeting, Created: rec.Created,
		HoldUntil: rec.HoldUntil, ConfirmedAt: rec.ConfirmedAt, EndedAt: rec.EndedAt, You: you.view(),
		CoApplicantEmail: rec.CoEmail, PurgeAfter: rec.purgeAfter(s.opts.RetainFor)}
	switch {
	case role == RoleCoApplicant:
		m.OtherName = rec.Applicant.Name
	case rec.Co != nil:
		m.OtherName = rec.Co.Name
	}
	for _, f := range rec.Fees {
		if f.Personnummer != you.Personnummer {
			f.Personnummer = "" // the other party's number is not shown
		}
		m.Fees = append(m.Fees, f)
	}
	upcoming := now.Before(rec.Meeting.Start)
	m.CanCancel = rec.State.Active() && upcoming
	m.CanRebook = rec.State == StateConfirmed && upcoming
	return m
}

// BookingsFor is Mina sidor: every booking the person with personnummer pn
// (from their e-ID login) is a party of, as applicant or (once signed) as
// co-applicant, found through the keyed-hash index, by meeting time.
// Ended bookings are included until their data is purged.
// ErrIdentity if pn is not a personnummer.
func (s *Store) BookingsFor(pn string) ([]MyBooking, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return nil, err
	}
	out := []MyBooking{}
	err = s.view(func(t *txn) error {
		prefix := t.s.personKey(long)
		c := t.bucket(bucketPeople).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			rec, ok, err := t.booking(string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if role := rec.roleOf(long); ok && role != "" {
				out = append(out, s.myView(rec, role, t.now))
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.internal(err, "listing a person's bookings")
	}
	slices.SortFunc(out, func(a, b MyBooking) int {
		if c := a.Meeting.Start.Compare(b.Meeting.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// mayChange checks that the person pn may cancel or move rec at now and
// returns their role. ErrBookingNotFound when the booking does not exist or
// pn is not a party of it (the same answer, so that ids cannot be probed),
// ErrNotChangeable when it has ended (a hold past its deadline included),
// ErrMeetingPassed when the meeting has started.
func mayChange(rec bookingRecord, ok bool, pn string, now time.Time) (Role, error) {
	if !ok {
		return "", ErrBookingNotFound
	}
	role := rec.roleOf(pn)
	if role == "" {
		return "", ErrBookingNotFound
	}
	if !rec.State.Active() || rec.due(now) {
		return "", ErrNotChangeable
	}
	if !now.Before(rec.Meeting.Start) {
		return "", ErrMeetingPassed
	}
	return role, nil
}

// feeDue reports whether changing rec at now costs the fee: it is
// confirmed and now is later than FeeWindow before the meeting.
func (s *Store) feeDue(rec bookingRecord, now time.Time) bool {
	return rec.State == StateConfirmed && now.After(rec.Meeting.Start.Add(-s.opts.FeeWindow))
}

// terms builds the Terms of cancelling (newMeeting nil) or moving rec at now.
func (s *Store) terms(rec bookingRecord, now time.Time, newMeeting *Meeting) Terms {
	freeUntil := rec.Meeting.Start.Add(-s.opts.FeeWindow)
	t := Terms{BookingID: rec.ID, Meeting: rec.Meeting, NewMeeting: newMeeting, FreeUntil: freeUntil,
		Fee: s.feeDue(rec, now)}
	if t.Fee {
		t.AmountSEK = s.opts.Fee
	}
	t.Text = s.termsText(rec, t, newMeeting != nil)
	return t
}

// CancelTerms tells the party pn, before they confirm, what cancelling the
// booking at now means: whether the fee applies (then Cancel needs
// acceptFee), and the text to show. Errors as for Cancel.
func (s *Store) CancelTerms(bookingID, pn string, now time.Time) (Terms, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return Terms{}, err
	}
	now = now.UTC()
	var out Terms
	err = s.view(func(t *txn) error {
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if _, err := mayChange(rec, ok, long, now); err != nil {
			return err
		}
		out = s.terms(rec, now, nil)
		return nil
	})
	if err != nil {
		return Terms{}, s.internal(err, "reading cancellation terms")
	}
	return out, nil
}

// RebookTerms is CancelTerms for moving the booking to newSlotID, and
// checks that the new slot can be had now. Errors as for Rebook.
func (s *Store) RebookTerms(bookingID, pn, newSlotID string, now time.Time) (Terms, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return Terms{}, err
	}
	now = now.UTC()
	var out Terms
	err = s.view(func(t *txn) error {
		t.now = now
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if _, err := mayChange(rec, ok, long, now); err != nil {
			return err
		}
		ns, err := t.checkNewSlot(rec, newSlotID)
		if err != nil {
			return err
		}
		if st, err := t.slotState(ns); err != nil {
			return err
		} else if st != SlotFree {
			return ErrSlotTaken
		}
		m := ns.meeting()
		out = s.terms(rec, now, &m)
		return nil
	})
	if err != nil {
		return Terms{}, s.internal(err, "reading rebooking terms")
	}
	return out, nil
}

// checkNewSlot checks what Rebook requires of the booking and the new slot
// except that the slot is free.
func (t *txn) checkNewSlot(rec bookingRecord, newSlotID string) (slotRecord, error) {
	if rec.State != StateConfirmed {
		return slotRecord{}, ErrNotConfirmed
	}
	if normID(newSlotID) == rec.Meeting.SlotID {
		return slotRecord{}, ErrSameSlot
	}
	ns, ok, err := t.slot(newSlotID)
	if err != nil {
		return slotRecord{}, err
	}
	if !ok {
		return slotRecord{}, ErrSlotNotFound
	}
	if !ns.Start.After(t.now) {
		return slotRecord{}, ErrSlotPast
	}
	if ns.Form != rec.Meeting.Form {
		return slotRecord{}, ErrOtherForm
	}
	return ns, nil
}

// Cancel cancels a booking for the party pn (applicant, or co-applicant
// once signed): the slot is released at once and both are told. A
// confirmed booking cancelled later than FeeWindow before the meeting costs
// the fee: then acceptFee must be true (ask with CancelTerms first), or
// the answer is ErrFeeNotAccepted and nothing changes. A booking still
// awaiting co-signing costs nothing. ErrBookingNotFound, ErrNotChangeable,
// ErrMeetingPassed as for CancelTerms.
func (s *Store) Cancel(bookingID, pn string, acceptFee bool) (Change, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return Change{}, err
	}
	var out Change
	var after error
	err = s.update(func(t *txn) error {
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if ok && rec.roleOf(long) != "" && rec.due(t.now) {
			after = ErrNotChangeable
			return t.expire(&rec)
		}
		role, err := mayChange(rec, ok, long, t.now)
		if err != nil {
			return err
		}
		fee := t.s.feeDue(rec, t.now)
		if fee && !acceptFee {
			return t.s.feeError()
		}
		actor := rec.party(role)
		out, err = t.cancel(&rec, fee, actor.Name, actor.Personnummer)
		return err
	})
	if err == nil {
		err = after
	}
	if err != nil {
		return Change{}, s.internal(err, "cancelling a booking")
	}
	s.log.Info().Str("booking", out.BookingID).Str("slot", out.Meeting.SlotID).Bool("fee", out.Fee).Msg("booking cancelled")
	return out, nil
}

// StaffCancel cancels a booking on someone's behalf (a call or a mail to
// Familjerådgivningen). by is the staff username; chargeFee records the fee
// against the applicant (staff decide it from when the cancellation came
// in). The slot is released and both parties are told.
// ErrBookingNotFound, ErrNotChangeable.
func (s *Store) StaffCancel(bookingID, by string, chargeFee bool) (Change, error) {
	var out Change
	var after error
	err := s.update(func(t *txn) error {
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBookingNotFound
		}
		if rec.due(t.now) {
			after = ErrNotChangeable
			return t.expire(&rec)
		}
		if !rec.State.Active() {
			return ErrNotChangeable
		}
		out, err = t.cancel(&rec, chargeFee && rec.State == StateConfirmed, rec.Applicant.Name, rec.Applicant.Personnummer)
		return err
	})
	if err == nil {
		err = after
	}
	if err != nil {
		return Change{}, s.internal(err, "cancelling a booking for staff")
	}
	s.log.Info().Str("booking", out.BookingID).Str("slot", out.Meeting.SlotID).Bool("fee", out.Fee).Str("by", by).Msg("booking cancelled by staff")
	return out, nil
}

// cancel releases rec as cancelled, records the fee against the actor,
// counts, queues the receipts and writes rec.
func (t *txn) cancel(rec *bookingRecord, fee bool, actorName, actorPN string) (Change, error) {
	wasConfirmed := rec.State == StateConfirmed
	inviteUnsent, err := t.release(rec, StateCancelled, t.now)
	if err != nil {
		return Change{}, err
	}
	ch := Change{BookingID: rec.ID, Kind: FeeCancelled, At: t.now, Meeting: rec.Meeting, Fee: fee}
	if fee {
		ch.AmountSEK = t.s.opts.Fee
		rec.Fees = append(rec.Fees, Fee{BookingID: rec.ID, Kind: FeeCancelled, At: t.now, Meeting: rec.Meeting,
			Name: actorName, Personnummer: actorPN, AmountSEK: t.s.opts.Fee})
		if err := t.count(t.now, rec.Meeting.Form, OutcomeFee); err != nil {
			return Change{}, err
		}
	}
	if err := t.count(t.now, rec.Meeting.Form, OutcomeCancelled); err != nil {
		return Change{}, err
	}
	if err := t.mailCancelled(*rec, fee, wasConfirmed, inviteUnsent); err != nil {
		return Change{}, err
	}
	return ch, t.putBooking(*rec)
}

// Rebook moves a confirmed booking of the party pn to newSlotID, in one
// transaction: the new slot must be free (ErrSlotTaken), in the future
// (ErrSlotPast), of the same form (ErrOtherForm) and not the same slot
// (ErrSameSlot); the old slot is released at once. A move later than
// FeeWindow before the current meeting costs the fee, as for Cancel
// (acceptFee, ErrFeeNotAccepted). A booking still awaiting co-signing
// cannot be moved (ErrNotConfirmed). Both parties are told.
func (s *Store) Rebook(bookingID, pn, newSlotID string, acceptFee bool) (Change, error) {
	long, err := s.parsePN(pn)
	if err != nil {
		return Change{}, err
	}
	var out Change
	var after error
	err = s.update(func(t *txn) error {
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if ok && rec.roleOf(long) != "" && rec.due(t.now) {
			after = ErrNotChangeable
			return t.expire(&rec)
		}
		role, err := mayChange(rec, ok, long, t.now)
		if err != nil {
			return err
		}
		ns, err := t.checkNewSlot(rec, newSlotID)
		if err != nil {
			return err
		}
		if h, err := t.holder(&ns); err != nil {
			return err
		} else if h != nil {
			return ErrSlotTaken
		}
		fee := t.s.feeDue(rec, t.now)
		if fee && !acceptFee {
			return t.s.feeError()
		}
		if old, ok, err := t.slot(rec.Meeting.SlotID); err != nil {
			return err
		} else if ok && old.BookingID == rec.ID {
			old.BookingID = ""
			if err := t.putSlot(old); err != nil {
				return err
			}
		}
		ns.BookingID = rec.ID
		if err := t.putSlot(ns); err != nil {
			return err
		}
		prev := rec.Meeting
		rec.Meeting = ns.meeting()
		rec.Rebookings++
		out = Change{BookingID: rec.ID, Kind: FeeRebooked, At: t.now, Meeting: rec.Meeting, Previous: &prev, Fee: fee}
		if fee {
			actor := rec.party(role)
			out.AmountSEK = t.s.opts.Fee
			rec.Fees = append(rec.Fees, Fee{BookingID: rec.ID, Kind: FeeRebooked, At: t.now, Meeting: prev,
				Name: actor.Name, Personnummer: actor.Personnummer, AmountSEK: t.s.opts.Fee})
			if err := t.count(t.now, rec.Meeting.Form, OutcomeFee); err != nil {
				return err
			}
		}
		if err := t.count(t.now, rec.Meeting.Form, OutcomeRebooked); err != nil {
			return err
		}
		if err := t.mailRebooked(rec, prev, fee); err != nil {
			return err
		}
		return t.putBooking(rec)
	})
	if err == nil {
		err = after
	}
	if err != nil {
		return Change{}, s.internal(err, "rebooking")
	}
	s.log.Info().Str("booking", out.BookingID).Str("slot", out.Meeting.SlotID).Str("previous_slot", out.Previous.SlotID).
		Bool("fee", out.Fee).Msg("booking moved")
	return out, nil
}

// FeeList is what staff invoice: every fee recorded in [from, to) (by when
// the booking was cancelled or moved), oldest first, with who cancelled or
// moved it. Fees are personal data and disappear when their booking is
// purged (RetainFor after the meeting or cancellation): invoice before.
func (s *Store) FeeList(from, to time.Time) ([]Fee, error) {
	out := []Fee{}
	err := s.view(func(t *txn) error {
		return t.eachBooking(func(rec bookingRecord) error {
			for _, f := range rec.Fees {
				if !f.At.Before(from) && f.At.Before(to) {
					out = append(out, f)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, s.internal(err, "listing fees")
	}
	slices.SortFunc(out, func(a, b Fee) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.BookingID, b.BookingID)
	})
	return out, nil
}

// eachBooking calls fn for every stored booking.
func (t *txn) eachBooking(fn func(bookingRecord) error) error {
	return t.bucket(bucketBookings).ForEach(func(k, _ []byte) error {
		rec, ok, err := t.booking(string(k))
		if err != nil || !ok {
			return err
		}
		return fn(rec)
	})
}

// StaffBookings is the counsellors' list: the confirmed bookings (both have
// signed) whose meeting starts in [from, to), by meeting time, with both
// parties' details. A booking still waiting for the co-applicant is not
// here and shows nothing about its applicant anywhere staff look: its slot
// reads SlotHeld in ListSlots (DOMAIN.md §6: hidden until all have signed).
func (s *Store) StaffBookings(from, to time.Time) ([]Booking, error) {
	out := []Booking{}
	err := s.view(func(t *txn) error {
		return t.eachSlot(from, to, func(slot slotRecord) error {
			if slot.BookingID == "" {
				return nil
			}
			rec, ok, err := t.booking(slot.BookingID)
			if err == nil && ok && rec.State == StateConfirmed && rec.Meeting.SlotID == slot.ID {
				out = append(out, rec.view(s.opts.RetainFor))
			}
			return err
		})
	})
	if err != nil {
		return nil, s.internal(err, "listing bookings for staff")
	}
	return out, nil
}

// Signatures returns the e-ID proofs of a confirmed booking, for staff who
// need to show who signed. ErrBookingNotFound for any booking not
// confirmed.
func (s *Store) Signatures(bookingID string) (applicant, coApplicant Proof, err error) {
	err = s.view(func(t *txn) error {
		rec, ok, err := t.booking(bookingID)
		if err != nil {
			return err
		}
		if !ok || rec.State != StateConfirmed || rec.Co == nil {
			return ErrBookingNotFound
		}
		applicant, coApplicant = rec.Applicant.Proof, rec.Co.Proof
		return nil
	})
	if err != nil {
		return Proof{}, Proof{}, s.internal(err, "reading signatures")
	}
	return applicant, coApplicant, nil
}
