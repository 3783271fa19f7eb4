//go:build linux

package load

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// cpu is the CPU time so far of each server process, in the order of the
// config's PIDs (none without a PID).
func (r *runner) cpu() ([]time.Duration, error) {
	pids := r.cfg.pids()
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		d, err := cpuTime(pid)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// cpuSince is what each process spent since before (a reading of cpu).
func (r *runner) cpuSince(before []time.Duration) ([]time.Duration, error) {
	now, err := r.cpu()
	if err != nil {
		return nil, err
	}
	for i := range now {
		now[i] -= before[i]
	}
	return now, nil
}

// window tells the caller's Window hook where the measured time begins or ends.
func (r *runner) window(end bool) {
	if r.cfg.Window != nil {
		r.cfg.Window(end)
	}
}

// cpuFigures fills the CPU figures of res from what each server process
// spent over the window: the sum, and each apart when there are several.
func cpuFigures(res *Result, spent []time.Duration) time.Duration {
	var total time.Duration
	for _, d := range spent {
		total += d
	}
	res.CPUS = seconds(total)
	if len(spent) > 1 {
		res.CPUSEach = make([]float64, len(spent))
		for i, d := range spent {
			res.CPUSEach[i] = seconds(d)
		}
	}
	return total
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
	for _, pid := range r.cfg.pids() {
		n, err := rss(pid)
		if err != nil {
			return s, err
		}
		s.RSSBytes += n
	}
	if r.cfg.Target == Parentline {
		// With --metrics-addr a node serves /metrics elsewhere; then its
		// goroutines are simply not counted. Several nodes: the sum.
		for _, d := range r.dials {
			n, err := goroutines(r.ctx, d.client(1), d.url("/metrics"))
			if errors.Is(err, errNoMetrics) {
				r.cfg.Logf("no /metrics on %s: its goroutines not counted", d.host)
				continue
			}
			if err != nil {
				return s, err
			}
			s.Goroutines += n
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
