//go:build linux

package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram counts durations in log-linear buckets: exact below 128 ns, then
// 128 buckets per power of two, so a bucket is at most 1/128 (0.8 %) wide and
// its midpoint is within 0.4 % of any value in it. Safe for concurrent use.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	histMaxExp  = 40 // values up to 2^47 ns (about 39 hours) are kept apart; longer ones share the top bucket
	histBuckets = (histMaxExp + 2) * histSub
)

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v int64) int {
	if v < histSub {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - histSubBits - 1
	if e > histMaxExp {
		return histBuckets - 1
	}
	return e*histSub + int(v>>e)
}

// bucketMid is the middle of bucket i in nanoseconds.
func bucketMid(i int) float64 {
	if i < 2*histSub {
		return float64(i)
	}
	e := i/histSub - 1
	low := int64(i-e*histSub) << e
	return float64(low) + float64(int64(1)<<e)/2
}

func (h *histogram) record(d time.Duration) {
	v := int64(d)
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

func (h *histogram) count() uint64 { return h.n.Load() }

// quantile returns the q-quantile (0 < q ≤ 1) in nanoseconds: the midpoint
// of the bucket holding the value of rank ceil(q·n), never above the maximum.
func (h *histogram) quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.999999)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(bucketMid(i), float64(h.max.Load()))
		}
	}
	return float64(h.max.Load())
}
