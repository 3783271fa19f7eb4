package interest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"parentline/consent"
	"parentline/eid"
	"parentline/internal/field"
	"parentline/internal/web"
)

// HTTPOptions configure the interest routes (Store.Routes).
type HTTPOptions struct {
	// Sessions is the citizen e-ID session store; every citizen route is
	// behind Sessions.Require (eid.CitizenFrom).
	Sessions *eid.Sessions
	// Staff lets a request through only for a logged-in staff member (the
	// server passes auth.Require()); it answers 401/403 itself otherwise.
	// The unit scope is checked by the Store against StaffRoles. Without it
	// every staff route answers 403.
	Staff func(http.Handler) http.Handler
	// StaffRoles is the logged-in staff member's username and roles
	// ("foster:2380", …); a request without a username is refused (401).
	StaffRoles func(*http.Request) (username string, roles []string)
	// Log gets routes and errors, never personal data.
	Log zerolog.Logger
}

// maxSmallBody bounds the staff's status body.
const maxSmallBody = 1 << 10

// Routes of the interest API.
//
// Citizen routes (an e-ID session; 401 without; the changes refuse
// cross-site requests with 403):
//
//	GET    /api/interest/{kind}/form      the form: units, consent text, the draft, what to pre-fill
//	PUT    /api/interest/{kind}/draft     {"answers"} → {"saved_at","delete_after"}
//	DELETE /api/interest/{kind}/draft     → 204
//	POST   /api/interest/{kind}           {"answers","consent"} → 201 {"records"} | 422 | 409 already_registered
//	GET    /api/interest/mine             [MINE]
//	POST   /api/interest/mine/{id}/withdraw → {} | 404 | 409 not_erasable
//
// Staff routes (HTTPOptions.Staff; the unit scope per call):
//
//	GET    /api/interest/{kind}/staff/units
//	GET    /api/interest/{kind}/staff/records?unit=CODE
//	GET    /api/interest/{kind}/staff/records/{id}
//	POST   /api/interest/{kind}/staff/records/{id}/status {"status"}
//	DELETE /api/interest/{kind}/staff/records/{id}
//
// And for anyone: GET /api/interest/{kind}/statuses.
//
// Request bodies are at most MaxAnswers (64 KiB). Errors are JSON
// {"error": text in the request's language, "code", "fields"?}.
//
// Protected identity: the form pre-fills nothing for a citizen with
// protected identity, and no route sends back what a citizen wrote: MINE
// is metadata, and a record's content is sealed to the unit's readers.
//
// Routes panics if Sessions is nil.
func (s *Store) Routes(mux *http.ServeMux, o HTTPOptions) {
	if o.Sessions == nil {
		panic("interest: Routes needs HTTPOptions.Sessions")
	}
	if o.Staff == nil {
		o.Staff = denyStaff
	}
	if o.StaffRoles == nil {
		o.StaffRoles = func(*http.Request) (string, []string) { return "", nil }
	}
	a := &api{s: s, o: o}
	citizen := func(h http.HandlerFunc) http.Handler { return o.Sessions.Require(h) }
	change := func(h http.HandlerFunc) http.Handler { return eid.Protect(o.Sessions.Require(h)) }
	staff := func(h staffHandler) http.Handler { return o.Staff(a.forStaff(h)) }
	staffChange := func(h staffHandler) http.Handler { return eid.Protect(o.Staff(a.forStaff(h))) }

	mux.Handle("GET /api/interest/{kind}/form", citizen(a.handleForm))
	mux.Handle("PUT /api/interest/{kind}/draft", change(a.handleSaveDraft))
	mux.Handle("DELETE /api/interest/{kind}/draft", change(a.handleDeleteDraft))
	mux.Handle("POST /api/interest/{kind}", change(a.handleSubmit))
	mux.Handle("GET /api/interest/mine", citizen(a.handleMine))
	mux.Handle("POST /api/interest/mine/{id}/withdraw", change(a.handleWithdraw))

	mux.Handle("GET /api/interest/{kind}/staff/units", staff(a.handleStaffUnits))
	mux.Handle("GET /api/interest/{kind}/staff/records", staff(a.handleStaffList))
	mux.Handle("GET /api/interest/{kind}/staff/records/{id}", staff(a.handleStaffGet))
	mux.Handle("POST /api/interest/{kind}/staff/records/{id}/status", staffChange(a.handleStaffStatus))
	mux.Handle("DELETE /api/interest/{kind}/staff/records/{id}", staffChange(a.handleStaffDelete))

	mux.HandleFunc("GET /api/interest/{kind}/statuses", a.handleStatuses)
}

