package canned

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustOpenPath(tb testing.TB, path string) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatalf("open bolt: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func mustOpenStore(tb testing.TB) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "parentline.db")
	s, err := Open(mustOpenPath(tb, path))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s, path
}

func TestStore_Defaults(t *testing.T) {
	s, _ := mustOpenStore(t)
	all := s.List("")
	sv, en := s.List("sv"), s.List("en")
	if len(sv) != 5 || len(en) != 5 || len(all) != 10 {
		t.Fatalf("defaults: %d sv, %d en, %d all", len(sv), len(en), len(all))
	}
	for i, a := range all {
		if len(a.ID) != 16 {
			t.Errorf("id %q is not 8 bytes of hex", a.ID)
		}
		if want := []string{"en", "sv"}[i/5]; a.Lang != want {
			t.Errorf("all[%d].Lang = %s: not sorted by language", i, a.Lang)
		}
		if _, err := normalize(a); err != nil {
			t.Errorf("default %q is invalid: %v", a.Title, err)
		}
	}
	// Swedish order: Avslutning, Ett ögonblick, Hälsning, Prata..., Vid akut fara.
	var titles []string
	for _, a := range sv {
		titles = append(titles, a.Title)
	}
	if got := strings.Join(titles, "|"); got != "Avslutning|Ett ögonblick|Hälsning|Prata även med BVC, elevhälsan eller familjecentralen|Vid akut fara" {
		t.Errorf("sv titles: %s", got)
	}
	joined := ""
	for _, a := range sv {
		joined += a.Text + "\n"
	}
	for _, must := range []string{"Föräldrachatten", "112", "socialjouren", "BVC", "elevhälsan", "familjecentralen", "Välkommen tillbaka"} {
		if !strings.Contains(joined, must) {
			t.Errorf("Swedish defaults lack %q", must)
		}
	}
	if got := s.List("de"); len(got) != 0 {
		t.Errorf("List(de) = %v", got)
	}
}

func TestSortKey(t *testing.T) {
	// å, ä, ö come after z in Swedish.
	order := []string{"apa", "Zebra", "Åsa", "ängel", "Öga"}
	for i := 1; i < len(order); i++ {
		if sortKey(order[i-1]) >= sortKey(order[i]) {
			t.Errorf("%q should sort before %q", order[i-1], order[i])
		}
	}
}

