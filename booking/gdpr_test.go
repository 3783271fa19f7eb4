package booking

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCorrectContact_ApplicantAndCoApplicant(t *testing.T) {
	h := newHarness(t)
	b1 := h.confirmed(t, h.publish(t, 72*time.Hour, FormParterapi, "Karin").ID)
	b2, _ := h.book(t, h.publish(t, 96*time.Hour, FormParterapi, "Karin").ID) // awaiting the co-applicant
	other, _, err := h.s.Book(BookInput{SlotID: h.publish(t, 120*time.Hour, FormParterapi, "Karin").ID,
		Applicant:        Identity{Personnummer: pnOther, Name: "Annan Person"},
		Contact:          Contact{Name: "Annan Person", Address: "Annangatan 1\n831 31 Östersund", Email: "annan@example.se", Mobile: "0701112233"},
		CoApplicantEmail: "x@example.se", Proof: h.proof()})
	if err != nil {
		t.Fatal(err)
	}

	n, err := h.s.CorrectContact(pnApplicant, " ny.adress@example.se ", "+46 70 999 88 77", "")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d bookings changed, want 2", n)
	}
	for _, id := range []string{b1.ID, b2.ID} {
		my := h.myBooking(t, pnApplicant, id)
		c := my.You.Contact
		if c == nil || c.Email != "ny.adress@example.se" || c.Mobile != "+46709998877" || c.Address != applicantAddress || c.Name != applicantName {
			t.Fatalf("%s after the correction: %+v", id, c)
		}
	}
	if c := h.myBooking(t, pnOther, other.ID).You.Contact; c.Email != "annan@example.se" || c.Mobile != "+46701112233" {
		t.Fatalf("another person's booking changed: %+v", c)
	}
	// The same again changes nothing.
	if n, err := h.s.CorrectContact(pnApplicant, "ny.adress@example.se", "", ""); err != nil || n != 0 {
		t.Fatalf("repeat: %d, %v", n, err)
	}
	// Mails of the booking go to the new address.
	if _, err := h.s.Cancel(b2.ID, pnApplicant, false); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)
	if len(h.mailer.To("ny.adress@example.se")) == 0 {
		t.Fatal("no mail to the corrected address")
	}

	// The co-applicant corrects their e-mail: where the booking's mails to them go.
	n, err = h.s.CorrectContact(pnCo, "medsokande.ny@example.se", "", "Nygatan 2\n831 32 Östersund")
	if err != nil || n != 1 {
		t.Fatalf("co-applicant: %d, %v", n, err)
	}
	my := h.myBooking(t, pnApplicant, b1.ID)
	if my.CoApplicantEmail != "medsokande.ny@example.se" || my.You.Contact.Address != applicantAddress {
		t.Fatalf("after the co-applicant's correction: %q %+v", my.CoApplicantEmail, my.You.Contact)
	}

	if logs := h.logs.String(); strings.Count(logs, "booking contact corrected") != 3 || !strings.Contains(logs, b1.ID) ||
		strings.Contains(logs, "ny.adress") || strings.Contains(logs, "Nygatan") {
		t.Fatalf("the log of the corrections:\n%s", logs)
	}
}

func TestCorrectContact_Invalid(t *testing.T) {
	h := newHarness(t)
	b := h.confirmed(t, h.publish(t, 72*time.Hour, FormParterapi, "Karin").ID)

	_, err := h.s.CorrectContact(pnApplicant, "inte-en-adress", "12345", "rad\x00ett")
	var fe FieldErrors
	if !errors.As(err, &fe) || len(fe) != 3 || fe[FieldEmail].Sv == "" || fe[FieldMobile].En == "" || fe[FieldAddress].Sv == "" {
		t.Fatalf("error = %v (%#v)", err, fe)
	}
	if errorStatus(err) != 422 || errorBody(err, "en")["fields"].(map[string]string)["mobile"] == "" {
		t.Fatalf("HTTP form of the field errors: %d %v", errorStatus(err), errorBody(err, "en"))
	}
	_, err = h.s.CorrectContact(pnApplicant, " ", "", "")
	wantErr(t, err, ErrNothingToCorrect)
	_, err = h.s.CorrectContact("12345", "a@example.se", "", "")
	wantErr(t, err, ErrIdentity)
	if c := h.myBooking(t, pnApplicant, b.ID).You.Contact; c.Email != applicantEmail || c.Mobile != "+46701234567" {
		t.Fatalf("changed after invalid input: %+v", c)
	}
	if _, err := CheckContact("a@example.se", "070-123 45 67", "Gata 1"); err != nil {
		t.Fatalf("CheckContact of valid details: %v", err)
	}

	// A person without bookings: nothing to change, no error.
	if n, err := h.s.CorrectContact(pnOther, "a@example.se", "", ""); n != 0 || err != nil {
		t.Fatalf("no bookings: %d, %v", n, err)
	}
}

