package interest

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/consent"
	"parentline/internal/field"
	"parentline/mail/outbox"
)

func TestSubmit_OneRecordPerUnitSealedToThatUnitAlone(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	if len(recs) != 2 || recs[0].Unit != "2380" || recs[1].Unit != "2321" {
		t.Fatalf("records %+v", recs)
	}
	for _, r := range recs {
		if !strings.HasPrefix(r.ID, "FH-") || len(r.ID) != 12 || r.ID[7] != '-' || normID(r.ID) != r.ID {
			t.Errorf("id %q is not FH-XXXX-XXXX", r.ID)
		}
		if r.Status != "received" || !r.Created.Equal(start) || !r.DeleteAfter.Equal(start.Add(retainReceived)) ||
			r.Consent.Version != "2026-1" || !r.Consent.Given.Equal(start) || r.Envelope != nil {
			t.Errorf("record %+v", r)
		}
	}
	if recs[0].UnitName != "Östersund" || recs[1].UnitName != "Åre" {
		t.Errorf("unit names %q, %q", recs[0].UnitName, recs[1].UnitName)
	}

	// What Östersund's staff open: everything, and only their record.
	roles := []string{"foster:2380", "foster:2321"}
	ost, err := h.s.Get("foster", recs[0].ID, roles, "karin")
	if err != nil {
		t.Fatal(err)
	}
	m := h.open(t, *ost.Envelope, ost.ID, "2380")
	if m["type"] != "registration" || m["kind"] != "foster" || m["id"] != ost.ID || m["unit"] != "2380" ||
		m["unit_name"] != "Östersund" || m["personnummer"] != pnAnna || m["eid_name"] != nameAnna ||
		m["protected"] != false || m["submitted"] != start.Format(time.RFC3339) {
		t.Errorf("sealed registration %v", m)
	}
	cons := m["consent"].(map[string]any)
	if cons["version"] != "2026-1" || !strings.Contains(cons["text"].(string), "hälsouppgifter") {
		t.Errorf("sealed consent %v", cons)
	}
	ans := m["answers"].(map[string]any)
	if ans["health"].(map[string]any)["comment"] != healthNote || ans["motivation"] != motivation {
		t.Errorf("sealed answers %v", ans)
	}
	// Åre's record opens with either of Åre's keys, not with Östersund's.
	are, err := h.s.Get("foster", recs[1].ID, roles, "karin")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range h.keys["2321"] {
		if _, err := consent.Open(*are.Envelope, are.ID, k); err != nil {
			t.Errorf("an Åre key does not open Åre's record: %v", err)
		}
	}
	if _, err := consent.Open(*are.Envelope, are.ID, h.keys["2380"][0]); !errors.Is(err, consent.ErrNotRecipient) {
		t.Errorf("Östersund's key on Åre's record: %v", err)
	}
	// Moved to another reference, it does not open.
	if _, err := consent.Open(*ost.Envelope, are.ID, h.keys["2380"][0]); !errors.Is(err, consent.ErrOpen) {
		t.Errorf("opened under another id: %v", err)
	}

	mine, err := h.s.Mine(pnAnna)
	if err != nil || len(mine) != 2 {
		t.Fatalf("Mine: %v %+v", err, mine)
	}
	for _, x := range mine {
		if !x.Erasable || x.StatusLabel.Sv != "Inkommen" || x.Title.En != "Foster home registration" || x.Envelope != nil {
			t.Errorf("Mine %+v", x)
		}
	}
	if other, _ := h.s.Mine(pnBo); len(other) != 0 {
		t.Errorf("Bo sees %+v", other)
	}
	if got := h.actions(t, recs[0].ID); !slices.Equal(got, []string{"citizen interest_submitted", "karin interest_opened"}) {
		t.Errorf("audit %v", got)
	}
	if _, err := audit.Verify(h.db); err != nil {
		t.Fatal(err)
	}
}

