package mypages

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"parentline/booking"
	"parentline/eid"
	"parentline/interest"
	"parentline/internal/field"
	"parentline/internal/web"
	"parentline/static"
)

// Request body limits.
const (
	maxContactBody = 4 << 10 // five short fields, escaped
	maxSmallBody   = 1 << 10
	maxIDLen       = 40
)

// Routes adds Mina sidor's routes to mux. Every route requires the e-ID
// session (401 without); the changing ones also refuse cross-site requests
// (403), as booking's do. Errors are {"error","code"[,"fields"]} in the
// request's language (?lang, Accept-Language).
//
//	GET  /api/mina-sidor                            the overview: person, sections per module, consents, drafts
//	GET  /api/mina-sidor/export.json                everything, machine-readable (art. 20), as an attachment
//	GET  /mina-sidor/registerutdrag                 the register extract (art. 15), HTML, ?lang=sv|en
//	PUT  /api/mina-sidor/contact                    {"email","phone","address","postal_code","city"} → corrected counts
//	POST /api/mina-sidor/consents/{id}/withdraw     → {"deleted","message"}
//	POST /api/mina-sidor/registrations/{id}/withdraw → {"message"} | 409 {"code":"not_erasable"}
//	POST /api/mina-sidor/erase                      → {"erased","erased_items","kept","message"}
//
// An id the person does not own answers 404 like an unknown one; the
// registration store audits the attempt.
func (p *Pages) Routes(mux *http.ServeMux) {
	read := func(h http.HandlerFunc) http.Handler { return p.o.Sessions.Require(h) }
	change := func(h http.HandlerFunc) http.Handler { return eid.Protect(p.o.Sessions.Require(h)) }
	mux.Handle("GET /api/mina-sidor", read(p.handleOverview))
	mux.Handle("GET /api/mina-sidor/export.json", read(p.handleExport))
	mux.Handle("GET /mina-sidor/registerutdrag", http.HandlerFunc(p.handleExtract))
	mux.Handle("PUT /api/mina-sidor/contact", change(p.handleContact))
	mux.Handle("POST /api/mina-sidor/consents/{id}/withdraw", change(p.handleWithdrawConsent))
	mux.Handle("POST /api/mina-sidor/registrations/{id}/withdraw", change(p.handleWithdraw))
	mux.Handle("POST /api/mina-sidor/erase", change(p.handleErase))
}

// citizenOf returns the request's e-ID citizen, or answers 401.
func citizenOf(w http.ResponseWriter, r *http.Request) (eid.Citizen, bool) {
	c, ok := eid.CitizenFrom(r.Context())
	if !ok || c.Session == "" || c.User.PersonalNumber == "" {
		web.JSON(w, http.StatusUnauthorized, map[string]string{"error": eidLoginText(web.Lang(r)), "code": "login_required"})
		return eid.Citizen{}, false
	}
	return c, true
}

func eidLoginText(lang string) string {
	return msg{Sv: "Du är inte inloggad, eller så har du blivit utloggad. Logga in med e-legitimation.",
		En: "You are not logged in, or you have been logged out. Log in with your e-ID."}.In(lang)
}

func (p *Pages) fail(w http.ResponseWriter, r *http.Request, status int, code string, err error) {
	if status >= 500 {
		p.log.Error().Err(err).Str("route", r.Pattern).Msg("mina sidor request failed")
	}
	web.JSON(w, status, map[string]string{"error": tx(web.Lang(r), code), "code": code})
}

