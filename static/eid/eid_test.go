package eidstatic

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"parentline/static"
)

func TestHandler_ServesEveryFile(t *testing.T) {
	mux := http.NewServeMux()
	Register(mux)
	testPage := false
	mux.HandleFunc("/eid/test/", func(w http.ResponseWriter, r *http.Request) { testPage = true })
	for p, file := range routes {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		want, _ := files.ReadFile(file)
		if res.StatusCode != 200 || string(body) != string(want) {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
		html := strings.HasSuffix(file, ".html")
		if got := res.Header.Get("Content-Security-Policy"); (got == static.CSP) != html {
			t.Errorf("%s: CSP %q", p, got)
		}
		if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", p, res.Header)
		}
		rec = httptest.NewRecorder()
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("If-None-Match", res.Header.Get("ETag"))
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s revalidation: %d", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/eid/test/", nil))
	if !testPage {
		t.Fatal("Register took /eid/test/")
	}
}

// The pages allow no inline script or style (static.CSP).
func TestFiles_FitTheCSP(t *testing.T) {
	page, _ := files.ReadFile("index.html")
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>|\sstyle=|<style|\son[a-z]+=`).Match(page) {
		t.Fatal("index.html has inline script or style")
	}
	for _, f := range []string{"eid.js", "session.js", "demo.js"} {
		src, _ := files.ReadFile(f)
		for _, bad := range []string{"eval(", "innerHTML", "http://", "https://", ".style."} {
			if strings.Contains(string(src), bad) {
				t.Errorf("%s contains %q (no external fetches, no HTML strings, no inline style)", f, bad)
			}
		}
	}
}
