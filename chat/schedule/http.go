package schedule

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"parentline/chat/hours"
	"parentline/internal/field"
	"parentline/internal/web"
	"parentline/staff"
)

// maxBody bounds a PUT /api/hours body.
const maxBody = 16 << 10

// Routes registers, each behind require(RoleSupervisor, RoleAdmin):
//
//	GET /api/hours  → 200 SETTING
//	PUT /api/hours  {"always","weekly","closed"} → 200 SETTING
//
// A PUT of more than 16 KiB is answered 413, one that is not such an
// object (a field missing or null, "weekly" only when "always" is true, or
// one more) 400 {"error"}, one that cannot be saved 422
// {"error","fields":{PATH:TEXT}}, and a failure to save (or to audit) 500;
// the texts are in the request's language.
func (s *Store) Routes(mux *http.ServeMux, require func(...staff.Role) func(http.Handler) http.Handler) {
	editors := require(staff.RoleSupervisor, staff.RoleAdmin)
	mux.Handle("GET /api/hours", editors(http.HandlerFunc(s.handleGet)))
	mux.Handle("PUT /api/hours", editors(http.HandlerFunc(s.handlePut)))
}

func (s *Store) handleGet(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusOK, s.Setting())
}

// putRequest is the body of PUT /api/hours. Every field must be there
// (weekly may be left out when always is true), so that a broken page
// cannot close the chat or drop the closed days by leaving one out.
type putRequest struct {
	Always *bool            `json:"always"`
	Weekly *[]hours.Span    `json:"weekly"`
	Closed *[]hours.Closure `json:"closed"`
}

// setting is the request as a Setting; false when a field is missing.
func (req putRequest) setting() (Setting, bool) {
	if req.Always == nil || req.Closed == nil || (req.Weekly == nil && !*req.Always) {
		return Setting{}, false
	}
	in := Setting{Always: *req.Always, Closed: *req.Closed}
	if req.Weekly != nil {
		in.Weekly = *req.Weekly
	}
	return in, true
}

func (s *Store) handlePut(w http.ResponseWriter, r *http.Request) {
	var req putRequest
	if !s.decode(w, r, &req) {
		return
	}
	in, ok := req.setting()
	if !ok {
		web.Error(w, http.StatusBadRequest, msgBadRequest.In(web.Lang(r)))
		return
	}
	sess, ok := staff.FromContext(r.Context())
	if !ok {
		s.internal(w, r, errors.New("no staff session in the request context"))
		return
	}
	st, err := s.Set(in, sess.Username)
	var fields field.Errors
	switch {
	case errors.As(err, &fields):
		web.JSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": msgInvalid.In(web.Lang(r)), "fields": fields.In(web.Lang(r))})
	case err != nil:
		s.internal(w, r, err)
	default:
		web.JSON(w, http.StatusOK, st)
	}
}

// Messages of the answers that are not a setting.
var (
	msgBadRequest = field.Message{Sv: "Öppettiderna kunde inte läsas. Ladda om sidan och försök igen.",
		En: "The opening hours could not be read. Reload the page and try again."}
	msgTooLarge = field.Message{Sv: "Begäran är för stor.", En: "The request is too large."}
	msgInvalid  = field.Message{Sv: "Rätta de markerade fälten.", En: "Correct the marked fields."}
	msgInternal = field.Message{Sv: "Något gick fel och öppettiderna sparades inte. Försök igen.",
		En: "Something went wrong and the opening hours were not saved. Please try again."}
)

func (s *Store) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.o.Log.Error().Err(err).Msg("saving the opening hours")
	web.Error(w, http.StatusInternalServerError, msgInternal.In(web.Lang(r)))
}

// decode reads one JSON object of at most maxBody bytes with no unknown
// fields into v, or answers 413 or 400.
func (s *Store) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("data after the object")
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		web.Error(w, http.StatusRequestEntityTooLarge, msgTooLarge.In(web.Lang(r)))
	} else {
		web.Error(w, http.StatusBadRequest, msgBadRequest.In(web.Lang(r)))
	}
	return false
}
