package mypages

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/booking"
	"parentline/consent"
	"parentline/eid"
	"parentline/eid/testid"
	"parentline/interest"
	"parentline/internal/field"
	"parentline/internal/testkit"
)

// The test persons of the e-ID test provider.
const (
	pnAnna    = "190308189802" // Anna Testsson
	pnBertil  = "190309069813" // Bertil Provsson
	pnCecilia = "190310139803" // Cecilia Exempeldotter: protected identity
	pnDavid   = "190311019814" // David Testman
)

// start is the tests' first moment: Monday 23 November 2026, 10:00 in Sweden.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var secret = []byte("0123456789abcdef0123456789abcdef-mypages-test")

// env is a real server: bbolt in a temp dir, the booking store, e-ID
// sessions with the test provider, Mina sidor over the bookings and regs.
type env struct {
	t        *testing.T
	clk      *testkit.Clock
	db       *bolt.DB
	bk       *booking.Store
	regs     Registrations
	prov     *testid.Provider
	sessions *eid.Sessions
	srv      *httptest.Server
	logs     *testkit.LogBuffer
	log      zerolog.Logger
}

// newEnv starts the server; regs makes the registration source (nil: none).
func newEnv(t *testing.T, regs func(e *env) Registrations) *env {
	t.Helper()
	e := &env{t: t, clk: testkit.NewClock(start), logs: &testkit.LogBuffer{}}
	e.log = zerolog.New(e.logs)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.bk, err = booking.Open(db, booking.Options{Now: e.clk.Now, Secret: secret, BaseURL: "https://etjanster.example.se", Log: e.log})
	if err != nil {
		t.Fatal(err)
	}
	if regs != nil {
		e.regs = regs(e)
	}
	e.prov = testid.New(testid.Options{Now: e.clk.Now})
	e.sessions = eid.NewSessions(eid.SessionOptions{Now: e.clk.Now, Idle: 30 * 24 * time.Hour, Max: 60 * 24 * time.Hour})
	svc := eid.NewService(e.prov, e.sessions, eid.Options{Now: e.clk.Now, Log: e.log})
	mux := http.NewServeMux()
	svc.Register(mux)
	e.prov.Register(mux)
	o := Options{Bookings: e.bk, Sessions: e.sessions, Log: e.log, Now: e.clk.Now}
	if e.regs != nil {
		o.Registrations = e.regs
	}
	New(o).Routes(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		logs := e.logs.String()
		for _, p := range []string{pnAnna, pnAnna[2:], pnBertil, pnCecilia, pnDavid, "Anna Testsson", "Cecilia", "anna@example.se",
			"ny@example.se", "Provgatan", "Nygatan", "701234567"} {
			if strings.Contains(logs, p) {
				t.Errorf("the log contains personal data %q", p)
			}
		}
	})
	return e
}

