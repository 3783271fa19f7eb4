package staff

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"parentline/internal/web"
)

// CookieName is the name of the staff session cookie.
const CookieName = "parentline_staff"

// maxLoginBody bounds the login request body.
const maxLoginBody = 4 << 10

// AuthOptions configures Auth.
type AuthOptions struct {
	CookieSecure bool             // set the Secure flag on the session cookie
	Log          zerolog.Logger   // login successes and failures, by username only
	Now          func() time.Time // clock for the login throttle; default time.Now
	// Sessions is where sessions are looked up; nil: the store's own
	// (Store.Sessions). A node without the accounts (a cluster's chat node)
	// passes a nil store and sets this: it checks sessions but logs nobody in.
	Sessions SessionBackend
	// Client names the client of a login request for the per-client
	// throttle; default r.RemoteAddr. A cluster's store node names the
	// client a chat node passed the login on for.
	Client func(r *http.Request) string
}

// Auth serves login, logout and "who am I", and guards staff endpoints.
type Auth struct {
	store    *Store // nil on a node without the accounts
	sessions SessionBackend
	opts     AuthOptions
	throttle *loginThrottle
}

// NewAuth returns the HTTP side of store. With a nil store,
// opts.Sessions must be set.
func NewAuth(store *Store, opts AuthOptions) *Auth {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = func(r *http.Request) string { return r.RemoteAddr }
	}
	sessions := opts.Sessions
	if sessions == nil {
		sessions = store.Sessions()
	}
	return &Auth{store: store, sessions: sessions, opts: opts, throttle: newLoginThrottle(opts.Now)}
}

// User-facing messages, Swedish first.
var messages = map[string][2]string{
	"bad_credentials": {"Fel användarnamn eller lösenord.", "Wrong username or password."},
	"missing_fields":  {"Ange användarnamn och lösenord.", "Enter your username and password."},
	"bad_json":        {"Ogiltig begäran: skicka JSON med \"username\" och \"password\".", "Invalid request: send JSON with \"username\" and \"password\"."},
	"too_large":       {"Begäran är för stor.", "The request is too large."},
	"throttled":       {"För många inloggningsförsök. Vänta en stund och försök igen.", "Too many login attempts. Wait a moment and try again."},
	"login_required":  {"Du måste logga in.", "You need to log in."},
	"forbidden":       {"Du har inte behörighet till detta.", "You are not allowed to do this."},
	"internal":        {"Något gick fel. Försök igen.", "Something went wrong. Please try again."},
	"method":          {"Metoden stöds inte här.", "Method not allowed here."},
	"no_accounts":     {"Inloggning går inte på den här servern.", "Logging in is not possible on this server."},
}

// msg picks a message in the request's language.
func msg(r *http.Request, id string) string {
	m := messages[id]
	if web.Lang(r) == "en" {
		return m[1]
	}
	return m[0]
}

// meResponse is the body of a successful login and of /api/me.
type meResponse struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Roles    []Role `json:"roles"`
}

func me(s Session) meResponse {
	roles := s.Roles
	if roles == nil {
		roles = []Role{}
	}
	return meResponse{Username: s.Username, Name: s.Name, Roles: roles}
}

// HandleLogin handles POST {"username","password"}. See docs/protocol.md.
func (a *Auth) HandleLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		web.Error(w, http.StatusMethodNotAllowed, msg(r, "method"))
		return
	}
	if a.store == nil {
		web.Error(w, http.StatusServiceUnavailable, msg(r, "no_accounts"))
		return
	}
	if r.ContentLength > maxLoginBody {
		web.Error(w, http.StatusRequestEntityTooLarge, msg(r, "too_large"))
		return
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	body := &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, maxLoginBody)}
	r.Body = body
	if err := web.DecodeJSON(w, r, maxLoginBody, &req); err != nil {
		if body.tooLarge {
			web.Error(w, http.StatusRequestEntityTooLarge, msg(r, "too_large"))
			return
		}
		web.Error(w, http.StatusBadRequest, msg(r, "bad_json"))
		return
	}
	username := strings.ToLower(strings.TrimSpace(req.Username))
	if username == "" || req.Password == "" {
		web.Error(w, http.StatusBadRequest, msg(r, "missing_fields"))
		return
	}

	// Throttle before any hashing.
	ok, retry := a.throttle.begin(username, a.throttle.clientKey(a.opts.Client(r)))
	if !ok {
		secs := int((retry + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		web.Error(w, http.StatusTooManyRequests, msg(r, "throttled"))
		a.logAttempt("staff login throttled", username)
		return
	}
	u, err := a.store.Authenticate(username, req.Password)
	a.throttle.finish(username, errors.Is(err, ErrBadCredentials))
	if errors.Is(err, ErrBadCredentials) {
		web.Error(w, http.StatusUnauthorized, msg(r, "bad_credentials"))
		a.logAttempt("staff login failed", username)
		return
	}
	if err != nil {
		a.opts.Log.Error().Err(err).Msg("staff login")
		web.Error(w, http.StatusInternalServerError, msg(r, "internal"))
		return
	}

	// Always a fresh token (no fixation); end the session this browser had.
	if c, err := r.Cookie(CookieName); err == nil {
		if err := a.sessions.EndSession(r.Context(), c.Value); err != nil {
			a.opts.Log.Error().Err(err).Msg("ending previous staff session")
		}
	}
	token, sess, err := a.store.StartSession(r.Context(), u)
	if errors.Is(err, ErrBadCredentials) { // disabled or changed in the meantime
		web.Error(w, http.StatusUnauthorized, msg(r, "bad_credentials"))
		a.logAttempt("staff login failed", username)
		return
	}
	if err != nil {
		a.opts.Log.Error().Err(err).Str("username", u.Username).Msg("starting staff session")
		web.Error(w, http.StatusInternalServerError, msg(r, "internal"))
		return
	}
	a.setCookie(w, token, int(a.store.opts.SessionMax/time.Second))
	a.opts.Log.Info().Str("username", u.Username).Msg("staff login")
	web.JSON(w, http.StatusOK, me(sess))
}

// limitedBody notes whether the body it wraps (an http.MaxBytesReader) ran
// past its limit, so that an oversized body gets 413 rather than 400.
type limitedBody struct {
	io.ReadCloser
	tooLarge bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		b.tooLarge = true
	}
	return n, err
}

