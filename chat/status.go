package chat

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"parentline/internal/web"
)

// HandleStatus is GET /api/status: open or closed, staffed or not, opening
// hours and other ways to get help. The widget on the municipality's site
// reads it cross-origin, so allowed origins get a CORS header (no cookies).
func (h *Hub) HandleStatus(w http.ResponseWriter, r *http.Request) {
	statusHandler(w, r, h.opts.OriginPatterns, h.Status())
}

// statusHandler answers a status request, with the CORS header for an
// allowed origin.
func statusHandler(w http.ResponseWriter, r *http.Request, patterns []string, st Status) {
	if origin := r.Header.Get("Origin"); origin != "" && originAllowed(patterns, origin, r.Host) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	web.JSON(w, http.StatusOK, st)
}

// originAllowed applies the same rule as the WebSocket handshake: the
// origin's host equals the request's host, or matches one of the patterns.
func originAllowed(patterns []string, origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	for _, pattern := range patterns {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}
