package stats

// Protection of small counts: the cell-key method (CKM) with suppression of
// small perturbed values, plus protective suppression of a whole whose noise
// would otherwise pin a small count inside it. docs/statistics.md explains the
// method and why; this file is the whole of it.

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// The cell-key secret: 32 random bytes made once, kept next to the tallies.
var (
	bucketStatsMeta = []byte("stats_meta")
	keyCellSecret   = []byte("cellkey_secret")
)

const cellSecretLen = 32

// maxNoise is the largest deviation of a published count from the truth.
const maxNoise = 2

// Statuses of a published number.
const (
	StatusExact      = "exact"      // a true zero
	StatusPerturbed  = "perturbed"  // the true count plus noise of at most ±2
	StatusSuppressed = "suppressed" // withheld: "count" is null
)

// loadOrCreateSecret reads the cell-key secret, creating it on first use.
func loadOrCreateSecret(db *bolt.DB) ([]byte, error) {
	var secret []byte
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStatsMeta)
		if err != nil {
			return err
		}
		if v := b.Get(keyCellSecret); v != nil {
			if len(v) != cellSecretLen {
				return fmt.Errorf("cell-key secret has %d bytes, want %d", len(v), cellSecretLen)
			}
			secret = bytes.Clone(v)
			return nil
		}
		s := make([]byte, cellSecretLen)
		if _, err := rand.Read(s); err != nil {
			return err
		}
		secret = s
		return b.Put(keyCellSecret, bytes.Clone(s))
	})
	if err != nil {
		return nil, fmt.Errorf("stats: cell-key secret: %w", err)
	}
	return secret, nil
}

// noiseOf maps the first 8 bytes of a cell key to the noise: 0 with
// probability 0.4, -1 and +1 with 0.2 each, -2 and +2 with 0.1 each.
func noiseOf(sum []byte) int8 {
	switch binary.BigEndian.Uint64(sum) % 10 {
	case 0, 1, 2, 3:
		return 0
	case 4, 5:
		return -1
	case 6, 7:
		return 1
	case 8:
		return -2
	default:
		return 2
	}
}

// protectMode lets tests compare the real publisher with weaker ones.
type protectMode uint8

const (
	modeProtected protectMode = iota // CKM, suppression below k, protective suppression
	modeBaseCKM                      // CKM and suppression below k only (shown by tests to leak)
	modePlain                        // true counts, nothing suppressed (shown by tests to leak)
)

// publisher turns true counts of one dataset into published numbers. It
// memoizes per node; it is used by one report at a time.
type publisher struct {
	ds   *dataset
	k    int64
	mode protectMode
	mac  hash.Hash
	buf  []byte
	sum  []byte
	base map[node]int8 // the cell-key noise of a node's true value
	ltc  map[node]bool // lowerCovered
	pc   map[node]bool // pinnable
}

func newPublisher(ds *dataset, secret []byte, k int, mode protectMode) *publisher {
	return &publisher{
		ds:   ds,
		k:    int64(k),
		mode: mode,
		mac:  hmac.New(sha256.New, secret),
		buf:  make([]byte, 0, 128),
		sum:  make([]byte, 0, sha256.Size),
		base: make(map[node]int8),
		ltc:  make(map[node]bool),
		pc:   make(map[node]bool),
	}
}

// noise is the cell-key noise of n: a function of the secret, what the number
// is (its canonical identity) and its true value, nothing else. The same
// number therefore gets the same noise in every report, and new noise when
// its value changes.
func (p *publisher) noise(n node) int8 {
	if z, ok := p.base[n]; ok {
		return z
	}
	p.buf = p.ds.appendIdentity(p.buf[:0], n)
	p.buf = append(p.buf, '|')
	p.buf = strconv.AppendInt(p.buf, p.ds.value(n), 10)
	p.mac.Reset()
	p.mac.Write(p.buf)
	p.sum = p.mac.Sum(p.sum[:0])
	z := noiseOf(p.sum)
	p.base[n] = z
	return z
}

// publish gives the published count (nil when suppressed) and status of n.
func (p *publisher) publish(n node) (*int64, string) {
	v := p.ds.value(n)
	if v == 0 {
		zero := int64(0)
		return &zero, StatusExact
	}
	if p.mode == modePlain {
		return &v, StatusPerturbed
	}
	z := int64(p.noise(n))
	if p.mode == modeProtected && z == -maxNoise && v >= p.k+maxNoise && p.pinnable(n) {
		return nil, StatusSuppressed
	}
	c := v + z
	if c < p.k {
		return nil, StatusSuppressed
	}
	return &c, StatusPerturbed
}

// Protective suppression.
//
// An attacker who knows the method reads each published number as an
// interval of possible true values: exact 0 → [0,0]; perturbed c →
// [max(1,c-2), c+2]; suppressed → [1,∞). A whole W made of parts (W = sum of
// parts, or W = parts + a rest known to be ≥ 0) gives a part t the upper bound
// U(W) - Σ L(other parts) - L(rest). That bound equals t exactly when W's
// upper bound is its truth (noise -2) and every other part and the rest sit on
// their lower bounds ("lower-tight": a true 0 or 1, or noise +2). Together with
// t ≥ 1 (t is not an exact zero) that pins a small t. publish withholds such a
// W instead, so no single relation, nor a chain of nested ones, pins a count of
// 1..k: whenever W's noise is -2 and W is at least k+2 it asks pinnable(W).
//
// Everything used is inside W (its finer periods and dimensions), so the
// decision is the same in every report that shows W.

// small reports whether n is a count the rule shields (1..k; k itself too, so
// that an attacker cannot tell a shielded k-1 from an unshielded k).
func (p *publisher) small(n node) bool {
	v := p.ds.value(n)
	return v >= 1 && v <= p.k
}

// lowerTight reports whether n's own published interval starts at its truth.
// It does not depend on protective suppression (a withheld whole is ≥ k+2,
// and so is neither a 0 or 1 nor on its lower bound), so it uses the noise.
func (p *publisher) lowerTight(n node) bool {
	v := p.ds.value(n)
	if v <= 1 {
		return true
	}
	return p.noise(n) == maxNoise && v+maxNoise >= p.k
}

// lowerCovered reports whether n's truth equals the best lower bound an
// attacker gets for it from its own interval or from parts that add up to it.
func (p *publisher) lowerCovered(n node) bool {
	if r, ok := p.ltc[n]; ok {
		return r
	}
	r := p.lowerTight(n)
	if !r {
		r = p.ds.splits(n, func(parts []node) bool {
			for _, c := range parts {
				if !p.lowerCovered(c) {
					return false
				}
			}
			return true
		})
	}
	p.ltc[n] = r
	return r
}

// pinnable reports whether n splits, directly or through nested splits, into
// a small count and other parts that are all lower-covered, with nothing left
// over: an upper-tight n would then pin that count.
func (p *publisher) pinnable(n node) bool {
	if r, ok := p.pc[n]; ok {
		return r
	}
	r := p.ds.splits(n, func(parts []node) bool {
		loose := -1
		for i, c := range parts {
			if !p.lowerCovered(c) {
				if loose >= 0 {
					return false // two parts not covered: no pin through this split
				}
				loose = i
			}
		}
		if loose >= 0 {
			c := parts[loose]
			return p.small(c) || p.pinnable(c)
		}
		for _, c := range parts {
			if p.small(c) || p.pinnable(c) {
				return true
			}
		}
		return false
	})
	p.pc[n] = r
	return r
}
