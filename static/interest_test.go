package static

import (
	"regexp"
	"strings"
	"testing"
)

// The interest registrations' pages (/familjehem/, /foraldrastod/ and the staff views)
// join the route table the tests above check: every route served, with its headers.
func init() {
	type page = struct {
		path, file, contentType string
		html, crossSite         bool
	}
	const h, j, c = "text/html; charset=utf-8", "text/javascript; charset=utf-8", "text/css; charset=utf-8"
	pages = append(pages,
		page{"/familjehem/", "interest/familjehem.html", h, true, false},
		page{"/familjehem/personal/", "interest/staff.html", h, true, false},
		page{"/foraldrastod/", "interest/foraldrastod.html", h, true, false},
		page{"/foraldrastod/samordnare/", "interest/staff.html", h, true, false},
		page{"/interest/familjehem.js", "interest/familjehem.js", j, false, false},
		page{"/interest/foraldrastod.js", "interest/foraldrastod.js", j, false, false},
		page{"/interest/staff.js", "interest/staff.js", j, false, false},
		page{"/interest/common.js", "interest/common.js", j, false, false},
		page{"/interest/schema.js", "interest/schema.js", j, false, false},
		page{"/interest/interest.css", "interest/interest.css", c, false, false},
	)
}

var interestPages = []struct {
	page, script string
	citizen      bool
	ids          []string // what the browser tests drive
}{
	{"interest/familjehem.html", "/interest/familjehem.js", true, []string{
		"login-start", "eid-login", "draft-save", "draft-delete", "draft-status", "interest-form",
		"assignments-familjehem", "municipalities", "municipalities-list", "contact-given-name", "contact-email",
		"household-adults", "household-housing-villa", "questions-age-groups-0-6", "health-physical-good",
		"health-treatment-no", "health-comment", "step-health-next", "review", "consent-text", "consent", "submit",
		"error-summary", "receipt-records", "receipt-answers", "receipt-print", "receipt-mine",
	}},
	{"interest/foraldrastod.html", "/interest/foraldrastod.js", true, []string{
		"login-start", "programme-abc", "programme-komet", "district", "contact-given-name", "contact-email",
		"gender-woman", "children", "partner-name", "partner-email", "partner-gender", "other-district", "language",
		"other-info", "consent-text", "consent", "submit", "error-summary", "receipt-records", "receipt-print",
	}},
	{"interest/staff.html", "/interest/staff.js", false, []string{
		"unit-select", "unit-show", "key-file", "records-table", "record-view", "status-select", "status-save",
		"record-delete", "delete-dialog", "delete-confirm", "delete-cancel", "corrections-list",
	}},
}

// Each interest page loads its module and style sheets from here and has, once, every
// element its scripts look up; the scripts store nothing, build no HTML from strings,
// set no inline style and refer to no other host; every field error is named by its
// field; every data-path (how the server's field errors find their fields) is unique.
func TestInterest_PagesHaveTheirControls(t *testing.T) {
	for _, f := range []string{"interest/common.js", "interest/schema.js", "interest/familjehem.js", "interest/foraldrastod.js", "interest/staff.js"} {
		checkScript(t, f, "sessionStorage", "indexedDB", "caches.", "console.log")
	}
	for _, p := range interestPages {
		b, err := files.ReadFile(p.page)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		if !strings.Contains(page, `<script type="module" src="`+p.script+`"></script>`) {
			t.Errorf("%s does not load %s as a module", p.page, p.script)
		}
		ids := scriptIDs(t, fileOf(t, p.script))
		css := []string{"/staff.css", "/intake/intake.css", "/interest/interest.css"}
		if p.citizen {
			css = []string{"/site.css", "/eid/eid.css", "/boka/booking.css", "/interest/interest.css"}
			for _, lib := range []string{"interest/common.js", "booking/common.js"} {
				for id := range scriptIDs(t, lib) {
					ids[id] = true
				}
			}
		} else {
			for id := range scriptIDs(t, "staff.js") {
				ids[id] = true
			}
			// One page for both kinds: the path says which.
			if !strings.Contains(func() string { b, _ := files.ReadFile("interest/staff.js"); return string(b) }(), "location.pathname.startsWith('/foraldrastod/')") {
				t.Errorf("%s: staff.js does not take its kind from the path", p.page)
			}
		}
		last := -1
		for _, href := range css {
			i := strings.Index(page, `<link rel="stylesheet" href="`+href+`">`)
			if i < last {
				t.Errorf("%s does not link %s (after the sheets before it)", p.page, href)
			}
			last = i
		}
		for _, id := range p.ids {
			ids[id] = true
		}
		for id := range ids {
			if n := strings.Count(page, `id="`+id+`"`); n != 1 {
				t.Errorf("%s has %d elements with id %q, want 1", p.page, n, id)
			}
		}
		for _, m := range regexp.MustCompile(`id="([a-z0-9-]+)-error" class="field-error"`).FindAllStringSubmatch(page, -1) {
			if !regexp.MustCompile(`aria-describedby="[^"]*\b` + regexp.QuoteMeta(m[1]) + `-error\b`).MatchString(page) {
				t.Errorf("%s: #%s-error is not named by any aria-describedby", p.page, m[1])
			}
		}
		seen := map[string]bool{}
		for _, m := range regexp.MustCompile(`data-path="([^"]+)"`).FindAllStringSubmatch(page, -1) {
			if seen[m[1]] {
				t.Errorf("%s: data-path %q twice", p.page, m[1])
			}
			seen[m[1]] = true
		}
	}
	for js, wants := range map[string][]string{
		"interest/familjehem.js":   {"from '/eid/eid.js'", "from '/interest/common.js'", "'/draft'", "already_registered", "window.print()"},
		"interest/foraldrastod.js": {"from '/eid/eid.js'", "from '/interest/common.js'", "already_registered", "window.print()"},
		"interest/common.js":       {"from '/boka/common.js'", "from '/interest/schema.js'"},
		"interest/staff.js": {"} from '/staff.js';", "from '/intake/hpke.js'", "from '/intake/keyfile.js'", "from '/interest/schema.js'",
			"'parentline case v1 '", "/correction/", "showModal()"},
	} {
		b, _ := files.ReadFile(js)
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %s", js, w)
			}
		}
	}
}
