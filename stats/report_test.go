package stats

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// ---- helpers shared by the report, protection, handler and demo tests ----

func repOpenDB(tb testing.TB) *bolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "stats.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func repDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// repCounters is a set of counter values by bucket (live name) and key.
type repCounters map[string]map[string]uint64

func (c repCounters) add(bucket, key string, n uint64) {
	if c[bucket] == nil {
		c[bucket] = make(map[string]uint64)
	}
	c[bucket][key] += n
}

// write stores the repCounters, adding to what is there, in the live buckets or
// (prefix "demo_") the demo ones.
func (c repCounters) write(tb testing.TB, db *bolt.DB, prefix string) {
	tb.Helper()
	err := db.Update(func(tx *bolt.Tx) error {
		for bucket, kv := range c {
			b, err := tx.CreateBucketIfNotExists([]byte(prefix + bucket))
			if err != nil {
				return err
			}
			b.FillPercent = 0.9
			keys := make([]string, 0, len(kv))
			for k := range kv {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				n := kv[k]
				if v := b.Get([]byte(k)); len(v) == 8 {
					n += binary.BigEndian.Uint64(v)
				}
				if err := b.Put([]byte(k), binary.BigEndian.AppendUint64(nil, n)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// chat adds one chat the way the chat core tallies it: queued (with its hour),
// then answered after a wait in bucket, closed with topics; or abandoned when
// bucket is "".
func (c repCounters) chat(day time.Time, hour int, aud, bucket string, topics ...string) {
	d := day.Format("2006-01-02")
	wd := int(day.Weekday()+6)%7 + 1
	c.add(nameFlow, d+"|"+aud+"|queued", 1)
	c.add(nameHours, fmt.Sprintf("%s|%d|%02d", day.Format("2006-01"), wd, hour), 1)
	if bucket == "" {
		c.add(nameFlow, d+"|"+aud+"|abandoned", 1)
		return
	}
	c.add(nameFlow, d+"|"+aud+"|answered", 1)
	c.add(nameWaits, d+"|"+aud+"|"+bucket, 1)
	for _, tp := range topics {
		c.add(nameTallies, d+"|"+aud+"|"+tp, 1)
	}
}

// escalations adds cases escalated to social services, the way the consent
// module counts them ("YYYY-MM|consented", "YYYY-MM|mandatory"): for every
// month from..to touches, about perMonth consented and half as many mandatory
// ones. It draws from a stream of its own, so the daily data of a seed stays.
func (c repCounters) escalations(seed uint64, from, to time.Time, perMonth float64) {
	rng := rand.New(rand.NewPCG(seed, 0xe5c))
	for m := periodStart(ptMonth, from); !m.After(to); m = m.AddDate(0, 1, 0) {
		for i, kind := range escalationKinds {
			mean := perMonth / float64(1+i)
			n := int(rng.Float64() * 2 * mean)
			if rng.Float64() < 0.15 {
				n = 0 // some quiet months
			}
			if n > 0 {
				c.add(nameEsc, m.Format("2006-01")+"|"+kind, uint64(n))
			}
		}
	}
}

// sparseData makes a low-volume service: perDay chats a day on average, so
// weeks and months are full of counts between 1 and k-1.
func sparseData(seed uint64, from, to time.Time, perDay float64, topics []string) repCounters {
	rng := rand.New(rand.NewPCG(seed, 42))
	c := repCounters{}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		x := rng.Float64() * 2 * perDay
		n := int(x)
		if rng.Float64() < x-float64(n) {
			n++
		}
		for range n {
			aud := "young"
			if rng.IntN(3) == 0 {
				aud = "teen"
			}
			hour := []int{9, 13, 19, 20, 21, 22}[rng.IntN(6)]
			if rng.IntN(5) == 0 {
				c.chat(d, hour, aud, "")
				continue
			}
			bucket := waitBucketIDs[rng.IntN(len(waitBucketIDs))]
			k := 1 + rng.IntN(2)
			var chosen []string
			for len(chosen) < k {
				tp := topics[rng.IntN(len(topics))]
				if !slices.Contains(chosen, tp) {
					chosen = append(chosen, tp)
				}
			}
			c.chat(d, hour, aud, bucket, chosen...)
		}
	}
	return c
}

func mustReporter(tb testing.TB, db *bolt.DB, tp *Topics, k int) *Reporter {
	tb.Helper()
	r, err := NewReporter(db, tp, k)
	if err != nil {
		tb.Fatal(err)
	}
	r.Now = func() time.Time { return time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC) }
	// A fixed secret, so a failure repeats; TestReport_Deterministic uses
	// the stored one.
	r.secret = []byte("report test secret..............")
	return r
}

func mustTopicsStore(tb testing.TB, db *bolt.DB) *Topics {
	tb.Helper()
	tp, err := OpenTopics(db)
	if err != nil {
		tb.Fatal(err)
	}
	return tp
}

// cellKey is the canonical identity of a published number, rebuilt from what
// the report says (the same format protect.go hashes).
func cellKey(kind string, c Cell) string {
	switch kind {
	case "topics":
		return "topics|" + c.Period + "|audience=" + c.Audience + "|topic=" + c.Topic
	case "flow":
		return "flow|" + c.Period + "|audience=" + c.Audience + "|event=" + c.Event
	case "waits":
		return "waits|" + c.Period + "|audience=" + c.Audience + "|bucket=" + c.Bucket
	case "escalations":
		return "escalations|" + c.Period + "|kind=" + c.Kind
	default:
		return "hours|" + c.Period + "|weekday=" + strconv.Itoa(c.Weekday) + "|hour=" + strconv.Itoa(*c.Hour)
	}
}

// published is one number as an attacker sees it.
type published struct {
	count  *int64
	status string
}

func (p published) String() string {
	if p.count == nil {
		return p.status
	}
	return fmt.Sprintf("%d %s", *p.count, p.status)
}

// collect adds every number of rep to all, failing when a number already
// there was published differently.
func repCollect(tb testing.TB, all map[string]published, rep Report) {
	tb.Helper()
	put := func(key string, p published) {
		if old, ok := all[key]; ok {
			if old.status != p.status || (old.count == nil) != (p.count == nil) || (old.count != nil && *old.count != *p.count) {
				tb.Fatalf("%s published as %v and as %v", key, old, p)
			}
			return
		}
		all[key] = p
	}
	for _, c := range rep.Cells {
		put(cellKey(rep.kind, c), published{c.Count, c.Status})
	}
	for _, t := range rep.Totals {
		key := "topics|" + t.Period + "|audience=all|topic=all"
		if rep.kind == "escalations" {
			key = "escalations|" + t.Period + "|kind=all"
		}
		put(key, published{t.Count, t.Status})
	}
}

// ---- truth, computed independently of report.go ----

// truth answers "what is the true value of this identity" from the repCounters.
type truth struct {
	c          repCounters
	idx        map[string][]int64 // "bucket|audience|value" (with "all") → prefix sums by day from base
	dmin, dmax time.Time
}

func (tr *truth) build() {
	tr.idx = make(map[string][]int64)
	first := true
	for _, b := range []string{nameTallies, nameFlow, nameWaits} {
		for k := range tr.c[b] {
			d, _ := time.Parse("2006-01-02", k[:10])
			if first || d.Before(tr.dmin) {
				tr.dmin = d
			}
			if first || d.After(tr.dmax) {
				tr.dmax = d
			}
			first = false
		}
	}
	days := int(tr.dmax.Sub(tr.dmin).Hours()/24) + 1
	for _, b := range []string{nameTallies, nameFlow, nameWaits} {
		for k, n := range tr.c[b] {
			f := strings.Split(k, "|")
			d, _ := time.Parse("2006-01-02", f[0])
			i := int(d.Sub(tr.dmin).Hours() / 24)
			for _, a := range []string{f[1], "all"} {
				for _, v := range []string{f[2], "all"} {
					key := b + "|" + a + "|" + v
					if tr.idx[key] == nil {
						tr.idx[key] = make([]int64, days+1)
					}
					tr.idx[key][i+1] += int64(n)
				}
			}
		}
	}
	for _, arr := range tr.idx {
		for i := 1; i < len(arr); i++ {
			arr[i] += arr[i-1]
		}
	}
}

// labelDays gives the first and last day of a period label.
func labelDays(tb testing.TB, label string) (time.Time, time.Time) {
	tb.Helper()
	switch {
	case strings.Contains(label, "-W"):
		y, _ := strconv.Atoi(label[:4])
		w, _ := strconv.Atoi(label[6:])
		jan4 := repDate(y, 1, 4)
		mon := jan4.AddDate(0, 0, -(int(jan4.Weekday()+6) % 7))
		s := mon.AddDate(0, 0, 7*(w-1))
		return s, s.AddDate(0, 0, 6)
	case strings.Contains(label, "-Q"):
		y, _ := strconv.Atoi(label[:4])
		q, _ := strconv.Atoi(label[6:])
		s := repDate(y, time.Month(3*q-2), 1)
		return s, s.AddDate(0, 3, -1)
	case len(label) == 7:
		s, err := time.Parse("2006-01", label)
		if err != nil {
			tb.Fatal(err)
		}
		return s, s.AddDate(0, 1, -1)
	case len(label) == 4:
		y, _ := strconv.Atoi(label)
		return repDate(y, 1, 1), repDate(y, 12, 31)
	}
	tb.Fatalf("bad label %q", label)
	return time.Time{}, time.Time{}
}

// of is the true value of an identity such as "topics|2026-03|audience=all|topic=sleep".
func (tr *truth) of(tb testing.TB, key string) int64 {
	tb.Helper()
	if tr.idx == nil {
		tr.build()
	}
	parts := strings.Split(key, "|")
	field := func(p string) string { return p[strings.IndexByte(p, '=')+1:] }
	var n int64
	if parts[0] == "hours" {
		ms := strings.Split(parts[1], "..")
		first, _ := time.Parse("2006-01", ms[0])
		last, _ := time.Parse("2006-01", ms[1])
		wd, hour := field(parts[2]), field(parts[3])
		h, _ := strconv.Atoi(hour)
		for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
			n += int64(tr.c[nameHours][fmt.Sprintf("%s|%s|%02d", m.Format("2006-01"), wd, h)])
		}
		return n
	}
	if parts[0] == "escalations" {
		from, to := labelDays(tb, parts[1])
		kind := field(parts[2])
		for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
			for _, k := range escalationKinds {
				if kind == k || kind == "all" {
					n += int64(tr.c[nameEsc][m.Format("2006-01")+"|"+k])
				}
			}
		}
		return n
	}
	bucket := map[string]string{"topics": nameTallies, "flow": nameFlow, "waits": nameWaits}[parts[0]]
	from, to := labelDays(tb, parts[1])
	arr := tr.idx[bucket+"|"+field(parts[2])+"|"+field(parts[3])]
	if arr == nil {
		return 0
	}
	i := int(from.Sub(tr.dmin).Hours() / 24)
	j := int(to.Sub(tr.dmin).Hours()/24) + 1
	i = min(max(i, 0), len(arr)-1)
	j = min(max(j, 0), len(arr)-1)
	return arr[j] - arr[i]
}

// noiseFor recomputes the cell-key noise of a number from the secret, as the
// docs describe it: HMAC-SHA256(secret, identity "|" value).
func noiseFor(secret []byte, key string, v int64) int64 {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key + "|" + strconv.FormatInt(v, 10)))
	return int64(noiseOf(m.Sum(nil)))
}

