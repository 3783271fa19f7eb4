package chat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// ClusterOptions join a node's chat service to a cluster sharing one Redis.
type ClusterOptions struct {
	Redis *redis.Client // with ContextTimeoutEnabled set
	Node  string        // this node's id; default a random one
	// Key is the cluster key (ClusterKeySize bytes) every node shares; chat
	// content in Redis is encrypted with it.
	Key []byte
	// Heartbeat is how often the node says it is alive; a node silent for
	// four heartbeats is dead and its chats resumable elsewhere. Default 500ms.
	Heartbeat time.Duration
}

// Cluster is the chat service of one node among several sharing a Redis:
// the same protocol and frames as Hub, with the queue, the chats and their
// routing kept in Redis, so that any node serves any parent or counsellor
// and a chat outlives the node it started on (docs/scaling.md).
//
// Only the sockets are local. Every decision two nodes could race on is one
// Lua script in Redis (cluster_scripts.go); frames for a socket on another
// node travel through that node's inbox stream; a chat's messages are kept
// in its log stream, which a resumed side is replayed from.
type Cluster struct {
	opts  Options
	rdb   *redis.Client
	seal  *sealer
	node  string
	beat  time.Duration
	log   zerolog.Logger
	m     *metrics
	loc   *time.Location
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup // socket handlers
	loops sync.WaitGroup // background loops

	mu         sync.Mutex
	parents    map[string]*cparent    // local parent sockets, by chat id
	counselors map[string]*ccounselor // local counsellor sockets, by username
	sockets    map[*conn]struct{}
	closing    bool
	dirty      bool
	view       clusterView // the last cluster-wide numbers, for Status
	missing    map[string]int
	dirtyWake  chan struct{}
}

// cparent is a parent socket on this node.
type cparent struct {
	chat, session, lang string
	conn                *conn
	waiting             bool
	sentPos             int
	sentStaffed         bool
	msgs, typing        *rate.Limiter
	catchingUp          bool       // welcome and history not yet written
	early               []delivery // what arrived meanwhile
}

// ccounselor is a counsellor socket on this node.
type ccounselor struct {
	Staff
	conn         *conn
	msgs, typing *rate.Limiter
	known        map[string]bool       // chats this socket has had chat_started for
	early        map[string][]delivery // frames for chats not yet known, by chat
}

// clusterView is what the last refresh learnt about the whole cluster.
type clusterView struct {
	queueLength int
	available   int
}

// Grace and safety lifetimes in Redis.
const (
	clusterKeyTTL = 12 * time.Hour // a chat's keys, should every node vanish at once
	logCap        = maxHistoryLines
)

// NewCluster makes a cluster node's chat service and starts its background
// work (heartbeat, inbox, views, graces). Call Shutdown to close it.
func NewCluster(opts Options, copts ClusterOptions) (*Cluster, error) {
	if copts.Redis == nil {
		return nil, errors.New("chat: ClusterOptions.Redis is required")
	}
	opts.setDefaults()
	if opts.Tally == nil || opts.Topics == nil {
		return nil, errors.New("chat: Options.Tally and Options.Topics are required")
	}
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return nil, err
	}
	seal, err := newSealer(copts.Key)
	if err != nil {
		return nil, err
	}
	if copts.Node == "" {
		copts.Node = newID()[:12]
	}
	if copts.Heartbeat <= 0 {
		copts.Heartbeat = 500 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{
		opts: opts, rdb: copts.Redis, seal: seal, node: copts.Node, beat: copts.Heartbeat,
		log: opts.Log.With().Str("node", copts.Node).Logger(), m: newMetrics(opts.Registry), loc: loc,
		ctx: ctx, stop: cancel,
		parents: map[string]*cparent{}, counselors: map[string]*ccounselor{}, sockets: map[*conn]struct{}{},
		missing: map[string]int{}, dirtyWake: make(chan struct{}, 1),
	}
	c.loops.Add(4)
	go c.heartbeatLoop()
	go c.inboxLoop()
	go c.viewsLoop()
	go c.sweepLoop()
	return c, nil
}

// Node is this node's id in the cluster.
func (c *Cluster) Node() string { return c.node }

func (c *Cluster) now() time.Time { return c.opts.Now() }

