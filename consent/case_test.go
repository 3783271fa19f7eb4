package consent

import (
	"bytes"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parentline/audit"
	"parentline/internal/testkit"
)

var (
	refPattern  = regexp.MustCompile(`^ORO-[0-9A-HJKMNP-TV-Z]{8}$`)
	codePattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
)

func TestCreateConsented_SealsWhatWasGiven(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	if !refPattern.MatchString(ref) || !codePattern.MatchString(code) {
		t.Fatalf("reference %q, code %q", ref, code)
	}
	c := h.openContent(t, ref)
	if c.Reference != ref || c.Kind != KindConsented || !c.Created.Equal(h.clock.Now()) || c.Summary != testSummary {
		t.Fatalf("content = %+v", c)
	}
	want := testDetails
	want.Personnummer = "198211059954" // stored in the 12-digit form
	if *c.Details != want {
		t.Fatalf("details = %#v", *c.Details)
	}
	if c.Consent == nil || c.Consent.Version != "2026-11-sv-1" || c.Consent.Lang != "sv" ||
		!strings.Contains(c.Consent.Text, "Socialtjänstens mottagning, Exempelby") || c.Consent.AcceptedAt.IsZero() {
		t.Fatalf("consent = %+v", c.Consent)
	}
	if got := strings.Join(c.Consent.Scope, ","); got != "name,contact,personnummer,child,help,summary" {
		t.Fatalf("scope = %s", got)
	}
	// The second key opens it too.
	_, env, _ := h.svc.Get(ref)
	if _, err := Open(env, ref, h.keys[1]); err != nil {
		t.Fatal(err)
	}

	m, _, err := h.svc.Get(ref)
	if err != nil || m.Status != StatusNew || m.Kind != KindConsented || m.RaisedBy != "anna" || !m.Received.Equal(h.clock.Now()) {
		t.Fatalf("meta = %+v, %v", m, err)
	}
	if len(h.notes) != 1 || h.notes[0] != ref {
		t.Fatalf("Notify calls = %v", h.notes)
	}
	trail, _ := audit.Trail(h.db, ref)
	if len(trail) != 1 || trail[0].Action != audit.ActionCreated || trail[0].Actor != "anna" {
		t.Fatalf("audit = %+v", trail)
	}

	// Only what was given is in the scope.
	ref2, _, err := h.svc.CreateConsented(Details{Contact: "070-123 45 67"}, "", h.consentFor("en"), "anna")
	if err != nil {
		t.Fatal(err)
	}
	c2 := h.openContent(t, ref2)
	if strings.Join(c2.Consent.Scope, ",") != "contact" || c2.Consent.Version != "2026-11-en-1" || c2.Summary != "" {
		t.Fatalf("minimal consent = %+v %+v", c2.Consent, c2)
	}
}

