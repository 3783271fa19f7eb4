package stats

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The attack tests. An attacker who knows the method, but not the secret,
// reads every published number as an interval of possible true values and
// combines numbers that the report structure ties together (a whole and its
// parts). For every such relation, every member as the target, and every data
// set here, the target's possible values must not shrink to one when the truth
// is 1..k-1.

const repInf = int64(1) << 50

type ival struct{ lo, hi int64 }

func (a ival) and(b ival) ival { return ival{max(a.lo, b.lo), min(a.hi, b.hi)} }

func (a ival) String() string {
	if a.hi >= repInf {
		return fmt.Sprintf("[%d,∞)", a.lo)
	}
	return fmt.Sprintf("[%d,%d]", a.lo, a.hi)
}

// attacker is what the attacker knows of the method.
type attacker struct {
	k     int64
	noise int64 // the largest deviation of a published count
	supHi int64 // the largest true value a suppressed number can have
}

func (m attacker) own(p published) ival {
	switch p.status {
	case StatusExact:
		return ival{0, 0}
	case StatusPerturbed:
		return ival{max(1, *p.count-m.noise), *p.count + m.noise}
	default:
		return ival{1, m.supHi}
	}
}

// relation: whole = Σ parts (exact) or whole = Σ parts + rest, rest ≥ 0
// unknown (not exact: the edge days of a month outside its whole weeks; chats
// still waiting or answered another day).
type relation struct {
	attack string
	whole  string
	parts  []string
	exact  bool
}

type keyParts struct{ measure, period, aud, dim string }

func splitKey(k string) keyParts {
	p := strings.Split(k, "|")
	f := func(s string) string { return s[strings.IndexByte(s, '=')+1:] }
	if p[0] == "hours" {
		return keyParts{p[0], p[1], "", p[2] + "|" + p[3]}
	}
	if p[0] == "escalations" {
		return keyParts{p[0], p[1], "all", f(p[2])}
	}
	return keyParts{p[0], p[1], f(p[2]), f(p[3])}
}

func joinKey(kp keyParts) string {
	switch kp.measure {
	case "hours":
		return "hours|" + kp.period + "|" + kp.dim
	case "topics":
		return "topics|" + kp.period + "|audience=" + kp.aud + "|topic=" + kp.dim
	case "flow":
		return "flow|" + kp.period + "|audience=" + kp.aud + "|event=" + kp.dim
	case "escalations":
		return "escalations|" + kp.period + "|kind=" + kp.dim
	default:
		return "waits|" + kp.period + "|audience=" + kp.aud + "|bucket=" + kp.dim
	}
}

func periodKind(label string) string {
	switch {
	case strings.Contains(label, "-W"):
		return "week"
	case strings.Contains(label, "-Q"):
		return "quarter"
	case len(label) == 7:
		return "month"
	default:
		return "year"
	}
}

