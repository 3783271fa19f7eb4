package booking

import (
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"parentline/eid"
	"parentline/internal/web"
)

// HTTPOptions configure the booking routes (Store.Routes).
type HTTPOptions struct {
	// EID starts the citizens' sign orders and hands over their results.
	EID *eid.Service
	// Sessions is the citizen e-ID session store; every citizen route is
	// behind Sessions.Require.
	Sessions *eid.Sessions
	// Staff lets a request through only for staff with role booking or
	// admin (the server passes staff.Auth.Require(...)); it answers 401/403
	// itself otherwise. Without it every staff route answers 403.
	Staff func(http.Handler) http.Handler
	// StaffName is the logged-in staff member's username, for the audit of
	// staff actions; a request without one is refused (401).
	StaffName func(*http.Request) string
	// Log gets ids, states, counts and staff usernames; never a citizen's
	// personal data.
	Log zerolog.Logger
	// Now is the clock of the terms (cancel-terms, rebook-terms) and the
	// drafts; default the Store's clock.
	Now func() time.Time
}

// Routes of the booking API (see the package's HTTP contract).
//
// Citizen routes (an e-ID session; 401 without):
//
//	GET  /api/booking/slots?form=          free future slots
//	POST /api/booking/sign                 {"slot","contact","co_email"} → 201 {"order"}
//	POST /api/booking/book                 {"order"} → 202 pending | 201 {"booking"}
//	GET  /api/booking/invitation?t=        the booking as the co-applicant reads it
//	POST /api/booking/invitation/sign      {"t"} → 201 {"order"}
//	POST /api/booking/invitation/cosign    {"t","order"} → 202 | 201 {"booking"} | 409 same_person
//	POST /api/booking/invitation/decline   {"t"} → 200 {}
//	GET  /api/booking/mine                 [MYBOOKING]
//	GET  /api/booking/mine/{id}/cancel-terms
//	POST /api/booking/mine/{id}/cancel     {"accept_fee"}
//	GET  /api/booking/mine/{id}/rebook-terms?slot=
//	POST /api/booking/mine/{id}/rebook     {"slot","accept_fee"}
//
// Staff routes (HTTPOptions.Staff):
//
//	GET    /api/booking/staff/slots?from&to
//	POST   /api/booking/staff/slots
//	DELETE /api/booking/staff/slots/{id}
//	GET    /api/booking/staff/bookings?from&to
//	POST   /api/booking/staff/bookings/{id}/cancel {"charge_fee"}
//	GET    /api/booking/staff/fees?from&to[&format=csv]
//
// Protected identity (skyddade personuppgifter): nothing special is done
// here beyond never sending stored contact data back to a page where it
// could pre-fill a form. MYBOOKING carries no contact details, address,
// mobile or personnummer (not even the citizen's own); /sign answers only
// the order id; the draft with what was typed stays in this process's
// memory until /book. The pages themselves leave the contact form empty
// when /api/eid/me says "protected". Staff, who must reach the parties,
// see the details of confirmed bookings only.
//
// Routes panics if EID or Sessions is nil: the citizen routes cannot work
// without them.
func (s *Store) Routes(mux *http.ServeMux, o HTTPOptions) {
	if o.EID == nil || o.Sessions == nil {
		panic("booking: Routes needs HTTPOptions.EID and HTTPOptions.Sessions")
	}
	if o.Now == nil {
		o.Now = s.opts.Now
	}
	if o.Staff == nil {
		o.Staff = denyStaff
	}
	if o.StaffName == nil {
		o.StaffName = func(*http.Request) string { return "" }
	}
	a := &api{s: s, o: o, drafts: newDrafts(draftTTL, maxDrafts)}
	citizen := func(h http.HandlerFunc) http.Handler { return o.Sessions.Require(h) }
	change := func(h http.HandlerFunc) http.Handler { return eid.Protect(o.Sessions.Require(h)) }
	staff := func(h http.HandlerFunc) http.Handler { return o.Staff(h) }
	staffChange := func(h http.HandlerFunc) http.Handler { return eid.Protect(o.Staff(h)) }

	mux.Handle("GET /api/booking/slots", citizen(a.handleSlots))
	mux.Handle("POST /api/booking/sign", change(a.handleSign))
	mux.Handle("POST /api/booking/book", change(a.handleBook))
	mux.Handle("GET /api/booking/invitation", citizen(a.handleInvitation))
	mux.Handle("POST /api/booking/invitation/sign", change(a.handleInvitationSign))
	mux.Handle("POST /api/booking/invitation/cosign", change(a.handleCoSign))
	mux.Handle("POST /api/booking/invitation/decline", change(a.handleDecline))
	mux.Handle("GET /api/booking/mine", citizen(a.handleMine))
	mux.Handle("GET /api/booking/mine/{id}/cancel-terms", citizen(a.handleCancelTerms))
	mux.Handle("POST /api/booking/mine/{id}/cancel", change(a.handleCancel))
	mux.Handle("GET /api/booking/mine/{id}/rebook-terms", citizen(a.handleRebookTerms))
	mux.Handle("POST /api/booking/mine/{id}/rebook", change(a.handleRebook))

	mux.Handle("GET /api/booking/staff/slots", staff(a.handleStaffSlots))
	mux.Handle("POST /api/booking/staff/slots", staffChange(a.handlePublish))
	mux.Handle("DELETE /api/booking/staff/slots/{id}", staffChange(a.handleDeleteSlot))
	mux.Handle("GET /api/booking/staff/bookings", staff(a.handleStaffBookings))
	mux.Handle("POST /api/booking/staff/bookings/{id}/cancel", staffChange(a.handleStaffCancel))
	mux.Handle("GET /api/booking/staff/fees", staff(a.handleFees))
}