func TestSubmit_RefusesWithoutConsentOrAClosedUnit(t *testing.T) {
	h := newHarness(t)
	_, err := h.s.Submit("foster", anna, fosterAnswers("2380"), false, "sv")
	var fe field.Errors
	if !errors.As(err, &fe) || fe["consent"].Sv == "" || fe["consent"].En == "" || len(fe) != 1 {
		t.Fatalf("without consent: %v", err)
	}
	// Ragunda has no key: not open, whatever the form's check let through.
	_, err = h.s.Submit("foster", anna, fosterAnswers("2380", "2303"), true, "sv")
	if !errors.As(err, &fe) || fe["municipalities"] != Messages["choose_unit"] {
		t.Fatalf("closed unit: %v", err)
	}
	_, err = h.s.Submit("foster", anna, fosterAnswers("9999"), true, "sv")
	if !errors.As(err, &fe) || fe["municipalities"] != Messages["choose_unit"] {
		t.Fatalf("unknown unit: %v", err)
	}
	_, err = h.s.Submit("foster", anna, json.RawMessage(`[1,2]`), true, "sv")
	wantErr(t, err, ErrBadAnswers)
	_, err = h.s.Submit("foster", anna, json.RawMessage(`{"motivation":"`+strings.Repeat("a", MaxAnswers)+`"}`), true, "sv")
	wantErr(t, err, ErrTooLarge)
	_, err = h.s.Submit("adoption", anna, fosterAnswers("2380"), true, "sv")
	wantErr(t, err, ErrUnknownKind)
	if n := h.count(t, bucketRecords); n != 0 {
		t.Fatalf("%d records stored", n)
	}
	if n := h.count(t, bucketOutbox); n != 0 {
		t.Fatalf("%d mails queued", n)
	}
}

func TestRegisterOnce(t *testing.T) {
	h := newHarness(t)
	first := h.submit(t, anna, "2380")

	// Again for Östersund, with Åre: refused whole, nothing stored.
	_, err := h.s.Submit("foster", anna, fosterAnswers("2321", "2380"), true, "sv")
	var ae *AlreadyError
	if !errors.As(err, &ae) || !slices.Equal(ae.Units, []string{"2380"}) || !slices.Equal(ae.Names, []string{"Östersund"}) ||
		ae.Field != "municipalities" {
		t.Fatalf("second submission: %v", err)
	}
	if m := ae.Message(); !strings.Contains(m.Sv, "Östersund") || !strings.Contains(m.Sv, "Mina sidor") ||
		!strings.Contains(m.En, "My pages") {
		t.Errorf("message %+v", m)
	}
	if n := h.count(t, bucketRecords); n != 1 {
		t.Fatalf("%d records after the refusal", n)
	}
	if n := h.count(t, bucketOutbox); n != 1 {
		t.Fatalf("%d mails after the refusal", n)
	}

	// Another person may; Anna may register with Åre alone.
	h.submit(t, bo, "2380")
	h.submit(t, anna, "2321")

	// After withdrawing, Anna may register with Östersund again.
	if err := h.s.Withdraw(pnAnna, first[0].ID); err != nil {
		t.Fatal(err)
	}
	again := h.submit(t, anna, "2380")
	if again[0].ID == first[0].ID {
		t.Error("the new record reuses the old id")
	}
	// And after staff deleted it, too.
	if err := h.s.Delete("foster", again[0].ID, []string{"foster:2380"}, "karin"); err != nil {
		t.Fatal(err)
	}
	h.submit(t, anna, "2380")

	// Programmes register once per district and programme.
	if _, err := h.s.Submit("programme", anna, programmeAnswers("abc", "kungsholmen"), true, "sv"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.Submit("programme", anna, programmeAnswers("komet", "kungsholmen"), true, "sv"); err != nil {
		t.Fatalf("Komet after ABC: %v", err)
	}
	_, err = h.s.Submit("programme", anna, programmeAnswers("abc", "kungsholmen"), true, "en")
	if !errors.As(err, &ae) || ae.Field != "district" || !slices.Equal(ae.Units, []string{"kungsholmen"}) {
		t.Fatalf("ABC twice: %v", err)
	}
}

func TestRegisterOnce_Concurrent(t *testing.T) {
	h := newHarness(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = h.s.Submit("foster", anna, fosterAnswers("2380"), true, "sv")
		})
	}
	wg.Wait()
	ok, already := 0, 0
	for _, err := range errs {
		var ae *AlreadyError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ae):
			already++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || already != n-1 {
		t.Fatalf("%d stored, %d refused as already registered", ok, already)
	}
	mine, _ := h.s.Mine(pnAnna)
	if len(mine) != 1 || h.count(t, bucketRecords) != 1 || h.count(t, bucketOnce) != 1 || h.count(t, bucketOutbox) != 1 {
		t.Fatalf("Mine %d, records %d, once %d, mails %d", len(mine), h.count(t, bucketRecords),
			h.count(t, bucketOnce), h.count(t, bucketOutbox))
	}
}

