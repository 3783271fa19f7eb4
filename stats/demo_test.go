package stats

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// dump reads every key and value of the named buckets.
func repDump(t *testing.T, db *bolt.DB, names ...string) map[string]map[string]uint64 {
	t.Helper()
	out := map[string]map[string]uint64{}
	err := db.View(func(tx *bolt.Tx) error {
		for _, n := range names {
			b := tx.Bucket([]byte(n))
			if b == nil {
				continue
			}
			out[n] = map[string]uint64{}
			if err := b.ForEach(func(k, v []byte) error {
				out[n][string(k)] = binary.BigEndian.Uint64(v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var demoBuckets = []string{"demo_tallies", "demo_tally_flow", "demo_tally_waits", "demo_tally_hours", "demo_tally_escalations"}

func TestDemo_DeterministicAndApart(t *testing.T) {
	topics := []string{"sleep", "food", "school", "screens", "other"}
	db1, db2 := repOpenDB(t), repOpenDB(t)
	live := repCounters{}
	live.chat(repDate(2026, 3, 3), 20, "young", "lt1", "sleep")
	live.write(t, db1, "")
	before := repDump(t, db1, nameTallies, nameFlow, nameWaits, nameHours)

	if HasDemo(db1) {
		t.Fatal("HasDemo before seeding")
	}
	if err := SeedDemo(db1, topics, repDate(2026, 1, 1), repDate(2026, 3, 31), 9); err != nil {
		t.Fatal(err)
	}
	if err := SeedDemo(db2, topics, repDate(2026, 1, 1), repDate(2026, 3, 31), 9); err != nil {
		t.Fatal(err)
	}
	if !HasDemo(db1) {
		t.Fatal("HasDemo after seeding")
	}
	a, b := repDump(t, db1, demoBuckets...), repDump(t, db2, demoBuckets...)
	for _, n := range demoBuckets {
		if len(a[n]) == 0 {
			t.Fatalf("%s empty", n)
		}
		if len(a[n]) != len(b[n]) {
			t.Fatalf("%s differs between two seeds with the same seed", n)
		}
		for k, v := range a[n] {
			if b[n][k] != v {
				t.Fatalf("%s %s: %d and %d", n, k, v, b[n][k])
			}
		}
	}
	if after := repDump(t, db1, nameTallies, nameFlow, nameWaits, nameHours); len(after[nameTallies]) != len(before[nameTallies]) ||
		after[nameFlow]["2026-03-03|young|queued"] != 1 || len(after[nameHours]) != 1 {
		t.Errorf("live buckets changed: %v", after)
	}

	// Seeding again replaces: a later, shorter range leaves nothing of the first.
	if err := SeedDemo(db1, topics, repDate(2026, 3, 1), repDate(2026, 3, 2), 10); err != nil {
		t.Fatal(err)
	}
	for _, n := range demoBuckets {
		for k := range repDump(t, db1, n)[n] {
			if !strings.HasPrefix(k, "2026-03") {
				t.Fatalf("%s kept %s", n, k)
			}
		}
	}
	if err := SeedDemo(db2, topics, repDate(2026, 1, 1), repDate(2026, 3, 31), 11); err != nil {
		t.Fatal(err)
	}
	c := repDump(t, db2, "demo_tallies")["demo_tallies"]
	same := true
	for k, v := range a["demo_tallies"] {
		if c[k] != v {
			same = false
		}
	}
	if same {
		t.Error("another seed gave the same data")
	}
	for _, bad := range [][]string{nil, {"Sleep"}, {"all"}} {
		if err := SeedDemo(db2, bad, repDate(2026, 1, 1), repDate(2026, 1, 2), 1); err == nil {
			t.Errorf("topics %q accepted", bad)
		}
	}
	if err := SeedDemo(db2, topics, repDate(2026, 1, 2), repDate(2026, 1, 1), 1); err == nil {
		t.Error("from after to accepted")
	}
}

// TestDemo_Plausible: 20–60 chats a day, the repCounters agree with each other
// the way the chat core's do, evenings are busier than nights and weekdays
// busier than Saturdays.
func TestDemo_Plausible(t *testing.T) {
	db := repOpenDB(t)
	topics := []string{"sleep", "food", "school", "boundaries", "conflicts", "separation", "screens", "other"}
	if err := SeedDemo(db, topics, repDate(2025, 1, 1), repDate(2025, 12, 31), 1); err != nil {
		t.Fatal(err)
	}
	d := repDump(t, db, demoBuckets...)
	perDay := map[string]uint64{}
	flow := map[string]uint64{} // day|aud|event
	perMonthQueued := map[string]uint64{}
	for k, v := range d["demo_tally_flow"] {
		f := strings.Split(k, "|")
		flow[k] = v
		if f[2] == "queued" {
			perDay[f[0]] += v
			perMonthQueued[f[0][:7]] += v
		}
	}
	if len(perDay) != 365 {
		t.Errorf("%d days with chats", len(perDay))
	}
	for day, n := range perDay {
		if n < 20 || n > 60 {
			t.Errorf("%s: %d chats", day, n)
		}
	}
	waits := map[string]uint64{}
	for k, v := range d["demo_tally_waits"] {
		f := strings.Split(k, "|")
		waits[f[0]+"|"+f[1]] += v
	}
	topicsPerDayAud := map[string]uint64{}
	for k, v := range d["demo_tallies"] {
		f := strings.Split(k, "|")
		topicsPerDayAud[f[0]+"|"+f[1]] += v
	}
	for k, q := range flow {
		if !strings.HasSuffix(k, "|queued") {
			continue
		}
		da := strings.TrimSuffix(k, "|queued")
		ans, ab := flow[da+"|answered"], flow[da+"|abandoned"]
		if q != ans+ab {
			t.Errorf("%s: queued %d, answered %d, abandoned %d", da, q, ans, ab)
		}
		if waits[da] != ans {
			t.Errorf("%s: answered %d, waits %d", da, ans, waits[da])
		}
		if topicsPerDayAud[da] < ans {
			t.Errorf("%s: %d answered chats but %d topics", da, ans, topicsPerDayAud[da])
		}
	}
	perMonthHours := map[string]uint64{}
	byHour := make([]uint64, 24)
	for k, v := range d["demo_tally_hours"] {
		f := strings.Split(k, "|")
		perMonthHours[f[0]] += v
		h, _ := strconv.Atoi(f[2])
		byHour[h] += v
		if wd, _ := strconv.Atoi(f[1]); wd < 1 || wd > 7 || len(f[2]) != 2 {
			t.Fatalf("hour key %q", k)
		}
	}
	for m, n := range perMonthQueued {
		if perMonthHours[m] != n {
			t.Errorf("%s: %d queued, %d in the hours", m, n, perMonthHours[m])
		}
	}
	if byHour[20] < 5*byHour[3] {
		t.Errorf("no evening peak: 20:00 %d, 03:00 %d", byHour[20], byHour[3])
	}
	var mon, sat uint64
	for day, n := range perDay {
		dt, _ := time.Parse("2006-01-02", day)
		switch dt.Weekday() {
		case time.Monday:
			mon += n
		case time.Saturday:
			sat += n
		}
	}
	if mon <= sat {
		t.Errorf("Mondays %d, Saturdays %d", mon, sat)
	}
	var july, nov uint64
	for m, n := range perMonthQueued {
		switch m {
		case "2025-07":
			july = n
		case "2025-11":
			nov = n
		}
	}
	if july >= nov {
		t.Errorf("July %d, November %d: no summer dip", july, nov)
	}

	// A few escalations to social services a month, of both kinds, more
	// often with consent than as reports of concern.
	perKind := map[string]uint64{}
	perMonthEsc := map[string]uint64{}
	for k, v := range d["demo_tally_escalations"] {
		f := strings.Split(k, "|")
		if len(f) != 2 || len(f[0]) != 7 || (f[1] != "consented" && f[1] != "mandatory") || !strings.HasPrefix(f[0], "2025-") {
			t.Fatalf("escalation key %q", k)
		}
		perKind[f[1]] += v
		perMonthEsc[f[0]] += v
	}
	for m, n := range perMonthEsc {
		if n > 35 {
			t.Errorf("%s: %d escalations", m, n)
		}
	}
	if len(perMonthEsc) < 10 || perKind["consented"] <= perKind["mandatory"] || perKind["mandatory"] == 0 || perKind["consented"] > 200 {
		t.Errorf("escalations: %v over %d months", perKind, len(perMonthEsc))
	}

	// The reports read it as demo data; live reports see nothing.
	tp := mustTopicsStore(t, db)
	r := mustReporter(t, db, tp, 5)
	rep, err := r.Topics(Query{From: repDate(2025, 1, 1), To: repDate(2025, 12, 31), Period: "quarter", Source: SourceDemo})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Source != "demo" || rep.Totals[0].Status != StatusPerturbed || *rep.Totals[0].Count < 2000 {
		t.Errorf("demo report: %+v", rep.Totals[0])
	}
	live, err := r.Topics(Query{From: repDate(2025, 1, 1), To: repDate(2025, 12, 31), Period: "quarter"})
	if err != nil {
		t.Fatal(err)
	}
	if live.Totals[0].Status != StatusExact {
		t.Errorf("live report sees demo data: %+v", live.Totals[0])
	}
	esc, err := r.Escalations(Query{From: repDate(2025, 1, 1), To: repDate(2025, 12, 31), Period: "year", Source: SourceDemo})
	if err != nil {
		t.Fatal(err)
	}
	if esc.Totals[0].Status != StatusPerturbed || *esc.Totals[0].Count < 30 {
		t.Errorf("demo escalations: %+v", esc.Totals[0])
	}
}
