package booking

import (
	"strings"
	"testing"
	"time"
)

func TestCancel_FreeOfChargeEarly(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b := h.confirmed(t, sl.ID)
	h.deliver(t)

	// Exactly FeeWindow before the meeting is not "later than" it.
	h.clock.Set(sl.Start.Add(-48 * time.Hour))
	terms, err := h.s.CancelTerms(b.ID, pnCo, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if terms.Fee || terms.AmountSEK != 0 || !terms.FreeUntil.Equal(sl.Start.Add(-48*time.Hour)) ||
		!strings.Contains(terms.Text.Sv, "kostar ingenting") || !strings.Contains(terms.Text.En, "costs nothing") {
		t.Fatalf("terms: %+v", terms)
	}
	_, err = h.s.Cancel(b.ID, pnOther, true)
	wantErr(t, err, ErrBookingNotFound) // not a party: same answer as no booking
	_, err = h.s.Cancel("FR-NOSUCHBOOK", pnCo, true)
	wantErr(t, err, ErrBookingNotFound)

	ch, err := h.s.Cancel(strings.ToLower(b.ID), pnCo, false)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Fee || ch.Kind != FeeCancelled || ch.Meeting.SlotID != sl.ID {
		t.Fatalf("change: %+v", ch)
	}
	if st := h.slotState(t, sl.ID); st != SlotFree {
		t.Fatalf("slot %s after cancel", st)
	}
	my := h.myBooking(t, pnApplicant, b.ID)
	if my.State != StateCancelled || my.CanCancel || my.CanRebook || len(my.Fees) != 0 ||
		!my.PurgeAfter.Equal(h.clock.Now().Add(DefaultRetainFor)) {
		t.Fatalf("after cancel: %+v", my)
	}
	_, err = h.s.Cancel(b.ID, pnApplicant, true)
	wantErr(t, err, ErrNotChangeable)
	if list, _ := h.s.StaffBookings(start, start.Add(30*24*time.Hour)); len(list) != 0 {
		t.Fatal("a cancelled booking is on the staff's list")
	}

	h.deliver(t)
	for _, addr := range []string{applicantEmail, coEmail} {
		msgs := h.mailer.To(addr)
		last := msgs[len(msgs)-1]
		if !strings.Contains(last.Text, "Tiden är avbokad") || strings.Contains(last.Text, "samtalsavgiften på 200 kronor. Familjerådgivningen skickar") {
			t.Fatalf("receipt to %s:\n%s", addr, last.Text)
		}
	}
	c := h.counts(t)
	if c["2026-06|parterapi|cancelled"] != 1 || c["2026-06|parterapi|fee"] != 0 {
		t.Fatalf("counts: %v", c)
	}
}

func TestCancel_LateCostsTheFee(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormEngangssamtal, "Anna")
	b := h.confirmed(t, sl.ID)

	h.clock.Set(sl.Start.Add(-48*time.Hour + time.Second))
	terms, err := h.s.CancelTerms(b.ID, pnApplicant, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !terms.Fee || terms.AmountSEK != 200 || !strings.Contains(terms.Text.Sv, "200 kronor") || !strings.Contains(terms.Text.En, "200 SEK") {
		t.Fatalf("terms: %+v", terms)
	}
	// Without accepting the fee nothing happens.
	_, err = h.s.Cancel(b.ID, pnApplicant, false)
	wantErr(t, err, ErrFeeNotAccepted)
	if st := h.slotState(t, sl.ID); st != SlotBooked {
		t.Fatalf("slot %s after a refused cancel", st)
	}
	ch, err := h.s.Cancel(b.ID, pnApplicant, true)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Fee || ch.AmountSEK != 200 {
		t.Fatalf("change: %+v", ch)
	}
	fees, err := h.s.FeeList(start, start.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(fees) != 1 || fees[0].Personnummer != pnApplicant || fees[0].Name != applicantEidName ||
		fees[0].AmountSEK != 200 || fees[0].Kind != FeeCancelled || !fees[0].At.Equal(h.clock.Now()) || !fees[0].Meeting.Start.Equal(sl.Start) {
		t.Fatalf("fees: %+v", fees)
	}
	if fees, _ := h.s.FeeList(start, start.Add(24*time.Hour)); len(fees) != 0 {
		t.Fatal("FeeList ignores its range")
	}
	// The co-applicant sees the fee but not the applicant's number.
	my := h.myBooking(t, pnCo, b.ID)
	if len(my.Fees) != 1 || my.Fees[0].Personnummer != "" {
		t.Fatalf("co-applicant's fees: %+v", my.Fees)
	}
	h.deliver(t)
	msgs := h.mailer.To(coEmail)
	if !strings.Contains(msgs[len(msgs)-1].Text, "samtalsavgiften på 200 kronor") {
		t.Fatal("the receipt does not mention the fee")
	}
	if h.counts(t)["2026-06|engangssamtal|fee"] != 1 {
		t.Fatalf("counts: %v", h.counts(t))
	}

	// After the meeting has started nothing can be changed here.
	sl2 := h.publish(t, 72*time.Hour, FormEngangssamtal, "Anna")
	b2 := h.confirmed(t, sl2.ID)
	h.clock.Set(sl2.Start)
	_, err = h.s.Cancel(b2.ID, pnApplicant, true)
	wantErr(t, err, ErrMeetingPassed)
	_, err = h.s.CancelTerms(b2.ID, pnApplicant, h.clock.Now())
	wantErr(t, err, ErrMeetingPassed)
}

func TestCancel_AwaitingCosign(t *testing.T) {
	h := newHarness(t)
	// Invitation not yet sent: it is withdrawn, and the co-applicant hears nothing.
	sl := h.publish(t, 30*time.Hour, FormParterapi, "Anna") // inside the fee window, but unconfirmed
	b, tok := h.book(t, sl.ID)
	terms, err := h.s.CancelTerms(b.ID, pnApplicant, h.clock.Now())
	if err != nil || terms.Fee {
		t.Fatalf("terms: %+v %v", terms, err)
	}
	_, err = h.s.Cancel(b.ID, pnCo, true) // not a party until signed
	wantErr(t, err, ErrBookingNotFound)
	if _, err := h.s.Cancel(b.ID, pnApplicant, false); err != nil {
		t.Fatal(err)
	}
	_, err = h.s.Invitation(tok)
	wantErr(t, err, ErrInvitationInvalid)
	h.deliver(t)
	if n := len(h.mailer.To(coEmail)); n != 0 {
		t.Fatalf("the co-applicant got %d mails about a booking cancelled before the invitation went out", n)
	}

	// Invitation already sent: the co-applicant is told the link is void.
	sl2 := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b2, _ := h.book(t, sl2.ID)
	h.deliver(t)
	if _, err := h.s.Cancel(b2.ID, pnApplicant, false); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)
	msgs := h.mailer.To(coEmail)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "Länken i det tidigare mejlet gäller inte längre") {
		t.Fatalf("co-applicant's mails: %d", len(msgs))
	}

	// Moving an unconfirmed booking is not possible.
	sl3 := h.publish(t, 100*time.Hour, FormParterapi, "Anna")
	sl4 := h.publish(t, 101*time.Hour, FormParterapi, "Anna")
	b3, _ := h.book(t, sl3.ID)
	_, err = h.s.Rebook(b3.ID, pnApplicant, sl4.ID, true)
	wantErr(t, err, ErrNotConfirmed)
}

