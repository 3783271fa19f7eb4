package booking

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestUserMessage(t *testing.T) {
	if got := UserMessage(fmt.Errorf("wrapped: %w", ErrSlotTaken), "en"); got != ErrSlotTaken.En {
		t.Fatalf("en: %q", got)
	}
	if got := UserMessage(ErrSlotTaken, "sv"); got != ErrSlotTaken.Sv {
		t.Fatalf("sv: %q", got)
	}
	if got := UserMessage(FieldErrors{FieldEmail: {Sv: "a", En: "b"}}, "sv"); !strings.Contains(got, "rättas") {
		t.Fatalf("field errors: %q", got)
	}
	if got := UserMessage(errors.New("disk full"), "en"); !strings.Contains(got, "Nothing was changed") {
		t.Fatalf("other: %q", got)
	}
	if !errors.Is(feeError(300, 72), ErrFeeNotAccepted) || errors.Is(ErrSlotTaken, ErrSlotPast) {
		t.Fatal("errors.Is compares codes")
	}
	if fe := (FieldErrors{FieldMobile: {}, FieldEmail: {}}); fe.Error() != "booking: invalid email, mobile" {
		t.Fatalf("FieldErrors.Error: %q", fe.Error())
	}
	for _, e := range []*Error{ErrSlotNotFound, ErrSlotTaken, ErrSlotPast, ErrSlotNotFree, ErrSlotOverlap,
		ErrInvitationInvalid, ErrSamePerson, ErrBookingNotFound, ErrNotChangeable, ErrNotConfirmed,
		ErrMeetingPassed, ErrSameSlot, ErrOtherForm, ErrFeeNotAccepted, ErrIdentity} {
		if e.Code == "" || e.Sv == "" || e.En == "" || e.Message("en") != e.En || e.Message("sv") != e.Sv {
			t.Errorf("%+v lacks a code or a text", e)
		}
	}
}

// Printing any of the types that carry personal data shows a placeholder.
func TestRedaction(t *testing.T) {
	h := newHarness(t)
	in := h.input("T-X")
	party := Party{Personnummer: pnApplicant, Name: applicantName}
	b := Booking{Applicant: party, CoApplicantEmail: coEmail}
	for _, v := range []any{in, in.Applicant, in.Contact, party, b, MyBooking{You: party, CoApplicantEmail: coEmail},
		Fee{Personnummer: pnApplicant}, InvitationView{ApplicantName: applicantName}} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(f, v)
			for _, p := range personalStrings {
				if strings.Contains(out, p) {
					t.Fatalf("%s of %T shows %q: %s", f, v, p, out)
				}
			}
		}
	}
}

func TestLabels(t *testing.T) {
	for _, s := range []State{StateAwaitingCosign, StateConfirmed, StateCancelled, StateDeclined, StateExpired, StateRefusedSamePerson} {
		if s.Label("sv") == string(s) || s.Label("en") == string(s) || s.Label("sv") == s.Label("en") {
			t.Errorf("label of %s", s)
		}
	}
	for _, f := range []Form{FormEngangssamtal, FormParterapi} {
		if !f.Valid() || f.Label("sv") == string(f) {
			t.Errorf("form %s", f)
		}
	}
	for _, p := range []Place{PlaceOstersund, PlaceVideo} {
		if !p.Valid() || p.Label("en") == string(p) {
			t.Errorf("place %s", p)
		}
	}
	if (Slot{Start: start, Minutes: 45}).End() != start.Add(45*time.Minute) {
		t.Error("Slot.End")
	}
}

// A couple sharing one mailbox gets one mail per change, not two.
func TestMail_SharedAddress(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	in := h.input(sl.ID)
	in.CoApplicantEmail = strings.ToUpper(applicantEmail)
	_, tok, err := h.s.Book(in)
	if err != nil {
		t.Fatal(err)
	}
	h.deliver(t)
	if _, err := h.s.CoSign(tok, Identity{Personnummer: pnCo, Name: coName}, h.proof()); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)
	confirmations := 0
	for _, m := range h.mailer.Messages() {
		if strings.Contains(m.Text, ConfirmationPhrase) {
			confirmations++
		}
	}
	if confirmations != 1 {
		t.Fatalf("%d confirmations to one shared address", confirmations)
	}
}
