// Package testid is the built-in test e-ID provider: an eid.Provider whose
// "device" is a web page (Handler, mounted at /eid/test/) where a developer
// completes or cancels orders as one of a few test persons. It is the default
// for `make run`, so that logging in and signing can be tried without a
// BankID test account. Everything it produces says TEST: Test() is true, the
// device page says it is not a real e-ID, and a completed sign order's
// signature and OCSP response are labelled as fakes.
//
// The persons are Skatteverket's official test personal identity numbers
// (the open data set "Testpersonnummer", CC0, and "Testsamordningsnummer"
// for the coordination number) with made-up names. Never use other numbers
// as fixtures: a random valid number may belong to a real person.
//
// Orders live in memory. An order not completed within TTL (3 minutes, as
// BankID's) fails with hintCode expiredTransaction.
package testid

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"parentline/eid"
	"parentline/internal/personnummer"
)

// Person is a test identity the device page offers.
type Person struct {
	PersonalNumber string // 12 digits
	GivenName      string
	Surname        string
	Protected      bool   // skyddad identitet
	Note           string // what is special about this person, shown on the device page (Swedish / English)
}

// Name is "GivenName Surname".
func (p Person) Name() string { return p.GivenName + " " + p.Surname }

// People are the test persons. The numbers are from Skatteverket's open
// test-number data sets; the names are made up.
var People = []Person{
	{PersonalNumber: "190308189802", GivenName: "Anna", Surname: "Testsson"},
	{PersonalNumber: "190309069813", GivenName: "Bertil", Surname: "Provsson"},
	{PersonalNumber: "190310139803", GivenName: "Cecilia", Surname: "Exempeldotter", Protected: true,
		Note: "skyddad identitet / protected identity"},
	{PersonalNumber: "190311019814", GivenName: "David", Surname: "Testman"},
	{PersonalNumber: "191401682396", GivenName: "Erik", Surname: "Samordnad",
		Note: "samordningsnummer / coordination number"},
}

// Lookup returns the test person with personal number pn (12 digits).
func Lookup(pn string) (Person, bool) {
	for _, p := range People {
		if p.PersonalNumber == pn {
			return p, true
		}
	}
	return Person{}, false
}

// DefaultTTL is how long an order may stay pending (BankID: 3 minutes).
const DefaultTTL = 3 * time.Minute

// DefaultMaxOrders bounds the orders held at once.
const DefaultMaxOrders = 1000

// Path is where the server mounts Handler.
const Path = "/eid/test/"

// Options configures a Provider.
type Options struct {
	Now       func() time.Time // clock; default time.Now
	TTL       time.Duration    // pending lifetime; default DefaultTTL
	MaxOrders int              // default DefaultMaxOrders
}

// Errors of the programmatic device API (Complete, UserCancel).
var (
	ErrNoOrder       = errors.New("testid: no such pending order")
	ErrWrongPerson   = errors.New("testid: this order may only be completed by the personal number it was started for")
	ErrInvalidNumber = errors.New("testid: not a valid personal identity number")
)

// order is one order the provider holds.
type order struct {
	ref      string
	kind     eid.Kind
	text     string // VisibleText (sign)
	data     []byte // NonVisibleData (sign)
	required string // PersonalNumber requirement, "" for anyone
	started  eid.Started
	state    eid.State
	hint     string
	result   eid.Result // set when complete
	ended    time.Time  // when it became complete or failed
}

// Provider is the test e-ID provider. Its zero value is not usable: use New.
type Provider struct {
	opts   Options
	mu     sync.Mutex
	orders map[string]*order // by ref
}

// New returns a test provider.
func New(opts Options) *Provider {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxOrders <= 0 {
		opts.MaxOrders = DefaultMaxOrders
	}
	return &Provider{opts: opts, orders: make(map[string]*order)}
}

var _ eid.Provider = (*Provider)(nil)

// Test reports true: every page that uses this provider must say so.
func (p *Provider) Test() bool { return true }