// denyStaff is the Staff middleware when none is configured: nobody is
// staff.
func denyStaff(http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusForbidden, map[string]string{"error": msg("forbidden", web.Lang(r)), "code": "forbidden"})
	})
}

// api is the routes' state.
type api struct {
	s *Store
	o HTTPOptions
}

// citizenOf returns the request's citizen (put there by Sessions.Require),
// or answers 401.
func citizenOf(w http.ResponseWriter, r *http.Request) (Citizen, eid.User, bool) {
	c, ok := eid.CitizenFrom(r.Context())
	if !ok || c.Session == "" || !validPN(c.User.PersonalNumber) {
		web.JSON(w, http.StatusUnauthorized, map[string]string{"error": msg("login_required", web.Lang(r)), "code": "login_required"})
		return Citizen{}, eid.User{}, false
	}
	return Citizen{PersonalNumber: c.User.PersonalNumber, Name: c.User.Name, Protected: c.User.Protected}, c.User, true
}

// staffCall is a staff request once its staff member and form are known.
type staffCall struct {
	user  string   // the staff member's username
	roles []string // their roles, which decide the units they see
	fi    *formInfo
}

// staffHandler is a staff route's handler.
type staffHandler func(w http.ResponseWriter, r *http.Request, c staffCall)

// forStaff resolves the staff member (401 without one) and the path's form
// (404 for an unknown {kind}) before h runs.
func (a *api) forStaff(h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, roles := a.o.StaffRoles(r)
		if strings.TrimSpace(name) == "" {
			web.JSON(w, http.StatusUnauthorized, map[string]string{"error": msg("staff_login", web.Lang(r)), "code": "login_required"})
			return
		}
		fi, ok := a.formOf(w, r)
		if !ok {
			return
		}
		h(w, r, staffCall{user: name, roles: roles, fi: fi})
	}
}

// formOf returns the form of the path's {kind}, or answers 404.
func (a *api) formOf(w http.ResponseWriter, r *http.Request) (*formInfo, bool) {
	fi, err := a.s.form(r.PathValue("kind"))
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return fi, true
}

// decode reads a JSON body of at most MaxAnswers bytes into v, or answers
// 413 (too large) or 400 (not JSON of the expected shape).
func (a *api) decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.fail(w, r, ErrTooLarge)
		} else {
			a.fail(w, r, errBadRequest)
		}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := web.DecodeJSON(w, r, limit, v); err != nil {
		a.fail(w, r, errBadRequest)
		return false
	}
	return true
}

// errBadRequest is a request body that is not the JSON expected.
var errBadRequest = errors.New("interest: the request body is not the JSON expected")

// errorStatus is the HTTP status and code of a Store error.
func errorStatus(err error) (int, string) {
	var fe field.Errors
	var ae *AlreadyError
	var ke *KeepError
	switch {
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity, "invalid"
	case errors.As(err, &ae):
		return http.StatusConflict, "already_registered"
	case errors.As(err, &ke):
		return http.StatusConflict, "not_erasable"
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, ErrUnknownKind):
		return http.StatusNotFound, "unknown_kind"
	case errors.Is(err, ErrDraftsNotKept):
		return http.StatusNotFound, "no_drafts"
	case errors.Is(err, ErrNoDraft):
		return http.StatusNotFound, "no_draft"
	case errors.Is(err, ErrForeignUnit):
		return http.StatusForbidden, "foreign_unit"
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, ErrBadAnswers):
		return http.StatusBadRequest, "bad_answers"
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "bad_request"
	}
	return http.StatusInternalServerError, "internal"
}

// fail answers err: its status, and its message in the request's language.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code := errorStatus(err)
	lang := web.Lang(r)
	body := map[string]any{"error": msg(code, lang), "code": code}
	var fe field.Errors
	var ae *AlreadyError
	var ke *KeepError
	switch {
	case errors.As(err, &fe):
		body["error"] = field.Summary.In(lang)
		body["fields"] = fe.In(lang)
	case errors.As(err, &ae):
		body["error"] = ae.Message().In(lang)
		body["fields"] = map[string]string{ae.Field: ae.Message().In(lang)}
		body["units"] = ae.Units
	case errors.As(err, &ke):
		body["error"] = ke.Reason.In(lang)
	case status == http.StatusInternalServerError:
		// Store errors are logged by the Store; this names the route.
		a.o.Log.Error().Err(err).Str("route", r.Pattern).Msg("interest request failed")
	}
	web.JSON(w, status, body)
}