// everything runs every report the API offers over [from, to] and collects
// the numbers. Heat maps are asked for every range of months in heatFrom..heatTo.
func everything(tb testing.TB, r *Reporter, from, to, heatFrom, heatTo time.Time, source string) map[string]published {
	tb.Helper()
	all := make(map[string]published)
	for _, period := range []string{"week", "month", "quarter", "year"} {
		for _, by := range [][]string{{"topic"}, {"audience"}, {"topic", "audience"}} {
			rep, err := r.Topics(Query{From: from, To: to, Period: period, By: by, Source: source})
			if err != nil {
				tb.Fatal(err)
			}
			repCollect(tb, all, rep)
		}
		for _, by := range [][]string{{"all"}, {"audience"}} {
			rep, err := r.Flow(Query{From: from, To: to, Period: period, By: by, Source: source})
			if err != nil {
				tb.Fatal(err)
			}
			repCollect(tb, all, rep)
			rep, err = r.Waits(Query{From: from, To: to, Period: period, By: by, Source: source})
			if err != nil {
				tb.Fatal(err)
			}
			repCollect(tb, all, rep)
		}
		if period != "week" {
			rep, err := r.Escalations(Query{From: from, To: to, Period: period, Source: source})
			if err != nil {
				tb.Fatal(err)
			}
			repCollect(tb, all, rep)
		}
	}
	for m1 := heatFrom; !m1.After(heatTo); m1 = m1.AddDate(0, 1, 0) {
		for m2 := m1; !m2.After(heatTo); m2 = m2.AddDate(0, 1, 0) {
			rep, err := r.Heatmap(Query{From: m1, To: m2.AddDate(0, 1, -1), Source: source})
			if err != nil {
				tb.Fatal(err)
			}
			repCollect(tb, all, rep)
		}
	}
	return all
}

