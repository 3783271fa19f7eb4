package booking

import (
	"errors"
	"testing"
	"time"
)

func TestOpen_RequiresSecretAndBaseURL(t *testing.T) {
	h := newHarness(t)
	for _, o := range []Options{
		{Secret: []byte("short"), BaseURL: baseURL},
		{Secret: testSecret},
		{Secret: testSecret, BaseURL: "etjanster.example.se"},
		{Secret: testSecret, BaseURL: "https://x.example.se/?a=b"},
	} {
		if _, err := Open(h.db, o); err == nil {
			t.Errorf("Open accepted %q / %d-byte secret", o.BaseURL, len(o.Secret))
		}
	}
}

func TestPublishSlot_Validation(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	tests := []struct {
		name   string
		in     SlotInput
		by     string
		fields []string
	}{
		{"past", SlotInput{Start: now.Add(-time.Hour), Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldStart}},
		{"now", SlotInput{Start: now, Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldStart}},
		{"zero start", SlotInput{Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldStart}},
		{"too far", SlotInput{Start: now.Add(MaxAhead + time.Hour), Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldStart}},
		{"too short", SlotInput{Start: now.Add(time.Hour), Minutes: 29, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldMinutes}},
		{"too long", SlotInput{Start: now.Add(time.Hour), Minutes: 181, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldMinutes}},
		{"form", SlotInput{Start: now.Add(time.Hour), Minutes: 60, Form: "gruppsamtal", Place: PlaceVideo, Counselor: "Anna"}, "staff1", []string{FieldForm}},
		{"place", SlotInput{Start: now.Add(time.Hour), Minutes: 60, Form: FormParterapi, Place: "stockholm", Counselor: "Anna"}, "staff1", []string{FieldPlace}},
		{"counselor", SlotInput{Start: now.Add(time.Hour), Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "  "}, "staff1", []string{FieldCounselor}},
		{"control char", SlotInput{Start: now.Add(time.Hour), Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "An\x00na"}, "staff1", []string{FieldCounselor}},
		{"by", SlotInput{Start: now.Add(time.Hour), Minutes: 60, Form: FormParterapi, Place: PlaceVideo, Counselor: "Anna"}, "", []string{FieldBy}},
		{"all", SlotInput{}, "", []string{FieldStart, FieldMinutes, FieldForm, FieldPlace, FieldCounselor, FieldBy}},
	}
	for _, tt := range tests {
		_, err := h.s.PublishSlot(tt.in, tt.by)
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want FieldErrors", tt.name, err)
			continue
		}
		if len(fe) != len(tt.fields) {
			t.Errorf("%s: fields %v, want %v", tt.name, fe, tt.fields)
		}
		for _, f := range tt.fields {
			if m, ok := fe[f]; !ok || m.Sv == "" || m.En == "" {
				t.Errorf("%s: no Swedish and English message for %s: %v", tt.name, f, fe)
			}
		}
	}
	if sl, err := h.s.ListSlots(now.Add(-48*time.Hour), now.Add(MaxAhead*2), SlotFilter{}); err != nil || len(sl) != 0 {
		t.Fatalf("invalid slots were stored: %v %v", sl, err)
	}
}

func TestPublishSlot_Overlap(t *testing.T) {
	h := newHarness(t)
	at := h.clock.Now().Add(72 * time.Hour)
	pub := func(start time.Time, minutes int, counselor string) error {
		_, err := h.s.PublishSlot(SlotInput{Start: start, Minutes: minutes, Form: FormParterapi, Place: PlaceOstersund,
			Counselor: counselor}, "staff1")
		return err
	}
	if err := pub(at, 60, "Anna Andersson"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, pub(at.Add(30*time.Minute), 60, "anna  andersson"), ErrSlotOverlap) // same person, other spelling
	wantErr(t, pub(at.Add(-90*time.Minute), 120, "Anna Andersson"), ErrSlotOverlap)
	wantErr(t, pub(at.Add(-3*time.Hour+time.Minute), 180, "Anna Andersson"), ErrSlotOverlap)
	if err := pub(at, 60, "Bertil Berg"); err != nil { // another counsellor, same time
		t.Fatal(err)
	}
	if err := pub(at.Add(time.Hour), 60, "Anna Andersson"); err != nil { // starts as the first ends
		t.Fatal(err)
	}
	if err := pub(at.Add(-3*time.Hour), 180, "Anna Andersson"); err != nil { // ends as the first starts
		t.Fatal(err)
	}
}

