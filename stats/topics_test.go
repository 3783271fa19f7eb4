package stats

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func mustOpenTopics(tb testing.TB) (*Topics, string) {
	tb.Helper()
	db, path := mustOpenDB(tb)
	tp, err := OpenTopics(db)
	if err != nil {
		tb.Fatalf("OpenTopics: %v", err)
	}
	return tp, path
}

func TestTopics_Defaults(t *testing.T) {
	tp, _ := mustOpenTopics(t)
	sv := tp.List("sv")
	wantIDs := []string{"sleep", "food", "school", "boundaries", "conflicts", "separation",
		"screens", "mental_health", "alcohol_drugs", "relationship", "other"}
	if len(sv) != len(wantIDs) {
		t.Fatalf("got %d default topics, want %d", len(sv), len(wantIDs))
	}
	for i, id := range wantIDs {
		if sv[i].ID != id {
			t.Errorf("topic %d = %s, want %s", i, sv[i].ID, id)
		}
		if !tp.Valid(id) {
			t.Errorf("Valid(%s) = false", id)
		}
	}
	if sv[0].Label != "Sömn" || sv[10].Label != "Övrigt" {
		t.Errorf("Swedish labels: %+v", sv)
	}
	en := tp.List("en")
	if en[9].Label != "The relationship with the child" {
		t.Errorf("English label: %+v", en[9])
	}
	if de := tp.List("de"); de[1].Label != "Mat och måltider" {
		t.Errorf("unknown language should fall back to Swedish: %+v", de[1])
	}
	if tp.Valid("nope") || tp.Valid("") {
		t.Error("Valid accepted an unknown id")
	}
}

