//go:build linux

package load

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// cpu is the server's CPU time so far (zero without a PID).
func (r *runner) cpu() (time.Duration, error) {
	if r.cfg.ServerPID <= 0 {
		return 0, nil
	}
	return cpuTime(r.cfg.ServerPID)
}

// sample looks at the server's memory and goroutines, as far as it can.
func (r *runner) sample(phase string, at time.Duration) (Sample, error) {
	s := Sample{AtS: seconds(at), Phase: phase}
	if list := r.chats.Load(); list != nil {
		for _, c := range *list {
			s.Sent += c.sent[0].Load() + c.sent[1].Load()
			s.Received += c.recv[0].Load() + c.recv[1].Load()
		}
	}
	var err error
	if r.cfg.ServerPID > 0 {
		if s.RSSBytes, err = rss(r.cfg.ServerPID); err != nil {
			return s, err
		}
	}
	if r.cfg.Target == Parentline {
		// With --metrics-addr the server serves /metrics elsewhere; then the
		// goroutine count is simply not known.
		if s.Goroutines, err = goroutines(r.ctx, r.dial.client(1), r.dial.url("/metrics")); errors.Is(err, errNoMetrics) {
			r.cfg.Logf("no /metrics on the main address: goroutines not counted")
		} else if err != nil {
			return s, err
		}
	}
	return s, nil
}

// sampleEvery samples the server every Sample interval into r.samples
// (when on) until the returned function is called.
func (r *runner) sampleEvery(on bool) (stop func()) {
	if !on {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.cfg.Sample)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.record(r.sample("load", r.since()))
			case <-done:
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *runner) record(s Sample, err error) {
	if err != nil {
		r.count("sample failed")
		r.cfg.Logf("soak sample: %v", err)
		return
	}
	r.cfg.Logf("soak %-5s %7.0fs  rss %6.1f MiB  goroutines %6d  sent %d  received %d",
		s.Phase, s.AtS, float64(s.RSSBytes)/(1<<20), s.Goroutines, s.Sent, s.Received)
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

// soakAfter makes everyone leave, watches the server settle and says
// whether its memory and goroutines came back near the baseline.
func (r *runner) soakAfter(res *Result, baseline Sample) error {
	if err := r.leave(); err != nil {
		return fmt.Errorf("leaving after the soak: %w", err)
	}
	r.closeAll()
	left := r.since()
	r.cfg.Logf("soak: everyone left; watching the server for %s", r.cfg.Settle)
	for waited := time.Duration(0); waited < r.cfg.Settle; {
		step := min(r.cfg.Sample, r.cfg.Settle-waited)
		if err := r.sleep(step); err != nil {
			return err
		}
		waited += step
		r.record(r.sample("after", left+waited))
	}
	r.mu.Lock()
	samples := append([]Sample(nil), r.samples...)
	r.mu.Unlock()
	rep := &SoakReport{Baseline: baseline, Samples: samples}
	if len(samples) > 0 {
		last := samples[len(samples)-1]
		var peak int64
		for _, s := range samples {
			peak = max(peak, s.RSSBytes)
		}
		rep.RSSReturned = last.RSSBytes-baseline.RSSBytes <= (peak-baseline.RSSBytes)/4
		rep.GoroutinesReturned = last.Goroutines <= baseline.Goroutines+5
	}
	res.Soak = rep
	return nil
}
