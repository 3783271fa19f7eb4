package eid

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"parentline/internal/web"
)

// OrderCookie binds a login order to the browser that started it: only a
// request carrying the same cookie may poll the order, see its QR code,
// cancel it, and be logged in when it completes.
const OrderCookie = "parentline_eid_order"

// orderCookiePath limits the order cookie to the e-ID API.
const orderCookiePath = "/api/eid/"

// Service defaults.
const (
	DefaultMaxOrders    = 10000
	DefaultOrderTTL     = 3 * time.Minute
	DefaultCollectEvery = 2 * time.Second
	DefaultTestDevice   = "/eid/test/"
	// keepDone is how long a finished order is remembered: polls go on
	// getting its final state, and a signed result waits for TakeSigned.
	keepDone = 5 * time.Minute
	// Limits BankID sets (after base64): userVisibleData 40 000 characters,
	// userNonVisibleData 200 000.
	maxVisibleText    = 30000
	maxNonVisibleData = 150000
	maxStartBody      = 1 << 10
	collectTimeout    = 15 * time.Second
)

// Options configures a Service.
type Options struct {
	Now func() time.Time // clock; default time.Now
	// Message is the text shown to the citizen for an order's state and
	// hint code, or for an error (err non-nil), in lang; qr says whether
	// the citizen uses the QR code (true) or the app on the same device.
	// The server sets the official BankID (RFA) texts; the default is a
	// short generic fallback.
	Message func(lang string, state State, hint string, err error, qr bool) string
	// QRData is the animated QR code's content at now; default BankID's
	// algorithm (HMAC-SHA256 of the seconds since start, keyed with the
	// QR start secret).
	QRData func(s Started, now time.Time) string
	// AutoStartURL is the link that opens the e-ID app on the same device.
	// A Provider with its own AutoStartURL method (the test provider: its
	// device page) is used before this; the default is BankID's
	// https://app.bankid.com/?autostarttoken=…&redirect=….
	AutoStartURL func(token, redirect string) string
	// ClientIP is the citizen's IP address (BankID's endUserIp), never
	// stored or logged; default the host of r.RemoteAddr. Behind a reverse
	// proxy, set it to read the proxy's header.
	ClientIP func(r *http.Request) string
	// Log gets provider failures (never personal data). Default: nothing.
	Log zerolog.Logger
	// MaxOrders bounds the orders held at once; default DefaultMaxOrders.
	MaxOrders int
	// OrderTTL is how long an order may stay pending before it fails with
	// expiredTransaction; default DefaultOrderTTL (BankID's).
	OrderTTL time.Duration
	// CollectEvery is the least time between two Collect calls for one
	// order, however often the browser polls; default DefaultCollectEvery.
	CollectEvery time.Duration
	// TestDevice is the test provider's device page, given to the browser
	// when the provider is a test one; default DefaultTestDevice.
	TestDevice string
}

// Errors of StartSign and TakeSigned.
var (
	ErrNoOrder       = errors.New("eid: no such order for this session")
	ErrOrderPending  = errors.New("eid: the order is not complete yet")
	ErrOrderFailed   = errors.New("eid: the order failed")
	ErrTooManyOrders = errors.New("eid: too many e-ID orders in progress")
	ErrBadSignOrder  = errors.New("eid: sign order without a text, with a text or data too long, or without a logged-in citizen")
)

// Service is the e-ID login and signing flow over HTTP (see Register) and
// the Go API other handlers use to have a logged-in citizen sign
// (StartSign, TakeSigned). Orders are held in memory.
type Service struct {
	p        Provider
	sessions *Sessions
	opts     Options

	mu       sync.Mutex
	orders   map[string]*order // by our id
	starting int               // orders being started (slots reserved)
}

// order is one e-ID order as the Service keeps it. Fields below collectMu
// are guarded by Service.mu.
type order struct {
	id      string
	kind    Kind
	owner   [32]byte // auth: SHA-256 of the browser's order cookie
	session string   // sign: the citizen session it belongs to
	signer  string   // sign: the personal number that must sign
	started Started
	created time.Time

	collectMu sync.Mutex // one Collect at a time

	state       State
	hint        string
	err         error // the last collect's error, while still pending
	lastCollect time.Time
	result      Result // a complete sign order's result, until taken
	ended       time.Time
	loggedIn    bool // auth: the citizen was logged in (done once)
	taken       bool // sign: TakeSigned has had it
	qrUsed      bool

	qrAt  int64 // second of the cached QR image
	qrSVG []byte
}