func TestWithdraw(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	boRec := h.submit(t, bo, "2380")[0]

	// Bo cannot withdraw Anna's: not found, like an unknown id.
	wantErr(t, h.s.Withdraw(pnBo, recs[0].ID), ErrNotFound)
	if got := h.actions(t, recs[0].ID); !slices.Equal(got, []string{"citizen interest_submitted", "citizen interest_refused_not_owner"}) {
		t.Errorf("audit %v", got)
	}
	wantErr(t, h.s.Withdraw(pnAnna, "FH-ZZZZ-ZZZZ"), ErrNotFound)
	if got := h.actions(t, "FH-ZZZZ-ZZZZ"); !slices.Equal(got, []string{"citizen interest_refused_unknown_id"}) {
		t.Errorf("audit of an unknown id %v", got)
	}
	wantErr(t, h.s.Withdraw(pnAnna, "Annabella's registration"), ErrNotFound)
	if got := h.actions(t, "malformed"); !slices.Equal(got, []string{"citizen interest_refused_unknown_id"}) {
		t.Errorf("audit of a malformed id %v", got)
	}

	// In assessment it is kept, and the citizen is told why.
	if _, err := h.s.SetStatus("foster", recs[1].ID, "assessment", []string{"foster:2321"}, "erik"); err != nil {
		t.Fatal(err)
	}
	err := h.s.Withdraw(pnAnna, recs[1].ID)
	var ke *KeepError
	if !errors.As(err, &ke) || ke.Reason != assessmentReason || ke.Status != "assessment" {
		t.Fatalf("withdrawing in assessment: %v", err)
	}

	// Received: deleted, typed loosely.
	loose := strings.ToLower(strings.ReplaceAll(recs[0].ID, "-", " "))
	if err := h.s.Withdraw(pnAnna, loose); err != nil {
		t.Fatal(err)
	}
	if got := h.actions(t, recs[0].ID); got[len(got)-1] != "citizen interest_withdrawn" {
		t.Errorf("audit %v", got)
	}
	wantErr(t, h.s.Withdraw(pnAnna, recs[0].ID), ErrNotFound)
	mine, _ := h.s.Mine(pnAnna)
	if len(mine) != 1 || mine[0].ID != recs[1].ID || mine[0].Erasable || mine[0].KeepReason != assessmentReason {
		t.Fatalf("Mine after withdrawal %+v", mine)
	}
	if _, err := h.s.Get("foster", boRec.ID, []string{"foster:2380"}, "karin"); err != nil {
		t.Fatalf("Bo's record: %v", err)
	}
}

