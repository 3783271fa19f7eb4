package audit

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Handler serves GET /api/audit?from=YYYY-MM-DD&to=YYYY-MM-DD&action=A: the
// entries, newest first, and whether the whole chain verifies. The caller
// wraps it in the admin role check.
func Handler(db *bolt.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q Query
		for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
			if v := r.URL.Query().Get(name); v != "" {
				t, err := time.Parse(time.DateOnly, v)
				if err != nil {
					http.Error(w, name+" must be a date YYYY-MM-DD", http.StatusBadRequest)
					return
				}
				*dst = t
			}
		}
		if q.Action = r.URL.Query().Get("action"); q.Action != "" && !slices.Contains(auditActions, q.Action) {
			http.Error(w, "unknown action", http.StatusBadRequest)
			return
		}
		entries, err := List(db, q)
		if err != nil {
			http.Error(w, "the audit trail could not be read", http.StatusInternalServerError)
			return
		}
		_, verr := Verify(db)
		type row struct {
			Seq       uint64 `json:"seq"`
			At        string `json:"at"`
			Actor     string `json:"actor"`
			Action    string `json:"action"`
			Reference string `json:"reference"`
		}
		rows := make([]row, len(entries))
		for i, e := range entries {
			rows[i] = row{e.Seq, e.At, e.Actor, e.Action, e.Reference}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]any{"entries": rows, "verified": verr == nil})
	})
}
