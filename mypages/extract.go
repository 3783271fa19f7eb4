package mypages

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"parentline/internal/web"
)

// The register extract (GDPR art. 15): a printable HTML page, rendered on
// the server, in Swedish or English (?lang=en). It passes the static pages'
// strict CSP: no script at all, style only from /site.css and
// /mina-sidor/mina-sidor.css.

// extractTexts are the page's own texts.
var extractTexts = map[string]msg{
	"title":        {Sv: "Registerutdrag", En: "Register extract"},
	"doc_title":    {Sv: "Registerutdrag – Mina sidor", En: "Register extract – My pages"},
	"brand":        {Sv: "Östersunds kommun – e-tjänster", En: "Östersund municipality – e-services"},
	"skip":         {Sv: "Hoppa till innehållet", En: "Skip to content"},
	"nav":          {Sv: "E-tjänster", En: "E-services"},
	"mine":         {Sv: "Mina sidor", En: "My pages"},
	"other_lang":   {Sv: "English", En: "Svenska"},
	"lead":         {Sv: "Det här är de personuppgifter om dig som e-tjänsterna har sparade, med varför de sparas, hur länge och vem som kan läsa dem (artikel 15 i dataskyddsförordningen).", En: "These are the personal details about you that the e-services keep, with why they are kept, for how long and who can read them (Article 15 GDPR)."},
	"pn":           {Sv: "Personnummer", En: "Personal identity number"},
	"name":         {Sv: "Namn", En: "Name"},
	"made":         {Sv: "Utdraget gjordes", En: "Extract made"},
	"print":        {Sv: "Skriv ut sidan eller spara den som PDF med webbläsarens utskriftsfunktion.", En: "Print the page or save it as a PDF with the browser's print function."},
	"json":         {Sv: "Maskinläsbar kopia (JSON):", En: "Machine-readable copy (JSON):"},
	"back":         {Sv: "Tillbaka till Mina sidor", En: "Back to My pages"},
	"data":         {Sv: "Vilka uppgifter", En: "What details"},
	"purpose":      {Sv: "Ändamål", En: "Purpose"},
	"legal_basis":  {Sv: "Rättslig grund", En: "Legal basis"},
	"retention":    {Sv: "Lagringstid", En: "Retention"},
	"readers":      {Sv: "Vem läser uppgifterna", En: "Who reads the details"},
	"controller":   {Sv: "Personuppgiftsansvarig", En: "Controller"},
	"records":      {Sv: "Uppgifter om dig", En: "Details about you"},
	"none":         {Sv: "Det finns inga sådana uppgifter om dig.", En: "There are no such details about you."},
	"keep":         {Sv: "Varför uppgifterna sparas", En: "Why the details are kept"},
	"drafts":       {Sv: "Påbörjade anmälningar", En: "Started registrations"},
	"draft_line":   {Sv: "%s – sparad %s, raderas %s om du inte skickar in den.", En: "%s – saved %s, deleted %s unless you send it."},
	"consent":      {Sv: "Samtycke i chatten", En: "Consent in the chat"},
	"consent_link": {Sv: "Återkalla ett samtycke från chatten", En: "Withdraw a consent from the chat"},
	"rights_title": {Sv: "Dina rättigheter", En: "Your rights"},
	"rights": {Sv: "Du har rätt att få veta vilka uppgifter som finns om dig, att få felaktiga uppgifter rättade, att få uppgifter raderade när de inte längre behövs eller när du återkallar ett samtycke, att begära begränsning och att invända mot behandlingen. Kontakta den personuppgiftsansvariga nämnden ovan. Är du missnöjd kan du klaga hos Integritetsskyddsmyndigheten, www.imy.se.",
		En: "You have the right to know what details are kept about you, to have wrong details corrected, to have details erased when they are no longer needed or when you withdraw a consent, to ask for restriction and to object to the processing. Contact the controller named above. If you are not satisfied you can complain to the Swedish Authority for Privacy Protection, www.imy.se."},
	"login_title": {Sv: "Logga in först", En: "Log in first"},
	"login_text":  {Sv: "Registerutdraget visas bara när du är inloggad med e-legitimation.", En: "The register extract is only shown when you are logged in with your e-ID."},
	"login_link":  {Sv: "Logga in på Mina sidor", En: "Log in on My pages"},
}

