package staff

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// User is a staff account.
type User struct {
	Username     string    `json:"username"`
	Name         string    `json:"name"` // display name shown to parents, never the login
	Roles        []Role    `json:"roles"`
	PasswordHash string    `json:"-"`
	Created      time.Time `json:"created"`
	Disabled     bool      `json:"disabled,omitempty"` // cannot log in; has no sessions
}

// Has reports whether the user holds any of roles.
func (u User) Has(roles ...Role) bool { return hasAny(u.Roles, roles...) }

// Options tunes a Store. Zero fields get defaults.
type Options struct {
	Now         func() time.Time // default time.Now
	SessionIdle time.Duration    // a session ends after this long unused; default 2h
	SessionMax  time.Duration    // and at the latest this long after login; default 12h
	// Sessions is where the users' sessions are kept; nil: in the store's
	// own bbolt file. The Store tells it about every change to a user.
	Sessions SessionBackend
}

// Default session lifetimes.
const (
	defaultSessionIdle = 2 * time.Hour
	defaultSessionMax  = 12 * time.Hour
)

// defaultName is the display name of a user added without one.
const defaultName = "Rådgivare"

var (
	usersBucket    = []byte("staff_users")
	sessionsBucket = []byte("staff_sessions")
)

// Errors returned by Store. Their texts are fit to show to the user.
var (
	ErrUserExists     = errors.New("a user with that username already exists")
	ErrNoUser         = errors.New("no user with that username")
	ErrBadCredentials = errors.New("wrong username or password")
	ErrNoSession      = errors.New("no valid session")
	ErrDisabled       = errors.New("the user is disabled")
)

// Store keeps staff users in bbolt, and their sessions in bbolt or in the
// SessionBackend given in Options.
type Store struct {
	db       *bolt.DB
	opts     Options
	sessions SessionBackend
}

// NewStore creates the buckets "staff_users" and "staff_sessions" if needed.
func NewStore(db *bolt.DB, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{usersBucket, sessionsBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("creating bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, opts: opts, sessions: opts.Sessions}
	if s.sessions == nil {
		s.sessions = boltSessions{s}
	}
	return s, nil
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = defaultSessionIdle
	}
	if o.SessionMax <= 0 {
		o.SessionMax = defaultSessionMax
	}
	return o
}

// userRecord is a user as stored in bbolt.
type userRecord struct {
	Name         string    `json:"name"`
	Roles        []Role    `json:"roles"`
	PasswordHash string    `json:"password_hash"`
	Created      time.Time `json:"created"`
	Disabled     bool      `json:"disabled,omitempty"`
}

func (r userRecord) user(username string) User {
	return User{Username: username, Name: r.Name, Roles: r.Roles, PasswordHash: r.PasswordHash, Created: r.Created, Disabled: r.Disabled}
}

const (
	minUsername = 2
	maxUsername = 64
	maxName     = 60
)

// checkUsername enforces 2–64 characters of [a-z0-9._-].
func checkUsername(u string) error {
	if u == "" {
		return errors.New("username is empty")
	}
	if strings.ToLower(u) != u && onlyChars(strings.ToLower(u), "abcdefghijklmnopqrstuvwxyz0123456789._-") {
		return fmt.Errorf("username %q has capital letters; use lower case only, e.g. %q", u, strings.ToLower(u))
	}
	if !onlyChars(u, "abcdefghijklmnopqrstuvwxyz0123456789._-") {
		return fmt.Errorf("username %q may only contain lower-case a-z, digits 0-9, '.', '_' and '-'", u)
	}
	if len(u) < minUsername || len(u) > maxUsername {
		return fmt.Errorf("username %q must be %d–%d characters long", u, minUsername, maxUsername)
	}
	return nil
}

// cleanName trims the display name, substitutes defaultName for an empty
// one and enforces 1–60 printable characters.
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return defaultName, nil
	}
	if !utf8.ValidString(name) {
		return "", errors.New("display name is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(name); n > maxName {
		return "", fmt.Errorf("display name is %d characters long; at most %d are allowed", n, maxName)
	}
	for _, c := range name {
		if !unicode.IsPrint(c) && c != ' ' {
			return "", errors.New("display name contains control or invisible characters")
		}
	}
	return name, nil
}

// AddUser creates a user. name may be empty (it becomes "Rådgivare").
func (s *Store) AddUser(username, name string, roles []Role, password string) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	if err := checkRoles(roles); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	// Refuse a duplicate before spending a hash on it, and again under the
	// write lock in case of a race.
	if _, err := s.User(username); err == nil {
		return ErrUserExists
	} else if !errors.Is(err, ErrNoUser) {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	rec := userRecord{Name: name, Roles: uniqueRoles(roles), PasswordHash: hash, Created: s.opts.Now().UTC()}
	buf, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(usersBucket)
		if b.Get([]byte(username)) != nil {
			return ErrUserExists
		}
		return b.Put([]byte(username), buf)
	})
}

