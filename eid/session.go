package eid

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"parentline/internal/web"
)

// CitizenCookie is the name of the citizen session cookie.
const CitizenCookie = "parentline_citizen"

// Session defaults.
const (
	DefaultIdle        = 15 * time.Minute
	DefaultMax         = 8 * time.Hour
	DefaultMaxSessions = 10000
)

// SessionOptions configures Sessions.
type SessionOptions struct {
	Idle         time.Duration    // logged out after this long without activity; default DefaultIdle
	Max          time.Duration    // logged out this long after login whatever happens; default DefaultMax
	CookieSecure bool             // set the Secure flag on the cookies
	Now          func() time.Time // clock; default time.Now
	MaxSessions  int              // sessions held at once; default DefaultMaxSessions
}

// ErrTooManySessions is Login's answer when MaxSessions are in use.
var ErrTooManySessions = errors.New("eid: too many citizen sessions")

// Sessions holds logged-in citizens, in memory only: a session holds a
// personnummer, and keeping it out of every file is the point. A restart
// logs everyone out. The cookie carries 32 random bytes; the server keeps
// only their SHA-256, so a memory dump of the map cannot be replayed as
// cookies.
type Sessions struct {
	opts SessionOptions
	mu   sync.Mutex
	m    map[[32]byte]*session
}

type session struct {
	id      string // Citizen.Session: opaque, not the token
	user    User
	test    bool
	created time.Time
	seen    time.Time // last authenticated request
}

// NewSessions returns an empty session store.
func NewSessions(opts SessionOptions) *Sessions {
	if opts.Idle <= 0 {
		opts.Idle = DefaultIdle
	}
	if opts.Max <= 0 {
		opts.Max = DefaultMax
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	return &Sessions{opts: opts, m: make(map[[32]byte]*session)}
}

// Options returns the options in use, defaults filled in.
func (s *Sessions) Options() SessionOptions { return s.opts }

func hashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// left is how long sess has before it ends, by idleness or by age.
func (s *Sessions) left(sess *session, now time.Time) time.Duration {
	return min(sess.seen.Add(s.opts.Idle).Sub(now), sess.created.Add(s.opts.Max).Sub(now))
}

// Login starts a session for u (test: the login came from a test provider)
// and sets the cookie. The session the browser had, if any, ends: a login
// always gets a fresh token.
func (s *Sessions) Login(w http.ResponseWriter, r *http.Request, u User, test bool) (Citizen, error) {
	now := s.opts.Now()
	token := randomToken(32)
	sess := &session{id: randomID(), user: u, test: test, created: now, seen: now}
	s.mu.Lock()
	if r != nil {
		if c, err := r.Cookie(CitizenCookie); err == nil {
			delete(s.m, hashToken(c.Value))
		}
	}
	if len(s.m) >= s.opts.MaxSessions {
		s.sweepLocked(now)
	}
	if len(s.m) >= s.opts.MaxSessions {
		s.mu.Unlock()
		return Citizen{}, ErrTooManySessions
	}
	s.m[hashToken(token)] = sess
	s.mu.Unlock()
	s.setCookie(w, token, 0)
	return Citizen{User: u, Session: sess.id, Test: test}, nil
}

// setCookie sets the session cookie; maxAge < 0 deletes it. The cookie has
// no Max-Age otherwise: it ends with the browser, which suits a shared
// computer (the server ends the session earlier anyway).
func (s *Sessions) setCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     CitizenCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.opts.CookieSecure,
		SameSite: http.SameSiteStrictMode,
	})
}

// Logout ends the request's session, if any, and deletes the cookie.
func (s *Sessions) Logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CitizenCookie); err == nil {
		s.mu.Lock()
		delete(s.m, hashToken(c.Value))
		s.mu.Unlock()
	}
	s.setCookie(w, "", -1)
}

// End ends the session with this id (Citizen.Session), wherever its cookie
// is; e.g. after the citizen erased their data.
func (s *Sessions) End(sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sess := range s.m {
		if sess.id == sessionID {
			delete(s.m, k)
		}
	}
}

// lookup finds the request's live session; with touch it counts the
// request as activity.
func (s *Sessions) lookup(r *http.Request, touch bool) (Citizen, time.Duration, bool) {
	c, err := r.Cookie(CitizenCookie)
	if err != nil || c.Value == "" {
		return Citizen{}, 0, false
	}
	key := hashToken(c.Value)
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[key]
	if !ok {
		return Citizen{}, 0, false
	}
	if s.left(sess, now) <= 0 {
		delete(s.m, key)
		return Citizen{}, 0, false
	}
	if touch {
		sess.seen = now
	}
	return Citizen{User: sess.user, Session: sess.id, Test: sess.test}, s.left(sess, now), true
}

// Lookup returns the request's citizen and how long the session has left,
// without counting the request as activity (a status check is not).
func (s *Sessions) Lookup(r *http.Request) (c Citizen, left time.Duration, ok bool) {
	return s.lookup(r, false)
}

// Require lets a request through only with a live session: the citizen is
// put in the context (CitizenFrom) and the request counts as activity, so
// the idle time starts again. Without one it answers 401 with a JSON
// {"error", "code": "login_required"} in the request's language.
func (s *Sessions) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, ok := s.lookup(r, true)
		if !ok {
			loginRequired(w, r)
			return
		}
		h.ServeHTTP(w, r.WithContext(WithCitizen(r.Context(), c)))
	})
}

func loginRequired(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusUnauthorized, map[string]string{
		"error": uiText(web.Lang(r), "login_required"),
		"code":  "login_required",
	})
}

// Sweep forgets ended sessions and returns how many.
func (s *Sessions) Sweep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweepLocked(s.opts.Now())
}

func (s *Sessions) sweepLocked(now time.Time) int {
	n := 0
	for k, sess := range s.m {
		if s.left(sess, now) <= 0 {
			delete(s.m, k)
			n++
		}
	}
	return n
}

// Len returns the number of sessions held (ended ones not yet swept
// included).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Sweeper calls Sweep every interval (a minute if every is not positive)
// until ctx is done.
func (s *Sessions) Sweeper(ctx context.Context, every time.Duration) {
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