// NewService returns a Service for provider p, logging citizens in to
// sessions.
func NewService(p Provider, sessions *Sessions, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Message == nil {
		opts.Message = fallbackMessage
	}
	if opts.QRData == nil {
		opts.QRData = fallbackQRData
	}
	if a, ok := p.(interface {
		AutoStartURL(token, redirect string) string
	}); ok {
		opts.AutoStartURL = a.AutoStartURL
	} else if opts.AutoStartURL == nil {
		opts.AutoStartURL = fallbackAutoStartURL
	}
	if opts.ClientIP == nil {
		opts.ClientIP = RemoteIP
	}
	if opts.MaxOrders <= 0 {
		opts.MaxOrders = DefaultMaxOrders
	}
	if opts.OrderTTL <= 0 {
		opts.OrderTTL = DefaultOrderTTL
	}
	if opts.CollectEvery <= 0 {
		opts.CollectEvery = DefaultCollectEvery
	}
	if opts.TestDevice == "" {
		opts.TestDevice = DefaultTestDevice
	}
	return &Service{p: p, sessions: sessions, opts: opts, orders: make(map[string]*order)}
}

// Sessions returns the session store the Service logs citizens in to.
func (s *Service) Sessions() *Sessions { return s.sessions }

func fallbackAutoStartURL(token, redirect string) string {
	if redirect == "" {
		redirect = "null"
	}
	return "https://app.bankid.com/?autostarttoken=" + url.QueryEscape(token) + "&redirect=" + url.QueryEscape(redirect)
}

// RemoteIP is the host part of r.RemoteAddr (the default Options.ClientIP).
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// crossOrigin refuses cross-site state-changing requests (Sec-Fetch-Site,
// then Origin against Host); GET, HEAD and OPTIONS pass.
var crossOrigin = func() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	c.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusForbidden, map[string]string{"error": uiText(web.Lang(r), "cross_site"), "code": "cross_site"})
	}))
	return c
}()

// Protect refuses cross-site requests that change state (403); every
// citizen route that does should be wrapped in it.
func Protect(h http.Handler) http.Handler { return crossOrigin.Handler(h) }

// Register adds the e-ID routes to mux:
//
//	POST   /api/eid/orders            start a login: {"kind":"auth"} → 201 {"order","autostart","test"}
//	GET    /api/eid/orders/{id}       {"state","hint","message","test","kind","autostart"}; logs in when a login completes
//	GET    /api/eid/orders/{id}/qr.svg the animated QR code, while pending
//	DELETE /api/eid/orders/{id}       cancel
//	GET    /api/eid/me                the logged-in citizen, or 401
//	POST   /api/eid/session           keep the session alive
//	POST   /api/eid/logout            log out
func (s *Service) Register(mux *http.ServeMux) {
	mux.Handle("POST /api/eid/orders", Protect(http.HandlerFunc(s.handleStart)))
	mux.HandleFunc("GET /api/eid/orders/{id}", s.handleStatus)
	mux.HandleFunc("GET /api/eid/orders/{id}/qr.svg", s.handleQR)
	mux.Handle("DELETE /api/eid/orders/{id}", Protect(http.HandlerFunc(s.handleCancel)))
	mux.HandleFunc("GET /api/eid/me", s.handleMe)
	mux.Handle("POST /api/eid/session", Protect(s.sessions.Require(http.HandlerFunc(s.handleKeepAlive))))
	mux.Handle("POST /api/eid/logout", Protect(http.HandlerFunc(s.handleLogout)))
}

// reserve takes a slot for a new order, or reports that none is free. It
// returns the provider refs of orders it found expired, to cancel.
func (s *Service) reserve(now time.Time) (expired []string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.orders)+s.starting >= s.opts.MaxOrders {
		expired = s.sweepLocked(now)
	}
	if len(s.orders)+s.starting >= s.opts.MaxOrders {
		return expired, false
	}
	s.starting++
	return expired, true
}