// relations lists every relation among the published numbers in all.
func relations(tb testing.TB, all map[string]published) []relation {
	tb.Helper()
	// What exists, by measure: periods, audiences, values.
	periods := map[string]map[string]bool{}
	dims := map[string]map[string]bool{}
	auds := map[string]bool{}
	var ranges []string
	seenRange := map[string]bool{}
	for k := range all {
		kp := splitKey(k)
		if kp.measure == "hours" {
			if !seenRange[kp.period] {
				seenRange[kp.period] = true
				ranges = append(ranges, kp.period)
			}
			continue
		}
		if periods[kp.measure] == nil {
			periods[kp.measure], dims[kp.measure] = map[string]bool{}, map[string]bool{}
		}
		periods[kp.measure][kp.period] = true
		if kp.dim != "all" {
			dims[kp.measure][kp.dim] = true
		}
		if kp.aud != "all" {
			auds[kp.aud] = true
		}
	}
	sorted := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	audList := sorted(auds)
	var rels []relation
	add := func(attack string, exact bool, whole string, parts ...string) {
		if _, ok := all[whole]; !ok {
			return
		}
		for _, p := range parts {
			if _, ok := all[p]; !ok {
				tb.Fatalf("%s: part %s of %s not published", attack, p, whole)
			}
		}
		if len(parts) > 0 {
			rels = append(rels, relation{attack, whole, parts, exact})
		}
	}
	for _, m := range []string{"topics", "flow", "waits", "escalations"} {
		dimList := sorted(dims[m])
		dimsAll := append(slices.Clone(dimList), "all")
		audsAll := append(slices.Clone(audList), "all")
		if m == "escalations" {
			audsAll = []string{"all"} // escalations have no audience
		}
		for _, per := range sorted(periods[m]) {
			key := func(a, d string) string { return joinKey(keyParts{m, per, a, d}) }
			if m == "escalations" {
				// The total is consented plus mandatory.
				add("escalations total minus its kinds", true, key("all", "all"), key("all", "consented"), key("all", "mandatory"))
				continue
			}
			// Audiences: the "all" numbers minus the per-audience ones.
			for _, d := range dimsAll {
				var parts []string
				for _, a := range audList {
					parts = append(parts, key(a, d))
				}
				name := map[string]string{"topics": "by=topic minus by=topic,audience", "flow": "flow totals", "waits": "waits totals"}[m]
				if d == "all" {
					name = "total minus the visible cells (by=audience)"
				}
				add(name, true, key("all", d), parts...)
			}
			if m == "topics" {
				for _, a := range audsAll {
					var parts []string
					for _, d := range dimList {
						parts = append(parts, key(a, d))
					}
					name := "by=audience minus by=topic,audience"
					if a == "all" {
						name = "total minus the visible cells (by=topic)"
					}
					add(name, true, key(a, "all"), parts...)
				}
				var parts []string
				for _, a := range audList {
					for _, d := range dimList {
						parts = append(parts, key(a, d))
					}
				}
				add("total minus the visible cells (by=topic,audience)", true, key("all", "all"), parts...)
			}
			if m == "flow" {
				for _, a := range audsAll {
					add("queued minus answered and abandoned", false, key(a, "queued"), key(a, "answered"), key(a, "abandoned"))
					var parts []string
					for _, b := range waitBucketIDs {
						parts = append(parts, joinKey(keyParts{"waits", per, a, b}))
					}
					add("answered minus its wait buckets", true, key(a, "answered"), parts...)
				}
				if kind := periodKind(per); kind != "week" {
					first, last := labelDays(tb, per)
					rg := first.Format("2006-01") + ".." + last.Format("2006-01")
					if seenRange[rg] {
						var parts []string
						for c := 0; c < heatCells; c++ {
							parts = append(parts, fmt.Sprintf("hours|%s|weekday=%d|hour=%d", rg, c/24+1, c%24))
						}
						add("queued minus the heat map", true, key("all", "queued"), parts...)
					}
				}
			}
		}
		// Time: whole periods made of shorter ones, and weeks inside.
		type span struct {
			label      string
			start, end time.Time
		}
		byKind := map[string][]span{}
		for _, per := range sorted(periods[m]) {
			s, e := labelDays(tb, per)
			byKind[periodKind(per)] = append(byKind[periodKind(per)], span{per, s, e})
		}
		inside := func(kind string, outer span) []string {
			var out []string
			for _, sp := range byKind[kind] {
				if !sp.start.Before(outer.start) && !sp.end.After(outer.end) {
					out = append(out, sp.label)
				}
			}
			return out
		}
		for _, outer := range append(append(slices.Clone(byKind["month"]), byKind["quarter"]...), byKind["year"]...) {
			kind := periodKind(outer.label)
			for _, a := range audsAll {
				for _, d := range dimsAll {
					if (m == "flow" || m == "waits") && d == "all" {
						continue
					}
					key := func(per string) string { return joinKey(keyParts{m, per, a, d}) }
					parts := func(labels []string) []string {
						var out []string
						for _, l := range labels {
							out = append(out, key(l))
						}
						return out
					}
					add(kind+" minus its ISO weeks", false, key(outer.label), parts(inside("week", outer))...)
					switch kind {
					case "quarter":
						add("quarter minus its months", true, key(outer.label), parts(inside("month", outer))...)
					case "year":
						add("year minus its quarters", true, key(outer.label), parts(inside("quarter", outer))...)
						add("year minus its months", true, key(outer.label), parts(inside("month", outer))...)
					}
				}
			}
		}
	}
	// The heat map: a range is the sum of any published ranges that
	// partition it (its months, its quarters, or two halves).
	for _, rg := range ranges {
		ms := strings.Split(rg, "..")
		first, _ := time.Parse("2006-01", ms[0])
		last, _ := time.Parse("2006-01", ms[1])
		var partitions [][]string
		for cut := first; cut.Before(last); cut = cut.AddDate(0, 1, 0) {
			partitions = append(partitions, []string{
				ms[0] + ".." + cut.Format("2006-01"),
				cut.AddDate(0, 1, 0).Format("2006-01") + ".." + ms[1],
			})
		}
		for _, size := range []int{1, 3} {
			var p []string
			for s := first; !s.After(last); s = s.AddDate(0, size, 0) {
				p = append(p, s.Format("2006-01")+".."+s.AddDate(0, size-1, 0).Format("2006-01"))
			}
			if len(p) > 1 {
				partitions = append(partitions, p)
			}
		}
	partition:
		for _, p := range partitions {
			for _, sub := range p {
				if !seenRange[sub] {
					continue partition
				}
			}
			for c := 0; c < heatCells; c++ {
				cell := fmt.Sprintf("|weekday=%d|hour=%d", c/24+1, c%24)
				var parts []string
				for _, sub := range p {
					parts = append(parts, "hours|"+sub+cell)
				}
				add("heat map range minus its sub-ranges", true, "hours|"+rg+cell, parts...)
			}
		}
	}
	return rels
}

