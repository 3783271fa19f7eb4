package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"parentline/chat"
	"parentline/chat/hours"
	"parentline/internal/web"
)

// What the store node of a cluster publishes in Redis for the chat nodes
// (docs/scaling.md).
const (
	// storeKey holds the store node's HTTP address (host:port), which chat
	// nodes pass the stateful routes to. It expires unless refreshed, so a
	// store node that died is not tried for long.
	storeKey = "pl:store"
	// topicsKey is the set of the active topic ids, the ones a chat may be
	// closed with: written at start, after every change and now and then.
	topicsKey = "pl:topics"
	// hoursKey holds the opening hours and closed days supervisors set
	// (chat/schedule), as hoursJSON; written with pl:topics.
	hoursKey = "pl:hours"
	// sealKey exists while the store node can seal consent cases (it holds
	// an intake key); it is written and lapses with pl:store, so that a chat
	// node refuses a consent request before the parent is asked when
	// nothing could be sealed.
	sealKey = "pl:seal"
)

const (
	storeKeyTTL     = 5 * time.Second  // pl:store lapses this long after the store node's last word
	announceEvery   = time.Second      // how often the store node refreshes pl:store
	republishShared = 30 * time.Second // pl:topics and pl:hours are written again this often, in case Redis lost them
	topicsCacheFor  = 3 * time.Second  // how long a chat node trusts the topics and hours it read
	backplaneWait   = 2 * time.Second  // bounds each of these small Redis calls
)

// readClusterKey reads the cluster key: chat.ClusterKeySize bytes written
// as hex digits, surrounding white space ignored.
func readClusterKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading --cluster-key-file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != chat.ClusterKeySize {
		return nil, fmt.Errorf("--cluster-key-file %s must hold %d hex digits (openssl rand -hex %d)", path, 2*chat.ClusterKeySize, chat.ClusterKeySize)
	}
	return key, nil
}

// advertiseAddr is the address other nodes reach this listener on: the
// listening address itself (the real port, also when asked for port 0), or
// with the host name when listening on every interface.
func advertiseAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		if host, err := os.Hostname(); err == nil && host != "" {
			return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
		}
	}
	return tcp.String()
}

// announcer keeps the store node's address in pl:store (and its topics and
// hours in pl:topics and pl:hours). Its methods run on one goroutine at a time.
type announcer struct {
	s       *Server
	addr    string
	failing bool   // the last write failed; logged once per run of failures
	rival   string // another store node's address seen in pl:store, logged once
}

// announce writes pl:store, and with shared also pl:topics and pl:hours. A failure is
// logged; the loop tries again within a second, and /readyz already says
// when Redis does not answer.
func (a *announcer) announce(ctx context.Context, shared bool) {
	ctx, cancel := context.WithTimeout(ctx, backplaneWait)
	defer cancel()
	log := a.s.log
	var prevCmd *redis.StatusCmd
	_, err := a.s.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		prevCmd = p.SetArgs(ctx, storeKey, a.addr, redis.SetArgs{TTL: storeKeyTTL, Get: true})
		if a.s.concern != nil && a.s.concern.CanSeal() {
			p.Set(ctx, sealKey, "1", storeKeyTTL)
		} else {
			p.Del(ctx, sealKey)
		}
		return nil
	})
	prev := ""
	if err == nil || errors.Is(err, redis.Nil) { // redis.Nil: pl:store was not there before
		prev, err = prevCmd.Val(), nil
	}
	switch {
	case err != nil:
		if !a.failing && !errors.Is(err, context.Canceled) {
			log.Warn().Err(err).Msg("publishing the store node's address in redis")
		}
		a.failing = true
		return
	case a.failing:
		log.Info().Msg("publishing the store node's address in redis again")
	}
	a.failing = false
	if prev != "" && prev != a.addr && prev != a.rival {
		log.Error().Str("other", prev).Str("addr", a.addr).
			Msg("another store node was publishing its address: a cluster has exactly one store node (--role store)")
		a.rival = prev
	}
	if shared {
		a.s.publishShared(ctx)
	}
}

// run refreshes pl:store every second, and pl:topics and pl:hours now and
// then, until ctx is done.
func (a *announcer) run(ctx context.Context) {
	t := time.NewTicker(announceEvery)
	defer t.Stop()
	lastShared := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			shared := time.Since(lastShared) >= republishShared
			if shared {
				lastShared = time.Now()
			}
			a.announce(ctx, shared)
		}
	}
}

