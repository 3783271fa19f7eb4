//go:build linux

package load

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// lead is how long after the setup the timetable starts, so that every
// sender goroutine is waiting when it does.
const lead = 100 * time.Millisecond

// runLoad runs the modes that send messages: open, closed, churn and soak.
func (r *runner) runLoad(res *Result) error {
	res.Rate = r.cfg.Rate
	if r.cfg.Mode == Closed {
		res.Rate = 0
	}
	if r.cfg.churnCounselors() > 0 {
		res.ChurnRate = r.cfg.ChurnRate
	}
	before, err := r.sample("baseline", 0)
	if err != nil {
		return err
	}
	list, err := r.setUp(res)
	if err != nil {
		return err
	}
	cpu, err := r.drive(res, list)
	if err != nil {
		return err
	}
	after, err := r.sample("load", r.since())
	if err != nil {
		return err
	}
	r.fill(res, before, after, cpu)
	if r.cfg.Mode == Soak {
		return r.soakAfter(res, before)
	}
	if err := r.leave(); err != nil {
		return fmt.Errorf("leaving after the run: %w", err)
	}
	return nil
}

// setUp connects the chats (and the churn counsellors) and publishes them
// to the reader goroutines.
func (r *runner) setUp(res *Result) ([]*chat, error) {
	began := time.Now()
	list, err := r.target.connect(r.ctx, r.cfg.Chats)
	if err != nil {
		return nil, err
	}
	r.chats.Store(&list)
	if r.cfg.churnCounselors() > 0 {
		if err := r.target.prepareChurn(r.ctx); err != nil {
			return nil, err
		}
	}
	res.Conns = r.conns()
	r.cfg.Logf("%s %s: %d chats over %d sockets ready in %.1fs", r.cfg.Target, r.cfg.Mode, len(list), res.Conns, time.Since(began).Seconds())
	return list, nil
}

// drive starts the timetable, sends until it ends, waits for what is still
// on its way, and returns each server process's CPU time over the measured
// window.
func (r *runner) drive(res *Result, list []*chat) ([]time.Duration, error) {
	cfg := r.cfg
	clk := &clock{start: time.Now().Add(lead), from: cfg.Warmup, to: cfg.Warmup + cfg.Duration}
	r.clock.Store(clk)
	var senders, churn sync.WaitGroup
	if cfg.Mode == Closed {
		r.closedLoop(&senders, list)
	} else if err := r.openLoop(&senders, list); err != nil {
		return nil, err
	}
	if cfg.churnCounselors() > 0 {
		churn.Go(r.churnLoop)
	}
	defer r.sampleEvery(cfg.Mode == Soak)()

	if !r.sleepUntil(clk.from) {
		return nil, r.ctx.Err()
	}
	cpu0, err := r.cpu()
	if err != nil {
		return nil, err
	}
	r.window(false)
	tool0, _ := cpuTime(os.Getpid())
	r.waitBounded(&senders, clk.start.Add(clk.to+cfg.Drain+5*time.Second))
	r.waitBounded(&churn, clk.start.Add(clk.to+cfg.Drain+15*time.Second)) // churn chats time out after 10 s
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	r.drain()
	r.frozen.Store(true)
	spent, err := r.cpuSince(cpu0)
	if err != nil {
		return nil, err
	}
	r.window(true)
	if tool1, err := cpuTime(os.Getpid()); err == nil {
		res.ToolCPUS = seconds(tool1 - tool0)
	}
	return spent, nil
}

// leave makes everyone leave as a user would, within 30 s.
func (r *runner) leave() error {
	r.closing.Store(true)
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	return r.target.leave(ctx)
}

// openLoop sends on a fixed timetable: message j of the run is due at
// j/Rate and belongs to chat j mod Chats, whose k-th message (k = j div
// Chats) comes alternately from the parent and from the counsellor. One
// scheduler wakes at each due time and hands the message to its chat's
// sender goroutine, so a slow socket holds up only its own chat.
func (r *runner) openLoop(wg *sync.WaitGroup, list []*chat) error {
	timer, err := newPreciseTimer()
	if err != nil {
		return err
	}
	queues := make([]chan due, len(list))
	for i, c := range list {
		queues[i] = make(chan due, 64)
		wg.Go(func() { r.sendQueued(c, queues[i]) })
	}
	wg.Go(func() { r.schedule(timer, queues) })
	return nil
}

// due is one message the scheduler hands to its chat's sender.
type due struct {
	seq int64
	at  time.Duration
}