// leak is a count of 1..k-1 the attacker works out.
type leak struct {
	attack, target string
	truth          int64
	got            ival
}

// singleAttacks runs every relation on its own: for each member as the target
// (and the unpublished rest of relations that have one) the interval the
// attacker infers from the others, intersected with what the target's own
// number says.
func singleAttacks(tb testing.TB, m attacker, all map[string]published, rels []relation, tr *truth) (leaks []leak, tried int) {
	tb.Helper()
	own := func(k string) ival { return m.own(all[k]) }
	check := func(attack, target string, v int64, got ival) {
		tried++
		if got.lo > v || got.hi < v {
			tb.Fatalf("%s: %s truth %d outside the inferred %v: the attacker model is wrong", attack, target, v, got)
		}
		if v >= 1 && v < m.k && got.hi-got.lo < 1 {
			leaks = append(leaks, leak{attack, target, v, got})
		}
	}
	for _, r := range rels {
		w := own(r.whole)
		var sumLo, sumHi int64
		ps := make([]ival, len(r.parts))
		for i, p := range r.parts {
			ps[i] = own(p)
			sumLo += ps[i].lo
			sumHi = min(repInf, sumHi+ps[i].hi)
		}
		restHi := int64(0)
		if !r.exact {
			restHi = repInf
		}
		// The whole from its parts.
		wholeGot := ival{sumLo, min(repInf, sumHi+restHi)}
		check(r.attack, r.whole, tr.of(tb, r.whole), w.and(wholeGot))
		// Each part: the whole minus the others.
		for i, p := range r.parts {
			var oLo, oHi int64
			for j := range ps {
				if j != i {
					oLo += ps[j].lo
					oHi = min(repInf, oHi+ps[j].hi)
				}
			}
			got := ival{w.lo - min(repInf, oHi+restHi), repInf}
			if w.hi < repInf {
				got.hi = w.hi - oLo
			}
			check(r.attack, p, tr.of(tb, p), ps[i].and(got))
		}
		// The rest: the edge days and the like.
		if !r.exact {
			v := tr.of(tb, r.whole)
			for _, p := range r.parts {
				v -= tr.of(tb, p)
			}
			got := ival{max(0, w.lo-sumHi), w.hi - sumLo}
			if w.hi >= repInf {
				got.hi = repInf
			}
			check(r.attack+" (the rest)", r.whole+" minus its parts", v, got)
		}
	}
	return leaks, tried
}