// ---- tests ----

// TestReport_ExactWhereAllowed closes a known set of chats over several days
// (topics through the real Tallies writer) and checks every number of every
// report: exact ones are true zeros, perturbed ones are within ±2 of the truth
// and at least k, suppressed ones are non-zero and either perturbed below k or
// withheld by protective suppression.
func TestReport_ExactWhereAllowed(t *testing.T) {
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	ta, err := OpenTallies(db, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	c := repCounters{}
	rng := rand.New(rand.NewPCG(7, 7))
	topics := []string{"sleep", "food", "school", "screens", "other"}
	for d := repDate(2026, 2, 23); !d.After(repDate(2026, 4, 12)); d = d.AddDate(0, 0, 1) {
		for range rng.IntN(9) {
			aud := []string{"young", "teen"}[rng.IntN(2)]
			chosen := []string{topics[rng.IntN(len(topics))]}
			if rng.IntN(3) == 0 && chosen[0] != "other" {
				chosen = append(chosen, "other")
			}
			done := make(chan error, 1)
			ta.Add(d.Format("2006-01-02"), aud, chosen, func(err error) { done <- err })
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			// The same chat's flow, wait and hour, written directly below.
			cc := repCounters{}
			cc.chat(d, 8+rng.IntN(15), aud, waitBucketIDs[rng.IntN(5)], chosen...)
			delete(cc, nameTallies)
			for b, kv := range cc {
				for k, n := range kv {
					c.add(b, k, n)
				}
			}
			for _, tp := range chosen {
				c.add(nameTallies, d.Format("2006-01-02")+"|"+aud+"|"+tp, 1)
			}
		}
		if rng.IntN(4) == 0 {
			c.chat(d, 20, "teen", "") // abandoned: no topics
		}
	}
	if err := ta.Close(); err != nil {
		t.Fatal(err)
	}
	c.escalations(7, repDate(2026, 1, 1), repDate(2026, 6, 30), 6)
	// Flow, waits, hours and escalations go straight to their buckets.
	rest := repCounters{}
	for b, kv := range c {
		if b != nameTallies {
			rest[b] = kv
		}
	}
	rest.write(t, db, "")

	for _, k := range []int{2, 5, 8} {
		r := mustReporter(t, db, tp, k)
		all := everything(t, r, repDate(2026, 1, 1), repDate(2026, 6, 30), repDate(2026, 1, 1), repDate(2026, 5, 1), SourceLive)
		tr := &truth{c: c}
		var exact, perturbed, small, protective int
		for key, p := range all {
			v := tr.of(t, key)
			switch p.status {
			case StatusExact:
				exact++
				if v != 0 || p.count == nil || *p.count != 0 {
					t.Errorf("k=%d %s: exact %v but truth %d", k, key, p, v)
				}
			case StatusPerturbed:
				perturbed++
				if p.count == nil || *p.count < int64(k) || *p.count < v-2 || *p.count > v+2 {
					t.Errorf("k=%d %s: perturbed %v but truth %d", k, key, p, v)
				} else if want := v + noiseFor(r.secret, key, v); *p.count != want {
					t.Errorf("k=%d %s: published %d, the cell key gives %d", k, key, *p.count, want)
				}
			case StatusSuppressed:
				z := noiseFor(r.secret, key, v)
				switch {
				case p.count != nil || v < 1:
					t.Errorf("k=%d %s: suppressed %v but truth %d", k, key, p, v)
				case v+z < int64(k):
					small++
				case z == -2 && v >= int64(k)+2:
					protective++
				default:
					t.Errorf("k=%d %s: suppressed, truth %d, noise %d", k, key, v, z)
				}
			default:
				t.Errorf("%s: status %q", key, p.status)
			}
		}
		t.Logf("k=%d: %d numbers: %d exact, %d perturbed, %d suppressed below k, %d protectively suppressed",
			k, len(all), exact, perturbed, small, protective)
		if exact == 0 || perturbed == 0 || small == 0 {
			t.Errorf("k=%d: the data should give every status", k)
		}
	}
}

// TestReport_Deterministic: the same query twice gives the same report, and
// a number shown by different reports and ranges is the same everywhere.
func TestReport_Deterministic(t *testing.T) {
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	sparseData(3, repDate(2026, 1, 1), repDate(2026, 12, 31), 4, []string{"sleep", "food", "school", "other"}).write(t, db, "")
	r, err := NewReporter(db, tp, 5)
	if err != nil {
		t.Fatal(err)
	}
	q := Query{From: repDate(2026, 1, 1), To: repDate(2026, 12, 31), Period: "week", By: []string{"topic", "audience"}}
	a, err := r.Topics(q)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := NewReporter(db, tp, 5) // a new Reporter loads the same secret
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.secret, r2.secret) || len(r.secret) != 32 {
		t.Fatal("the secret was not kept")
	}
	b, err := r2.Topics(q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same query gave different reports")
	}

	// One collection over overlapping ranges, groupings and reports: collect
	// fails on any number published two ways.
	all := make(map[string]published)
	for _, rg := range [][2]time.Time{
		{repDate(2026, 1, 1), repDate(2026, 12, 31)},
		{repDate(2026, 2, 10), repDate(2026, 7, 3)},
		{repDate(2026, 5, 31), repDate(2026, 6, 1)},
		{repDate(2025, 11, 1), repDate(2026, 3, 31)},
	} {
		for _, period := range []string{"week", "month", "quarter", "year"} {
			for _, by := range [][]string{{"topic"}, {"audience"}, {"audience", "topic"}} {
				rep, err := r.Topics(Query{From: rg[0], To: rg[1], Period: period, By: by})
				if err != nil {
					t.Fatal(err)
				}
				repCollect(t, all, rep)
			}
			for _, by := range [][]string{{"all"}, {"audience"}} {
				rep, err := r.Flow(Query{From: rg[0], To: rg[1], Period: period, By: by})
				if err != nil {
					t.Fatal(err)
				}
				repCollect(t, all, rep)
				rep, err = r.Waits(Query{From: rg[0], To: rg[1], Period: period, By: by})
				if err != nil {
					t.Fatal(err)
				}
				repCollect(t, all, rep)
			}
		}
	}
	// The month total appears in by=topic, by=audience and by=topic,audience.
	key := "topics|2026-03|audience=all|topic=all"
	if _, ok := all[key]; !ok {
		t.Fatalf("%s not published", key)
	}
	t.Logf("%d numbers, each published one way", len(all))
}

