package eid

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parentline/internal/testkit"
)

func newTestClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

var anna = User{PersonalNumber: "190308189802", Name: "Anna Testsson", GivenName: "Anna", Surname: "Testsson"}

// login logs u in and returns a request carrying the session cookie.
func login(t *testing.T, s *Sessions, u User) (*http.Request, Citizen, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	c, err := s.Login(rec, httptest.NewRequest("GET", "/", nil), u, true)
	if err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d cookies", len(cookies))
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(cookies[0])
	return req, c, cookies[0]
}

func TestSessions_LoginCookieAndLookup(t *testing.T) {
	clk := newTestClock()
	s := NewSessions(SessionOptions{Now: clk.Now, CookieSecure: true})
	req, c, cookie := login(t, s, anna)
	if cookie.Name != CitizenCookie || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Fatalf("cookie %+v", cookie)
	}
	if cookie.MaxAge != 0 || !cookie.Expires.IsZero() {
		t.Errorf("the citizen cookie should end with the browser: %+v", cookie)
	}
	if c.Session == "" || c.Session == cookie.Value || !c.Test || c.User != anna {
		t.Fatalf("citizen %+v", c)
	}
	got, left, ok := s.Lookup(req)
	if !ok || got != c || left != DefaultIdle {
		t.Fatalf("lookup %+v %v %v", got, left, ok)
	}
	// The token itself is not what the store keys on.
	for k := range s.m {
		if strings.Contains(string(k[:]), cookie.Value) {
			t.Fatal("raw token stored")
		}
	}
}

func TestSessions_IdleMaxAndRequire(t *testing.T) {
	clk := newTestClock()
	s := NewSessions(SessionOptions{Now: clk.Now, Idle: 10 * time.Minute, Max: time.Hour})
	req, c, _ := login(t, s, anna)
	var seen Citizen
	h := s.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = CitizenFrom(r.Context())
	}))
	serve := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Activity every 9 minutes keeps it alive, up to Max.
	for i := 0; i < 6; i++ {
		clk.Advance(9 * time.Minute)
		if code := serve(); code != http.StatusOK {
			t.Fatalf("after %d minutes: %d", 9*(i+1), code)
		}
	}
	if seen != c {
		t.Fatalf("context citizen %+v", seen)
	}
	_, left, _ := s.Lookup(req)
	if left != 6*time.Minute { // capped by Max: 60 - 54
		t.Fatalf("left %v, want 6m (Max)", left)
	}
	clk.Advance(6 * time.Minute)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "login_required") {
		t.Fatalf("after Max: %d %s", rec.Code, rec.Body)
	}

	// Idle.
	req, _, _ = login(t, s, anna)
	clk.Advance(10 * time.Minute)
	if code := serve(); code != http.StatusUnauthorized {
		t.Fatalf("after idle: %d", code)
	}
}

func TestSessions_LoginRotatesLogoutEnds(t *testing.T) {
	clk := newTestClock()
	s := NewSessions(SessionOptions{Now: clk.Now})
	req, _, _ := login(t, s, anna)
	rec := httptest.NewRecorder()
	if _, err := s.Login(rec, req, anna, false); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.Lookup(req); ok {
		t.Fatal("old session lives on after a new login in the same browser")
	}
	if s.Len() != 1 {
		t.Fatalf("%d sessions", s.Len())
	}
	req2 := httptest.NewRequest("GET", "/", nil)
	req2.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	s.Logout(rec, req2)
	if _, _, ok := s.Lookup(req2); ok {
		t.Fatal("session lives on after logout")
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Fatalf("logout cookie %+v", c)
	}
}

func TestSessions_BoundedAndSwept(t *testing.T) {
	clk := newTestClock()
	s := NewSessions(SessionOptions{Now: clk.Now, MaxSessions: 3})
	for i := 0; i < 3; i++ {
		login(t, s, anna)
	}
	if _, err := s.Login(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), anna, true); err != ErrTooManySessions {
		t.Fatalf("over the bound: %v", err)
	}
	clk.Advance(DefaultIdle)
	if n := s.Sweep(); n != 3 {
		t.Fatalf("swept %d, want 3", n)
	}
	login(t, s, anna)
	req, c, _ := login(t, s, anna)
	s.End(c.Session)
	if _, _, ok := s.Lookup(req); ok {
		t.Fatal("End did not end the session")
	}
	if s.Len() != 1 {
		t.Fatalf("%d sessions", s.Len())
	}
}