// propagate is a stronger attacker: it tightens every number's interval with
// every relation, over and over, until nothing changes (chains of relations,
// mixed partitions). It returns the leaks it finds.
func propagate(tb testing.TB, m attacker, all map[string]published, rels []relation, tr *truth, virtual map[string]int64) []leak {
	tb.Helper()
	iv := make(map[string]ival, len(all)+len(virtual))
	for k, p := range all {
		iv[k] = m.own(p)
	}
	for k := range virtual {
		iv[k] = ival{0, repInf}
	}
	for round := 0; round < 50; round++ {
		changed := false
		tighten := func(k string, got ival) {
			old := iv[k]
			nw := old.and(got)
			if nw != old {
				iv[k] = nw
				changed = true
			}
		}
		for _, r := range rels {
			w := iv[r.whole]
			var sumLo, sumHi int64
			for _, p := range r.parts {
				sumLo += iv[p].lo
				sumHi = min(repInf, sumHi+iv[p].hi)
			}
			if r.exact && sumHi < repInf {
				tighten(r.whole, ival{sumLo, sumHi})
			} else {
				tighten(r.whole, ival{sumLo, repInf})
			}
			for _, p := range r.parts {
				pi := iv[p]
				hi := repInf
				if w.hi < repInf {
					hi = w.hi - (sumLo - pi.lo)
				}
				lo := int64(0)
				if r.exact && sumHi < repInf && pi.hi < repInf {
					lo = w.lo - (sumHi - pi.hi)
				}
				tighten(p, ival{lo, hi})
			}
		}
		if !changed {
			break
		}
	}
	var leaks []leak
	for k, got := range iv {
		v, isVirtual := virtual[k]
		if !isVirtual {
			v = tr.of(tb, k)
		}
		if got.lo > v || got.hi < v {
			tb.Fatalf("propagation: %s truth %d outside %v", k, v, got)
		}
		if !isVirtual && v >= 1 && v < m.k && got.hi-got.lo < 1 {
			leaks = append(leaks, leak{"propagation", k, v, got})
		}
	}
	return leaks
}

// unions adds what an attacker can form but the API does not publish: the
// sum of two or three consecutive months, which holds the ISO weeks that
// cross between them. They start as [0,∞) and are tied to their months and
// to the weeks inside them.
func unions(tb testing.TB, all map[string]published, tr *truth) ([]relation, map[string]int64) {
	tb.Helper()
	type group struct{ measure, aud, dim string }
	months := map[group][]string{}
	weeks := map[group][]string{}
	for k := range all {
		kp := splitKey(k)
		if kp.measure == "hours" {
			continue
		}
		g := group{kp.measure, kp.aud, kp.dim}
		switch periodKind(kp.period) {
		case "month":
			months[g] = append(months[g], kp.period)
		case "week":
			weeks[g] = append(weeks[g], kp.period)
		}
	}
	var rels []relation
	virtual := map[string]int64{}
	for g, ms := range months {
		sort.Strings(ms)
		for n := 2; n <= 3; n++ {
			for i := 0; i+n <= len(ms); i++ {
				run := ms[i : i+n]
				name := "union|" + g.measure + "|" + strings.Join(run, "+") + "|" + g.aud + "|" + g.dim
				var parts []string
				var v int64
				for _, m := range run {
					k := joinKey(keyParts{g.measure, m, g.aud, g.dim})
					parts = append(parts, k)
					v += tr.of(tb, k)
				}
				virtual[name] = v
				rels = append(rels, relation{"union of months", name, parts, true})
				start, _ := labelDays(tb, run[0])
				_, end := labelDays(tb, run[n-1])
				var inside []string
				for _, w := range weeks[g] {
					ws, we := labelDays(tb, w)
					if !ws.Before(start) && !we.After(end) {
						inside = append(inside, joinKey(keyParts{g.measure, w, g.aud, g.dim}))
					}
				}
				if len(inside) > 0 {
					rels = append(rels, relation{"union of months minus its ISO weeks", name, inside, false})
				}
			}
		}
	}
	return rels, virtual
}

