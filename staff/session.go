package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Session is a logged-in staff member. Name and Roles are read fresh from
// the user record each time the session is looked up.
type Session struct {
	Username string
	Name     string
	Roles    []Role
	Created  time.Time
	Expires  time.Time // the earlier of the idle and the absolute expiry
}

// Has reports whether the session's user holds any of roles.
func (s Session) Has(roles ...Role) bool { return hasAny(s.Roles, roles...) }

const (
	tokenBytes = 32
	// touchEvery limits how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// sessionRecord is a session as stored in bbolt, keyed by SHA-256(token).
type sessionRecord struct {
	Username string    `json:"username"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// expires is when the session stops being valid unless used again.
func (r sessionRecord) expires(o Options) time.Time {
	idle := r.LastSeen.Add(o.SessionIdle)
	if hard := r.Created.Add(o.SessionMax); hard.Before(idle) {
		return hard
	}
	return idle
}

// tokenKey maps a token to its storage key; ok is false for a string that
// cannot be a token.
func tokenKey(token string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != tokenBytes {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], true
}

// newToken makes a session token: 32 random bytes, base64url.
func newToken() (string, error) {
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("reading random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// NewSession starts a session in the bbolt file for an existing user who is
// not disabled. The token is returned to the caller only; the store keeps
// its SHA-256.
func (s *Store) NewSession(username string) (string, Session, error) {
	token, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	key, _ := tokenKey(token)
	now := s.opts.Now().UTC()
	rec := sessionRecord{Username: username, Created: now, LastSeen: now}
	buf, err := json.Marshal(rec)
	if err != nil {
		return "", Session{}, err
	}
	var sess Session
	err = s.db.Update(func(tx *bolt.Tx) error {
		u, ok, err := getUser(tx, username)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoUser
		}
		if u.Disabled {
			return ErrDisabled
		}
		sess = Session{Username: username, Name: u.Name, Roles: u.Roles, Created: now, Expires: rec.expires(s.opts)}
		return tx.Bucket(sessionsBucket).Put(key, buf)
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// Session looks up a token in the bbolt file. It returns ErrNoSession if the
// token is unknown, unused for longer than SessionIdle, older than
// SessionMax, or its user is gone or disabled. A valid session's last-seen
// time is written at most once a minute.
func (s *Store) Session(token string) (Session, error) {
	key, ok := tokenKey(token)
	if !ok {
		return Session{}, ErrNoSession
	}
	now := s.opts.Now()
	var (
		sess  Session
		rec   sessionRecord
		stale bool // expired or orphaned: delete it
		touch bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(sessionsBucket).Get(key)
		if v == nil {
			return ErrNoSession
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("reading session: %w", err)
		}
		if !now.Before(rec.expires(s.opts)) {
			stale = true
			return ErrNoSession
		}
		u, ok, err := getUser(tx, rec.Username)
		if err != nil {
			return err
		}
		if !ok || u.Disabled {
			stale = true
			return ErrNoSession
		}
		sess = Session{Username: rec.Username, Name: u.Name, Roles: u.Roles, Created: rec.Created}
		touch = now.Sub(rec.LastSeen) >= touchEvery
		return nil
	})
	if stale {
		_ = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(sessionsBucket).Delete(key) })
	}
	if err != nil {
		return Session{}, err
	}
	if touch {
		rec.LastSeen = now.UTC()
		buf, err := json.Marshal(rec)
		if err != nil {
			return Session{}, err
		}
		err = s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(sessionsBucket)
			if b.Get(key) == nil {
				return ErrNoSession // ended meanwhile; do not bring it back
			}
			return b.Put(key, buf)
		})
		if err != nil {
			return Session{}, err
		}
	}
	sess.Expires = rec.expires(s.opts)
	return sess, nil
}

// EndSession deletes a session. Ending an unknown session is not an error.
func (s *Store) EndSession(token string) error {
	key, ok := tokenKey(token)
	if !ok {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(sessionsBucket).Delete(key) })
}

// Sweep deletes expired sessions and sessions whose user is gone from the
// bbolt file.
func (s *Store) Sweep() (int, error) {
	now := s.opts.Now()
	removed := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		users := tx.Bucket(usersBucket)
		n, err := deleteSessions(tx, func(r sessionRecord) bool {
			return !now.Before(r.expires(s.opts)) || users.Get([]byte(r.Username)) == nil
		})
		removed = n
		return err
	})
	return removed, err
}

// deleteSessions deletes every session for which match is true. Unreadable
// records are deleted too: they can never be used.
func deleteSessions(tx *bolt.Tx, match func(sessionRecord) bool) (int, error) {
	b := tx.Bucket(sessionsBucket)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var rec sessionRecord
		if json.Unmarshal(v, &rec) != nil || match(rec) {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}