// rctx is the context of one Redis call: bounded, so a paused Redis turns
// into an error frame rather than a stuck socket.
func (c *Cluster) rctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, 2*time.Second)
}

func tokenSum(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

func (c *Cluster) day() string { return c.now().In(c.loc).Format(time.DateOnly) }

// queueScore orders the queue: urgent chats first, then chats put back
// after their counsellor vanished, then the rest, each in joining order.
func queueBase(prio int) float64 { return float64(3-prio) * 1e13 }

// ---- delivery

// Inbox entry kinds beside a plain frame.
const (
	kindFrame   = ""
	kindEnd     = "end"      // close the parent's socket after the frame
	kindActive  = "active"   // the parent's chat has a counsellor now
	kindWaiting = "waiting"  // the parent's chat is back in the queue
	kindStatus  = "status"   // send the counsellor their status
	kindReplace = "replaced" // the counsellor connected elsewhere
	kindStarted = "started"  // a chat comes to the counsellor: chat_started, then its history
	kindForget  = "forget"   // the last frame about a chat for this counsellor
)

// delivery is one frame (or two) for one socket.
type delivery struct {
	to    string // "p:CHAT" or "c:USER"
	kind  string
	chat  string // the chat a counsellor's frame is about, if any
	frame []byte
	extra []byte // a second frame, written right after the first
}

// adata is what a delivery's sealed frames are bound to: the chat they are
// about, or else their recipient.
func (d delivery) adata() string {
	if d.chat != "" {
		return d.chat
	}
	return d.to
}

// deliver sends a frame to a socket on node: this node's own at once,
// another's through its inbox.
func (c *Cluster) deliver(ctx context.Context, node string, d delivery) error {
	if node == "" {
		return nil
	}
	if node == c.node {
		c.mu.Lock()
		c.applyLocked(d)
		c.mu.Unlock()
		return nil
	}
	ad := d.adata()
	vals := []any{"to", d.to, "k", d.kind, "c", d.chat, "f", c.seal.seal(ad, d.frame)}
	if d.extra != nil {
		vals = append(vals, "h", c.seal.seal(ad, d.extra))
	}
	err := c.rdb.XAdd(ctx, &redis.XAddArgs{Stream: keyInbox(node), MaxLen: 100000, Approx: true, Values: vals}).Err()
	if err != nil {
		return fmt.Errorf("delivering to node %s: %w", node, err)
	}
	return nil
}

// maxEarly bounds the frames kept for a socket that is still being caught
// up (its welcome or chat_started not yet written).
const maxEarly = 200

// applyLocked hands a delivered frame to the local socket it is for. A
// socket still being caught up keeps frames for later, so that nothing
// overtakes the history it is replayed.
func (c *Cluster) applyLocked(d delivery) {
	if len(d.to) < 2 {
		return
	}
	id := d.to[2:]
	switch d.to[0] {
	case 'p':
		p := c.parents[id]
		if p == nil {
			return
		}
		if p.catchingUp {
			if len(p.early) < maxEarly {
				p.early = append(p.early, d)
			}
			return
		}
		c.applyParentLocked(p, d)
	case 'c':
		co := c.counselors[id]
		if co == nil {
			return
		}
		if d.chat != "" && d.kind != kindStarted && !co.known[d.chat] {
			if len(co.early[d.chat]) < maxEarly {
				co.early[d.chat] = append(co.early[d.chat], d)
			}
			return
		}
		c.applyCounselorLocked(co, d)
	}
}

func (c *Cluster) applyParentLocked(p *cparent, d delivery) {
	switch d.kind {
	case kindActive:
		p.waiting, p.sentPos = false, 0
	case kindWaiting:
		p.waiting, p.sentPos = true, 0
		c.markDirtyLocked()
	}
	if d.frame == nil {
		return
	}
	if d.kind == kindEnd {
		delete(c.parents, p.chat)
		p.conn.closeWith(d.frame, websocket.StatusNormalClosure, "chat ended")
		return
	}
	p.conn.push(d.frame)
}

func (c *Cluster) applyCounselorLocked(co *ccounselor, d delivery) {
	switch d.kind {
	case kindStatus:
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.sendStatus(co) }()
		return
	case kindReplace:
		delete(c.counselors, co.Username)
		co.conn.closeWith(encode(errorFrame{Type: "error", Code: codeReplaced, Message: swedishErrors[codeReplaced]}),
			websocket.StatusPolicyViolation, "replaced by a newer connection")
		return
	}
	if d.frame != nil {
		co.conn.push(d.frame)
	}
	if d.extra != nil {
		co.conn.push(d.extra)
	}
	switch d.kind {
	case kindStarted:
		c.knownLocked(co, d.chat)
	case kindForget:
		delete(co.known, d.chat)
	}
}