// TestReport_SmallNeverShown: no report shows a count between 1 and k-1, and
// a cell whose truth is 1..k-1 is suppressed or shown as a perturbed value ≥ k.
func TestReport_SmallNeverShown(t *testing.T) {
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	c := sparseData(11, repDate(2026, 1, 1), repDate(2026, 12, 31), 2, []string{"sleep", "food", "school", "screens", "other"})
	c.escalations(11, repDate(2026, 1, 1), repDate(2026, 12, 31), 4)
	c.write(t, db, "")
	for _, k := range []int{2, 3, 5, 10} {
		r := mustReporter(t, db, tp, k)
		all := everything(t, r, repDate(2026, 1, 1), repDate(2026, 12, 31), repDate(2026, 1, 1), repDate(2026, 12, 1), SourceLive)
		tr := &truth{c: c}
		smallCells := 0
		for key, p := range all {
			if p.count != nil && *p.count >= 1 && *p.count < int64(k) {
				t.Errorf("k=%d %s: shows %d", k, key, *p.count)
			}
			if v := tr.of(t, key); v >= 1 && v < int64(k) {
				smallCells++
				if p.status == StatusExact {
					t.Errorf("k=%d %s: truth %d shown exact", k, key, v)
				}
			}
		}
		if smallCells == 0 {
			t.Errorf("k=%d: no small cells in the data", k)
		}
	}
}

