package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// consentTextHashes pins every consent text version ever shown to a
// parent: SHA-256 of its template. A consent record names the version, so
// a version must always mean the same words. If this test fails because
// you changed a text, give it a new version (e.g. "2026-12-sv-1") and add
// its hash here; never change a hash already listed.
var consentTextHashes = map[string]string{
	"2026-11-sv-1": "4b1df8317675a7bd4924dbd9b0b64c2e689c621995694e9622ddcca19d93664f",
	"2026-11-en-1": "3c5b9060f9a6c22cce64090bb1da93d9b3832ce6e66d06aa96c5449c48b66c03",
}

func TestConsentText_VersionPinsText(t *testing.T) {
	for lang, ct := range consentTexts {
		sum := sha256.Sum256([]byte(ct.template))
		got := hex.EncodeToString(sum[:])
		want, ok := consentTextHashes[ct.version]
		if !ok {
			t.Errorf("%s: version %s has no pinned hash; add %q: %q", lang, ct.version, ct.version, got)
			continue
		}
		if got != want {
			t.Errorf("%s: the text of version %s changed (hash %s, pinned %s): give the new text a new version", lang, ct.version, got, want)
		}
		if !strings.Contains(ct.version, "-"+lang+"-") {
			t.Errorf("%s: version %s does not name its language", lang, ct.version)
		}
	}
}

func TestConsentText_SaysWhatItMust(t *testing.T) {
	for _, tt := range []struct {
		lang  string
		words []string
	}{
		{"sv", []string{"Vad lämnas", "Till vem", "Varför", "Hur länge", "återkalla", "/consent/", "frivilligt", "ingenting sparas", "sammanfattning", "lagligt"}},
		{"en", []string{"What is shared", "With whom", "Why", "For how long", "withdraw", "/consent/", "nothing is kept", "summary", "lawfully"}},
	} {
		text, version := ConsentText(tt.lang, "Mottagningen Exempelby", 45)
		if !strings.HasPrefix(version, "2026-11-"+tt.lang+"-") {
			t.Errorf("%s: version %q", tt.lang, version)
		}
		if strings.Contains(text, "{") {
			t.Errorf("%s: placeholder left in text", tt.lang)
		}
		if !strings.Contains(text, "Mottagningen Exempelby") || !strings.Contains(text, "45") {
			t.Errorf("%s: the unit or the retention period is missing", tt.lang)
		}
		for _, w := range tt.words {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
				t.Errorf("%s: the text does not say %q", tt.lang, w)
			}
		}
	}
	sv, _ := ConsentText("sv", "X", 1)
	if other, v := ConsentText("de", "X", 1); other != sv || !strings.Contains(v, "-sv-") {
		t.Error("an unknown language does not fall back to Swedish")
	}
}

func TestErrorsHaveBothLanguages(t *testing.T) {
	for _, e := range []*Error{ErrNotFound, ErrMandatory, ErrNoRecipients, ErrOwnReport, ErrReportNotFound,
		ErrTooManyDrafts, ErrBadStatus, ErrTransition, ErrWithdrawn, ErrConsentText, ErrNoActor,
		errContactMissing, errContactInvalid, errParentTold, tooLong("name", 500), badChars("help"), required("why")} {
		if e.Sv == "" || e.En == "" || e.Sv == e.En || e.Code == "" {
			t.Errorf("%s: messages %q / %q", e.Code, e.Sv, e.En)
		}
		if UserMessage(e, "en") != e.En || UserMessage(e, "sv") != e.Sv {
			t.Errorf("%s: UserMessage picks the wrong language", e.Code)
		}
	}
	for field := range fieldNames {
		if tooLong(field, 1).Sv == "" || strings.HasPrefix(tooLong(field, 1).Sv, " ") {
			t.Errorf("field %s has no name", field)
		}
	}
	if UserMessage(errTestPlain, "en") == "" || strings.Contains(UserMessage(errTestPlain, "sv"), "disk") {
		t.Error("a plain error leaks its text or gives nothing")
	}
}

var errTestPlain = &testErr{}

type testErr struct{}

func (*testErr) Error() string { return "disk on fire" }