// knownLocked marks a chat as told to the counsellor's socket and writes
// what arrived for it meanwhile.
func (c *Cluster) knownLocked(co *ccounselor, chat string) {
	co.known[chat] = true
	early := co.early[chat]
	delete(co.early, chat)
	for _, d := range early {
		c.applyCounselorLocked(co, d)
	}
}

// caughtUpLocked ends a parent socket's catching up: what arrived
// meanwhile is written now, after the welcome and the history.
func (c *Cluster) caughtUpLocked(p *cparent) {
	p.catchingUp = false
	early := p.early
	p.early = nil
	for _, d := range early {
		c.applyParentLocked(p, d)
	}
}

// inboxLoop reads this node's inbox stream and hands each frame to its
// socket, in the order the stream has them.
func (c *Cluster) inboxLoop() {
	defer c.loops.Done()
	last := "0-0"
	failing, read, trimmed := 0, 0, time.Now()
	for c.ctx.Err() == nil {
		res, err := c.rdb.XRead(c.ctx, &redis.XReadArgs{Streams: []string{keyInbox(c.node), last}, Count: 1000, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if c.ctx.Err() == nil {
				if failing++; failing == 1 {
					c.log.Warn().Err(err).Msg("reading the node inbox; retrying until Redis answers")
				}
				c.sleep(250 * time.Millisecond)
			}
			continue
		}
		if failing > 0 {
			c.log.Info().Int("retries", failing).Msg("reading the node inbox again")
			failing = 0
		}
		c.mu.Lock()
		for _, s := range res {
			for _, m := range s.Messages {
				d := delivery{}
				d.to, _ = m.Values["to"].(string)
				d.kind, _ = m.Values["k"].(string)
				d.chat, _ = m.Values["c"].(string)
				var err error
				if f, ok := m.Values["f"].(string); ok && f != "" {
					d.frame, err = c.seal.open(d.adata(), f)
				}
				if f, ok := m.Values["h"].(string); ok && f != "" && err == nil {
					d.extra, err = c.seal.open(d.adata(), f)
				}
				last = m.ID
				if err != nil {
					c.log.Error().Msg("an inbox entry does not open with this node's cluster key: do all nodes have the same --cluster-key-file?")
					continue
				}
				c.applyLocked(d)
			}
		}
		c.mu.Unlock()
		// Read entries are trimmed in bulk, not after every read: under a
		// light load nearly every read returns one entry. Their content is
		// sealed, so what waits to be trimmed is ciphertext.
		if read += len(res[0].Messages); read >= 512 || time.Since(trimmed) > time.Second {
			ctx, cancel := c.rctx()
			if err := c.rdb.XTrimMinID(ctx, keyInbox(c.node), last).Err(); err != nil && c.ctx.Err() == nil {
				c.log.Warn().Err(err).Msg("trimming the node inbox")
			}
			cancel()
			read, trimmed = 0, time.Now()
		}
	}
}

func (c *Cluster) sleep(d time.Duration) {
	select {
	case <-c.ctx.Done():
	case <-time.After(d):
	}
}

// ---- liveness

// heartbeatLoop keeps this node's alive key fresh, and notices (and mends)
// having been taken for dead, e.g. after Redis lost its keys.
func (c *Cluster) heartbeatLoop() {
	defer c.loops.Done()
	t := time.NewTicker(c.beat)
	defer t.Stop()
	first := true
	for {
		ctx, cancel := c.rctx()
		pipe := c.rdb.Pipeline()
		pipe.Set(ctx, keyAlive(c.node), "1", 4*c.beat)
		added := pipe.SAdd(ctx, keyNodes, c.node)
		pipe.Expire(ctx, keyInbox(c.node), time.Minute)
		_, err := pipe.Exec(ctx)
		cancel()
		if err == nil && added.Val() == 1 && !first {
			c.log.Warn().Msg("this node was taken for dead; binding its sockets again")
			c.reassert()
		}
		if err == nil {
			first = false
		}
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reassert binds this node's sockets to it again in Redis.
func (c *Cluster) reassert() {
	c.mu.Lock()
	var chats, users []string
	for id := range c.parents {
		chats = append(chats, id)
	}
	for u := range c.counselors {
		users = append(users, u)
	}
	c.mu.Unlock()
	ctx, cancel := c.rctx()
	defer cancel()
	for _, id := range chats {
		if _, err := scriptResumeBind.Run(ctx, c.rdb, []string{keyChat(id)}, id, c.node).Result(); err != nil {
			c.log.Warn().Err(err).Msg("binding a parent socket again")
		}
	}
	for _, u := range users {
		if _, err := scriptCounselorBind.Run(ctx, c.rdb, []string{keyCounselor(u)}, u, c.node).Result(); err != nil {
			c.log.Warn().Err(err).Msg("binding a counsellor socket again")
		}
	}
	c.publishViews()
}

// scriptResumeBind and scriptCounselorBind bind a socket that is still
// open here back to this node, if its chat or record still exists.
var scriptResumeBind = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local p = redis.call('HGET', KEYS[1], 'pnode')
if p and p ~= '' and p ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'pnode', ARGV[2])
redis.call('ZREM', 'pl:graces', 'p:' .. ARGV[1])
redis.call('SADD', 'pl:nodeparents:' .. ARGV[2], ARGV[1])
return 1
`)

var scriptCounselorBind = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HGET', KEYS[1], 'node')
if n and n ~= '' and n ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'node', ARGV[2])
redis.call('ZREM', 'pl:graces', 'c:' .. ARGV[1])
redis.call('SADD', 'pl:nodecos:' .. ARGV[2], ARGV[1])
return 1
`)

// sweepLoop ends the graces that ran out and reaps dead nodes. Every node
// runs it; the scripts make sure each grace and each dead node is handled
// once.
func (c *Cluster) sweepLoop() {
	defer c.loops.Done()
	t := time.NewTicker(c.beat / 2)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		c.sweepGraces()
		if n++; n%2 == 0 {
			c.reapDead()
		}
	}
}

