// Package web holds the few HTTP helpers every handler package shares: JSON
// responses and errors, bounded JSON request decoding, and the request's language.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// JSON writes v as a JSON response with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error writes {"error": message} with the given status.
func Error(w http.ResponseWriter, status int, message string) {
	JSON(w, status, map[string]string{"error": message})
}

// DecodeJSON reads at most max bytes of the request body into v, refusing
// unknown trailing data. The error is fit to show to the client.
func DecodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body larger than %d bytes", max)
		}
		return errors.New("request body is not valid JSON for this endpoint")
	}
	if dec.More() {
		return errors.New("request body has data after the JSON object")
	}
	return nil
}

// Languages the product speaks; the first is the default.
var Languages = []string{"sv", "en"}

// Lang picks the response language: ?lang= first, then Accept-Language,
// then Swedish.
func Lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		for _, known := range Languages {
			if l == known {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		for _, known := range Languages {
			if tag == known || strings.HasPrefix(tag, known+"-") {
				return known
			}
		}
	}
	return Languages[0]
}
