// Package static holds the web pages and scripts, embedded in the binary: the demo
// host page with the parent chat widget, the widget itself (loaded by other sites),
// the neutral page the quick exit leads to, the base style sheet and module the staff
// pages share (staff.css, staff.js; the widget uses neither), the counsellor console, the
// statistics report page, the intake view (where social services decrypt cases in
// the browser), the administration page (/admin/: accounts, topics, canned answers
// and the audit trail), the page where a parent withdraws their consent, the citizen e-ID
// scripts (/eid/eid.js: log in and sign; /eid/session.js: the session bar; /eid/eid.css;
// and the small "Mina sidor" demo page /eid/ that uses them), and the family-counselling
// booking e-service: the booking flow (/boka/), the co-applicant's page
// (/boka/medsokande), the citizen's bookings (/mina-sidor/) and the staff page
// (/bokning/).
//
// One handler serves them all. The e-ID test provider's device page (/eid/test/) is
// not one of these files: the server mounts it on a more specific route.
//
// The files are plain HTML, CSS and JavaScript with no build step. They are served
// as they are, each with a strong ETag (the SHA-256 of its content, computed once),
// Cache-Control: no-cache so browsers revalidate, and on HTML pages a strict
// Content-Security-Policy that allows no inline script or style.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed index.html site.css widget.js widget.css neutral.html neutral.css
//go:embed staff.css staff.js
//go:embed console/index.html console/console.js console/console.css
//go:embed stats/index.html stats/report.js stats/charts.js stats/report.css
//go:embed intake/index.html intake/intake.js intake/hpke.js intake/keyfile.js intake/intake.css
//go:embed consent/index.html consent/consent.js consent/consent.css
//go:embed eid/index.html eid/eid.js eid/session.js eid/eid.css eid/demo.js eid/demo.css
//go:embed booking/index.html booking/boka.js booking/booking.css booking/common.js
//go:embed booking/medsokande.html booking/medsokande.js booking/mina-sidor.html booking/mina-sidor.js
//go:embed booking/mina-sidor.css
//go:embed booking/staff.html booking/staff-booking.js booking/staff-booking.css
//go:embed interest/familjehem.html interest/familjehem.js interest/foraldrastod.html interest/foraldrastod.js
//go:embed interest/staff.html interest/staff.js
//go:embed interest/common.js interest/schema.js interest/interest.css
//go:embed admin/index.html admin/admin.js admin/admin.css
var files embed.FS

// FS is the embedded files, for callers that want to read them directly.
var FS fs.FS = files

// CSP is the Content-Security-Policy of every HTML page we serve.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// routes maps each URL path to its embedded file. crossSite marks the files that
// municipalities' own pages load from us (the widget), which must be readable cross-origin.
var routes = []struct {
	path, file string
	crossSite  bool
}{
	{"/", "index.html", false},
	{"/site.css", "site.css", false},
	{"/widget.js", "widget.js", true},
	{"/widget.css", "widget.css", true},
	{"/neutral", "neutral.html", false},
	{"/neutral.css", "neutral.css", false},
	{"/staff.css", "staff.css", false},
	{"/staff.js", "staff.js", false},
	{"/console/", "console/index.html", false},
	{"/console/console.js", "console/console.js", false},
	{"/console/console.css", "console/console.css", false},
	{"/stats/", "stats/index.html", false},
	{"/stats/report.js", "stats/report.js", false},
	{"/stats/charts.js", "stats/charts.js", false},
	{"/stats/report.css", "stats/report.css", false},
	{"/intake/", "intake/index.html", false},
	{"/intake/intake.js", "intake/intake.js", false},
	{"/intake/hpke.js", "intake/hpke.js", false},
	{"/intake/keyfile.js", "intake/keyfile.js", false},
	{"/intake/intake.css", "intake/intake.css", false},
	{"/consent/", "consent/index.html", false},
	{"/consent/consent.js", "consent/consent.js", false},
	{"/consent/consent.css", "consent/consent.css", false},
	{"/eid/", "eid/index.html", false},
	{"/eid/eid.js", "eid/eid.js", false},
	{"/eid/session.js", "eid/session.js", false},
	{"/eid/eid.css", "eid/eid.css", false},
	{"/eid/demo.js", "eid/demo.js", false},
	{"/eid/demo.css", "eid/demo.css", false},
	{"/boka/", "booking/index.html", false},
	{"/boka/boka.js", "booking/boka.js", false},
	{"/boka/common.js", "booking/common.js", false},
	{"/boka/booking.css", "booking/booking.css", false},
	{"/boka/medsokande", "booking/medsokande.html", false},
	{"/boka/medsokande.js", "booking/medsokande.js", false},
	{"/mina-sidor/", "booking/mina-sidor.html", false},
	{"/mina-sidor/mina-sidor.js", "booking/mina-sidor.js", false},
	{"/mina-sidor/mina-sidor.css", "booking/mina-sidor.css", false},
	{"/bokning/", "booking/staff.html", false},
	{"/bokning/staff-booking.js", "booking/staff-booking.js", false},
	{"/bokning/staff-booking.css", "booking/staff-booking.css", false},
	{"/familjehem/", "interest/familjehem.html", false},
	{"/familjehem/personal/", "interest/staff.html", false},
	{"/foraldrastod/", "interest/foraldrastod.html", false},
	{"/foraldrastod/samordnare/", "interest/staff.html", false},
	{"/interest/familjehem.js", "interest/familjehem.js", false},
	{"/interest/foraldrastod.js", "interest/foraldrastod.js", false},
	{"/interest/staff.js", "interest/staff.js", false},
	{"/interest/common.js", "interest/common.js", false},
	{"/interest/schema.js", "interest/schema.js", false},
	{"/interest/interest.css", "interest/interest.css", false},
	{"/admin/", "admin/index.html", false},
	{"/admin/admin.js", "admin/admin.js", false},
	{"/admin/admin.css", "admin/admin.css", false},
}