type extractModule struct {
	ID         string
	Title      string
	Rows       [][2]string // processing: label, text
	Access     string
	Records    []recordJSON
	HasRecords bool
}

type extractDraft struct{ Text, Link string }

type extractPage struct {
	Lang, OtherLang, LangQuery string
	T                          map[string]string
	Person                     [][2]string
	Modules                    []extractModule
	Drafts                     []extractDraft
	Consent                    extractModule
	ChatNote                   string
	LoggedOut                  bool
}

var extractTmpl = template.Must(template.New("extract").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{{index .T "doc_title"}}</title>
<link rel="stylesheet" href="/site.css">
<link rel="stylesheet" href="/mina-sidor/mina-sidor.css">
</head>
<body class="extract-page">
<a class="skip-link" href="#main">{{index .T "skip"}}</a>
<header class="site-header">
  <div class="wrap header-row">
    <p class="logo"><span class="logo-mark" aria-hidden="true"></span><span>{{index .T "brand"}}</span></p>
    <nav aria-label="{{index .T "nav"}}"><ul class="nav"><li><a href="/mina-sidor/{{.LangQuery}}">{{index .T "mine"}}</a></li></ul></nav>
    <a id="lang" href="?lang={{.OtherLang}}" lang="{{.OtherLang}}" hreflang="{{.OtherLang}}">{{index .T "other_lang"}}</a>
  </div>
</header>
<main id="main" class="wrap extract" tabindex="-1">
{{- if .LoggedOut}}
  <h1>{{index .T "login_title"}}</h1>
  <p>{{index .T "login_text"}}</p>
  <p><a class="btn btn-primary" href="/mina-sidor/{{.LangQuery}}">{{index .T "login_link"}}</a></p>
{{- else}}
  <h1>{{index .T "title"}}</h1>
  <p class="lead">{{index .T "lead"}}</p>
  <dl class="facts person">
  {{- range .Person}}
    <div class="fact"><dt>{{index . 0}}</dt><dd>{{index . 1}}</dd></div>
  {{- end}}
  </dl>
  <p class="no-print">{{index .T "print"}} {{index .T "json"}} <a href="/api/mina-sidor/export.json" download>mina-uppgifter.json</a>. <a href="/mina-sidor/{{.LangQuery}}">{{index .T "back"}}</a>.</p>
  {{- range .Modules}}
  <section class="module" id="module-{{.ID}}" aria-labelledby="module-{{.ID}}-title">
    <h2 id="module-{{.ID}}-title">{{.Title}}</h2>
    <dl class="facts processing">
    {{- range .Rows}}
      <div class="fact"><dt>{{index . 0}}</dt><dd>{{index . 1}}</dd></div>
    {{- end}}
    </dl>
    {{- if .Access}}
    <p class="note sealed-note">{{.Access}}</p>
    {{- end}}
    <h3>{{index $.T "records"}}</h3>
    {{- if .HasRecords}}
    {{- range .Records}}
    <article class="record" id="record-{{.ID}}" aria-labelledby="record-{{.ID}}-title">
      <h4 id="record-{{.ID}}-title">{{.Summary}} <span class="record-id">({{.ID}})</span></h4>
      <dl class="facts">
      {{- range .Fields}}
        <div class="fact"><dt>{{.Label}}</dt><dd>{{.Value}}</dd></div>
      {{- end}}
      </dl>
      {{- if .KeepReason}}
      <p class="keep"><strong>{{index $.T "keep"}}:</strong> {{.KeepReason}}</p>
      {{- end}}
    </article>
    {{- end}}
    {{- else}}
    <p class="muted">{{index $.T "none"}}</p>
    {{- end}}
    {{- if and (eq .ID "foster") $.Drafts}}
    <h3>{{index $.T "drafts"}}</h3>
    <ul class="drafts">
    {{- range $.Drafts}}
      <li>{{.Text}}</li>
    {{- end}}
    </ul>
    {{- end}}
  </section>
  {{- end}}
  <section class="module" id="module-consent" aria-labelledby="module-consent-title">
    <h2 id="module-consent-title">{{.Consent.Title}}</h2>
    <dl class="facts processing">
    {{- range .Consent.Rows}}
      <div class="fact"><dt>{{index . 0}}</dt><dd>{{index . 1}}</dd></div>
    {{- end}}
    </dl>
    <p class="note">{{.ChatNote}} <a href="/consent/{{.LangQuery}}">{{index .T "consent_link"}}</a>.</p>
  </section>
  <section class="module" aria-labelledby="rights-title">
    <h2 id="rights-title">{{index .T "rights_title"}}</h2>
    <p>{{index .T "rights"}}</p>
  </section>
{{- end}}
</main>
</body>
</html>
`))

func (p *Pages) extractPage(lang string) extractPage {
	pg := extractPage{Lang: lang, OtherLang: "en", T: map[string]string{}}
	if lang == "en" {
		pg.OtherLang, pg.LangQuery = "sv", "?lang=en"
	}
	for k, m := range extractTexts {
		pg.T[k] = m.In(lang)
	}
	return pg
}

func (p *Pages) processingRows(module, lang string) [][2]string {
	e := p.proc[module]
	t := func(k string) string { return extractTexts[k].In(lang) }
	rows := [][2]string{{t("data"), e.Data.In(lang)}, {t("purpose"), e.Purpose.In(lang)},
		{t("legal_basis"), e.LegalBasis.In(lang)}, {t("retention"), e.Retention.In(lang)},
		{t("readers"), e.Readers.In(lang)}, {t("controller"), e.Controller.In(lang)}}
	out := rows[:0]
	for _, r := range rows {
		if r[1] != "" {
			out = append(out, r)
		}
	}
	return out
}

// handleExtract serves GET /mina-sidor/registerutdrag: the extract for the
// logged-in citizen, or a page that says to log in first (401).
func (p *Pages) handleExtract(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r)
	if _, _, ok := p.o.Sessions.Lookup(r); !ok {
		pg := p.extractPage(lang)
		pg.LoggedOut = true
		p.render(w, r, http.StatusUnauthorized, pg)
		return
	}
	p.o.Sessions.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := citizenOf(w, r)
		if !ok {
			return
		}
		h, err := p.gather(c, false)
		if err != nil {
			p.fail(w, r, http.StatusInternalServerError, "internal", err)
			return
		}
		ov := p.overview(h, lang)
		pg := p.extractPage(lang)
		name := ov.Person.Name
		if c.User.Protected {
			name = tx(lang, "protected_name")
		}
		pg.Person = [][2]string{{pg.T["pn"], pnText(c.User.PersonalNumber)}}
		if name != "" {
			pg.Person = append(pg.Person, [2]string{pg.T["name"], name})
		}
		pg.Person = append(pg.Person, [2]string{pg.T["made"], moment(h.now, p.o.Location, lang)})
		for _, s := range ov.Sections {
			pg.Modules = append(pg.Modules, extractModule{ID: s.Module, Title: s.Title, Rows: p.processingRows(s.Module, lang),
				Access: s.Access, Records: s.Records, HasRecords: len(s.Records) > 0})
		}
		for _, d := range ov.Drafts {
			pg.Drafts = append(pg.Drafts, extractDraft{Link: d.Link,
				Text: fmt.Sprintf(pg.T["draft_line"], d.Title, moment(d.SavedAt, p.o.Location, lang), date(d.DeleteAfter, p.o.Location, lang))})
		}
		pg.Consent = extractModule{ID: ModuleConsent, Title: p.proc[ModuleConsent].Title.In(lang), Rows: p.processingRows(ModuleConsent, lang)}
		pg.ChatNote = ov.ChatConsent.Text
		p.render(w, r, http.StatusOK, pg)
		p.log.Info().Int("bookings", len(h.bookings)).Int("registrations", len(h.regs)).Msg("mina sidor register extract")
	})).ServeHTTP(w, r)
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, pg extractPage) {
	var buf bytes.Buffer
	if err := extractTmpl.Execute(&buf, pg); err != nil {
		p.fail(w, r, http.StatusInternalServerError, "internal", err)
		return
	}
	securePage(w)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