func TestRebook(t *testing.T) {
	h := newHarness(t)
	old := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	next := h.publish(t, 120*time.Hour, FormParterapi, "Anna")
	taken := h.publish(t, 121*time.Hour, FormParterapi, "Anna")
	other := h.publish(t, 122*time.Hour, FormEngangssamtal, "Anna")
	b := h.confirmed(t, old.ID)
	in := h.input(taken.ID)
	in.Applicant.Personnummer = pnOther
	if _, _, err := h.s.Book(in); err != nil {
		t.Fatal(err)
	}

	_, err := h.s.Rebook(b.ID, pnApplicant, taken.ID, true)
	wantErr(t, err, ErrSlotTaken)
	_, err = h.s.RebookTerms(b.ID, pnApplicant, taken.ID, h.clock.Now())
	wantErr(t, err, ErrSlotTaken)
	_, err = h.s.Rebook(b.ID, pnApplicant, other.ID, true)
	wantErr(t, err, ErrOtherForm)
	_, err = h.s.Rebook(b.ID, pnApplicant, old.ID, true)
	wantErr(t, err, ErrSameSlot)
	_, err = h.s.Rebook(b.ID, pnApplicant, "T-NONE", true)
	wantErr(t, err, ErrSlotNotFound)
	_, err = h.s.Rebook(b.ID, pnOther, next.ID, true)
	wantErr(t, err, ErrBookingNotFound)
	if st := h.slotState(t, old.ID); st != SlotBooked {
		t.Fatalf("a failed rebooking changed the old slot: %s", st)
	}

	terms, err := h.s.RebookTerms(b.ID, pnCo, next.ID, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if terms.Fee || terms.NewMeeting == nil || terms.NewMeeting.SlotID != next.ID {
		t.Fatalf("terms: %+v", terms)
	}
	ch, err := h.s.Rebook(b.ID, pnCo, next.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Fee || ch.Previous == nil || ch.Previous.SlotID != old.ID || ch.Meeting.SlotID != next.ID {
		t.Fatalf("change: %+v", ch)
	}
	if h.slotState(t, old.ID) != SlotFree || h.slotState(t, next.ID) != SlotBooked {
		t.Fatal("the slots did not swap")
	}
	my := h.myBooking(t, pnApplicant, b.ID)
	if my.Meeting.SlotID != next.ID || my.State != StateConfirmed {
		t.Fatalf("after rebooking: %+v", my)
	}
	staff, _ := h.s.StaffBookings(start, start.Add(30*24*time.Hour))
	if len(staff) != 1 || staff[0].Meeting.SlotID != next.ID || staff[0].Rebookings != 1 {
		t.Fatalf("staff: %+v", staff)
	}
	// The released slot can be booked by someone else at once.
	in = h.input(old.ID)
	in.Applicant.Personnummer = pnOther
	if _, _, err := h.s.Book(in); err != nil {
		t.Fatalf("booking the old slot: %v", err)
	}

	// Late: the fee, and the terms say so first.
	again := h.publish(t, 123*time.Hour, FormParterapi, "Anna")
	h.clock.Set(next.Start.Add(-time.Hour))
	terms, err = h.s.RebookTerms(b.ID, pnApplicant, again.ID, h.clock.Now())
	if err != nil || !terms.Fee {
		t.Fatalf("late terms: %+v %v", terms, err)
	}
	_, err = h.s.Rebook(b.ID, pnApplicant, again.ID, false)
	wantErr(t, err, ErrFeeNotAccepted)
	ch, err = h.s.Rebook(b.ID, pnApplicant, again.ID, true)
	if err != nil || !ch.Fee {
		t.Fatalf("late rebooking: %+v %v", ch, err)
	}
	fees, _ := h.s.FeeList(start, start.Add(30*24*time.Hour))
	if len(fees) != 1 || fees[0].Kind != FeeRebooked || fees[0].Meeting.SlotID != next.ID || fees[0].Personnummer != pnApplicant {
		t.Fatalf("fees: %+v", fees)
	}

	h.deliver(t)
	msgs := h.mailer.To(coEmail)
	last := msgs[len(msgs)-1].Text
	if !strings.Contains(last, "ombokad") || !strings.Contains(last, "Tidigare tid") || !strings.Contains(last, "200 kronor") {
		t.Fatalf("rebooking receipt:\n%s", last)
	}
	c := h.counts(t)
	if c["2026-06|parterapi|rebooked"] != 2 || c["2026-06|parterapi|fee"] != 1 {
		t.Fatalf("counts: %v", c)
	}
}

func TestStaffCancel(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b := h.confirmed(t, sl.ID)
	ch, err := h.s.StaffCancel(b.ID, "staff1", true)
	if err != nil || !ch.Fee {
		t.Fatalf("staff cancel: %+v %v", ch, err)
	}
	if h.slotState(t, sl.ID) != SlotFree {
		t.Fatal("slot not released")
	}
	fees, _ := h.s.FeeList(start, start.Add(30*24*time.Hour))
	if len(fees) != 1 || fees[0].Personnummer != pnApplicant {
		t.Fatalf("fees: %+v", fees)
	}
	_, err = h.s.StaffCancel(b.ID, "staff1", false)
	wantErr(t, err, ErrNotChangeable)
	_, err = h.s.StaffCancel("FR-NONE", "staff1", false)
	wantErr(t, err, ErrBookingNotFound)
}