// start starts o at the provider and records it; a previous pending order
// matching same (this browser's login, this session's signing) is
// cancelled first, since the e-ID service allows one at a time.
func (s *Service) start(ctx context.Context, o *order, req Order, same func(*order) bool) error {
	now := s.opts.Now()
	expired, ok := s.reserve(now)
	for _, ref := range expired {
		s.providerCancel(ctx, ref)
	}
	if !ok {
		return ErrTooManyOrders
	}
	s.cancelWhere(ctx, same)
	st, err := s.p.Start(ctx, req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starting--
	if err != nil {
		return err
	}
	o.id = randomToken(16)
	o.kind = req.Kind
	o.started = st
	o.created = now
	o.state = Pending
	o.hint = "outstandingTransaction"
	o.qrAt = -1
	o.qrUsed = true
	s.orders[o.id] = o
	return nil
}

// cancelWhere cancels the pending orders for which match is true.
func (s *Service) cancelWhere(ctx context.Context, match func(*order) bool) {
	var refs []string
	s.mu.Lock()
	now := s.opts.Now()
	for _, o := range s.orders {
		if o.state == Pending && match(o) {
			o.state, o.hint, o.err, o.ended = Failed, "cancelled", nil, now
			refs = append(refs, o.started.Ref)
		}
	}
	s.mu.Unlock()
	for _, ref := range refs {
		s.providerCancel(ctx, ref)
	}
}

func (s *Service) providerCancel(ctx context.Context, ref string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), collectTimeout)
	defer cancel()
	if err := s.p.Cancel(ctx, ref); err != nil {
		s.opts.Log.Warn().Err(err).Msg("e-ID cancel")
	}
}

// handleStart starts a login order.
func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r)
	var req struct {
		Kind Kind `json:"kind"`
	}
	if err := web.DecodeJSON(w, r, maxStartBody, &req); err != nil || req.Kind != Auth {
		web.JSON(w, http.StatusBadRequest, map[string]string{"error": uiText(lang, "bad_start"), "code": "bad_request"})
		return
	}
	browser := ""
	if c, err := r.Cookie(OrderCookie); err == nil && len(c.Value) == 43 {
		browser = c.Value
	} else {
		browser = randomToken(32)
	}
	owner := sha256.Sum256([]byte(browser))
	o := &order{owner: owner}
	err := s.start(r.Context(), o, Order{Kind: Auth, EndUserIP: s.opts.ClientIP(r)},
		func(old *order) bool { return old.kind == Auth && old.owner == owner })
	if err != nil {
		s.startError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     OrderCookie,
		Value:    browser,
		Path:     orderCookiePath,
		MaxAge:   int((s.opts.OrderTTL + keepDone) / time.Second),
		HttpOnly: true,
		Secure:   s.sessions.opts.CookieSecure,
		SameSite: http.SameSiteStrictMode,
	})
	body := map[string]any{
		"order":     o.id,
		"autostart": s.opts.AutoStartURL(o.started.AutoStartToken, ""),
		"test":      s.p.Test(),
	}
	if s.p.Test() {
		body["test_device"] = s.opts.TestDevice
	}
	web.JSON(w, http.StatusCreated, body)
}

// startError answers a failed start: 503 when we or the e-ID service are
// busy or down for a while, 502 for other refusals.
func (s *Service) startError(w http.ResponseWriter, r *http.Request, err error) {
	lang := web.Lang(r)
	if errors.Is(err, ErrTooManyOrders) {
		w.Header().Set("Retry-After", "30")
		web.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": uiText(lang, "busy"), "code": "busy"})
		return
	}
	status := http.StatusBadGateway
	var e *Error
	if errors.As(err, &e) {
		if e.Retryable() {
			status = http.StatusServiceUnavailable
		}
	} else {
		status = http.StatusServiceUnavailable
	}
	s.opts.Log.Warn().Err(err).Msg("e-ID start")
	web.JSON(w, status, map[string]string{"error": s.opts.Message(lang, Failed, "", err, true), "code": "eid_error"})
}

// StartSign starts a sign order for the logged-in citizen c (from the
// request context, see Sessions.Require) and returns its id for the
// browser (GET /api/eid/orders/{id}, its QR code, DELETE) and for
// TakeSigned. text is what the citizen reads and signs; data (optional) is
// signed but not shown, e.g. a hash of the document. Only c may complete
// the order (the e-ID service is told c's personal number), and only c's
// session may see it. A pending sign order of the same session is
// cancelled.
func (s *Service) StartSign(ctx context.Context, r *http.Request, c Citizen, text string, data []byte) (string, error) {
	if c.Session == "" || c.User.PersonalNumber == "" || text == "" ||
		len(text) > maxVisibleText || len(data) > maxNonVisibleData {
		return "", ErrBadSignOrder
	}
	o := &order{session: c.Session, signer: c.User.PersonalNumber}
	err := s.start(ctx, o, Order{
		Kind:           Sign,
		EndUserIP:      s.opts.ClientIP(r),
		VisibleText:    text,
		NonVisibleData: data,
		PersonalNumber: c.User.PersonalNumber,
	}, func(old *order) bool { return old.kind == Sign && old.session == c.Session })
	if err != nil {
		return "", err
	}
	return o.id, nil
}