// withdrawStore deletes pl:store (and pl:seal) only if it still names
// this node.
var withdrawStore = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1], KEYS[2]) end
return 0
`)

// withdraw removes the store node's address as it shuts down, so that chat
// nodes answer 503 at once rather than until the key lapses.
func (a *announcer) withdraw(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, backplaneWait)
	defer cancel()
	if err := withdrawStore.Run(ctx, a.s.redis, []string{storeKey, sealKey}, a.addr).Err(); err != nil {
		a.s.log.Warn().Err(err).Msg("withdrawing the store node's address from redis")
	}
}

// publishShared replaces pl:topics with the ids of the active topics and
// pl:hours with the opening hours.
func (s *Server) publishShared(ctx context.Context) {
	var ids []any
	for _, tp := range s.topics.All() {
		if tp.Active {
			ids = append(ids, tp.ID)
		}
	}
	hoursRaw, err := encodeHours(s.schedule.Hours())
	if err != nil {
		s.log.Error().Err(err).Msg("encoding the opening hours for redis")
		return
	}
	_, err = s.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, topicsKey)
		if len(ids) > 0 {
			p.SAdd(ctx, topicsKey, ids...)
		}
		p.Set(ctx, hoursKey, hoursRaw, 0)
		return nil
	})
	if err != nil {
		s.log.Warn().Err(err).Msg("publishing the topics and opening hours in redis")
	}
}

// hoursJSON is pl:hours: the weekly hours as a chat/hours spec ("" for
// never open) and the closed days.
type hoursJSON struct {
	Spec   string          `json:"spec"`
	Closed []hours.Closure `json:"closed"`
}

func encodeHours(h hours.Hours) ([]byte, error) {
	return json.Marshal(hoursJSON{Spec: h.String(), Closed: h.Closures()})
}

func decodeHours(raw []byte) (hours.Hours, error) {
	var j hoursJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return hours.Hours{}, fmt.Errorf("%s: %w", hoursKey, err)
	}
	var h hours.Hours // never open
	if j.Spec != "" {
		var err error
		if h, err = hours.Parse(j.Spec); err != nil {
			return hours.Hours{}, fmt.Errorf("%s: %w", hoursKey, err)
		}
	}
	h, err := h.WithClosures(j.Closed)
	if err != nil {
		return hours.Hours{}, fmt.Errorf("%s: %w", hoursKey, err)
	}
	return h, nil
}

// republish wraps a handler that may change the topics: on a store node in
// a cluster, the chat nodes get the new set right after it.
func (s *Server) republish(next http.HandlerFunc) http.Handler {
	if s.redis == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next(w, r)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), backplaneWait)
		defer cancel()
		s.publishShared(ctx)
	})
}

// sharedTopics is a chat node's view of what the store node publishes,
// read again every few seconds: the active topic ids in pl:topics (it is
// the node's chat.TopicChecker), the opening hours in pl:hours and whether
// consent cases can be sealed (pl:seal). Neither answer waits on Redis; while Redis does not answer,
// the last read holds.
type sharedTopics struct {
	rdb     *redis.Client
	log     zerolog.Logger
	ids     atomic.Pointer[map[string]bool]
	canSeal atomic.Bool
	hours   atomic.Pointer[hours.Hours] // nil until pl:hours was read
	failed  bool                        // the last refresh failed (logged once per run of failures); run's goroutine only
}

func newSharedTopics(rdb *redis.Client, log zerolog.Logger) *sharedTopics {
	return &sharedTopics{rdb: rdb, log: log}
}

// Valid reports whether id is an active topic. Before the first read from
// Redis succeeds, no topic is.
func (t *sharedTopics) Valid(id string) bool {
	ids := t.ids.Load()
	return ids != nil && (*ids)[id]
}

// CanSeal reports whether the store node said, at the last read, that it
// can seal consent cases. Before the first read succeeds, it cannot.
func (t *sharedTopics) CanSeal() bool { return t.canSeal.Load() }

// Hours are the opening hours the store node published, or def before
// they were read.
func (t *sharedTopics) Hours(def hours.Hours) hours.Hours {
	if h := t.hours.Load(); h != nil {
		return *h
	}
	return def
}

// refresh reads pl:topics, pl:hours and pl:seal once. Unreadable hours
// are an error, and the last ones read still hold.

func (t *sharedTopics) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, backplaneWait)
	defer cancel()
	var (
		members *redis.StringSliceCmd
		seal    *redis.IntCmd
		hrs     *redis.StringCmd
	)
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		members = p.SMembers(ctx, topicsKey)
		seal = p.Exists(ctx, sealKey)
		hrs = p.Get(ctx, hoursKey)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	ids := make(map[string]bool, len(members.Val()))
	for _, id := range members.Val() {
		ids[id] = true
	}
	t.ids.Store(&ids)
	t.canSeal.Store(seal.Val() == 1)
	if raw, err := hrs.Bytes(); err == nil {
		h, err := decodeHours(raw)
		if err != nil {
			return err
		}
		t.hours.Store(&h)
	}
	return nil
}

// run refreshes every interval until ctx is done.
func (t *sharedTopics) run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			err := t.refresh(ctx)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil && !t.failed:
				t.log.Warn().Err(err).Msg("reading the topics from redis; the last ones read still hold")
			case err == nil && t.failed:
				t.log.Info().Msg("reading the topics from redis again")
			}
			t.failed = err != nil
		}
	}
}

// storeDown is said when the store node cannot be reached, in both
// languages: chat goes on, the rest waits for the store node.
const (
	storeDownSV = "Lagringsnoden går inte att nå just nu. Chatten fungerar som vanligt; inloggning, statistik, ärenden och administration fungerar igen när den är tillbaka."
	storeDownEN = "The store node cannot be reached right now. Chat still works; logging in, statistics, cases and administration work again when it is back."
)

// storeUnreachable answers 503 with storeDown: JSON ({"error": …}, as every
// API error) for the API, plain text for anything else.
func storeUnreachable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		web.Error(w, http.StatusServiceUnavailable, storeDownSV+" "+storeDownEN)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(storeDownSV + "\n" + storeDownEN + "\n"))
}

// clientHeaders are request headers that may say who the client is. None of
// them travels to the store node: no client address leaves a chat node.
var clientHeaders = []string{
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip",
	"True-Client-Ip", "X-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip", "X-Cluster-Client-Ip",
	"Via", "User-Agent", clientHeader, endUserHeader,
}

// storeProxy passes a request to the store node, whose address it reads
// from pl:store for each request (the proxied routes are few and slow next
// to one GET). It uses ReverseProxy's Rewrite, which unlike Director adds no
// X-Forwarded-For, and strips every header that could name the client.
type storeProxy struct {
	rdb       *redis.Client
	box       *internalBox
	log       zerolog.Logger
	transport *http.Transport
	proxy     *httputil.ReverseProxy
}

type storeTargetKey struct{}

func newStoreProxy(rdb *redis.Client, box *internalBox, log zerolog.Logger) *storeProxy {
	p := &storeProxy{rdb: rdb, box: box, log: log}
	p.transport = &http.Transport{
		Proxy:                 nil, // straight to the store node, never through a proxy from the environment
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 25 * time.Second,
	}
	p.proxy = &httputil.ReverseProxy{
		Rewrite:   p.rewrite,
		Transport: p.transport,
		ModifyResponse: func(res *http.Response) error {
			// This node's observe sets these on every response already.
			for _, h := range commonHeaders {
				res.Header.Del(h[0])
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if !errors.Is(err, context.Canceled) {
				p.log.Warn().Err(err).Str("route", r.Pattern).Msg("passing a request to the store node")
			}
			storeUnreachable(w, r)
		},
		ErrorLog: httpErrorLog(log),
	}
	return p
}

func (p *storeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), backplaneWait)
	addr, err := p.rdb.Get(ctx, storeKey).Result()
	cancel()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			p.log.Warn().Err(err).Msg("reading the store node's address from redis")
		}
		storeUnreachable(w, r)
		return
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		p.log.Error().Err(err).Msg("the store node's address in redis is not host:port")
		storeUnreachable(w, r)
		return
	}
	target := &url.URL{Scheme: "http", Host: addr}
	p.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), storeTargetKey{}, target)))
}

// rewrite sends the request to the store node as the browser made it (the
// same Host, which the cross-origin check compares with), without any
// header that could name the client; only a login gets the sealed hash of
// the client's network, and an e-ID order start the sealed address itself
// (see endUserHeader). ReverseProxy has already dropped the
// hop-by-hop and X-Forwarded-* headers.
func (p *storeProxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(pr.In.Context().Value(storeTargetKey{}).(*url.URL))
	pr.Out.Host = pr.In.Host
	for _, h := range clientHeaders {
		pr.Out.Header.Del(h)
	}
	switch {
	case pr.In.URL.Path == "/api/login":
		pr.Out.Header.Set(clientHeader, p.box.clientToken(pr.In.RemoteAddr, time.Now()))
	case pr.In.Method == http.MethodPost && endUserRoutes[pr.In.URL.Path]:
		if tok := p.box.endUserToken(pr.In.RemoteAddr, time.Now()); tok != "" {
			pr.Out.Header.Set(endUserHeader, tok)
		}
	}
}

// close drops the idle connections to the store node.
func (p *storeProxy) close() { p.transport.CloseIdleConnections() }

// hoursChanged is told by chat/schedule when a supervisor saved new
// opening hours: on a store node in a cluster, the chat nodes get them
// right after.
func (s *Server) hoursChanged(hours.Hours) {
	if s.redis == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), backplaneWait)
	defer cancel()
	s.publishShared(ctx)
}
