//go:build linux

package load

import "time"

// runIdle connects idle sockets, holds them for the duration and measures
// the server's memory per connection at the end of it.
func (r *runner) runIdle(res *Result) error {
	before, err := r.sample("baseline", 0)
	if err != nil {
		return err
	}
	setup := time.Now()
	if err := r.target.connectIdle(r.ctx, r.cfg.Chats); err != nil {
		return err
	}
	res.Conns = r.conns()
	r.cfg.Logf("%s idle: %d sockets connected in %.1fs; holding for %s", r.cfg.Target, res.Conns, time.Since(setup).Seconds(), r.cfg.Duration)
	cpu0, err := r.cpu()
	if err != nil {
		return err
	}
	r.window(false)
	if err := r.sleep(r.cfg.Duration); err != nil {
		return err
	}
	spent, err := r.cpuSince(cpu0)
	if err != nil {
		return err
	}
	r.window(true)
	after, err := r.sample("idle", r.cfg.Duration)
	if err != nil {
		return err
	}
	r.snapshot(res)
	res.Goroutines = after.Goroutines
	if len(r.cfg.pids()) > 0 {
		cpuFigures(res, spent)
		res.RSSBeforeBytes, res.RSSBytes = before.RSSBytes, after.RSSBytes
		res.RSSPerConnBytes = float64(after.RSSBytes-before.RSSBytes) / float64(res.Conns)
	}
	return r.leave()
}
