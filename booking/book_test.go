package booking

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBook_Validation(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	tests := []struct {
		name  string
		edit  func(*BookInput)
		field string
	}{
		{"no name", func(in *BookInput) { in.Contact.Name = " " }, FieldName},
		{"long name", func(in *BookInput) { in.Contact.Name = strings.Repeat("a", MaxName+1) }, FieldName},
		{"control in name", func(in *BookInput) { in.Contact.Name = "Testa\x1b[31m" }, FieldName},
		{"no address", func(in *BookInput) { in.Contact.Address = "" }, FieldAddress},
		{"long address", func(in *BookInput) { in.Contact.Address = strings.Repeat("a", MaxAddress+1) }, FieldAddress},
		{"no email", func(in *BookInput) { in.Contact.Email = "" }, FieldEmail},
		{"bad email", func(in *BookInput) { in.Contact.Email = "sokande@example" }, FieldEmail},
		{"display name", func(in *BookInput) { in.Contact.Email = "Testa <t@example.se>" }, FieldEmail},
		{"no mobile", func(in *BookInput) { in.Contact.Mobile = "" }, FieldMobile},
		{"landline", func(in *BookInput) { in.Contact.Mobile = "063-14 46 00" }, FieldMobile},
		{"letters", func(in *BookInput) { in.Contact.Mobile = "070-ABC" }, FieldMobile},
		{"no co email", func(in *BookInput) { in.CoApplicantEmail = "" }, FieldCoApplicantEmail},
		{"bad co email", func(in *BookInput) { in.CoApplicantEmail = "medsokande.example.se" }, FieldCoApplicantEmail},
		{"bad personnummer", func(in *BookInput) { in.Applicant.Personnummer = "198707049996" }, FieldPersonnummer},
		{"no e-ID name", func(in *BookInput) { in.Applicant.Name = "" }, FieldIdentityName},
		{"no signature", func(in *BookInput) { in.Proof.Signature = "" }, FieldSignature},
		{"no ocsp", func(in *BookInput) { in.Proof.OCSP = "" }, FieldSignature},
		{"signed in the future", func(in *BookInput) { in.Proof.SignedAt = h.clock.Now().Add(time.Hour) }, FieldSignature},
	}
	for _, tt := range tests {
		in := h.input(sl.ID)
		tt.edit(&in)
		_, _, err := h.s.Book(in)
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want FieldErrors", tt.name, err)
			continue
		}
		m, ok := fe[tt.field]
		if len(fe) != 1 || !ok || m.Sv == "" || m.En == "" {
			t.Errorf("%s: %v, want one error for %s with both texts", tt.name, fe, tt.field)
		}
		if strings.Contains(fe.Error(), "@") || strings.Contains(m.Sv+m.En, pnApplicant[2:]) {
			t.Errorf("%s: the error repeats the input: %v", tt.name, m)
		}
	}
	if h.slotState(t, sl.ID) != SlotFree {
		t.Fatal("an invalid booking held the slot")
	}
	if n, _ := h.s.PendingMail(); n != 0 {
		t.Fatalf("an invalid booking queued %d mails", n)
	}

	// Unknown and past slots.
	_, _, err := h.s.Book(h.input("T-NOSUCHSLOT"))
	wantErr(t, err, ErrSlotNotFound)
	soon := h.publish(t, time.Hour, FormEngangssamtal, "Bertil")
	h.clock.Advance(time.Hour)
	_, _, err = h.s.Book(h.input(soon.ID))
	wantErr(t, err, ErrSlotPast)
}