func summarize(leaks []leak) string {
	by := map[string]int{}
	for _, l := range leaks {
		by[l.attack]++
	}
	var parts []string
	for a, n := range by {
		parts = append(parts, fmt.Sprintf("%s: %d", a, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// attackData is a data set for the attack tests: a year of a small service.
type attackData struct {
	name   string
	seed   uint64
	perDay float64
	topics []string
	k      int
}

var attackSets = func() []attackData {
	sets := []attackData{
		{"sparse k=5", 1, 2, []string{"sleep", "food", "school", "screens", "other"}, 5},
		{"medium k=5", 2, 6, []string{"sleep", "food", "school", "boundaries", "conflicts", "separation", "screens", "other"}, 5},
		{"sparse k=3", 3, 1.5, []string{"sleep", "food", "other"}, 3},
		{"medium k=8", 4, 8, []string{"sleep", "food", "school", "screens", "other"}, 8},
		{"tiny k=2", 5, 0.7, []string{"sleep", "food", "school", "other"}, 2},
	}
	// And a spread of services, topic lists and k.
	all := []string{"sleep", "food", "school", "boundaries", "conflicts", "separation", "screens", "mental_health", "alcohol_drugs", "relationship", "other"}
	for i := range 15 {
		seed := uint64(100 + i)
		perDay := []float64{0.5, 1, 2, 3, 5, 8, 12}[i%7]
		k := []int{2, 3, 4, 5, 5, 6, 10}[(i*3)%7]
		topics := all[:3+(i*5)%8]
		sets = append(sets, attackData{fmt.Sprintf("mix %d: %.1f a day, %d topics, k=%d", i, perDay, len(topics), k), seed, perDay, topics, k})
	}
	return sets
}()

// setup writes the data and collects every number the API can produce for
// it: every period type and grouping of every report over the year, and the
// heat map over every range of months from November before to February after.
func (d attackData) setup(tb testing.TB, mode protectMode) (map[string]published, *truth, *Reporter) {
	tb.Helper()
	db := repOpenDB(tb)
	tp := mustTopicsStore(tb, db)
	c := sparseData(d.seed, repDate(2026, 1, 1), repDate(2026, 12, 31), d.perDay, d.topics)
	// Escalations: from under one to about a dozen a month, by the service's size.
	c.escalations(d.seed, repDate(2026, 1, 1), repDate(2026, 12, 31), d.perDay)
	c.write(tb, db, "")
	r := mustReporter(tb, db, tp, d.k)
	r.secret = []byte(fmt.Sprintf("attack test secret %02d..........", d.seed)) // fixed, so failures repeat
	r.mode = mode
	all := everything(tb, r, repDate(2026, 1, 1), repDate(2026, 12, 31), repDate(2025, 11, 1), repDate(2027, 2, 1), SourceLive)
	return all, &truth{c: c}, r
}

func TestAttacks_SingleRelations(t *testing.T) {
	for _, d := range attackSets {
		t.Run(d.name, func(t *testing.T) {
			all, tr, _ := d.setup(t, modeProtected)
			rels := relations(t, all)
			m := attacker{k: int64(d.k), noise: maxNoise, supHi: repInf}
			leaks, tried := singleAttacks(t, m, all, rels, tr)
			small := 0
			for k := range all {
				if v := tr.of(t, k); v >= 1 && v < int64(d.k) {
					small++
				}
			}
			t.Logf("%d numbers (%d with truth 1..k-1), %d relations, %d targets tried", len(all), small, len(rels), tried)
			measures := map[string]bool{}
			for _, r := range rels {
				measures[splitKey(r.whole).measure] = true
			}
			for _, m := range []string{"topics", "flow", "waits", "hours", "escalations"} {
				if !measures[m] {
					t.Errorf("no relation has a %s number as its whole", m)
				}
			}
			if small < 100 {
				t.Errorf("only %d small numbers: the data set does not test much", small)
			}
			for i, l := range leaks {
				if i == 10 {
					t.Errorf("… %d leaks in all (%s)", len(leaks), summarize(leaks))
					break
				}
				t.Errorf("%s: %s (truth %d) worked out as %v", l.attack, l.target, l.truth, l.got)
			}
		})
	}
}

// TestAttacks_CheckCanFail runs the same check against publishers that must
// leak, so a passing TestAttacks_SingleRelations means something: true counts
// with nothing suppressed, and plain CKM without protective suppression.
func TestAttacks_CheckCanFail(t *testing.T) {
	d := attackSets[1]
	t.Run("unprotected", func(t *testing.T) {
		all, tr, _ := d.setup(t, modePlain)
		m := attacker{k: int64(d.k), noise: 0, supHi: repInf}
		leaks, _ := singleAttacks(t, m, all, relations(t, all), tr)
		if len(leaks) == 0 {
			t.Fatal("the check found no leak in true counts published as they are")
		}
		t.Logf("true counts: %d leaks (%s)", len(leaks), summarize(leaks))
	})
	t.Run("cell key without protective suppression", func(t *testing.T) {
		// Without protective suppression a suppressed number is at most k+1.
		total := 0
		var first leak
		for _, d := range attackSets {
			all, tr, _ := d.setup(t, modeBaseCKM)
			m := attacker{k: int64(d.k), noise: maxNoise, supHi: int64(d.k) + 1}
			leaks, _ := singleAttacks(t, m, all, relations(t, all), tr)
			if len(leaks) > 0 {
				t.Logf("%s: %d leaks (%s)", d.name, len(leaks), summarize(leaks))
				if total == 0 {
					first = leaks[0]
				}
			}
			total += len(leaks)
		}
		if total == 0 {
			t.Fatal("the check found no leak in plain CKM: these data sets do not show why protective suppression is needed")
		}
		t.Logf("plain CKM: %d leaks over %d data sets; e.g. %s (truth %d) worked out as %v", total, len(attackSets), first.target, first.truth, first.got)
	})
}

// TestAttacks_Propagation measures a stronger attacker than the issue asks
// for: every relation applied again and again until no interval shrinks.
func TestAttacks_Propagation(t *testing.T) {
	for _, d := range attackSets {
		t.Run(d.name, func(t *testing.T) {
			all, tr, _ := d.setup(t, modeProtected)
			m := attacker{k: int64(d.k), noise: maxNoise, supHi: repInf}
			rels := relations(t, all)
			extra, virtual := unions(t, all, tr)
			leaks := propagate(t, m, all, append(rels, extra...), tr, virtual)
			byMeasure := map[string]int{}
			for _, l := range leaks {
				byMeasure[splitKey(l.target).measure]++
			}
			for i, l := range leaks {
				if i == 10 {
					t.Errorf("… %d leaks in all %v", len(leaks), byMeasure)
					break
				}
				t.Errorf("%s (truth %d) worked out as %v", l.target, l.truth, l.got)
			}
		})
	}
}

func TestSecret_StoredOnceAndChecked(t *testing.T) {
	db := repOpenDB(t)
	a, err := loadOrCreateSecret(db)
	if err != nil || len(a) != cellSecretLen {
		t.Fatalf("%x %v", a, err)
	}
	b, err := loadOrCreateSecret(db)
	if err != nil || string(a) != string(b) {
		t.Fatal("the secret changed")
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStatsMeta).Put(keyCellSecret, []byte("short"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewReporter(db, nil, 5); err == nil {
		t.Error("a damaged secret was accepted")
	}
}

// TestNoise_Distribution: the noise takes the documented values with about
// the documented probabilities.
func TestNoise_Distribution(t *testing.T) {
	secret := []byte("distribution test secret........")
	counts := map[int64]int{}
	const n = 20000
	for i := range n {
		counts[noiseFor(secret, fmt.Sprintf("topics|2026-%02d|audience=all|topic=t%d", i%12+1, i), int64(i%50+1))]++
	}
	want := map[int64]float64{-2: 0.1, -1: 0.2, 0: 0.4, 1: 0.2, 2: 0.1}
	for z, p := range want {
		got := float64(counts[z]) / n
		if got < p-0.02 || got > p+0.02 {
			t.Errorf("noise %d: %.3f, want about %.1f", z, got, p)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("noise values %v", counts)
	}
}