func (c *Cluster) sweepGraces() {
	ctx, cancel := c.rctx()
	defer cancel()
	now := c.now().UnixMilli()
	due, err := c.rdb.ZRangeByScore(ctx, keyGraces, &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now, 10), Count: 100}).Result()
	if err != nil {
		return // Redis away: /readyz says so; try again next tick
	}
	for _, m := range due {
		if len(m) < 3 {
			continue
		}
		switch m[0] {
		case 'p':
			c.parentGone(ctx, m[2:], "timeout", now)
		case 'c':
			c.counselorGone(ctx, m[2:], now)
		}
	}
}

// reapAfter is how many checks in a row (one per heartbeat) a node's alive
// key must be missing before its sockets' graces start. A resume does not
// wait for this (it needs only the alive key gone); reaping is for sockets
// that never come back, so it errs on the slow side: after Redis restarts,
// every node must have time to say it is alive again.
const reapAfter = 10

// reapDead takes over for nodes whose alive key has been missing on
// reapAfter checks in a row.
func (c *Cluster) reapDead() {
	ctx, cancel := c.rctx()
	defer cancel()
	nodes, err := c.rdb.SMembers(ctx, keyNodes).Result()
	if err != nil {
		return
	}
	deadline := c.now().Add(c.opts.ResumeGrace).UnixMilli()
	for _, n := range nodes {
		if n == c.node {
			continue
		}
		alive, err := c.rdb.Exists(ctx, keyAlive(n)).Result()
		if err != nil {
			return
		}
		c.mu.Lock()
		if alive == 1 {
			delete(c.missing, n)
		} else {
			c.missing[n]++
		}
		misses := c.missing[n]
		c.mu.Unlock()
		if misses < reapAfter {
			continue
		}
		ok, err := scriptReap.Run(ctx, c.rdb, nil, n, deadline).Int()
		if err != nil {
			c.log.Warn().Err(err).Msg("reaping a dead node")
			continue
		}
		if ok == 1 {
			c.log.Info().Str("dead", n).Msg("a node stopped answering; its sockets may resume here")
			c.mu.Lock()
			delete(c.missing, n)
			c.mu.Unlock()
			c.publishViews()
		}
	}
}