func TestTopics_CreateUpdatePersist(t *testing.T) {
	tp, path := mustOpenTopics(t)

	err := tp.Create(Topic{ID: "bullying", Labels: map[string]string{"sv": "  Mobbning ", "en": "Bullying"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tp.Get("bullying")
	if got.Labels["sv"] != "Mobbning" {
		t.Errorf("label not trimmed: %q", got.Labels["sv"])
	}
	list := tp.List("sv")
	if last := list[len(list)-1]; last.ID != "bullying" {
		t.Errorf("order 0 should append at the end, last is %s", last.ID)
	}
	if err := tp.Create(Topic{ID: "bullying", Labels: map[string]string{"sv": "X", "en": "X"}}); !errors.Is(err, ErrTopicExists) {
		t.Errorf("duplicate create: %v", err)
	}

	// Deactivate "sleep": gone from List and Valid, still in All.
	sleep, _ := tp.Get("sleep")
	sleep.Active = false
	if err := tp.Update(sleep); err != nil {
		t.Fatal(err)
	}
	if tp.Valid("sleep") {
		t.Error("inactive topic still valid")
	}
	for _, l := range tp.List("en") {
		if l.ID == "sleep" {
			t.Error("inactive topic listed")
		}
	}
	found := false
	for _, a := range tp.All() {
		if a.ID == "sleep" {
			found = !a.Active && a.Order == 10
		}
	}
	if !found {
		t.Error("All lacks the inactive topic or lost its order")
	}
	if err := tp.Update(Topic{ID: "ghost", Labels: map[string]string{"sv": "a", "en": "b"}}); !errors.Is(err, ErrTopicNotFound) {
		t.Errorf("update unknown: %v", err)
	}

	// Move "other" first.
	other, _ := tp.Get("other")
	other.Order = 1
	if err := tp.Update(other); err != nil {
		t.Fatal(err)
	}
	if first := tp.List("sv")[0]; first.ID != "other" {
		t.Errorf("first after reorder = %s", first.ID)
	}

	// Reopen the file: edits survive and the defaults are not seeded again.
	tp.db.Close()
	db2 := mustOpenPath(t, path)
	tp2, err := OpenTopics(db2)
	if err != nil {
		t.Fatal(err)
	}
	if tp2.Valid("sleep") || !tp2.Valid("bullying") {
		t.Error("edits lost after reopen")
	}
	if n := len(tp2.All()); n != 12 {
		t.Errorf("%d topics after reopen, want 12", n)
	}
	if first := tp2.List("sv")[0]; first.ID != "other" {
		t.Errorf("order lost after reopen: first = %s", first.ID)
	}
}

func TestTopics_Validation(t *testing.T) {
	tp, _ := mustOpenTopics(t)
	ok := map[string]string{"sv": "Hej", "en": "Hi"}
	cases := []struct {
		name string
		in   Topic
		has  string
	}{
		{"empty id", Topic{ID: "", Labels: ok}, "id"},
		{"upper id", Topic{ID: "Sleep2", Labels: ok}, "id"},
		{"space id", Topic{ID: "a b", Labels: ok}, "id"},
		{"long id", Topic{ID: strings.Repeat("x", 41), Labels: ok}, "id"},
		{"no labels", Topic{ID: "x1"}, "label sv is required"},
		{"no en", Topic{ID: "x1", Labels: map[string]string{"sv": "Hej"}}, "label en is required"},
		{"blank sv", Topic{ID: "x1", Labels: map[string]string{"sv": "   ", "en": "Hi"}}, "label sv"},
		{"long en", Topic{ID: "x1", Labels: map[string]string{"sv": "Hej", "en": strings.Repeat("é", 81)}}, "label en"},
		{"newline", Topic{ID: "x1", Labels: map[string]string{"sv": "He\nj", "en": "Hi"}}, "control"},
		{"bad lang", Topic{ID: "x1", Labels: map[string]string{"sv": "Hej", "en": "Hi", "SV-se": "x"}}, "language"},
		{"negative order", Topic{ID: "x1", Labels: ok, Order: -1}, "order"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tp.Create(c.in)
			if !errors.Is(err, ErrInvalidTopic) || !strings.Contains(err.Error(), c.has) {
				t.Errorf("Create: %v, want ErrInvalidTopic mentioning %q", err, c.has)
			}
		})
	}
	// 80 characters of two bytes each is fine.
	if err := tp.Create(Topic{ID: "x80", Labels: map[string]string{"sv": strings.Repeat("ö", 80), "en": "ok"}}); err != nil {
		t.Errorf("80-character label: %v", err)
	}
	if n := len(tp.All()); n != 12 {
		t.Errorf("%d topics, want 12: invalid input changed something", n)
	}
}

func TestTopics_ConcurrentReadWrite(t *testing.T) {
	tp, _ := mustOpenTopics(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			s, _ := tp.Get("screens")
			s.Active = i%2 == 0
			if err := tp.Update(s); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 500 {
		_ = tp.Valid("screens")
		_ = tp.List("en")
		for _, a := range tp.All() {
			a.Labels["sv"] = "mutated copy" // must not touch the store
		}
	}
	<-done
	if s, _ := tp.Get("screens"); s.Labels["sv"] != "Skärmar och nätet" {
		t.Errorf("All returned shared maps: %q", s.Labels["sv"])
	}
}

// topicServer mounts the handlers the way the server does.
func topicServer(t *testing.T) (*Topics, *httptest.Server) {
	t.Helper()
	tp, _ := mustOpenTopics(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/topics", tp.HandleList)
	mux.HandleFunc("GET /api/topics/all", tp.HandleAll)
	mux.HandleFunc("POST /api/topics", tp.HandleCreate)
	mux.HandleFunc("PUT /api/topics/{id}", tp.HandleUpdate)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return tp, srv
}

func request(t *testing.T, method, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusMethodNotAllowed && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	return resp.StatusCode, string(b)
}

func TestTopicHandlers_List(t *testing.T) {
	_, srv := topicServer(t)

	code, body := request(t, "GET", srv.URL+"/api/topics", "", nil)
	var labels []Label
	if err := json.Unmarshal([]byte(body), &labels); code != 200 || err != nil {
		t.Fatalf("GET /api/topics: %d %s", code, body)
	}
	if labels[0] != (Label{"sleep", "Sömn"}) {
		t.Errorf("default language should be Swedish: %+v", labels[0])
	}
	_, body = request(t, "GET", srv.URL+"/api/topics?lang=en", "", nil)
	if !strings.Contains(body, `"label":"Sleep"`) {
		t.Errorf("?lang=en: %s", body)
	}
	_, body = request(t, "GET", srv.URL+"/api/topics", "", map[string]string{"Accept-Language": "en-GB,en;q=0.8"})
	if !strings.Contains(body, `"label":"Food and meals"`) {
		t.Errorf("Accept-Language en: %s", body)
	}

	code, body = request(t, "GET", srv.URL+"/api/topics/all", "", nil)
	var all []Topic
	if err := json.Unmarshal([]byte(body), &all); code != 200 || err != nil || len(all) != 11 {
		t.Fatalf("GET /api/topics/all: %d %s", code, body)
	}
	if all[0].Labels["en"] != "Sleep" || !all[0].Active {
		t.Errorf("all[0] = %+v", all[0])
	}
}

func TestTopicHandlers_CreateUpdate(t *testing.T) {
	tp, srv := topicServer(t)

	code, body := request(t, "POST", srv.URL+"/api/topics",
		`{"id":"bullying","labels":{"sv":"Mobbning","en":"Bullying"}}`, nil)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created Topic
	if err := json.Unmarshal([]byte(body), &created); err != nil || !created.Active || created.Order == 0 {
		t.Errorf("created = %+v (absent active should mean true, order assigned)", created)
	}

	code, body = request(t, "POST", srv.URL+"/api/topics",
		`{"id":"bullying","labels":{"sv":"Mobbning","en":"Bullying"}}`, nil)
	if code != http.StatusConflict || !strings.Contains(body, `"error"`) {
		t.Errorf("duplicate: %d %s", code, body)
	}

	for _, bad := range []string{
		`{"id":"Bad Id","labels":{"sv":"a","en":"b"}}`,
		`{"id":"x2","labels":{"sv":"a"}}`,
		`{"id":"x2","labels":{"sv":"a","en":"b"}} trailing`,
		`not json`,
		`{"id":"x2","labels":{"sv":"` + strings.Repeat("a", 9000) + `","en":"b"}}`,
	} {
		code, body := request(t, "POST", srv.URL+"/api/topics", bad, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("POST %.40q: %d %s", bad, code, body)
		}
	}

	// Deactivate with a partial body: labels and order stay.
	code, body = request(t, "PUT", srv.URL+"/api/topics/sleep", `{"active":false}`, nil)
	if code != 200 {
		t.Fatalf("deactivate: %d %s", code, body)
	}
	if s, _ := tp.Get("sleep"); s.Active || s.Labels["sv"] != "Sömn" || s.Order != 10 {
		t.Errorf("after deactivate: %+v", s)
	}
	_, body = request(t, "GET", srv.URL+"/api/topics", "", nil)
	if strings.Contains(body, `"sleep"`) {
		t.Errorf("inactive topic listed: %s", body)
	}

	code, body = request(t, "PUT", srv.URL+"/api/topics/sleep",
		`{"id":"sleep","labels":{"sv":"Sömn och vila","en":"Sleep and rest"},"active":true}`, nil)
	if code != 200 || !strings.Contains(body, "Sömn och vila") {
		t.Errorf("relabel: %d %s", code, body)
	}

	code, body = request(t, "PUT", srv.URL+"/api/topics/sleep", `{"id":"food","active":true}`, nil)
	if code != http.StatusBadRequest {
		t.Errorf("id mismatch: %d %s", code, body)
	}
	code, body = request(t, "PUT", srv.URL+"/api/topics/sleep", `{"labels":{"sv":"","en":"x"}}`, nil)
	if code != http.StatusBadRequest {
		t.Errorf("empty label: %d %s", code, body)
	}
	code, body = request(t, "PUT", srv.URL+"/api/topics/ghost", `{"active":true}`, nil)
	if code != http.StatusNotFound {
		t.Errorf("unknown topic: %d %s", code, body)
	}
	code, _ = request(t, "DELETE", srv.URL+"/api/topics/sleep", "", nil)
	if code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE should not exist: %d", code)
	}
}
