//go:build linux

package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// target is what differs between the real server and the floor: how chats,
// idle connections and churn chats are made, and how everyone leaves.
type target interface {
	connect(ctx context.Context, n int) ([]*chat, error) // n chats ready for messages
	connectIdle(ctx context.Context, n int) error        // n sockets that only wait
	prepareChurn(ctx context.Context) error              // before the first churn chat
	churnOne(ctx context.Context, id int64) error        // one short chat, start to end
	leave(ctx context.Context) error                     // everyone leaves, as a user would
}

// clock is the timetable of a run, published to the reader goroutines.
type clock struct {
	start    time.Time     // offsets in payloads count from here
	from, to time.Duration // messages scheduled in [from, to) are measured
}

// runner holds one run's sockets and counters.
type runner struct {
	cfg    Config
	ctx    context.Context // ends at the teardown, or when the caller's context does
	cancel context.CancelFunc
	io     context.Context // for socket reads and writes: never cancelled (cheaper in coder/websocket); the teardown closes the sockets
	dials  []*dialer       // one per node, in the order of the config's URLs
	login  *dialer         // where counsellors log in; nil: their own node
	runID  string
	target target

	clock    atomic.Pointer[clock]
	chats    atomic.Pointer[[]*chat]
	frozen   atomic.Bool // the measurement is over: no more latencies
	closing  atomic.Bool // sockets closing now are expected to
	nextSrc  atomic.Uint64
	lat      *histogram
	lag      *histogram
	churnLat *histogram
	measured atomic.Int64

	acks, outOfOrder, sendErrors, disconnects atomic.Int64
	churnStarted, churnDone, churnFailed      atomic.Int64
	churnInFlight                             atomic.Int64

	mu      sync.Mutex
	errors  map[string]int64
	peers   []*peer
	samples []Sample
}

// Run performs one run and returns what it measured. It returns an error
// when the run could not be set up or was interrupted; trouble during the
// measured time (lost messages, error frames, disconnects) is in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	hosts, login, err := cfg.validate()
	if err != nil {
		return Result{}, fmt.Errorf("load: %w", err)
	}
	r := newRunner(ctx, cfg, hosts, login)
	defer r.teardown()
	res := Result{Target: cfg.Target, Mode: cfg.Mode, Chats: cfg.Chats, DurationS: seconds(cfg.Duration)}
	if len(hosts) > 1 {
		res.Nodes = len(hosts)
	}
	if cfg.Mode == Idle {
		err = r.runIdle(&res)
	} else {
		err = r.runLoad(&res)
	}
	if err != nil {
		return res, fmt.Errorf("load: %s %s: %w", cfg.Target, cfg.Mode, err)
	}
	return res, nil
}

// newRunner prepares a run against the nodes at hosts (host:port each),
// with counsellors logging in at login ("": each at their own node).
func newRunner(ctx context.Context, cfg Config, hosts []string, login string) *runner {
	id := make([]byte, 4)
	rand.Read(id)
	r := &runner{cfg: cfg, runID: hex.EncodeToString(id),
		lat: &histogram{}, lag: &histogram{}, churnLat: &histogram{}, errors: map[string]int64{}}
	for _, h := range hosts {
		r.dials = append(r.dials, newDialer(h))
	}
	if login != "" {
		r.login = newDialer(login)
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	r.io = context.WithoutCancel(ctx)
	context.AfterFunc(r.ctx, func() { // an interrupted run: unblock every read and write
		r.closing.Store(true)
		r.closeAll()
	})
	if cfg.Target == Parentline {
		r.target = &parentlineTarget{r: r}
	} else {
		r.target = &floorTarget{r: r}
	}
	return r
}

// source picks the next source address for a parent or floor socket.
func (r *runner) source() int { return 1 + int(r.nextSrc.Add(1)%uint64(r.cfg.SourceAddrs)) }

// node is the dialer of node k mod the number of nodes.
func (r *runner) node(k int64) *dialer { return r.dials[k%int64(len(r.dials))] }

// loginAt is where a counsellor whose console is on node k logs in.
func (r *runner) loginAt(k int) *dialer {
	if r.login != nil {
		return r.login
	}
	return r.dials[k]
}

func (r *runner) count(what string) {
	r.mu.Lock()
	r.errors[what]++
	r.mu.Unlock()
}

func (r *runner) conns() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.peers)
}