// TestReport_ValueDependentNoise: when a count grows by one, the published
// number moves by something other than +1 most of the time, so watching a
// period day by day does not show single chats.
func TestReport_ValueDependentNoise(t *testing.T) {
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	topics := []string{"sleep", "food", "school", "boundaries", "conflicts", "separation", "screens", "other"}
	c := repCounters{}
	for m := time.January; m <= time.December; m++ {
		for i, tp := range topics {
			for a, aud := range []string{"young", "teen"} {
				c.add(nameTallies, repDate(2026, m, 10).Format("2006-01-02")+"|"+aud+"|"+tp, uint64(10+i*3+a+int(m)))
			}
		}
	}
	c.write(t, db, "")
	r := mustReporter(t, db, tp, 5)
	q := Query{From: repDate(2026, 1, 1), To: repDate(2026, 12, 31), Period: "month", By: []string{"topic", "audience"}}
	before, err := r.Topics(q)
	if err != nil {
		t.Fatal(err)
	}
	// One more chat in every (month, audience, topic).
	more := repCounters{}
	for k := range c[nameTallies] {
		more.add(nameTallies, strings.Replace(k, "-10|", "-20|", 1), 1)
	}
	more.write(t, db, "")
	after, err := r.Topics(q)
	if err != nil {
		t.Fatal(err)
	}
	var compared, plusOne int
	deltas := map[int64]int{}
	for i, b := range before.Cells {
		a := after.Cells[i]
		if b.Status != StatusPerturbed || a.Status != StatusPerturbed {
			continue
		}
		compared++
		d := *a.Count - *b.Count
		deltas[d]++
		if d == 1 {
			plusOne++
		}
	}
	t.Logf("%d cells grew by one; published change: %v", compared, deltas)
	if compared < 150 {
		t.Fatalf("only %d cells compared", compared)
	}
	// With fresh noise per value the change is +1 with probability
	// 0.4²+2·0.2²+2·0.1² = 0.26.
	if float64(plusOne)/float64(compared) > 0.45 {
		t.Errorf("%d of %d changes were exactly +1: the noise does not follow the value", plusOne, compared)
	}
}

