package interest

import (
	"context"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/consent"
	"parentline/internal/field"
	"parentline/internal/testkit"
	"parentline/internal/testkit/testmail"
)

// The people of the store tests. The numbers are valid-looking 12-digit
// personnummer; distinctive enough to search the file and the logs for.
const (
	pnAnna   = "198507092388"
	nameAnna = "Annabella Provdottersson"
	pnBo     = "197712243911"
	nameBo   = "Bosse Exempelsson"
)

// What Anna writes: distinctive strings that must never be on disk in
// clear, nor in a log.
const (
	givenAnna   = "Annabella"
	surnameAnna = "Provdottersson"
	emailAnna   = "annabella.provdottersson@example.se"
	phoneAnna   = "070-987 65 43"
	phoneDigits = "9876543"
	addressAnna = "Hemligvägen 42"
	healthNote  = "Xylofonallergi och migränbesvär"
	motivation  = "Vi vill ge ett barn trygghet i Zyxbergsgården"
	newEmail    = "ny.adress.provdottersson@example.se"
	newPhone    = "073-555 12 12"
)

// personalStrings are what must never be in a log, nor (after delivery of
// the mail) in the database file.
var personalStrings = []string{pnAnna, pnAnna[2:], pnBo, pnBo[2:], nameAnna, nameBo, givenAnna, surnameAnna,
	emailAnna, phoneAnna, phoneDigits, addressAnna, healthNote, motivation, newEmail, newPhone, "Zyxbergsgården"}

// ---- the test forms ----

// testAnswers is the test foster form's answers.
type testAnswers struct {
	Municipalities []string    `json:"municipalities"`
	Contact        testContact `json:"contact"`
	Health         *testHealth `json:"health,omitempty"`
	Motivation     string      `json:"motivation,omitempty"`
}

