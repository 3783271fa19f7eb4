package staff

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"math"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login throttling: each user name and each client get a token bucket of
// loginBurst attempts refilled one per loginRefill.
const (
	loginBurst     = 5
	loginRefill    = 20 * time.Second
	limiterIdle    = 30 * time.Minute // a bucket unused this long is full again, so forget it
	limiterCap     = 100_000          // per set; the least recently used bucket goes first
	secretLifetime = 24 * time.Hour
)

// limiterEntry is one bucket and its bookkeeping.
type limiterEntry struct {
	key      string
	lim      *rate.Limiter
	last     time.Time
	inFlight int // attempts begun and not yet finished (user names only)
}

// limiterSet is a bounded map of token buckets, least recently used last.
type limiterSet struct {
	max   int
	byKey map[string]*list.Element
	lru   *list.List // of *limiterEntry, most recently used at the front
}

func newLimiterSet(max int) *limiterSet {
	return &limiterSet{max: max, byKey: map[string]*list.Element{}, lru: list.New()}
}

// lookup returns the entry for key, or nil, marking it used at now.
func (s *limiterSet) lookup(key string, now time.Time) *limiterEntry {
	el, ok := s.byKey[key]
	if !ok {
		return nil
	}
	e := el.Value.(*limiterEntry)
	e.last = now
	s.lru.MoveToFront(el)
	return e
}

// get returns the entry for key, creating a full bucket if there is none.
func (s *limiterSet) get(key string, now time.Time) *limiterEntry {
	if e := s.lookup(key, now); e != nil {
		return e
	}
	s.evict(now)
	for s.lru.Len() >= s.max {
		s.remove(s.lru.Back())
	}
	e := &limiterEntry{key: key, lim: rate.NewLimiter(rate.Every(loginRefill), loginBurst), last: now}
	s.byKey[key] = s.lru.PushFront(e)
	return e
}

// evict forgets buckets unused for longer than limiterIdle, unless an
// attempt on them is still running.
func (s *limiterSet) evict(now time.Time) {
	for el := s.lru.Back(); el != nil; {
		e := el.Value.(*limiterEntry)
		if now.Sub(e.last) <= limiterIdle {
			return
		}
		prev := el.Prev()
		if e.inFlight == 0 {
			s.remove(el)
		}
		el = prev
	}
}

func (s *limiterSet) remove(el *list.Element) {
	delete(s.byKey, el.Value.(*limiterEntry).key)
	s.lru.Remove(el)
}

func (s *limiterSet) len() int { return s.lru.Len() }

// wait is how long until the bucket has one token beyond reserved ones.
func wait(lim *rate.Limiter, reserved int, now time.Time) time.Duration {
	missing := 1 + float64(reserved) - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(lim.Limit()) * float64(time.Second)))
}

// loginThrottle limits login attempts per user name and per client.
//
// Every attempt takes a token from its client's bucket. Only a failed
// attempt takes one from the user name's bucket, so a user who logs in
// successfully is never slowed down by it; but an attempt is refused up
// front when either bucket is empty, counting attempts on that user name
// that are still being checked (otherwise many parallel guesses would all
// pass before the first failure was counted).
type loginThrottle struct {
	mu         sync.Mutex
	now        func() time.Time
	users      *limiterSet
	clients    *limiterSet
	secret     []byte
	secretFrom time.Time
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	if now == nil {
		now = time.Now
	}
	return &loginThrottle{now: now, users: newLimiterSet(limiterCap), clients: newLimiterSet(limiterCap)}
}

// clientKey turns r.RemoteAddr into an opaque key: an HMAC-SHA256 of the
// address under a random secret that lives only in memory and is replaced
// every 24 hours. IPv6 addresses are cut to their /64, which one client
// usually holds whole. The address itself is not kept anywhere.
func (t *loginThrottle) clientKey(remoteAddr string) string {
	host := ClientNetwork(remoteAddr)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rotate(t.now())
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(host))
	return string(m.Sum(nil))
}

// ClientNetwork is the part of a client's address ("host:port" or a bare
// host) that names the client for throttling: the IPv4 address, or the /64
// of an IPv6 address, which one client usually holds whole. Anything that
// is not an address is returned as it is.
func ClientNetwork(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.WithZone("").Unmap()
		if a.Is6() {
			a = netip.PrefixFrom(a, 64).Masked().Addr()
		}
		host = a.String()
	}
	return host
}

// rotate replaces the secret when it is missing or older than a day. The
// client buckets keyed under the old secret are dropped with it.
func (t *loginThrottle) rotate(now time.Time) {
	if t.secret != nil && now.Sub(t.secretFrom) < secretLifetime {
		return
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails since Go 1.24
	t.secret, t.secretFrom = secret, now
	t.clients = newLimiterSet(limiterCap)
}

// begin asks to start one login attempt. If it is allowed, the caller must
// call finish(user, ...) when the attempt's outcome is known; if not,
// retryAfter says how long to wait.
func (t *loginThrottle) begin(user, client string) (ok bool, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.users.evict(now)
	var waitUser, waitClient time.Duration
	u := t.users.lookup(user, now)
	if u != nil {
		waitUser = wait(u.lim, u.inFlight, now)
	}
	c := t.clients.get(client, now)
	waitClient = wait(c.lim, 0, now)
	if waitUser > 0 || waitClient > 0 {
		return false, max(waitUser, waitClient)
	}
	c.lim.AllowN(now, 1)
	if u == nil {
		u = t.users.get(user, now)
	}
	u.inFlight++
	return true, 0
}

// finish ends an attempt begun with begin. A failed attempt takes a token
// from the user name's bucket.
func (t *loginThrottle) finish(user string, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	u := t.users.lookup(user, now)
	if u == nil {
		if !failed {
			return
		}
		u = t.users.get(user, now) // evicted meanwhile under pressure
	}
	if u.inFlight > 0 {
		u.inFlight--
	}
	if failed {
		u.lim.AllowN(now, 1)
	}
}

// prune forgets idle buckets; the Sweeper calls it so memory is returned
// even when nobody logs in.
func (t *loginThrottle) prune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.users.evict(now)
	t.clients.evict(now)
}