func TestSlots_ViewsAndDelete(t *testing.T) {
	h := newHarness(t)
	now := h.clock.Now()
	free := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	held := h.publish(t, 73*time.Hour, FormParterapi, "Anna")
	booked := h.publish(t, 74*time.Hour, FormEngangssamtal, "Anna")
	soon := h.publish(t, time.Hour, FormEngangssamtal, "Bertil")

	h.book(t, held.ID)
	b := h.confirmed(t, booked.ID)

	all, err := h.s.ListSlots(now, now.Add(30*24*time.Hour), SlotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].ID != soon.ID || all[1].ID != free.ID || all[2].ID != held.ID || all[3].ID != booked.ID {
		t.Fatalf("staff list, by time: %+v", all)
	}
	if all[1].State != SlotFree || all[2].State != SlotHeld || all[3].State != SlotBooked {
		t.Fatalf("states: %s %s %s", all[1].State, all[2].State, all[3].State)
	}
	if all[2].BookingID != "" {
		t.Fatal("a held slot shows its booking to staff before the co-applicant signed")
	}
	if all[2].State.Label("sv") != "Reserverad – väntar på medsökandes signering" || all[2].State.Label("en") != "Reserved, waiting for co-signing" {
		t.Fatalf("held label: %q / %q", all[2].State.Label("sv"), all[2].State.Label("en"))
	}
	if all[3].BookingID != b.ID || all[0].PublishedBy != "staff1" {
		t.Fatalf("booked slot: %+v", all[3])
	}
	if got, _ := h.s.ListSlots(now, now.Add(30*24*time.Hour), SlotFilter{State: SlotHeld}); len(got) != 1 || got[0].ID != held.ID {
		t.Fatalf("filter held: %+v", got)
	}
	if got, _ := h.s.ListSlots(now, now.Add(30*24*time.Hour), SlotFilter{Counselor: "bertil", Form: FormEngangssamtal}); len(got) != 1 || got[0].ID != soon.ID {
		t.Fatalf("filter counsellor and form: %+v", got)
	}

	citizen, err := h.s.FreeSlots("", now.Add(-time.Hour), now.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(citizen) != 2 || citizen[0].ID != soon.ID || citizen[1].ID != free.ID {
		t.Fatalf("free slots: %+v", citizen)
	}
	if citizen[0].PublishedBy != "" || citizen[0].BookingID != "" {
		t.Fatal("citizens see staff data")
	}
	if got, _ := h.s.FreeSlots(FormParterapi, now, now.Add(30*24*time.Hour)); len(got) != 1 || got[0].ID != free.ID {
		t.Fatalf("free couple-therapy slots: %+v", got)
	}
	h.clock.Advance(2 * time.Hour) // "soon" has passed
	if got, _ := h.s.FreeSlots(FormEngangssamtal, now, now.Add(30*24*time.Hour)); len(got) != 0 {
		t.Fatalf("a past slot is offered: %+v", got)
	}

	wantErr(t, h.s.DeleteSlot(held.ID, "staff1"), ErrSlotNotFree)
	wantErr(t, h.s.DeleteSlot(booked.ID, "staff1"), ErrSlotNotFree)
	wantErr(t, h.s.DeleteSlot("T-NOPE", "staff1"), ErrSlotNotFound)
	if err := h.s.DeleteSlot(free.ID, "staff1"); err != nil {
		t.Fatal(err)
	}
	_, err = h.s.Slot(free.ID)
	wantErr(t, err, ErrSlotNotFound)

	// Once the hold has run out the slot can be deleted, ExpireHolds or not.
	h.clock.Advance(DefaultHoldFor)
	if err := h.s.DeleteSlot(held.ID, "staff1"); err != nil {
		t.Fatal(err)
	}
}