func TestStore_CRUD(t *testing.T) {
	s, path := mustOpenStore(t)

	a, err := s.Create(Answer{ID: "ignored", Lang: "sv", Title: "  Sömn  ", Text: " Många barn sover oroligt i perioder.\n\nHur ser kvällarna ut hos er? "})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == "ignored" || len(a.ID) != 16 {
		t.Errorf("id = %q", a.ID)
	}
	if a.Title != "Sömn" || !strings.HasPrefix(a.Text, "Många") || strings.HasSuffix(a.Text, " ") {
		t.Errorf("not trimmed: %+v", a)
	}
	got, err := s.Get(a.ID)
	if err != nil || got != a {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, a)
	}

	a.Lang, a.Title, a.Text = "en", "Sleep", "Many children sleep badly for a while."
	if err := s.Update(a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(a.ID); got != a {
		t.Errorf("after update: %+v", got)
	}
	if err := s.Update(Answer{ID: "0000000000000000", Lang: "sv", Title: "x", Text: "y"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	if err := s.Update(Answer{ID: a.ID, Lang: "fi", Title: "x", Text: "y"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid update: %v", err)
	}

	b, err := s.Create(Answer{Lang: "en", Title: "Sleep", Text: "Another"})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == a.ID {
		t.Fatal("ids collide")
	}
	if err := s.Delete(b.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := s.Get(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}

	// Delete every answer, reopen: edits survive and the defaults do not return.
	for _, x := range s.List("") {
		if x.ID != a.ID {
			if err := s.Delete(x.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.db.Close()
	s2, err := Open(mustOpenPath(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if all := s2.List(""); len(all) != 1 || all[0] != a {
		t.Errorf("after reopen: %+v", all)
	}
}

func TestStore_Validation(t *testing.T) {
	s, _ := mustOpenStore(t)
	cases := []struct {
		name string
		in   Answer
		has  string
	}{
		{"no lang", Answer{Title: "t", Text: "x"}, "lang"},
		{"other lang", Answer{Lang: "SV", Title: "t", Text: "x"}, "lang"},
		{"blank title", Answer{Lang: "sv", Title: "  ", Text: "x"}, "title"},
		{"long title", Answer{Lang: "sv", Title: strings.Repeat("å", 81), Text: "x"}, "title"},
		{"two-line title", Answer{Lang: "sv", Title: "a\nb", Text: "x"}, "title"},
		{"blank text", Answer{Lang: "sv", Title: "t", Text: " \n "}, "text"},
		{"long text", Answer{Lang: "sv", Title: "t", Text: strings.Repeat("ö", 2049)}, "text"},
		{"control in text", Answer{Lang: "sv", Title: "t", Text: "a\x00b"}, "control"},
		{"bad utf-8", Answer{Lang: "sv", Title: "t\xff", Text: "x"}, "UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Create(c.in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.has) {
				t.Errorf("Create: %v, want ErrInvalid mentioning %q", err, c.has)
			}
		})
	}
	// The limits themselves are fine: 80 characters, 4096 bytes.
	if _, err := s.Create(Answer{Lang: "en", Title: strings.Repeat("ä", 80), Text: strings.Repeat("ö", 2048)}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
	if n := len(s.List("")); n != 11 {
		t.Errorf("%d answers, want 11", n)
	}
}

func cannedServer(t *testing.T) (*Store, *httptest.Server) {
	t.Helper()
	s, _ := mustOpenStore(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/canned", s.HandleList)
	mux.HandleFunc("POST /api/canned", s.HandleCreate)
	mux.HandleFunc("PUT /api/canned/{id}", s.HandleUpdate)
	mux.HandleFunc("DELETE /api/canned/{id}", s.HandleDelete)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandlers(t *testing.T) {
	s, srv := cannedServer(t)

	code, body := do(t, "GET", srv.URL+"/api/canned", "")
	var list []Answer
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list) != 10 {
		t.Fatalf("list all: %d %s", code, body)
	}
	code, body = do(t, "GET", srv.URL+"/api/canned?lang=en", "")
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list) != 5 || list[0].Lang != "en" {
		t.Fatalf("list en: %d %s", code, body)
	}
	if code, _ := do(t, "GET", srv.URL+"/api/canned?lang=fr", ""); code != 400 {
		t.Errorf("lang=fr: %d", code)
	}

	code, body = do(t, "POST", srv.URL+"/api/canned", `{"lang":"sv","title":"Skärmtid","text":"Många föräldrar funderar på skärmtid."}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var a Answer
	if err := json.Unmarshal([]byte(body), &a); err != nil || len(a.ID) != 16 || a.Title != "Skärmtid" {
		t.Fatalf("created: %s", body)
	}

	for _, bad := range []string{
		`{"lang":"sv","title":"","text":"x"}`,
		`{"lang":"de","title":"t","text":"x"}`,
		`{"lang":"sv","title":"t"}`,
		`{"lang":"sv","title":"t","text":"` + strings.Repeat("x", 4097) + `"}`,
		`{"lang":"sv","title":"t","text":"` + strings.Repeat("x", 40000) + `"}`,
		`[]`,
		`{"lang":"sv","title":"t","text":"x"}{}`,
	} {
		code, body := do(t, "POST", srv.URL+"/api/canned", bad)
		if code != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("POST %.50q: %d %s", bad, code, body)
		}
	}

	// Partial update: only the title changes.
	code, body = do(t, "PUT", srv.URL+"/api/canned/"+a.ID, `{"title":"Skärmar"}`)
	if code != 200 || !strings.Contains(body, `"title":"Skärmar"`) || !strings.Contains(body, "funderar") {
		t.Fatalf("update: %d %s", code, body)
	}
	if got, _ := s.Get(a.ID); got.Title != "Skärmar" || got.Lang != "sv" {
		t.Errorf("stored after update: %+v", got)
	}
	if code, body := do(t, "PUT", srv.URL+"/api/canned/"+a.ID, `{"id":"other","title":"x"}`); code != 400 {
		t.Errorf("id mismatch: %d %s", code, body)
	}
	if code, body := do(t, "PUT", srv.URL+"/api/canned/"+a.ID, `{"text":""}`); code != 400 {
		t.Errorf("empty text: %d %s", code, body)
	}
	if code, body := do(t, "PUT", srv.URL+"/api/canned/ffffffffffffffff", `{"title":"x"}`); code != 404 {
		t.Errorf("update unknown: %d %s", code, body)
	}

	if code, body := do(t, "DELETE", srv.URL+"/api/canned/"+a.ID, ""); code != http.StatusNoContent || body != "" {
		t.Errorf("delete: %d %q", code, body)
	}
	if code, _ := do(t, "DELETE", srv.URL+"/api/canned/"+a.ID, ""); code != 404 {
		t.Errorf("delete again: %d", code)
	}
	if n := len(s.List("")); n != 10 {
		t.Errorf("%d answers left, want 10", n)
	}
}