// socketEnded notes a socket the server closed while the run still needed it.
func (r *runner) socketEnded(err error) {
	if r.closing.Load() || r.ctx.Err() != nil {
		return
	}
	r.disconnects.Add(1)
	if status := websocket.CloseStatus(err); status != -1 {
		r.count(fmt.Sprintf("disconnect: %v", status))
	} else {
		r.count("disconnect: connection lost")
	}
}

// received measures one chat message that arrived at side at.
func (r *runner) received(at side, text []byte, now time.Time) {
	clk, list := r.clock.Load(), r.chats.Load()
	m, ok := parsePayload(text)
	if !ok || clk == nil || list == nil || m.chat < 0 || m.chat >= len(*list) {
		r.count("unexpected message")
		return
	}
	c := (*list)[m.chat]
	dir := 1 - int(at)
	c.recv[dir].Add(1)
	if prev := c.lastSeq[dir].Swap(m.seq); m.seq <= prev {
		r.outOfOrder.Add(1)
	}
	if m.sched >= clk.from && m.sched < clk.to && !r.frozen.Load() {
		r.lat.record(now.Sub(clk.start) - m.sched)
		r.measured.Add(1)
	}
	select {
	case c.arrived <- struct{}{}:
	default:
	}
}

// since is the time since the timetable's start.
func (r *runner) since() time.Duration { return time.Since(r.clock.Load().start) }

// sleepUntil waits until offset at of the timetable; false if the run ended.
func (r *runner) sleepUntil(at time.Duration) bool {
	d := time.Until(r.clock.Load().start.Add(at))
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// sleep waits for d unless the run ends first.
func (r *runner) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// teardown closes every socket the run still holds.
func (r *runner) teardown() {
	r.closing.Store(true)
	r.closeAll()
	r.cancel()
	for _, d := range append(r.dials, r.login) {
		if d != nil {
			d.closeIdle()
		}
	}
}

func (r *runner) closeAll() {
	r.mu.Lock()
	peers := r.peers
	r.peers = nil
	r.mu.Unlock()
	for _, p := range peers {
		p.ws.CloseNow()
	}
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for _, p := range peers {
		select {
		case <-p.done:
		case <-timeout.C:
			return
		}
	}
}

// waitBounded waits for wg; if that lasts past deadline (a write blocked on
// a server that stopped reading), it closes every socket so the run ends.
func (r *runner) waitBounded(wg *sync.WaitGroup, deadline time.Time) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		r.count("stuck: sockets closed to end the run")
		r.closing.Store(true)
		r.closeAll()
		<-done
	}
}

// snapshot fills the message counters of res.
func (r *runner) snapshot(res *Result) {
	list := r.chats.Load()
	if list != nil {
		for _, c := range *list {
			for dir := range 2 {
				sent, recv := c.sent[dir].Load(), c.recv[dir].Load()
				res.Sent += sent
				res.Received += recv
				res.Lost += max(sent-recv, 0)
			}
			if c.recv[0].Load() > 0 && c.recv[1].Load() > 0 {
				res.ChatsUsed++
			}
		}
	}
	res.Acks = r.acks.Load()
	res.OutOfOrder = r.outOfOrder.Load()
	res.SendErrors = r.sendErrors.Load()
	res.Disconnects = r.disconnects.Load()
	res.ChurnStarted = r.churnStarted.Load()
	res.ChurnDone = r.churnDone.Load()
	res.ChurnFailed = r.churnFailed.Load()
	r.mu.Lock()
	if len(r.errors) > 0 {
		res.Errors = maps.Clone(r.errors)
	}
	r.mu.Unlock()
}

// parallel runs fn for 0…n-1, at most width at a time, and returns the
// first error (which stops the rest from starting).
func parallel(ctx context.Context, n, width int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	sem := make(chan struct{}, width)
loop:
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return first
}