func TestWithdrawConsent(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	roles := []string{"foster:2380", "foster:2321"}

	wantErr(t, func() error { _, err := h.s.WithdrawConsent(pnBo, recs[0].ID); return err }(), ErrNotFound)

	deleted, err := h.s.WithdrawConsent(pnAnna, recs[0].ID)
	if err != nil || !deleted {
		t.Fatalf("erasable: %v %v", deleted, err)
	}
	wantErr(t, func() error { _, err := h.s.Get("foster", recs[0].ID, roles, "karin"); return err }(), ErrNotFound)

	if _, err := h.s.SetStatus("foster", recs[1].ID, "assessment", roles, "karin"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	deleted, err = h.s.WithdrawConsent(pnAnna, recs[1].ID)
	if err != nil || deleted {
		t.Fatalf("in assessment: %v %v", deleted, err)
	}
	rec, err := h.s.Get("foster", recs[1].ID, roles, "karin")
	if err != nil || !rec.Consent.Withdrawn.Equal(start.Add(time.Hour)) || !rec.Consent.Given.Equal(start) {
		t.Fatalf("staff see %+v, %v", rec.Consent, err)
	}
	h.clock.Advance(time.Hour)
	if deleted, err := h.s.WithdrawConsent(pnAnna, recs[1].ID); err != nil || deleted {
		t.Fatalf("again: %v %v", deleted, err)
	}
	list, _ := h.s.List("foster", "2321", roles)
	if len(list) != 1 || !list[0].Consent.Withdrawn.Equal(start.Add(time.Hour)) {
		t.Fatalf("list %+v", list)
	}
	want := []string{"citizen interest_submitted", "karin interest_status", "citizen interest_consent_withdrawn", "karin interest_opened"}
	if got := h.actions(t, recs[1].ID); !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

func TestCorrectContact(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	if _, err := h.s.Submit("programme", anna, programmeAnswers("abc", "bromma"), true, "sv"); err != nil {
		t.Fatal(err)
	}
	h.submit(t, bo, "2380")

	_, err := h.s.CorrectContact(pnAnna, Contact{Email: "not an address", PostalCode: "12"}, "sv")
	var fe field.Errors
	if !errors.As(err, &fe) || fe["email"] != field.BadEmail || fe["postal_code"] != field.BadPostalCode {
		t.Fatalf("bad contact: %v", err)
	}
	_, err = h.s.CorrectContact(pnAnna, Contact{Phone: "  "}, "sv")
	if !errors.As(err, &fe) || fe["contact"].Sv == "" {
		t.Fatalf("empty contact: %v", err)
	}

	for i := range 2 {
		h.clock.Advance(time.Minute)
		n, err := h.s.CorrectContact(pnAnna, Contact{Email: " " + newEmail + " ", Phone: newPhone, PostalCode: "83130"}, "sv")
		if err != nil || n != 3 {
			t.Fatalf("correction %d: %d, %v", i+1, n, err)
		}
	}
	rec, err := h.s.Get("foster", recs[1].ID, []string{"foster:2321"}, "erik")
	if err != nil || len(rec.Corrections) != 2 {
		t.Fatalf("corrections %+v, %v", rec.Corrections, err)
	}
	for i, c := range rec.Corrections {
		ref := rec.ID + "/correction/" + string(rune('1'+i))
		m := h.open(t, c.Envelope, ref, "2321")
		contact := m["contact"].(map[string]any)
		if m["type"] != "correction" || m["id"] != rec.ID || contact["email"] != newEmail || contact["phone"] != newPhone ||
			contact["postal_code"] != "831 30" || len(contact) != 3 || !c.At.Equal(start.Add(time.Duration(i+1)*time.Minute)) {
			t.Errorf("correction %d: %v at %v", i+1, m, c.At)
		}
		if _, err := consent.Open(c.Envelope, rec.ID, h.keys["2321"][0]); err == nil {
			t.Error("a correction opens under the record's own reference")
		}
	}
	if got := h.actions(t, recs[0].ID); !slices.Equal(got, []string{"citizen interest_submitted",
		"citizen interest_corrected", "citizen interest_corrected"}) {
		t.Errorf("audit %v", got)
	}
	// Bo's record is untouched.
	bos, _ := h.s.Mine(pnBo)
	if !bos[0].Updated.Equal(start) {
		t.Errorf("Bo's record was updated at %v", bos[0].Updated)
	}
}

func TestStaffScope(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	h.clock.Advance(time.Minute)
	bos := h.submit(t, bo, "2380")
	prog, err := h.s.Submit("programme", anna, programmeAnswers("abc", "bromma"), true, "sv")
	if err != nil {
		t.Fatal(err)
	}
	ost := []string{"foster:2380", "coordinator:kungsholmen"}

	list, err := h.s.ListBy("foster", "2380", ost, "karin")
	if err != nil || len(list) != 2 || list[0].ID != bos[0].ID || list[1].ID != recs[0].ID {
		t.Fatalf("list %+v, %v", list, err)
	}
	_, err = h.s.ListBy("foster", "2321", ost, "karin")
	wantErr(t, err, ErrForeignUnit)
	_, err = h.s.List("programme", "bromma", ost)
	wantErr(t, err, ErrForeignUnit)
	refused, _ := audit.List(h.db, audit.Query{Action: ActionRefusedForeignUnit})
	if len(refused) != 2 || refused[1].Actor != "karin" || refused[1].Reference != "foster:2321" ||
		refused[0].Actor != "staff" || refused[0].Reference != "programme:bromma" {
		t.Fatalf("refusals audited %+v", refused)
	}

	_, err = h.s.Get("foster", recs[1].ID, ost, "karin")
	wantErr(t, err, ErrForeignUnit)
	_, err = h.s.Get("foster", "FH-0000-0000", ost, "karin")
	wantErr(t, err, ErrNotFound)
	// A programme id asked for as foster: not found.
	_, err = h.s.Get("foster", prog[0].ID, []string{"foster:2380", "coordinator:bromma"}, "karin")
	wantErr(t, err, ErrNotFound)
	_, err = h.s.SetStatus("foster", recs[1].ID, "assessment", ost, "karin")
	wantErr(t, err, ErrForeignUnit)
	wantErr(t, h.s.Delete("foster", recs[1].ID, ost, "karin"), ErrForeignUnit)
	if got := h.actions(t, recs[1].ID); !slices.Equal(got, []string{"citizen interest_submitted",
		"karin interest_refused_foreign_unit", "karin interest_refused_foreign_unit", "karin interest_refused_foreign_unit"}) {
		t.Errorf("audit %v", got)
	}
	if got := h.actions(t, "FH-0000-0000"); !slices.Equal(got, []string{"karin interest_refused_unknown_id"}) {
		t.Errorf("audit %v", got)
	}

	_, err = h.s.SetStatus("foster", recs[0].ID, "approved", ost, "karin")
	var fe field.Errors
	if !errors.As(err, &fe) || fe["status"].En == "" {
		t.Fatalf("unknown status: %v", err)
	}
	h.clock.Advance(24 * time.Hour)
	rec, err := h.s.SetStatus("foster", recs[0].ID, "assessment", ost, "karin")
	at := start.Add(24*time.Hour + time.Minute)
	if err != nil || rec.Status != "assessment" || !rec.StatusAt.Equal(at) || !rec.DeleteAfter.Equal(at.Add(retainAssessment)) {
		t.Fatalf("SetStatus %+v, %v", rec, err)
	}
	// Setting the same status again changes nothing (nor the retention).
	h.clock.Advance(time.Hour)
	if rec, err := h.s.SetStatus("foster", recs[0].ID, "assessment", ost, "karin"); err != nil || !rec.StatusAt.Equal(at) {
		t.Fatalf("same status %+v, %v", rec, err)
	}
	if err := h.s.Delete("foster", recs[0].ID, ost, "karin"); err != nil {
		t.Fatal(err)
	}
	want := []string{"citizen interest_submitted", "karin interest_status", "karin interest_deleted"}
	if got := h.actions(t, recs[0].ID); !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
	units, _ := h.s.UnitsFor("foster", []string{"foster:2321", "foster:2380", "coordinator:2380", "foster:9999"})
	if len(units) != 2 || units[0].Code != "2380" || units[1].Code != "2321" {
		t.Errorf("UnitsFor %+v", units)
	}
}

func TestDrafts(t *testing.T) {
	h := newHarness(t)
	if _, _, err := h.s.Draft("foster", anna); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("no draft yet: %v", err)
	}
	info, err := h.s.SaveDraft("foster", anna, fosterAnswers("2380"))
	if err != nil || !info.SavedAt.Equal(start) || !info.DeleteAfter.Equal(start.Add(DefaultDraftFor)) {
		t.Fatalf("SaveDraft %+v, %v", info, err)
	}
	got, info2, err := h.s.Draft("foster", anna)
	if err != nil || info2 != info {
		t.Fatalf("Draft %v %+v", err, info2)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["health"]; ok || m["motivation"] != motivation {
		t.Fatalf("the draft keeps %v", m)
	}
	if _, _, err := h.s.Draft("foster", bo); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("Bo reads a draft: %v", err)
	}
	if hi, ok := h.s.HasDraft("foster", pnAnna); !ok || hi != info {
		t.Fatalf("HasDraft %v %+v", ok, hi)
	}
	_, err = h.s.SaveDraft("programme", anna, programmeAnswers("abc", "bromma"))
	wantErr(t, err, ErrDraftsNotKept)
	_, err = h.s.SaveDraft("foster", anna, json.RawMessage(`"text"`))
	wantErr(t, err, ErrBadAnswers)

	// A draft moved to another person does not open.
	moveDraft(t, h, "foster", pnAnna, pnBo)
	if _, _, err := h.s.Draft("foster", bo); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("a moved draft opens: %v", err)
	}

	// Saved again later, it lives 30 days from then; then it is gone.
	h.clock.Advance(10 * 24 * time.Hour)
	if _, err := h.s.SaveDraft("foster", anna, fosterAnswers("2321")); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(DefaultDraftFor - time.Second)
	if _, _, err := h.s.Draft("foster", anna); err != nil {
		t.Fatalf("before its time: %v", err)
	}
	h.clock.Advance(time.Second)
	if _, _, err := h.s.Draft("foster", anna); !errors.Is(err, ErrNoDraft) {
		t.Fatalf("after its time: %v", err)
	}
	if _, ok := h.s.HasDraft("foster", pnAnna); ok {
		t.Fatal("HasDraft after its time")
	}

	// Submitting deletes the draft.
	if _, err := h.s.SaveDraft("foster", anna, fosterAnswers("2380")); err != nil {
		t.Fatal(err)
	}
	h.submit(t, anna, "2380")
	if _, ok := h.s.HasDraft("foster", pnAnna); ok {
		t.Fatal("the draft outlived the submission")
	}
	if _, err := h.s.SaveDraft("foster", anna, fosterAnswers("2380")); err != nil {
		t.Fatal(err)
	}
	if err := h.s.DeleteDraft("foster", anna); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.s.HasDraft("foster", pnAnna); ok {
		t.Fatal("DeleteDraft left it")
	}
}