// uniqueRoles drops repeated roles, keeping the first of each.
func uniqueRoles(roles []Role) []Role {
	var unique []Role
	for _, r := range roles {
		if !hasAny(unique, r) {
			unique = append(unique, r)
		}
	}
	return unique
}

// getUser reads a user inside a transaction; ok is false if there is none.
func getUser(tx *bolt.Tx, username string) (userRecord, bool, error) {
	var rec userRecord
	v := tx.Bucket(usersBucket).Get([]byte(username))
	if v == nil {
		return rec, false, nil
	}
	if err := json.Unmarshal(v, &rec); err != nil {
		return rec, false, fmt.Errorf("reading user %q: %w", username, err)
	}
	return rec, true, nil
}

// User returns one user, or ErrNoUser.
func (s *Store) User(username string) (User, error) {
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		rec, ok, err := getUser(tx, username)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoUser
		}
		u = rec.user(username)
		return nil
	})
	return u, err
}

// Users returns all users ordered by username.
func (s *Store) Users() ([]User, error) {
	var users []User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(usersBucket).ForEach(func(k, v []byte) error {
			var rec userRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("reading user %q: %w", k, err)
			}
			users = append(users, rec.user(string(k)))
			return nil
		})
	})
	return users, err
}

// SetPassword replaces a user's password and ends all of their sessions, so
// that a reset also locks out whoever knew the old one.
func (s *Store) SetPassword(username, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	if _, err := s.User(username); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.updateUser(username, true, func(rec *userRecord) { rec.PasswordHash = hash })
}

// SetRoles replaces a user's roles. Their sessions carry the new roles at
// once, on every node.
func (s *Store) SetRoles(username string, roles []Role) error {
	if err := checkRoles(roles); err != nil {
		return err
	}
	unique := uniqueRoles(roles)
	return s.updateUser(username, false, func(rec *userRecord) { rec.Roles = unique })
}

// SetName replaces a user's display name ("Rådgivare" if empty). Their
// sessions carry the new name at once, on every node.
func (s *Store) SetName(username, name string) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	return s.updateUser(username, false, func(rec *userRecord) { rec.Name = name })
}

// SetDisabled disables a user, who can then no longer log in and whose
// sessions end on every node, or enables them again.
func (s *Store) SetDisabled(username string, disabled bool) error {
	return s.updateUser(username, disabled, func(rec *userRecord) { rec.Disabled = disabled })
}

// updateUser applies change to a user's record, ends their sessions in the
// same transaction if end is set, and then tells the session backend.
func (s *Store) updateUser(username string, end bool, change func(*userRecord)) error {
	_, err := s.updateUserGuarded(username, end, change, nil)
	return err
}

// updateUserGuarded is updateUser with a guard that runs in the same
// transaction after the change is written; its error undoes the change.
// It returns the user as changed.
func (s *Store) updateUserGuarded(username string, end bool, change func(*userRecord), guard func(tx *bolt.Tx) error) (User, error) {
	var rec userRecord
	err := s.db.Update(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		rec, ok, err = getUser(tx, username)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoUser
		}
		change(&rec)
		buf, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := tx.Bucket(usersBucket).Put([]byte(username), buf); err != nil {
			return err
		}
		if guard != nil {
			if err := guard(tx); err != nil {
				return err
			}
		}
		if end {
			_, err = deleteSessions(tx, func(r sessionRecord) bool { return r.Username == username })
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	u := rec.user(username)
	return u, s.userChanged(UserChange{User: u, End: end})
}

// DeleteUser removes a user and ends their sessions.
func (s *Store) DeleteUser(username string) error {
	return s.deleteUserGuarded(username, nil)
}

// deleteUserGuarded is DeleteUser with a guard that runs in the same
// transaction after the deletion; its error undoes it.
func (s *Store) deleteUserGuarded(username string, guard func(tx *bolt.Tx) error) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(usersBucket)
		if b.Get([]byte(username)) == nil {
			return ErrNoUser
		}
		if err := b.Delete([]byte(username)); err != nil {
			return err
		}
		if guard != nil {
			if err := guard(tx); err != nil {
				return err
			}
		}
		_, err := deleteSessions(tx, func(r sessionRecord) bool { return r.Username == username })
		return err
	})
	if err != nil {
		return err
	}
	return s.userChanged(UserChange{User: User{Username: username}, End: true})
}

// Authenticate checks a username and password. An unknown user, a wrong
// password and a disabled user all give ErrBadCredentials, after the same
// amount of hashing.
func (s *Store) Authenticate(username, password string) (User, error) {
	if len(password) > maxPasswordBytes || len(username) > maxUsername {
		// No stored password can be this long and no username either;
		// refuse without hashing, the same way for every user.
		return User{}, ErrBadCredentials
	}
	u, err := s.User(username)
	if errors.Is(err, ErrNoUser) {
		_, _ = verifyPassword(dummyHash(), password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	ok, err := verifyPassword(u.PasswordHash, password)
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", username, err)
	}
	if !ok || u.Disabled {
		return User{}, ErrBadCredentials
	}
	return u, nil
}