// denyStaff is the Staff middleware when none is configured: nobody is
// staff.
func denyStaff(http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusForbidden, map[string]string{"error": httpMsg(web.Lang(r), "forbidden"), "code": "forbidden"})
	})
}

// Request body limits.
const (
	maxSignBody  = 8 << 10 // contact details: a few hundred characters, escaped
	maxSmallBody = 1 << 10
	maxSlotBody  = 2 << 10
)

// Drafts: what the citizen typed, between /sign and /book.
const (
	draftTTL  = 10 * time.Minute
	maxDrafts = 10000 // as many as citizen sessions, one each
)

// maxStaffRange bounds the date ranges staff ask for.
const maxStaffRange = 400 * 24 * time.Hour

// FieldSlot names the slot in the HTTP layer's FieldErrors; FieldCoEmail is
// FieldCoApplicantEmail as the request body and the pages name it.
const (
	FieldSlot    = "slot"
	FieldCoEmail = "co_email"
	FieldFrom    = "from"
	FieldTo      = "to"
)

// httpFieldName is a FieldErrors key as the pages know it.
func httpFieldName(f string) string {
	if f == FieldCoApplicantEmail {
		return FieldCoEmail
	}
	return f
}

// The handlers' own messages, Swedish first.
var httpMessages = map[string]Message{
	"bad_json": {Sv: "Ogiltig begäran: skicka ett JSON-objekt med de fält som behövs.",
		En: "Invalid request: send a JSON object with the fields needed."},
	"login_required": {Sv: "Du är inte inloggad, eller så har du blivit utloggad. Logga in med e-legitimation.",
		En: "You are not logged in, or you have been logged out. Log in with your e-ID."},
	"staff_login": {Sv: "Du måste logga in.", En: "You need to log in."},
	"forbidden":   {Sv: "Du har inte behörighet till det här.", En: "You do not have permission for this."},
	"no_order": {Sv: "Signeringen finns inte eller har gått ut. Börja om och signera igen.",
		En: "The signing does not exist or has expired. Please start again and sign again."},
	"sign_failed": {Sv: "Signeringen avbröts eller gick inte igenom. Inget har bokats. Försök igen.",
		En: "The signing was cancelled or did not go through. Nothing has been booked. Please try again."},
	"sign_start": {Sv: "Det gick inte att starta signeringen med e-legitimation. Försök igen om en stund.",
		En: "The e-ID signing could not be started. Please try again in a moment."},
	"busy": {Sv: "Tjänsten är upptagen just nu. Försök igen om en stund.",
		En: "The service is busy right now. Please try again in a while."},
	"wrong_signer": {Sv: "Signeringen gjordes av någon annan än den som är inloggad. Inget har bokats.",
		En: "The signing was done by someone other than the person logged in. Nothing has been booked."},
	"slot_released": {Sv: "Tiden hann bokas av någon annan medan du signerade, och din bokning kunde inte göras. Välj en annan tid.",
		En: "The time was booked by someone else while you were signing, so your booking could not be made. Please choose another time."},
	"choose_slot": {Sv: "Välj en tid.", En: "Choose a time."},
	"bad_form":    {Sv: "Välj samtalsform: engångssamtal eller parterapi.", En: "Choose the kind of session: single session or couple therapy."},
	"bad_start": {Sv: "Ange start som ÅÅÅÅ-MM-DDTHH:MM, till exempel 2026-12-01T10:00.",
		En: "Enter the start as YYYY-MM-DDTHH:MM, for example 2026-12-01T10:00."},
	"bad_date": {Sv: "Ange datumet som ÅÅÅÅ-MM-DD.", En: "Enter the date as YYYY-MM-DD."},
	"bad_range": {Sv: "Slutdatumet måste vara samma dag som startdatumet eller senare, och högst ett år efter.",
		En: "The end date must be on or after the start date, and at most a year after it."},
	"internal": {Sv: "Något gick fel. Inget har ändrats. Försök igen om en stund.",
		En: "Something went wrong. Nothing was changed. Please try again in a moment."},
}

func httpMsg(lang, id string) string { return httpMessages[id].In(lang) }

// api is the state of the routes: the store, the options and the drafts.
type api struct {
	s      *Store
	o      HTTPOptions
	drafts *drafts
}

// citizenOf returns the request's e-ID citizen (put there by
// Sessions.Require), or answers 401.
func citizenOf(w http.ResponseWriter, r *http.Request) (eid.Citizen, bool) {
	c, ok := eid.CitizenFrom(r.Context())
	if !ok || c.Session == "" || c.User.PersonalNumber == "" {
		web.JSON(w, http.StatusUnauthorized, map[string]string{"error": httpMsg(web.Lang(r), "login_required"), "code": "login_required"})
		return eid.Citizen{}, false
	}
	return c, true
}

// identityOf is who the e-ID session says the citizen is.
func identityOf(c eid.Citizen) Identity {
	return Identity{Personnummer: c.User.PersonalNumber, Name: c.User.Name}
}

// staffName returns the staff member's username, or answers 401.
func (a *api) staffName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := strings.TrimSpace(a.o.StaffName(r))
	if name == "" {
		web.JSON(w, http.StatusUnauthorized, map[string]string{"error": httpMsg(web.Lang(r), "staff_login"), "code": "login_required"})
		return "", false
	}
	return name, true
}

func badJSON(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusBadRequest, map[string]string{"error": httpMsg(web.Lang(r), "bad_json"), "code": "bad_request"})
}