func TestCorrectContact_SkipsBookingsDueForPurge(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Karin")
	b := h.confirmed(t, sl.ID)
	h.clock.Set(sl.Start.Add(time.Hour + DefaultRetainFor)) // the purge has not run yet
	if n, err := h.s.CorrectContact(pnApplicant, "sent@example.se", "", ""); err != nil || n != 0 {
		t.Fatalf("%d, %v", n, err)
	}
	if c := h.myBooking(t, pnApplicant, b.ID).You.Contact; c.Email != applicantEmail {
		t.Fatalf("a booking due for the purge was changed: %+v", c)
	}
}

func TestKeepReason(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Karin")
	b := h.confirmed(t, sl.ID)
	meetingEnd := sl.Start.Add(time.Hour)

	// Upcoming: cancel first.
	until, why := h.s.KeepReason(h.myBooking(t, pnApplicant, b.ID), h.clock.Now())
	if !until.Equal(meetingEnd.Add(DefaultRetainFor)) ||
		why.Sv != "Bokningen gäller ett kommande möte. Avboka den först; uppgifterna raderas sedan 30 dagar efter avbokningen." ||
		!strings.Contains(why.En, "upcoming meeting") {
		t.Fatalf("upcoming: %v %+v", until, why)
	}

	// Past: kept 30 days after the meeting (2026-06-05 10:00 Swedish time + 30 days).
	h.clock.Set(meetingEnd.Add(time.Hour))
	until, why = h.s.KeepReason(h.myBooking(t, pnApplicant, b.ID), h.clock.Now())
	if !until.Equal(meetingEnd.Add(DefaultRetainFor)) ||
		why.Sv != "Uppgifterna sparas i 30 dagar efter mötet för eventuella avgifter och frågor, och raderas automatiskt den 5 juli 2026." ||
		why.En != "The details are kept for 30 days after the meeting for any fees and questions, and are deleted automatically on 5 July 2026." {
		t.Fatalf("past: %v %+v", until, why)
	}

	// Cancelled: 30 days after the cancellation.
	h2 := newHarness(t)
	sl2 := h2.publish(t, 96*time.Hour, FormEngangssamtal, "Olle")
	b2 := h2.confirmed(t, sl2.ID)
	h2.clock.Advance(2 * time.Hour)
	if _, err := h2.s.Cancel(b2.ID, pnCo, false); err != nil {
		t.Fatal(err)
	}
	cancelledAt := h2.clock.Now()
	until, why = h2.s.KeepReason(h2.myBooking(t, pnCo, b2.ID), h2.clock.Now())
	if !until.Equal(cancelledAt.Add(DefaultRetainFor)) || !strings.Contains(why.Sv, "30 dagar efter avbokningen") ||
		!strings.Contains(why.Sv, "raderas automatiskt den 2 juli 2026") || !strings.Contains(why.En, "deleted automatically on 2 July 2026") {
		t.Fatalf("cancelled: %v %+v", until, why)
	}

	// A hold past its deadline reads as ended.
	h3 := newHarness(t)
	sl3 := h3.publish(t, 72*time.Hour, FormParterapi, "Karin")
	b3, _ := h3.book(t, sl3.ID)
	my := h3.myBooking(t, pnApplicant, b3.ID)
	h3.clock.Set(my.HoldUntil.Add(time.Minute))
	until, why = h3.s.KeepReason(my, h3.clock.Now())
	if !until.Equal(my.HoldUntil.Add(DefaultRetainFor)) || !strings.Contains(why.Sv, "efter att bokningen avslutades") {
		t.Fatalf("expired hold: %v %+v", until, why)
	}
}