type testContact struct {
	GivenName string `json:"given_name"`
	Surname   string `json:"surname"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Email     string `json:"email,omitempty"`
}

type testHealth struct {
	Comment string `json:"comment"`
}

var unreadable = field.Message{Sv: "Svaren kunde inte läsas.", En: "The answers could not be read."}

var assessmentReason = field.Message{
	Sv: "Kommunen bedömer din anmälan. Den ingår i ett pågående ärende och kan inte raderas härifrån förrän bedömningen är klar.",
	En: "The municipality is assessing your registration. It is part of an ongoing case and cannot be deleted from here until the assessment is finished.",
}

const (
	retainReceived   = 365 * 24 * time.Hour
	retainAssessment = 180 * 24 * time.Hour
)

// fosterForm is a small foster form: municipalities (several), a contact,
// health (left out of drafts) and a motivation. Its Validate checks little
// and passes every municipality code through, so the Store's own check of
// open units is tested too.
func fosterForm(units []Unit) Form {
	return Form{
		Kind: "foster", Prefix: "FH", RolePrefix: "foster", StaffPage: "/familjehem/personal/",
		Title: field.Message{Sv: "Intresseanmälan familjehem", En: "Foster home registration"},
		Units: units,
		Statuses: []Status{
			{Code: "received", Label: field.Message{Sv: "Inkommen", En: "Received"}, Erasable: true, RetainFor: retainReceived},
			{Code: "assessment", Label: field.Message{Sv: "Under bedömning", En: "Under assessment"},
				KeepReason: assessmentReason, RetainFor: retainAssessment},
		},
		Consent: ConsentText{Version: "2026-1",
			Text: field.Message{Sv: "Jag samtycker till att kommunen behandlar mina hälsouppgifter.",
				En: "I consent to the municipality processing my health data."},
			What: field.Message{Sv: "Behandling av hälsouppgifter (art. 9)", En: "Processing of health data (art. 9)"}},
		Validate: func(raw json.RawMessage, c Citizen) (Checked, field.Errors) {
			e := field.Errors{}
			var a testAnswers
			if err := json.Unmarshal(raw, &a); err != nil {
				return Checked{}, field.Errors{"": unreadable}
			}
			if len(a.Municipalities) == 0 {
				e.Add("municipalities", field.Message{Sv: "Välj minst en kommun.", En: "Choose at least one municipality."})
			}
			a.Contact.GivenName = field.Text(e, "contact.given_name", a.Contact.GivenName,
				field.Spec{What: field.Message{Sv: "ditt förnamn", En: "your first name"}})
			a.Contact.Email = field.Email(e, "contact.email", a.Contact.Email,
				field.Spec{What: field.Message{Sv: "din e-postadress", En: "your e-mail address"}, Optional: true})
			if len(e) > 0 {
				return Checked{}, e
			}
			canon, _ := json.Marshal(a)
			return Checked{Answers: canon, Units: a.Municipalities, Email: a.Contact.Email, Name: a.Contact.GivenName}, nil
		},
		Draft: func(raw json.RawMessage) (json.RawMessage, error) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, err
			}
			delete(m, "health")
			return json.Marshal(m)
		},
		Mail: func(c Checked, ids []string, link, lang string) (string, string) {
			if lang == "en" {
				return "Your registration", "Hello " + c.Name + ",\nwe have received " + strings.Join(ids, ", ") + ".\n" + link
			}
			return "Din intresseanmälan", "Hej " + c.Name + "!\nVi har tagit emot " + strings.Join(ids, ", ") + ".\n" + link
		},
	}
}

// programmeForm is a small programme form: one district, a programme
// (the label) and a contact; no drafts.
func programmeForm(units []Unit) Form {
	return Form{
		Kind: "programme", Prefix: "FS", RolePrefix: "coordinator",
		Title: field.Message{Sv: "Anmälan till föräldrastöd", En: "Parenting programme registration"},
		Units: units,
		Statuses: []Status{
			{Code: "received", Label: field.Message{Sv: "Mottagen", En: "Received"}, Erasable: true, RetainFor: retainReceived},
			{Code: "closed", Label: field.Message{Sv: "Avslutad", En: "Closed"}, Erasable: true, RetainFor: 30 * 24 * time.Hour},
		},
		Consent: ConsentText{Version: "p-1", Text: field.Message{Sv: "Jag samtycker.", En: "I consent."},
			What: field.Message{Sv: "Samtycke", En: "Consent"}},
		Validate: func(raw json.RawMessage, c Citizen) (Checked, field.Errors) {
			e := field.Errors{}
			var a struct {
				Programme string      `json:"programme"`
				District  string      `json:"district"`
				Contact   testContact `json:"contact"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				return Checked{}, field.Errors{"": unreadable}
			}
			label := map[string]string{"abc": "ABC", "komet": "Komet"}[a.Programme]
			if label == "" {
				e.Add("programme", field.Message{Sv: "Välj program.", En: "Choose a programme."})
				return Checked{}, e
			}
			canon, _ := json.Marshal(a)
			return Checked{Answers: canon, Units: []string{a.District}, Label: label, Email: a.Contact.Email}, nil
		},
	}
}

// ---- the harness ----

type harness struct {
	s      *Store
	db     *bolt.DB
	path   string
	clock  *testkit.Clock
	logs   *testkit.LogBuffer
	mailer *testmail.Mailer
	// keys are the readers' private keys by unit code.
	keys map[string][]*ecdh.PrivateKey
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-interest-test")

const baseURL = "https://etjanster.example.se"

// start is the tests' first moment: Tuesday 1 December 2026, 10:00 in Sweden.
var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newKeys makes n reader key pairs.
func newKeys(t *testing.T, n int) ([]*ecdh.PrivateKey, []*ecdh.PublicKey) {
	t.Helper()
	var privs []*ecdh.PrivateKey
	var pubs []*ecdh.PublicKey
	for range n {
		k, err := consent.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		privs = append(privs, k)
		pubs = append(pubs, k.PublicKey())
	}
	return privs, pubs
}

// newHarness opens a Store on a fresh bbolt file with the two test forms:
// foster units 2380 Östersund (one key), 2321 Åre (two keys) and 2303
// Ragunda (no key: not open); programme districts kungsholmen and bromma.
// At the end of a passing test it checks that the log holds no personal
// data.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessNotifying(t, nil)
}

