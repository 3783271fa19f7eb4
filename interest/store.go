package interest

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/consent"
	"parentline/internal/field"
	"parentline/internal/sealbox"
	"parentline/mail"
	"parentline/mail/outbox"
)

// Defaults of Options.
const (
	DefaultDraftFor   = 30 * 24 * time.Hour
	DefaultPurgeEvery = 24 * time.Hour
	DefaultMailEvery  = 30 * time.Second
)

// MaxAnswers is the most bytes of answers Submit and SaveDraft take (and
// the most bytes of a request body the HTTP routes read).
const MaxAnswers = 64 << 10

// PathMyPages is where mails send the citizen: Options.BaseURL + PathMyPages.
const PathMyPages = "/mina-sidor/"

// Options configure a Store. Secret and BaseURL are required.
type Options struct {
	// Secret keys the HMAC-SHA256 of the person index ("person|"+pn) and of
	// the register-once keys, and the drafts' AES key is derived from it.
	// At least 32 bytes, kept outside the database, the same across
	// restarts (with another secret the index finds nothing and drafts do
	// not open).
	Secret []byte
	// BaseURL is where the service is reached; mails link to
	// BaseURL + PathMyPages.
	BaseURL string
	// Mailer, when set, is what Run delivers the outbox through; nil: Run
	// does not deliver (call DeliverMail yourself).
	Mailer mail.Mailer
	// Log gets ids, kinds, units, statuses and counts; never personal data.
	Log zerolog.Logger
	// Now is the clock; default time.Now. Tests set it.
	Now func() time.Time
	// DraftFor is how long a draft is kept after it was last saved;
	// default 30 days.
	DraftFor time.Duration
	// PurgeEvery (default daily) and MailEvery (default 30 s; also at once
	// after a change queued mail) are Run's intervals.
	PurgeEvery, MailEvery time.Duration
}

// Store keeps the interest registrations of its Forms in buckets named
// "interest/..." of a bbolt file the caller opens. It is safe for
// concurrent use; every change is one bbolt write transaction together
// with its audit entries and mail.
type Store struct {
	db     *bolt.DB
	opts   Options
	base   string // BaseURL without a trailing slash
	log    zerolog.Logger
	forms  map[string]*formInfo
	kinds  []string // in the order given to Open
	drafts *sealbox.Box

	delivery *outbox.Deliverer // DeliverMail, one at a time
	wake     chan struct{}     // a mail was queued

	// ranJob, if set (by tests), is called after each job Run runs.
	ranJob func(job string, err error)
}

// formInfo is a Form with its lookups.
type formInfo struct {
	Form
	units    map[string]Unit
	statuses map[string]Status
	// longest is the longest RetainFor of its statuses: the retention of a
	// record whose status the form no longer has.
	longest time.Duration
}

// The buckets this package owns.
var (
	bucketRecords = []byte("interest/records") // record id → storedRecord
	bucketPeople  = []byte("interest/people")  // HMAC("person|"+pn) (32 bytes) + record id → nil
	bucketOnce    = []byte("interest/once")    // HMAC("once|"+kind|unit|label|pn) → record id
	bucketDrafts  = []byte("interest/drafts")  // kind + 0 + HMAC("person|"+pn) → storedDraft
	bucketOutbox  = []byte("interest/outbox")  // sequence (8 bytes) → outbox.Job
	bucketScrub   = []byte("interest/scrub")   // filler while scrubbing free pages; normally absent
)

var allBuckets = [][]byte{bucketRecords, bucketPeople, bucketOnce, bucketDrafts, bucketOutbox}

// draftKeyInfo labels the drafts' AES key, derived from Options.Secret.
const draftKeyInfo = "parentline/interest/drafts/aes-256-gcm/v1"

