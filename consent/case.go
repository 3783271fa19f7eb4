package consent

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"parentline/audit"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/internal/personnummer"
)

// Case kinds.
const (
	KindConsented = "consented" // the parent consented to passing their details on
	KindMandatory = "mandatory" // a report of concern (orosanmälan), approved by a supervisor
)

// Case statuses.
const (
	StatusNew       = "new"
	StatusReceived  = "received"  // the intake acknowledged it
	StatusForwarded = "forwarded" // the intake passed it on in its own system
	StatusClosed    = "closed"
	StatusWithdrawn = "withdrawn" // the parent withdrew consent; the content is deleted
)

// Limits, in characters.
const (
	MaxDetail  = 500  // each consent detail
	MaxSummary = 2000 // the counsellor's summary
)

// DefaultRetentionDays is how long a case is kept after it is forwarded,
// closed or withdrawn, unless configured.
const DefaultRetentionDays = 90

// The buckets this package owns.
var (
	bucketCases       = []byte("cases")
	bucketMeta        = []byte("consent_meta")
	keyWithdrawSecret = []byte("withdraw_secret")
	bucketEscalations = []byte("tally_escalations")
)

// stockholm is the calendar escalations are counted in.
var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic("consent: " + err.Error())
	}
	return loc
}()

// Details are what a consenting parent chose to give. All are optional
// except a way to contact them.
type Details struct {
	Name         string `json:"name,omitempty"`
	Contact      string `json:"contact,omitempty"` // phone or e-mail
	Personnummer string `json:"personnummer,omitempty"`
	Child        string `json:"child,omitempty"` // the child's first name and age
	Help         string `json:"help,omitempty"`  // what help they want
}

// String hides the details, so that they do not end up in a log by mistake.
func (d Details) String() string { return "consent.Details(redacted)" }

// GoString hides them from %#v too.
func (d Details) GoString() string { return d.String() }

func (d Details) fields() []struct{ name, value string } {
	return []struct{ name, value string }{
		{"name", d.Name}, {"contact", d.Contact}, {"personnummer", d.Personnummer},
		{"child", d.Child}, {"help", d.Help},
	}
}

func (d Details) trimmed() Details {
	return Details{Name: strings.TrimSpace(d.Name), Contact: strings.TrimSpace(d.Contact),
		Personnummer: strings.TrimSpace(d.Personnummer), Child: strings.TrimSpace(d.Child),
		Help: strings.TrimSpace(d.Help)}
}

// Validate checks the details of a consent, trimmed: each at most 500
// characters of text, a contact that is a phone number (7–15 digits; digits,
// spaces, '+' first, '-') or an e-mail address, and a personnummer, if
// given, that is a valid personnummer or samordningsnummer. The error is an
// *Error naming the field, with Swedish and English messages.
func (d Details) Validate(now time.Time) error {
	d = d.trimmed()
	for _, f := range d.fields() {
		if err := checkText(f.name, f.value, MaxDetail); err != nil {
			return err
		}
	}
	if d.Contact == "" {
		return errContactMissing
	}
	if !validPhone(d.Contact) && !validEmail(d.Contact) {
		return errContactInvalid
	}
	if d.Personnummer != "" {
		if _, err := personnummer.Parse(d.Personnummer, now.In(stockholm)); err != nil {
			var pe *personnummer.Error
			if errors.As(err, &pe) {
				return &Error{Code: "personnummer_" + pe.Code, Field: "personnummer", Sv: pe.Sv, En: pe.En}
			}
			return err
		}
	}
	return nil
}

// checkText refuses invalid UTF-8, control characters other than line
// breaks and tabs, and text longer than limit characters.
func checkText(field, s string, limit int) error {
	if !utf8.ValidString(s) {
		return badChars(field)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return badChars(field)
		}
	}
	if utf8.RuneCountInString(s) > limit {
		return tooLong(field, limit)
	}
	return nil
}

func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || len(s) > 254 {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '<' || r == '>' || r == ',' || r == ';' }) {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return utf8.RuneCountInString(tld) >= 2 && !strings.ContainsFunc(tld, func(r rune) bool { return !unicode.IsLetter(r) })
}

