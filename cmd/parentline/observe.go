package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// statusWriter records the status code. Unwrap lets http.ResponseController
// and the WebSocket upgrade reach the underlying writer's Hijacker.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// commonHeaders are set on every response (a chat node drops the store
// node's copies from the responses it passes on).
var commonHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
}

// observe logs and measures every request by its route pattern only: never
// the client's address, user agent, forwarding headers, query or path values.
// It also turns a panic into a 500 and sets headers every response shares.
func (s *Server) observe(next http.Handler) http.Handler {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "parentline_http_request_duration_seconds",
		Help:    "HTTP request handling time by route pattern (WebSocket routes: the whole connection).",
		Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 5, 30, 300, 3600},
	}, []string{"route", "method", "code"})
	s.reg.MustRegister(duration)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		for _, kv := range commonHeaders {
			h.Set(kv[0], kv[1])
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error().Str("route", r.Pattern).Interface("panic", v).Msg("handler panicked")
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			elapsed := time.Since(start)
			duration.WithLabelValues(route, r.Method, strconv.Itoa(code)).Observe(elapsed.Seconds())
			if route == "GET /metrics" || route == "GET /healthz" || route == "GET /readyz" {
				return
			}
			ev := s.log.Debug()
			if code >= 500 {
				ev = s.log.Warn()
			}
			ev.Str("route", route).Int("status", code).Dur("duration", elapsed).Msg("request")
		}()
		next.ServeHTTP(sw, r)
	})
}
