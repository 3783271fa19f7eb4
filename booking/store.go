package booking

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/mail"
	"parentline/mail/outbox"
)

// Defaults of Options.
const (
	DefaultHoldFor     = 24 * time.Hour
	DefaultFeeWindow   = 48 * time.Hour
	DefaultFee         = 200 // SEK
	DefaultRetainFor   = 30 * 24 * time.Hour
	DefaultExpireEvery = time.Minute
	DefaultPurgeEvery  = 24 * time.Hour
	DefaultMailEvery   = 30 * time.Second

	DefaultContactPhone = "063-14 46 00"
	DefaultContactEmail = "famjamtland@ostersund.se"
)

// The paths under Options.BaseURL that mails link to. The HTTP layer mounts
// its pages there.
const (
	PathBook    = "/boka"            // the booking pages: free times
	PathCoSign  = "/boka/medsokande" // the co-applicant's page; the token is the query parameter "t"
	PathMyPages = "/mina-sidor"      // Mina sidor: see, cancel and move bookings
)

// Options configure a Store. Secret and BaseURL are required.
type Options struct {
	// Now is the clock; default time.Now. Tests set it.
	Now func() time.Time

	HoldFor   time.Duration // how long the co-applicant has to sign; default 24h
	FeeWindow time.Duration // a change later than this before the meeting costs Fee; default 48h
	Fee       int           // the session fee in SEK; default 200
	RetainFor time.Duration // personal data is kept this long after the meeting, cancellation or release; default 30 days

	// Secret keys the HMAC-SHA256 of personnummer that index bookings by
	// person. At least 32 bytes, kept outside the database, and the same
	// across restarts (with another secret the index finds nothing).
	Secret []byte

	// BaseURL is where the service is reached, e.g.
	// "https://etjanster.ostersund.se"; mails link to BaseURL+Path*.
	BaseURL string

	// Named in mails as where to ask; default the seed's.
	ContactPhone string
	ContactEmail string

	// Location is the calendar of times in mails and of the monthly counts;
	// default Europe/Stockholm.
	Location *time.Location

	// Log gets booking and slot ids, states and counts; never personal data.
	Log zerolog.Logger

	// Mailer, when set, is what Run delivers the outbox through. Without it
	// Run does not deliver; call DeliverMail yourself.
	Mailer mail.Mailer

	ExpireEvery time.Duration // Run: ExpireHolds; default every minute
	PurgeEvery  time.Duration // Run: Purge; default daily
	MailEvery   time.Duration // Run: DeliverMail (also at once after a change); default 30s
}

// Store is the booking e-service's domain: slots, bookings, the mail outbox
// and the anonymous counts, in bbolt buckets named "booking/...". It is safe
// for concurrent use; every change is one bbolt transaction.
type Store struct {
	db   *bolt.DB
	opts Options
	base string // BaseURL without a trailing slash
	log  zerolog.Logger

	delivery *outbox.Deliverer // DeliverMail, one at a time
	wake     chan struct{}     // a mail was queued

	// ranJob, if set (by tests), is called after each job Run runs.
	ranJob func(job string, err error)
}

// The buckets this package owns.
var (
	bucketSlots     = []byte("booking/slots")          // slot id → slotRecord
	bucketSlotTimes = []byte("booking/slots_by_start") // start (8 bytes, unix s) + slot id → nil
	bucketBookings  = []byte("booking/bookings")       // booking id → bookingRecord
	bucketPeople    = []byte("booking/people")         // HMAC(personnummer) (32 bytes) + booking id → nil
	bucketTokens    = []byte("booking/tokens")         // SHA-256(token) → booking id
	bucketHolds     = []byte("booking/holds")          // hold deadline (8 bytes, unix ns) + booking id → nil
	bucketOutbox    = []byte("booking/outbox")         // sequence (8 bytes) → outbox.Job
	bucketStats     = []byte("booking/stats")          // "YYYY-MM|form|outcome" → uint64
	bucketScrub     = []byte("booking/scrub")          // filler while scrubbing free pages; normally absent
)

var allBuckets = [][]byte{bucketSlots, bucketSlotTimes, bucketBookings, bucketPeople, bucketTokens,
	bucketHolds, bucketOutbox, bucketStats}

