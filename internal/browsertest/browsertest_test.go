package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsViolations: the accessibility check is not a formality; on a
// page with known faults it names them.
func TestAxeFindsViolations(t *testing.T) {
	b := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>Faulty</title></head><body>
<main><button></button><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p style="color:#bbb;background:#fff">Low contrast</p>
<input type="text"></main></body></html>`)
	}))
	defer srv.Close()
	tab := b.Tab(t)
	tab.Do("open", chromedp.Navigate(srv.URL))
	res, ok := tab.RunAxe()
	if !ok {
		t.Skip("SKIPPING: axe-core is not installed (make test installs it)")
	}
	var ids []string
	for _, v := range res.Violations {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"button-name", "image-alt", "color-contrast", "label", "html-has-lang"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe did not report %s; it reported %v", want, ids)
		}
	}
}