// ---- lifecycle

func (c *Cluster) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.wg.Add(1)
	return true
}

func (c *Cluster) track(cn *conn, open bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if open {
		c.sockets[cn] = struct{}{}
	} else {
		delete(c.sockets, cn)
	}
}

// Shutdown tells this node's sockets that it is going away and closes them;
// their chats stay in Redis and resume through the other nodes.
func (c *Cluster) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	bye := encode(reasonFrame{Type: "closed", Reason: "shutting_down"})
	for s := range c.sockets {
		s.closeWith(bye, 1001, "server shutting down")
	}
	c.mu.Unlock()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		c.mu.Lock()
		for s := range c.sockets {
			s.ws.CloseNow()
		}
		c.mu.Unlock()
		<-done
		err = ctx.Err()
	}
	c.stop()
	c.loops.Wait()
	dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if e := c.rdb.Del(dctx, keyAlive(c.node), keyInbox(c.node)).Err(); e != nil {
		c.log.Warn().Err(e).Msg("removing this node's keys on shutdown")
	}
	c.rdb.SRem(dctx, keyNodes, c.node)
	return err
}

// Status reports the cluster's opening state, staffing and contacts.
func (c *Cluster) Status() Status {
	now := c.now()
	c.mu.Lock()
	v := c.view
	c.mu.Unlock()
	return statusAt(&c.opts, c.loc, now, v.available, v.queueLength)
}

// HandleStatus is GET /api/status on a cluster node.
func (c *Cluster) HandleStatus(w http.ResponseWriter, r *http.Request) {
	statusHandler(w, r, c.opts.OriginPatterns, c.Status())
}

// NotifyStaff sends a frame to a counsellor wherever they are connected.
func (c *Cluster) NotifyStaff(username string, frame any) bool {
	ctx, cancel := c.rctx()
	defer cancel()
	node, err := c.rdb.HGet(ctx, keyCounselor(username), "node").Result()
	if err != nil || node == "" {
		return false
	}
	return c.deliver(ctx, node, delivery{to: "c:" + username, frame: encode(frame)}) == nil
}

// ---- views

func (c *Cluster) markDirtyLocked() {
	if !c.dirty {
		c.dirty = true
		select {
		case c.dirtyWake <- struct{}{}:
		default:
		}
	}
}

// publishViews tells every node (this one too) that the queue or a
// counsellor changed; each refreshes its own sockets' views, coalesced.
func (c *Cluster) publishViews() {
	ctx, cancel := c.rctx()
	defer cancel()
	if err := c.rdb.Publish(ctx, keyViews, c.node).Err(); err != nil {
		c.log.Warn().Err(err).Msg("publishing a view change")
	}
	c.mu.Lock()
	c.markDirtyLocked()
	c.mu.Unlock()
}

// viewsLoop refreshes queue positions and consoles when any node says
// something changed, at most once per FlushDelay, and every two seconds
// regardless (a missed notice costs at most that).
func (c *Cluster) viewsLoop() {
	defer c.loops.Done()
	sub := c.rdb.Subscribe(c.ctx, keyViews)
	defer sub.Close()
	ch := sub.Channel()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	failing := 0
	go func() {
		for range ch {
			c.mu.Lock()
			c.markDirtyLocked()
			c.mu.Unlock()
		}
	}()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		case <-c.dirtyWake:
			c.sleep(c.opts.FlushDelay)
		}
		c.mu.Lock()
		c.dirty = false
		c.mu.Unlock()
		if err := c.refresh(); err != nil && c.ctx.Err() == nil {
			if failing++; failing == 1 {
				c.log.Warn().Err(err).Msg("refreshing the queue and consoles; retrying until Redis answers")
			}
		} else if failing > 0 {
			c.log.Info().Int("retries", failing).Msg("refreshing the queue and consoles again")
			failing = 0
		}
	}
}
