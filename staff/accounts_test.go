package staff

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"parentline/audit"
	"parentline/internal/field"
	"parentline/internal/testkit"
)

// auditRecorder records the account changes AccountRoutes reports, and
// fails them while fail is set.
type auditRecorder struct {
	mu      sync.Mutex
	entries []string // "actor action username"
	fail    bool
}

func (a *auditRecorder) record(actor, action, username string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail {
		return errors.New("the audit trail is full")
	}
	a.entries = append(a.entries, actor+" "+action+" "+username)
	return nil
}

func (a *auditRecorder) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

type accountsServer struct {
	*httptest.Server
	store *Store
	audit *auditRecorder
	logs  *testkit.LogBuffer
}

// newAccountsServer serves login, /api/me and the account routes, with the
// admin "ada" (password testPassword) in the store.
func newAccountsServer(t *testing.T) *accountsServer {
	t.Helper()
	store := newTestStore(t, Options{})
	if err := store.AddUser("ada", "Ada", []Role{RoleAdmin}, testPassword); err != nil {
		t.Fatal(err)
	}
	logs := &testkit.LogBuffer{}
	rec := &auditRecorder{}
	auth := NewAuth(store, AuthOptions{Log: zerolog.New(logs)})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", auth.HandleLogin)
	mux.HandleFunc("GET /api/me", auth.HandleMe)
	store.AccountRoutes(mux, auth.Require, AccountOptions{Audit: rec.record, Log: zerolog.New(logs)})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &accountsServer{Server: srv, store: store, audit: rec, logs: logs}
}

// loggedIn returns a client logged in as username.
func (s *accountsServer) loggedIn(t *testing.T, username, password string) *http.Client {
	t.Helper()
	c := newClient(t)
	if r := do(t, c, "POST", s.URL+"/api/login", login(username, password)); r.status != http.StatusOK {
		t.Fatalf("login %s: %d %s", username, r.status, r.text)
	}
	return c
}

