package booking

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// signFixture is a booking on Tuesday 1 December 2026, 10:00–11:00 in
// Sweden.
func signFixture(t *testing.T) (*Store, SignDoc) {
	t.Helper()
	h := newHarness(t)
	m := Meeting{SlotID: "TABCDEFGHJK", Start: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Minutes: 60,
		Form: FormParterapi, Place: PlaceOstersund, Counselor: "Karin Rådgivare"}
	in := BookInput{SlotID: m.SlotID, Applicant: Identity{Personnummer: pnApplicant, Name: applicantEidName},
		Contact:          Contact{Name: applicantName, Address: applicantAddress, Email: applicantEmail, Mobile: "+46701234567"},
		CoApplicantEmail: coEmail}
	return h.s, ApplicantDoc(in, m)
}

func TestSignText_Applicant(t *testing.T) {
	s, d := signFixture(t)
	sv := s.SignText(d, "sv")
	for _, want := range []string{
		"Familjerådgivningen, Östersunds kommun",
		"Samtalsform: Parterapi",
		"Tid: tisdag 1 december 2026 kl. 10:00–11:00",
		"Plats: Familjerådgivningens mottagning i Östersund",
		"Familjerådgivare: Karin Rådgivare",
		"Namn: " + applicantName,
		"Adress: Provgatan 17, 831 30 Östersund",
		"E-post: " + applicantEmail,
		"Mobil: +46701234567",
		"Medsökandes e-postadress: " + coEmail,
		"Bokningen skickas in först när både jag och medsökande har signerat",
		"200 kronor",
	} {
		if !strings.Contains(sv, want) {
			t.Errorf("Swedish text lacks %q:\n%s", want, sv)
		}
	}
	if strings.Contains(sv, pnApplicant) || strings.Contains(sv, pnApplicant[2:]) {
		t.Error("the text shows the personnummer")
	}
	if strings.Contains(sv, "Jag signerar som medsökande") {
		t.Error("the applicant's text says they sign as co-applicant")
	}
	en := s.SignText(d, "en")
	for _, want := range []string{
		"Familjerådgivningen, Östersunds kommun",
		"Form: Couple therapy",
		"Time: Tuesday 1 December 2026, 10:00–11:00",
		"Counsellor: Karin Rådgivare",
		"Address: Provgatan 17, 831 30 Östersund",
		"Co-applicant's e-mail address: " + coEmail,
		"only sent in when both",
		"200 SEK",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("English text lacks %q:\n%s", want, en)
		}
	}
	if strings.Contains(en, "Tid:") || strings.Contains(sv, "Time:") {
		t.Error("languages mixed")
	}
	// Summer time: the offset follows the calendar.
	d.Meeting.Start = time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)
	if got := s.MeetingTime(d.Meeting, "sv"); got != "tisdag 2 juni 2026 kl. 10:00–11:00" {
		t.Errorf("summer: %q", got)
	}
}

func TestSignText_CoApplicant(t *testing.T) {
	s, d := signFixture(t)
	v := InvitationView{BookingID: "FR-ABCDEFGHJK", Meeting: d.Meeting, ApplicantName: applicantEidName,
		HoldUntil: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	co := CoApplicantDoc(v, Identity{Personnummer: pnCo, Name: coName})
	sv := s.SignText(co, "sv")
	for _, want := range []string{
		"Familjerådgivningen, Östersunds kommun",
		"Samtalsform: Parterapi",
		"Tid: tisdag 1 december 2026 kl. 10:00–11:00",
		"Familjerådgivare: Karin Rådgivare",
		"Sökande: " + applicantEidName,
		"Bokningsnummer: FR-ABCDEFGHJK",
		"Signera senast: tisdag 24 november 2026 kl. 10:00",
		"Jag signerar som medsökande",
		"skickas in först när både sökande och medsökande har signerat",
	} {
		if !strings.Contains(sv, want) {
			t.Errorf("co-applicant's text lacks %q:\n%s", want, sv)
		}
	}
	// Never the applicant's contact details.
	for _, leak := range []string{applicantEmail, "Provgatan", "70123", pnApplicant, pnCo} {
		if strings.Contains(sv, leak) {
			t.Errorf("co-applicant's text contains %q", leak)
		}
	}
	if en := s.SignText(co, "en"); !strings.Contains(en, "I sign as co-applicant") || !strings.Contains(en, "Sign by: Tuesday 24 November 2026 at 10:00") {
		t.Errorf("English co-applicant's text:\n%s", en)
	}
}

func TestSignData(t *testing.T) {
	_, d := signFixture(t)
	raw := CanonicalJSON(d)
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back["role"] != "applicant" || back["service"] != ServiceName ||
		back["meeting"].(map[string]any)["start"] != "2026-12-01T09:00:00Z" ||
		back["applicant"].(map[string]any)["personnummer"] != pnApplicant ||
		back["contact"].(map[string]any)["email"] != applicantEmail || back["co_applicant_email"] != coEmail {
		t.Fatalf("canonical JSON: %s", raw)
	}
	if bytes.Contains(raw, []byte(`\u`)) || bytes.HasSuffix(raw, []byte("\n")) {
		t.Fatalf("not canonical: %s", raw)
	}
	sum := SignData(d)
	want := sha256.Sum256(raw)
	if !bytes.Equal(sum, want[:]) || len(sum) != 32 {
		t.Fatal("SignData is not SHA-256 of the canonical JSON")
	}
	// The same booking in another time zone hashes the same; any change
	// hashes differently.
	same := d
	same.Meeting.Start = d.Meeting.Start.In(time.FixedZone("X", 3600))
	if !bytes.Equal(SignData(same), sum) {
		t.Error("the time zone changes the digest")
	}
	for name, edit := range map[string]func(*SignDoc){
		"slot":     func(x *SignDoc) { x.Meeting.SlotID = "TOTHER" },
		"start":    func(x *SignDoc) { x.Meeting.Start = x.Meeting.Start.Add(time.Hour) },
		"email":    func(x *SignDoc) { x.Contact.Email = "x@example.se" },
		"co email": func(x *SignDoc) { x.CoApplicantEmail = "y@example.se" },
		"pn":       func(x *SignDoc) { x.Applicant.Personnummer = pnOther },
		"role":     func(x *SignDoc) { x.Role = RoleCoApplicant },
	} {
		x := d
		edit(&x)
		if bytes.Equal(SignData(x), sum) {
			t.Errorf("changing the %s keeps the digest", name)
		}
	}
	if got := (SignDoc{}).String(); got != "booking.SignDoc(redacted)" {
		t.Error(got)
	}
}