func TestPurge(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	roles := []string{"foster:2380", "foster:2321"}
	if _, err := h.s.SaveDraft("foster", bo, fosterAnswers("2380")); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)

	// A year less a day: nothing is due; the draft is.
	h.clock.Advance(retainReceived - 24*time.Hour)
	if _, err := h.s.SetStatus("foster", recs[1].ID, "assessment", roles, "karin"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.WithdrawConsent(pnAnna, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	n, err := h.s.Purge()
	if err != nil || n != 0 {
		t.Fatalf("Purge %d, %v", n, err)
	}
	if h.count(t, bucketDrafts) != 0 {
		t.Fatal("the old draft is still there")
	}

	h.clock.Advance(24 * time.Hour)
	if n, err := h.s.Purge(); err != nil || n != 1 {
		t.Fatalf("Purge after a year: %d, %v", n, err)
	}
	if got := h.actions(t, recs[0].ID); !slices.Equal(got, []string{"citizen interest_submitted", "retention interest_purged"}) {
		t.Errorf("audit %v", got)
	}
	// The one in assessment (consent withdrawn) stays 180 days from then.
	mine, _ := h.s.Mine(pnAnna)
	if len(mine) != 1 || mine[0].ID != recs[1].ID {
		t.Fatalf("Mine %+v", mine)
	}
	h.clock.Advance(retainAssessment - 24*time.Hour - time.Second)
	if n, _ := h.s.Purge(); n != 0 {
		t.Fatal("purged early")
	}
	h.clock.Advance(time.Second)
	if n, _ := h.s.Purge(); n != 1 {
		t.Fatal("not purged at its time")
	}
	for _, b := range [][]byte{bucketRecords, bucketPeople, bucketOnce, bucketDrafts, bucketOutbox} {
		if n := h.count(t, b); n != 0 {
			t.Errorf("%s holds %d keys", b, n)
		}
	}
	// Registering again is possible.
	h.submit(t, anna, "2380")
	if _, err := audit.Verify(h.db); err != nil {
		t.Fatal(err)
	}
}

func TestPurge_DeletesOrphanIndexAndStaleMail(t *testing.T) {
	h := newHarness(t)
	h.submit(t, anna, "2380")
	// An index entry and a register-once key pointing at nothing (as after
	// a crash in an older version), and mail never delivered.
	err := h.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketPeople).Put(append(h.s.personKey(pnBo), "FH-0000-0000"...), nil); err != nil {
			return err
		}
		return tx.Bucket(bucketOnce).Put(h.s.onceKey("foster", "2380", "", pnBo), []byte("FH-0000-0000"))
	})
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(MailGiveUpAfter)
	if _, err := h.s.Purge(); err != nil {
		t.Fatal(err)
	}
	if h.count(t, bucketPeople) != 1 || h.count(t, bucketOnce) != 1 || h.count(t, bucketOutbox) != 0 || h.count(t, bucketRecords) != 1 {
		t.Fatalf("people %d, once %d, outbox %d", h.count(t, bucketPeople), h.count(t, bucketOnce), h.count(t, bucketOutbox))
	}
	h.submit(t, bo, "2380")
}

