package staff

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SessionBackend keeps staff sessions. A node on its own keeps them in its
// bbolt file next to the accounts (the Store's own sessions, the default);
// the nodes of a cluster keep them in Redis (RedisSessions), so that a login
// is valid on every node, including the chat nodes that hold no accounts.
//
// No backend stores a token: sessions are keyed by SHA-256(token).
type SessionBackend interface {
	// StartSession starts a session for u as u is now and returns its
	// token, which only the caller gets.
	StartSession(ctx context.Context, u User) (string, Session, error)
	// Session looks a token up. It returns ErrNoSession for a token that is
	// unknown, unused for longer than the idle expiry, past the absolute
	// expiry or revoked. The last-seen time is written at most once a minute.
	Session(ctx context.Context, token string) (Session, error)
	// EndSession ends one session; ending an unknown one is not an error.
	EndSession(ctx context.Context, token string) error
	// UserChanged brings the sessions of a user in line with a change the
	// Store has committed: they carry the new name and roles, or all end.
	UserChanged(ctx context.Context, c UserChange) error
	// Sweep deletes what has expired and says how many sessions went.
	Sweep(ctx context.Context) (int, error)
}

// UserChange is what the Store tells its SessionBackend after it changed a
// user.
type UserChange struct {
	User User // the user as they are now; only Username when deleted
	// End is set when every session of the user must end: the user was
	// deleted or disabled, or was given a new password.
	End bool
}

// userChangeTimeout bounds telling the backend about a change.
const userChangeTimeout = 5 * time.Second

// boltSessions is the Store's own backend: sessions in the bbolt file.
type boltSessions struct{ s *Store }

func (b boltSessions) StartSession(_ context.Context, u User) (string, Session, error) {
	return b.s.NewSession(u.Username)
}

func (b boltSessions) Session(_ context.Context, token string) (Session, error) {
	return b.s.Session(token)
}

func (b boltSessions) EndSession(_ context.Context, token string) error {
	return b.s.EndSession(token)
}

// UserChanged has nothing to do: a bbolt session reads its user's record at
// every lookup, and the changes that end sessions delete them in the same
// transaction as the change.
func (b boltSessions) UserChanged(context.Context, UserChange) error { return nil }

func (b boltSessions) Sweep(context.Context) (int, error) { return b.s.Sweep() }

// Sessions is the backend the store's users' sessions are kept in:
// Options.Sessions, or the store's own bbolt bucket.
func (s *Store) Sessions() SessionBackend { return s.sessions }

// userChanged tells the session backend about a committed change.
func (s *Store) userChanged(c UserChange) error {
	ctx, cancel := context.WithTimeout(context.Background(), userChangeTimeout)
	defer cancel()
	if err := s.sessions.UserChanged(ctx, c); err != nil {
		return fmt.Errorf("user %q was changed, but their sessions could not be brought up to date: %w", c.User.Username, err)
	}
	return nil
}

// maxStartAttempts bounds StartSession's retries when the user keeps changing.
const maxStartAttempts = 3

// StartSession starts a session for u, as Authenticate returned it, in the
// store's session backend. A backend that copies the name and roles into the
// session (Redis) could miss a change committed while the session was being
// started, so the user is read again afterwards: if they were deleted or
// disabled or their password changed meanwhile, the session is ended and
// ErrBadCredentials returned; if their name or roles changed, the session is
// started again with the new ones.
func (s *Store) StartSession(ctx context.Context, u User) (string, Session, error) {
	for range maxStartAttempts {
		if u.Disabled {
			return "", Session{}, ErrBadCredentials
		}
		token, sess, err := s.sessions.StartSession(ctx, u)
		if errors.Is(err, ErrNoUser) || errors.Is(err, ErrDisabled) {
			return "", Session{}, ErrBadCredentials
		}
		if err != nil {
			return "", Session{}, err
		}
		now, err := s.User(u.Username)
		if err == nil && now.PasswordHash == u.PasswordHash && !now.Disabled && sameIdentity(now, u) {
			return token, sess, nil
		}
		if endErr := s.sessions.EndSession(ctx, token); endErr != nil {
			return "", Session{}, fmt.Errorf("ending a session whose user changed while it started: %w", endErr)
		}
		switch {
		case errors.Is(err, ErrNoUser):
			return "", Session{}, ErrBadCredentials
		case err != nil:
			return "", Session{}, err
		case now.PasswordHash != u.PasswordHash || now.Disabled:
			return "", Session{}, ErrBadCredentials
		}
		u = now
	}
	return "", Session{}, fmt.Errorf("user %q kept changing while a session was started", u.Username)
}

// sameIdentity reports whether a and b have the same name and roles, in order.
func sameIdentity(a, b User) bool {
	if a.Name != b.Name || len(a.Roles) != len(b.Roles) {
		return false
	}
	for i := range a.Roles {
		if a.Roles[i] != b.Roles[i] {
			return false
		}
	}
	return true
}
