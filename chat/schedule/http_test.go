package schedule

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/audit"
	"parentline/chat/hours"
	"parentline/staff"
)

type server struct {
	*fixture
	*httptest.Server
	tokens map[string]string // username → session token
}

// newServer serves the store's routes behind staff.Auth's Require, with
// the supervisor "sara", the admin "ada" and the counsellor "anna" logged in.
func newServer(t *testing.T) *server {
	t.Helper()
	f := newFixture(t)
	accounts, err := staff.NewStore(f.db, staff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{fixture: f, tokens: map[string]string{}}
	for name, role := range map[string]staff.Role{"sara": staff.RoleSupervisor, "ada": staff.RoleAdmin, "anna": staff.RoleCounselor} {
		if err := accounts.AddUser(name, name, []staff.Role{role}, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		if s.tokens[name], _, err = accounts.NewSession(name); err != nil {
			t.Fatal(err)
		}
	}
	auth := staff.NewAuth(accounts, staff.AuthOptions{Log: zerolog.Nop()})
	mux := http.NewServeMux()
	f.store.Routes(mux, auth.Require)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	text   string
	body   map[string]any
}

// do sends a request as user ("" for nobody) with optional header pairs.
func (s *server) do(t *testing.T, method, path, user, body string, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.AddCookie(&http.Cookie{Name: staff.CookieName, Value: s.tokens[user]})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, text: string(raw)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	return r
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const christmasBody = `{"always":false,
	"weekly":[{"days":[1,2,3,4],"from":"09:00","to":"16:00"},{"days":[5],"from":"09:00","to":"12:00"}],
	"closed":[{"date":"2026-12-25","note":"juldagen"},{"date":"2026-12-24","note":"julafton"}]}`

// A supervisor saves; GET gives it back as saved, by her; it is audited and
// the hours follow. An admin may too; a counsellor may not.
func TestHTTP_Save(t *testing.T) {
	s := newServer(t)
	r := s.do(t, "GET", "/api/hours", "sara", "")
	if r.status != 200 || r.body["source"] != "flag" || r.body["updated_by"] != nil || r.body["updated_at"] != nil ||
		!strings.Contains(r.text, `"closed":[]`) || !strings.Contains(r.text, `"weekly":[{"days":[1,2,3,4,5],"from":"09:00","to":"16:00"}]`) {
		t.Fatalf("GET before any save: %d %s", r.status, r.text)
	}

	r = s.do(t, "PUT", "/api/hours", "sara", christmasBody)
	if r.status != 200 || r.body["source"] != "saved" || r.body["updated_by"] != "sara" || r.body["updated_at"] != start.UTC().Format(time.RFC3339Nano) {
		t.Fatalf("PUT: %d %s", r.status, r.text)
	}
	got := s.do(t, "GET", "/api/hours", "sara", "")
	if got.status != 200 || got.text != r.text {
		t.Fatalf("GET after PUT: %d %s\nPUT gave %s", got.status, got.text, r.text)
	}
	if !strings.Contains(got.text, `"closed":[{"date":"2026-12-24","note":"julafton"},{"date":"2026-12-25","note":"juldagen"}]`) {
		t.Errorf("closed days not sorted: %s", got.text)
	}
	if s.store.Hours().Open(at(2026, 12, 24, 10, 0)) || !s.store.Hours().Open(at(2026, 12, 23, 10, 0)) {
		t.Error("the hours do not follow the PUT")
	}
	tr := s.trail(t)
	if len(tr) != 1 || tr[0].Actor != "sara" || tr[0].Action != audit.ActionHoursChanged || tr[0].Reference != "hours" {
		t.Fatalf("audit trail: %+v", tr)
	}

	s.clock.Advance(time.Minute)
	if r := s.do(t, "PUT", "/api/hours", "ada", `{"always":true,"closed":[]}`); r.status != 200 || r.body["always"] != true || r.body["updated_by"] != "ada" {
		t.Fatalf("an admin's PUT: %d %s", r.status, r.text)
	}
	if !s.store.Hours().Open(at(2026, 12, 24, 10, 0)) {
		t.Error("always hours closed")
	}

	for _, m := range []string{"GET", "PUT"} {
		if r := s.do(t, m, "/api/hours", "anna", christmasBody); r.status != http.StatusForbidden {
			t.Errorf("a counsellor's %s: %d %s", m, r.status, r.text)
		}
		if r := s.do(t, m, "/api/hours", "", christmasBody); r.status != http.StatusUnauthorized {
			t.Errorf("%s without a session: %d %s", m, r.status, r.text)
		}
	}
	if n := len(s.trail(t)); n != 2 {
		t.Errorf("%d audit entries, want 2", n)
	}
}

// Input that cannot be saved: 422 with the messages by field path, in the
// request's language; nothing changes.
func TestHTTP_Invalid(t *testing.T) {
	s := newServer(t)
	span := func(days []int, from, to string) string {
		return asJSON(map[string]any{"always": false, "closed": []any{},
			"weekly": []hours.Span{{Days: []int{1}, From: "09:00", To: "16:00"}, {Days: days, From: from, To: to}}})
	}
	closed := func(cs ...hours.Closure) string {
		return asJSON(map[string]any{"always": false, "weekly": []any{}, "closed": cs})
	}
	for _, c := range []struct {
		name, body, path, sv, en string
	}{
		{"to before from", span([]int{2}, "16:00", "09:00"), "weekly.1.to",
			"Sluttiden måste vara efter starttiden.", "The closing time must be after the opening time."},
		{"bad time", span([]int{2}, "9", "16:00"), "weekly.1.from", "Skriv en tid som 09:00.", "Write a time such as 09:00."},
		{"no days", span([]int{}, "09:00", "16:00"), "weekly.1.days", "Välj minst en dag.", "Choose at least one day."},
		{"bad date", closed(hours.Closure{Date: "2026-02-30"}), "closed.0.date", "Skriv ett datum som 2026-12-24.", "Write a date such as 2026-12-24."},
		{"date twice", closed(hours.Closure{Date: "2026-12-24"}, hours.Closure{Date: "2026-12-24", Note: "igen"}), "closed.1.date",
			"Den dagen finns redan i listan.", "That day is already in the list."},
		{"note too long", closed(hours.Closure{Date: "2026-12-24", Note: strings.Repeat("a", 61)}), "closed.0.note", "Högst 60 tecken.", "At most 60 characters."},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, lang := range []struct{ query, header, want string }{{"", "", c.sv}, {"?lang=en", "", c.en}, {"", "en-GB,en;q=0.8", c.en}} {
				r := s.do(t, "PUT", "/api/hours"+lang.query, "sara", c.body, "Accept-Language", lang.header)
				fields, _ := r.body["fields"].(map[string]any)
				if r.status != http.StatusUnprocessableEntity || len(fields) != 1 || fields[c.path] != lang.want {
					t.Fatalf("%s: %d %s; want %q at %s", lang, r.status, r.text, lang.want, c.path)
				}
				if e, _ := r.body["error"].(string); e == "" {
					t.Fatalf("no error text: %s", r.text)
				}
			}
		})
	}
	if r := s.do(t, "GET", "/api/hours", "sara", ""); r.body["source"] != "flag" || len(s.trail(t)) != 0 || len(s.changes.all()) != 0 {
		t.Fatalf("a refused PUT changed something: %s", r.text)
	}
}

// Bodies that are not a setting: 400; too large: 413. Nothing changes.
func TestHTTP_BadBodies(t *testing.T) {
	s := newServer(t)
	for name, body := range map[string]string{
		"not JSON":          `{"always":`,
		"an array":          `[1]`,
		"null":              `null`,
		"empty":             ``,
		"empty object":      `{}`,
		"no always":         `{"weekly":[],"closed":[]}`,
		"no weekly":         `{"always":false,"closed":[]}`,
		"no closed":         `{"always":true,"weekly":[]}`,
		"closed null":       `{"always":true,"closed":null}`,
		"an unknown field":  `{"always":true,"closed":[],"source":"saved"}`,
		"unknown in a span": `{"always":false,"closed":[],"weekly":[{"days":[1],"from":"09:00","to":"10:00","note":"x"}]}`,
		"a wrong type":      `{"always":"yes","weekly":[],"closed":[]}`,
		"days as text":      `{"always":false,"closed":[],"weekly":[{"days":"mon","from":"09:00","to":"10:00"}]}`,
		"data after it":     `{"always":true,"closed":[]} {}`,
	} {
		r := s.do(t, "PUT", "/api/hours", "sara", body)
		if r.status != http.StatusBadRequest || r.body["error"] == "" || r.body["fields"] != nil {
			t.Errorf("%s: %d %s", name, r.status, r.text)
		}
	}
	r := s.do(t, "PUT", "/api/hours?lang=en", "sara", "[")
	if r.body["error"] != msgBadRequest.En {
		t.Errorf("400 in English: %s", r.text)
	}

	big := `{"always":true,"weekly":[],"closed":[{"date":"2026-12-24","note":"` + strings.Repeat("a", maxBody) + `"}]}`
	if r := s.do(t, "PUT", "/api/hours", "sara", big); r.status != http.StatusRequestEntityTooLarge || r.body["error"] != msgTooLarge.Sv {
		t.Errorf("a body over 16 KiB: %d %s", r.status, r.text)
	}
	// Just under the limit is read (and refused for its note, not its size).
	fits := `{"always":true,"weekly":[],"closed":[{"date":"2026-12-24","note":"` + strings.Repeat("a", maxBody-100) + `"}]}`
	if r := s.do(t, "PUT", "/api/hours", "sara", fits); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a body under 16 KiB: %d %s", r.status, r.text)
	}
	if r := s.do(t, "GET", "/api/hours", "sara", ""); r.body["source"] != "flag" || len(s.trail(t)) != 0 {
		t.Fatalf("a refused PUT changed something: %s", r.text)
	}
}

