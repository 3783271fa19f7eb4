package staff

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestThrottleFailuresPerUser(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	a := th.clientKey("192.0.2.1:5000")
	b := th.clientKey("198.51.100.7:6000")

	// Alternate clients so that only the user-name limit can bite.
	for i := 0; i < 5; i++ {
		c := a
		if i%2 == 1 {
			c = b
		}
		if ok, _ := th.begin("anna", c); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		th.finish("anna", true)
	}
	ok, retry := th.begin("anna", th.clientKey("203.0.113.9:1"))
	if ok {
		t.Fatal("6th failed attempt for the user allowed from a new client")
	}
	if retry <= 0 || retry > loginRefill {
		t.Fatalf("retry after %v", retry)
	}
	// Another user is unaffected.
	if ok, _ := th.begin("bertil", th.clientKey("203.0.113.9:1")); !ok {
		t.Fatal("other user refused")
	}
	th.finish("bertil", false)

	// One token comes back after loginRefill, and only one.
	clock.Advance(loginRefill)
	if ok, _ := th.begin("anna", b); !ok {
		t.Fatal("refused after refill")
	}
	th.finish("anna", true)
	if ok, _ := th.begin("anna", b); ok {
		t.Fatal("second attempt after one refill allowed")
	}
}

func TestThrottleSuccessDoesNotCountPerUser(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	// Twenty successful logins from twenty clients: never refused.
	for i := 0; i < 20; i++ {
		c := th.clientKey(fmt.Sprintf("10.0.0.%d:443", i))
		if ok, _ := th.begin("anna", c); !ok {
			t.Fatalf("successful login %d refused", i+1)
		}
		th.finish("anna", false)
	}
}

func TestThrottlePerClient(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	c := th.clientKey("192.0.2.1:5000")
	// Every attempt counts per client, success or not, whatever the name.
	for i := 0; i < 5; i++ {
		if ok, _ := th.begin(fmt.Sprintf("user%d", i), c); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		th.finish(fmt.Sprintf("user%d", i), false)
	}
	ok, retry := th.begin("someone", c)
	if ok || retry <= 0 {
		t.Fatalf("6th attempt from the client: ok=%v retry=%v", ok, retry)
	}
	// Same host, other port: same client.
	if ok, _ := th.begin("someone", th.clientKey("192.0.2.1:5001")); ok {
		t.Fatal("other port of the same host counted separately")
	}
	// A different client is fine.
	if ok, _ := th.begin("someone", th.clientKey("192.0.2.2:5000")); !ok {
		t.Fatal("different client refused")
	}
	th.finish("someone", false)
	// Refused attempts did not dig the hole deeper.
	clock.Advance(loginRefill)
	if ok, _ := th.begin("someone", c); !ok {
		t.Fatal("client still refused after a refill")
	}
}

func TestThrottleConcurrentAttemptsCount(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	// Five attempts in flight at once for one user, from five clients: the
	// sixth is refused before any of them has failed.
	for i := 0; i < 5; i++ {
		if ok, _ := th.begin("anna", th.clientKey(fmt.Sprintf("10.0.1.%d:1", i))); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if ok, _ := th.begin("anna", th.clientKey("10.0.1.99:1")); ok {
		t.Fatal("sixth concurrent attempt allowed")
	}
	// They all succeed: nothing consumed, all allowed again.
	for i := 0; i < 5; i++ {
		th.finish("anna", false)
	}
	if ok, _ := th.begin("anna", th.clientKey("10.0.1.99:1")); !ok {
		t.Fatal("refused after the attempts succeeded")
	}
}

func TestClientKey(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	k := th.clientKey("192.0.2.1:5000")
	if strings.Contains(k, "192.0.2.1") || len(k) != 32 {
		t.Fatalf("key %q is not an opaque HMAC", k)
	}
	if th.clientKey("192.0.2.1:1") != k || th.clientKey("[::ffff:192.0.2.1]:1") != k {
		t.Fatal("the same host gives different keys")
	}
	if th.clientKey("192.0.2.2:5000") == k {
		t.Fatal("different hosts give the same key")
	}
	// IPv6: one /64 is one client.
	if th.clientKey("[2001:db8:1:2::1]:1") != th.clientKey("[2001:db8:1:2:ffff::9]:2") {
		t.Fatal("addresses in one /64 differ")
	}
	if th.clientKey("[2001:db8:1:2::1]:1") == th.clientKey("[2001:db8:1:3::1]:1") {
		t.Fatal("different /64s collide")
	}
	// Something that is not host:port still gives a key.
	if th.clientKey("@") == "" {
		t.Fatal("empty key")
	}

	// The secret is replaced after 24 hours: keys change, and the old
	// per-client state goes with it.
	for i := 0; i < 5; i++ {
		th.begin("u", k)
		th.finish("u", false)
	}
	clock.Advance(23 * time.Hour)
	if th.clientKey("192.0.2.1:5000") != k {
		t.Fatal("secret replaced early")
	}
	clock.Advance(time.Hour)
	k2 := th.clientKey("192.0.2.1:5000")
	if k2 == k {
		t.Fatal("secret not replaced after 24h")
	}
	if th.clients.len() != 0 {
		t.Fatalf("%d client buckets survived rotation", th.clients.len())
	}

	// The throttle keeps no address, in any form but the HMAC.
	th.begin("u", k2)
	for _, set := range []*limiterSet{th.users, th.clients} {
		for _, key := range keys(set) {
			if strings.Contains(key, "192.0.2") || strings.Contains(key, "2001:db8") {
				t.Fatalf("throttle key %q holds an address", key)
			}
		}
	}
}

func TestLimiterSetEviction(t *testing.T) {
	clock := newFakeClock()
	s := newLimiterSet(3)
	now := clock.Now()
	s.get("a", now)
	s.get("b", now.Add(time.Minute))
	s.get("c", now.Add(2*time.Minute))
	s.lookup("a", now.Add(3*time.Minute)) // a is now the most recent
	s.get("d", now.Add(4*time.Minute))    // full: evicts b, the oldest
	if got := keys(s); !reflect.DeepEqual(got, []string{"d", "a", "c"}) {
		t.Fatalf("after cap eviction: %v", got)
	}
	// 30 minutes after c and a were last used they go; d stays.
	s.evict(now.Add(3*time.Minute + limiterIdle + time.Second))
	if got := keys(s); !reflect.DeepEqual(got, []string{"d"}) {
		t.Fatalf("after idle eviction: %v", got)
	}
	// A bucket with an attempt in flight is not evicted for idleness.
	s.get("d", now).inFlight = 1
	s.evict(now.Add(24 * time.Hour))
	if s.len() != 1 {
		t.Fatal("in-flight bucket evicted")
	}
}

func keys(s *limiterSet) []string {
	var out []string
	for el := s.lru.Front(); el != nil; el = el.Next() {
		out = append(out, el.Value.(*limiterEntry).key)
	}
	return out
}

func TestThrottleForgetsIdle(t *testing.T) {
	clock := newFakeClock()
	th := newLoginThrottle(clock.Now)
	c := th.clientKey("192.0.2.1:1")
	for i := 0; i < 5; i++ {
		th.begin("anna", c)
		th.finish("anna", true)
	}
	clock.Advance(limiterIdle + time.Second)
	th.prune()
	if th.users.len() != 0 || th.clients.len() != 0 {
		t.Fatalf("idle buckets kept: %d users, %d clients", th.users.len(), th.clients.len())
	}
	if ok, _ := th.begin("anna", c); !ok {
		t.Fatal("refused after a long pause")
	}
}
