package consent

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"parentline/internal/web"
	"parentline/staff"
)

// Request body limits.
const (
	maxReportBody   = 64 << 10
	maxSmallBody    = 8 << 10
	maxWithdrawBody = 1 << 10
)

// Routes registers the handlers on mux with the roles docs/protocol.md
// gives them; require is the staff middleware (staff.Auth.Require). The
// withdrawal endpoint is open to anyone. Handlers that act for a staff
// member read them from staff.FromContext, so they must sit behind require.
func (s *Service) Routes(mux *http.ServeMux, require func(roles ...staff.Role) func(http.Handler) http.Handler) {
	counsellor := require(staff.RoleCounselor, staff.RoleSupervisor)
	supervisor := require(staff.RoleSupervisor)
	intake := require(staff.RoleIntake)
	mux.Handle("GET /api/concern/guidance", counsellor(http.HandlerFunc(s.HandleGuidance)))
	mux.Handle("POST /api/reports", counsellor(http.HandlerFunc(s.HandleSubmitReport)))
	mux.Handle("GET /api/reports/pending", supervisor(http.HandlerFunc(s.HandlePendingReports)))
	mux.Handle("POST /api/reports/{id}/approve", supervisor(http.HandlerFunc(s.HandleApproveReport)))
	mux.Handle("POST /api/reports/{id}/reject", supervisor(http.HandlerFunc(s.HandleRejectReport)))
	mux.Handle("GET /api/cases", intake(http.HandlerFunc(s.HandleListCases)))
	mux.Handle("GET /api/cases/{ref}", intake(http.HandlerFunc(s.HandleGetCase)))
	mux.Handle("POST /api/cases/{ref}/status", intake(http.HandlerFunc(s.HandleSetStatus)))
	mux.HandleFunc("POST /api/consent/withdraw", s.HandleWithdraw)
}

// Messages of the handlers themselves, Swedish first.
var httpMessages = map[string][2]string{
	"bad_json":       {"Ogiltig begäran: skicka ett JSON-objekt med de fält som behövs.", "Invalid request: send a JSON object with the fields needed."},
	"login_required": {"Du måste logga in.", "You need to log in."},
	"case_not_found": {"Ärendet finns inte. Det kan ha raderats efter sin lagringstid.", "The case does not exist. It may have been deleted after its retention period."},
	"withdraw_input": {"Skriv både referensnumret och koden.", "Enter both the reference and the code."},
	"no_recipients":  {"Ärendet kan inte krypteras: ingen mottagarnyckel för socialtjänstens mottagning är inställd. Be den som driver tjänsten lägga till en (--intake-key).", "The case cannot be encrypted: no key for the social services intake is configured. Ask whoever runs the service to add one (--intake-key)."},
	"internal":       {"Något gick fel. Försök igen.", "Something went wrong. Please try again."},
}

func msg(r *http.Request, id string) string {
	m := httpMessages[id]
	return pick(web.Lang(r), m[0], m[1])
}

// actor returns the logged-in staff member, or answers 401.
func actor(w http.ResponseWriter, r *http.Request) (staff.Session, bool) {
	sess, ok := staff.FromContext(r.Context())
	if !ok || sess.Username == "" {
		web.Error(w, http.StatusUnauthorized, msg(r, "login_required"))
		return staff.Session{}, false
	}
	return sess, true
}

// fail answers err with a fitting status and a message in the request's
// language. A missing case is named by notFound (a message id).
func fail(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	lang := web.Lang(r)
	var e *Error
	switch {
	case errors.Is(err, ErrNotFound):
		if notFound == "" {
			web.Error(w, http.StatusNotFound, ErrNotFound.Message(lang))
		} else {
			web.Error(w, http.StatusNotFound, msg(r, notFound))
		}
	case errors.Is(err, ErrReportNotFound):
		web.Error(w, http.StatusNotFound, ErrReportNotFound.Message(lang))
	case errors.Is(err, ErrOwnReport):
		web.Error(w, http.StatusForbidden, ErrOwnReport.Message(lang))
	case errors.Is(err, ErrMandatory), errors.Is(err, ErrTransition), errors.Is(err, ErrWithdrawn):
		web.Error(w, http.StatusConflict, UserMessage(err, lang))
	case errors.Is(err, ErrNoRecipients):
		web.Error(w, http.StatusServiceUnavailable, msg(r, "no_recipients"))
	case errors.Is(err, ErrTooManyDrafts):
		web.Error(w, http.StatusServiceUnavailable, ErrTooManyDrafts.Message(lang))
	case errors.Is(err, ErrNoActor):
		web.Error(w, http.StatusUnauthorized, msg(r, "login_required"))
	case errors.As(err, &e):
		web.Error(w, http.StatusBadRequest, e.Message(lang))
	default:
		web.Error(w, http.StatusInternalServerError, msg(r, "internal"))
	}
}

type emergencyJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Href  string `json:"href"`
}

type guidanceJSON struct {
	Duty           string          `json:"duty"`
	Paths          []guidancePath  `json:"paths"`
	Emergency      []emergencyJSON `json:"emergency"`
	SocialServices struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"social_services"`
}

// telHref makes a tel: link from a phone number as written.
func telHref(value string) string {
	var sb strings.Builder
	for i, r := range value {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			sb.WriteRune(r)
		}
	}
	if sb.Len() == 0 {
		return ""
	}
	return "tel:" + sb.String()
}

// guidance is what the counsellor's concern action shows, in lang.
func (s *Service) guidance(lang string) guidanceJSON {
	lang = normLang(lang)
	g := guidanceJSON{Paths: guidancePaths(lang), Emergency: []emergencyJSON{}}
	g.Duty = pick(lang, guidanceDuty[0], guidanceDuty[1])
	g.Emergency = append(g.Emergency, emergencyJSON{
		Label: pick(lang, "Akut fara: ring 112", "Immediate danger: call 112"), Value: "112", Href: "tel:112"})
	for _, c := range s.opts.Emergency {
		if strings.TrimSpace(c.Value) == "112" {
			continue
		}
		label := c.Label[lang]
		if label == "" {
			label = c.Label["sv"]
		}
		href := c.Href
		if href == "" {
			href = telHref(c.Value)
		}
		g.Emergency = append(g.Emergency, emergencyJSON{Label: label, Value: c.Value, Href: href})
	}
	if s.opts.UnitPhone != "" {
		g.Emergency = append(g.Emergency, emergencyJSON{Label: s.opts.Unit, Value: s.opts.UnitPhone, Href: telHref(s.opts.UnitPhone)})
	}
	g.SocialServices.Name = s.opts.Unit
	g.SocialServices.Phone = s.opts.UnitPhone
	return g
}

// HandleGuidance serves GET /api/concern/guidance: the duty to report, the
// two paths and the emergency numbers, in the request's language.
func (s *Service) HandleGuidance(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusOK, s.guidance(web.Lang(r)))
}

// HandleSubmitReport serves POST /api/reports: a counsellor's report draft
// {"chat","what","why","identifying","parent_told","how_told"} → 201 {"id"}.
func (s *Service) HandleSubmitReport(w http.ResponseWriter, r *http.Request) {
	sess, ok := actor(w, r)
	if !ok {
		return
	}
	var req struct {
		Chat        string `json:"chat"`
		What        string `json:"what"`
		Why         string `json:"why"`
		Identifying string `json:"identifying"`
		ParentTold  string `json:"parent_told"`
		HowTold     string `json:"how_told"`
	}
	if err := web.DecodeJSON(w, r, maxReportBody, &req); err != nil {
		web.Error(w, http.StatusBadRequest, msg(r, "bad_json"))
		return
	}
	id, err := s.SubmitReport(Report{Author: sess.Username, AuthorName: sess.Name, Chat: req.Chat,
		What: req.What, Why: req.Why, Identifying: req.Identifying, ParentTold: req.ParentTold, HowTold: req.HowTold})
	if err != nil {
		fail(w, r, err, "")
		return
	}
	web.JSON(w, http.StatusCreated, map[string]string{"id": id})
}

// HandlePendingReports serves GET /api/reports/pending: the drafts with
// their text, for a supervisor to decide on.
func (s *Service) HandlePendingReports(w http.ResponseWriter, r *http.Request) {
	if _, ok := actor(w, r); !ok {
		return
	}
	web.JSON(w, http.StatusOK, s.Pending())
}

// HandleApproveReport serves POST /api/reports/{id}/approve → 200
// {"reference"}; 403 for the author's own report.
func (s *Service) HandleApproveReport(w http.ResponseWriter, r *http.Request) {
	sess, ok := actor(w, r)
	if !ok {
		return
	}
	ref, err := s.Approve(r.PathValue("id"), sess.Username)
	if err != nil {
		fail(w, r, err, "")
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"reference": ref})
}

// HandleRejectReport serves POST /api/reports/{id}/reject {"reason"}: the
// draft is dropped and its author told.
func (s *Service) HandleRejectReport(w http.ResponseWriter, r *http.Request) {
	sess, ok := actor(w, r)
	if !ok {
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
			web.Error(w, http.StatusBadRequest, msg(r, "bad_json"))
			return
		}
	}
	if err := s.Reject(r.PathValue("id"), sess.Username, req.Reason); err != nil {
		fail(w, r, err, "")
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"status": "rejected"})
}

// caseJSON is a case as the intake sees it: metadata, and when opened the
// sealed content.
type caseJSON struct {
	Reference string    `json:"reference"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Received  time.Time `json:"received"`
	Updated   time.Time `json:"updated"`
	Envelope  *Envelope `json:"envelope,omitempty"`
}