// Open makes the buckets on first use and returns the Store. The caller
// opens and closes db.
func Open(db *bolt.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("booking: no database")
	}
	if len(opts.Secret) < 32 {
		return nil, errors.New("booking: the secret must be at least 32 bytes")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("booking: BaseURL must be an absolute http(s) URL without query, e.g. https://etjanster.example.se")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HoldFor <= 0 {
		opts.HoldFor = DefaultHoldFor
	}
	if opts.FeeWindow <= 0 {
		opts.FeeWindow = DefaultFeeWindow
	}
	if opts.Fee <= 0 {
		opts.Fee = DefaultFee
	}
	if opts.RetainFor <= 0 {
		opts.RetainFor = DefaultRetainFor
	}
	if opts.ExpireEvery <= 0 {
		opts.ExpireEvery = DefaultExpireEvery
	}
	if opts.PurgeEvery <= 0 {
		opts.PurgeEvery = DefaultPurgeEvery
	}
	if opts.MailEvery <= 0 {
		opts.MailEvery = DefaultMailEvery
	}
	if strings.TrimSpace(opts.ContactPhone) == "" {
		opts.ContactPhone = DefaultContactPhone
	}
	if strings.TrimSpace(opts.ContactEmail) == "" {
		opts.ContactEmail = DefaultContactEmail
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			return nil, fmt.Errorf("booking: loading Europe/Stockholm: %w", err)
		}
		opts.Location = loc
	}
	opts.Secret = append([]byte(nil), opts.Secret...)
	s := &Store{db: db, opts: opts, base: strings.TrimRight(opts.BaseURL, "/"),
		log: opts.Log.With().Str("component", "booking").Logger(), wake: make(chan struct{}, 1)}
	s.delivery = &outbox.Deliverer{DB: db, Bucket: bucketOutbox, Name: "booking", Now: s.now, Log: s.log}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("booking: %w", err)
	}
	return s, nil
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// feeError is ErrFeeNotAccepted with this store's amount and window.
func (s *Store) feeError() *Error {
	return feeError(s.opts.Fee, int(s.opts.FeeWindow/time.Hour))
}