func TestNormalizeMobile(t *testing.T) {
	for in, want := range map[string]string{
		"070-123 45 67":      "+46701234567",
		"0701234567":         "+46701234567",
		"+46 70 123 45 67":   "+46701234567",
		"+46 (0)70-123 4567": "+46701234567",
		"0046701234567":      "+46701234567",
		"+47 412 34 567":     "+4741234567",
		"063-14 46 00":       "",
		"+46 63 144600":      "",
		"070123456":          "",
		"07012345678":        "",
		"+0701234567":        "",
		"070 123 45 67 ext":  "",
	} {
		got, ok := normalizeMobile(in)
		if got != want || ok != (want != "") {
			t.Errorf("normalizeMobile(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

// Exactly one booking per slot, whatever the timing.
func TestBook_OneWinnerAmongHundred(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")

	const n = 100
	type result struct {
		b   Booking
		tok string
		err error
	}
	results := make(chan result, n)
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := h.input(sl.ID)
			in.Contact.Name = fmt.Sprintf("Sökande %d", i)
			ready.Done()
			<-gate
			b, tok, err := h.s.Book(in)
			results <- result{b, tok, err}
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	close(results)

	var winners []result
	taken := 0
	for r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, r)
		case errors.Is(r.err, ErrSlotTaken):
			taken++
		default:
			t.Errorf("unexpected error: %v", r.err)
		}
	}
	if len(winners) != 1 || taken != n-1 {
		t.Fatalf("%d bookings succeeded and %d got ErrSlotTaken, want 1 and %d", len(winners), taken, n-1)
	}
	w := winners[0]
	if w.b.State != StateAwaitingCosign || w.tok == "" || h.slotState(t, sl.ID) != SlotHeld {
		t.Fatalf("winner %s state %s, slot %s", w.b.ID, w.b.State, h.slotState(t, sl.ID))
	}
	// One booking stored, one set of mails queued (invitation + receipt).
	if list, _ := h.s.BookingsFor(pnApplicant); len(list) != 1 {
		t.Fatalf("%d bookings stored", len(list))
	}
	if n, _ := h.s.PendingMail(); n != 2 {
		t.Fatalf("%d mails queued, want 2", n)
	}

	// Released, the slot is bookable again at once: no job has to run.
	if err := h.s.Decline(w.tok); err != nil {
		t.Fatal(err)
	}
	if st := h.slotState(t, sl.ID); st != SlotFree {
		t.Fatalf("after decline the slot is %s", st)
	}
	if free, _ := h.s.FreeSlots(FormParterapi, h.clock.Now(), h.clock.Now().Add(96*time.Hour)); len(free) != 1 || free[0].ID != sl.ID {
		t.Fatalf("the released slot is not offered: %+v", free)
	}
	again, _, err := h.s.Book(h.input(sl.ID))
	if err != nil {
		t.Fatalf("booking the released slot: %v", err)
	}
	if again.ID == w.b.ID {
		t.Fatal("the new booking reuses the old id")
	}
}

func TestCoSign_Confirms(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna Andersson")
	b, tok := h.book(t, sl.ID)
	if !b.HoldUntil.Equal(h.clock.Now().Add(24*time.Hour)) || b.Applicant.Contact.Mobile != "+46701234567" {
		t.Fatalf("booking: hold %v mobile %q", b.HoldUntil, b.Applicant.Contact.Mobile)
	}
	if b.Applicant.Personnummer != pnApplicant {
		t.Fatal("personnummer not stored in 12 digits")
	}

	// Until the co-applicant signs, staff see nothing of it.
	if list, _ := h.s.StaffBookings(h.clock.Now(), h.clock.Now().Add(30*24*time.Hour)); len(list) != 0 {
		t.Fatalf("staff see an unsigned booking: %d", len(list))
	}
	_, _, err := h.s.Signatures(b.ID)
	wantErr(t, err, ErrBookingNotFound)

	inv, err := h.s.Invitation(tok)
	if err != nil {
		t.Fatal(err)
	}
	if inv.BookingID != b.ID || inv.ApplicantName != applicantEidName || inv.Meeting.SlotID != sl.ID || !inv.HoldUntil.Equal(b.HoldUntil) {
		t.Fatalf("invitation: %+v", inv)
	}

	h.deliver(t) // the invitation goes out
	h.clock.Advance(3 * time.Hour)
	mine, err := h.s.CoSign(tok, Identity{Personnummer: "19901211-9948", Name: coName}, h.proof())
	if err != nil {
		t.Fatal(err)
	}
	if mine.State != StateConfirmed || mine.Role != RoleCoApplicant || mine.You.Personnummer != pnCo ||
		mine.OtherName != applicantEidName || mine.You.Contact != nil || !mine.CanCancel || !mine.CanRebook {
		t.Fatalf("co-applicant's view: %+v", mine)
	}

	// The token is used up: one error for every kind of bad link.
	for _, bad := range []string{tok, "", "nonsense", strings.Repeat("A", 43), tok[:42] + "x"} {
		_, err := h.s.Invitation(bad)
		wantErr(t, err, ErrInvitationInvalid)
		_, err = h.s.CoSign(bad, Identity{Personnummer: pnOther, Name: "X"}, h.proof())
		wantErr(t, err, ErrInvitationInvalid)
		wantErr(t, h.s.Decline(bad), ErrInvitationInvalid)
	}

	if st := h.slotState(t, sl.ID); st != SlotBooked {
		t.Fatalf("slot %s", st)
	}
	staff, err := h.s.StaffBookings(h.clock.Now(), h.clock.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(staff) != 1 || staff[0].ID != b.ID || staff[0].CoApplicant == nil || staff[0].CoApplicant.Name != coName ||
		staff[0].Applicant.Contact == nil || staff[0].Applicant.Contact.Address != "Provgatan 17\n831 30 Östersund" {
		t.Fatalf("staff bookings: %+v", staff)
	}
	ap, co, err := h.s.Signatures(b.ID)
	if err != nil || ap.Signature != signatureText || co.OCSP != ocspText {
		t.Fatalf("signatures: %v", err)
	}

	// Both find it on Mina sidor; neither sees the other's number.
	app := h.myBooking(t, pnApplicant, b.ID)
	if app.Role != RoleApplicant || app.OtherName != coName || app.You.Contact == nil || app.State != StateConfirmed {
		t.Fatalf("applicant's view: %+v", app)
	}
	if list, _ := h.s.BookingsFor(pnOther); len(list) != 0 {
		t.Fatal("a stranger sees the booking")
	}
	_, err = h.s.BookingsFor("12345")
	wantErr(t, err, ErrIdentity)

	// Mail: invitation with link to the co-applicant, receipt to the
	// applicant, then the confirmation to each.
	h.deliver(t)
	coMail := h.mailer.To(coEmail)
	appMail := h.mailer.To(applicantEmail)
	if len(coMail) != 2 || len(appMail) != 2 {
		t.Fatalf("mails: %d to the co-applicant, %d to the applicant", len(coMail), len(appMail))
	}
	if !strings.Contains(coMail[0].Text, baseURL+"/boka/medsokande?t="+tok) {
		t.Fatalf("the invitation lacks the link:\n%s", coMail[0].Text)
	}
	if strings.Contains(appMail[0].Text, tok) {
		t.Fatal("the applicant's receipt contains the co-applicant's token")
	}
	for _, m := range []string{coMail[1].Text, appMail[1].Text} {
		if !strings.Contains(m, ConfirmationPhrase) || !strings.Contains(m, "fredag 5 juni 2026 kl. 09.00–10.00") ||
			!strings.Contains(m, "Friday 5 June 2026 at 09:00–10:00") {
			t.Fatalf("confirmation:\n%s", m)
		}
	}
	for _, m := range []string{coMail[0].Text, appMail[0].Text} {
		if strings.Contains(m, ConfirmationPhrase) {
			t.Fatalf("a mail before both signed contains the confirmation phrase:\n%s", m)
		}
	}
	c := h.counts(t)
	if c["2026-06|parterapi|requested"] != 1 || c["2026-06|parterapi|confirmed"] != 1 {
		t.Fatalf("counts: %v", c)
	}
}

func TestCoSign_SamePerson(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormEngangssamtal, "Anna")
	b, tok := h.book(t, sl.ID)
	_, err := h.s.CoSign(tok, Identity{Personnummer: "900101-9802", Name: "Vem Som Helst"}, h.proof())
	// 900101-9802 is 19900101-9802, not the applicant: allowed.
	if err != nil {
		t.Fatalf("a different person: %v", err)
	}
	_ = b

	sl2 := h.publish(t, 96*time.Hour, FormEngangssamtal, "Anna")
	b2, tok2 := h.book(t, sl2.ID)
	_, err = h.s.CoSign(tok2, Identity{Personnummer: "18900101-9802", Name: applicantEidName}, h.proof())
	wantErr(t, err, ErrSamePerson)
	if !strings.Contains(ErrSamePerson.Sv, "avbokats") || !strings.Contains(ErrSamePerson.En, "cancelled") {
		t.Fatal("the message does not say the time was cancelled")
	}
	my := h.myBooking(t, pnApplicant, b2.ID)
	if my.State != StateRefusedSamePerson || my.CanCancel || my.EndedAt.IsZero() {
		t.Fatalf("after same person: %+v", my)
	}
	if st := h.slotState(t, sl2.ID); st != SlotFree {
		t.Fatalf("slot %s after same person", st)
	}
	_, err = h.s.Invitation(tok2)
	wantErr(t, err, ErrInvitationInvalid)

	h.deliver(t)
	var told bool
	for _, m := range h.mailer.To(applicantEmail) {
		told = told || strings.Contains(m.Text, "Samma person stod som både sökande och medsökande")
	}
	if !told {
		t.Fatal("the applicant was not told")
	}
	if h.counts(t)["2026-06|engangssamtal|refused_same_person"] != 1 {
		t.Fatalf("counts: %v", h.counts(t))
	}
}

func TestDecline(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b, tok := h.book(t, sl.ID)
	h.deliver(t)
	if err := h.s.Decline(tok); err != nil {
		t.Fatal(err)
	}
	wantErr(t, h.s.Decline(tok), ErrInvitationInvalid)
	if my := h.myBooking(t, pnApplicant, b.ID); my.State != StateDeclined {
		t.Fatalf("state %s", my.State)
	}
	h.deliver(t)
	msgs := h.mailer.To(applicantEmail)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "Medsökande har tackat nej") || !strings.Contains(msgs[1].Text, baseURL+"/boka") {
		t.Fatalf("applicant's mails: %d", len(msgs))
	}
	if len(h.mailer.To(coEmail)) != 1 {
		t.Fatal("the co-applicant got more than the invitation")
	}
}