// ---- citizen handlers ----

// unitJSON is a unit as the form shows it.
type unitJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Open: it takes registrations through the e-service (it has keys).
	Open bool `json:"open"`
	// Registered: the citizen has a record there; Labels are those
	// records' labels (e.g. "ABC"), for forms registering once per label.
	Registered bool     `json:"registered"`
	Labels     []string `json:"labels,omitempty"`
}

type prefillJSON struct {
	GivenName string `json:"given_name"`
	Surname   string `json:"surname"`
}

// formJSON is GET /api/interest/{kind}/form.
type formJSON struct {
	Kind    string        `json:"kind"`
	Title   field.Message `json:"title"`
	Units   []unitJSON    `json:"units"`
	Consent ConsentText   `json:"consent"`
	// Drafts: the form keeps drafts (PUT …/draft).
	Drafts    bool            `json:"drafts"`
	Draft     json.RawMessage `json:"draft"`
	DraftInfo *DraftInfo      `json:"draft_info"`
	Prefill   prefillJSON     `json:"prefill"`
}

func (a *api) handleForm(w http.ResponseWriter, r *http.Request) {
	c, user, ok := citizenOf(w, r)
	if !ok {
		return
	}
	fi, ok := a.formOf(w, r)
	if !ok {
		return
	}
	mine, err := a.s.Mine(c.PersonalNumber)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := formJSON{Kind: fi.Kind, Title: fi.Title, Units: []unitJSON{}, Consent: fi.Consent, Drafts: fi.Draft != nil}
	for _, u := range fi.Units {
		uj := unitJSON{Code: u.Code, Name: u.Name, Open: len(u.Keys) > 0}
		for _, m := range mine {
			if m.Kind == fi.Kind && m.Unit == u.Code {
				uj.Registered = true
				if m.Label != "" && !slices.Contains(uj.Labels, m.Label) {
					uj.Labels = append(uj.Labels, m.Label)
				}
			}
		}
		out.Units = append(out.Units, uj)
	}
	if fi.Draft != nil {
		answers, info, err := a.s.Draft(fi.Kind, c)
		switch {
		case err == nil:
			out.Draft, out.DraftInfo = answers, &info
		case !errors.Is(err, ErrNoDraft):
			a.fail(w, r, err)
			return
		}
	}
	if !user.Protected {
		out.Prefill = prefillJSON{GivenName: user.GivenName, Surname: user.Surname}
	}
	web.JSON(w, http.StatusOK, out)
}

func (a *api) handleSaveDraft(w http.ResponseWriter, r *http.Request) {
	c, _, ok := citizenOf(w, r)
	if !ok {
		return
	}
	fi, ok := a.formOf(w, r)
	if !ok {
		return
	}
	if fi.Draft == nil {
		a.fail(w, r, ErrDraftsNotKept)
		return
	}
	var req struct {
		Answers json.RawMessage `json:"answers"`
	}
	if !a.decode(w, r, MaxAnswers, &req) {
		return
	}
	info, err := a.s.SaveDraft(fi.Kind, c, req.Answers)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, info)
}

func (a *api) handleDeleteDraft(w http.ResponseWriter, r *http.Request) {
	c, _, ok := citizenOf(w, r)
	if !ok {
		return
	}
	fi, ok := a.formOf(w, r)
	if !ok {
		return
	}
	if err := a.s.DeleteDraft(fi.Kind, c); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// submittedJSON is one record of a submission's receipt.
type submittedJSON struct {
	ID          string        `json:"id"`
	Unit        string        `json:"unit"`
	UnitName    string        `json:"unit_name"`
	Status      string        `json:"status"`
	StatusLabel field.Message `json:"status_label"`
}

func (a *api) handleSubmit(w http.ResponseWriter, r *http.Request) {
	c, _, ok := citizenOf(w, r)
	if !ok {
		return
	}
	fi, ok := a.formOf(w, r)
	if !ok {
		return
	}
	var req struct {
		Answers json.RawMessage `json:"answers"`
		Consent bool            `json:"consent"`
	}
	if !a.decode(w, r, MaxAnswers, &req) {
		return
	}
	recs, err := a.s.Submit(fi.Kind, c, req.Answers, req.Consent, web.Lang(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]submittedJSON, 0, len(recs))
	for _, rec := range recs {
		out = append(out, submittedJSON{ID: rec.ID, Unit: rec.Unit, UnitName: rec.UnitName, Status: rec.Status,
			StatusLabel: fi.statuses[rec.Status].Label})
	}
	web.JSON(w, http.StatusCreated, map[string]any{"records": out})
}

func (a *api) handleMine(w http.ResponseWriter, r *http.Request) {
	c, _, ok := citizenOf(w, r)
	if !ok {
		return
	}
	list, err := a.s.Mine(c.PersonalNumber)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

func (a *api) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	c, _, ok := citizenOf(w, r)
	if !ok {
		return
	}
	if err := a.s.Withdraw(c.PersonalNumber, r.PathValue("id")); err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{})
}