// ConsentRecord is what the parent consented to: the exact text shown, its
// version and language, when, and the scope (the detail fields given, and
// "summary" when the counsellor's summary is part of the case).
type ConsentRecord struct {
	Text       string    `json:"text"`
	Version    string    `json:"version"`
	Lang       string    `json:"lang"`
	AcceptedAt time.Time `json:"accepted_at"`
	Scope      []string  `json:"scope"`
}

// Content is the plaintext of a case, as sealed in its envelope. The
// reader's side (the CLI, the intake page) decodes it after opening.
type Content struct {
	Reference string         `json:"reference"`
	Kind      string         `json:"kind"`
	Created   time.Time      `json:"created"`
	Details   *Details       `json:"details,omitempty"`
	Summary   string         `json:"summary,omitempty"`
	Consent   *ConsentRecord `json:"consent,omitempty"`
	Report    *Report        `json:"report,omitempty"`
}

// caseRecord is a case as stored under its reference in "cases". Everything
// but the envelope is metadata in clear; the envelope is the only content.
type caseRecord struct {
	Reference      string     `json:"reference"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	Received       time.Time  `json:"received"`
	Updated        time.Time  `json:"updated"`
	RetentionUntil *time.Time `json:"retention_until,omitempty"`
	RaisedBy       string     `json:"raised_by"`                 // staff username
	WithdrawalHash string     `json:"withdrawal_hash,omitempty"` // hex HMAC-SHA256(secret, reference|code)
	Envelope       *Envelope  `json:"envelope,omitempty"`        // nil once withdrawn
}

// CaseMeta is what may be shown about a case without opening it.
type CaseMeta struct {
	Reference      string    `json:"reference"`
	Kind           string    `json:"kind"`
	Status         string    `json:"status"`
	Received       time.Time `json:"received"`
	Updated        time.Time `json:"updated"`
	RetentionUntil time.Time `json:"retention_until,omitzero"` // set once forwarded, closed or withdrawn
	RaisedBy       string    `json:"raised_by"`                // the counsellor (staff username) who raised it
}

func (r caseRecord) meta() CaseMeta {
	m := CaseMeta{Reference: r.Reference, Kind: r.Kind, Status: r.Status, Received: r.Received,
		Updated: r.Updated, RaisedBy: r.RaisedBy}
	if r.RetentionUntil != nil {
		m.RetentionUntil = *r.RetentionUntil
	}
	return m
}

// Store reads cases from bbolt. It never writes, so the CLI can use it on a
// copy of the data opened read-only.
type Store struct {
	db *bolt.DB
}

// NewStore reads cases from db.
func NewStore(db *bolt.DB) *Store { return &Store{db: db} }

// List returns every case's metadata, newest first. Never content.
func (s *Store) List() ([]CaseMeta, error) {
	out := []CaseMeta{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var r caseRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("consent: reading a case: %w", err)
			}
			out = append(out, r.meta())
			return nil
		})
	})
	slices.SortFunc(out, func(a, b CaseMeta) int {
		if c := b.Received.Compare(a.Received); c != 0 {
			return c
		}
		return strings.Compare(a.Reference, b.Reference)
	})
	return out, err
}

// Get returns a case's metadata and its sealed content; for a withdrawn
// case the envelope is empty (no recipients). ErrNotFound if there is none.
func (s *Store) Get(reference string) (CaseMeta, Envelope, error) {
	var rec caseRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		rec, err = getCase(tx, reference)
		return err
	})
	if err != nil {
		return CaseMeta{}, Envelope{}, err
	}
	return rec.meta(), rec.envelope(), nil
}

func (r caseRecord) envelope() Envelope {
	if r.Envelope == nil {
		return Envelope{}
	}
	return *r.Envelope
}

func getCase(tx *bolt.Tx, reference string) (caseRecord, error) {
	ref, ok := normalizeReference(reference)
	if !ok {
		return caseRecord{}, ErrNotFound
	}
	b := tx.Bucket(bucketCases)
	if b == nil {
		return caseRecord{}, ErrNotFound
	}
	v := b.Get([]byte(ref))
	if v == nil {
		return caseRecord{}, ErrNotFound
	}
	var r caseRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return caseRecord{}, fmt.Errorf("consent: reading case: %w", err)
	}
	return r, nil
}

func putCase(tx *bolt.Tx, r caseRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketCases).Put([]byte(r.Reference), v)
}

// EmergencyContact is a number shown in the counsellor's guidance.
type EmergencyContact struct {
	Label map[string]string // by language: "sv", "en"
	Value string            // what to dial, e.g. "112"
	Href  string            // e.g. "tel:112"; made from Value if empty
}

// Options configures a Service.
type Options struct {
	DB *bolt.DB // required

	// Recipients are the intake staff's public keys; every case is sealed to
	// all of them. With none the server still starts, but creating a case
	// fails with ErrNoRecipients.
	Recipients []*ecdh.PublicKey

	Unit          string // the social-services unit cases go to, named in the consent text; default "Socialtjänsten"
	UnitPhone     string // its phone number (for example the social-services emergency line), for the guidance
	RetentionDays int    // days a case is kept after forwarded, closed or withdrawn; default 90

	Log zerolog.Logger   // references and actions only
	Now func() time.Time // default time.Now

	// Notify is called after a case is stored (for the notification mail to
	// the intake mailbox, which says only that a case exists). It runs on
	// the caller's goroutine: it must not block for long. May be nil.
	Notify func(reference string)
	// OnStatus is called after a case's status changes (including to
	// withdrawn), with the staff username who raised it. May be nil.
	OnStatus func(raisedBy, reference, status string)
	// OnReportDecided is called when a report draft is approved (outcome
	// "approved", with the case reference) or rejected ("rejected", no
	// reference), so the author can be told. May be nil.
	OnReportDecided func(author, id, outcome, reference string)

	// Emergency numbers for the guidance; 112 is always shown first.
	Emergency []EmergencyContact
}

// Service is the concern path: consented escalations and mandatory
// reports become cases sealed to the intake keys, with an audit trail,
// withdrawal and retention. It is safe for concurrent use.
type Service struct {
	*Store
	opts       Options
	recipients []*ecdh.PublicKey
	secret     []byte // HMAC key for withdrawal codes

	mu       sync.Mutex // guards attempts
	attempts map[string]*attempt

	reports reportQueue
}

// attempt counts wrong withdrawal codes for one existing reference.
type attempt struct {
	fails       int
	last        time.Time
	lockedUntil time.Time
}

// Withdrawal throttling: after maxWrongCodes wrong codes for one reference
// within withdrawLockout of each other, every try (even the right code) is
// refused for withdrawLockout.
const (
	maxWrongCodes   = 5
	withdrawLockout = 15 * time.Minute
)

// NewService makes the buckets it needs and the withdrawal-code secret on
// first use. Zero recipients is allowed (the server can start), but then no
// case can be created.
func NewService(opts Options) (*Service, error) {
	if opts.DB == nil {
		return nil, errors.New("consent: no database")
	}
	if opts.RetentionDays <= 0 {
		opts.RetentionDays = DefaultRetentionDays
	}
	opts.Unit = strings.TrimSpace(opts.Unit)
	if opts.Unit == "" {
		opts.Unit = "Socialtjänsten"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var recipients []*ecdh.PublicKey
	seen := map[string]bool{}
	for _, pub := range opts.Recipients {
		if pub == nil || pub.Curve() != ecdh.P256() {
			return nil, errors.New("consent: intake keys must be P-256 public keys")
		}
		if id := KeyID(pub); !seen[id] {
			seen[id] = true
			recipients = append(recipients, pub)
		}
	}
	s := &Service{Store: NewStore(opts.DB), opts: opts, recipients: recipients, attempts: map[string]*attempt{}}
	s.reports.drafts = map[string]Report{}
	err := opts.DB.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCases, bucketMeta, bucketEscalations} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyWithdrawSecret); len(v) == 32 {
			s.secret = append([]byte(nil), v...)
			return nil
		}
		s.secret = make([]byte, 32)
		rand.Read(s.secret)
		return meta.Put(keyWithdrawSecret, s.secret)
	})
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	if len(recipients) == 0 {
		opts.Log.Warn().Msg("no intake key configured: consented escalations and reports cannot be sealed until one is given (--intake-key)")
	}
	return s, nil
}

// ConsentPrompt is the consent request shown to a parent.
type ConsentPrompt struct {
	Text          string
	Version       string
	Lang          string
	SharedWith    string // the unit
	RetentionDays int
}

// ConsentPrompt returns the consent text for lang with this service's unit
// and retention period.
func (s *Service) ConsentPrompt(lang string) ConsentPrompt {
	text, version := ConsentText(lang, s.opts.Unit, s.opts.RetentionDays)
	return ConsentPrompt{Text: text, Version: version, Lang: normLang(lang), SharedWith: s.opts.Unit,
		RetentionDays: s.opts.RetentionDays}
}

// Unit is the configured social-services unit.
func (s *Service) Unit() string { return s.opts.Unit }

// RetentionDays is the configured retention period.
func (s *Service) RetentionDays() int { return s.opts.RetentionDays }

// CanSeal reports whether at least one intake key is configured.
func (s *Service) CanSeal() bool { return len(s.recipients) > 0 }

// CreateConsented stores a consented escalation as a new case: the details
// the parent gave (trimmed; a personnummer in its 12-digit form), the
// counsellor's summary and the consent record, sealed to the intake keys.
// The consent text and version must be what ConsentPrompt gives for the
// record's language; the scope is set from what was actually given. It
// returns the reference and the withdrawal code (shown once to the parent,
// grouped as "ABCD-EFGH-JKMN"; only its keyed hash is stored).
func (s *Service) CreateConsented(details Details, summary string, consent ConsentRecord, raisedBy string) (reference, code string, err error) {
	if len(s.recipients) == 0 {
		return "", "", ErrNoRecipients
	}
	if raisedBy == "" {
		return "", "", ErrNoActor
	}
	now := s.opts.Now()
	d := details.trimmed()
	if err := d.Validate(now); err != nil {
		return "", "", err
	}
	if d.Personnummer != "" {
		n, _ := personnummer.Parse(d.Personnummer, now.In(stockholm))
		d.Personnummer = n.Long()
	}
	summary = strings.TrimSpace(summary)
	if err := checkText("summary", summary, MaxSummary); err != nil {
		return "", "", err
	}
	consent.Lang = normLang(consent.Lang)
	text, version := ConsentText(consent.Lang, s.opts.Unit, s.opts.RetentionDays)
	if consent.Text != text || consent.Version != version {
		return "", "", ErrConsentText
	}
	if consent.AcceptedAt.IsZero() {
		consent.AcceptedAt = now
	}
	consent.Scope = nil
	for _, f := range d.fields() {
		if f.value != "" {
			consent.Scope = append(consent.Scope, f.name)
		}
	}
	if summary != "" {
		consent.Scope = append(consent.Scope, "summary")
	}

	raw := randomCode(codeLen)
	err = s.opts.DB.Update(func(tx *bolt.Tx) error {
		ref, err := newReference(tx)
		if err != nil {
			return err
		}
		c := Content{Reference: ref, Kind: KindConsented, Created: now, Details: &d, Summary: summary, Consent: &consent}
		rec := caseRecord{Reference: ref, Kind: KindConsented, Status: StatusNew, Received: now, Updated: now,
			RaisedBy: raisedBy, WithdrawalHash: s.withdrawalHash(ref, raw)}
		if err := s.store(tx, rec, c); err != nil {
			return err
		}
		if err := audit.Append(tx, now, raisedBy, audit.ActionCreated, ref); err != nil {
			return err
		}
		reference = ref
		return nil
	})
	if err != nil {
		return "", "", s.internal(err, "storing a consented case")
	}
	s.opts.Log.Info().Str("reference", reference).Str("action", audit.ActionCreated).Str("kind", KindConsented).Msg("case")
	if s.opts.Notify != nil {
		s.opts.Notify(reference)
	}
	return reference, formatCode(raw), nil
}

// CreateMandatory seals an approved report of concern as a new case. The
// approver must not be the author (four eyes).
func (s *Service) CreateMandatory(report Report, approvedBy string) (reference string, err error) {
	if len(s.recipients) == 0 {
		return "", ErrNoRecipients
	}
	if approvedBy == "" || report.Author == "" {
		return "", ErrNoActor
	}
	if approvedBy == report.Author {
		return "", ErrOwnReport
	}
	report, err = report.cleaned()
	if err != nil {
		return "", err
	}
	report.ApprovedBy = approvedBy
	now := s.opts.Now()
	err = s.opts.DB.Update(func(tx *bolt.Tx) error {
		ref, err := newReference(tx)
		if err != nil {
			return err
		}
		c := Content{Reference: ref, Kind: KindMandatory, Created: now, Report: &report}
		rec := caseRecord{Reference: ref, Kind: KindMandatory, Status: StatusNew, Received: now, Updated: now,
			RaisedBy: report.Author}
		if err := s.store(tx, rec, c); err != nil {
			return err
		}
		if err := audit.Append(tx, now, report.Author, audit.ActionCreated, ref); err != nil {
			return err
		}
		if err := audit.Append(tx, now, approvedBy, audit.ActionApproved, ref); err != nil {
			return err
		}
		reference = ref
		return nil
	})
	if err != nil {
		return "", s.internal(err, "storing a mandatory report")
	}
	s.opts.Log.Info().Str("reference", reference).Str("action", audit.ActionApproved).Str("kind", KindMandatory).Msg("case")
	if s.opts.Notify != nil {
		s.opts.Notify(reference)
	}
	return reference, nil
}

// store seals c into rec and writes rec and the month's escalation count.
func (s *Service) store(tx *bolt.Tx, rec caseRecord, c Content) error {
	plain, err := json.Marshal(c)
	if err != nil {
		return err
	}
	env, err := Seal(plain, rec.Reference, s.recipients)
	clear(plain)
	if err != nil {
		return err
	}
	rec.Envelope = &env
	if err := putCase(tx, rec); err != nil {
		return err
	}
	return countEscalation(tx, rec.Received, rec.Kind)
}

// countEscalation adds one to "YYYY-MM|kind" (month in Europe/Stockholm).
func countEscalation(tx *bolt.Tx, at time.Time, kind string) error {
	b := tx.Bucket(bucketEscalations)
	key := []byte(at.In(stockholm).Format("2006-01") + "|" + kind)
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n+1))
}

// EscalationCounts returns the monthly escalation counts, keyed
// "YYYY-MM|consented" and "YYYY-MM|mandatory".
func EscalationCounts(db *bolt.DB) (map[string]uint64, error) {
	out := map[string]uint64{}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEscalations)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				out[string(k)] = binary.BigEndian.Uint64(v)
			}
			return nil
		})
	})
	return out, err
}

// internal logs a storage failure (never content) and returns it wrapped.
func (s *Service) internal(err error, what string) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	s.opts.Log.Error().Err(err).Msg(what)
	return fmt.Errorf("consent: %s: %w", what, err)
}

// Withdraw withdraws the consent behind a consented case: the case becomes
// withdrawn and its sealed content is deleted, keeping the metadata so the
// intake sees what happened (until the retention job deletes that too).
// What was done before, such as forwarding, is not undone.
//
// ErrNotFound for an unknown reference, a wrong code, a case already
// withdrawn, and while the reference is locked after too many wrong codes:
// the caller cannot tell these apart. ErrMandatory for a report of concern,
// which the parent has no code for and cannot withdraw; that is answered
// from the reference alone.
func (s *Service) Withdraw(reference, code string) error {
	ref, okRef := normalizeReference(reference)
	raw, okCode := normalizeCode(code)
	now := s.opts.Now()
	var raisedBy string
	err := s.opts.DB.Update(func(tx *bolt.Tx) error {
		rec, err := getCase(tx, ref)
		if !okRef || errors.Is(err, ErrNotFound) {
			// Same work as for a real reference.
			hmac.Equal([]byte(s.withdrawalHash("ORO-00000000", raw)), []byte(dummyHash))
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if rec.Kind == KindMandatory {
			return ErrMandatory
		}
		if s.locked(ref, now) {
			s.opts.Log.Warn().Str("reference", ref).Msg("withdrawal refused: too many wrong codes")
			return ErrNotFound
		}
		if rec.Status == StatusWithdrawn || rec.WithdrawalHash == "" {
			return ErrNotFound
		}
		if !hmac.Equal([]byte(s.withdrawalHash(ref, raw)), []byte(rec.WithdrawalHash)) || !okCode {
			s.wrongCode(ref, now)
			return ErrNotFound
		}
		rec.Status = StatusWithdrawn
		rec.Updated = now
		until := now.AddDate(0, 0, s.opts.RetentionDays)
		rec.RetentionUntil = &until
		rec.Envelope = nil
		rec.WithdrawalHash = ""
		if err := putCase(tx, rec); err != nil {
			return err
		}
		raisedBy = rec.RaisedBy
		return audit.Append(tx, now, audit.ActorParent, audit.ActionWithdrawn, ref)
	})
	if err != nil {
		return s.internal(err, "withdrawing consent")
	}
	s.mu.Lock()
	delete(s.attempts, ref)
	s.mu.Unlock()
	s.opts.Log.Info().Str("reference", ref).Str("action", audit.ActionWithdrawn).Msg("case")
	if s.opts.OnStatus != nil {
		s.opts.OnStatus(raisedBy, ref, StatusWithdrawn)
	}
	return nil
}

func (s *Service) locked(ref string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.attempts[ref]
	return a != nil && now.Before(a.lockedUntil)
}

func (s *Service) wrongCode(ref string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.attempts[ref]
	if a == nil {
		a = &attempt{}
		s.attempts[ref] = a
	}
	if now.Sub(a.last) > withdrawLockout {
		a.fails = 0
	}
	a.fails++
	a.last = now
	if a.fails >= maxWrongCodes {
		a.fails = 0
		a.lockedUntil = now.Add(withdrawLockout)
		s.opts.Log.Warn().Str("reference", ref).Msg("withdrawal locked for 15 minutes after repeated wrong codes")
	}
}

// pruneAttempts forgets throttling state that no longer matters.
func (s *Service) pruneAttempts(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ref, a := range s.attempts {
		if now.After(a.lockedUntil) && now.Sub(a.last) > withdrawLockout {
			delete(s.attempts, ref)
		}
	}
}

// withdrawalHash is HMAC-SHA256(secret, reference|code), hex.
func (s *Service) withdrawalHash(reference, rawCode string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(reference + "|" + rawCode))
	return hex.EncodeToString(m.Sum(nil))
}

// OpenCase returns a case for reading by an intake staff member, and
// records in the audit trail that actor opened it.
func (s *Service) OpenCase(reference, actor string) (CaseMeta, Envelope, error) {
	if actor == "" {
		return CaseMeta{}, Envelope{}, ErrNoActor
	}
	var rec caseRecord
	err := s.opts.DB.Update(func(tx *bolt.Tx) error {
		var err error
		if rec, err = getCase(tx, reference); err != nil {
			return err
		}
		return audit.Append(tx, s.opts.Now(), actor, audit.ActionOpened, rec.Reference)
	})
	if err != nil {
		return CaseMeta{}, Envelope{}, s.internal(err, "opening a case")
	}
	s.opts.Log.Info().Str("reference", rec.Reference).Str("action", audit.ActionOpened).Msg("case")
	return rec.meta(), rec.envelope(), nil
}

// statusActions are the statuses the intake may set, and their audit action.
var statusActions = map[string]string{
	StatusReceived:  audit.ActionAcknowledged,
	StatusForwarded: audit.ActionForwarded,
	StatusClosed:    audit.ActionClosed,
}

// nextStatus lists the allowed moves: new → received → forwarded → closed,
// and closed from any open status.
var nextStatus = map[string][]string{
	StatusNew:       {StatusReceived, StatusClosed},
	StatusReceived:  {StatusForwarded, StatusClosed},
	StatusForwarded: {StatusClosed},
}

// SetStatus moves a case on (received, forwarded or closed), audited as
// acknowledged, forwarded or closed. From forwarded or closed the
// retention period runs. ErrBadStatus, ErrNotFound, ErrWithdrawn or
// ErrTransition when the move is not allowed.
func (s *Service) SetStatus(reference, status, actor string) error {
	action, ok := statusActions[status]
	if !ok {
		return ErrBadStatus
	}
	if actor == "" {
		return ErrNoActor
	}
	now := s.opts.Now()
	var rec caseRecord
	err := s.opts.DB.Update(func(tx *bolt.Tx) error {
		var err error
		if rec, err = getCase(tx, reference); err != nil {
			return err
		}
		if rec.Status == StatusWithdrawn {
			return ErrWithdrawn
		}
		if !slices.Contains(nextStatus[rec.Status], status) {
			return ErrTransition
		}
		rec.Status = status
		rec.Updated = now
		if status == StatusForwarded || status == StatusClosed {
			until := now.AddDate(0, 0, s.opts.RetentionDays)
			rec.RetentionUntil = &until
		}
		if err := putCase(tx, rec); err != nil {
			return err
		}
		return audit.Append(tx, now, actor, action, rec.Reference)
	})
	if err != nil {
		return s.internal(err, "setting a case's status")
	}
	s.opts.Log.Info().Str("reference", rec.Reference).Str("action", action).Msg("case")
	if s.opts.OnStatus != nil {
		s.opts.OnStatus(rec.RaisedBy, rec.Reference, status)
	}
	return nil
}

// References and withdrawal codes use Crockford's base32 alphabet (no I, L,
// O, U), so they survive being read aloud and copied by hand.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

const (
	referencePrefix = "ORO-"
	referenceLen    = 8  // 40 bits
	codeLen         = 12 // 60 bits
)

// randomCode returns n random Crockford characters (5 bits each).
func randomCode(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b)
}

// newReference picks a reference not used in this database.
func newReference(tx *bolt.Tx) (string, error) {
	b := tx.Bucket(bucketCases)
	for range 20 {
		ref := referencePrefix + randomCode(referenceLen)
		if b.Get([]byte(ref)) == nil {
			return ref, nil
		}
	}
	return "", errors.New("no free case reference after 20 tries")
}

// formatCode groups a raw code in fours: "ABCD-EFGH-JKMN".
func formatCode(raw string) string {
	var sb strings.Builder
	for i := 0; i < len(raw); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(raw[i:min(i+4, len(raw))])
	}
	return sb.String()
}

// crockfordNorm upper-cases s, drops spaces and dashes, and reads the
// letters Crockford's base32 treats as digits (O as 0, I and L as 1).
func crockfordNorm(s string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > unicode.MaxASCII || !strings.ContainsRune(crockford, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	return sb.String(), true
}

// normalizeCode turns what a parent typed into the raw 12-character code.
func normalizeCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	raw, ok := crockfordNorm(s)
	return raw, ok && len(raw) == codeLen
}

// normalizeReference turns what someone typed ("oro-abcd 1234", or just
// the eight characters) into "ORO-XXXXXXXX".
func normalizeReference(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return "", false
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "ORO") {
		if body, ok := crockfordNorm(s[3:]); ok && len(body) == referenceLen {
			return referencePrefix + body, true
		}
	}
	body, ok := crockfordNorm(s)
	if !ok || len(body) != referenceLen {
		return "", false
	}
	return referencePrefix + body, true
}

// dummyHash is compared against when a withdrawal names no real case, so that
// both paths do the same work.
var dummyHash = strings.Repeat("0", 64)
