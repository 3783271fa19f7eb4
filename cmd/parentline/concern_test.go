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

	"github.com/chromedp/chromedp"

	bt "parentline/internal/browsertest"
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

// TestBrowser_ConcernPages: the consent dialog and its receipt in the widget,
// the concern panel and report form in the console, the intake view opening
// a case in the browser with the reader's key file, and the withdrawal page —
// all as people use them, each state checked by axe.
func TestBrowser_ConcernPages(t *testing.T) {
	browser := bt.Start(t)
	privKey, pubKey := newIntakeKey(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	addUser(t, data, "ines", "Ines", "intake", staffPassword)
	ts := startServer(t, data, "--intake-key", pubKey)

	console := browser.Tab(t)
	consoleLogin(console, ts.base, "anna")
	parent := browser.Tab(t)
	openWidget(parent, ts.base)
	startWidgetChat(parent, "young")
	console.WaitFor("the waiting parent", "document.querySelectorAll('#queue li').length === 1")
	console.Do("take the chat", chromedp.Click(chromedp.ID("take-next")), chromedp.WaitVisible(chromedp.ID("concern")))

	console.Do("open the concern panel", chromedp.Click(chromedp.ID("concern")), chromedp.WaitVisible(chromedp.ID("concern-panel")))
	console.WaitFor("the guidance", bt.TextContains("#concern-guidance", "112"))
	console.Axe("console concern panel")
	console.Screenshot("console-concern")
	console.Do("ask for consent",
		chromedp.SendKeys(chromedp.ID("consent-summary"), "Föräldern beskriver mycket bråk hemma och vill ha stöd."),
		chromedp.Click(chromedp.ID("consent-request")),
	)

	parent.WaitFor("the consent dialog", bt.Visible("#pl-consent"))
	parent.WaitFor("focus inside the dialog", "document.getElementById('pl-consent').contains(document.activeElement)")
	parent.Axe("widget consent dialog")
	parent.Screenshot("consent-dialog")
	parent.Do("consent with a contact",
		chromedp.SendKeys(chromedp.ID("pl-c-name"), "Kim Åström"),
		chromedp.SendKeys(chromedp.ID("pl-c-contact"), "070-123 45 67"),
		chromedp.SendKeys(chromedp.ID("pl-c-help"), "Samtal om hur vi kan få det lugnare hemma"),
		chromedp.Click(chromedp.ID("pl-c-accept")),
	)
	parent.WaitFor("the receipt", bt.Visible("#pl-c-receipt")+" && /ORO-/.test(document.getElementById('pl-c-ref').textContent)")
	ref := strings.TrimSpace(bt.Eval[string](parent, "document.getElementById('pl-c-ref').textContent"))
	code := strings.TrimSpace(bt.Eval[string](parent, "document.getElementById('pl-c-code').textContent"))
	parent.Axe("widget consent receipt")
	parent.Screenshot("consent-receipt")
	console.WaitFor("the consent result", bt.TextContains("body", ref))

	console.Do("the report form", chromedp.Click(chromedp.ID("report-open")), chromedp.WaitVisible(chromedp.ID("report-form")))
	console.Axe("console report form")
	console.Screenshot("console-report-form")

	intake := browser.Tab(t)
	intake.Do("intake login",
		chromedp.Navigate(ts.base+"/intake/"),
		chromedp.WaitVisible(chromedp.ID("login-username")),
		chromedp.SendKeys(chromedp.ID("login-username"), "ines"),
		chromedp.SendKeys(chromedp.ID("login-password"), staffPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("key-file")),
	)
	intake.WaitFor("the case in the list", bt.TextContains("#cases-table", ref))
	intake.Axe("intake case list")
	intake.Do("load the key file", chromedp.SetUploadFiles(chromedp.ID("key-file"), []string{privKey}))
	intake.Do("open the case", chromedp.Click(chromedp.CSS(`.open-case[data-ref="`+ref+`"]`)))
	intake.WaitFor("the decrypted case", bt.TextContains("#case-content", "Kim Åström")+" && "+bt.TextContains("#case-content", "bråk hemma"))
	intake.Axe("intake case opened")
	intake.Screenshot("intake-case")
	intake.Do("acknowledge", chromedp.Click(chromedp.ID("status-received")))
	console.WaitFor("the counsellor is told", bt.TextContains("#case-notices", ref))

	withdraw := browser.Tab(t)
	withdraw.Do("withdrawal page", chromedp.Navigate(ts.base+"/consent/"), chromedp.WaitVisible(chromedp.ID("w-form")))
	withdraw.Axe("withdrawal page")
	withdraw.Do("a wrong code",
		chromedp.SendKeys(chromedp.ID("w-reference"), ref),
		chromedp.SendKeys(chromedp.ID("w-code"), "AAAA-BBBB-CCCC"),
		chromedp.Click(chromedp.ID("w-submit")),
	)
	withdraw.WaitFor("the refusal", "document.getElementById('w-error').textContent.trim() !== ''")
	withdraw.Axe("withdrawal page, refused")
	bt.Eval[bool](withdraw, "(() => { const e = document.getElementById('w-code'); e.value = ''; e.focus(); return true; })()")
	withdraw.Do("the right code",
		chromedp.SendKeys(chromedp.ID("w-code"), code),
		chromedp.Click(chromedp.ID("w-submit")),
	)
	withdraw.WaitFor("withdrawn", "document.getElementById('w-result').textContent.trim() !== ''")
	withdraw.Axe("withdrawal page, done")
	withdraw.Screenshot("withdrawn")
	waitStatus := func() string {
		resp, err := login(t, ts.base, "ines", staffPassword).Get(ts.base + "/api/cases")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if list := waitStatus(); !strings.Contains(list, `"withdrawn"`) {
		t.Fatalf("case list after withdrawal: %s", list)
	}
}
