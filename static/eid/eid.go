// Package eidstatic serves the citizen e-ID scripts, their style sheet and a
// small "Mina sidor" page that uses them, embedded in the binary:
//
//	/eid/            the demo page: log in with e-ID, then the session bar
//	/eid/eid.js      login(container, {lang}) and sign(container, orderId, {lang})
//	/eid/session.js  sessionBar(container, {lang}): logout button, inactivity warning
//	/eid/eid.css     their styles
//
// It lives beside package static (which serves the rest of static/) so that
// the e-ID files need no change there; the headers are the same: a strong
// ETag, Cache-Control: no-cache, and on the HTML page static.CSP.
package eidstatic

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"parentline/static"
)

//go:embed index.html eid.js session.js eid.css demo.js demo.css
var files embed.FS

// routes maps each URL path to its embedded file.
var routes = map[string]string{
	"/eid/":           "index.html",
	"/eid/eid.js":     "eid.js",
	"/eid/session.js": "session.js",
	"/eid/eid.css":    "eid.css",
	"/eid/demo.js":    "demo.js",
	"/eid/demo.css":   "demo.css",
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

type asset struct {
	body        []byte
	contentType string
	etag        string
	html        bool
}

var assets = sync.OnceValue(func() map[string]*asset {
	m := make(map[string]*asset, len(routes))
	for p, file := range routes {
		body, err := files.ReadFile(file)
		if err != nil {
			panic("eidstatic: embedded file missing: " + file) // a build mistake
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(file)
		m[p] = &asset{body: body, contentType: contentTypes[ext], etag: `"` + hex.EncodeToString(sum[:]) + `"`, html: ext == ".html"}
	}
	return m
})

// Paths are the URL paths Handler serves.
func Paths() []string {
	ps := make([]string, 0, len(routes))
	for p := range routes {
		ps = append(ps, p)
	}
	return ps
}

// Register adds GET routes for Paths to mux ("/eid/" exactly, so that
// "/eid/test/" and others stay free).
func Register(mux *http.ServeMux) {
	h := Handler()
	for p := range routes {
		pattern := "GET " + p
		if strings.HasSuffix(p, "/") {
			pattern += "{$}"
		}
		mux.Handle(pattern, h)
	}
}

// Handler serves the files at Paths; anything else is 404, methods other
// than GET and HEAD 405.
func Handler() http.Handler {
	table := assets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		a, ok := table[r.URL.Path]
		if !ok {
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
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if a.html {
			h.Set("Content-Security-Policy", static.CSP)
			h.Set("X-Frame-Options", "DENY")
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			for _, c := range strings.Split(inm, ",") {
				if c = strings.TrimSpace(c); c == "*" || strings.TrimPrefix(c, "W/") == a.etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
			}
		}
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(a.body)
		}
	})
}