// client is a browser: an HTTP client with its own cookie jar.
type client struct {
	e *env
	c *http.Client
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// do sends a request; body is JSON-encoded unless a string; headers in pairs.
func (c *client) do(method, path string, body any, headers ...string) resp {
	c.e.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: raw}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// login logs the client in as pn through the test e-ID provider.
func (c *client) login(pn string) *client {
	t := c.e.t
	t.Helper()
	r := c.do("POST", "/api/eid/orders", map[string]string{"kind": "auth"})
	wantStatus(t, r, http.StatusCreated)
	id := r.obj(t)["order"].(string)
	refs := c.e.prov.PendingRefs()
	if len(refs) == 0 {
		t.Fatal("no pending order at the test provider")
	}
	if err := c.e.prov.Complete(refs[0], pn); err != nil {
		t.Fatal(err)
	}
	r = c.do("GET", "/api/eid/orders/"+id, nil)
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["logged_in"] != true {
		t.Fatalf("not logged in: %s", r.body)
	}
	return c
}

func (e *env) proof() booking.Proof {
	return booking.Proof{Signature: "U0lHTkFUVVJF", OCSP: "T0NTUA==", SignedAt: e.clk.Now()}
}

// book publishes a slot `in` from now and books it for pn with the
// contact typed; with coPN the co-applicant signs too.
func (e *env) book(pn, name string, c booking.Contact, coPN string, in time.Duration) booking.Booking {
	e.t.Helper()
	sl, err := e.bk.PublishSlot(booking.SlotInput{Start: e.clk.Now().Add(in), Minutes: 60, Form: booking.FormParterapi,
		Place: booking.PlaceOstersund, Counselor: "Karin Rådgivare"}, "staff")
	if err != nil {
		e.t.Fatal(err)
	}
	b, tok, err := e.bk.Book(booking.BookInput{SlotID: sl.ID, Applicant: booking.Identity{Personnummer: pn, Name: name},
		Contact: c, CoApplicantEmail: "partner@example.se", Proof: e.proof()})
	if err != nil {
		e.t.Fatal(err)
	}
	if coPN != "" {
		if _, err := e.bk.CoSign(tok, booking.Identity{Personnummer: coPN, Name: "Bertil Provsson"}, e.proof()); err != nil {
			e.t.Fatal(err)
		}
	}
	return b
}

var annaContact = booking.Contact{Name: "Anna Testsson", Address: "Provgatan 17\n831 30 Östersund",
	Email: "anna@example.se", Mobile: "070-123 45 67"}

// ---- the fake registration store ----

type fakeRec struct {
	pn string
	m  interest.Mine
}

// fakeRegs is an in-memory Registrations with the contract's behaviour:
// another person's id is ErrNotFound (and "audited" in refused).
type fakeRegs struct {
	mu          sync.Mutex
	now         func() time.Time
	recs        map[string]*fakeRec
	drafts      map[string]interest.DraftInfo // kind + "|" + pn
	refused     []string
	corrections map[string][]interest.Contact // by pn
}

func newFakeRegs(now func() time.Time) *fakeRegs {
	return &fakeRegs{now: now, recs: map[string]*fakeRec{}, drafts: map[string]interest.DraftInfo{},
		corrections: map[string][]interest.Contact{}}
}

var keepAssessment = field.Message{Sv: "Kommunen bedömer din anmälan. Den ingår i ett pågående ärende och kan inte raderas härifrån förrän bedömningen är klar.",
	En: "The municipality is assessing your registration. It is part of an ongoing case and cannot be erased from here until the assessment is done."}

// add stores a record of pn; erasable false gives it the assessment status.
func (f *fakeRegs) add(pn, id, kind, unitName, label string, erasable bool) {
	now := f.now()
	m := interest.Mine{Record: interest.Record{ID: id, Kind: kind, Unit: strings.ToLower(unitName), UnitName: unitName, Label: label,
		Status: "received", Created: now, Updated: now, StatusAt: now, DeleteAfter: now.Add(365 * 24 * time.Hour),
		Consent: interest.ConsentState{Version: kind + "-v1", Given: now}},
		StatusLabel: field.Message{Sv: "Inkommen", En: "Received"}, Erasable: erasable,
		Title: field.Message{Sv: "Intresseanmälan " + kind, En: "Registration " + kind}}
	if !erasable {
		m.Status, m.StatusLabel, m.KeepReason = "assessment", field.Message{Sv: "Under bedömning", En: "Under assessment"}, keepAssessment
		m.DeleteAfter = now.Add(180 * 24 * time.Hour)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs[id] = &fakeRec{pn: pn, m: m}
}

func (f *fakeRegs) Mine(pn string) ([]interest.Mine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []interest.Mine{}
	for _, r := range f.recs {
		if r.pn == pn {
			out = append(out, r.m)
		}
	}
	slices.SortFunc(out, func(a, b interest.Mine) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (f *fakeRegs) own(pn, id string) (*fakeRec, error) {
	r, ok := f.recs[id]
	if !ok || r.pn != pn {
		f.refused = append(f.refused, id)
		return nil, interest.ErrNotFound
	}
	return r, nil
}

func (f *fakeRegs) Withdraw(pn, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.own(pn, id)
	if err != nil {
		return err
	}
	if !r.m.Erasable {
		return &interest.KeepError{Status: r.m.Status, Reason: r.m.KeepReason}
	}
	delete(f.recs, id)
	return nil
}

func (f *fakeRegs) WithdrawConsent(pn, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.own(pn, id)
	if err != nil {
		return false, err
	}
	if r.m.Erasable {
		delete(f.recs, id)
		return true, nil
	}
	r.m.Consent.Withdrawn = f.now()
	return false, nil
}

func (f *fakeRegs) CorrectContact(pn string, c interest.Contact, lang string) (int, error) {
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		return 0, field.Errors{"email": {Sv: "Skriv en giltig e-postadress.", En: "Enter a valid e-mail address."}}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.recs {
		if r.pn == pn {
			n++
		}
	}
	if n > 0 {
		f.corrections[pn] = append(f.corrections[pn], c)
	}
	return n, nil
}

func (f *fakeRegs) EraseAll(pn string) ([]string, []interest.Mine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	erased, kept := []string{}, []interest.Mine{}
	for id, r := range f.recs {
		if r.pn != pn {
			continue
		}
		if r.m.Erasable {
			delete(f.recs, id)
			erased = append(erased, id)
		} else {
			kept = append(kept, r.m)
		}
	}
	for k := range f.drafts {
		if strings.HasSuffix(k, "|"+pn) {
			delete(f.drafts, k)
		}
	}
	slices.Sort(erased)
	return erased, kept, nil
}

func (f *fakeRegs) HasDraft(kind, pn string) (interest.DraftInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.drafts[kind+"|"+pn]
	return d, ok
}

func (f *fakeRegs) Form(kind string) (interest.Form, bool) {
	return interest.Form{Kind: kind, Title: field.Message{Sv: "Formulär " + kind, En: "Form " + kind},
		Consent: interest.ConsentText{Version: kind + "-v1", What: field.Message{Sv: "Samtycke " + kind, En: "Consent " + kind}}}, true
}

func (f *fakeRegs) Sealed(pn string) ([]interest.Record, error) {
	mine, _ := f.Mine(pn)
	out := []interest.Record{}
	for _, m := range mine {
		r := m.Record
		r.Envelope = &consent.Envelope{Version: 1, Suite: "test", Recipients: []consent.Sealed{{KeyID: "k1", Enc: "RU5D", Ciphertext: "Q0lQSEVSVEVYVC0" + m.ID}}}
		out = append(out, r)
	}
	return out, nil
}