// The operator, with the data file and the binary but no intake key,
// cannot read a case: none of what the parent gave, the summary, a report's
// text or the withdrawal code occurs anywhere in the file or the logs.
func TestOperatorCannotReadACase(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	id, err := h.svc.SubmitReport(testReport)
	if err != nil {
		t.Fatal(err)
	}
	mref, err := h.svc.Approve(id, "sara")
	if err != nil {
		t.Fatal(err)
	}
	// A case that lived through its whole life, and a withdrawn one.
	for _, st := range []string{StatusReceived, StatusForwarded} {
		if err := h.svc.SetStatus(mref, st, "ida"); err != nil {
			t.Fatal(err)
		}
	}
	wref, wcode := h.createConsented(t)
	if err := h.svc.Withdraw(wref, wcode); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.svc.OpenCase(ref, "ida"); err != nil {
		t.Fatal(err)
	}
	// Only the test's private key opens them.
	if c := h.openContent(t, ref); c.Details.Name != testDetails.Name {
		t.Fatal("the intake key does not open the case")
	}
	if c := h.openContent(t, mref); c.Report == nil || c.Report.Identifying != testReport.Identifying ||
		c.Report.ApprovedBy != "sara" || c.Report.Author != "anna" {
		t.Fatalf("report content = %+v", c.Report)
	}
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatal(err)
	}
	logs := h.logs.Bytes()
	secrets := []string{
		testDetails.Name, "Testsson", testDetails.Contact, "kim.testsson",
		// Needles of six characters or more: a shorter one (say "9954")
		// turns up by chance in hex hashes and base64 ciphertext.
		"198211059954", "821105-9954", "8211059954",
		testDetails.Child, testDetails.Help,
		testSummary, "utmattning",
		testReport.What, testReport.Why, testReport.Identifying, "Exempelsson", "Storgatan", testReport.HowTold,
		code, strings.ReplaceAll(code, "-", ""), wcode, strings.ReplaceAll(wcode, "-", ""),
	}
	for _, s := range secrets {
		for where, data := range map[string][]byte{"database file": file, "logs": logs} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%q is readable in the %s", s, where)
			}
			// Also as JSON would escape it.
			if esc, _ := jsonMarshal(s); bytes.Contains(data, esc[1:len(esc)-1]) {
				t.Errorf("%q (JSON-escaped) is readable in the %s", s, where)
			}
		}
	}
	// The file does hold the references and the envelopes: the test would
	// pass vacuously on an empty file.
	if !bytes.Contains(file, []byte(ref)) || !bytes.Contains(file, []byte(Suite)) {
		t.Fatal("the database does not hold the case at all")
	}
	if !bytes.Contains(logs, []byte(ref)) {
		t.Fatal("the logs do not name the reference")
	}
}

func TestDetails_Validate(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ok := Details{Contact: "kim@example.se"}
	tests := []struct {
		name  string
		d     Details
		field string // "" = valid
	}{
		{"contact only", ok, ""},
		{"phone", Details{Contact: "070-123 45 67"}, ""},
		{"international phone", Details{Contact: "+46 70 123 45 67"}, ""},
		{"trimmed", Details{Contact: "  kim@example.se \n", Name: "  Kim  "}, ""},
		{"everything", testDetails, ""},
		{"samordningsnummer", Details{Contact: "kim@example.se", Personnummer: "197306749982"}, ""},
		{"500 characters", Details{Contact: "kim@example.se", Help: strings.Repeat("å", 500)}, ""},
		{"line breaks in help", Details{Contact: "kim@example.se", Help: "rad ett\nrad två\r\n\tindrag"}, ""},
		{"no contact", Details{Name: "Kim"}, "contact"},
		{"blank contact", Details{Contact: "   "}, "contact"},
		{"short phone", Details{Contact: "070 12"}, "contact"},
		{"long phone", Details{Contact: "0701234567890123"}, "contact"},
		{"letters in phone", Details{Contact: "070-ABC 45 67"}, "contact"},
		{"plus in the middle", Details{Contact: "070+1234567"}, "contact"},
		{"e-mail without tld", Details{Contact: "kim@example"}, "contact"},
		{"e-mail without local part", Details{Contact: "@example.se"}, "contact"},
		{"two @", Details{Contact: "kim@a@example.se"}, "contact"},
		{"space in e-mail", Details{Contact: "kim @example.se"}, "contact"},
		{"numeric tld", Details{Contact: "kim@example.123"}, "contact"},
		{"empty label", Details{Contact: "kim@example..se"}, "contact"},
		{"display-name form", Details{Contact: "Kim <kim@example.se>"}, "contact"},
		{"bad personnummer", Details{Contact: "kim@example.se", Personnummer: "198707049996"}, "personnummer"},
		{"personnummer with space", Details{Contact: "kim@example.se", Personnummer: "19090527 1474"}, "personnummer"},
		{"birth number 000", Details{Contact: "kim@example.se", Personnummer: "201509160006"}, "personnummer"},
		{"501 characters", Details{Contact: "kim@example.se", Name: strings.Repeat("a", 501)}, "name"},
		{"child too long", Details{Contact: "kim@example.se", Child: strings.Repeat("b", 501)}, "child"},
		{"control character", Details{Contact: "kim@example.se", Help: "a\x00b"}, "help"},
		{"escape sequence", Details{Contact: "kim@example.se", Name: "\x1b[31mKim"}, "name"},
		{"invalid UTF-8", Details{Contact: "kim@example.se", Child: "\xff\xfe"}, "child"},
	}
	for _, tt := range tests {
		err := tt.d.Validate(now)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: error %v, want one about %s", tt.name, err, tt.field)
			continue
		}
		if e.Sv == "" || e.En == "" {
			t.Errorf("%s: no Swedish and English message", tt.name)
		}
		// The message never repeats what was typed.
		for _, v := range []string{tt.d.Name, tt.d.Contact, tt.d.Personnummer, tt.d.Child, tt.d.Help} {
			if v = strings.TrimSpace(v); len(v) > 3 && (strings.Contains(e.Sv, v) || strings.Contains(e.En, v)) {
				t.Errorf("%s: the message repeats the input", tt.name)
			}
		}
	}
}