func TestExpireHolds(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	sl2 := h.publish(t, 96*time.Hour, FormParterapi, "Anna")
	b, tok := h.book(t, sl.ID)
	b2, tok2 := h.book(t, sl2.ID)

	h.clock.Advance(24*time.Hour - time.Second)
	if n, err := h.s.ExpireHolds(); err != nil || n != 0 {
		t.Fatalf("ExpireHolds before the deadline: %d %v", n, err)
	}
	if _, err := h.s.Invitation(tok); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second)

	// At the deadline, before any job runs, the hold no longer counts.
	if st := h.slotState(t, sl.ID); st != SlotFree {
		t.Fatalf("slot %s at the deadline", st)
	}
	_, err := h.s.Invitation(tok)
	wantErr(t, err, ErrInvitationInvalid)
	_, err = h.s.CoSign(tok, Identity{Personnummer: pnCo, Name: coName}, h.proof())
	wantErr(t, err, ErrInvitationInvalid) // and it expired the booking on the way
	if my := h.myBooking(t, pnApplicant, b.ID); my.State != StateExpired || !my.EndedAt.Equal(b.HoldUntil) {
		t.Fatalf("after a late co-sign: %+v", my)
	}
	if my := h.myBooking(t, pnApplicant, b2.ID); my.State != StateExpired || my.CanCancel {
		t.Fatalf("read-time view of an expired hold: %+v", my)
	}

	// Someone else books the second slot: the stale hold is released on the way.
	in := h.input(sl2.ID)
	in.Applicant.Personnummer = pnOther
	if _, _, err := h.s.Book(in); err != nil {
		t.Fatalf("booking a slot whose hold ran out: %v", err)
	}
	_, err = h.s.CoSign(tok2, Identity{Personnummer: pnCo, Name: coName}, h.proof())
	wantErr(t, err, ErrInvitationInvalid)

	if n, err := h.s.ExpireHolds(); err != nil || n != 0 {
		t.Fatalf("ExpireHolds after both were released inline: %d %v", n, err)
	}
	h.deliver(t)
	expired := 0
	for _, m := range h.mailer.To(applicantEmail) {
		if strings.Contains(m.Text, "Medsökande signerade inte bokningen i tid") {
			expired++
		}
	}
	if expired != 2 {
		t.Fatalf("%d expiry mails, want 2", expired)
	}
	if h.counts(t)["2026-06|parterapi|expired"] != 2 {
		t.Fatalf("counts: %v", h.counts(t))
	}
}

