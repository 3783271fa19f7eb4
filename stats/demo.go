package stats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Demo data: plausible counters for every day of a range, in buckets of their
// own ("demo_" + the live name), so a newcomer sees a populated report page and
// demo numbers never mix with real ones. Reports read them with source=demo.

// SeedDemo replaces the demo counters with made-up ones for every day from
// from to to (calendar dates), deterministic for a seed: about 20–60 chats a
// day, fewer at weekends and in summer, most in the evening, each answered or
// abandoned the same day, answered ones closed with one to three topics; and a
// few cases escalated to social services a month (with consent or as a report
// of concern), fewer for a month only partly in the range. It never touches
// the live buckets.
func SeedDemo(db *bolt.DB, topics []string, from, to time.Time, seed int64) error {
	if len(topics) == 0 {
		return errors.New("stats: seed demo: no topics")
	}
	for _, tp := range topics {
		if !idPattern.MatchString(tp) || tp == dimAll {
			return fmt.Errorf("stats: seed demo: %q is not a topic id", tp)
		}
	}
	first, last := dateOf(from), dateOf(to)
	if first.After(last) {
		return errors.New("stats: seed demo: from is after to")
	}
	if last.After(first.AddDate(maxRangeYears+1, 0, 0)) {
		return fmt.Errorf("stats: seed demo: at most %d years", maxRangeYears+1)
	}

	rng := rand.New(rand.NewPCG(uint64(seed), 0x7061726e656c696e)) // "parnelin"
	counts := map[string]map[string]uint64{
		nameTallies: {}, nameFlow: {}, nameWaits: {}, nameHours: {}, nameEsc: {},
	}
	weekdayFactor := [7]float64{1.15, 1.1, 1.05, 1.0, 0.85, 0.6, 0.8} // Monday first
	monthFactor := [12]float64{1.1, 1.05, 1.0, 0.95, 0.9, 0.75, 0.6, 0.85, 1.1, 1.1, 1.15, 0.9}
	hourWeight := [24]float64{
		0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.8, 1.0, 1.0, 1.1,
		1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 2.4, 2.8, 2.6, 1.8, 0.8,
	}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		month := d.Format("2006-01")
		wd := int(d.Weekday()+6)%7 + 1 // ISO: Monday 1
		mean := 38 * weekdayFactor[wd-1] * monthFactor[d.Month()-1]
		chats := int(math.Round(mean * (0.85 + 0.3*rng.Float64())))
		chats = min(max(chats, 20), 60)
		for range chats {
			aud := "young"
			if rng.Float64() < 0.42 {
				aud = "teen"
			}
			hour := demoPick(rng, hourWeight[:])
			counts[nameFlow][day+"|"+aud+"|queued"]++
			counts[nameHours][fmt.Sprintf("%s|%d|%02d", month, wd, hour)]++
			abandon := 0.1
			if hour >= 19 && hour <= 22 {
				abandon = 0.18 // the evening queue is longer
			}
			if rng.Float64() < abandon {
				counts[nameFlow][day+"|"+aud+"|abandoned"]++
				continue
			}
			counts[nameFlow][day+"|"+aud+"|answered"]++
			waits := []float64{0.3, 0.35, 0.2, 0.1, 0.05}
			if hour >= 19 && hour <= 22 {
				waits = []float64{0.12, 0.28, 0.3, 0.18, 0.12}
			}
			counts[nameWaits][day+"|"+aud+"|"+waitBucketIDs[demoPick(rng, waits)]]++
			n := 1
			if r := rng.Float64(); r < 0.05 {
				n = 3
			} else if r < 0.3 {
				n = 2
			}
			weights := demoTopicWeights(topics, aud, d.Month())
			chosen := make([]int, 0, n)
			for len(chosen) < n && len(chosen) < len(topics) {
				i := demoPick(rng, weights)
				if !slices.Contains(chosen, i) {
					chosen = append(chosen, i)
				}
			}
			for _, i := range chosen {
				counts[nameTallies][day+"|"+aud+"|"+topics[i]]++
			}
		}
	}

	// Escalations draw from a stream of their own, so the daily counters
	// stay what they were for a seed.
	erng := rand.New(rand.NewPCG(uint64(seed), 0x657363616c617465)) // "escalate"
	for m := periodStart(ptMonth, first); !m.After(last); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		lo, hi := m, end
		if lo.Before(first) {
			lo = first
		}
		if hi.After(last) {
			hi = last
		}
		share := (hi.Sub(lo).Hours()/24 + 1) / (end.Sub(m).Hours()/24 + 1)
		f := monthFactor[m.Month()-1] * share
		month := m.Format("2006-01")
		for i, kind := range escalationKinds {
			mean := [...]float64{9, 6}[i] * f // consented, mandatory
			if n := demoPoisson(erng, mean); n > 0 {
				counts[nameEsc][month+"|"+kind] = uint64(n)
			}
		}
	}

	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{nameTallies, nameFlow, nameWaits, nameHours, nameEsc} {
			bname := []byte(demoPrefix + name)
			if tx.Bucket(bname) != nil {
				if err := tx.DeleteBucket(bname); err != nil {
					return err
				}
			}
			b, err := tx.CreateBucket(bname)
			if err != nil {
				return err
			}
			b.FillPercent = 1 // keys go in in order
			keys := make([]string, 0, len(counts[name]))
			for k := range counts[name] {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if err := b.Put([]byte(k), binary.BigEndian.AppendUint64(nil, counts[name][k])); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// demoTopicWeights makes some topics common and others rare, with a few
// seasons: school in late summer and autumn, sleep in the dark months,
// screens and alcohol mostly for teenagers.
func demoTopicWeights(topics []string, aud string, m time.Month) []float64 {
	w := make([]float64, len(topics))
	for i, tp := range topics {
		w[i] = 1 / (1 + 0.35*float64(i))
		switch tp {
		case "school":
			if m == time.August || m == time.September || m == time.January {
				w[i] *= 2
			}
		case "sleep":
			if m >= time.November || m <= time.February {
				w[i] *= 1.6
			}
			if aud == "teen" {
				w[i] *= 0.6
			}
		case "screens", "alcohol_drugs":
			if aud == "teen" {
				w[i] *= 2.2
			} else {
				w[i] *= 0.5
			}
		}
	}
	return w
}

// pick draws an index with probability proportional to its weight.
func demoPick(rng *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := rng.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// demoPoisson draws a count with the given mean (Knuth's method; means here
// are small).
func demoPoisson(rng *rand.Rand, mean float64) int {
	limit := math.Exp(-mean)
	n := 0
	for p := rng.Float64(); p > limit; p *= rng.Float64() {
		n++
	}
	return n
}

// HasDemo reports whether demo counters exist.
func HasDemo(db *bolt.DB) bool {
	has := false
	_ = db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{nameTallies, nameFlow} {
			if b := tx.Bucket([]byte(demoPrefix + name)); b != nil {
				if k, _ := b.Cursor().First(); k != nil {
					has = true
				}
			}
		}
		return nil
	})
	return has
}