// errorStatus is the HTTP status of a Store error.
func errorStatus(err error) int {
	var fe FieldErrors
	switch {
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrSlotNotFound), errors.Is(err, ErrBookingNotFound), errors.Is(err, ErrInvitationInvalid):
		return http.StatusNotFound
	case errors.Is(err, ErrIdentity):
		return http.StatusForbidden
	}
	var e *Error
	if errors.As(err, &e) {
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// errorBody is what a client is told of err in lang: {"error","code"} for
// an *Error, {"error","fields"} for FieldErrors (with the pages' field
// names), or the general message.
func errorBody(err error, lang string) map[string]any {
	body := map[string]any{"error": UserMessage(err, lang)}
	var fe FieldErrors
	var e *Error
	switch {
	case errors.As(err, &fe):
		fields := make(map[string]string, len(fe))
		for k, m := range fe {
			fields[httpFieldName(k)] = m.In(lang)
		}
		body["fields"] = fields
		body["code"] = "invalid"
	case errors.As(err, &e):
		body["code"] = e.Code
	default:
		body["code"] = "internal"
	}
	return body
}

// fail answers err: its status, and its message in the request's language.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := errorStatus(err)
	if status == http.StatusInternalServerError {
		// Store errors are logged by the Store; this names the route.
		a.o.Log.Error().Err(err).Str("route", r.Pattern).Msg("booking request failed")
	}
	web.JSON(w, status, errorBody(err, web.Lang(r)))
}

// ---- JSON views ----