func (r *runner) schedule(timer *preciseTimer, queues []chan due) {
	defer func() {
		for _, q := range queues {
			close(q)
		}
	}()
	defer timer.close()
	defer timer.closeOn(r.ctx)()
	clk := r.clock.Load()
	perMsg := float64(time.Second) / r.cfg.Rate
	n := int64(len(queues))
	for j := int64(0); ; j++ {
		at := time.Duration(perMsg * float64(j))
		if at >= clk.to || timer.waitUntil(clk.start.Add(at)) != nil {
			return
		}
		select {
		case queues[j%n] <- due{seq: j / n, at: at}:
		case <-r.ctx.Done():
			return
		}
	}
}

func (r *runner) sendQueued(c *chat, queue <-chan due) {
	from := r.clock.Load().from
	for d := range queue {
		c.send(r, side(d.seq%2), d.seq, d.at)
		if d.at >= from {
			r.lag.record(r.since() - d.at)
		}
	}
}

// closedLoop starts one driver per chat that keeps one message in flight:
// the side that received a message sends the next.
func (r *runner) closedLoop(wg *sync.WaitGroup, list []*chat) {
	for _, c := range list {
		wg.Go(func() { r.pingPong(c) })
	}
}

func (r *runner) pingPong(c *chat) {
	clk := r.clock.Load()
	deadline := time.NewTimer(time.Until(clk.start.Add(clk.to + r.cfg.Drain)))
	defer deadline.Stop()
	if !r.sleepUntil(0) {
		return
	}
	for k := int64(0); ; k++ {
		at := r.since()
		if at >= clk.to {
			return
		}
		c.send(r, side(k%2), k, at)
		select {
		case <-c.arrived:
		case <-deadline.C:
			return
		case <-r.ctx.Done():
			return
		}
	}
}

// churnLoop starts ChurnRate short chats per second until the timetable
// ends, each in its own goroutine, never more at once than the churn
// counsellors can hold.
func (r *runner) churnLoop() {
	clk := r.clock.Load()
	interval := time.Duration(float64(time.Second) / r.cfg.ChurnRate)
	limit := int64(r.cfg.churnCounselors() * r.cfg.MaxChats)
	var wg sync.WaitGroup
	defer wg.Wait()
	for id := int64(0); ; id++ {
		at := time.Duration(id) * interval
		if at >= clk.to || !r.sleepUntil(at) {
			return
		}
		r.churnStarted.Add(1)
		if r.churnInFlight.Load() >= limit {
			r.churnFailed.Add(1)
			r.count("churn: skipped, too many in flight")
			continue
		}
		r.churnInFlight.Add(1)
		wg.Go(func() {
			defer r.churnInFlight.Add(-1)
			ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
			defer cancel()
			if err := r.target.churnOne(ctx, id); err != nil {
				r.churnFailed.Add(1)
				r.count("churn: failed")
				r.cfg.Logf("churn chat %d: %v", id, err)
			}
		})
	}
}

// drain waits until every message sent has arrived (and, on parentline, been
// echoed to its sender) and every churn chat has ended, or for the drain period.
func (r *runner) drain() {
	deadline := time.Now().Add(r.cfg.Drain)
	for time.Now().Before(deadline) && !r.settled() {
		if r.sleep(5*time.Millisecond) != nil {
			return
		}
	}
}

func (r *runner) settled() bool {
	if r.churnDone.Load()+r.churnFailed.Load() < r.churnStarted.Load() {
		return false
	}
	var sent int64
	for _, c := range *r.chats.Load() {
		if !c.delivered() {
			return false
		}
		sent += c.sent[0].Load() + c.sent[1].Load()
	}
	return r.cfg.Target != Parentline || r.acks.Load() >= sent // parentline echoes every message to its sender
}

// fill completes res after the measured time.
func (r *runner) fill(res *Result, before, after Sample, spent []time.Duration) {
	r.snapshot(res)
	res.latencies(r.lat)
	if r.cfg.Mode != Closed {
		res.SendLagP99US = micros(r.lag.quantile(0.99))
	}
	res.MsgsPerS = float64(r.measured.Load()) / r.cfg.Duration.Seconds()
	if r.churnLat.count() > 0 {
		res.ChurnP50US = micros(r.churnLat.quantile(0.5))
		res.ChurnP99US = micros(r.churnLat.quantile(0.99))
	}
	res.Goroutines = after.Goroutines
	if len(r.cfg.pids()) > 0 {
		cpu := cpuFigures(res, spent)
		if n := r.measured.Load(); n > 0 {
			res.CPUUSPerMsg = float64(cpu.Microseconds()) / float64(n)
		}
		res.RSSBeforeBytes, res.RSSBytes = before.RSSBytes, after.RSSBytes
	}
}