// list is GET /api/users as c.
func (s *accountsServer) list(t *testing.T, c *http.Client) []map[string]any {
	t.Helper()
	res, err := c.Get(s.URL + "/api/users")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out []map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("list: %d %v", res.StatusCode, err)
	}
	return out
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// An admin adds an account, changes its roles, disables and enables it,
// sets a new password and deletes it; the account's holder notices each at
// once, and each change is in the audit trail by the admin's name.
func TestAccounts_Lifecycle(t *testing.T) {
	s := newAccountsServer(t)
	ada := s.loggedIn(t, "ada", testPassword)
	const (
		first  = "första lösenordet 1"
		second = "andra lösenordet 22"
	)

	r := do(t, ada, "POST", s.URL+"/api/users", jsonBody(map[string]any{"username": "Bo Berg", "name": "Bo", "roles": []string{"counselor", "wizard"}, "password": "kort"}))
	fields, _ := r.body["fields"].(map[string]any)
	if r.status != http.StatusUnprocessableEntity || r.body["code"] != "invalid" || len(fields) != 3 {
		t.Fatalf("a bad new account: %d %s", r.status, r.text)
	}
	if pw := fields["password"].(map[string]any); !strings.Contains(pw["sv"].(string), "minst 10 tecken") || !strings.Contains(pw["en"].(string), "at least 10 characters") {
		t.Fatalf("the password message: %v", pw)
	}
	if roles := fields["roles"].(map[string]any); !strings.Contains(roles["sv"].(string), `"wizard"`) {
		t.Fatalf("the roles message: %v", roles)
	}
	if r := do(t, ada, "POST", s.URL+"/api/users?lang=en", jsonBody(map[string]any{"username": "bo", "roles": []string{}, "password": first})); r.status != 422 ||
		r.body["error"] != "Correct the marked fields." || !strings.Contains(r.text, "Choose at least one role.") {
		t.Fatalf("no role, in English: %d %s", r.status, r.text)
	}

	r = do(t, ada, "POST", s.URL+"/api/users", jsonBody(map[string]any{"username": "bo", "name": "Bo Berg", "roles": []string{"counselor", "foster:2380"}, "password": first}))
	if r.status != http.StatusCreated || r.body["username"] != "bo" || r.body["name"] != "Bo Berg" || r.body["disabled"] != false ||
		!reflectRoles(r.body["roles"], "counselor", "foster:2380") || strings.Contains(r.text, "argon") || strings.Contains(r.text, "hash") {
		t.Fatalf("add: %d %s", r.status, r.text)
	}
	if r := do(t, ada, "POST", s.URL+"/api/users", jsonBody(map[string]any{"username": "bo", "roles": []string{"counselor"}, "password": first})); r.status != http.StatusConflict || r.body["code"] != "exists" {
		t.Fatalf("the same username again: %d %s", r.status, r.text)
	}
	bo := s.loggedIn(t, "bo", first)
	if r := do(t, bo, "GET", s.URL+"/api/users", ""); r.status != http.StatusForbidden {
		t.Fatalf("a counsellor listing the accounts: %d", r.status)
	}
	if accounts := s.list(t, ada); len(accounts) != 2 || accounts[0]["username"] != "ada" || accounts[1]["username"] != "bo" {
		t.Fatalf("list: %v", accounts)
	}

	if r := do(t, ada, "PUT", s.URL+"/api/users/bo", `{"roles":["supervisor","counselor"],"name":"Bo B."}`); r.status != 200 || !reflectRoles(r.body["roles"], "supervisor", "counselor") {
		t.Fatalf("change roles: %d %s", r.status, r.text)
	}
	if r := do(t, bo, "GET", s.URL+"/api/me", ""); r.status != 200 || r.body["name"] != "Bo B." || !reflectRoles(r.body["roles"], "supervisor", "counselor") {
		t.Fatalf("bo's session after the change: %d %s", r.status, r.text)
	}

	if r := do(t, ada, "PUT", s.URL+"/api/users/bo", `{"disabled":true}`); r.status != 200 || r.body["disabled"] != true {
		t.Fatalf("disable: %d %s", r.status, r.text)
	}
	if r := do(t, bo, "GET", s.URL+"/api/me", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("a disabled account's session: %d", r.status)
	}
	if r := do(t, newClient(t), "POST", s.URL+"/api/login", login("bo", first)); r.status != http.StatusUnauthorized {
		t.Fatalf("a disabled account logging in: %d", r.status)
	}
	// (Further refused logins go to the store: the login throttle would
	// soon answer 429 to this one client.)
	if r := do(t, ada, "PUT", s.URL+"/api/users/bo", `{"disabled":false}`); r.status != 200 || r.body["disabled"] != false {
		t.Fatalf("enable: %d %s", r.status, r.text)
	}
	bo = s.loggedIn(t, "bo", first)

	if r := do(t, ada, "POST", s.URL+"/api/users/bo/password", `{"password":"short"}`); r.status != 422 {
		t.Fatalf("a short new password: %d %s", r.status, r.text)
	}
	if r := do(t, ada, "POST", s.URL+"/api/users/bo/password", jsonBody(map[string]string{"password": second})); r.status != http.StatusNoContent {
		t.Fatalf("set password: %d %s", r.status, r.text)
	}
	if r := do(t, bo, "GET", s.URL+"/api/me", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("a session after the password was set: %d", r.status)
	}
	if _, err := s.store.Authenticate("bo", first); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("the old password: %v", err)
	}
	bo = s.loggedIn(t, "bo", second)

	if r := do(t, ada, "DELETE", s.URL+"/api/users/bo", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.text)
	}
	if r := do(t, bo, "GET", s.URL+"/api/me", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("a deleted account's session: %d", r.status)
	}
	if r := do(t, ada, "DELETE", s.URL+"/api/users/bo", ""); r.status != http.StatusNotFound || r.body["code"] != "no_user" {
		t.Fatalf("delete again: %d %s", r.status, r.text)
	}

	want := []string{"ada user_added bo", "ada user_changed bo", "ada user_disabled bo", "ada user_enabled bo",
		"ada user_password_set bo", "ada user_deleted bo"}
	if got := s.audit.all(); !slices.Equal(got, want) {
		t.Fatalf("audit trail\n got %q\nwant %q", got, want)
	}
	for _, secret := range []string{first, second, testPassword} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("the log holds the password %q", secret)
		}
	}
	if !strings.Contains(s.logs.String(), `"message":"account deleted"`) {
		t.Errorf("the log does not say who deleted what:\n%s", s.logs.String())
	}
	for _, action := range []string{audit.ActionUserAdded, audit.ActionUserChanged, audit.ActionUserDisabled,
		audit.ActionUserEnabled, audit.ActionUserPasswordSet, audit.ActionUserDeleted} {
		if !slices.ContainsFunc(want, func(e string) bool { return strings.Contains(e, " "+action+" ") }) {
			t.Errorf("audit action %s not exercised", action)
		}
	}
}