// TakeSigned returns the result of the complete sign order id (the signer,
// the signature and the OCSP response) to the session that started it,
// exactly once; the order is forgotten then. A pending order gives
// ErrOrderPending, a failed one an error wrapping ErrOrderFailed (with the
// hint code), an unknown or already taken one, or one of another session,
// ErrNoOrder.
func (s *Service) TakeSigned(c Citizen, id string) (Result, error) {
	s.mu.Lock()
	o, ok := s.orders[id]
	s.mu.Unlock()
	if !ok || o.kind != Sign || c.Session == "" || o.session != c.Session {
		return Result{}, ErrNoOrder
	}
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	s.refresh(ctx, o)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case o.taken:
		return Result{}, ErrNoOrder
	case o.state == Pending:
		return Result{}, ErrOrderPending
	case o.state == Failed:
		return Result{}, fmt.Errorf("%w (%s)", ErrOrderFailed, o.hint)
	}
	res := o.result
	o.taken = true
	o.result = Result{}
	delete(s.orders, id)
	return res, nil
}

// refresh collects o from the provider if it is pending and was last
// collected at least CollectEvery ago. If another request is collecting o
// right now, it returns at once: the caller uses the state as it stands.
func (s *Service) refresh(ctx context.Context, o *order) {
	if !o.collectMu.TryLock() {
		return
	}
	defer o.collectMu.Unlock()
	s.mu.Lock()
	now := s.opts.Now()
	if o.state != Pending || (!o.lastCollect.IsZero() && now.Sub(o.lastCollect) < s.opts.CollectEvery) {
		s.mu.Unlock()
		return
	}
	if now.Sub(o.created) >= s.opts.OrderTTL {
		o.state, o.hint, o.err, o.ended = Failed, "expiredTransaction", nil, o.created.Add(s.opts.OrderTTL)
		s.mu.Unlock()
		s.providerCancel(ctx, o.started.Ref)
		return
	}
	o.lastCollect = now
	ref := o.started.Ref
	s.mu.Unlock()

	// The citizen going away must not lose a completed order half-read.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), collectTimeout)
	defer cancel()
	res, err := s.p.Collect(cctx, ref)

	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.opts.Now()
	if o.state != Pending { // cancelled meanwhile
		return
	}
	if err != nil {
		s.opts.Log.Warn().Err(err).Msg("e-ID collect")
		var e *Error
		if errors.As(err, &e) && !e.Retryable() {
			o.state, o.hint, o.err, o.ended = Failed, "", err, now
		} else {
			o.err = err // try again at the next poll
		}
		return
	}
	o.err = nil
	switch res.State {
	case Complete:
		if o.kind == Sign && res.User.PersonalNumber != o.signer {
			// Cannot happen with the requirement set; refuse all the same.
			o.state, o.hint, o.ended = Failed, "", now
			o.err = errors.New("e-id: signed by another person than the one logged in")
			s.opts.Log.Error().Msg("e-ID sign order completed by another person than the session's citizen")
			return
		}
		o.state, o.hint, o.result, o.ended = Complete, res.HintCode, res, now
	case Failed:
		o.state, o.hint, o.ended = Failed, res.HintCode, now
	default:
		o.hint = res.HintCode
	}
}

// owned returns the order id if the request may see it: the browser that
// started a login (order cookie), the session that started a signing.
func (s *Service) owned(r *http.Request, id string) (*order, bool) {
	s.mu.Lock()
	o, ok := s.orders[id]
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	switch o.kind {
	case Auth:
		c, err := r.Cookie(OrderCookie)
		return o, err == nil && sha256.Sum256([]byte(c.Value)) == o.owner
	case Sign:
		c, _, ok := s.sessions.Lookup(r)
		return o, ok && c.Session == o.session
	}
	return nil, false
}

func (s *Service) notFound(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusNotFound, map[string]string{"error": uiText(web.Lang(r), "no_order"), "code": "no_order"})
}