// redirects sends a page's address without its trailing slash to the page, keeping
// the query (a bookmarked report view).
var redirects = map[string]string{
	"/console":    "/console/",
	"/stats":      "/stats/",
	"/intake":     "/intake/",
	"/consent":    "/consent/",
	"/eid":        "/eid/",
	"/boka":       "/boka/",
	"/mina-sidor": "/mina-sidor/",
	"/bokning":    "/bokning/",
	"/admin":      "/admin/",

	// The interest registrations: the citizen forms and the staff views.
	"/familjehem":              "/familjehem/",
	"/familjehem/personal":     "/familjehem/personal/",
	"/foraldrastod":            "/foraldrastod/",
	"/foraldrastod/samordnare": "/foraldrastod/samordnare/",
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// asset is one file ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string // quoted, strong
	html        bool
	crossSite   bool
}

// assets reads and hashes every file once, on first use.
var assets = sync.OnceValue(func() map[string]*asset {
	m := make(map[string]*asset, len(routes))
	for _, r := range routes {
		body, err := files.ReadFile(r.file)
		if err != nil {
			panic("static: embedded file missing: " + r.file) // a build mistake, not a runtime condition
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(r.file)
		m[r.path] = &asset{
			body:        body,
			contentType: contentTypes[ext],
			etag:        `"` + hex.EncodeToString(sum[:]) + `"`,
			html:        ext == ".html",
			crossSite:   r.crossSite,
		}
	}
	return m
})

// Handler serves the embedded pages at their paths ("/", "/widget.js", "/widget.css",
// "/neutral", "/staff.css", "/staff.js", "/console/", "/stats/", "/intake/", "/admin/", "/consent/",
// "/eid/", "/boka/", "/boka/medsokande", "/mina-sidor/", "/bokning/" and their style
// sheets and scripts). Unknown paths are 404 (so "/eid/test/" stays free for the e-ID
// test provider, mounted on its own route);
// methods other than GET and HEAD are 405.
func Handler() http.Handler {
	table := assets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		a, ok := table[r.URL.Path]
		if !ok {
			if to, ok := redirects[r.URL.Path]; ok {
				if r.URL.RawQuery != "" {
					to += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, to, http.StatusMovedPermanently)
				return
			}
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Referrer-Policy", "no-referrer")
		if a.html {
			h.Set("Content-Security-Policy", CSP)
			h.Set("X-Frame-Options", "DENY")
		}
		if a.crossSite {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		} else {
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
		}
		if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(a.body)
		}
	})
}

// etagMatches reports whether an If-None-Match header matches etag, using the weak
// comparison RFC 9110 prescribes for If-None-Match (a W/ prefix is ignored).
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == etag {
			return true
		}
	}
	return false
}
