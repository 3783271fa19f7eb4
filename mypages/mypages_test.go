package mypages

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"parentline/booking"
	"parentline/interest"
	"parentline/internal/field"
	"parentline/static"
)

// fixture: Anna has a booking with Bertil, three registrations (one under
// assessment) and a foster draft; David has a booking and a registration.
type fixture struct {
	e      *env
	f      *fakeRegs
	annaB  booking.Booking
	davidB booking.Booking
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	var f *fakeRegs
	e := newEnv(t, func(e *env) Registrations {
		f = newFakeRegs(e.clk.Now)
		return f
	})
	x := &fixture{e: e, f: f}
	x.annaB = e.book(pnAnna, "Anna Testsson", annaContact, pnBertil, 72*time.Hour)
	x.davidB = e.book(pnDavid, "David Testman", booking.Contact{Name: "David Testman", Address: "Davidsgatan 2\n831 31 Östersund",
		Email: "david@example.se", Mobile: "070-765 43 21"}, "", 96*time.Hour)
	f.add(pnAnna, "FH-AAAA-1111", ModuleFoster, "Östersund", "", true)
	f.add(pnAnna, "FH-BBBB-2222", ModuleFoster, "Krokom", "", false)
	f.add(pnAnna, "FS-CCCC-3333", ModuleProgramme, "Kungsholmen", "ABC", true)
	f.add(pnDavid, "FH-DDDD-4444", ModuleFoster, "Östersund", "", true)
	now := e.clk.Now()
	f.drafts[ModuleFoster+"|"+pnAnna] = interest.DraftInfo{SavedAt: now, DeleteAfter: now.Add(30 * 24 * time.Hour)}
	return x
}

// overview is GET /api/mina-sidor decoded.
type overviewT struct {
	Person struct {
		Name      string `json:"name"`
		Protected bool   `json:"protected"`
		Contact   *struct {
			Email, Phone, Address string
			PostalCode            string `json:"postal_code"`
			City                  string
		} `json:"contact"`
	} `json:"person"`
	Sections []struct {
		Module, Title, Retention string
		Records                  []struct {
			ID         string `json:"id"`
			Erasable   bool   `json:"erasable"`
			KeepReason string `json:"keep_reason"`
			Sealed     bool   `json:"sealed"`
			Fields     []struct{ Label, Value string }
		} `json:"records"`
	} `json:"sections"`
	Consents []struct {
		ID          string `json:"id"`
		CanWithdraw bool   `json:"can_withdraw"`
		Effect      string `json:"effect"`
		What        string `json:"what"`
	} `json:"consents"`
	Drafts []struct {
		Kind, Link string
	} `json:"drafts"`
	ChatConsent struct{ Text, Link string } `json:"chat_consent"`
}

func getOverview(t *testing.T, c *client, lang string) (overviewT, resp) {
	t.Helper()
	r := c.do("GET", "/api/mina-sidor?lang="+lang, nil)
	wantStatus(t, r, http.StatusOK)
	var ov overviewT
	if err := json.Unmarshal(r.body, &ov); err != nil {
		t.Fatal(err)
	}
	return ov, r
}

