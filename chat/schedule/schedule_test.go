package schedule

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/chat/hours"
	"parentline/internal/field"
	"parentline/internal/testkit"
)

// start is the tests' clock: Friday 20 November 2026, 10:00 in Stockholm.
var start = time.Date(2026, 11, 20, 10, 0, 0, 0, hours.Location())

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, hours.Location())
}

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func office(t *testing.T) hours.Hours {
	t.Helper()
	h, err := hours.Parse("mon-fri 09:00-16:00")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// changes records the hours OnChange is called with.
type changes struct {
	mu  sync.Mutex
	got []hours.Hours
}

func (c *changes) record(h hours.Hours) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, h)
}

func (c *changes) all() []hours.Hours {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]hours.Hours(nil), c.got...)
}

type fixture struct {
	db      *bolt.DB
	path    string
	store   *Store
	clock   *testkit.Clock
	changes *changes
	logs    *testkit.LogBuffer
}

// newFixture opens a store on a fresh file with the office hours as
// --hours.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(t.TempDir(), "parentline.db"), clock: testkit.NewClock(start),
		changes: &changes{}, logs: &testkit.LogBuffer{}}
	f.db = openDB(t, f.path)
	f.store = f.open(t)
	return f
}

func (f *fixture) open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(f.db, Options{Default: office(t), Now: f.clock.Now, Log: zerolog.New(f.logs), OnChange: f.changes.record})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// trail is the audit entries about the hours.
func (f *fixture) trail(t *testing.T) []audit.Entry {
	t.Helper()
	es, err := audit.Trail(f.db, AuditReference)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func sameHours(a, b hours.Hours) bool {
	return a.Always() == b.Always() && reflect.DeepEqual(a.Spans(), b.Spans()) && reflect.DeepEqual(a.Closures(), b.Closures())
}

// christmas is a valid setting: weekdays with a short Friday, two closed days.
func christmas() Setting {
	return Setting{
		Weekly: []hours.Span{{Days: []int{4, 1, 2, 3}, From: " 09:00", To: "16:00 "}, {Days: []int{5}, From: "09:00", To: "12:00"}},
		Closed: []hours.Closure{{Date: "2026-12-25", Note: " juldagen "}, {Date: " 2026-12-24", Note: "julafton"}},
	}
}

func TestOpen_FromTheFlag(t *testing.T) {
	f := newFixture(t)
	st := f.store.Setting()
	want := Setting{Weekly: []hours.Span{{Days: []int{1, 2, 3, 4, 5}, From: "09:00", To: "16:00"}}, Closed: []hours.Closure{}, Source: SourceFlag}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("Setting() = %+v, want %+v", st, want)
	}
	if !sameHours(f.store.Hours(), office(t)) {
		t.Fatalf("Hours() = %v", f.store.Hours())
	}

	always, _ := hours.Parse("always")
	always, err := always.WithClosures([]hours.Closure{{Date: "2026-12-24", Note: "julafton"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(openDB(t, filepath.Join(t.TempDir(), "b.db")), Options{Default: always})
	if err != nil {
		t.Fatal(err)
	}
	want = Setting{Always: true, Weekly: []hours.Span{}, Closed: []hours.Closure{{Date: "2026-12-24", Note: "julafton"}}, Source: SourceFlag}
	if st := s.Setting(); !reflect.DeepEqual(st, want) {
		t.Fatalf("Setting() of always = %+v, want %+v", st, want)
	}
}

// Set cleans the setting, saves it with its audit entry, then swaps the
// hours and calls OnChange.
func TestSet(t *testing.T) {
	f := newFixture(t)
	st, err := f.store.Set(christmas(), "sara")
	if err != nil {
		t.Fatal(err)
	}
	at := start.UTC()
	want := Setting{
		Weekly:    []hours.Span{{Days: []int{1, 2, 3, 4}, From: "09:00", To: "16:00"}, {Days: []int{5}, From: "09:00", To: "12:00"}},
		Closed:    []hours.Closure{{Date: "2026-12-24", Note: "julafton"}, {Date: "2026-12-25", Note: "juldagen"}},
		Source:    SourceSaved,
		UpdatedAt: &at,
		UpdatedBy: "sara",
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("Set = %+v, want %+v", st, want)
	}
	if got := f.store.Setting(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Setting() = %+v, want %+v", got, want)
	}
	h := f.store.Hours()
	if h.Open(at2(2026, 12, 24, 10)) || !h.Open(at2(2026, 12, 23, 10)) || h.Open(at2(2026, 12, 18, 13)) {
		t.Error("Hours() does not follow the saved setting")
	}
	if ch := f.changes.all(); len(ch) != 1 || !sameHours(ch[0], h) {
		t.Fatalf("OnChange got %d calls", len(ch))
	}
	tr := f.trail(t)
	if len(tr) != 1 || tr[0].Actor != "sara" || tr[0].Action != audit.ActionHoursChanged || tr[0].At != start.UTC().Format(time.RFC3339Nano) {
		t.Fatalf("audit trail: %+v", tr)
	}
	if n, err := audit.Verify(f.db); err != nil || n != 1 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	if log := f.logs.String(); !strings.Contains(log, `"by":"sara"`) || strings.Contains(log, "julafton") {
		t.Errorf("log: %s", log)
	}

	// The copies handed out are the caller's.
	st.Weekly[0].Days[0] = 7
	st.Closed[0].Date = "2027-01-01"
	if got := f.store.Setting(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Setting() changed through a returned copy: %+v", got)
	}

	// Always: the weekly spans are ignored, even broken ones, and saved empty.
	f.clock.Advance(time.Hour)
	st, err = f.store.Set(Setting{Always: true, Weekly: []hours.Span{{From: "x"}}, Closed: []hours.Closure{}}, "ada")
	if err != nil || !st.Always || len(st.Weekly) != 0 || st.Weekly == nil || st.UpdatedBy != "ada" {
		t.Fatalf("Set always = %+v, %v", st, err)
	}
	if !f.store.Hours().Always() || !f.store.Hours().Open(at2(2026, 12, 24, 3)) {
		t.Error("always hours are not open")
	}
	// No spans and not always: never open (the chat closed until further notice).
	st, err = f.store.Set(Setting{}, "ada")
	if err != nil || st.Always || st.Weekly == nil || st.Closed == nil {
		t.Fatalf("Set never = %+v, %v", st, err)
	}
	if _, ok := f.store.Hours().NextOpen(start); ok {
		t.Error("hours without spans open")
	}
	if n := len(f.trail(t)); n != 3 {
		t.Errorf("%d audit entries, want 3", n)
	}
}

func at2(y int, m time.Month, d, hh int) time.Time { return at(y, m, d, hh, 0) }

func TestSet_Invalid(t *testing.T) {
	ok := hours.Span{Days: []int{1}, From: "09:00", To: "16:00"}
	span := func(days []int, from, to string) Setting {
		return Setting{Weekly: []hours.Span{ok, {Days: days, From: from, To: to}}}
	}
	closed := func(cs ...hours.Closure) Setting { return Setting{Weekly: []hours.Span{ok}, Closed: cs} }
	spans := make([]hours.Span, 33)
	for i := range spans {
		spans[i] = ok
	}
	many := make([]hours.Closure, hours.MaxClosures+1)
	for i := range many {
		many[i] = hours.Closure{Date: start.AddDate(0, 0, i).Format(time.DateOnly)}
	}
	for _, c := range []struct {
		name string
		in   Setting
		want map[string]string // path → Swedish message (a part of it)
	}{
		{"to before from", span([]int{2}, "16:00", "09:00"), map[string]string{"weekly.1.to": "Sluttiden måste vara efter starttiden."}},
		{"to equals from", span([]int{2}, "09:00", "09:00"), map[string]string{"weekly.1.to": "Sluttiden måste vara efter starttiden."}},
		{"bare hour", span([]int{2}, "9", "16:00"), map[string]string{"weekly.1.from": "Skriv en tid som 09:00."}},
		{"one-digit hour", span([]int{2}, "09:00", "9:30"), map[string]string{"weekly.1.to": "Skriv en tid som 09:00."}},
		{"minute 60", span([]int{2}, "09:60", "24:01"), map[string]string{"weekly.1.from": "Skriv en tid som 09:00.", "weekly.1.to": "Skriv en tid som 09:00."}},
		{"from midnight at the end", span([]int{2}, "24:00", "24:00"), map[string]string{"weekly.1.from": "00:00 för midnatt"}},
		{"no days", span([]int{}, "09:00", "16:00"), map[string]string{"weekly.1.days": "Välj minst en dag."}},
		{"nil days", span(nil, "09:00", "16:00"), map[string]string{"weekly.1.days": "Välj minst en dag."}},
		{"day 8", span([]int{1, 8}, "09:00", "16:00"), map[string]string{"weekly.1.days": "från måndag till söndag"}},
		{"day twice", span([]int{3, 3}, "09:00", "16:00"), map[string]string{"weekly.1.days": "bara en gång"}},
		{"everything wrong", span(nil, "x", "y"), map[string]string{"weekly.1.days": "Välj minst en dag.", "weekly.1.from": "Skriv en tid", "weekly.1.to": "Skriv en tid"}},
		{"33 spans", Setting{Weekly: spans}, map[string]string{"weekly": "Högst 32 öppettider."}},
		{"bad date", closed(hours.Closure{Date: "2026-13-01"}), map[string]string{"closed.0.date": "Skriv ett datum som 2026-12-24."}},
		{"no date", closed(hours.Closure{Note: "jul"}), map[string]string{"closed.0.date": "Skriv ett datum som 2026-12-24."}},
		{"date as 24/12", closed(hours.Closure{Date: "24/12/2026"}), map[string]string{"closed.0.date": "Skriv ett datum"}},
		{"date twice", closed(hours.Closure{Date: "2026-12-24"}, hours.Closure{Date: "2026-12-31"}, hours.Closure{Date: " 2026-12-24 "}),
			map[string]string{"closed.2.date": "Den dagen finns redan i listan."}},
		{"too far ahead", closed(hours.Closure{Date: "2028-11-21"}), map[string]string{"closed.0.date": "högst två år fram"}},
		{"note too long", closed(hours.Closure{Date: "2026-12-24", Note: strings.Repeat("ö", 61)}), map[string]string{"closed.0.note": "Högst 60 tecken."}},
		{"note on two lines", closed(hours.Closure{Date: "2026-12-24", Note: "jul\nafton"}), map[string]string{"closed.0.note": "på en rad"}},
		{"note with bidi override", closed(hours.Closure{Date: "2026-12-24", Note: "jul\u202Eafton"}), map[string]string{"closed.0.note": "styrtecken"}},
		{"101 closed days", closed(many...), map[string]string{"closed": "Högst 100 stängda dagar."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.store.Setting()
			_, err := f.store.Set(c.in, "sara")
			var fe field.Errors
			if !errors.As(err, &fe) {
				t.Fatalf("Set = %v, want field.Errors", err)
			}
			if len(fe) != len(c.want) {
				t.Errorf("messages at %v, want at %v", fe, c.want)
			}
			for path, sv := range c.want {
				m, ok := fe[path]
				if !ok || !strings.Contains(m.Sv, sv) {
					t.Errorf("at %s: %+v, want %q", path, m, sv)
				}
				if m.En == "" || m.En == m.Sv {
					t.Errorf("at %s: no English: %+v", path, m)
				}
			}
			if !reflect.DeepEqual(f.store.Setting(), before) || len(f.trail(t)) != 0 || len(f.changes.all()) != 0 {
				t.Error("a refused Set changed something")
			}
		})
	}
}

// The messages the page shows, in both languages.
func TestSet_Messages(t *testing.T) {
	for _, c := range []struct {
		m      field.Message
		sv, en string
	}{
		{msgTime, "Skriv en tid som 09:00.", "Write a time such as 09:00."},
		{msgToAfter, "Sluttiden måste vara efter starttiden.", "The closing time must be after the opening time."},
		{msgNoDay, "Välj minst en dag.", "Choose at least one day."},
		{msgDate, "Skriv ett datum som 2026-12-24.", "Write a date such as 2026-12-24."},
		{msgSameDay, "Den dagen finns redan i listan.", "That day is already in the list."},
		{msgLong, "Högst 60 tecken.", "At most 60 characters."},
	} {
		if c.m.Sv != c.sv || c.m.En != c.en {
			t.Errorf("%+v, want %q / %q", c.m, c.sv, c.en)
		}
	}
}

// A closed day may have passed; it may be at most two years ahead, counted
// from today in Stockholm.
func TestSet_DateRange(t *testing.T) {
	f := newFixture(t)
	set := func(date string) error {
		_, err := f.store.Set(Setting{Closed: []hours.Closure{{Date: date}}}, "sara")
		return err
	}
	for date, ok := range map[string]bool{"2020-01-01": true, "2026-11-20": true, "2028-11-20": true, "2028-11-21": false} {
		if err := set(date); (err == nil) != ok {
			t.Errorf("%s: %v", date, err)
		}
	}
	// 23:30 UTC on the 20th is already the 21st in Stockholm.
	f.clock.Set(time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC))
	if err := set("2028-11-21"); err != nil {
		t.Errorf("two years from the Stockholm date: %v", err)
	}
}

// A failed audit entry fails the whole Set: nothing is saved or swapped.
func TestSet_AuditFails(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.Set(christmas(), "sara"); err != nil {
		t.Fatal(err)
	}
	before := f.store.Setting()
	breakAudit(t, f.db)
	f.clock.Advance(time.Hour)
	_, err := f.store.Set(Setting{Always: true, Closed: []hours.Closure{}}, "ada")
	if err == nil || !strings.Contains(err.Error(), "audit") {
		t.Fatalf("Set with a broken audit trail = %v", err)
	}
	var fe field.Errors
	if errors.As(err, &fe) {
		t.Fatalf("a storage failure reported as field errors: %v", err)
	}
	if !reflect.DeepEqual(f.store.Setting(), before) || f.store.Hours().Always() || len(f.changes.all()) != 1 {
		t.Fatal("the failed Set changed the current hours")
	}
	if again := f.open(t); !reflect.DeepEqual(again.Setting(), before) {
		t.Fatalf("the failed Set was saved: %+v", again.Setting())
	}
	// Nor is an empty actor recorded.
	if _, err := newFixture(t).store.Set(christmas(), ""); err == nil {
		t.Fatal("Set without an actor succeeded")
	}
}

// breakAudit makes the next audit.Append fail: the head is unreadable.
func breakAudit(t *testing.T, db *bolt.DB) {
	t.Helper()
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("audit_meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("head"), []byte("{broken"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// What was saved holds after the file is closed and opened again.
func TestReopen(t *testing.T) {
	f := newFixture(t)
	saved, err := f.store.Set(christmas(), "sara")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.db = openDB(t, f.path)
	s := f.open(t)
	if got := s.Setting(); !reflect.DeepEqual(got, saved) {
		t.Fatalf("after reopening: %+v, want %+v", got, saved)
	}
	h := s.Hours()
	if h.Open(at(2026, 12, 24, 10, 0)) || !h.Open(at(2026, 12, 23, 10, 0)) || !h.Open(at(2026, 12, 18, 11, 59)) || h.Open(at(2026, 12, 18, 12, 0)) {
		t.Error("Hours() after reopening does not follow the saved setting")
	}
	if next, ok := h.NextOpen(at(2026, 12, 23, 17, 0)); !ok || !next.Equal(at(2026, 12, 28, 9, 0)) {
		t.Errorf("NextOpen = %v, %v; want Monday 28 December 09:00", next, ok)
	}
}

func TestOpen_Unreadable(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":           "{broken",
		"wrong type":         `{"always":"yes"}`,
		"hours out of order": `{"weekly":[{"days":[1],"from":"16:00","to":"09:00"}],"closed":[]}`,
		"a closed day twice": `{"always":true,"closed":[{"date":"2026-12-24"},{"date":"2026-12-24"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
			err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket(bucketSchedule)
				if err != nil {
					return err
				}
				return b.Put(keySetting, []byte(raw))
			})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(db, Options{Default: office(t)})
			if err == nil || !strings.Contains(err.Error(), `bucket "schedule"`) {
				t.Fatalf("Open = %v, %v; want an error naming the bucket", s, err)
			}
		})
	}
}

// Concurrent Sets and reads: the hours in memory end as the last commit
// left them, every Set is audited, and OnChange saw the saves in order.
func TestSet_Concurrent(t *testing.T) {
	f := newFixture(t)
	const n = 12
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // a reader, as the chat's status requests are
		for {
			select {
			case <-stop:
				return
			default:
				_ = f.store.Hours().Open(start)
				_ = f.store.Setting()
			}
		}
	}()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := christmas()
			in.Closed = []hours.Closure{{Date: start.AddDate(0, 0, i).Format(time.DateOnly)}}
			if _, err := f.store.Set(in, "sara"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if got := len(f.trail(t)); got != n {
		t.Errorf("%d audit entries, want %d", got, n)
	}
	fresh := f.open(t) // reads what is committed
	if !reflect.DeepEqual(fresh.Setting(), f.store.Setting()) || !sameHours(fresh.Hours(), f.store.Hours()) {
		t.Fatalf("in memory %+v, committed %+v", f.store.Setting(), fresh.Setting())
	}
	ch := f.changes.all()
	if len(ch) != n || !sameHours(ch[n-1], f.store.Hours()) {
		t.Fatalf("OnChange: %d calls, the last not the current hours", len(ch))
	}
}
