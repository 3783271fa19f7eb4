package testid

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parentline/eid"
	"parentline/internal/web"
)

// The device page's own style sheet and script (the page allows no inline
// style or script: the server's Content-Security-Policy).
var (
	//go:embed device.css
	deviceCSS []byte
	//go:embed device.js
	deviceJS []byte
)

// csp is the policy of the device page, the same as the static pages'.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Register mounts Handler on mux at Path for GET and POST (method-specific
// patterns, so that it sits beside a catch-all "GET /").
func (p *Provider) Register(mux *http.ServeMux) {
	h := p.Handler()
	mux.Handle("GET "+Path, h)
	mux.Handle("POST "+Path, h)
}

// Handler serves the test "device" at Path (/eid/test/): a page that lists
// the pending orders (for a sign order, the text to sign) and lets a
// developer complete one as a test person or cancel it. Mount it at Path
// (Register does):
//
//	mux.Handle(testid.Path, provider.Handler())
//
// Its forms post back to the page and are guarded against cross-site
// requests (eid.Protect).
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path+"{$}", p.servePage)
	mux.HandleFunc("GET "+Path+"device.css", serveAsset(deviceCSS, "text/css; charset=utf-8"))
	mux.HandleFunc("GET "+Path+"device.js", serveAsset(deviceJS, "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET "+Path+"pending", p.servePending)
	mux.Handle("POST "+Path+"complete", eid.Protect(http.HandlerFunc(p.serveComplete)))
	mux.Handle("POST "+Path+"cancel", eid.Protect(http.HandlerFunc(p.serveCancel)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

func serveAsset(body []byte, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

// servePending answers {"version": V}: V changes when the set of pending
// orders does. The page's script polls it to reload itself when a new
// order arrives.
func (p *Provider) servePending(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	vs := p.pending("")
	for _, v := range vs {
		h.Write([]byte(v.Ref))
	}
	web.JSON(w, http.StatusOK, map[string]any{"version": hex.EncodeToString(h.Sum(nil)[:8]), "pending": len(vs)})
}

// notices are the outcomes the page reports after a form post (?m=).
var notices = map[string]struct {
	sv, en string
	bad    bool
}{
	"complete":  {"Beställningen är godkänd. Gå tillbaka till fliken där du loggar in eller signerar.", "The order is approved. Go back to the tab where you are logging in or signing.", false},
	"cancelled": {"Beställningen är avbruten (userCancel).", "The order is cancelled (userCancel).", false},
	"gone":      {"Beställningen finns inte längre: den är redan klar, avbruten eller för gammal.", "The order no longer exists: it is already done, cancelled or too old.", true},
	"wrong":     {"Den här beställningen får bara godkännas av personen den startades för.", "This order may only be approved by the person it was started for.", true},
	"invalid":   {"Personnumret är inte giltigt. Skriv 12 siffror, ÅÅÅÅMMDDNNNN.", "The personal identity number is not valid. Write 12 digits, YYYYMMDDNNNN.", true},
}

type pageData struct {
	Orders  []pageOrder
	People  []Person
	Notice  string
	NoticeE string
	Bad     bool
}

type pageOrder struct {
	view
	ID        string // element id prefix
	AgeSec    int
	LeftSec   int
	Candidate []Person // persons who may complete it
	Other     bool     // any number may be typed in
}

func (p *Provider) servePage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("autostarttoken")
	if token != "" {
		p.open(token)
	}
	data := pageData{People: People}
	if n, ok := notices[r.URL.Query().Get("m")]; ok {
		data.Notice, data.NoticeE, data.Bad = n.sv, n.en, n.bad
	}
	for i, v := range p.pending(token) {
		po := pageOrder{view: v, ID: "o" + strconv.Itoa(i), AgeSec: int(v.Age / time.Second), LeftSec: max(int(v.Left/time.Second), 0)}
		if v.Required != "" {
			if person, ok := Lookup(v.Required); ok {
				po.Candidate = []Person{person}
			} else {
				po.Candidate = []Person{{PersonalNumber: v.Required, GivenName: "Test", Surname: "Testperson"}}
			}
		} else {
			po.Candidate, po.Other = People, true
		}
		data.Orders = append(data.Orders, po)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Frame-Options", "DENY")
	if err := page.Execute(w, data); err != nil {
		// Headers are out; nothing better to do than stop.
		return
	}
}

// back redirects to the page with notice m (303, so the browser GETs it).
func back(w http.ResponseWriter, r *http.Request, m string) {
	http.Redirect(w, r, Path+"?m="+url.QueryEscape(m), http.StatusSeeOther)
}

func noticeFor(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrWrongPerson):
		return "wrong"
	case errors.Is(err, ErrInvalidNumber):
		return "invalid"
	default:
		return "gone"
	}
}

func (p *Provider) serveComplete(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	pn := strings.TrimSpace(r.PostForm.Get("other"))
	if pn == "" {
		pn = r.PostForm.Get("pn")
	}
	if err := p.Complete(r.PostForm.Get("ref"), pn); err != nil {
		back(w, r, noticeFor(err))
		return
	}
	back(w, r, "complete")
}

func (p *Provider) serveCancel(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if err := p.UserCancel(r.PostForm.Get("ref")); err != nil {
		back(w, r, noticeFor(err))
		return
	}
	back(w, r, "cancelled")
}

// formatPN writes 12 digits as YYYYMMDD-NNNN.
func formatPN(pn string) string {
	if len(pn) != 12 {
		return pn
	}
	return pn[:8] + "-" + pn[8:]
}

var page = template.Must(template.New("device").Funcs(template.FuncMap{"pn": formatPN}).Parse(`<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>TEST-legitimation – inte riktig e-legitimation</title>
<link rel="stylesheet" href="` + Path + `device.css">
<script type="module" src="` + Path + `device.js"></script>
</head>
<body>
<header class="test-banner">
  <p><strong>TEST – inte riktig e-legitimation</strong> <span lang="en">/ TEST – not a real e-ID</span></p>
</header>
<main id="main">
  <h1>Testlegitimation: agera som mobilen <span lang="en" class="en">(act as the phone)</span></h1>
  <p class="lead">Här godkänner eller avbryter du inloggningar och signeringar som du har startat med testleverantören. Inget här är en riktig e-legitimation, och underskrifterna är märkta TEST.
    <span lang="en" class="en">Approve or cancel the logins and signings you started with the test provider. Nothing here is a real e-ID, and the signatures are marked TEST.</span></p>
  <div id="status" role="status" aria-live="polite">{{if .Notice}}<p class="notice{{if .Bad}} bad{{end}}">{{.Notice}} <span lang="en" class="en">{{.NoticeE}}</span></p>{{end}}</div>
  <p><a href="` + Path + `" id="refresh">Uppdatera listan <span lang="en" class="en">(refresh the list)</span></a></p>
  {{if not .Orders}}
  <p class="empty" id="empty">Inga väntande beställningar. Starta en inloggning eller signering i en annan flik; den visas här.
    <span lang="en" class="en">No pending orders. Start a login or signing in another tab; it shows up here.</span></p>
  {{end}}
  {{range .Orders}}
  <section class="order{{if .Selected}} selected{{end}}" aria-labelledby="{{.ID}}-h">
    <h2 id="{{.ID}}-h">{{if .Sign}}Signering <span lang="en" class="en">(signing)</span>{{else}}Inloggning <span lang="en" class="en">(login)</span>{{end}}{{if .Selected}} – den här enheten <span lang="en" class="en">(this device)</span>{{end}}</h2>
    <p class="meta">Startad för {{.AgeSec}} s sedan, går ut om {{.LeftSec}} s. <span lang="en" class="en">Started {{.AgeSec}} s ago, expires in {{.LeftSec}} s.</span></p>
    {{if .Sign}}
    <h3 id="{{.ID}}-t">Text att signera <span lang="en" class="en">(text to sign)</span></h3>
    <pre class="text" aria-labelledby="{{.ID}}-t" tabindex="0">{{.Text}}</pre>
    {{end}}
    <form method="post" action="` + Path + `complete" class="complete">
      <input type="hidden" name="ref" value="{{.Ref}}">
      <fieldset>
        <legend>{{if .Sign}}Signera som <span lang="en" class="en">(sign as)</span>{{else}}Legitimera dig som <span lang="en" class="en">(identify as)</span>{{end}}</legend>
        {{$id := .ID}}
        {{range $i, $p := .Candidate}}
        <div class="choice">
          <input type="radio" name="pn" id="{{$id}}-p{{$i}}" value="{{$p.PersonalNumber}}"{{if eq $i 0}} checked{{end}}>
          <label for="{{$id}}-p{{$i}}">{{$p.Name}}, {{pn $p.PersonalNumber}}{{if $p.Note}} – {{$p.Note}}{{end}}</label>
        </div>
        {{end}}
        {{if .Other}}
        <div class="other">
          <label for="{{$id}}-other">Eller ett annat testpersonnummer (12 siffror) <span lang="en" class="en">(or another test personal identity number, 12 digits)</span></label>
          <input type="text" name="other" id="{{$id}}-other" inputmode="numeric" autocomplete="off" spellcheck="false" maxlength="13" aria-describedby="{{$id}}-other-hint">
          <p id="{{$id}}-other-hint" class="hint">Använd bara Skatteverkets testpersonnummer. <span lang="en" class="en">Use only Skatteverket's test numbers.</span></p>
        </div>
        {{else}}
        <p class="hint">Beställningen är låst till ett personnummer. <span lang="en" class="en">The order is locked to one personal identity number.</span></p>
        {{end}}
      </fieldset>
      <button type="submit" class="btn btn-primary">{{if .Sign}}Signera (TEST){{else}}Legitimera (TEST){{end}} <span lang="en" class="en">– approve</span></button>
    </form>
    <form method="post" action="` + Path + `cancel" class="cancel">
      <input type="hidden" name="ref" value="{{.Ref}}">
      <button type="submit" class="btn">Avbryt <span lang="en" class="en">(cancel)</span></button>
    </form>
  </section>
  {{end}}
</main>
</body>
</html>
`))