func toCaseJSON(m CaseMeta) caseJSON {
	return caseJSON{Reference: m.Reference, Kind: m.Kind, Status: m.Status, Received: m.Received, Updated: m.Updated}
}

// HandleListCases serves GET /api/cases: metadata only, newest first.
func (s *Service) HandleListCases(w http.ResponseWriter, r *http.Request) {
	if _, ok := actor(w, r); !ok {
		return
	}
	list, err := s.List()
	if err != nil {
		s.opts.Log.Error().Err(err).Msg("listing cases")
		fail(w, r, err, "")
		return
	}
	out := make([]caseJSON, 0, len(list))
	for _, m := range list {
		out = append(out, toCaseJSON(m))
	}
	web.JSON(w, http.StatusOK, out)
}

// HandleGetCase serves GET /api/cases/{ref}: the case with its sealed
// content (none once withdrawn), audited as "opened".
func (s *Service) HandleGetCase(w http.ResponseWriter, r *http.Request) {
	sess, ok := actor(w, r)
	if !ok {
		return
	}
	m, env, err := s.OpenCase(r.PathValue("ref"), sess.Username)
	if err != nil {
		fail(w, r, err, "case_not_found")
		return
	}
	out := toCaseJSON(m)
	if len(env.Recipients) > 0 {
		out.Envelope = &env
	}
	web.JSON(w, http.StatusOK, out)
}

// HandleSetStatus serves POST /api/cases/{ref}/status
// {"status":"received"|"forwarded"|"closed"}.
func (s *Service) HandleSetStatus(w http.ResponseWriter, r *http.Request) {
	sess, ok := actor(w, r)
	if !ok {
		return
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := web.DecodeJSON(w, r, maxSmallBody, &req); err != nil {
		web.Error(w, http.StatusBadRequest, msg(r, "bad_json"))
		return
	}
	ref := r.PathValue("ref")
	if err := s.SetStatus(ref, req.Status, sess.Username); err != nil {
		fail(w, r, err, "case_not_found")
		return
	}
	norm, _ := normalizeReference(ref)
	web.JSON(w, http.StatusOK, map[string]string{"reference": norm, "status": req.Status})
}

// HandleWithdraw serves POST /api/consent/withdraw {"reference","code"}:
// 200 {"status":"withdrawn"}; 404 with one and the same body for an
// unknown reference, a wrong code, a replay and a locked reference; 409
// for a mandatory report, with a plain explanation.
func (s *Service) HandleWithdraw(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reference string `json:"reference"`
		Code      string `json:"code"`
	}
	if err := web.DecodeJSON(w, r, maxWithdrawBody, &req); err != nil {
		web.Error(w, http.StatusBadRequest, msg(r, "bad_json"))
		return
	}
	if strings.TrimSpace(req.Reference) == "" || strings.TrimSpace(req.Code) == "" {
		web.Error(w, http.StatusBadRequest, msg(r, "withdraw_input"))
		return
	}
	if err := s.Withdraw(req.Reference, req.Code); err != nil {
		fail(w, r, err, "")
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"status": StatusWithdrawn})
}