// meetingJSON is a meeting with its end and labels, times in the store's
// calendar.
type meetingJSON struct {
	SlotID     string    `json:"slot_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Minutes    int       `json:"minutes"`
	Form       Form      `json:"form"`
	FormLabel  string    `json:"form_label"`
	Place      Place     `json:"place"`
	PlaceLabel string    `json:"place_label"`
	Counselor  string    `json:"counselor"`
	// When is the time written out: "tisdag 1 december 2026 kl. 10:00–11:00".
	When string `json:"when"`
}

func (s *Store) meetingJSON(m Meeting, lang string) meetingJSON {
	loc := s.opts.Location
	return meetingJSON{SlotID: m.SlotID, Start: m.Start.In(loc), End: m.End().In(loc), Minutes: m.Minutes,
		Form: m.Form, FormLabel: m.Form.Label(lang), Place: m.Place, PlaceLabel: m.Place.Label(lang),
		Counselor: m.Counselor, When: s.MeetingTime(m, lang)}
}

// slotJSON is a slot: what citizens see, and for staff its state and who
// published it.
type slotJSON struct {
	ID         string    `json:"id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Minutes    int       `json:"minutes"`
	Form       Form      `json:"form"`
	FormLabel  string    `json:"form_label"`
	Place      Place     `json:"place"`
	PlaceLabel string    `json:"place_label"`
	Counselor  string    `json:"counselor"`
	When       string    `json:"when"`
	// Staff views only.
	State       SlotState  `json:"state,omitempty"`
	StateLabel  string     `json:"state_label,omitempty"`
	BookingID   string     `json:"booking_id,omitempty"`
	PublishedBy string     `json:"published_by,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

func (s *Store) slotJSON(sl Slot, lang string, staff bool) slotJSON {
	m := s.meetingJSON(Meeting{SlotID: sl.ID, Start: sl.Start, Minutes: sl.Minutes, Form: sl.Form, Place: sl.Place,
		Counselor: sl.Counselor}, lang)
	out := slotJSON{ID: sl.ID, Start: m.Start, End: m.End, Minutes: m.Minutes, Form: m.Form, FormLabel: m.FormLabel,
		Place: m.Place, PlaceLabel: m.PlaceLabel, Counselor: m.Counselor, When: m.When}
	if staff {
		out.State, out.StateLabel, out.BookingID, out.PublishedBy = sl.State, sl.State.Label(lang), sl.BookingID, sl.PublishedBy
		if !sl.PublishedAt.IsZero() {
			at := sl.PublishedAt.In(s.opts.Location)
			out.PublishedAt = &at
		}
	}
	return out
}

// feeJSON is a fee as its party sees it on Mina sidor.
type feeJSON struct {
	Amount int       `json:"amount"`
	Reason string    `json:"reason"`
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
}

func feeReason(kind, lang string) string {
	if kind == FeeRebooked {
		return Message{Sv: "Sen ombokning (mindre än 48 timmar före mötet)", En: "Late rebooking (less than 48 hours before the meeting)"}.In(lang)
	}
	return Message{Sv: "Sen avbokning (mindre än 48 timmar före mötet)", En: "Late cancellation (less than 48 hours before the meeting)"}.In(lang)
}

// myBookingJSON is MYBOOKING of the contract. It carries no contact
// details and no personnummer (see Routes on protected identity).
type myBookingJSON struct {
	ID          string      `json:"id"`
	State       State       `json:"state"`
	StateLabel  string      `json:"state_label"`
	Role        Role        `json:"role"`
	Meeting     meetingJSON `json:"meeting"`
	Created     time.Time   `json:"created"`
	HoldUntil   *time.Time  `json:"hold_until,omitempty"` // while awaiting the co-applicant
	ConfirmedAt *time.Time  `json:"confirmed_at,omitempty"`
	EndedAt     *time.Time  `json:"ended_at,omitempty"`
	CoEmail     string      `json:"co_email,omitempty"`   // the applicant's view: where the invitation went
	OtherName   string      `json:"other_name,omitempty"` // the other party's e-ID name, once known
	Fee         *feeJSON    `json:"fee,omitempty"`        // the fee(s) charged: total and reason
	Fees        []feeJSON   `json:"fees,omitempty"`
	CanCancel   bool        `json:"can_cancel"`
	CanRebook   bool        `json:"can_rebook"`
	PurgeAfter  *time.Time  `json:"purge_after,omitempty"`
}

func (s *Store) timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(s.opts.Location)
	return &t
}

func (s *Store) myBookingJSON(b MyBooking, lang string) myBookingJSON {
	out := myBookingJSON{ID: b.ID, State: b.State, StateLabel: b.State.Label(lang), Role: b.Role,
		Meeting: s.meetingJSON(b.Meeting, lang), Created: b.Created.In(s.opts.Location),
		ConfirmedAt: s.timePtr(b.ConfirmedAt), EndedAt: s.timePtr(b.EndedAt), OtherName: b.OtherName,
		CanCancel: b.CanCancel, CanRebook: b.CanRebook, PurgeAfter: s.timePtr(b.PurgeAfter)}
	if b.State == StateAwaitingCosign {
		out.HoldUntil = s.timePtr(b.HoldUntil)
	}
	if b.Role == RoleApplicant {
		out.CoEmail = b.CoApplicantEmail
	}
	if len(b.Fees) > 0 {
		total := 0
		var reasons []string
		for _, f := range b.Fees {
			total += f.AmountSEK
			reason := feeReason(f.Kind, lang)
			out.Fees = append(out.Fees, feeJSON{Amount: f.AmountSEK, Reason: reason, Kind: f.Kind, At: f.At.In(s.opts.Location)})
			if !slices.Contains(reasons, reason) {
				reasons = append(reasons, reason)
			}
		}
		out.Fee = &feeJSON{Amount: total, Reason: strings.Join(reasons, "; "), Kind: b.Fees[len(b.Fees)-1].Kind,
			At: b.Fees[len(b.Fees)-1].At.In(s.opts.Location)}
	}
	return out
}

// termsJSON is TERMS of the contract.
type termsJSON struct {
	BookingID  string       `json:"booking_id"`
	Fee        bool         `json:"fee"`
	Amount     int          `json:"amount"` // the fee that applies now; 0 without
	FeeAmount  int          `json:"fee_amount"`
	Message    string       `json:"message"`
	FreeUntil  time.Time    `json:"free_until"`
	Meeting    meetingJSON  `json:"meeting"`
	NewMeeting *meetingJSON `json:"new_meeting,omitempty"`
}

func (s *Store) termsJSON(t Terms, lang string) termsJSON {
	out := termsJSON{BookingID: t.BookingID, Fee: t.Fee, Amount: t.AmountSEK, FeeAmount: s.opts.Fee,
		Message: t.Text.In(lang), FreeUntil: t.FreeUntil.In(s.opts.Location), Meeting: s.meetingJSON(t.Meeting, lang)}
	if t.NewMeeting != nil {
		m := s.meetingJSON(*t.NewMeeting, lang)
		out.NewMeeting = &m
	}
	return out
}

// changeJSON is CHANGE: the receipt of a cancellation or a move.
type changeJSON struct {
	BookingID string       `json:"booking_id"`
	Kind      string       `json:"kind"`
	At        time.Time    `json:"at"`
	Meeting   meetingJSON  `json:"meeting"`
	Previous  *meetingJSON `json:"previous,omitempty"`
	Fee       bool         `json:"fee"`
	Amount    int          `json:"amount"`
}

func (s *Store) changeJSON(c Change, lang string) changeJSON {
	out := changeJSON{BookingID: c.BookingID, Kind: c.Kind, At: c.At.In(s.opts.Location),
		Meeting: s.meetingJSON(c.Meeting, lang), Fee: c.Fee, Amount: c.AmountSEK}
	if c.Previous != nil {
		m := s.meetingJSON(*c.Previous, lang)
		out.Previous = &m
	}
	return out
}

// invitationJSON is INVITATION: the booking as the co-applicant reads it,
// with the very text they will sign.
type invitationJSON struct {
	BookingID     string      `json:"booking_id"`
	Meeting       meetingJSON `json:"meeting"`
	ApplicantName string      `json:"applicant_name"`
	HoldUntil     time.Time   `json:"hold_until"`
	Text          string      `json:"text"`
}

// ---- drafts ----

// draft is what a citizen is signing, between the start of the sign order
// and its result: bound to their session and the order.
type draft struct {
	session string
	doc     SignDoc
	input   BookInput // applicant: the booking to make (Proof added when signed)
	token   string    // co-applicant: the invitation
	created time.Time
}

// drafts holds the drafts in memory, by e-ID order id: at most max, each
// for at most ttl, one per session.
type drafts struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]*draft
}

// errTooManyDrafts: max drafts are in progress.
var errTooManyDrafts = errors.New("booking: too many signings in progress")

func newDrafts(ttl time.Duration, max int) *drafts {
	return &drafts{ttl: ttl, max: max, m: make(map[string]*draft)}
}

// put keeps d for order, replacing the session's other drafts (its
// earlier sign order is cancelled by eid when a new one starts).
func (ds *drafts) put(order string, d *draft, now time.Time) error {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for id, old := range ds.m {
		if old.session == d.session || now.Sub(old.created) >= ds.ttl {
			delete(ds.m, id)
		}
	}
	if len(ds.m) >= ds.max {
		return errTooManyDrafts
	}
	d.created = now
	ds.m[order] = d
	return nil
}

// get returns the draft of order if it belongs to session and has not
// expired.
func (ds *drafts) get(order, session string, now time.Time) (*draft, bool) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	d, ok := ds.m[order]
	if !ok {
		return nil, false
	}
	if now.Sub(d.created) >= ds.ttl {
		delete(ds.m, order)
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(d.session), []byte(session)) != 1 {
		return nil, false
	}
	return d, true
}

// take removes the draft of order if it is still d; it reports whether it
// was.
func (ds *drafts) take(order string, d *draft) bool {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.m[order] != d {
		return false
	}
	delete(ds.m, order)
	return true
}

func (ds *drafts) len() int {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return len(ds.m)
}

// ---- citizen handlers ----

// freeSlots lists the free future slots of form ("" for both).
func (s *Store) freeSlots(form Form, now time.Time) ([]Slot, error) {
	return s.FreeSlots(form, now, now.Add(MaxAhead))
}

func (a *api) handleSlots(w http.ResponseWriter, r *http.Request) {
	if _, ok := citizenOf(w, r); !ok {
		return
	}
	lang := web.Lang(r)
	form := Form(r.URL.Query().Get("form"))
	if form != "" && !form.Valid() {
		a.fail(w, r, FieldErrors{FieldForm: httpMessages["bad_form"]})
		return
	}
	list, err := a.s.freeSlots(form, a.o.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]slotJSON, 0, len(list))
	for _, sl := range list {
		out = append(out, a.s.slotJSON(sl, lang, false))
	}
	web.JSON(w, http.StatusOK, out)
}

// signRequest is the body of POST /api/booking/sign.
type signRequest struct {
	Slot    string  `json:"slot"`
	Contact Contact `json:"contact"`
	CoEmail string  `json:"co_email"`
}

// checkDraft validates what the applicant typed and the slot, before the
// sign order: FieldErrors (the fields the page shows), ErrSlotNotFound,
// ErrSlotPast, ErrSlotTaken; and returns the normalized input (without
// Proof) and the slot's meeting.
func (s *Store) checkDraft(req signRequest, who Identity, now time.Time) (BookInput, Meeting, error) {
	errs := FieldErrors{}
	var m *Message
	in := BookInput{SlotID: normID(req.Slot)}
	in.Applicant = checkIdentity(who, now, errs)
	if in.Contact.Name, m = checkName(req.Contact.Name); m != nil {
		errs[FieldName] = *m
	}
	if in.Contact.Address, m = checkAddress(req.Contact.Address); m != nil {
		errs[FieldAddress] = *m
	}
	if in.Contact.Email, m = checkEmail(req.Contact.Email); m != nil {
		errs[FieldEmail] = *m
	}
	if in.Contact.Mobile, m = checkMobile(req.Contact.Mobile); m != nil {
		errs[FieldMobile] = *m
	}
	if in.CoApplicantEmail, m = checkCoEmail(req.CoEmail); m != nil {
		errs[FieldCoApplicantEmail] = *m
	}
	if in.SlotID == "" {
		errs[FieldSlot] = httpMessages["choose_slot"]
	}
	if len(errs) > 0 {
		return BookInput{}, Meeting{}, errs
	}
	sl, err := s.Slot(in.SlotID)
	if err != nil {
		return BookInput{}, Meeting{}, err
	}
	if !sl.Start.After(now) {
		return BookInput{}, Meeting{}, ErrSlotPast
	}
	if sl.State != SlotFree {
		return BookInput{}, Meeting{}, ErrSlotTaken
	}
	return in, Meeting{SlotID: sl.ID, Start: sl.Start, Minutes: sl.Minutes, Form: sl.Form, Place: sl.Place,
		Counselor: sl.Counselor}, nil
}

// startSign starts the e-ID sign order of doc for c and keeps d for it.
func (a *api) startSign(w http.ResponseWriter, r *http.Request, c eid.Citizen, d *draft) {
	lang := web.Lang(r)
	d.session = c.Session
	id, err := a.o.EID.StartSign(r.Context(), r, c, a.s.SignText(d.doc, lang), SignData(d.doc))
	if err != nil {
		a.signStartError(w, r, err)
		return
	}
	if err := a.drafts.put(id, d, a.o.Now()); err != nil {
		a.o.Log.Warn().Int("drafts", a.drafts.len()).Msg("booking drafts full")
		w.Header().Set("Retry-After", "30")
		web.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": httpMsg(lang, "busy"), "code": "busy"})
		return
	}
	web.JSON(w, http.StatusCreated, map[string]string{"order": id})
}

func (a *api) signStartError(w http.ResponseWriter, r *http.Request, err error) {
	lang := web.Lang(r)
	a.o.Log.Warn().Err(err).Msg("booking: starting an e-ID sign order")
	if errors.Is(err, eid.ErrTooManyOrders) {
		w.Header().Set("Retry-After", "30")
		web.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": httpMsg(lang, "busy"), "code": "busy"})
		return
	}
	status := http.StatusBadGateway
	var e *eid.Error
	if !errors.As(err, &e) || e.Retryable() {
		status = http.StatusServiceUnavailable
	}
	web.JSON(w, status, map[string]string{"error": httpMsg(lang, "sign_start"), "code": "eid_error"})
}

// handleSign serves POST /api/booking/sign.
func (a *api) handleSign(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req signRequest
	if err := web.DecodeJSON(w, r, maxSignBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	in, m, err := a.s.checkDraft(req, identityOf(c), a.o.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.startSign(w, r, c, &draft{doc: ApplicantDoc(in, m), input: in})
}

// takeSigned answers /book's and /cosign's common part: the draft of the
// order for this session, and the sign order's result. It has answered
// when ok is false.
func (a *api) takeSigned(w http.ResponseWriter, r *http.Request, c eid.Citizen, order string, wantCo bool) (*draft, eid.Result, bool) {
	lang := web.Lang(r)
	notFound := func() {
		web.JSON(w, http.StatusNotFound, map[string]string{"error": httpMsg(lang, "no_order"), "code": "no_order"})
	}
	d, ok := a.drafts.get(order, c.Session, a.o.Now())
	if !ok || (d.token != "") != wantCo {
		notFound()
		return nil, eid.Result{}, false
	}
	res, err := a.o.EID.TakeSigned(c, order)
	switch {
	case errors.Is(err, eid.ErrOrderPending):
		web.JSON(w, http.StatusAccepted, map[string]string{"state": "pending"})
		return nil, eid.Result{}, false
	case errors.Is(err, eid.ErrOrderFailed):
		a.drafts.take(order, d)
		web.JSON(w, http.StatusConflict, map[string]string{"error": httpMsg(lang, "sign_failed"), "code": "sign_failed"})
		return nil, eid.Result{}, false
	case err != nil:
		a.drafts.take(order, d)
		notFound()
		return nil, eid.Result{}, false
	}
	if !a.drafts.take(order, d) {
		// Taken by a concurrent request that lost the race to TakeSigned:
		// cannot happen (TakeSigned answers once), refuse all the same.
		notFound()
		return nil, eid.Result{}, false
	}
	if res.User.PersonalNumber == "" || res.User.PersonalNumber != c.User.PersonalNumber ||
		res.User.PersonalNumber != d.signerPN() {
		a.o.Log.Error().Msg("booking: a sign order was completed by another person than the session's citizen")
		web.JSON(w, http.StatusForbidden, map[string]string{"error": httpMsg(lang, "wrong_signer"), "code": "wrong_signer"})
		return nil, eid.Result{}, false
	}
	return d, res, true
}

// signerPN is the personnummer the draft was made for.
func (d *draft) signerPN() string {
	if d.doc.Role == RoleCoApplicant {
		return d.doc.Signer.Personnummer
	}
	return d.doc.Applicant.Personnummer
}

// handleBook serves POST /api/booking/book.
func (a *api) handleBook(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req struct {
		Order string `json:"order"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	d, res, ok := a.takeSigned(w, r, c, req.Order, false)
	if !ok {
		return
	}
	in := d.input
	in.Applicant = identityOf(c)
	in.Proof = Proof{Signature: res.Signature, OCSP: res.OCSPResponse, SignedAt: a.o.Now()}
	b, _, err := a.s.Book(in)
	lang := web.Lang(r)
	switch {
	case errors.Is(err, ErrSlotTaken), errors.Is(err, ErrSlotNotFound), errors.Is(err, ErrSlotPast):
		web.JSON(w, http.StatusConflict, map[string]string{"error": httpMsg(lang, "slot_released"), "code": "slot_taken"})
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	// The invitation token is the co-applicant's alone: not in the answer.
	web.JSON(w, http.StatusCreated, map[string]any{"booking": a.s.myBookingJSON(a.s.mine(b, RoleApplicant, c.User.PersonalNumber), lang)})
}

// mine is b as the party pn (in role) sees it on Mina sidor.
func (s *Store) mine(b Booking, role Role, pn string) MyBooking {
	if list, err := s.BookingsFor(pn); err == nil {
		for _, m := range list {
			if m.ID == b.ID {
				return m
			}
		}
	}
	// Not found (purged at once?): built from b.
	now := s.now()
	m := MyBooking{ID: b.ID, Role: role, State: b.State, Meeting: b.Meeting, Created: b.Created, HoldUntil: b.HoldUntil,
		ConfirmedAt: b.ConfirmedAt, EndedAt: b.EndedAt, CoApplicantEmail: b.CoApplicantEmail, PurgeAfter: b.PurgeAfter}
	m.CanCancel = b.State.Active() && now.Before(b.Meeting.Start)
	m.CanRebook = b.State == StateConfirmed && now.Before(b.Meeting.Start)
	return m
}

// handleInvitation serves GET /api/booking/invitation?t=: shown only to a
// logged-in citizen, since the link may have reached the wrong person.
func (a *api) handleInvitation(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	v, err := a.s.Invitation(r.URL.Query().Get("t"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	web.JSON(w, http.StatusOK, invitationJSON{BookingID: v.BookingID, Meeting: a.s.meetingJSON(v.Meeting, lang),
		ApplicantName: v.ApplicantName, HoldUntil: v.HoldUntil.In(a.s.opts.Location),
		Text: a.s.SignText(CoApplicantDoc(v, identityOf(c)), lang)})
}

// handleInvitationSign serves POST /api/booking/invitation/sign {"t"}.
func (a *api) handleInvitationSign(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req struct {
		T string `json:"t"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	v, err := a.s.Invitation(req.T)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.startSign(w, r, c, &draft{doc: CoApplicantDoc(v, identityOf(c)), token: req.T})
}

// handleCoSign serves POST /api/booking/invitation/cosign {"t","order"}.
func (a *api) handleCoSign(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req struct {
		T     string `json:"t"`
		Order string `json:"order"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	lang := web.Lang(r)
	if d, ok := a.drafts.get(req.Order, c.Session, a.o.Now()); !ok ||
		subtle.ConstantTimeCompare([]byte(d.token), []byte(req.T)) != 1 {
		web.JSON(w, http.StatusNotFound, map[string]string{"error": httpMsg(lang, "no_order"), "code": "no_order"})
		return
	}
	d, res, ok := a.takeSigned(w, r, c, req.Order, true)
	if !ok {
		return
	}
	mb, err := a.s.CoSign(d.token, identityOf(c), Proof{Signature: res.Signature, OCSP: res.OCSPResponse, SignedAt: a.o.Now()})
	if err != nil {
		a.fail(w, r, err) // ErrSamePerson: 409 {"error","code":"same_person"}
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"booking": a.s.myBookingJSON(mb, lang)})
}

// handleDecline serves POST /api/booking/invitation/decline {"t"}.
func (a *api) handleDecline(w http.ResponseWriter, r *http.Request) {
	if _, ok := citizenOf(w, r); !ok {
		return
	}
	var req struct {
		T string `json:"t"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	if err := a.s.Decline(req.T); err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{})
}

// handleMine serves GET /api/booking/mine.
func (a *api) handleMine(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	list, err := a.s.BookingsFor(c.User.PersonalNumber)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	out := make([]myBookingJSON, 0, len(list))
	for _, b := range list {
		out = append(out, a.s.myBookingJSON(b, lang))
	}
	web.JSON(w, http.StatusOK, out)
}

func (a *api) handleCancelTerms(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	t, err := a.s.CancelTerms(r.PathValue("id"), c.User.PersonalNumber, a.o.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a.s.termsJSON(t, web.Lang(r)))
}

func (a *api) handleCancel(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req struct {
		AcceptFee bool `json:"accept_fee"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	ch, err := a.s.Cancel(r.PathValue("id"), c.User.PersonalNumber, req.AcceptFee)
	if err != nil {
		a.fail(w, r, err) // ErrFeeNotAccepted: 409 {"error","code":"fee_not_accepted"}
		return
	}
	web.JSON(w, http.StatusOK, a.s.changeJSON(ch, web.Lang(r)))
}

func (a *api) handleRebookTerms(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	slot := r.URL.Query().Get("slot")
	if strings.TrimSpace(slot) == "" {
		a.fail(w, r, FieldErrors{FieldSlot: httpMessages["choose_slot"]})
		return
	}
	t, err := a.s.RebookTerms(r.PathValue("id"), c.User.PersonalNumber, slot, a.o.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a.s.termsJSON(t, web.Lang(r)))
}

func (a *api) handleRebook(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	var req struct {
		Slot      string `json:"slot"`
		AcceptFee bool   `json:"accept_fee"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	if strings.TrimSpace(req.Slot) == "" {
		a.fail(w, r, FieldErrors{FieldSlot: httpMessages["choose_slot"]})
		return
	}
	ch, err := a.s.Rebook(r.PathValue("id"), c.User.PersonalNumber, req.Slot, req.AcceptFee)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a.s.changeJSON(ch, web.Lang(r)))
}

// ---- staff handlers ----

// dateRange reads ?from=YYYY-MM-DD&to=YYYY-MM-DD as the days [from, to]
// in the store's calendar: [from 00:00, the day after to 00:00). Without
// from it starts today; without to it ends defaultDays later. It returns
// the dates as given (normalized) for file names.
func (s *Store) dateRange(r *http.Request, now time.Time, defaultDays int) (from, to time.Time, fromS, toS string, err error) {
	loc := s.opts.Location
	q := r.URL.Query()
	errs := FieldErrors{}
	today := now.In(loc)
	from = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		d, perr := time.ParseInLocation(time.DateOnly, v, loc)
		if perr != nil {
			errs[FieldFrom] = httpMessages["bad_date"]
		}
		from = d
	}
	last := from.AddDate(0, 0, defaultDays-1)
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		d, perr := time.ParseInLocation(time.DateOnly, v, loc)
		if perr != nil {
			errs[FieldTo] = httpMessages["bad_date"]
		}
		last = d
	}
	if len(errs) == 0 {
		to = last.AddDate(0, 0, 1)
		if !to.After(from) || to.Sub(from) > maxStaffRange {
			errs[FieldTo] = httpMessages["bad_range"]
		}
	}
	if len(errs) > 0 {
		return time.Time{}, time.Time{}, "", "", errs
	}
	return from, to, from.Format(time.DateOnly), last.Format(time.DateOnly), nil
}

func (a *api) handleStaffSlots(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.staffName(w, r); !ok {
		return
	}
	from, to, _, _, err := a.s.dateRange(r, a.o.Now(), 28)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var f SlotFilter
	if v := r.URL.Query().Get("state"); v != "" {
		f.State = SlotState(v)
	}
	if v := r.URL.Query().Get("form"); v != "" {
		f.Form = Form(v)
	}
	list, err := a.s.ListSlots(from, to, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	out := make([]slotJSON, 0, len(list))
	for _, sl := range list {
		out = append(out, a.s.slotJSON(sl, lang, true))
	}
	web.JSON(w, http.StatusOK, out)
}

// publishRequest is the body of POST /api/booking/staff/slots.
type publishRequest struct {
	Start     string `json:"start"` // "2026-12-01T10:00", local time; RFC 3339 also accepted
	Minutes   int    `json:"minutes"`
	Form      Form   `json:"form"`
	Place     Place  `json:"place"`
	Counselor string `json:"counselor"`
}

// slotInput reads a publish request: the start in the store's calendar.
func (s *Store) slotInput(req publishRequest) (SlotInput, error) {
	in := SlotInput{Minutes: req.Minutes, Form: req.Form, Place: req.Place, Counselor: req.Counselor}
	v := strings.TrimSpace(req.Start)
	if v == "" {
		return in, nil // PublishSlot names the missing start
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, s.opts.Location); err == nil {
			in.Start = t
			return in, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		in.Start = t
		return in, nil
	}
	return in, FieldErrors{FieldStart: httpMessages["bad_start"]}
}

func (a *api) handlePublish(w http.ResponseWriter, r *http.Request) {
	by, ok := a.staffName(w, r)
	if !ok {
		return
	}
	var req publishRequest
	if err := web.DecodeJSON(w, r, maxSlotBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	in, err := a.s.slotInput(req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sl, err := a.s.PublishSlot(in, by)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, a.s.slotJSON(sl, web.Lang(r), true))
}

func (a *api) handleDeleteSlot(w http.ResponseWriter, r *http.Request) {
	by, ok := a.staffName(w, r)
	if !ok {
		return
	}
	if err := a.s.DeleteSlot(r.PathValue("id"), by); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// staffPartyJSON is one party of a confirmed booking as staff see it.
type staffPartyJSON struct {
	Personnummer string    `json:"personnummer"`
	EIDName      string    `json:"eid_name"` // the name from the e-ID
	Name         string    `json:"name"`     // as typed (applicant); the e-ID name (co-applicant)
	Address      string    `json:"address,omitempty"`
	Email        string    `json:"email"`
	Mobile       string    `json:"mobile,omitempty"`
	SignedAt     time.Time `json:"signed_at"`
}

// staffBookingJSON is a confirmed booking with both parties' details.
type staffBookingJSON struct {
	ID          string          `json:"id"`
	State       State           `json:"state"`
	StateLabel  string          `json:"state_label"`
	Meeting     meetingJSON     `json:"meeting"`
	Created     time.Time       `json:"created"`
	ConfirmedAt *time.Time      `json:"confirmed_at,omitempty"`
	Applicant   staffPartyJSON  `json:"applicant"`
	CoApplicant *staffPartyJSON `json:"co_applicant,omitempty"`
	Rebookings  int             `json:"rebookings"`
	Fees        []staffFeeJSON  `json:"fees,omitempty"`
}

func (s *Store) staffBookingJSON(b Booking, lang string) staffBookingJSON {
	loc := s.opts.Location
	out := staffBookingJSON{ID: b.ID, State: b.State, StateLabel: b.State.Label(lang), Meeting: s.meetingJSON(b.Meeting, lang),
		Created: b.Created.In(loc), ConfirmedAt: s.timePtr(b.ConfirmedAt), Rebookings: b.Rebookings}
	ap := staffPartyJSON{Personnummer: b.Applicant.Personnummer, EIDName: b.Applicant.Name, Name: b.Applicant.Name,
		SignedAt: b.Applicant.SignedAt.In(loc)}
	if c := b.Applicant.Contact; c != nil {
		ap.Name, ap.Address, ap.Email, ap.Mobile = c.Name, c.Address, c.Email, c.Mobile
	}
	out.Applicant = ap
	if co := b.CoApplicant; co != nil {
		out.CoApplicant = &staffPartyJSON{Personnummer: co.Personnummer, EIDName: co.Name, Name: co.Name,
			Email: b.CoApplicantEmail, SignedAt: co.SignedAt.In(loc)}
	}
	for _, f := range b.Fees {
		out.Fees = append(out.Fees, s.staffFeeJSON(f, lang))
	}
	return out
}

func (a *api) handleStaffBookings(w http.ResponseWriter, r *http.Request) {
	by, ok := a.staffName(w, r)
	if !ok {
		return
	}
	from, to, _, _, err := a.s.dateRange(r, a.o.Now(), 28)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	list, err := a.s.StaffBookings(from, to)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	out := make([]staffBookingJSON, 0, len(list))
	for _, b := range list {
		out = append(out, a.s.staffBookingJSON(b, lang))
	}
	a.o.Log.Info().Str("by", by).Int("bookings", len(out)).Msg("staff listed confirmed bookings")
	web.JSON(w, http.StatusOK, out)
}

func (a *api) handleStaffCancel(w http.ResponseWriter, r *http.Request) {
	by, ok := a.staffName(w, r)
	if !ok {
		return
	}
	var req struct {
		ChargeFee bool `json:"charge_fee"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		badJSON(w, r)
		return
	}
	ch, err := a.s.StaffCancel(r.PathValue("id"), by, req.ChargeFee)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a.s.changeJSON(ch, web.Lang(r)))
}

// staffFeeJSON is FEE: one fee to invoice.
type staffFeeJSON struct {
	BookingID    string      `json:"booking_id"`
	Kind         string      `json:"kind"`
	Reason       string      `json:"reason"`
	At           time.Time   `json:"at"`
	Meeting      meetingJSON `json:"meeting"`
	Name         string      `json:"name"`
	Personnummer string      `json:"personnummer"`
	Amount       int         `json:"amount"`
}

func (s *Store) staffFeeJSON(f Fee, lang string) staffFeeJSON {
	return staffFeeJSON{BookingID: f.BookingID, Kind: f.Kind, Reason: feeReason(f.Kind, lang), At: f.At.In(s.opts.Location),
		Meeting: s.meetingJSON(f.Meeting, lang), Name: f.Name, Personnummer: f.Personnummer, Amount: f.AmountSEK}
}

func (a *api) handleFees(w http.ResponseWriter, r *http.Request) {
	by, ok := a.staffName(w, r)
	if !ok {
		return
	}
	from, to, fromS, toS, err := a.s.dateRange(r, a.o.Now(), 31)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	fees, err := a.s.FeeList(from, to)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	a.o.Log.Info().Str("by", by).Int("fees", len(fees)).Str("format", r.URL.Query().Get("format")).Msg("staff listed fees")
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="avgifter-`+fromS+"-"+toS+`.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_ = a.s.WriteFeesCSV(w, fees, lang)
		return
	}
	out := make([]staffFeeJSON, 0, len(fees))
	for _, f := range fees {
		out = append(out, a.s.staffFeeJSON(f, lang))
	}
	web.JSON(w, http.StatusOK, out)
}

// feesCSVHeader is the header row of the fee list, in Swedish and English.
var feesCSVHeader = map[string][]string{
	"sv": {"Bokning", "Typ", "Ändrad", "Mötets tid", "Samtalsform", "Namn", "Personnummer", "Belopp (kr)"},
	"en": {"Booking", "Kind", "Changed", "Meeting time", "Form", "Name", "Personal identity number", "Amount (SEK)"},
}

// WriteFeesCSV writes fees as CSV (comma-separated, RFC 4180) with a
// header row in lang. Every cell is neutralised against formula injection
// (CSVCell).
func (s *Store) WriteFeesCSV(w io.Writer, fees []Fee, lang string) error {
	if lang != "en" {
		lang = "sv"
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := func(cells ...string) error {
		for i := range cells {
			cells[i] = CSVCell(cells[i])
		}
		return cw.Write(cells)
	}
	if err := row(slices.Clone(feesCSVHeader[lang])...); err != nil {
		return err
	}
	loc := s.opts.Location
	for _, f := range fees {
		err := row(f.BookingID, feeReason(f.Kind, lang), f.At.In(loc).Format("2006-01-02 15:04"),
			f.Meeting.Start.In(loc).Format("2006-01-02 15:04"), f.Meeting.Form.Label(lang), f.Name, f.Personnummer,
			strconv.Itoa(f.AmountSEK))
		if err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVCell neutralises a cell a spreadsheet would read as a formula: one
// starting with =, +, -, @ (or a tab or carriage return, which some
// programs skip before reading one) gets a leading apostrophe.
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