func TestReport_QueryErrors(t *testing.T) {
	db := repOpenDB(t)
	r := mustReporter(t, db, nil, 5)
	from, to := repDate(2026, 1, 1), repDate(2026, 3, 31)
	for _, c := range []struct {
		name string
		q    Query
		f    func(Query) (Report, error)
		has  string
	}{
		{"from after to", Query{From: to, To: from}, r.Topics, "after"},
		{"no dates", Query{}, r.Topics, "required"},
		{"too long", Query{From: repDate(2016, 1, 1), To: repDate(2026, 1, 1)}, r.Topics, "10 years"},
		{"period", Query{From: from, To: to, Period: "day"}, r.Topics, "period"},
		{"by", Query{From: from, To: to, By: []string{"event"}}, r.Topics, "by"},
		{"by twice", Query{From: from, To: to, By: []string{"topic", "topic"}}, r.Topics, "by"},
		{"flow by topic", Query{From: from, To: to, By: []string{"topic"}}, r.Flow, "by"},
		{"waits by", Query{From: from, To: to, By: []string{"all", "audience"}}, r.Waits, "by"},
		{"heatmap by", Query{From: from, To: to, By: []string{"audience"}}, r.Heatmap, "by"},
		{"escalations per week", Query{From: from, To: to, Period: "week"}, r.Escalations, "per month"},
		{"escalations by", Query{From: from, To: to, By: []string{"audience"}}, r.Escalations, "by"},
		{"source", Query{From: from, To: to, Source: "test"}, r.Topics, "source"},
	} {
		_, err := c.f(c.q)
		var qe *QueryError
		if err == nil || !errors.As(err, &qe) || !strings.Contains(err.Error(), c.has) {
			t.Errorf("%s: %v, want a QueryError mentioning %q", c.name, err, c.has)
		}
	}
	if _, err := r.Topics(Query{From: repDate(2016, 1, 2), To: repDate(2026, 1, 1)}); err != nil {
		t.Errorf("just under 10 years: %v", err)
	}
	r.K = 1
	if _, err := r.Topics(Query{From: from, To: to}); err == nil {
		t.Error("k=1 accepted")
	}
	if _, err := NewReporter(db, nil, 1); err == nil {
		t.Error("NewReporter accepted k=1")
	}
	if r0, err := NewReporter(db, nil, 0); err != nil || r0.K != DefaultK {
		t.Errorf("k=0 should mean %d: %v", DefaultK, err)
	}
}