func (p *Pages) handleOverview(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	h, err := p.gather(c, false)
	if err != nil {
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	web.JSON(w, http.StatusOK, p.overview(h, web.Lang(r)))
}

func (p *Pages) handleExport(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	h, err := p.gather(c, true)
	if err != nil {
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	body, err := json.MarshalIndent(p.export(h, web.Lang(r)), "", "  ")
	if err != nil {
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="mina-uppgifter.json"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
	p.log.Info().Int("bookings", len(h.bookings)).Int("registrations", len(h.regs)).Msg("mina sidor exported")
}

// ---- contact correction ----

type contactRequest struct {
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
}

type contactResponse struct {
	Bookings      int    `json:"bookings"`
	Registrations int    `json:"registrations"`
	Message       string `json:"message"`
}

// fieldsError answers 422 with each field's message in lang.
func fieldsError(w http.ResponseWriter, r *http.Request, fields map[string]string) {
	web.JSON(w, http.StatusUnprocessableEntity, map[string]any{"error": tx(web.Lang(r), "fields"), "code": "invalid", "fields": fields})
}

// checkPostal reads a Swedish postcode: five digits, "831 30" allowed.
func checkPostal(s string) (string, bool) {
	d := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(d) != 5 || strings.ContainsFunc(d, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", false
	}
	return d[:3] + " " + d[3:], true
}

func checkCity(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || utf8.RuneCountInString(s) > 100 || !utf8.ValidString(s) ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || strings.ContainsRune("<>{}[]\\|", r) }) {
		return "", false
	}
	return s, true
}

// bookingField is a booking FieldErrors key as the form names it.
func bookingField(k string) string {
	if k == booking.FieldMobile {
		return "phone"
	}
	return k
}

// interestField is an interest field.Errors path as the form names it.
func interestField(k string) string {
	return strings.TrimPrefix(k, "contact.")
}

func (p *Pages) handleContact(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok {
		return
	}
	lang := web.Lang(r)
	var req contactRequest
	if err := web.DecodeJSON(w, r, maxContactBody, &req); err != nil {
		web.JSON(w, http.StatusBadRequest, map[string]string{"error": tx(lang, "bad_json"), "code": "bad_request"})
		return
	}
	pn := c.User.PersonalNumber
	fields := map[string]string{}
	trim := strings.TrimSpace
	if trim(req.Email) == "" && trim(req.Phone) == "" && trim(req.Address) == "" && trim(req.PostalCode) == "" && trim(req.City) == "" {
		web.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": tx(lang, "nothing_to_correct"), "code": "nothing_to_correct"})
		return
	}
	// A postal address is corrected whole: street, postcode and town.
	var postal, city, fullAddress string
	if trim(req.Address) != "" || trim(req.PostalCode) != "" || trim(req.City) != "" {
		for k, v := range map[string]string{"address": req.Address, "postal_code": req.PostalCode, "city": req.City} {
			if trim(v) == "" {
				fields[k] = tx(lang, "address_part")
			}
		}
		var ok bool
		if trim(req.PostalCode) != "" {
			if postal, ok = checkPostal(req.PostalCode); !ok {
				fields["postal_code"] = tx(lang, "postal_code")
			}
		}
		if trim(req.City) != "" {
			if city, ok = checkCity(req.City); !ok {
				fields["city"] = tx(lang, "city")
			}
		}
		fullAddress = trim(req.Address) + "\n" + postal + " " + city
	}
	if len(fields) > 0 {
		fieldsError(w, r, fields)
		return
	}

	// Read what there is to correct, then check against the bookings' rules
	// before anything changes anywhere.
	var bookings []booking.MyBooking
	if p.o.Bookings != nil {
		list, err := p.o.Bookings.BookingsFor(pn)
		if err != nil {
			p.fail(w, r, http.StatusInternalServerError, "internal", err)
			return
		}
		bookings = list
	}
	var regs []interest.Mine
	if p.o.Registrations != nil {
		list, err := p.o.Registrations.Mine(pn)
		if err != nil {
			p.fail(w, r, http.StatusInternalServerError, "internal", err)
			return
		}
		regs = list
	}
	if len(bookings) > 0 {
		if _, err := booking.CheckContact(req.Email, req.Phone, fullAddress); err != nil {
			var fe booking.FieldErrors
			if errors.As(err, &fe) {
				for k, m := range fe {
					fields[bookingField(k)] = m.In(lang)
				}
				fieldsError(w, r, fields)
				return
			}
		}
	}
	var out contactResponse
	if len(regs) > 0 {
		n, err := p.o.Registrations.CorrectContact(pn, interest.Contact{Email: trim(req.Email), Phone: trim(req.Phone),
			Address: trim(req.Address), PostalCode: postal, City: city}, lang)
		var fe field.Errors
		switch {
		case errors.As(err, &fe):
			for k, m := range fe {
				fields[interestField(k)] = m.In(lang)
			}
			fieldsError(w, r, fields)
			return
		case err != nil:
			p.fail(w, r, http.StatusInternalServerError, "internal", err)
			return
		}
		out.Registrations = n
	}
	if len(bookings) > 0 {
		n, err := p.o.Bookings.CorrectContact(pn, req.Email, req.Phone, fullAddress)
		var fe booking.FieldErrors
		switch {
		case errors.As(err, &fe):
			for k, m := range fe {
				fields[bookingField(k)] = m.In(lang)
			}
			fieldsError(w, r, fields)
			return
		case err != nil && !errors.Is(err, booking.ErrNothingToCorrect):
			p.fail(w, r, http.StatusInternalServerError, "internal", err)
			return
		}
		out.Bookings = n
	}
	var parts []string
	if out.Bookings > 0 {
		parts = append(parts, plural(lang, "n_bookings", out.Bookings))
	}
	if out.Registrations > 0 {
		parts = append(parts, plural(lang, "n_registrations", out.Registrations))
	}
	if len(parts) == 0 {
		out.Message = tx(lang, "corrected_none")
	} else {
		out.Message = txf(lang, "corrected", strings.Join(parts, tx(lang, "and")))
	}
	p.log.Info().Int("bookings", out.Bookings).Int("registrations", out.Registrations).Msg("mina sidor contact corrected")
	web.JSON(w, http.StatusOK, out)
}

// ---- withdrawals and erasure ----

// recordID is the path's id, or "" when it cannot be one.
func recordID(r *http.Request) string {
	id := strings.TrimSpace(r.PathValue("id"))
	if id == "" || len(id) > maxIDLen || strings.ContainsFunc(id, func(c rune) bool {
		return !(c == '-' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')
	}) {
		return ""
	}
	return id
}

// drainSmall reads (and ignores) a small optional body: these routes take
// none, but a page may send {}.
func drainSmall(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength == 0 || r.Body == nil {
		return true
	}
	var v map[string]any
	if err := web.DecodeJSON(w, r, maxSmallBody, &v); err != nil {
		web.JSON(w, http.StatusBadRequest, map[string]string{"error": tx(web.Lang(r), "bad_json"), "code": "bad_request"})
		return false
	}
	return true
}

func (p *Pages) handleWithdrawConsent(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok || !drainSmall(w, r) {
		return
	}
	id := recordID(r)
	if id == "" || p.o.Registrations == nil {
		p.fail(w, r, http.StatusNotFound, "not_found", nil)
		return
	}
	deleted, err := p.o.Registrations.WithdrawConsent(c.User.PersonalNumber, id)
	switch {
	case errors.Is(err, interest.ErrNotFound):
		p.fail(w, r, http.StatusNotFound, "not_found", err)
		return
	case err != nil:
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	lang := web.Lang(r)
	m := txf(lang, "consent_kept", id)
	if deleted {
		m = txf(lang, "consent_deleted", id)
	}
	p.log.Info().Str("record", id).Bool("deleted", deleted).Msg("mina sidor consent withdrawn")
	web.JSON(w, http.StatusOK, map[string]any{"deleted": deleted, "message": m})
}

func (p *Pages) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok || !drainSmall(w, r) {
		return
	}
	id := recordID(r)
	if id == "" || p.o.Registrations == nil {
		p.fail(w, r, http.StatusNotFound, "not_found", nil)
		return
	}
	lang := web.Lang(r)
	err := p.o.Registrations.Withdraw(c.User.PersonalNumber, id)
	var keep *interest.KeepError
	switch {
	case errors.Is(err, interest.ErrNotFound):
		p.fail(w, r, http.StatusNotFound, "not_found", err)
		return
	case errors.As(err, &keep):
		web.JSON(w, http.StatusConflict, map[string]string{"error": keep.Reason.In(lang), "code": "not_erasable"})
		return
	case err != nil:
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	p.log.Info().Str("record", id).Msg("mina sidor registration withdrawn")
	web.JSON(w, http.StatusOK, map[string]string{"message": txf(lang, "withdrawn", id)})
}

func (p *Pages) handleErase(w http.ResponseWriter, r *http.Request) {
	c, ok := citizenOf(w, r)
	if !ok || !drainSmall(w, r) {
		return
	}
	out, err := p.erase(c, web.Lang(r))
	if err != nil {
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	p.log.Info().Int("erased", len(out.ErasedItems)).Int("kept", len(out.Kept)).Msg("mina sidor erasure")
	web.JSON(w, http.StatusOK, out)
}

// securePage sets the headers of a server-rendered page: the static pages'
// strict CSP (no inline script or style), no framing, no caching.
func securePage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", static.CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}
