package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parentline/mail/mailtest"
)

// newIntakeKey makes a reader's key pair with the CLI, as the intake would on
// their own machine, and returns the private and public key paths.
func newIntakeKey(t *testing.T) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"keys", "new", "--out", dir}, noEnv, nil, &out, &errOut); code != 0 {
		t.Fatalf("keys new: %d %s", code, errOut.String())
	}
	privs, _ := filepath.Glob(filepath.Join(dir, "*.jwk"))
	pubs, _ := filepath.Glob(filepath.Join(dir, "*.pub.pem"))
	if len(privs) != 1 || len(pubs) != 1 {
		t.Fatalf("keys new wrote %v %v", privs, pubs)
	}
	return privs[0], pubs[0]
}

func postJSON(t *testing.T, c *http.Client, url string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestConcern_EndToEnd: a consented escalation and a mandatory report go
// through the real server; the intake is mailed a reference only, reads the
// case list, acknowledges, and the counsellor is told; the parent withdraws;
// the server's disk holds nothing readable, the reader's key opens the case,
// and the audit trail verifies.
func TestConcern_EndToEnd(t *testing.T) {
	mp := mailtest.Start(t)
	privKey, pubKey := newIntakeKey(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	addUser(t, data, "sara", "Sara", "counselor,supervisor", staffPassword)
	addUser(t, data, "ines", "Ines", "intake", staffPassword)
	ts := startServer(t, data, "--intake-key", pubKey, "--smtp-addr", mp.SMTPAddr, "--smtp-tls", "none",
		"--intake-mailbox", "mottagning@kommun.example", "--social-services", "Socialtjänsten i Exempelkommun")

	const (
		nameMarker    = "Kim MARKERNAME Åström"
		summaryMarker = "MARKER-SUMMARY bråk hemma"
		helpMarker    = "MARKER-HELP stöd i föräldraskapet"
		reportMarker  = "MARKER-REPORT pappan slår"
		pnr           = "198211059954"
	)
	anna := login(t, ts.base, "anna", staffPassword)
	co := dialWS(t, ts.base, "/ws/counselor", nil, anna.Jar)
	co.next("ready")
	p := dialWS(t, ts.base, "/ws/parent", nil, nil)
	p.send(map[string]any{"type": "hello", "audience": "young"})
	p.next("welcome")
	co.send(map[string]any{"type": "accept"})
	chatID := co.next("chat_started")["chat"]
	p.next("joined")

	co.send(map[string]any{"type": "consent_request", "chat": chatID, "summary": summaryMarker})
	req := p.next("consent_request")
	if !strings.Contains(req["text"].(string), "Socialtjänsten i Exempelkommun") || req["version"] == "" {
		t.Fatalf("consent_request = %v", req)
	}
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true,
		"details": map[string]any{"name": nameMarker, "contact": "070-123 45 67", "personnummer": "19821105-9953"}})
	if m := p.next("error"); !strings.Contains(strings.ToLower(m["message"].(string)), "personnum") {
		t.Fatalf("a wrong personnummer must be refused with a clear message: %v", m)
	}
	p.send(map[string]any{"type": "consent", "id": req["id"], "accept": true,
		"details": map[string]any{"name": nameMarker, "contact": "070-123 45 67", "personnummer": pnr, "help": helpMarker}})
	receipt := p.next("consent_receipt")
	ref, code := receipt["reference"].(string), receipt["withdrawal_code"].(string)
	if !strings.HasPrefix(ref, "ORO-") || len(code) < 12 {
		t.Fatalf("receipt = %v", receipt)
	}
	if m := co.next("consent_result"); m["accepted"] != true || m["reference"] != ref {
		t.Fatalf("consent_result = %v", m)
	}

	// The intake mailbox is told that a case exists, and nothing more.
	msgs := mp.Wait(t, 1)
	if !strings.Contains(msgs[0].Subject+msgs[0].Text, ref) || msgs[0].To[0].Address != "mottagning@kommun.example" {
		t.Fatalf("notification = %+v", msgs[0])
	}
	for _, m := range []string{"MARKERNAME", "MARKER-SUMMARY", "MARKER-HELP", pnr, "070-123"} {
		if strings.Contains(msgs[0].Subject+msgs[0].Text, m) {
			t.Fatalf("the notification mail contains %q", m)
		}
	}

	// The mandatory report: written by a counsellor, approved by another.
	sara := login(t, ts.base, "sara", staffPassword)
	report := map[string]any{"chat": chatID, "what": reportMarker, "why": "Barnet berättade om slag",
		"identifying": "Förälderns namn och skola", "parent_told": "no", "how_told": ""}
	status, body := postJSON(t, sara, ts.base+"/api/reports", report)
	if status != 201 {
		t.Fatalf("sara's report: %d %s", status, body)
	}
	var own struct{ ID string }
	json.Unmarshal(body, &own)
	if status, body = postJSON(t, sara, ts.base+"/api/reports/"+own.ID+"/approve", nil); status != 403 {
		t.Fatalf("approving your own report: %d %s", status, body)
	}
	if status, _ = postJSON(t, anna, ts.base+"/api/reports", report); status != 201 {
		t.Fatalf("anna's report: %d", status)
	}
	resp, err := sara.Get(ts.base + "/api/reports/pending")
	if err != nil {
		t.Fatal(err)
	}
	var pending []struct {
		ID, Author string
	}
	json.NewDecoder(resp.Body).Decode(&pending)
	resp.Body.Close()
	var annasID string
	for _, r := range pending {
		if r.Author == "anna" {
			annasID = r.ID
		}
	}
	status, body = postJSON(t, sara, ts.base+"/api/reports/"+annasID+"/approve", nil)
	var approved struct{ Reference string }
	json.Unmarshal(body, &approved)
	if status != 200 || !strings.HasPrefix(approved.Reference, "ORO-") {
		t.Fatalf("approve: %d %s", status, body)
	}
	if m := co.next("report_decided"); m["outcome"] != "approved" || m["reference"] != approved.Reference {
		t.Fatalf("report_decided = %v", m)
	}

	// The intake sees both cases as metadata, and acknowledges one.
	ines := login(t, ts.base, "ines", staffPassword)
	if status, _ := postJSON(t, anna, ts.base+"/api/cases/"+ref+"/status", map[string]any{"status": "received"}); status != 403 {
		t.Fatalf("a counsellor setting case status: %d", status)
	}
	resp, err = ines.Get(ts.base + "/api/cases")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(list, []byte(ref)) || !bytes.Contains(list, []byte(approved.Reference)) ||
		!bytes.Contains(list, []byte(`"mandatory"`)) || bytes.Contains(list, []byte("MARKER")) {
		t.Fatalf("case list: %s", list)
	}
	if status, body = postJSON(t, ines, ts.base+"/api/cases/"+ref+"/status", map[string]any{"status": "received"}); status != 200 {
		t.Fatalf("acknowledge: %d %s", status, body)
	}
	if m := co.next("case_status"); m["reference"] != ref || m["status"] != "received" {
		t.Fatalf("case_status = %v", m)
	}

	// Withdrawal: wrong code and unknown reference look the same; the right
	// code works once; a mandatory report cannot be withdrawn.
	anon := &http.Client{}
	_, wrong := postJSON(t, anon, ts.base+"/api/consent/withdraw", map[string]any{"reference": ref, "code": "AAAA-BBBB-CCCC"})
	s404, unknown := postJSON(t, anon, ts.base+"/api/consent/withdraw", map[string]any{"reference": "ORO-ZZZZZZZZ", "code": code})
	if s404 != 404 || !bytes.Equal(wrong, unknown) {
		t.Fatalf("wrong code %q vs unknown reference %q (%d)", wrong, unknown, s404)
	}
	if status, body = postJSON(t, anon, ts.base+"/api/consent/withdraw", map[string]any{"reference": approved.Reference, "code": code}); status != 409 {
		t.Fatalf("withdrawing a mandatory report: %d %s", status, body)
	}
	if status, _ = postJSON(t, anon, ts.base+"/api/consent/withdraw", map[string]any{"reference": ref, "code": code}); status != 200 {
		t.Fatalf("withdraw: %d", status)
	}
	if status, _ = postJSON(t, anon, ts.base+"/api/consent/withdraw", map[string]any{"reference": ref, "code": code}); status != 404 {
		t.Fatalf("replayed withdrawal: %d", status)
	}
	if m := co.next("case_status"); m["status"] != "withdrawn" {
		t.Fatalf("case_status = %v", m)
	}

	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	// The operator's disk holds nothing readable.
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for _, m := range []string{"MARKERNAME", "MARKER-SUMMARY", "MARKER-HELP", "MARKER-REPORT", pnr, "070-123 45 67", code} {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
		return nil
	})
	if strings.Contains(ts.logs.String(), "MARKER") || strings.Contains(ts.logs.String(), code) {
		t.Error("the log contains case content or the withdrawal code")
	}
	// The reader's key opens the mandatory report; the withdrawn case is gone.
	var out, errOut bytes.Buffer
	if c := run(context.Background(), []string{"case", "open", "--key", privKey, "--data", data, approved.Reference}, noEnv, nil, &out, &errOut); c != 0 ||
		!strings.Contains(out.String(), reportMarker) {
		t.Fatalf("case open: %d %s %s", c, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if c := run(context.Background(), []string{"case", "open", "--key", privKey, "--data", data, ref}, noEnv, nil, &out, &errOut); c == 0 ||
		strings.Contains(out.String(), "MARKER") {
		t.Fatalf("a withdrawn case opened: %s", out.String())
	}
	out.Reset()
	if c := run(context.Background(), []string{"audit", "verify", "--data", data}, noEnv, nil, &out, &errOut); c != 0 {
		t.Fatalf("audit verify: %d %s", c, errOut.String())
	}
	if !strings.Contains(out.String(), "intact") {
		t.Fatalf("audit verify said %q", out.String())
	}
}
