package consent

import (
	"crypto/ecdh"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/internal/testkit"
)

// newClock returns a settable clock at the tests' start.
func newClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
}

type harness struct {
	svc    *Service
	db     *bolt.DB
	path   string
	clock  *testkit.Clock
	keys   []*ecdh.PrivateKey // held by the test: the intake's side
	logs   *testkit.LogBuffer
	mu     sync.Mutex
	notes  []string // Notify calls
	status []string // OnStatus calls: raisedBy|reference|status
	decide []string // OnReportDecided calls: author|id|outcome|reference
}

func openTestDB(t *testing.T) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parentline.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// newHarness makes a Service on a fresh database with two intake keys.
func newHarness(t *testing.T, tune ...func(*Options)) *harness {
	t.Helper()
	db, path := openTestDB(t)
	h := &harness{db: db, path: path, clock: newClock(), logs: &testkit.LogBuffer{}}
	var pubs []*ecdh.PublicKey
	for range 2 {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		h.keys = append(h.keys, k)
		pubs = append(pubs, k.PublicKey())
	}
	opts := Options{
		DB: db, Recipients: pubs, Unit: "Socialtjänstens mottagning, Exempelby", UnitPhone: "0123-45 67 89",
		Log: zerolog.New(h.logs), Now: h.clock.Now,
		Notify: func(ref string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.notes = append(h.notes, ref)
		},
		OnStatus: func(raisedBy, ref, status string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.status = append(h.status, raisedBy+"|"+ref+"|"+status)
		},
		OnReportDecided: func(author, id, outcome, ref string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.decide = append(h.decide, author+"|"+id+"|"+outcome+"|"+ref)
		},
	}
	for _, f := range tune {
		f(&opts)
	}
	svc, err := NewService(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

// Test data. The personnummer is a published test vector (DOMAIN.md §2).
var testDetails = Details{
	Name:         "Kim Testsson",
	Contact:      "kim.testsson@example.se",
	Personnummer: "821105-9954",
	Child:        "Alva, 6 år",
	Help:         "Samtal om sömnen och bråken hemma",
}

const testSummary = "Föräldern berättar om utmattning och återkommande konflikter; vill ha familjebehandling."

// consentFor is what the hub would pass: the text shown, in lang.
func (h *harness) consentFor(lang string) ConsentRecord {
	p := h.svc.ConsentPrompt(lang)
	return ConsentRecord{Text: p.Text, Version: p.Version, Lang: lang, AcceptedAt: h.clock.Now()}
}

func (h *harness) createConsented(t *testing.T) (ref, code string) {
	t.Helper()
	ref, code, err := h.svc.CreateConsented(testDetails, testSummary, h.consentFor("sv"), "anna")
	if err != nil {
		t.Fatalf("CreateConsented: %v", err)
	}
	return ref, code
}

var testReport = Report{
	Author: "anna", AuthorName: "Anna Rådgivare", Chat: "0123456789abcdef",
	What:        "Pappan berättar att han slår sonen när han blir arg.",
	Why:         "Fysiskt våld mot barn i hemmet.",
	Identifying: "Olle Exempelsson, 8 år, Storgatan 1, Exempelby",
	ParentTold:  ParentToldYes, HowTold: "Jag sa i chatten att jag måste anmäla.",
}

// openContent decrypts a case with the test's first intake key.
func (h *harness) openContent(t *testing.T, ref string) Content {
	t.Helper()
	_, env, err := h.svc.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := Open(env, ref, h.keys[0])
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var c Content
	if err := json.Unmarshal(pt, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonMarshal(v any) ([]byte, error)      { return json.Marshal(v) }
func jsonUnmarshalAny(b []byte, v any) error { return json.Unmarshal(b, v) }
