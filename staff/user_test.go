package staff

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"parentline/internal/testkit"
)

// newFakeClock returns a settable clock at the tests' start.
func newFakeClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC))
}

// openDB opens a fresh bbolt file in a temporary directory.
func openDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTestStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := NewStore(openDB(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testPassword's hash is computed once and shared by users that tests put
// straight into the store, to keep the number of argon2 runs small.
const testPassword = "correct horse battery"

var testHash = sync.OnceValue(func() string {
	h, err := hashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// putUser stores a user with testPassword without hashing again.
func putUser(t *testing.T, s *Store, username, name string, roles ...Role) {
	t.Helper()
	buf, err := json.Marshal(userRecord{Name: name, Roles: roles, PasswordHash: testHash(), Created: s.opts.Now()})
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(usersBucket).Put([]byte(username), buf) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewStoreDefaultsAndBuckets(t *testing.T) {
	db := openDB(t)
	s, err := NewStore(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.SessionIdle != 2*time.Hour || s.opts.SessionMax != 12*time.Hour || s.opts.Now == nil {
		t.Fatalf("defaults not applied: %+v", s.opts)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range []string{"staff_users", "staff_sessions"} {
			if tx.Bucket([]byte(b)) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Opening again on the same file is fine.
	if _, err := NewStore(db, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestAddAuthenticate(t *testing.T) {
	clock := newFakeClock()
	s := newTestStore(t, Options{Now: clock.Now})
	if err := s.AddUser("anna.k", "Anna", []Role{RoleCounselor, RoleSupervisor}, "secret password 1"); err != nil {
		t.Fatal(err)
	}
	u, err := s.Authenticate("anna.k", "secret password 1")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "anna.k" || u.Name != "Anna" || !u.Has(RoleSupervisor) || !u.Created.Equal(clock.Now()) {
		t.Fatalf("unexpected user %+v", u)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q", u.PasswordHash)
	}

	if _, err := s.Authenticate("anna.k", "secret password 2"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Authenticate("nobody", "secret password 1"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := s.Authenticate("anna.k", strings.Repeat("x", 2000)); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("oversized password: %v", err)
	}

	if err := s.AddUser("anna.k", "Other", []Role{RoleAdmin}, "another password"); !errors.Is(err, ErrUserExists) {
		t.Fatalf("duplicate: %v", err)
	}

	// Nothing in the database holds the password.
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if strings.Contains(string(v), "secret password") {
					t.Errorf("bucket %s key %q holds the password", name, k)
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nor does the JSON form of a User.
	buf, _ := json.Marshal(u)
	if strings.Contains(string(buf), "argon2") {
		t.Fatalf("User JSON leaks the hash: %s", buf)
	}
}

func TestAddUserValidation(t *testing.T) {
	s := newTestStore(t, Options{})
	roles := []Role{RoleCounselor}
	const pw = "long enough password"
	cases := []struct {
		name                 string
		username, display    string
		roles                []Role
		password, wantInText string
	}{
		{"uppercase", "Anna", "", roles, pw, "lower case"},
		{"too short", "a", "", roles, pw, "2–64"},
		{"too long", strings.Repeat("a", 65), "", roles, pw, "2–64"},
		{"space", "anna k", "", roles, pw, "may only contain"},
		{"at sign", "anna@kommun.se", "", roles, pw, "may only contain"},
		{"non-ascii", "åsa", "", roles, pw, "may only contain"},
		{"empty username", "", "", roles, pw, "empty"},
		{"long name", "anna", strings.Repeat("n", 61), roles, pw, "at most 60"},
		{"control in name", "anna", "An\x07na", roles, pw, "control"},
		{"no roles", "anna", "", nil, pw, "at least one role"},
		{"unknown role", "anna", "", []Role{"root"}, pw, `"root"`},
		{"short password", "anna", "", roles, "123456789", "at least 10"},
		{"long password", "anna", "", roles, strings.Repeat("p", 1025), "at most 1024"},
	}
	for _, c := range cases {
		err := s.AddUser(c.username, c.display, c.roles, c.password)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.wantInText) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.wantInText)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", c.name, err)
		}
	}
	if users, _ := s.Users(); len(users) != 0 {
		t.Fatalf("refused users were stored: %v", users)
	}

	// Edge cases that are fine; empty name becomes the default.
	if err := s.AddUser("a.b-c_9", "  ", roles, "0123456789"); err != nil {
		t.Fatal(err)
	}
	u, err := s.User("a.b-c_9")
	if err != nil || u.Name != "Rådgivare" {
		t.Fatalf("User = %+v, %v", u, err)
	}
}

func TestUsersSetPasswordDelete(t *testing.T) {
	s := newTestStore(t, Options{})
	putUser(t, s, "bertil", "Bertil", RoleAdmin)
	putUser(t, s, "anna", "Anna", RoleCounselor)

	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Username != "anna" || users[1].Username != "bertil" {
		t.Fatalf("Users = %+v", users)
	}
	if _, err := s.User("cecilia"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("User(unknown) = %v", err)
	}

	token, _, err := s.NewSession("anna")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword("anna", "short"); err == nil {
		t.Fatal("short password accepted")
	}
	if err := s.SetPassword("cecilia", "a new password"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("SetPassword(unknown) = %v", err)
	}
	if err := s.SetPassword("anna", "a new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate("anna", testPassword); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password: %v", err)
	}
	if _, err := s.Authenticate("anna", "a new password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := s.Session(token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session survived a password change: %v", err)
	}

	if err := s.DeleteUser("cecilia"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("DeleteUser(unknown) = %v", err)
	}
	if err := s.DeleteUser("bertil"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User("bertil"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("deleted user still there: %v", err)
	}
	if _, err := s.Authenticate("bertil", testPassword); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("deleted user authenticated: %v", err)
	}
}