// signal wakes Run's mail delivery.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// internal logs a storage failure and returns it wrapped; an *Error or
// FieldErrors passes through unchanged.
func (s *Store) internal(err error, what string) error {
	var e *Error
	var fe FieldErrors
	if err == nil || errors.As(err, &e) || errors.As(err, &fe) {
		return err
	}
	s.log.Error().Err(err).Msg(what)
	return fmt.Errorf("booking: %s: %w", what, err)
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

// slotRecord is a slot as stored.
type slotRecord struct {
	ID          string    `json:"id"`
	Start       time.Time `json:"start"`
	Minutes     int       `json:"minutes"`
	Form        Form      `json:"form"`
	Place       Place     `json:"place"`
	Counselor   string    `json:"counselor"`
	PublishedBy string    `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
	// BookingID is the booking that holds the slot, while that booking is
	// awaiting co-signing or confirmed; "" when free.
	BookingID string `json:"booking_id,omitempty"`
}

func (r slotRecord) end() time.Time { return r.Start.Add(time.Duration(r.Minutes) * time.Minute) }

func (r slotRecord) meeting() Meeting {
	return Meeting{SlotID: r.ID, Start: r.Start, Minutes: r.Minutes, Form: r.Form, Place: r.Place, Counselor: r.Counselor}
}

// partyRecord is one party as stored.
type partyRecord struct {
	Personnummer string   `json:"pn"`
	Name         string   `json:"name"`
	Contact      *Contact `json:"contact,omitempty"`
	Proof        Proof    `json:"proof"`
}

func (p partyRecord) view() Party {
	out := Party{Personnummer: p.Personnummer, Name: p.Name, SignedAt: p.Proof.SignedAt}
	if p.Contact != nil {
		c := *p.Contact
		out.Contact = &c
	}
	return out
}

// bookingRecord is a booking as stored.
type bookingRecord struct {
	ID          string       `json:"id"`
	State       State        `json:"state"`
	Meeting     Meeting      `json:"meeting"`
	Created     time.Time    `json:"created"`
	HoldUntil   time.Time    `json:"hold_until"`
	ConfirmedAt time.Time    `json:"confirmed_at,omitzero"`
	EndedAt     time.Time    `json:"ended_at,omitzero"`
	Applicant   partyRecord  `json:"applicant"`
	CoEmail     string       `json:"co_email"`
	Co          *partyRecord `json:"co,omitempty"`
	// TokenHash is SHA-256 of the invitation token while the co-applicant
	// may use it; nil after.
	TokenHash []byte `json:"token_hash,omitempty"`
	// InviteJob is the outbox key of the invitation mail; the job is gone
	// once the mail was accepted.
	InviteJob  uint64 `json:"invite_job,omitempty"`
	Rebookings int    `json:"rebookings,omitempty"`
	Fees       []Fee  `json:"fees,omitempty"`
}

// purgeAfter is when the record's personal data is due for deletion; zero
// while the co-applicant may still sign.
func (r bookingRecord) purgeAfter(retain time.Duration) time.Time {
	switch r.State {
	case StateAwaitingCosign:
		return time.Time{}
	case StateConfirmed:
		return r.Meeting.End().Add(retain)
	default:
		return r.EndedAt.Add(retain)
	}
}

func (r bookingRecord) view(retain time.Duration) Booking {
	b := Booking{ID: r.ID, State: r.State, Meeting: r.Meeting, Created: r.Created, HoldUntil: r.HoldUntil,
		ConfirmedAt: r.ConfirmedAt, EndedAt: r.EndedAt, Applicant: r.Applicant.view(),
		CoApplicantEmail: r.CoEmail, Rebookings: r.Rebookings, PurgeAfter: r.purgeAfter(retain)}
	if r.Co != nil {
		co := r.Co.view()
		b.CoApplicant = &co
	}
	b.Fees = append([]Fee(nil), r.Fees...)
	return b
}

// roleOf says what pn (12 digits) is in the booking, "" if not a party.
func (r bookingRecord) roleOf(pn string) Role {
	switch {
	case pn == "":
		return ""
	case hmac.Equal([]byte(pn), []byte(r.Applicant.Personnummer)):
		return RoleApplicant
	case r.Co != nil && hmac.Equal([]byte(pn), []byte(r.Co.Personnummer)):
		return RoleCoApplicant
	}
	return ""
}

func (r bookingRecord) party(role Role) partyRecord {
	if role == RoleCoApplicant && r.Co != nil {
		return *r.Co
	}
	return r.Applicant
}

func getJSON[T any](b *bolt.Bucket, key string) (T, bool, error) {
	var v T
	raw := b.Get([]byte(key))
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("reading a record: %w", err)
	}
	return v, true, nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

func (t *txn) slot(id string) (slotRecord, bool, error) {
	id = normID(id)
	if id == "" {
		return slotRecord{}, false, nil
	}
	return getJSON[slotRecord](t.bucket(bucketSlots), id)
}

func (t *txn) putSlot(r slotRecord) error { return putJSON(t.bucket(bucketSlots), r.ID, r) }

func (t *txn) booking(id string) (bookingRecord, bool, error) {
	id = normID(id)
	if id == "" {
		return bookingRecord{}, false, nil
	}
	return getJSON[bookingRecord](t.bucket(bucketBookings), id)
}

func (t *txn) putBooking(r bookingRecord) error { return putJSON(t.bucket(bucketBookings), r.ID, r) }

// personKey is the index key of a personnummer: HMAC-SHA256(secret, pn).
func (s *Store) personKey(pn string) []byte {
	m := hmac.New(sha256.New, s.opts.Secret)
	m.Write([]byte("booking/personnummer\x00"))
	m.Write([]byte(pn))
	return m.Sum(nil)
}

func (t *txn) indexPerson(pn, bookingID string) error {
	return t.bucket(bucketPeople).Put(append(t.s.personKey(pn), bookingID...), nil)
}

func (t *txn) unindexPerson(pn, bookingID string) error {
	return t.bucket(bucketPeople).Delete(append(t.s.personKey(pn), bookingID...))
}

func timeKey(at time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(at.UnixNano())), id...)
}

func slotTimeKey(start time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(start.Unix())), id...)
}

// tokenBytes is the invitation token's size before encoding.
const tokenBytes = 32

// newToken returns a fresh invitation token (base64url, no padding) and its
// SHA-256, the only form stored once its mail is sent.
func newToken() (string, []byte) {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(tok))
	return tok, h[:]
}

// tokenHash is the SHA-256 of a well-formed token; nil for anything else.
func tokenHash(tok string) []byte {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil
	}
	if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) != tokenBytes {
		return nil
	}
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// IDs use Crockford's base32 alphabet (no I, L, O, U): they appear in URLs,
// on Mina sidor and may be read out on the phone.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomCode(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b)
}

// normID is an id as typed, trimmed and in upper case; "" if it cannot be one.
func normID(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	if len(id) > 32 {
		return ""
	}
	return id
}

// newID picks prefix + 10 random characters (50 bits) not used in b.
func newID(b *bolt.Bucket, prefix string) (string, error) {
	for range 20 {
		id := prefix + randomCode(10)
		if b.Get([]byte(id)) == nil {
			return id, nil
		}
	}
	return "", errors.New("no free id after 20 tries")
}