// handleStatus answers where an order stands, collecting it at most every
// CollectEvery. When a login completes, the browser that started it is
// logged in by this answer (the citizen cookie).
func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) {
	o, ok := s.owned(r, r.PathValue("id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	qr := r.URL.Query().Get("qr")
	if qr != "" {
		s.mu.Lock()
		o.qrUsed = qr != "0"
		s.mu.Unlock()
	}
	s.refresh(r.Context(), o)

	s.mu.Lock()
	state, hint, oerr, qrUsed, kind := o.state, o.hint, o.err, o.qrUsed, o.kind
	var login bool
	var user User
	if kind == Auth && state == Complete && !o.loggedIn {
		login, user = true, o.result.User
		o.loggedIn = true
		o.result = Result{} // the identity goes to the session, not kept here
	}
	s.mu.Unlock()

	lang := web.Lang(r)
	body := map[string]any{
		"state": state,
		"hint":  hint,
		"test":  s.p.Test(),
		"kind":  kind,
	}
	if state == Pending {
		body["autostart"] = s.opts.AutoStartURL(o.started.AutoStartToken, "")
	}
	if s.p.Test() {
		body["test_device"] = s.opts.TestDevice
	}
	if login {
		if _, err := s.sessions.Login(w, r, user, s.p.Test()); err != nil {
			s.opts.Log.Error().Err(err).Msg("citizen login")
			body["state"] = Failed
			body["message"] = uiText(lang, "busy")
			web.JSON(w, http.StatusOK, body)
			return
		}
		body["logged_in"] = true
	}
	body["message"] = s.opts.Message(lang, state, hint, oerr, qrUsed)
	web.JSON(w, http.StatusOK, body)
}

// handleQR answers the order's animated QR code as SVG, recomputed each
// second; 404 once the order is no longer pending. The QR start secret
// stays here: only the HMAC in the code leaves.
func (s *Service) handleQR(w http.ResponseWriter, r *http.Request) {
	o, ok := s.owned(r, r.PathValue("id"))
	if ok {
		s.mu.Lock()
		ok = o.state == Pending && s.opts.Now().Sub(o.created) < s.opts.OrderTTL
		s.mu.Unlock()
	}
	if !ok {
		w.Header().Set("Cache-Control", "no-store")
		s.notFound(w, r)
		return
	}
	now := s.opts.Now()
	t := qrSecond(o.started, now)
	s.mu.Lock()
	svg := o.qrSVG
	if o.qrAt != t || svg == nil {
		var err error
		svg, err = QRSVG(s.opts.QRData(o.started, now))
		if err != nil {
			s.mu.Unlock()
			s.opts.Log.Error().Err(err).Msg("encoding e-ID QR code")
			web.JSON(w, http.StatusInternalServerError, map[string]string{"error": uiText(web.Lang(r), "internal")})
			return
		}
		o.qrAt, o.qrSVG = t, svg
	}
	s.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	_, _ = w.Write(svg)
}

// handleCancel cancels a pending order (the citizen's cancel button).
func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) {
	o, ok := s.owned(r, r.PathValue("id"))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.mu.Lock()
	pending := o.state == Pending
	if pending {
		o.state, o.hint, o.err, o.ended = Failed, "userCancel", nil, s.opts.Now()
	}
	s.mu.Unlock()
	if pending {
		s.providerCancel(r.Context(), o.started.Ref)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// meBody is the answer of /api/eid/me: never the full personal number,
// and nothing about a person with protected identity. idle_seconds is how
// long until logout for inactivity (or for age, if sooner);
// idle_limit_seconds the inactivity limit itself.
func (s *Service) meBody(c Citizen, left time.Duration) map[string]any {
	body := map[string]any{
		"test":               c.Test,
		"protected":          c.User.Protected,
		"idle_seconds":       int(left / time.Second),
		"idle_limit_seconds": int(s.sessions.opts.Idle / time.Second),
		"name":               "",
		"given_name":         "",
	}
	if !c.User.Protected {
		body["name"] = c.User.Name
		body["given_name"] = c.User.GivenName
		body["personal_number"] = MaskPersonalNumber(c.User.PersonalNumber)
	}
	return body
}

// MaskPersonalNumber shows only the century and the last two digits of a
// 12-digit personal number: "19XXXXXX-XX34".
func MaskPersonalNumber(pn string) string {
	if len(pn) != 12 {
		return ""
	}
	return pn[:2] + "XXXXXX-XX" + pn[10:]
}

// handleMe answers who is logged in and how long until the session ends
// for inactivity (idle_seconds). It is not activity itself.
func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	c, left, ok := s.sessions.Lookup(r)
	if !ok {
		loginRequired(w, r)
		return
	}
	web.JSON(w, http.StatusOK, s.meBody(c, left))
}

// handleKeepAlive is POST /api/eid/session behind Require: the request was
// the activity; it answers like /me.
func (s *Service) handleKeepAlive(w http.ResponseWriter, r *http.Request) {
	c, left, ok := s.sessions.Lookup(r)
	if !ok {
		loginRequired(w, r)
		return
	}
	web.JSON(w, http.StatusOK, s.meBody(c, left))
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.sessions.Logout(w, r)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// Sweep fails orders pending past OrderTTL (cancelling them at the
// provider), forgets finished ones after a while, and sweeps the sessions.
func (s *Service) Sweep() {
	s.mu.Lock()
	refs := s.sweepLocked(s.opts.Now())
	s.mu.Unlock()
	for _, ref := range refs {
		s.providerCancel(context.Background(), ref)
	}
	s.sessions.Sweep()
}

// sweepLocked does Sweep's work on the orders and returns the provider
// refs to cancel.
func (s *Service) sweepLocked(now time.Time) []string {
	var refs []string
	for id, o := range s.orders {
		if o.state == Pending && now.Sub(o.created) >= s.opts.OrderTTL {
			o.state, o.hint, o.err, o.ended = Failed, "expiredTransaction", nil, o.created.Add(s.opts.OrderTTL)
			refs = append(refs, o.started.Ref)
		}
		if o.state != Pending && now.Sub(o.ended) >= keepDone {
			delete(s.orders, id)
		}
	}
	return refs
}

// Sweeper calls Sweep every interval (a minute if every is not positive)
// until ctx is done.
func (s *Service) Sweeper(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sweep()
		}
	}
}

// Pending returns how many orders are pending, for metrics.
func (s *Service) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, o := range s.orders {
		if o.state == Pending {
			n++
		}
	}
	return n
}