// logAttempt logs a refused login. The name is logged only if such a user
// exists: an unknown "name" may be a password typed into the wrong field.
func (a *Auth) logAttempt(message, username string) {
	ev := a.opts.Log.Warn()
	if _, err := a.store.User(username); err == nil {
		ev = ev.Str("username", username)
	} else {
		ev = ev.Bool("unknown_user", true)
	}
	ev.Msg(message)
}

// setCookie sets the session cookie; maxAge < 0 deletes it.
func (a *Auth) setCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   a.opts.CookieSecure,
		SameSite: http.SameSiteStrictMode,
	})
}

// HandleLogout handles POST: ends the session if there is one, expires the
// cookie and answers 204.
func (a *Auth) HandleLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		web.Error(w, http.StatusMethodNotAllowed, msg(r, "method"))
		return
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if sess, err := a.sessions.Session(r.Context(), c.Value); err == nil {
			a.opts.Log.Info().Str("username", sess.Username).Msg("staff logout")
		}
		if err := a.sessions.EndSession(r.Context(), c.Value); err != nil {
			a.opts.Log.Error().Err(err).Msg("ending staff session")
			web.Error(w, http.StatusInternalServerError, msg(r, "internal"))
			return
		}
	}
	a.setCookie(w, "", -1)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// HandleMe handles GET: the session's user, or 401.
func (a *Auth) HandleMe(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		web.Error(w, http.StatusMethodNotAllowed, msg(r, "method"))
		return
	}
	sess, err := a.session(r)
	if err != nil {
		a.sessionError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, me(sess))
}

// session reads and validates the request's session cookie.
func (a *Auth) session(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Session{}, ErrNoSession
	}
	return a.sessions.Session(r.Context(), c.Value)
}

// sessionError answers 401 for a missing session and 500 for a store failure.
func (a *Auth) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNoSession) {
		web.Error(w, http.StatusUnauthorized, msg(r, "login_required"))
		return
	}
	a.opts.Log.Error().Err(err).Msg("reading staff session")
	web.Error(w, http.StatusInternalServerError, msg(r, "internal"))
}

// SessionFrom returns the request's valid session, if any.
func (a *Auth) SessionFrom(r *http.Request) (Session, bool) {
	sess, err := a.session(r)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			a.opts.Log.Error().Err(err).Msg("reading staff session")
		}
		return Session{}, false
	}
	return sess, true
}

type ctxKey struct{}

// Require lets a request through only with a valid session holding any of
// roles (any staff member if none are given): 401 without a session, 403
// without the role. The session is put in the request context.
func (a *Auth) Require(roles ...Role) func(http.Handler) http.Handler {
	roles = append([]Role(nil), roles...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sess, err := a.session(r)
			if err != nil {
				a.sessionError(w, r, err)
				return
			}
			if len(roles) > 0 && !sess.Has(roles...) {
				web.Error(w, http.StatusForbidden, msg(r, "forbidden"))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, sess)))
		})
	}
}

// FromContext returns the session Require put in ctx.
func FromContext(ctx context.Context) (Session, bool) {
	sess, ok := ctx.Value(ctxKey{}).(Session)
	return sess, ok
}

// Sweeper deletes expired sessions every interval (10 minutes if every is
// not positive) and forgets idle login-throttle buckets, until ctx is done.
func (a *Auth) Sweeper(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 10 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := a.sessions.Sweep(ctx)
			if err != nil {
				a.opts.Log.Error().Err(err).Msg("sweeping staff sessions")
			} else if n > 0 {
				a.opts.Log.Debug().Int("removed", n).Msg("swept staff sessions")
			}
			a.throttle.prune()
		}
	}
}