// An admin cannot lock themself out, and the service always keeps an
// enabled admin, also when two admins act on each other at once.
func TestAccounts_SelfAndLastAdmin(t *testing.T) {
	s := newAccountsServer(t)
	ada := s.loggedIn(t, "ada", testPassword)
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/api/users/ada", `{"disabled":true}`},
		{"PUT", "/api/users/ada", `{"roles":["counselor"]}`},
		{"DELETE", "/api/users/ada", ""},
	} {
		r := do(t, ada, tc.method, s.URL+tc.path, tc.body)
		if r.status != http.StatusConflict || r.body["code"] != "self" || !strings.Contains(r.body["error"].(string), "ditt eget konto") {
			t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.status, r.text)
		}
	}
	if r := do(t, ada, "PUT", s.URL+"/api/users/ada", `{"name":"Ada A.","roles":["admin","statistician"]}`); r.status != 200 {
		t.Fatalf("an admin changing their own name and adding a role: %d %s", r.status, r.text)
	}
	if u, _ := s.store.User("ada"); u.Disabled || !u.Has(RoleAdmin) || len(s.audit.all()) != 1 {
		t.Fatalf("after the refusals ada is %+v, audit %q", u, s.audit.all())
	}

	// Two admins disable each other: the second change would leave none.
	if err := s.store.AddUser("ake", "Åke", []Role{RoleAdmin}, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.ChangeAccount("ada", "ake", AccountChange{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.ChangeAccount("ake", "ada", AccountChange{Disabled: new(true)}); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("disabling the last enabled admin: %v", err)
	}
	if _, err := s.store.ChangeAccount("ake", "ada", AccountChange{Roles: []Role{RoleCounselor}}); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("demoting the last enabled admin: %v", err)
	}
	if err := s.store.DeleteAccount("ake", "ada"); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("deleting the last enabled admin: %v", err)
	}
	if u, _ := s.store.User("ada"); u.Disabled || !u.Has(RoleAdmin) {
		t.Fatalf("a refused change was written: %+v", u)
	}
	if r := do(t, ada, "GET", s.URL+"/api/me", ""); r.status != 200 {
		t.Fatalf("the last admin's session after the refusals: %d", r.status)
	}
}

// Bad requests get a clear answer and change nothing.
func TestAccounts_BadRequests(t *testing.T) {
	s := newAccountsServer(t)
	ada := s.loggedIn(t, "ada", testPassword)
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/api/users", "not json", 400, "bad_request"},
		{"POST", "/api/users", `{"username":"bo","roles":["counselor"],"password":"a long password","shoe":42}`, 400, "bad_request"},
		{"POST", "/api/users", `{"username":"bo"}{"x":1}`, 400, "bad_request"},
		{"POST", "/api/users", `{"username":"` + strings.Repeat("b", 20<<10) + `"}`, 413, "too_large"},
		{"PUT", "/api/users/nobody", `{"disabled":true}`, 404, "no_user"},
		{"PUT", "/api/users/ada", `{"name":"Ada\u0007"}`, 422, "invalid"},
		{"PUT", "/api/users/ada", `{"roles":[]}`, 422, "invalid"},
		{"POST", "/api/users/nobody/password", `{"password":"a long password"}`, 404, "no_user"},
		{"DELETE", "/api/users/nobody", "", 404, "no_user"},
	} {
		r := do(t, ada, tc.method, s.URL+tc.path, tc.body)
		if r.status != tc.status || r.body["code"] != tc.code || r.body["error"] == "" {
			t.Errorf("%s %s %.40s: %d %s, want %d %s", tc.method, tc.path, tc.body, r.status, r.text, tc.status, tc.code)
		}
	}
	if r := do(t, newClient(t), "GET", s.URL+"/api/users", ""); r.status != http.StatusUnauthorized {
		t.Errorf("the list without a session: %d", r.status)
	}
	if users, _ := s.store.Users(); len(users) != 1 || len(s.audit.all()) != 0 {
		t.Fatalf("bad requests changed something: %d users, audit %q", len(users), s.audit.all())
	}

	// A change that cannot be audited is answered 500 and logged as such.
	s.audit.fail = true
	r := do(t, ada, "POST", s.URL+"/api/users", jsonBody(map[string]any{"username": "bo", "roles": []string{"counselor"}, "password": "a long password"}))
	if r.status != http.StatusInternalServerError || r.body["code"] != "internal" {
		t.Fatalf("an unaudited change: %d %s", r.status, r.text)
	}
	if !strings.Contains(s.logs.String(), "could not be written to the audit trail") {
		t.Fatalf("the log does not say the change is unrecorded:\n%s", s.logs.String())
	}
}

// The roles the page offers, with labels in both languages.
func TestAccounts_Roles(t *testing.T) {
	s := newAccountsServer(t)
	ada := s.loggedIn(t, "ada", testPassword)
	r := do(t, ada, "GET", s.URL+"/api/users/roles", "")
	var got struct {
		Plain []struct {
			Role  string        `json:"role"`
			Label field.Message `json:"label"`
		} `json:"plain"`
		Scoped []struct {
			Prefix string        `json:"prefix"`
			Label  field.Message `json:"label"`
			Hint   field.Message `json:"hint"`
		} `json:"scoped"`
	}
	if err := json.Unmarshal([]byte(r.text), &got); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.text)
	}
	if len(got.Plain) != len(plainRoles) || len(got.Scoped) != len(rolePrefixes) {
		t.Fatalf("roles: %+v", got)
	}
	for _, p := range got.Plain {
		if p.Label.Sv == "" || p.Label.En == "" {
			t.Errorf("role %s has no label", p.Role)
		}
	}
	for _, p := range got.Scoped {
		if p.Label.Sv == "" || p.Hint.Sv == "" || p.Hint.En == "" {
			t.Errorf("scoped role %s has no label or hint", p.Prefix)
		}
	}
}