// uiTexts are this file's own messages, Swedish first.
var uiTexts = map[string][2]string{
	"login_required": {"Du är inte inloggad, eller så har du blivit utloggad. Logga in med e-legitimation.", "You are not logged in, or you have been logged out. Log in with your e-ID."},
	"cross_site":     {"Begäran kom från en annan webbplats och avvisades.", "The request came from another site and was refused."},
	"bad_start":      {"Ogiltig begäran: skicka {\"kind\":\"auth\"}.", "Invalid request: send {\"kind\":\"auth\"}."},
	"busy":           {"Tjänsten är upptagen just nu. Försök igen om en stund.", "The service is busy right now. Please try again in a while."},
	"no_order":       {"Beställningen finns inte, eller hör inte till den här webbläsaren. Börja om.", "The order does not exist or does not belong to this browser. Please start again."},
	"internal":       {"Något gick fel. Försök igen.", "Something went wrong. Please try again."},
}

func uiText(lang, id string) string {
	m := uiTexts[id]
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// fallbackMessage is a short generic message for an order's state; the
// server replaces it with the official BankID texts (Options.Message).
func fallbackMessage(lang string, state State, hint string, err error, qr bool) string {
	en := lang == "en"
	pick := func(sv, e string) string {
		if en {
			return e
		}
		return sv
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == "alreadyInProgress" {
			return pick("Du har redan en inloggning eller signering på gång. Försök igen.", "You already have a login or signing in progress. Please try again.")
		}
		return pick("Något gick fel. Försök igen.", "Something went wrong. Please try again.")
	}
	switch state {
	case Complete:
		return pick("Klart.", "Done.")
	case Failed:
		switch hint {
		case "userCancel", "cancelled":
			return pick("Åtgärden avbröts.", "Action cancelled.")
		case "expiredTransaction":
			return pick("Tiden gick ut. Försök igen.", "The time ran out. Please try again.")
		}
		return pick("Det gick inte. Försök igen.", "It did not work. Please try again.")
	}
	switch hint {
	case "userSign":
		return pick("Skriv in din säkerhetskod i appen och välj Identifiera eller Skriv under.", "Enter your security code in the app and select Identify or Sign.")
	case "started", "userMrtd":
		return pick("Följ instruktionerna i appen.", "Follow the instructions in the app.")
	}
	if qr {
		return pick("Starta e-legitimationsappen och skanna QR-koden.", "Start your e-ID app and scan the QR code.")
	}
	return pick("Starta e-legitimationsappen.", "Start your e-ID app.")
}
