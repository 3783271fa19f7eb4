package staff

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// storedSession reads the raw record for token.
func storedSession(t *testing.T, s *Store, token string) (sessionRecord, bool) {
	t.Helper()
	sum := sha256.Sum256([]byte(token))
	var rec sessionRecord
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(sessionsBucket).Get(sum[:])
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec, found
}

func TestSessionToken(t *testing.T) {
	s := newTestStore(t, Options{})
	putUser(t, s, "anna", "Anna", RoleCounselor)

	token, sess, err := s.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 || strings.ContainsAny(token, "+/=") {
		t.Fatalf("token %q is not 32 bytes of unpadded base64url", token)
	}
	if sess.Username != "anna" || sess.Name != "Anna" || !sess.Has(RoleCounselor) {
		t.Fatalf("session %+v", sess)
	}
	// The token itself is nowhere in the database; its hash is the key.
	if _, ok := storedSession(t, s, token); !ok {
		t.Fatal("session not stored under SHA-256(token)")
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(sessionsBucket).ForEach(func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), token) || strings.Contains(string(k)+string(v), string(raw)) {
				t.Error("token stored in the clear")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	token2, _, err := s.NewSession("anna")
	if err != nil || token2 == token {
		t.Fatalf("second session: %q, %v", token2, err)
	}
	if _, _, err := s.NewSession("nobody"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("session for unknown user: %v", err)
	}
	for _, bad := range []string{"", "x", token + "A", strings.Repeat("A", 43), "!" + token[1:]} {
		if _, err := s.Session(bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("Session(%q) = %v", bad, err)
		}
	}
	if err := s.EndSession(token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ended session still valid: %v", err)
	}
	if _, err := s.Session(token2); err != nil {
		t.Fatalf("other session was ended too: %v", err)
	}
	if err := s.EndSession("garbage"); err != nil {
		t.Fatalf("EndSession(garbage) = %v", err)
	}
}

func TestSessionIdleExpiryAndRefresh(t *testing.T) {
	clock := newFakeClock()
	s := newTestStore(t, Options{Now: clock.Now, SessionIdle: 10 * time.Minute, SessionMax: time.Hour})
	putUser(t, s, "anna", "Anna", RoleCounselor)
	start := clock.Now()

	token, sess, err := s.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Expires.Equal(start.Add(10 * time.Minute)) {
		t.Fatalf("Expires = %v", sess.Expires)
	}

	// Within a minute of the last write, a lookup does not write.
	clock.Advance(30 * time.Second)
	sess, err = s.Session(token)
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ := storedSession(t, s, token); !rec.LastSeen.Equal(start) {
		t.Fatalf("last-seen written after 30s: %v", rec.LastSeen)
	}
	if !sess.Expires.Equal(start.Add(10 * time.Minute)) {
		t.Fatalf("Expires = %v", sess.Expires)
	}

	// After a minute it is refreshed.
	clock.Advance(40 * time.Second)
	sess, err = s.Session(token)
	if err != nil {
		t.Fatal(err)
	}
	seen := start.Add(70 * time.Second)
	if rec, _ := storedSession(t, s, token); !rec.LastSeen.Equal(seen) {
		t.Fatalf("last-seen = %v, want %v", rec.LastSeen, seen)
	}
	if !sess.Expires.Equal(seen.Add(10 * time.Minute)) {
		t.Fatalf("Expires = %v", sess.Expires)
	}

	// Idle just under the limit: still valid. Then idle past it: gone.
	clock.Advance(10*time.Minute - time.Second)
	if _, err := s.Session(token); err != nil {
		t.Fatalf("session expired early: %v", err)
	}
	clock.Advance(10 * time.Minute)
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle session still valid: %v", err)
	}
	if _, ok := storedSession(t, s, token); ok {
		t.Fatal("expired session not deleted on lookup")
	}
}

func TestSessionMaxExpiry(t *testing.T) {
	clock := newFakeClock()
	s := newTestStore(t, Options{Now: clock.Now, SessionIdle: 10 * time.Minute, SessionMax: 30 * time.Minute})
	putUser(t, s, "anna", "Anna", RoleCounselor)
	start := clock.Now()
	token, _, err := s.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	// Kept busy, it lives until the absolute limit and no longer.
	for i := 0; i < 5; i++ {
		clock.Advance(5 * time.Minute)
		sess, err := s.Session(token)
		if err != nil {
			t.Fatalf("after %d min: %v", (i+1)*5, err)
		}
		want := clock.Now().Add(10 * time.Minute)
		if hard := start.Add(30 * time.Minute); hard.Before(want) {
			want = hard
		}
		if !sess.Expires.Equal(want) {
			t.Fatalf("Expires = %v, want %v", sess.Expires, want)
		}
	}
	clock.Advance(5 * time.Minute) // exactly 30 minutes
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session past max still valid: %v", err)
	}
}

func TestSessionFreshUserAndDelete(t *testing.T) {
	s := newTestStore(t, Options{})
	putUser(t, s, "anna", "Anna", RoleCounselor)
	token, _, err := s.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	// A changed name and roles show at the next lookup.
	putUser(t, s, "anna", "Anna S", RoleSupervisor)
	sess, err := s.Session(token)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Name != "Anna S" || sess.Has(RoleCounselor) || !sess.Has(RoleSupervisor) {
		t.Fatalf("stale session data: %+v", sess)
	}
	if err := s.DeleteUser("anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("deleted user's session valid: %v", err)
	}
	if _, ok := storedSession(t, s, token); ok {
		t.Fatal("deleted user's session still stored")
	}

	// Even a session left behind (e.g. by an older version) is refused.
	putUser(t, s, "bertil", "Bertil", RoleAdmin)
	token, _, err = s.NewSession("bertil")
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(usersBucket).Delete([]byte("bertil")) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("orphaned session valid: %v", err)
	}
}

func TestSweep(t *testing.T) {
	clock := newFakeClock()
	s := newTestStore(t, Options{Now: clock.Now, SessionIdle: 10 * time.Minute, SessionMax: time.Hour})
	putUser(t, s, "anna", "Anna", RoleCounselor)
	putUser(t, s, "bertil", "Bertil", RoleCounselor)

	old1, _, _ := s.NewSession("anna")
	old2, _, _ := s.NewSession("bertil")
	clock.Advance(8 * time.Minute)
	fresh, _, _ := s.NewSession("anna")
	orphan, _, _ := s.NewSession("bertil")
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(usersBucket).Delete([]byte("bertil")) })
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Minute) // the first two are now idle-expired

	n, err := s.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("Sweep removed %d, want 3", n)
	}
	for _, tok := range []string{old1, old2, orphan} {
		if _, ok := storedSession(t, s, tok); ok {
			t.Error("expired or orphaned session survived Sweep")
		}
	}
	if _, err := s.Session(fresh); err != nil {
		t.Fatalf("live session swept: %v", err)
	}
	if n, _ := s.Sweep(); n != 0 {
		t.Fatalf("second Sweep removed %d", n)
	}
}