func TestCreateConsented_Refusals(t *testing.T) {
	h := newHarness(t)
	good := h.consentFor("sv")

	if _, _, err := h.svc.CreateConsented(Details{Name: "Kim"}, "", good, "anna"); !errors.Is(err, errContactMissing) {
		t.Errorf("no contact: %v", err)
	}
	if _, _, err := h.svc.CreateConsented(testDetails, strings.Repeat("x", MaxSummary+1), good, "anna"); err == nil {
		t.Error("an over-long summary was accepted")
	}
	changed := good
	changed.Text += " Och lite till."
	if _, _, err := h.svc.CreateConsented(testDetails, "", changed, "anna"); !errors.Is(err, ErrConsentText) {
		t.Errorf("changed text: %v", err)
	}
	wrongVersion := good
	wrongVersion.Version = "2026-11-en-1"
	if _, _, err := h.svc.CreateConsented(testDetails, "", wrongVersion, "anna"); !errors.Is(err, ErrConsentText) {
		t.Errorf("wrong version: %v", err)
	}
	if _, _, err := h.svc.CreateConsented(testDetails, "", good, ""); !errors.Is(err, ErrNoActor) {
		t.Errorf("no counsellor: %v", err)
	}
	if list, _ := h.svc.List(); len(list) != 0 {
		t.Fatalf("a refused consent stored a case: %v", list)
	}
	if n, _ := audit.Verify(h.db); n != 0 {
		t.Fatalf("a refused consent was audited: %d entries", n)
	}
}

func TestNoRecipients_ServerStartsButCannotSeal(t *testing.T) {
	logs := &testkit.LogBuffer{}
	db, _ := openTestDB(t)
	svc, err := NewService(Options{DB: db, Log: zerolog.New(logs)})
	if err != nil {
		t.Fatalf("NewService without keys: %v", err)
	}
	if svc.CanSeal() {
		t.Fatal("CanSeal without keys")
	}
	if !bytes.Contains(logs.Bytes(), []byte("no intake key")) {
		t.Error("no warning logged")
	}
	p := svc.ConsentPrompt("sv")
	_, _, err = svc.CreateConsented(testDetails, "", ConsentRecord{Text: p.Text, Version: p.Version, Lang: "sv"}, "anna")
	if !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("CreateConsented without keys: %v", err)
	}
	if !strings.Contains(UserMessage(err, "sv"), "Inget har sparats") {
		t.Errorf("message: %s", UserMessage(err, "sv"))
	}
	if _, err := svc.CreateMandatory(testReport, "sara"); !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("CreateMandatory without keys: %v", err)
	}
	if p.RetentionDays != DefaultRetentionDays || p.SharedWith != "Socialtjänsten" {
		t.Errorf("defaults: %+v", p)
	}
	if _, err := NewService(Options{}); err == nil {
		t.Error("NewService without a database worked")
	}
	x, _ := GenerateKey()
	if _, err := NewService(Options{DB: db, Recipients: []*ecdh.PublicKey{nil, x.PublicKey()}}); err == nil {
		t.Error("NewService with a nil key worked")
	}
}