// newHarnessNotifying is newHarness with notify[code] as the units'
// shared mailboxes.
func newHarnessNotifying(t *testing.T, notify map[string]string) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parentline.db")
	h := &harness{db: openDB(t, path), path: path, clock: testkit.NewClock(start), logs: &testkit.LogBuffer{},
		mailer: &testmail.Mailer{}, keys: map[string][]*ecdh.PrivateKey{}}
	t.Cleanup(func() { h.db.Close() })
	unit := func(code, name string, n int) Unit {
		privs, pubs := newKeys(t, n)
		h.keys[code] = privs
		return Unit{Code: code, Name: name, Keys: pubs, Notify: notify[code]}
	}
	foster := fosterForm([]Unit{unit("2380", "Östersund", 1), unit("2321", "Åre", 2), unit("2303", "Ragunda", 0)})
	programme := programmeForm([]Unit{unit("kungsholmen", "Kungsholmen", 1), unit("bromma", "Bromma", 1)})
	s, err := Open(h.db, Options{Secret: testSecret, BaseURL: baseURL + "/", Now: h.clock.Now,
		Log: zerolog.New(h.logs)}, foster, programme)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
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

var anna = Citizen{PersonalNumber: pnAnna, Name: nameAnna}
var bo = Citizen{PersonalNumber: pnBo, Name: nameBo}

// fosterAnswers are Anna's answers for the given municipalities.
func fosterAnswers(munis ...string) json.RawMessage {
	raw, _ := json.Marshal(testAnswers{Municipalities: munis,
		Contact:    testContact{GivenName: givenAnna, Surname: surnameAnna, Address: addressAnna, Phone: phoneAnna, Email: emailAnna},
		Health:     &testHealth{Comment: healthNote},
		Motivation: motivation})
	return raw
}

func programmeAnswers(programme, district string) json.RawMessage {
	raw, _ := json.Marshal(map[string]any{"programme": programme, "district": district,
		"contact": testContact{GivenName: givenAnna, Surname: surnameAnna, Email: emailAnna}})
	return raw
}

// submit submits Anna's (or c's) foster registration and fails the test on
// an error.
func (h *harness) submit(t *testing.T, c Citizen, munis ...string) []Record {
	t.Helper()
	recs, err := h.s.Submit("foster", c, fosterAnswers(munis...), true, "sv")
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return recs
}

// open opens env with the first key of unit.
func (h *harness) open(t *testing.T, env consent.Envelope, ref, unit string) map[string]any {
	t.Helper()
	plain, err := consent.Open(env, ref, h.keys[unit][0])
	if err != nil {
		t.Fatalf("opening %s with unit %s's key: %v", ref, unit, err)
	}
	var m map[string]any
	if err := json.Unmarshal(plain, &m); err != nil {
		t.Fatal(err)
	}
	return m
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

// rawFile closes the database, reads its file and opens it again (with a
// new Store on it).
func (h *harness) rawFile(t *testing.T) []byte {
	t.Helper()
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatal(err)
	}
	h.db = openDB(t, h.path)
	s, err := Open(h.db, h.s.opts, h.forms()...)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return raw
}

func (h *harness) forms() []Form {
	var out []Form
	for _, k := range h.s.kinds {
		out = append(out, h.s.forms[k].Form)
	}
	return out
}

// actions is the audit trail about ref as "actor action" lines.
func (h *harness) actions(t *testing.T, ref string) []string {
	t.Helper()
	entries, err := audit.Trail(h.db, ref)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Actor+" "+e.Action)
	}
	return out
}

// count is the number of keys in bucket.
func (h *harness) count(t *testing.T, bucket []byte) int {
	t.Helper()
	n := 0
	err := h.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucket).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}