func TestEraseAll(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	prog, err := h.s.Submit("programme", anna, programmeAnswers("komet", "bromma"), true, "sv")
	if err != nil {
		t.Fatal(err)
	}
	h.submit(t, bo, "2380")
	if _, err := h.s.SetStatus("foster", recs[1].ID, "assessment", []string{"foster:2321"}, "erik"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SaveDraft("foster", anna, fosterAnswers("2303")); err != nil {
		t.Fatal(err)
	}
	erased, kept, err := h.s.EraseAll(pnAnna)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(erased)
	want := []string{recs[0].ID, prog[0].ID}
	slices.Sort(want)
	if !slices.Equal(erased, want) || len(kept) != 1 || kept[0].ID != recs[1].ID || kept[0].KeepReason != assessmentReason {
		t.Fatalf("erased %v, kept %+v", erased, kept)
	}
	if _, ok := h.s.HasDraft("foster", pnAnna); ok {
		t.Error("the draft survived the erasure")
	}
	if bos, _ := h.s.Mine(pnBo); len(bos) != 1 {
		t.Error("Bo's record was erased")
	}
	sealed, err := h.s.Sealed(pnAnna)
	if err != nil || len(sealed) != 1 || sealed[0].Envelope == nil {
		t.Fatalf("Sealed %+v, %v", sealed, err)
	}
}

func TestMail_QueuedWithTheRecordsAndGoneAfterDelivery(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	if n, _ := h.s.PendingMail(); n != 1 {
		t.Fatalf("%d mails queued", n)
	}
	// Before delivery the address is in the outbox, the only place in clear.
	if raw := h.rawFile(t); !bytes.Contains(raw, []byte(emailAnna)) {
		t.Fatal("the queued mail's address is not in the file")
	}

	h.mailer.FailNext(1)
	if _, err := h.s.DeliverMail(t.Context(), h.mailer); err == nil {
		t.Fatal("a refused mail is not an error")
	}
	if n := h.deliver(t); n != 0 {
		t.Fatal("retried before its backoff")
	}
	h.clock.Advance(outbox.RetryFirst)
	if n := h.deliver(t); n != 1 {
		t.Fatalf("delivered %d", n)
	}
	msgs := h.mailer.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != emailAnna || msgs[0].Subject != "Din intresseanmälan" ||
		!strings.Contains(msgs[0].Text, recs[0].ID) || !strings.Contains(msgs[0].Text, recs[1].ID) ||
		!strings.Contains(msgs[0].Text, baseURL+"/mina-sidor/") {
		t.Fatalf("mail %+v", msgs)
	}
	if n, _ := h.s.PendingMail(); n != 0 {
		t.Fatal("the delivered mail is still queued")
	}
	raw := h.rawFile(t)
	for _, p := range personalStrings {
		if bytes.Contains(raw, []byte(p)) {
			t.Errorf("after delivery the file holds %q", p)
		}
	}

	// Withdrawn before delivery: the confirmation is not sent.
	prog, err := h.s.Submit("programme", anna, programmeAnswers("abc", "bromma"), true, "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.s.Withdraw(pnAnna, prog[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := h.deliver(t); n != 0 {
		t.Fatalf("sent %d mails about a withdrawn registration", n)
	}
}

func TestPrivacy_NothingPersonalOnDisk(t *testing.T) {
	h := newHarness(t)
	recs := h.submit(t, anna, "2380", "2321")
	if _, err := h.s.Submit("programme", anna, programmeAnswers("abc", "kungsholmen"), true, "sv"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SaveDraft("foster", bo, fosterAnswers("2380")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.CorrectContact(pnAnna, Contact{Email: newEmail, Phone: newPhone}, "sv"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SetStatus("foster", recs[1].ID, "assessment", []string{"foster:2321"}, "erik"); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)

	raw := h.rawFile(t)
	for _, p := range personalStrings {
		if bytes.Contains(raw, []byte(p)) {
			t.Errorf("the database file holds %q in clear", p)
		}
	}
	// The metadata is there, in clear.
	for _, want := range []string{recs[0].ID, "assessment", "2321", "ABC"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the file lacks the metadata %q", want)
		}
	}
	// What is sealed is all there for the unit's reader.
	rec, err := h.s.Get("foster", recs[1].ID, []string{"foster:2321"}, "erik")
	if err != nil {
		t.Fatal(err)
	}
	m := h.open(t, *rec.Envelope, rec.ID, "2321")
	plain, _ := json.Marshal(m)
	for _, want := range []string{pnAnna, nameAnna, givenAnna, surnameAnna, emailAnna, addressAnna, healthNote, motivation} {
		if !strings.Contains(string(plain), want) {
			t.Errorf("the sealed record lacks %q", want)
		}
	}
	corr := h.open(t, rec.Corrections[0].Envelope, rec.ID+"/correction/1", "2321")
	if c := corr["contact"].(map[string]any); c["email"] != newEmail || c["phone"] != newPhone {
		t.Errorf("sealed correction %v", corr)
	}
	// And Bo's draft opens for Bo, through the store.
	if d, _, err := h.s.Draft("foster", bo); err != nil || !strings.Contains(string(d), motivation) {
		t.Fatalf("Bo's draft: %v", err)
	}
}

func TestOpen_ChecksForms(t *testing.T) {
	h := newHarness(t)
	good := fosterForm(nil)
	for name, f := range map[string]func(f *Form){
		"kind":           func(f *Form) { f.Kind = "Foster!" },
		"mine":           func(f *Form) { f.Kind = "mine" },
		"prefix":         func(f *Form) { f.Prefix = "fh" },
		"role prefix":    func(f *Form) { f.RolePrefix = "foster:" },
		"no statuses":    func(f *Form) { f.Statuses = nil },
		"no validate":    func(f *Form) { f.Validate = nil },
		"unit code":      func(f *Form) { f.Units = []Unit{{Code: "Östersund"}} },
		"unit twice":     func(f *Form) { f.Units = []Unit{{Code: "2380"}, {Code: "2380"}} },
		"no retention":   func(f *Form) { f.Statuses = []Status{{Code: "received", Erasable: true}} },
		"no keep reason": func(f *Form) { f.Statuses = []Status{{Code: "kept", RetainFor: time.Hour}} },
	} {
		bad := good
		bad.Statuses = slices.Clone(good.Statuses)
		f(&bad)
		if _, err := Open(h.db, h.s.opts, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Open(h.db, h.s.opts, good, good); err == nil {
		t.Error("two forms of one kind accepted")
	}
	if _, err := Open(h.db, Options{Secret: []byte("short"), BaseURL: baseURL}, good); err == nil {
		t.Error("a short secret accepted")
	}
	if _, err := Open(h.db, Options{Secret: testSecret, BaseURL: "etjanster.example.se"}, good); err == nil {
		t.Error("a relative BaseURL accepted")
	}
}

func TestNormID(t *testing.T) {
	for in, want := range map[string]string{
		"FH-7K2M-Q9XD":   "FH-7K2M-Q9XD",
		" fh-7k2m-q9xd ": "FH-7K2M-Q9XD",
		"FH 7K2M Q9XD":   "FH-7K2M-Q9XD",
		"FH-7K2M-Q9XO":   "FH-7K2M-Q9X0",
		"FH-IL2M-Q9XD":   "FH-112M-Q9XD",
		"FH-7K2M-Q9XU":   "",
		"FH-7K2MQ9XD":    "",
		"F1-7K2M-Q9XD":   "",
		"":               "",
		"FH-7K2M-Q9XD-1": "",
	} {
		if got := normID(in); got != want {
			t.Errorf("normID(%q) = %q, want %q", in, got, want)
		}
	}
}

// moveDraft copies from's draft of kind to the key of to's, as someone
// editing the file might.
func moveDraft(t *testing.T, h *harness, kind, from, to string) {
	t.Helper()
	err := h.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		v := b.Get(draftKey(kind, h.s.personKey(from)))
		if v == nil {
			return errors.New("no draft to move")
		}
		return b.Put(draftKey(kind, h.s.personKey(to)), bytes.Clone(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A unit with a shared mailbox is told each new registration's reference
// and where to read it, and nothing about the person; a unit without one,
// and a registration withdrawn before the mail went out, are not told.
func TestNotify_TheUnitsMailboxToldTheReferenceOnly(t *testing.T) {
	const ostMailbox, areMailbox = "familjehem@ostersund.example.se", "familjehem@are.example.se"
	h := newHarnessNotifying(t, map[string]string{"2380": ostMailbox, "2321": areMailbox})
	recs := h.submit(t, anna, "2380", "2321")
	if n, _ := h.s.PendingMail(); n != 3 {
		t.Fatalf("%d mails queued; want Anna's confirmation and one for each municipality", n)
	}
	if n := h.deliver(t); n != 3 {
		t.Fatalf("sent %d mails, want 3", n)
	}
	ids := map[string]string{}
	for _, r := range recs {
		ids[r.Unit] = r.ID
	}
	for unit, box := range map[string]string{"2380": ostMailbox, "2321": areMailbox} {
		got := h.mailer.To(box)
		if len(got) != 1 {
			t.Fatalf("%s got %d mails, want 1", box, len(got))
		}
		m := got[0]
		other := ids["2321"]
		if unit == "2321" {
			other = ids["2380"]
		}
		if m.Subject != "Ny intresseanmälan till "+map[string]string{"2380": "Östersund", "2321": "Åre"}[unit]+": "+ids[unit] ||
			!strings.Contains(m.Text, "Ärendenummer: "+ids[unit]) ||
			!strings.Contains(m.Text, baseURL+"/familjehem/personal/") || strings.Contains(m.Text, other) {
			t.Errorf("the mail to %s: %q\n%s", box, m.Subject, m.Text)
		}
		for _, p := range personalStrings {
			if strings.Contains(m.Subject+m.Text, p) {
				t.Errorf("the mail to %s holds %q", box, p)
			}
		}
	}
	if n := len(h.mailer.To(emailAnna)); n != 1 {
		t.Fatalf("Anna got %d confirmations", n)
	}

	// Bo registers with Östersund and withdraws before the mail goes out:
	// Östersund is not told.
	bos := h.submit(t, bo, "2380")
	if err := h.s.Withdraw(pnBo, bos[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := h.deliver(t); n != 0 {
		t.Fatalf("sent %d mails about a withdrawn registration", n)
	}
	// The programme districts have no mailbox (and the test form sends no
	// confirmation): nothing is sent.
	if _, err := h.s.Submit("programme", bo, programmeAnswers("abc", "bromma"), true, "sv"); err != nil {
		t.Fatal(err)
	}
	if n := h.deliver(t); n != 0 {
		t.Fatalf("sent %d mails for a district without a mailbox", n)
	}
}

func TestOpen_RefusesABadNotificationAddress(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	defer db.Close()
	_, err := Open(db, Options{Secret: testSecret, BaseURL: baseURL}, fosterForm([]Unit{{Code: "2380", Name: "Östersund", Notify: "familjehem at ostersund"}}))
	if err == nil || !strings.Contains(err.Error(), "not an e-mail address") {
		t.Fatalf("Open: %v", err)
	}
}