func TestExpireHolds_Job(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for i := range 3 {
		sl := h.publish(t, time.Duration(72+i)*time.Hour, FormParterapi, "Anna")
		b, _ := h.book(t, sl.ID)
		ids = append(ids, b.ID)
		h.clock.Advance(time.Hour)
	}
	h.clock.Advance(21 * time.Hour) // the first hold's deadline
	if n, err := h.s.ExpireHolds(); err != nil || n != 1 {
		t.Fatalf("ExpireHolds: %d %v", n, err)
	}
	h.clock.Advance(2 * time.Hour)
	if n, err := h.s.ExpireHolds(); err != nil || n != 2 {
		t.Fatalf("ExpireHolds: %d %v", n, err)
	}
	for _, id := range ids {
		if my := h.myBooking(t, pnApplicant, id); my.State != StateExpired {
			t.Fatalf("%s: %s", id, my.State)
		}
	}
}

// A slot starting sooner than HoldFor is held until it starts, not longer.
func TestBook_HoldEndsAtMeeting(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 5*time.Hour, FormEngangssamtal, "Anna")
	b, _ := h.book(t, sl.ID)
	if !b.HoldUntil.Equal(sl.Start) {
		t.Fatalf("hold until %v, meeting %v", b.HoldUntil, sl.Start)
	}
}