// Open checks the forms, makes the buckets on first use and returns the
// Store. The caller opens and closes db.
func Open(db *bolt.DB, opts Options, forms ...Form) (*Store, error) {
	if db == nil {
		return nil, errors.New("interest: no database")
	}
	if len(opts.Secret) < 32 {
		return nil, errors.New("interest: the secret must be at least 32 bytes")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("interest: BaseURL must be an absolute http(s) URL without query, e.g. https://etjanster.example.se")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DraftFor <= 0 {
		opts.DraftFor = DefaultDraftFor
	}
	if opts.PurgeEvery <= 0 {
		opts.PurgeEvery = DefaultPurgeEvery
	}
	if opts.MailEvery <= 0 {
		opts.MailEvery = DefaultMailEvery
	}
	opts.Secret = append([]byte(nil), opts.Secret...)
	key, err := hkdf.Key(sha256.New, opts.Secret, nil, draftKeyInfo, sealbox.KeySize)
	if err != nil {
		return nil, fmt.Errorf("interest: deriving the drafts' key: %w", err)
	}
	box, err := sealbox.New(key)
	if err != nil {
		return nil, fmt.Errorf("interest: %w", err)
	}
	s := &Store{db: db, opts: opts, base: strings.TrimRight(opts.BaseURL, "/"),
		log: opts.Log.With().Str("component", "interest").Logger(), forms: map[string]*formInfo{},
		drafts: box, wake: make(chan struct{}, 1)}
	s.delivery = &outbox.Deliverer{DB: db, Bucket: bucketOutbox, Name: "interest", Now: s.now, Log: s.log,
		AfterSent: func() error {
			_, err := s.scrubFreePages()
			return s.internal(err, "scrubbing free pages")
		}}
	prefixes := map[string]string{}
	for _, f := range forms {
		fi, err := checkForm(f)
		if err != nil {
			return nil, err
		}
		if _, dup := s.forms[f.Kind]; dup {
			return nil, fmt.Errorf("interest: two forms of kind %q", f.Kind)
		}
		if other, dup := prefixes[f.Prefix]; dup {
			return nil, fmt.Errorf("interest: forms %q and %q have the same id prefix %q", other, f.Kind, f.Prefix)
		}
		prefixes[f.Prefix] = f.Kind
		s.forms[f.Kind] = fi
		s.kinds = append(s.kinds, f.Kind)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("interest: %w", err)
	}
	return s, nil
}

// checkForm returns f with its lookups, or says what is wrong with it.
func checkForm(f Form) (*formInfo, error) {
	switch {
	case f.Kind == "" || len(f.Kind) > 20 || strings.Trim(f.Kind, "abcdefghijklmnopqrstuvwxyz") != "":
		return nil, fmt.Errorf("interest: form kind %q must be 1–20 letters a-z", f.Kind)
	case f.Kind == "mine":
		return nil, errors.New(`interest: "mine" cannot be a form kind (it is a route)`)
	case len(f.Prefix) != 2 || strings.Trim(f.Prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return nil, fmt.Errorf("interest: form %s: the id prefix %q must be two capital letters", f.Kind, f.Prefix)
	case f.RolePrefix == "" || strings.Contains(f.RolePrefix, ":"):
		return nil, fmt.Errorf("interest: form %s: a role prefix without ':' is needed", f.Kind)
	case len(f.Statuses) == 0:
		return nil, fmt.Errorf("interest: form %s has no statuses", f.Kind)
	case f.StaffPage != "" && (!strings.HasPrefix(f.StaffPage, "/") || strings.ContainsAny(f.StaffPage, "?#")):
		return nil, fmt.Errorf("interest: form %s: the staff page %q must be a path", f.Kind, f.StaffPage)
	case f.Validate == nil:
		return nil, fmt.Errorf("interest: form %s has no Validate", f.Kind)
	}
	fi := &formInfo{Form: f, units: map[string]Unit{}, statuses: map[string]Status{}}
	fi.Units = slices.Clone(f.Units)
	fi.Statuses = slices.Clone(f.Statuses)
	for _, u := range fi.Units {
		if !validCode(u.Code) {
			return nil, fmt.Errorf("interest: form %s: unit code %q must be 1–40 of a-z, 0-9, '.', '_', '-'", f.Kind, u.Code)
		}
		if _, dup := fi.units[u.Code]; dup {
			return nil, fmt.Errorf("interest: form %s: unit %s twice", f.Kind, u.Code)
		}
		if u.Notify != "" && !field.ValidEmail(u.Notify) {
			return nil, fmt.Errorf("interest: form %s: unit %s: the notification address %q is not an e-mail address", f.Kind, u.Code, u.Notify)
		}
		for _, k := range u.Keys {
			if k == nil {
				return nil, fmt.Errorf("interest: form %s: unit %s has a nil key", f.Kind, u.Code)
			}
		}
		fi.units[u.Code] = u
	}
	for _, st := range fi.Statuses {
		if st.Code == "" || !validCode(st.Code) {
			return nil, fmt.Errorf("interest: form %s: status code %q must be 1–40 of a-z, 0-9, '.', '_', '-'", f.Kind, st.Code)
		}
		if _, dup := fi.statuses[st.Code]; dup {
			return nil, fmt.Errorf("interest: form %s: status %s twice", f.Kind, st.Code)
		}
		if st.RetainFor <= 0 {
			return nil, fmt.Errorf("interest: form %s: status %s needs a RetainFor", f.Kind, st.Code)
		}
		if !st.Erasable && st.KeepReason.Sv == "" {
			return nil, fmt.Errorf("interest: form %s: status %s is not erasable and needs a KeepReason", f.Kind, st.Code)
		}
		fi.statuses[st.Code] = st
		fi.longest = max(fi.longest, st.RetainFor)
	}
	return fi, nil
}

// validCode reports whether c may be a unit or status code: 1–40 of a-z,
// 0-9, '.', '_', '-'.
func validCode(c string) bool {
	return c != "" && len(c) <= 40 && strings.Trim(c, "abcdefghijklmnopqrstuvwxyz0123456789._-") == ""
}

// Form returns the form of kind.
func (s *Store) Form(kind string) (Form, bool) {
	fi, ok := s.forms[kind]
	if !ok {
		return Form{}, false
	}
	return fi.Form, true
}

// Kinds are the forms' kinds, in the order given to Open.
func (s *Store) Kinds() []string { return slices.Clone(s.kinds) }

func (s *Store) form(kind string) (*formInfo, error) {
	fi, ok := s.forms[kind]
	if !ok {
		return nil, ErrUnknownKind
	}
	return fi, nil
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// signal wakes Run's mail delivery.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// internal logs a storage failure and returns it wrapped; the Store's own
// errors (ErrNotFound, *KeepError, field.Errors, …) pass through unchanged.
func (s *Store) internal(err error, what string) error {
	if err == nil || isUserError(err) {
		return err
	}
	s.log.Error().Err(err).Msg(what)
	return fmt.Errorf("interest: %s: %w", what, err)
}

// isUserError reports whether err is one of the Store's answers rather than
// a failure.
func isUserError(err error) bool {
	var fe field.Errors
	var ae *AlreadyError
	var ke *KeepError
	for _, e := range []error{ErrNotFound, ErrForeignUnit, ErrNoDraft, ErrUnknownKind, ErrDraftsNotKept,
		ErrTooLarge, ErrBadAnswers} {
		if errors.Is(err, e) {
			return true
		}
	}
	return errors.As(err, &fe) || errors.As(err, &ae) || errors.As(err, &ke)
}

// txn is one bbolt transaction with the store's helpers; now is read once
// inside it.
type txn struct {
	s      *Store
	tx     *bolt.Tx
	now    time.Time
	mailed bool // a mail job was queued
}

// update runs fn in one write transaction and wakes the mail delivery after
// a commit that queued mail.
func (s *Store) update(fn func(t *txn) error) error {
	var mailed bool
	err := s.db.Update(func(tx *bolt.Tx) error {
		t := &txn{s: s, tx: tx, now: s.now()}
		err := fn(t)
		mailed = t.mailed
		return err
	})
	if err == nil && mailed {
		s.signal()
	}
	return err
}

// view runs fn in one read transaction.
func (s *Store) view(fn func(t *txn) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return fn(&txn{s: s, tx: tx, now: s.now()})
	})
}

func (t *txn) bucket(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

// ConsentState is the consent of a record: the version of the text given,
// when, and when it was withdrawn (zero while it stands).
type ConsentState struct {
	Version   string    `json:"version"`
	Given     time.Time `json:"given"`
	Withdrawn time.Time `json:"withdrawn,omitzero"`
}

// Correction is a contact correction the citizen sent after submitting,
// sealed to the record's unit like the record (reference: the record id +
// "/correction/" + its number, from 1).
type Correction struct {
	At       time.Time        `json:"at"`
	Envelope consent.Envelope `json:"envelope"`
}

// Record is one registration as staff and the citizen see its metadata.
// Everything the citizen wrote, and who they are, is in Envelope, sealed to
// the unit's readers.
type Record struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Unit     string    `json:"unit"`
	UnitName string    `json:"unit_name"`
	Label    string    `json:"label"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	// StatusAt is when the record entered its status; DeleteAfter is then
	// plus the status's RetainFor, when Purge deletes it.
	StatusAt    time.Time    `json:"status_at"`
	DeleteAfter time.Time    `json:"delete_after"`
	Consent     ConsentState `json:"consent"`
	// Envelope and Corrections are set by Get and Sealed only.
	Envelope    *consent.Envelope `json:"envelope,omitempty"`
	Corrections []Correction      `json:"corrections,omitempty"`
}

// Mine is a record as its citizen sees it on Mina sidor.
type Mine struct {
	Record
	StatusLabel field.Message `json:"status_label"`
	// Erasable: the citizen may withdraw it now; otherwise KeepReason says
	// why not.
	Erasable   bool          `json:"erasable"`
	KeepReason field.Message `json:"keep_reason"`
	Title      field.Message `json:"title"` // the form's title
}

// storedRecord is a record as stored: metadata in clear, the rest sealed.
type storedRecord struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Unit     string       `json:"unit"`
	Label    string       `json:"label,omitempty"`
	Status   string       `json:"status"`
	Created  time.Time    `json:"created"`
	Updated  time.Time    `json:"updated"`
	StatusAt time.Time    `json:"status_at"`
	Consent  ConsentState `json:"consent"`
	// Person is HMAC("person|"+pn), Once HMAC("once|"+kind|unit|label|pn):
	// the keys of the record's index entries.
	Person      []byte           `json:"person"`
	Once        []byte           `json:"once"`
	Envelope    consent.Envelope `json:"envelope"`
	Corrections []Correction     `json:"corrections,omitempty"`
}

// status is the record's status in its form, and whether the form has it.
func (r storedRecord) status(fi *formInfo) (Status, bool) {
	st, ok := fi.statuses[r.Status]
	return st, ok
}

// deleteAfter is when Purge deletes the record.
func (r storedRecord) deleteAfter(fi *formInfo) time.Time {
	if st, ok := r.status(fi); ok {
		return r.StatusAt.Add(st.RetainFor)
	}
	return r.StatusAt.Add(fi.longest)
}

// erasable is the status's Erasable and KeepReason.
func (r storedRecord) erasable(fi *formInfo) (bool, field.Message) {
	st, ok := r.status(fi)
	if !ok {
		return false, field.Message{
			Sv: "Anmälan har en status som inte längre finns i e-tjänsten. Kontakta mottagaren.",
			En: "The registration has a status the e-service no longer has. Please contact the recipient."}
	}
	if st.Erasable {
		return true, field.Message{}
	}
	return false, st.KeepReason
}

// view is the record's metadata; full adds its envelope and corrections.
func (r storedRecord) view(fi *formInfo, full bool) Record {
	name := r.Unit
	if u, ok := fi.units[r.Unit]; ok {
		name = u.Name
	}
	out := Record{ID: r.ID, Kind: r.Kind, Unit: r.Unit, UnitName: name, Label: r.Label, Status: r.Status,
		Created: r.Created, Updated: r.Updated, StatusAt: r.StatusAt, DeleteAfter: r.deleteAfter(fi), Consent: r.Consent}
	if full {
		env := r.Envelope
		out.Envelope = &env
		out.Corrections = slices.Clone(r.Corrections)
	}
	return out
}

// mine is the record as its citizen sees it.
func (r storedRecord) mine(fi *formInfo) Mine {
	m := Mine{Record: r.view(fi, false), Title: fi.Title}
	if st, ok := r.status(fi); ok {
		m.StatusLabel = st.Label
	} else {
		m.StatusLabel = field.Message{Sv: r.Status, En: r.Status}
	}
	m.Erasable, m.KeepReason = r.erasable(fi)
	return m
}

func getJSON[T any](b *bolt.Bucket, key []byte) (T, bool, error) {
	var v T
	raw := b.Get(key)
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("reading a stored value: %w", err)
	}
	return v, true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// record reads a record by an id as given; ok is false for an unknown or
// malformed id.
func (t *txn) record(id string) (storedRecord, bool, error) {
	id = normID(id)
	if id == "" {
		return storedRecord{}, false, nil
	}
	r, ok, err := getJSON[storedRecord](t.bucket(bucketRecords), []byte(id))
	if err != nil {
		return r, false, fmt.Errorf("record %s: %w", id, err)
	}
	return r, ok, nil
}

func (t *txn) putRecord(r storedRecord) error {
	return putJSON(t.bucket(bucketRecords), []byte(r.ID), r)
}

// deleteRecord deletes a record with its index entries and any mail that
// is only about records now gone.
func (t *txn) deleteRecord(r storedRecord) error {
	if err := t.bucket(bucketRecords).Delete([]byte(r.ID)); err != nil {
		return err
	}
	if err := t.bucket(bucketPeople).Delete(append(slices.Clone(r.Person), r.ID...)); err != nil {
		return err
	}
	once := t.bucket(bucketOnce)
	if v := once.Get(r.Once); v != nil && string(v) == r.ID {
		if err := once.Delete(r.Once); err != nil {
			return err
		}
	}
	_, err := t.dropOrphanMail(time.Time{})
	return err
}

// personRecords returns the records indexed under the person hash p.
func (t *txn) personRecords(p []byte) ([]storedRecord, error) {
	var out []storedRecord
	c := t.bucket(bucketPeople).Cursor()
	for k, _ := c.Seek(p); k != nil && len(k) > len(p) && hmac.Equal(k[:len(p)], p); k, _ = c.Next() {
		r, ok, err := getJSON[storedRecord](t.bucket(bucketRecords), k[len(p):])
		if err != nil {
			return nil, err
		}
		if ok && hmac.Equal(r.Person, p) {
			out = append(out, r)
		}
	}
	// Newest first; equal times by id, so the order is stable.
	slices.SortFunc(out, func(a, b storedRecord) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// keyed is HMAC-SHA256 under Options.Secret of the parts joined by "|".
func (s *Store) keyed(parts ...string) []byte {
	m := hmac.New(sha256.New, s.opts.Secret)
	m.Write([]byte(strings.Join(parts, "|")))
	return m.Sum(nil)
}

// personKey is the index key of a personnummer: HMAC("person|"+pn).
func (s *Store) personKey(pn string) []byte { return s.keyed("person", pn) }

// onceKey is the register-once key of a person at a unit (+label):
// HMAC("once|"+kind|unit|label|pn).
func (s *Store) onceKey(kind, unit, label, pn string) []byte {
	return s.keyed("once", kind, unit, label, pn)
}

// validPN reports whether pn looks like a personnummer from the e-ID: 12
// digits.
func validPN(pn string) bool {
	return len(pn) == 12 && strings.Trim(pn, "0123456789") == ""
}

// hasRole reports whether roles hold prefix+":"+unit.
func hasRole(roles []string, prefix, unit string) bool {
	return unit != "" && slices.Contains(roles, prefix+":"+unit)
}

// IDs use Crockford's base32 alphabet (no I, L, O, U): they are read out on
// the phone and typed from letters.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newID picks prefix + "-" + 8 random characters (40 bits) in two groups,
// e.g. "FH-7K2M-Q9XD", not used in b.
func newID(b *bolt.Bucket, prefix string) (string, error) {
	for range 20 {
		raw := make([]byte, 8)
		rand.Read(raw)
		for i := range raw {
			raw[i] = crockford[raw[i]&31]
		}
		id := prefix + "-" + string(raw[:4]) + "-" + string(raw[4:])
		if b.Get([]byte(id)) == nil {
			return id, nil
		}
	}
	return "", errors.New("no free id after 20 tries")
}

// normID is an id as typed, in its stored form ("fh-7k2m-q9xd",
// "FH 7K2M Q9XD" and "FH-7K2M-Q9XO" (letter O) read as "FH-7K2M-Q9X0"), or
// "" if it cannot be an id.
func normID(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	if len(id) != 12 {
		return ""
	}
	b := []byte(id)
	if b[0] < 'A' || b[0] > 'Z' || b[1] < 'A' || b[1] > 'Z' {
		return ""
	}
	for _, i := range []int{2, 7} {
		if b[i] != '-' && b[i] != ' ' {
			return ""
		}
		b[i] = '-'
	}
	for i := 3; i < 12; i++ {
		if i == 7 {
			continue
		}
		switch b[i] {
		case 'O':
			b[i] = '0'
		case 'I', 'L':
			b[i] = '1'
		}
		if !strings.ContainsRune(crockford, rune(b[i])) {
			return ""
		}
	}
	return string(b)
}

// auditRef is what the audit trail names for an id as given: the id in its
// stored form, or "malformed" (what was typed is never written).
func auditRef(id string) string {
	if n := normID(id); n != "" {
		return n
	}
	return "malformed"
}