// TestReport_Grid: every cell of the grid is there, zeros included, in
// period then dimension order; inactive topics only when they have data;
// unknown topic ids in the data too.
func TestReport_Grid(t *testing.T) {
	db := repOpenDB(t)
	tp := mustTopicsStore(t, db)
	food, _ := tp.Get("food")
	food.Active = false
	if err := tp.Update(food); err != nil {
		t.Fatal(err)
	}
	sleep, _ := tp.Get("sleep")
	sleep.Active = false
	if err := tp.Update(sleep); err != nil {
		t.Fatal(err)
	}
	c := repCounters{}
	c.add(nameTallies, "2026-02-03|young|sleep", 9) // inactive, with data
	c.add(nameTallies, "2026-02-03|teen|zz_legacy", 7)
	c.add(nameTallies, "2026-02-03|elder|school", 6) // an audience the reports do not know by default
	c.write(t, db, "")
	r := mustReporter(t, db, tp, 5)
	rep, err := r.Topics(Query{From: repDate(2026, 1, 15), To: repDate(2026, 3, 2), Period: "month", By: []string{"topic", "audience"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != "2026-01-01" || rep.To != "2026-03-31" {
		t.Errorf("range %s..%s, want whole months", rep.From, rep.To)
	}
	var topics []string
	for _, c := range rep.Cells[:len(rep.Cells)/3] {
		if !slices.Contains(topics, c.Topic) {
			topics = append(topics, c.Topic)
		}
	}
	want := []string{"sleep", "school", "boundaries", "conflicts", "separation", "screens", "mental_health", "alcohol_drugs", "relationship", "other", "zz_legacy"}
	if !slices.Equal(topics, want) {
		t.Errorf("topics %v\nwant %v", topics, want)
	}
	auds := []string{"young", "teen", "elder"}
	if len(rep.Cells) != 3*len(want)*len(auds) || len(rep.Totals) != 3 {
		t.Fatalf("%d cells and %d totals", len(rep.Cells), len(rep.Totals))
	}
	i := 0
	for _, m := range []string{"2026-01", "2026-02", "2026-03"} {
		for _, topic := range want {
			for _, aud := range auds {
				c := rep.Cells[i]
				if c.Period != m || c.Topic != topic || c.Audience != aud {
					t.Fatalf("cell %d is %s/%s/%s, want %s/%s/%s", i, c.Period, c.Topic, c.Audience, m, topic, aud)
				}
				i++
			}
		}
	}
	if got := rep.Cells[len(want)*3+0]; got.Topic != "sleep" || got.Audience != "young" || got.Status != StatusPerturbed {
		t.Errorf("February sleep/young: %+v", got)
	}
}

// ---- benchmarks ----

// benchReporter holds five years of daily repCounters for 15 topics and 2
// audiences (every key present), as a busy service would leave them.
func benchReporter(b *testing.B) *Reporter {
	b.Helper()
	db := repOpenDB(b)
	tp := mustTopicsStore(b, db)
	for _, id := range []string{"bullying", "grief", "money", "health"} {
		if err := tp.Create(Topic{ID: id, Labels: map[string]string{"sv": id, "en": id}}); err != nil {
			b.Fatal(err)
		}
	}
	var topics []string
	for _, x := range tp.All() {
		topics = append(topics, x.ID)
	}
	if len(topics) != 15 {
		b.Fatalf("%d topics", len(topics))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	c := repCounters{}
	for d := repDate(2021, 1, 1); !d.After(repDate(2025, 12, 31)); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		for _, aud := range []string{"young", "teen"} {
			for _, tp := range topics {
				c.add(nameTallies, day+"|"+aud+"|"+tp, uint64(1+rng.IntN(6)))
			}
			ans, ab := uint64(10+rng.IntN(10)), uint64(rng.IntN(5))
			c.add(nameFlow, day+"|"+aud+"|queued", ans+ab)
			c.add(nameFlow, day+"|"+aud+"|answered", ans)
			c.add(nameFlow, day+"|"+aud+"|abandoned", ab)
			for _, w := range waitBucketIDs {
				c.add(nameWaits, day+"|"+aud+"|"+w, uint64(rng.IntN(5)))
			}
		}
	}
	for m := repDate(2021, 1, 1); m.Before(repDate(2026, 1, 1)); m = m.AddDate(0, 1, 0) {
		for wd := 1; wd <= 7; wd++ {
			for h := range 24 {
				c.add(nameHours, fmt.Sprintf("%s|%d|%02d", m.Format("2006-01"), wd, h), uint64(rng.IntN(12)))
			}
		}
	}
	c.write(b, db, "")
	return mustReporter(b, db, tp, 5)
}

func benchReport(b *testing.B, f func(*Reporter) func(Query) (Report, error), q Query) {
	r := benchReporter(b)
	run := f(r)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := run(q)
		if err != nil || len(rep.Cells) == 0 {
			b.Fatal(err)
		}
	}
}

var fiveYears = Query{From: repDate(2021, 1, 1), To: repDate(2025, 12, 31), Period: "month"}

func withBy(q Query, by ...string) Query { q.By = by; return q }

func withPeriod(q Query, p string) Query { q.Period = p; return q }

// BenchmarkTopicsMonthly5Years is the yardstick: a whole-range
// monthly report over five years of daily tallies (must stay under 100 ms).
func BenchmarkTopicsMonthly5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Topics }, withBy(fiveYears, "topic"))
}

func BenchmarkTopicsMonthlyByTopicAudience5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Topics }, withBy(fiveYears, "topic", "audience"))
}

func BenchmarkTopicsWeeklyByTopicAudience5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Topics }, withPeriod(withBy(fiveYears, "topic", "audience"), "week"))
}

func BenchmarkTopicsYearly5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Topics }, withPeriod(withBy(fiveYears, "topic", "audience"), "year"))
}

func BenchmarkFlowMonthly5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Flow }, withBy(fiveYears, "audience"))
}

func BenchmarkWaitsMonthly5Years(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Waits }, withBy(fiveYears, "audience"))
}

// BenchmarkHeatmapYear: a heat map covers at most one calendar year.
func BenchmarkHeatmapYear(b *testing.B) {
	benchReport(b, func(r *Reporter) func(Query) (Report, error) { return r.Heatmap }, Query{From: repDate(2025, 1, 1), To: repDate(2025, 12, 31)})
}
