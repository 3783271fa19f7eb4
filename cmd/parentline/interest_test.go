package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parentline/consent"
)

// fosterAnswers is a complete foster-home registration for the
// municipalities codes, with distinctive strings a scan of the disk can
// look for.
func fosterAnswers(codes ...string) map[string]any {
	return map[string]any{
		"assignments":    []string{"familjehem", "jourhem"},
		"municipalities": codes,
		"contact": map[string]string{"given_name": "Fjodora", "surname": "Hemlighetsdotter", "address": "Gömdagatan 17",
			"postal_code": "831 30", "city": "Östersund", "phone": "070-555 01 23", "email": "fjodora@hemlig.example"},
		"household": map[string]any{"adults": 2, "children": 1, "children_ages": "9", "housing": "villa", "rooms": 5,
			"partner_name": "Kasimir Hemlighetsson", "occupation": "Snickare", "languages": "svenska"},
		"questions":  map[string]any{"experience": "some", "time": "fulltime", "age_groups": []string{"7-12"}, "social_services": "no"},
		"health":     map[string]any{"physical": "good", "mental": "some_limits", "treatment": "no", "comment": "Migrän-Zebrafink"},
		"motivation": "Vi har plats och tid.",
	}
}

// readerKeyPair writes a reader's key pair outside the data directory, as
// a municipality's foster-care secretary would make it on their own machine.
func readerKeyPair(t *testing.T) (privPath, pubPath string) {
	t.Helper()
	priv, err := consent.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	privPath, pubPath, err = consent.WriteKeyPair(t.TempDir(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return privPath, pubPath
}

func getJSON(t *testing.T, c *http.Client, url string, v any) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, raw)
		}
	}
	return res.StatusCode
}

// TestInterest_SealedToTheMunicipalityAlone runs the real server: a citizen
// registers foster-home interest with Östersund; Östersund's foster-care
// staff list it and open it with their own key; Krokom's staff are refused
// the list and the record; the operator, holding the whole data directory
// (database and key files), finds none of what the citizen wrote on disk.
func TestInterest_SealedToTheMunicipalityAlone(t *testing.T) {
	data := t.TempDir()
	privOst, pubOst := readerKeyPair(t)
	_, pubKrokom := readerKeyPair(t)
	addUser(t, data, "fia", "Fia Familjehem", "foster:2380", staffPassword)
	addUser(t, data, "kurt", "Kurt Krokom", "foster:2309", staffPassword)
	ts := startServer(t, data, "--reader-key", "foster:2380="+pubOst, "--reader-key", "foster:2309="+pubKrokom)

	anna := newCitizen(t, ts.base)
	anna.login(pnAnna)
	status, form := anna.do("GET", "/api/interest/foster/form", nil)
	if status != http.StatusOK {
		t.Fatalf("form: %d %v", status, form)
	}
	open := map[string]bool{}
	for _, u := range form["units"].([]any) {
		u := u.(map[string]any)
		open[u["code"].(string)] = u["open"].(bool)
	}
	if !open["2380"] || !open["2309"] || open["2361"] {
		t.Fatalf("open units %v: want Östersund and Krokom open, Härjedalen (no reader key) not", open)
	}
	status, body := anna.do("POST", "/api/interest/foster", map[string]any{"answers": fosterAnswers("2380", "2309"), "consent": true})
	if status != http.StatusCreated {
		t.Fatalf("submit: %d %v", status, body)
	}
	ids := map[string]string{}
	for _, r := range body["records"].([]any) {
		r := r.(map[string]any)
		ids[r["unit"].(string)] = r["id"].(string)
	}
	id := ids["2380"]
	if len(ids) != 2 || id == "" {
		t.Fatalf("records %v: want one for Östersund and one for Krokom", body["records"])
	}

	// Registering again with the same municipality is refused.
	if status, body := anna.do("POST", "/api/interest/foster", map[string]any{"answers": fosterAnswers("2380"), "consent": true}); status != http.StatusConflict {
		t.Errorf("second registration with Östersund: %d %v, want 409", status, body)
	}

	// Östersund's staff list and open it; only their key opens it.
	fia := login(t, ts.base, "fia", staffPassword)
	var list []map[string]any
	if status := getJSON(t, fia, ts.base+"/api/interest/foster/staff/records?unit=2380", &list); status != http.StatusOK || len(list) != 1 || list[0]["id"] != id {
		t.Fatalf("Östersund's list: %d %v", status, list)
	}
	var rec struct {
		Envelope consent.Envelope `json:"envelope"`
	}
	if status := getJSON(t, fia, ts.base+"/api/interest/foster/staff/records/"+id, &rec); status != http.StatusOK {
		t.Fatalf("open record: %d", status)
	}
	priv, err := consent.LoadPrivateKey(privOst)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := consent.Open(rec.Envelope, id, priv)
	if err != nil {
		t.Fatalf("Östersund's key does not open the record: %v", err)
	}
	for _, want := range []string{pnAnna, "Hemlighetsdotter", "Migrän-Zebrafink", "foster-art9-v1"} {
		if !bytes.Contains(plain, []byte(want)) {
			t.Errorf("the opened record lacks %q", want)
		}
	}
	if bytes.Contains(plain, []byte("2309")) || bytes.Contains(plain, []byte("Krokom")) {
		t.Error("Östersund's copy tells that the applicant also registered with Krokom")
	}

	// Krokom's staff: neither the list nor the record, nor a forged id.
	kurt := login(t, ts.base, "kurt", staffPassword)
	for path, want := range map[string]int{
		"/api/interest/foster/staff/records?unit=2380":    http.StatusForbidden,
		"/api/interest/foster/staff/records/" + id:        http.StatusForbidden,
		"/api/interest/foster/staff/records/FH-AAAA-AAAA": http.StatusNotFound,
	} {
		if status := getJSON(t, kurt, ts.base+path, nil); status != want {
			t.Errorf("Krokom's staff GET %s: %d, want %d", path, status, want)
		}
	}

	// The confirmation mail leaves the outbox; then the operator looks.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(ts.base + "/dev/outbox")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if bytes.Contains(page, []byte(id)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no confirmation mail naming %s in the outbox", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	secrets := []string{pnAnna, "Fjodora", "Hemlighetsdotter", "Gömdagatan", "fjodora@hemlig.example", "555 01 23", "Kasimir", "Migrän-Zebrafink", "Snickare"}
	err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %q in clear", strings.TrimPrefix(path, data), s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(ts.logs.String(), s) {
			t.Errorf("the log holds %q", s)
		}
	}
}