// A PUT whose audit entry cannot be written: 500, nothing changed.
func TestHTTP_AuditFails(t *testing.T) {
	s := newServer(t)
	breakAudit(t, s.db)
	r := s.do(t, "PUT", "/api/hours", "sara", christmasBody)
	if r.status != http.StatusInternalServerError || r.body["error"] != msgInternal.Sv {
		t.Fatalf("PUT with a broken audit trail: %d %s", r.status, r.text)
	}
	if r := s.do(t, "GET", "/api/hours", "sara", ""); r.body["source"] != "flag" || len(s.changes.all()) != 0 {
		t.Fatalf("the failed PUT changed something: %s", r.text)
	}
	if !strings.Contains(s.logs.String(), "audit") {
		t.Errorf("the failure is not logged: %s", s.logs.String())
	}
}

// After the file is closed and opened again, GET gives what was saved and
// the hours follow it.
func TestHTTP_Reopen(t *testing.T) {
	s := newServer(t)
	saved := s.do(t, "PUT", "/api/hours", "sara", christmasBody)
	if saved.status != 200 {
		t.Fatalf("PUT: %d %s", saved.status, saved.text)
	}
	s.Close()
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	s.db = openDB(t, s.path)
	s.store = s.open(t)
	if st := s.store.Setting(); st.Source != SourceSaved || st.UpdatedBy != "sara" || len(st.Closed) != 2 {
		t.Fatalf("after reopening: %+v", st)
	}
	if got := asJSON(s.store.Setting()) + "\n"; got != saved.text {
		t.Fatalf("after reopening: %s\nsaved: %s", got, saved.text)
	}
	if s.store.Hours().Open(at(2026, 12, 24, 10, 0)) || !s.store.Hours().Open(at(2026, 12, 23, 10, 0)) {
		t.Error("the hours after reopening do not follow the saved setting")
	}
}