// AutoStartURL is where the "open the e-ID app on this device" link leads
// with the test provider: the device page, with the order selected. The
// eid.Service prefers this to the BankID link when the provider has it.
func (p *Provider) AutoStartURL(token, _ string) string {
	return Path + "?autostarttoken=" + token
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// uuid returns a random (version 4) UUID, the shape BankID's tokens have.
func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Start starts an order, as BankID's /auth or /sign would.
func (p *Provider) Start(_ context.Context, o eid.Order) (eid.Started, error) {
	switch o.Kind {
	case eid.Auth:
	case eid.Sign:
		if o.VisibleText == "" {
			return eid.Started{}, &eid.Error{Code: "invalidParameters", Details: "Invalid userVisibleData", Status: 400}
		}
	default:
		return eid.Started{}, &eid.Error{Code: "invalidParameters", Details: "Invalid kind", Status: 400}
	}
	if o.EndUserIP == "" {
		return eid.Started{}, &eid.Error{Code: "invalidParameters", Details: "Invalid endUserIp", Status: 400}
	}
	now := p.opts.Now()
	if o.PersonalNumber != "" {
		if n, err := personnummer.Parse(o.PersonalNumber, now); err != nil || n.Long() != o.PersonalNumber {
			return eid.Started{}, &eid.Error{Code: "invalidParameters", Details: "Incorrect personalNumber", Status: 400}
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(now)
	if o.PersonalNumber != "" {
		// As BankID: a second order for a person with one in progress
		// cancels the first and is refused.
		for _, old := range p.orders {
			if old.state == eid.Pending && old.required == o.PersonalNumber {
				old.state, old.hint, old.ended = eid.Failed, "cancelled", now
				return eid.Started{}, &eid.Error{Code: "alreadyInProgress", Details: "Order already in progress for pno", Status: 400}
			}
		}
	}
	if len(p.orders) >= p.opts.MaxOrders {
		return eid.Started{}, &eid.Error{Code: "maintenance", Details: "test provider: too many orders", Status: 503}
	}
	st := eid.Started{
		Ref:            uuid(),
		AutoStartToken: uuid(),
		QRStartToken:   uuid(),
		QRStartSecret:  uuid(),
		At:             now,
	}
	p.orders[st.Ref] = &order{
		ref:      st.Ref,
		kind:     o.Kind,
		text:     o.VisibleText,
		data:     append([]byte(nil), o.NonVisibleData...),
		required: o.PersonalNumber,
		started:  st,
		state:    eid.Pending,
		hint:     "outstandingTransaction",
	}
	return st, nil
}

// sweepLocked fails expired pending orders and forgets orders that ended
// more than a TTL ago (or started two TTLs ago).
func (p *Provider) sweepLocked(now time.Time) {
	for ref, o := range p.orders {
		p.expireLocked(o, now)
		if o.state != eid.Pending && (now.Sub(o.ended) > p.opts.TTL || now.Sub(o.started.At) > 2*p.opts.TTL) {
			delete(p.orders, ref)
		}
	}
}

func (p *Provider) expireLocked(o *order, now time.Time) {
	if o.state == eid.Pending && now.Sub(o.started.At) >= p.opts.TTL {
		o.state, o.hint, o.ended = eid.Failed, "expiredTransaction", now
	}
}

func noSuchOrder() error {
	return &eid.Error{Code: "invalidParameters", Details: "No such order", Status: 400}
}

// Collect answers where an order stands, as BankID's /collect would. As
// with BankID, a complete order can be collected once; after that it is
// unknown.
func (p *Provider) Collect(_ context.Context, ref string) (eid.Result, error) {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	o, ok := p.orders[ref]
	if !ok {
		return eid.Result{}, noSuchOrder()
	}
	p.expireLocked(o, now)
	switch o.state {
	case eid.Complete:
		res := o.result
		delete(p.orders, ref)
		return res, nil
	case eid.Failed:
		return eid.Result{State: eid.Failed, HintCode: o.hint}, nil
	default:
		return eid.Result{State: eid.Pending, HintCode: o.hint}, nil
	}
}

// Cancel cancels an order on the relying party's behalf (BankID's /cancel):
// the order is forgotten.
func (p *Provider) Cancel(_ context.Context, ref string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.orders[ref]; !ok {
		return noSuchOrder()
	}
	delete(p.orders, ref)
	return nil
}

// pendingLocked returns the pending order ref, or ErrNoOrder.
func (p *Provider) pendingLocked(ref string, now time.Time) (*order, error) {
	o, ok := p.orders[ref]
	if !ok {
		return nil, ErrNoOrder
	}
	p.expireLocked(o, now)
	if o.state != eid.Pending {
		return nil, ErrNoOrder
	}
	return o, nil
}

// Complete completes a pending order as the person with personal number
// pn (any valid personnummer or samordningsnummer, 10 or 12 digits; a test
// person from People gets their name and protection). It is what the
// device page's "complete" button does.
func (p *Provider) Complete(ref, pn string) error {
	now := p.opts.Now()
	n, err := personnummer.Parse(pn, now)
	if err != nil {
		return ErrInvalidNumber
	}
	user := eid.User{PersonalNumber: n.Long(), GivenName: "Test", Surname: "Testperson"}
	if person, ok := Lookup(n.Long()); ok {
		user.GivenName, user.Surname, user.Protected = person.GivenName, person.Surname, person.Protected
	}
	user.Name = user.GivenName + " " + user.Surname

	p.mu.Lock()
	defer p.mu.Unlock()
	o, err := p.pendingLocked(ref, now)
	if err != nil {
		return err
	}
	if o.required != "" && o.required != user.PersonalNumber {
		return ErrWrongPerson
	}
	res := eid.Result{State: eid.Complete, User: user}
	if o.kind == eid.Sign {
		res.Signature, res.OCSPResponse = fakeProof(o, user, now)
	}
	o.state, o.hint, o.result, o.ended = eid.Complete, "", res, now
	return nil
}

// UserCancel cancels a pending order as the citizen would in the e-ID app:
// it fails with hintCode userCancel.
func (p *Provider) UserCancel(ref string) error {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	o, err := p.pendingLocked(ref, now)
	if err != nil {
		return err
	}
	o.state, o.hint, o.ended = eid.Failed, "userCancel", now
	return nil
}

// open marks the order with this autostart token as opened on the device
// (hint started, or userSign for a sign order), as the BankID app does when
// it starts.
func (p *Provider) open(token string) {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range p.orders {
		if o.started.AutoStartToken == token {
			p.expireLocked(o, now)
			if o.state == eid.Pending {
				o.hint = "started"
				if o.kind == eid.Sign {
					o.hint = "userSign"
				}
			}
			return
		}
	}
}

// fakeProof returns a signature and OCSP response (base64) that say TEST in
// words: what was signed (as SHA-256 hashes) and by whom.
func fakeProof(o *order, u eid.User, now time.Time) (signature, ocsp string) {
	text := sha256.Sum256([]byte(o.text))
	data := sha256.Sum256(o.data)
	sig := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<TestSignature xmlns="urn:parentline:eid:testid">`+
		`<Warning>TEST – inte en riktig e-legitimation / TEST – not a real e-ID signature</Warning>`+
		`<OrderRef>%s</OrderRef><PersonalNumber>%s</PersonalNumber>`+
		`<UserVisibleDataSHA256>%x</UserVisibleDataSHA256><UserNonVisibleDataSHA256>%x</UserNonVisibleDataSHA256>`+
		`<SignedAt>%s</SignedAt></TestSignature>`,
		o.ref, u.PersonalNumber, text, data, now.UTC().Format(time.RFC3339))
	oc := fmt.Sprintf("TEST OCSP RESPONSE – not real; order %s; produced %s", o.ref, now.UTC().Format(time.RFC3339))
	return base64.StdEncoding.EncodeToString([]byte(sig)), base64.StdEncoding.EncodeToString([]byte(oc))
}

// PendingRefs returns the refs of the pending orders, newest first: for
// tests that act as the device without the page (with Complete or
// UserCancel).
func (p *Provider) PendingRefs() []string {
	var refs []string
	for _, v := range p.pending("") {
		refs = append(refs, v.Ref)
	}
	return refs
}

// view is a pending order as the device page shows it.
type view struct {
	Ref       string
	Sign      bool
	Text      string
	Required  string // personal number the order is restricted to, or ""
	Age       time.Duration
	Left      time.Duration
	Selected  bool
	StartedAt time.Time
}

// pending lists the pending orders, newest first.
func (p *Provider) pending(selectToken string) []view {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(now)
	var vs []view
	for _, o := range p.orders {
		if o.state != eid.Pending {
			continue
		}
		vs = append(vs, view{
			Ref:       o.ref,
			Sign:      o.kind == eid.Sign,
			Text:      o.text,
			Required:  o.required,
			Age:       now.Sub(o.started.At).Truncate(time.Second),
			Left:      (p.opts.TTL - now.Sub(o.started.At)).Truncate(time.Second),
			Selected:  selectToken != "" && o.started.AutoStartToken == selectToken,
			StartedAt: o.started.At,
		})
	}
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Selected != vs[j].Selected {
			return vs[i].Selected
		}
		if !vs[i].StartedAt.Equal(vs[j].StartedAt) {
			return vs[i].StartedAt.After(vs[j].StartedAt)
		}
		return vs[i].Ref < vs[j].Ref
	})
	return vs
}