func TestWithdraw(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	other, _ := h.createConsented(t)

	// Wrong code, unknown reference, a valid code for another case: all
	// the same ErrNotFound.
	for _, try := range []struct{ ref, code string }{
		{ref, "AAAA-AAAA-AAAA"},
		{"ORO-ZZZZZZZZ", code},
		{other, code},
		{ref, ""},
		{ref, code + "X"},
		{"nonsense", "nonsense"},
		{"", ""},
	} {
		if err := h.svc.Withdraw(try.ref, try.code); err != ErrNotFound {
			t.Errorf("Withdraw(%q, %q) = %v, want ErrNotFound", try.ref, try.code, err)
		}
	}

	// As typed by hand: lower case, no dashes, O for 0, spaces.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	typed = strings.ReplaceAll(typed, "0", "o")
	if err := h.svc.Withdraw(" "+strings.ToLower(ref)+" ", typed); err != nil {
		t.Fatalf("Withdraw with the right code: %v", err)
	}
	m, env, err := h.svc.Get(ref)
	if err != nil || m.Status != StatusWithdrawn || len(env.Recipients) != 0 {
		t.Fatalf("after withdrawal: %+v, %+v, %v", m, env, err)
	}
	if m.RetentionUntil.IsZero() {
		t.Error("a withdrawn case has no retention date")
	}
	trail, _ := audit.Trail(h.db, ref)
	if last := trail[len(trail)-1]; last.Action != audit.ActionWithdrawn || last.Actor != audit.ActorParent {
		t.Fatalf("audit = %+v", trail)
	}
	if got := h.status[len(h.status)-1]; got != "anna|"+ref+"|withdrawn" {
		t.Errorf("OnStatus = %s", got)
	}
	// Replay.
	if err := h.svc.Withdraw(ref, code); err != ErrNotFound {
		t.Fatalf("replayed withdrawal: %v", err)
	}
	// The intake can no longer move it.
	if err := h.svc.SetStatus(ref, StatusReceived, "ida"); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("SetStatus on a withdrawn case: %v", err)
	}
	// The other case is untouched.
	if m, env, _ := h.svc.Get(other); m.Status != StatusNew || len(env.Recipients) != 2 {
		t.Error("withdrawing one case touched another")
	}
}

func TestWithdraw_MandatoryCannotBe(t *testing.T) {
	h := newHarness(t)
	id, _ := h.svc.SubmitReport(testReport)
	ref, err := h.svc.Approve(id, "sara")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Withdraw(ref, "AAAA-AAAA-AAAA"); err != ErrMandatory {
		t.Fatalf("Withdraw(mandatory) = %v", err)
	}
	if m, env, _ := h.svc.Get(ref); m.Status != StatusNew || len(env.Recipients) == 0 {
		t.Fatal("a mandatory report was changed")
	}
}

func TestWithdraw_LockedAfterFiveWrongCodes(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	for i := range 5 {
		if err := h.svc.Withdraw(ref, "AAAA-AAAA-AAA"+string(rune('A'+i))); err != ErrNotFound {
			t.Fatal(err)
		}
		h.clock.Advance(time.Second)
	}
	if err := h.svc.Withdraw(ref, code); err != ErrNotFound {
		t.Fatalf("right code while locked: %v, want ErrNotFound", err)
	}
	h.clock.Advance(14 * time.Minute)
	if err := h.svc.Withdraw(ref, code); err != ErrNotFound {
		t.Fatalf("right code after 14 minutes: %v, want ErrNotFound", err)
	}
	h.clock.Advance(2 * time.Minute)
	if err := h.svc.Withdraw(ref, code); err != nil {
		t.Fatalf("right code after the lockout: %v", err)
	}
	if !bytes.Contains(h.logs.Bytes(), []byte("locked")) {
		t.Error("the lockout was not logged")
	}
}

func TestWithdraw_FewWrongCodesSpreadOutDoNotLock(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	for range 8 {
		h.svc.Withdraw(ref, "AAAA-AAAA-AAAA")
		h.clock.Advance(16 * time.Minute)
	}
	if err := h.svc.Withdraw(ref, code); err != nil {
		t.Fatalf("right code: %v", err)
	}
}

