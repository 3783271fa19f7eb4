package staff

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys of the staff sessions of a cluster (docs/scaling.md).
const (
	// RedisSessionPrefix + hex SHA-256(token) is a hash with the fields
	// username, name, roles (comma-separated), created and last_seen
	// (RFC 3339, UTC). It expires when the session does: at the earlier of
	// the idle and the absolute expiry.
	RedisSessionPrefix = "pl:sess:"
	// RedisUserSessionsPrefix + username is the set of that user's session
	// hashes, so that a change to the user reaches all of their sessions.
	// It expires SessionMax after the user's last login, when every session
	// in it has ended.
	RedisUserSessionsPrefix = "pl:sess-user:"
)

// redisTimeout bounds each call to Redis when the caller's context does not
// end sooner.
const redisTimeout = 3 * time.Second

// hsetIfExists sets fields of a hash that still exists, so that a session
// ended meanwhile is never brought back with some of its fields. ARGV[1] is
// a new time to live in milliseconds, or 0 to keep the one it has; the rest
// are field and value pairs. It returns 1 if the hash existed.
var hsetIfExists = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`)

// RedisSessions keeps staff sessions in Redis, where every node of a
// cluster reads them. A session carries its user's name and roles, because
// chat nodes cannot read the accounts; the store node's Store updates or
// ends a user's sessions whenever it changes the user (UserChanged).
type RedisSessions struct {
	rdb  *redis.Client
	opts Options
}

// NewRedisSessions keeps sessions in rdb (a client with
// ContextTimeoutEnabled set). Of opts, Now, SessionIdle and SessionMax are
// used, with the Store's defaults; every node must use the same values.
func NewRedisSessions(rdb *redis.Client, opts Options) *RedisSessions {
	opts = opts.withDefaults()
	opts.Sessions = nil
	return &RedisSessions{rdb: rdb, opts: opts}
}

// sessionHash is the hex SHA-256 of a token; ok is false for a string that
// cannot be a token.
func sessionHash(token string) (string, bool) {
	key, ok := tokenKey(token)
	if !ok {
		return "", false
	}
	return hex.EncodeToString(key), true
}

func sessionKey(hash string) string      { return RedisSessionPrefix + hash }
func userSessionsKey(user string) string { return RedisUserSessionsPrefix + user }

// joinRoles and splitRoles write roles as one field; a role has no commas.
func joinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []Role {
	var roles []Role
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			roles = append(roles, Role(r))
		}
	}
	return roles
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ttl is how long Redis keeps a session that expires at exp; never below a
// millisecond, which PEXPIRE would refuse.
func ttl(exp, now time.Time) time.Duration {
	return max(exp.Sub(now), time.Millisecond)
}

// StartSession writes a session for u with its name and roles and adds it to
// the user's set. Call it through Store.StartSession, which makes sure a
// change to the user at the same moment is not missed.
func (rs *RedisSessions) StartSession(ctx context.Context, u User) (string, Session, error) {
	if u.Disabled {
		return "", Session{}, ErrDisabled
	}
	token, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	hash, _ := sessionHash(token)
	now := rs.opts.Now().UTC()
	rec := sessionRecord{Username: u.Username, Created: now, LastSeen: now}
	exp := rec.expires(rs.opts)
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	key, set := sessionKey(hash), userSessionsKey(u.Username)
	_, err = rs.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "username", u.Username, "name", u.Name, "roles", joinRoles(u.Roles),
			"created", formatTime(now), "last_seen", formatTime(now))
		p.PExpire(ctx, key, ttl(exp, now))
		p.SAdd(ctx, set, hash)
		p.Expire(ctx, set, rs.opts.SessionMax)
		return nil
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("writing staff session to redis: %w", err)
	}
	if err := rs.prune(ctx, u.Username); err != nil {
		return "", Session{}, err
	}
	return token, Session{Username: u.Username, Name: u.Name, Roles: u.Roles, Created: now, Expires: exp}, nil
}

// prune drops the hashes of sessions that have expired from a user's set.
func (rs *RedisSessions) prune(ctx context.Context, username string) error {
	set := userSessionsKey(username)
	hashes, err := rs.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return fmt.Errorf("reading the sessions of %q from redis: %w", username, err)
	}
	cmds := make([]*redis.IntCmd, len(hashes))
	_, err = rs.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, h := range hashes {
			cmds[i] = p.Exists(ctx, sessionKey(h))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking the sessions of %q in redis: %w", username, err)
	}
	var gone []any
	for i, c := range cmds {
		if c.Val() == 0 {
			gone = append(gone, hashes[i])
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if err := rs.rdb.SRem(ctx, set, gone...).Err(); err != nil {
		return fmt.Errorf("pruning the sessions of %q in redis: %w", username, err)
	}
	return nil
}

// parseSession reads a session hash; ok is false if it is incomplete.
func parseSession(v map[string]string) (sessionRecord, Session, bool) {
	created, err1 := time.Parse(time.RFC3339Nano, v["created"])
	seen, err2 := time.Parse(time.RFC3339Nano, v["last_seen"])
	if err1 != nil || err2 != nil || v["username"] == "" {
		return sessionRecord{}, Session{}, false
	}
	rec := sessionRecord{Username: v["username"], Created: created, LastSeen: seen}
	return rec, Session{Username: rec.Username, Name: v["name"], Roles: splitRoles(v["roles"]), Created: created}, true
}

// Session reads a session from Redis and enforces both expiries (Redis's
// time to live enforces them too). The last-seen time and the time to live
// are written at most once a minute, and never to a session ended meanwhile.
func (rs *RedisSessions) Session(ctx context.Context, token string) (Session, error) {
	hash, ok := sessionHash(token)
	if !ok {
		return Session{}, ErrNoSession
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	key := sessionKey(hash)
	v, err := rs.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return Session{}, fmt.Errorf("reading staff session from redis: %w", err)
	}
	if len(v) == 0 {
		return Session{}, ErrNoSession
	}
	now := rs.opts.Now()
	rec, sess, ok := parseSession(v)
	if !ok || !now.Before(rec.expires(rs.opts)) {
		if err := rs.end(ctx, hash, rec.Username); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(rec.LastSeen) >= touchEvery {
		rec.LastSeen = now.UTC()
		exp := rec.expires(rs.opts)
		found, err := hsetIfExists.Run(ctx, rs.rdb, []string{key},
			ttl(exp, now).Milliseconds(), "last_seen", formatTime(now)).Int()
		if err != nil {
			return Session{}, fmt.Errorf("refreshing staff session in redis: %w", err)
		}
		if found == 0 {
			return Session{}, ErrNoSession // ended meanwhile
		}
	}
	sess.Expires = rec.expires(rs.opts)
	return sess, nil
}

// EndSession deletes a session and its place in its user's set.
func (rs *RedisSessions) EndSession(ctx context.Context, token string) error {
	hash, ok := sessionHash(token)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	var user *redis.StringCmd
	_, err := rs.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		user = p.HGet(ctx, sessionKey(hash), "username")
		p.Del(ctx, sessionKey(hash))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("ending staff session in redis: %w", err)
	}
	if user.Val() == "" {
		return nil
	}
	if err := rs.rdb.SRem(ctx, userSessionsKey(user.Val()), hash).Err(); err != nil {
		return fmt.Errorf("ending staff session in redis: %w", err)
	}
	return nil
}

// end deletes a session whose user is known (or empty, if unreadable).
func (rs *RedisSessions) end(ctx context.Context, hash, username string) error {
	_, err := rs.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, sessionKey(hash))
		if username != "" {
			p.SRem(ctx, userSessionsKey(username), hash)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("deleting an expired staff session in redis: %w", err)
	}
	return nil
}

// UserChanged ends every session of the user (c.End), or writes the user's
// new name and roles into each of them. A session started while this runs
// is not missed: Store.StartSession reads the user again after starting one.
func (rs *RedisSessions) UserChanged(ctx context.Context, c UserChange) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	username := c.User.Username
	set := userSessionsKey(username)
	hashes, err := rs.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return fmt.Errorf("reading the sessions of %q from redis: %w", username, err)
	}
	if len(hashes) == 0 {
		return nil
	}
	if c.End {
		// Only the members read are removed: a session started after this
		// read is the Store's to check, and stays findable in the set.
		members := make([]any, len(hashes))
		_, err = rs.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, h := range hashes {
				p.Del(ctx, sessionKey(h))
				members[i] = h
			}
			p.SRem(ctx, set, members...)
			return nil
		})
		if err != nil {
			return fmt.Errorf("ending the sessions of %q in redis: %w", username, err)
		}
		return nil
	}
	var gone []any
	for _, h := range hashes {
		found, err := hsetIfExists.Run(ctx, rs.rdb, []string{sessionKey(h)},
			0, "name", c.User.Name, "roles", joinRoles(c.User.Roles)).Int()
		if err != nil {
			return fmt.Errorf("updating the sessions of %q in redis: %w", username, err)
		}
		if found == 0 {
			gone = append(gone, h)
		}
	}
	if len(gone) > 0 {
		if err := rs.rdb.SRem(ctx, set, gone...).Err(); err != nil {
			return fmt.Errorf("pruning the sessions of %q in redis: %w", username, err)
		}
	}
	return nil
}

// Sweep has nothing to do: Redis deletes a session when its time to live
// runs out, and the users' sets are pruned at each login and change and
// expire after the last of their sessions.
func (rs *RedisSessions) Sweep(context.Context) (int, error) { return 0, nil }