func ids(ov overviewT, module string) []string {
	var out []string
	for _, s := range ov.Sections {
		if s.Module == module {
			for _, r := range s.Records {
				out = append(out, r.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOverview(t *testing.T) {
	x := newFixture(t)
	anon := x.e.client()
	wantStatus(t, anon.do("GET", "/api/mina-sidor", nil), http.StatusUnauthorized)
	if r := anon.do("GET", "/api/mina-sidor/export.json", nil); r.status != http.StatusUnauthorized || r.obj(t)["code"] != "login_required" {
		t.Fatalf("export without login: %d %s", r.status, r.body)
	}

	anna := x.e.client().login(pnAnna)
	ov, r := getOverview(t, anna, "sv")
	if ov.Person.Name != "Anna Testsson" || ov.Person.Protected {
		t.Fatalf("person: %+v", ov.Person)
	}
	if c := ov.Person.Contact; c == nil || c.Email != "anna@example.se" || c.Phone != "+46701234567" ||
		c.Address != "Provgatan 17" || c.PostalCode != "831 30" || c.City != "Östersund" {
		t.Fatalf("the contact to pre-fill: %+v", c)
	}
	if got := ids(ov, ModuleBooking); !slices.Equal(got, []string{x.annaB.ID}) {
		t.Fatalf("bookings %v", got)
	}
	if got := ids(ov, ModuleFoster); !slices.Equal(got, []string{"FH-AAAA-1111", "FH-BBBB-2222"}) {
		t.Fatalf("foster %v", got)
	}
	if got := ids(ov, ModuleProgramme); !slices.Equal(got, []string{"FS-CCCC-3333"}) {
		t.Fatalf("programme %v", got)
	}
	for _, s := range ov.Sections {
		if s.Title == "" || s.Retention == "" {
			t.Fatalf("section %s without title or retention", s.Module)
		}
		for _, rec := range s.Records {
			switch {
			case s.Module == ModuleBooking && (rec.Erasable || !strings.Contains(rec.KeepReason, "Avboka den först")):
				t.Fatalf("booking keep reason: %+v", rec)
			case rec.ID == "FH-BBBB-2222" && (rec.Erasable || !strings.Contains(rec.KeepReason, "Kommunen bedömer")):
				t.Fatalf("assessment keep reason: %+v", rec)
			case s.Module != ModuleBooking && !rec.Sealed:
				t.Fatalf("registration not marked sealed: %+v", rec)
			}
		}
	}
	if len(ov.Consents) != 3 || !strings.Contains(ov.Consents[0].Effect+ov.Consents[1].Effect+ov.Consents[2].Effect, "raderas inte härifrån") {
		t.Fatalf("consents: %+v", ov.Consents)
	}
	if len(ov.Drafts) != 1 || ov.Drafts[0].Kind != ModuleFoster || ov.Drafts[0].Link != "/familjehem/" {
		t.Fatalf("drafts: %+v", ov.Drafts)
	}
	if ov.ChatConsent.Link != "/consent/" || !strings.Contains(ov.ChatConsent.Text, "referens och koden") {
		t.Fatalf("chat consent note: %+v", ov.ChatConsent)
	}
	for _, other := range []string{x.davidB.ID, "FH-DDDD-4444", "David", pnDavid, "david@example.se"} {
		if strings.Contains(string(r.body), other) {
			t.Fatalf("Anna's overview shows %q of another person", other)
		}
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatal("the overview may be cached")
	}
	// English.
	en, _ := getOverview(t, anna, "en")
	if !strings.Contains(en.Sections[0].Title, "Bookings") || !strings.Contains(en.Sections[0].Records[0].KeepReason, "upcoming meeting") {
		t.Fatalf("English: %+v", en.Sections[0])
	}

	// Bertil, the co-applicant, sees the booking too, with nothing of Anna's registrations.
	bertil := x.e.client().login(pnBertil)
	bo, br := getOverview(t, bertil, "sv")
	if got := ids(bo, ModuleBooking); !slices.Equal(got, []string{x.annaB.ID}) || len(ids(bo, ModuleFoster)) != 0 {
		t.Fatalf("Bertil's overview: %s", br.body)
	}
	if strings.Contains(string(br.body), "anna@example.se") || strings.Contains(string(br.body), "Provgatan") {
		t.Fatal("the co-applicant's overview shows the applicant's contact details")
	}
}

func TestOverview_ProtectedIdentity(t *testing.T) {
	x := newFixture(t)
	x.e.book(pnCecilia, "Cecilia Exempeldotter", booking.Contact{Name: "C. E.", Address: "Box 1\n831 82 Östersund",
		Email: "ce@example.se", Mobile: "+46 70 765 43 21"}, "", 120*time.Hour)
	x.f.add(pnCecilia, "FH-EEEE-5555", ModuleFoster, "Åre", "", true)
	cec := x.e.client().login(pnCecilia)
	ov, r := getOverview(t, cec, "sv")
	if !ov.Person.Protected || ov.Person.Name != "" || ov.Person.Contact != nil {
		t.Fatalf("person: %s", r.body)
	}
	for _, name := range []string{"Cecilia", "Exempeldotter", "C. E."} {
		if strings.Contains(string(r.body), name) {
			t.Fatalf("the overview of a person with protected identity shows %q", name)
		}
	}
	if len(ids(ov, ModuleBooking)) != 1 || len(ids(ov, ModuleFoster)) != 1 {
		t.Fatalf("records: %s", r.body)
	}
	page := cec.do("GET", "/mina-sidor/registerutdrag", nil)
	wantStatus(t, page, http.StatusOK)
	for _, name := range []string{"Cecilia", "Exempeldotter", "C. E."} {
		if strings.Contains(string(page.body), name) {
			t.Fatalf("the register extract of a person with protected identity shows %q", name)
		}
	}
	if !strings.Contains(string(page.body), "skyddade personuppgifter") {
		t.Fatal("the extract does not say why the name is not shown")
	}
}

func TestExport(t *testing.T) {
	x := newFixture(t)
	anna := x.e.client().login(pnAnna)
	r := anna.do("GET", "/api/mina-sidor/export.json", nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="mina-uppgifter.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	var ex struct {
		Format      string    `json:"format"`
		GeneratedAt time.Time `json:"generated_at"`
		Person      struct {
			Personnummer string `json:"personnummer"`
			Name         string `json:"name"`
		} `json:"person"`
		Modules []struct {
			Module     string          `json:"module"`
			Processing Processing      `json:"processing"`
			Records    json.RawMessage `json:"records"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(r.body, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Format != ExportFormat || !ex.GeneratedAt.Equal(start) || ex.Person.Personnummer != pnAnna || ex.Person.Name != "Anna Testsson" {
		t.Fatalf("export head: %+v", ex)
	}
	var modules []string
	for _, m := range ex.Modules {
		modules = append(modules, m.Module)
		if m.Processing.Purpose.Sv == "" || m.Processing.LegalBasis.En == "" || m.Processing.Retention.Sv == "" || m.Processing.Readers.Sv == "" {
			t.Fatalf("module %s without its record of processing", m.Module)
		}
	}
	if !slices.Equal(modules, []string{ModuleBooking, ModuleFoster, ModuleProgramme, ModuleConsent}) {
		t.Fatalf("modules %v", modules)
	}
	body := string(r.body)
	for _, want := range []string{x.annaB.ID, "FH-AAAA-1111", "FH-BBBB-2222", "FS-CCCC-3333", "Q0lQSEVSVEVYVC0FH-AAAA-1111",
		"anna@example.se", "Provgatan 17", `"keep_reason"`, "Avboka den först", `"drafts"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the export lacks %q", want)
		}
	}
	for _, other := range []string{x.davidB.ID, "FH-DDDD-4444", pnDavid, "david@example.se"} {
		if strings.Contains(body, other) {
			t.Errorf("the export holds %q of another person", other)
		}
	}
}

func TestRegisterExtract(t *testing.T) {
	x := newFixture(t)
	anon := x.e.client()
	r := anon.do("GET", "/mina-sidor/registerutdrag", nil)
	if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "Logga in") ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("without login: %d %s", r.status, r.body)
	}

	anna := x.e.client().login(pnAnna)
	r = anna.do("GET", "/mina-sidor/registerutdrag", nil)
	wantStatus(t, r, http.StatusOK)
	if r.header.Get("Content-Security-Policy") != static.CSP || r.header.Get("X-Frame-Options") != "DENY" ||
		r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %v", r.header)
	}
	page := string(r.body)
	for _, want := range []string{"<h1>Registerutdrag</h1>", "19030818-9802", "Anna Testsson", x.annaB.ID, "FH-AAAA-1111", "FH-BBBB-2222",
		"FS-CCCC-3333", "Lagringstid", "30 dagar efter mötet, avbokningen", "365 dagar", "Rättslig grund",
		"Vem läser uppgifterna", "Ändamål", "kontakta familjehemsansvarig", "plattformen kan inte läsa",
		"Kommunen bedömer din anmälan", "/consent/", `href="/site.css"`, `href="/mina-sidor/mina-sidor.css"`,
		"Påbörjade anmälningar", "Provgatan 17"} {
		if !strings.Contains(page, want) {
			t.Errorf("the extract lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "style=", "<style", " on" + "click=", x.davidB.ID, "FH-DDDD-4444", "David"} {
		if strings.Contains(page, bad) {
			t.Errorf("the extract contains %q", bad)
		}
	}
	en := anna.do("GET", "/mina-sidor/registerutdrag?lang=en", nil)
	wantStatus(t, en, http.StatusOK)
	if p := string(en.body); !strings.Contains(p, `<html lang="en">`) || !strings.Contains(p, "<h1>Register extract</h1>") ||
		!strings.Contains(p, "Retention") || !strings.Contains(p, "upcoming meeting") {
		t.Fatalf("English extract:\n%s", p)
	}
}

func TestErase(t *testing.T) {
	x := newFixture(t)
	anna := x.e.client().login(pnAnna)
	r := anna.do("POST", "/api/mina-sidor/erase", nil)
	wantStatus(t, r, http.StatusOK)
	var out struct {
		Erased      []string                       `json:"erased"`
		ErasedItems []struct{ ID, Summary string } `json:"erased_items"`
		Kept        []struct {
			ID, Module, Summary, Reason string
			Until                       *time.Time
		} `json:"kept"`
		Message string
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Erased, []string{"FH-AAAA-1111", "FS-CCCC-3333"}) || len(out.ErasedItems) != 3 ||
		!strings.Contains(out.ErasedItems[2].Summary, "Påbörjad anmälan") {
		t.Fatalf("erased: %s", r.body)
	}
	kept := map[string]int{}
	for i, k := range out.Kept {
		kept[k.ID] = i
		if k.Reason == "" || k.Until == nil || k.Summary == "" {
			t.Fatalf("kept without reason or date: %+v", k)
		}
	}
	if len(out.Kept) != 2 {
		t.Fatalf("kept: %s", r.body)
	}
	if k := out.Kept[kept["FH-BBBB-2222"]]; !strings.Contains(k.Reason, "Kommunen bedömer") || !k.Until.Equal(start.Add(180*24*time.Hour)) {
		t.Fatalf("kept registration: %+v", k)
	}
	meetingEnd := start.Add(73 * time.Hour)
	if k := out.Kept[kept[x.annaB.ID]]; k.Module != ModuleBooking || !strings.Contains(k.Reason, "Avboka den först") ||
		!k.Until.Equal(meetingEnd.Add(booking.DefaultRetainFor)) {
		t.Fatalf("kept booking: %+v", k)
	}
	if mine, _ := x.f.Mine(pnAnna); len(mine) != 1 || mine[0].ID != "FH-BBBB-2222" {
		t.Fatalf("left after erasure: %+v", mine)
	}
	if _, ok := x.f.HasDraft(ModuleFoster, pnAnna); ok {
		t.Fatal("the draft is left")
	}
	if mine, _ := x.f.Mine(pnDavid); len(mine) != 1 {
		t.Fatal("another person's registration was erased")
	}
	if list, _ := x.e.bk.BookingsFor(pnDavid); len(list) != 1 {
		t.Fatal("another person's booking is gone")
	}

	// A cancelled booking: kept 30 days after the cancellation, with the date.
	if _, err := x.e.bk.Cancel(x.annaB.ID, pnAnna, false); err != nil {
		t.Fatal(err)
	}
	r = anna.do("POST", "/api/mina-sidor/erase?lang=en", "{}")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), "30 days after the cancellation") || !strings.Contains(string(r.body), "23 December 2026") ||
		!strings.Contains(string(r.body), "nothing that could be erased") {
		t.Fatalf("second erasure: %s", r.body)
	}
}

func TestContactCorrection(t *testing.T) {
	x := newFixture(t)
	anna := x.e.client().login(pnAnna)

	r := anna.do("PUT", "/api/mina-sidor/contact", map[string]string{"email": "inte-en-adress", "phone": "063-14 46 00"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	fields, _ := r.obj(t)["fields"].(map[string]any)
	if fields["email"] == nil || fields["phone"] == nil || r.obj(t)["error"] == "" {
		t.Fatalf("field errors: %s", r.body)
	}
	r = anna.do("PUT", "/api/mina-sidor/contact?lang=en", map[string]string{"address": "Nygatan 5"})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if f := r.obj(t)["fields"].(map[string]any); f["postal_code"] == nil || f["city"] == nil || f["address"] != nil ||
		!strings.Contains(f["city"].(string), "postcode and town") {
		t.Fatalf("a partial address: %s", r.body)
	}
	r = anna.do("PUT", "/api/mina-sidor/contact", map[string]string{})
	if r.status != http.StatusUnprocessableEntity || r.obj(t)["code"] != "nothing_to_correct" {
		t.Fatalf("empty: %d %s", r.status, r.body)
	}
	wantStatus(t, anna.do("PUT", "/api/mina-sidor/contact", "{not json"), http.StatusBadRequest)
	wantStatus(t, anna.do("PUT", "/api/mina-sidor/contact", `{"email":"`+strings.Repeat("a", 5000)+`"}`), http.StatusBadRequest)
	if my, _ := x.e.bk.BookingsFor(pnAnna); my[0].You.Contact.Email != "anna@example.se" || len(x.f.corrections[pnAnna]) != 0 {
		t.Fatal("an invalid correction changed something")
	}

	r = anna.do("PUT", "/api/mina-sidor/contact", map[string]string{"email": "ny@example.se", "phone": "070-999 88 77",
		"address": "Nygatan 5", "postal_code": "83131", "city": "Östersund"})
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["bookings"] != 1.0 || m["registrations"] != 3.0 || !strings.Contains(m["message"].(string), "1 bokning och 3 anmälningar") {
		t.Fatalf("correction: %s", r.body)
	}
	my, err := x.e.bk.BookingsFor(pnAnna)
	if err != nil {
		t.Fatal(err)
	}
	if c := my[0].You.Contact; c.Email != "ny@example.se" || c.Mobile != "+46709998877" || c.Address != "Nygatan 5\n831 31 Östersund" || c.Name != "Anna Testsson" {
		t.Fatalf("the booking after the correction: %+v", c)
	}
	if c := x.f.corrections[pnAnna]; len(c) != 1 || c[0].Email != "ny@example.se" || c[0].PostalCode != "831 31" || c[0].City != "Östersund" ||
		c[0].Address != "Nygatan 5" || c[0].Phone != "070-999 88 77" || c[0].GivenName != "" {
		t.Fatalf("the registrations' correction: %+v", c)
	}
	if d, _ := x.e.bk.BookingsFor(pnDavid); d[0].You.Contact.Email != "david@example.se" {
		t.Fatal("another person's booking changed")
	}
	ov, _ := getOverview(t, anna, "sv")
	if c := ov.Person.Contact; c == nil || c.Email != "ny@example.se" || c.PostalCode != "831 31" {
		t.Fatalf("the form's contact after the correction: %+v", c)
	}
}

func TestCrossSiteAndLogin(t *testing.T) {
	x := newFixture(t)
	anna := x.e.client().login(pnAnna)
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/mina-sidor/erase"},
		{"PUT", "/api/mina-sidor/contact"},
		{"POST", "/api/mina-sidor/consents/FH-AAAA-1111/withdraw"},
		{"POST", "/api/mina-sidor/registrations/FH-AAAA-1111/withdraw"},
	} {
		body := map[string]string{"email": "evil@example.se"}
		r := anna.do(c.method, c.path, body, "Sec-Fetch-Site", "cross-site")
		if r.status != http.StatusForbidden || r.obj(t)["code"] != "cross_site" {
			t.Fatalf("%s %s cross-site: %d %s", c.method, c.path, r.status, r.body)
		}
		r = anna.do(c.method, c.path, body, "Origin", "https://evil.example")
		wantStatus(t, r, http.StatusForbidden)
		r = x.e.client().do(c.method, c.path, body)
		if r.status != http.StatusUnauthorized || r.obj(t)["code"] != "login_required" {
			t.Fatalf("%s %s without login: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if mine, _ := x.f.Mine(pnAnna); len(mine) != 3 || len(x.f.corrections) != 0 {
		t.Fatal("a refused request changed something")
	}
}

func TestWithdraw(t *testing.T) {
	x := newFixture(t)
	anna := x.e.client().login(pnAnna)

	// Another person's record, an unknown id and a malformed one: 404 alike.
	for _, id := range []string{"FH-DDDD-4444", "FH-ZZZZ-9999", "x%20y"} {
		for _, path := range []string{"/api/mina-sidor/consents/" + id + "/withdraw", "/api/mina-sidor/registrations/" + id + "/withdraw"} {
			r := anna.do("POST", path, nil)
			if r.status != http.StatusNotFound || r.obj(t)["code"] != "not_found" {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
		}
	}
	if !slices.Contains(x.f.refused, "FH-DDDD-4444") {
		t.Fatal("the refusal did not reach the registration store (which audits it)")
	}
	if mine, _ := x.f.Mine(pnDavid); len(mine) != 1 || !mine[0].Consent.Withdrawn.IsZero() {
		t.Fatal("another person's record changed")
	}

	// Not erasable: withdrawing it is refused with the reason; its consent is marked withdrawn.
	r := anna.do("POST", "/api/mina-sidor/registrations/FH-BBBB-2222/withdraw", nil)
	if r.status != http.StatusConflict || r.obj(t)["code"] != "not_erasable" || !strings.Contains(r.obj(t)["error"].(string), "Kommunen bedömer") {
		t.Fatalf("not erasable: %d %s", r.status, r.body)
	}
	r = anna.do("POST", "/api/mina-sidor/consents/FH-BBBB-2222/withdraw", "{}")
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["deleted"] != false || !strings.Contains(m["message"].(string), "finns kvar") {
		t.Fatalf("consent kept: %s", r.body)
	}
	ov, _ := getOverview(t, anna, "sv")
	for _, c := range ov.Consents {
		if c.ID == "FH-BBBB-2222" && (c.CanWithdraw || !strings.Contains(c.Effect, "återkallade")) {
			t.Fatalf("the withdrawn consent: %+v", c)
		}
	}

	// Erasable: the consent withdrawal deletes the record; the record withdrawal too.
	r = anna.do("POST", "/api/mina-sidor/consents/FS-CCCC-3333/withdraw?lang=en", nil)
	wantStatus(t, r, http.StatusOK)
	if m := r.obj(t); m["deleted"] != true || !strings.Contains(m["message"].(string), "is erased") {
		t.Fatalf("consent deleted: %s", r.body)
	}
	r = anna.do("POST", "/api/mina-sidor/registrations/FH-AAAA-1111/withdraw", nil)
	wantStatus(t, r, http.StatusOK)
	if mine, _ := x.f.Mine(pnAnna); len(mine) != 1 || mine[0].ID != "FH-BBBB-2222" {
		t.Fatalf("left: %+v", mine)
	}
}

func TestWithoutRegistrations(t *testing.T) {
	e := newEnv(t, nil)
	e.book(pnAnna, "Anna Testsson", annaContact, "", 72*time.Hour)
	anna := e.client().login(pnAnna)
	ov, _ := getOverview(t, anna, "sv")
	if len(ids(ov, ModuleBooking)) != 1 || len(ids(ov, ModuleFoster)) != 0 || len(ov.Consents) != 0 {
		t.Fatalf("overview: %+v", ov)
	}
	wantStatus(t, anna.do("POST", "/api/mina-sidor/consents/FH-AAAA-1111/withdraw", nil), http.StatusNotFound)
	wantStatus(t, anna.do("POST", "/api/mina-sidor/erase", nil), http.StatusOK)
	wantStatus(t, anna.do("GET", "/api/mina-sidor/export.json", nil), http.StatusOK)
	r := anna.do("PUT", "/api/mina-sidor/contact", map[string]string{"email": "ny@example.se"})
	wantStatus(t, r, http.StatusOK)
	if r.obj(t)["bookings"] != 1.0 {
		t.Fatalf("%s", r.body)
	}
}

func TestDefaultProcessing(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range DefaultProcessing() {
		seen[p.Module] = true
		for name, m := range map[string]field.Message{"title": p.Title, "data": p.Data, "purpose": p.Purpose,
			"legal_basis": p.LegalBasis, "retention": p.Retention, "readers": p.Readers, "controller": p.Controller} {
			if m.Sv == "" || m.En == "" {
				t.Errorf("%s: %s lacks a text", p.Module, name)
			}
		}
	}
	for _, m := range []string{ModuleBooking, ModuleFoster, ModuleProgramme, ModuleConsent} {
		if !seen[m] {
			t.Errorf("no entry for %s", m)
		}
	}
}