// ---- staff handlers ----

// staffUnitJSON is a unit the staff member covers, with its readers' key
// ids (consent.KeyID), so the page can say which key file opens it.
type staffUnitJSON struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	KeyIDs []string `json:"key_ids"`
}

func (a *api) handleStaffUnits(w http.ResponseWriter, r *http.Request, c staffCall) {
	units, err := a.s.UnitsFor(c.fi.Kind, c.roles)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(units) == 0 {
		web.JSON(w, http.StatusForbidden, map[string]string{"error": msg("no_units", web.Lang(r)), "code": "foreign_unit"})
		return
	}
	out := make([]staffUnitJSON, 0, len(units))
	for _, u := range units {
		ids := make([]string, 0, len(u.Keys))
		for _, k := range u.Keys {
			ids = append(ids, consent.KeyID(k))
		}
		out = append(out, staffUnitJSON{Code: u.Code, Name: u.Name, KeyIDs: ids})
	}
	web.JSON(w, http.StatusOK, out)
}

// staffRecordJSON is RECORD as staff see it: the record with its status
// label and whether its consent was withdrawn; opened (Get), with its
// envelope and its corrections (an empty list for none).
type staffRecordJSON struct {
	Record
	StatusLabel      field.Message `json:"status_label"`
	ConsentWithdrawn bool          `json:"consent_withdrawn"`
	Corrections      *[]Correction `json:"corrections,omitempty"`
}

func staffRecord(fi *formInfo, rec Record) staffRecordJSON {
	label := field.Message{Sv: rec.Status, En: rec.Status}
	if st, ok := fi.statuses[rec.Status]; ok {
		label = st.Label
	}
	out := staffRecordJSON{Record: rec, StatusLabel: label, ConsentWithdrawn: !rec.Consent.Withdrawn.IsZero()}
	if rec.Envelope != nil {
		cs := rec.Corrections
		if cs == nil {
			cs = []Correction{}
		}
		out.Corrections = &cs
	}
	return out
}

func (a *api) handleStaffList(w http.ResponseWriter, r *http.Request, c staffCall) {
	unit := strings.TrimSpace(r.URL.Query().Get("unit"))
	if unit == "" {
		a.fail(w, r, field.Errors{"unit": Messages["choose_unit_staff"]})
		return
	}
	list, err := a.s.ListBy(c.fi.Kind, unit, c.roles, c.user)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]staffRecordJSON, 0, len(list))
	for _, rec := range list {
		out = append(out, staffRecord(c.fi, rec))
	}
	web.JSON(w, http.StatusOK, out)
}

func (a *api) handleStaffGet(w http.ResponseWriter, r *http.Request, c staffCall) {
	rec, err := a.s.Get(c.fi.Kind, r.PathValue("id"), c.roles, c.user)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, staffRecord(c.fi, rec))
}

func (a *api) handleStaffStatus(w http.ResponseWriter, r *http.Request, c staffCall) {
	var req struct {
		Status string `json:"status"`
	}
	if !a.decode(w, r, maxSmallBody, &req) {
		return
	}
	rec, err := a.s.SetStatus(c.fi.Kind, r.PathValue("id"), req.Status, c.roles, c.user)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, staffRecord(c.fi, rec))
}

func (a *api) handleStaffDelete(w http.ResponseWriter, r *http.Request, c staffCall) {
	if err := a.s.Delete(c.fi.Kind, r.PathValue("id"), c.roles, c.user); err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// handleStatuses serves GET /api/interest/{kind}/statuses to anyone: the
// form's statuses with their labels, whether a citizen may withdraw in each,
// and why not.
func (a *api) handleStatuses(w http.ResponseWriter, r *http.Request) {
	fi, ok := a.formOf(w, r)
	if !ok {
		return
	}
	web.JSON(w, http.StatusOK, fi.Statuses)
}
