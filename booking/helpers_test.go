package booking

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/internal/testkit"
	"parentline/internal/testkit/testmail"
)

// Personnummer for the tests: 189001019802 (a Skatteverket-style test
// number, serial 980) and two valid numbers from the personnummer
// package's own test vectors.
const (
	pnApplicant = "189001019802"
	pnCo        = "199012119948"
	pnOther     = "200012099891"
)

// Personal data the tests give, distinctive enough to search the database
// file and the logs for.
const (
	applicantName    = "Testa Bokaresson"
	applicantEidName = "Testa Eid Bokaresson"
	coName           = "Medra Signeradotter"
	applicantEmail   = "sokande.testperson@example.se"
	coEmail          = "medsokande.testperson@example.se"
	applicantAddress = "Provgatan 17\n831 30 Östersund"
	applicantMobile  = "070-123 45 67"
	mobileDigits     = "701234567"
	signatureText    = "U0lHTkFUVVJFLUFQUExJQ0FOVC1YTUw="
	ocspText         = "T0NTUC1SRVNQT05TRS1BUFBMSUNBTlQ="
)

// personalStrings are the strings that must be gone after a purge and must
// never be logged.
var personalStrings = []string{pnApplicant, pnApplicant[2:], pnCo, pnCo[2:], applicantName, applicantEidName,
	coName, applicantEmail, coEmail, "Provgatan 17", mobileDigits, signatureText, ocspText}

type harness struct {
	s      *Store
	db     *bolt.DB
	path   string
	clock  *testkit.Clock
	logs   *testkit.LogBuffer
	mailer *testmail.Mailer
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-booking-test")

const baseURL = "https://etjanster.example.se"

// start is the tests' first moment: Tuesday 2 June 2026, 09:00 in Sweden.
var start = time.Date(2026, 6, 2, 7, 0, 0, 0, time.UTC)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parentline.db")
	db := openDB(t, path)
	h := &harness{db: db, path: path, clock: testkit.NewClock(start), logs: &testkit.LogBuffer{}, mailer: &testmail.Mailer{}}
	t.Cleanup(func() { h.db.Close() })
	h.s = h.open(t)
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		logs := h.logs.String()
		for _, p := range personalStrings {
			if strings.Contains(logs, p) {
				t.Errorf("the log contains personal data %q:\n%s", p, logs)
			}
		}
	})
	return h
}

func (h *harness) open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(h.db, Options{Now: h.clock.Now, Secret: testSecret, BaseURL: baseURL + "/",
		Log: zerolog.New(h.logs)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reopen closes the database and opens it again, as after a crash or restart.
func (h *harness) reopen(t *testing.T) {
	t.Helper()
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	h.db = openDB(t, h.path)
	h.s = h.open(t)
}

// publish publishes a slot starting at the given offset from now.
func (h *harness) publish(t *testing.T, in time.Duration, form Form, counselor string) Slot {
	t.Helper()
	sl, err := h.s.PublishSlot(SlotInput{Start: h.clock.Now().Add(in), Minutes: 60, Form: form, Place: PlaceOstersund,
		Counselor: counselor}, "staff1")
	if err != nil {
		t.Fatalf("PublishSlot: %v", err)
	}
	return sl
}

func (h *harness) proof() Proof {
	return Proof{Signature: signatureText, OCSP: ocspText, SignedAt: h.clock.Now()}
}

func (h *harness) input(slotID string) BookInput {
	return BookInput{
		SlotID:           slotID,
		Applicant:        Identity{Personnummer: pnApplicant, Name: applicantEidName},
		Contact:          Contact{Name: applicantName, Address: applicantAddress, Email: applicantEmail, Mobile: applicantMobile},
		CoApplicantEmail: coEmail,
		Proof:            h.proof(),
	}
}

// book books slotID for the applicant.
func (h *harness) book(t *testing.T, slotID string) (Booking, string) {
	t.Helper()
	b, tok, err := h.s.Book(h.input(slotID))
	if err != nil {
		t.Fatalf("Book: %v", err)
	}
	return b, tok
}

// confirmed books slotID and has the co-applicant sign.
func (h *harness) confirmed(t *testing.T, slotID string) Booking {
	t.Helper()
	b, tok := h.book(t, slotID)
	if _, err := h.s.CoSign(tok, Identity{Personnummer: pnCo, Name: coName}, h.proof()); err != nil {
		t.Fatalf("CoSign: %v", err)
	}
	return b
}

// deliver sends the outbox through the harness's mailer.
func (h *harness) deliver(t *testing.T) int {
	t.Helper()
	n, err := h.s.DeliverMail(context.Background(), h.mailer)
	if err != nil {
		t.Fatalf("DeliverMail: %v", err)
	}
	return n
}

func (h *harness) slotState(t *testing.T, id string) SlotState {
	t.Helper()
	sl, err := h.s.Slot(id)
	if err != nil {
		t.Fatal(err)
	}
	return sl.State
}

func (h *harness) myBooking(t *testing.T, pn, id string) MyBooking {
	t.Helper()
	list, err := h.s.BookingsFor(pn)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("booking %s not on Mina sidor of the person", id)
	return MyBooking{}
}

// counts is Counts of every month as a map "YYYY-MM|form|outcome" → n.
func (h *harness) counts(t *testing.T) map[string]uint64 {
	t.Helper()
	cs, err := h.s.Counts(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, c := range cs {
		out[c.Month+"|"+string(c.Form)+"|"+string(c.Outcome)] = c.N
	}
	return out
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var e *Error
	if errors.As(err, &e) && (e.Sv == "" || e.En == "") {
		t.Fatalf("error %s lacks a Swedish or English text", e.Code)
	}
}