func TestSetStatus(t *testing.T) {
	h := newHarness(t)
	ref, _ := h.createConsented(t)
	steps := []struct {
		status string
		want   error
	}{
		{StatusForwarded, ErrTransition}, // not acknowledged yet
		{StatusNew, ErrBadStatus},
		{StatusWithdrawn, ErrBadStatus},
		{"done", ErrBadStatus},
		{StatusReceived, nil},
		{StatusReceived, ErrTransition},
		{StatusForwarded, nil},
		{StatusReceived, ErrTransition},
		{StatusClosed, nil},
		{StatusClosed, ErrTransition},
	}
	for _, s := range steps {
		h.clock.Advance(time.Hour)
		if err := h.svc.SetStatus(ref, s.status, "ida"); !errors.Is(err, s.want) && err != s.want {
			t.Fatalf("SetStatus(%s) = %v, want %v", s.status, err, s.want)
		}
	}
	m, _, _ := h.svc.Get(ref)
	if m.Status != StatusClosed || !m.Updated.Equal(h.clock.Now().Add(-time.Hour)) {
		t.Fatalf("meta = %+v", m)
	}
	if want := m.Updated.AddDate(0, 0, 90); !m.RetentionUntil.Equal(want) {
		t.Errorf("retention until %v, want %v", m.RetentionUntil, want)
	}
	var actions []string
	trail, _ := audit.Trail(h.db, ref)
	for _, e := range trail {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if got := strings.Join(actions, " "); got != "anna:created ida:acknowledged ida:forwarded ida:closed" {
		t.Fatalf("audit = %s", got)
	}
	if got := strings.Join(h.status, " "); got != "anna|"+ref+"|received anna|"+ref+"|forwarded anna|"+ref+"|closed" {
		t.Fatalf("OnStatus = %s", got)
	}
	if err := h.svc.SetStatus("ORO-ZZZZZZZZ", StatusReceived, "ida"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}
	// Closing straight from new is allowed.
	ref2, _ := h.createConsented(t)
	if err := h.svc.SetStatus(ref2, StatusClosed, "ida"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCase_IsAudited(t *testing.T) {
	h := newHarness(t)
	ref, _ := h.createConsented(t)
	m, env, err := h.svc.OpenCase(strings.ToLower(ref), "ida")
	if err != nil || m.Reference != ref || len(env.Recipients) != 2 {
		t.Fatalf("OpenCase = %+v, %v", m, err)
	}
	trail, _ := audit.Trail(h.db, ref)
	if last := trail[len(trail)-1]; last.Action != audit.ActionOpened || last.Actor != "ida" {
		t.Fatalf("audit = %+v", trail)
	}
	if _, _, err := h.svc.OpenCase("ORO-ZZZZZZZZ", "ida"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, _, err := h.svc.OpenCase(ref, ""); !errors.Is(err, ErrNoActor) {
		t.Fatalf("no actor: %v", err)
	}
}

func TestEscalationsAreCountedByStockholmMonth(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC)) // 23:30 in Stockholm
	h.createConsented(t)
	h.clock.Advance(time.Hour) // 00:30 on 1 December in Stockholm
	h.createConsented(t)
	h.createConsented(t)
	id, _ := h.svc.SubmitReport(testReport)
	if _, err := h.svc.Approve(id, "sara"); err != nil {
		t.Fatal(err)
	}
	counts, err := EscalationCounts(h.db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"2026-11|consented": 1, "2026-12|consented": 2, "2026-12|mandatory": 1}
	if len(counts) != len(want) {
		t.Fatalf("counts = %v", counts)
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("counts = %v, want %v", counts, want)
		}
	}
}

func TestConcurrentCases(t *testing.T) {
	h := newHarness(t)
	const n = 24
	var wg sync.WaitGroup
	refs := make([]string, n)
	codes := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			refs[i], codes[i], errs[i] = h.svc.CreateConsented(testDetails, testSummary, h.consentFor("sv"), "anna")
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[refs[i]] || seen[codes[i]] {
			t.Fatal("a reference or code was handed out twice")
		}
		seen[refs[i]], seen[codes[i]] = true, true
	}
	// Withdraw half of them concurrently, twice each: exactly one of each
	// pair succeeds.
	var mu sync.Mutex
	ok := map[string]int{}
	for i := range n / 2 {
		for range 2 {
			wg.Go(func() {
				if h.svc.Withdraw(refs[i], codes[i]) == nil {
					mu.Lock()
					ok[refs[i]]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for i := range n / 2 {
		if ok[refs[i]] != 1 {
			t.Fatalf("%s withdrawn %d times", refs[i], ok[refs[i]])
		}
	}
	if entries, err := audit.Verify(h.db); err != nil || entries != n+n/2 {
		t.Fatalf("Verify = %d, %v", entries, err)
	}
	list, _ := h.svc.List()
	if len(list) != n {
		t.Fatalf("List has %d", len(list))
	}
}

func TestReferenceAndCodeNormalisation(t *testing.T) {
	for in, want := range map[string]string{
		"ORO-ABCD1234":    "ORO-ABCD1234",
		"oro-abcd1234":    "ORO-ABCD1234",
		" ORO-ABCD 1234 ": "ORO-ABCD1234",
		"abcd1234":        "ORO-ABCD1234",
		"ORO-0R0ABCDE":    "ORO-0R0ABCDE",
		"OROABCDE":        "ORO-0R0ABCDE", // eight characters that begin like the prefix
		"ORO-ABCDIL0O":    "ORO-ABCD1100",
	} {
		if got, ok := normalizeReference(in); !ok || got != want {
			t.Errorf("normalizeReference(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ORO-", "ORO-ABCD123", "ORO-ABCD12345", "ORO-ABCDU234", "ORO-ÅBCD1234", strings.Repeat("A", 100)} {
		if got, ok := normalizeReference(in); ok {
			t.Errorf("normalizeReference(%q) = %q, accepted", in, got)
		}
	}
	if got, ok := normalizeCode("abcd efgh-jkmn"); !ok || got != "ABCDEFGHJKMN" {
		t.Errorf("normalizeCode = %q, %v", got, ok)
	}
	if _, ok := normalizeCode("ABCD-EFGH-JKM"); ok {
		t.Error("a short code was accepted")
	}
	if got := formatCode("ABCDEFGHJKMN"); got != "ABCD-EFGH-JKMN" {
		t.Errorf("formatCode = %q", got)
	}
}

func FuzzWithdrawInput(f *testing.F) {
	for _, s := range []string{"ORO-ABCD1234", "oro abcd 1234", "ABCD-EFGH-JKMN", "", "ORO", "ØRO-ÅÄÖ", "OROOROORO"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ref, ok := normalizeReference(s); ok {
			if !refPattern.MatchString(ref) {
				t.Fatalf("normalizeReference(%q) = %q", s, ref)
			}
			if again, ok := normalizeReference(ref); !ok || again != ref {
				t.Fatalf("not idempotent: %q → %q → %q", s, ref, again)
			}
		}
		if code, ok := normalizeCode(s); ok {
			if !codePattern.MatchString(formatCode(code)) {
				t.Fatalf("normalizeCode(%q) = %q", s, code)
			}
			if again, ok := normalizeCode(formatCode(code)); !ok || again != code {
				t.Fatalf("not idempotent: %q → %q → %q", s, code, again)
			}
		}
	})
}

// A service's trail holds who and what, never content.
func TestCase_AuditTrailHoldsNoContent(t *testing.T) {
	h := newHarness(t)
	ref, code := h.createConsented(t)
	h.svc.Withdraw(ref, code)
	trail, _ := audit.Trail(h.db, ref)
	raw, _ := json.Marshal(trail)
	for _, s := range []string{testDetails.Name, testDetails.Contact, code, testSummary} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("the audit trail holds %q", s)
		}
	}
}
