package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/chat/hours"
	"parentline/internal/field"
)

var (
	bucketSchedule = []byte("schedule")
	keySetting     = []byte("setting")
)

// Where a Setting comes from.
const (
	SourceFlag  = "flag"  // nothing saved yet: the --hours flag
	SourceSaved = "saved" // saved on /admin/
)

// AuditReference is the reference of the audit entries of a change.
const AuditReference = "hours"

// YearsAhead is how far ahead a closed day may be.
const YearsAhead = 2

// Setting is the opening hours as the administration page shows and sends
// them.
type Setting struct {
	Always    bool            `json:"always"`
	Weekly    []hours.Span    `json:"weekly"` // ignored (and saved empty) when Always
	Closed    []hours.Closure `json:"closed"` // sorted by date
	Source    string          `json:"source"` // SourceFlag or SourceSaved
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
	UpdatedBy string          `json:"updated_by,omitempty"` // staff username
}

// Options configures a Store.
type Options struct {
	Default hours.Hours      // from --hours
	Now     func() time.Time // default time.Now
	Log     zerolog.Logger
	// OnChange is called after a successful Set, with the new hours (the
	// store node republishes them to the cluster). Sets are serialised and
	// OnChange is called before the next one starts, so the calls come in
	// the order of the saves; it must not call Set. May be nil.
	OnChange func(hours.Hours)
}

// Store holds the current setting and its hours. It is safe for concurrent
// use.
type Store struct {
	db  *bolt.DB
	o   Options
	mu  sync.Mutex               // serialises Set: commit, swap and OnChange in one order
	cur atomic.Pointer[snapshot] // what is committed
}

// snapshot is a setting with the hours built from it; never changed once
// stored.
type snapshot struct {
	hours   hours.Hours
	setting Setting
}

// saved is the setting as stored in bucket "schedule" under "setting".
type saved struct {
	Always    bool            `json:"always"`
	Weekly    []hours.Span    `json:"weekly"`
	Closed    []hours.Closure `json:"closed"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by"`
}

// Open creates bucket "schedule" if needed and loads the setting saved
// there, or else takes o.Default. A saved setting that cannot be read is an
// error: the service must not quietly open at other hours than were set.
func Open(db *bolt.DB, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var raw []byte
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSchedule)
		if err != nil {
			return fmt.Errorf("creating bucket %q: %w", bucketSchedule, err)
		}
		raw = bytes.Clone(b.Get(keySetting))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schedule: open: %w", err)
	}
	snap := fromFlag(o.Default)
	if raw != nil {
		if snap, err = load(raw); err != nil {
			return nil, fmt.Errorf("schedule: the setting saved in bucket %q is unreadable: %w", bucketSchedule, err)
		}
	}
	s := &Store{db: db, o: o}
	s.cur.Store(snap)
	return s, nil
}

// fromFlag is the setting of the --hours flag.
func fromFlag(h hours.Hours) *snapshot {
	st := Setting{Always: h.Always(), Weekly: []hours.Span{}, Closed: h.Closures(), Source: SourceFlag}
	if !h.Always() {
		st.Weekly = h.Spans()
	}
	return &snapshot{hours: h, setting: normal(st)}
}

// load reads a saved setting and builds its hours.
func load(raw []byte) (*snapshot, error) {
	var v saved
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	at := v.UpdatedAt
	st := Setting{Always: v.Always, Weekly: v.Weekly, Closed: v.Closed, Source: SourceSaved, UpdatedAt: &at, UpdatedBy: v.UpdatedBy}
	h, err := build(st)
	if err != nil {
		return nil, err
	}
	st.Closed = h.Closures()
	return &snapshot{hours: h, setting: normal(st)}, nil
}

// build makes the hours of a setting.
func build(st Setting) (hours.Hours, error) {
	var h hours.Hours
	var err error
	if st.Always {
		h, err = hours.Parse("always")
	} else {
		h, err = hours.FromSpans(st.Weekly)
	}
	if err != nil {
		return hours.Hours{}, err
	}
	return h.WithClosures(st.Closed)
}

// Hours is the current effective hours: a cheap atomic read.
func (s *Store) Hours() hours.Hours { return s.cur.Load().hours }

// Setting is the current setting (a copy).
func (s *Store) Setting() Setting { return normal(s.cur.Load().setting) }

// Set checks in (Always, Weekly and Closed; the rest is ignored) and saves
// it as changed by the staff member by, in one bbolt transaction that also
// appends the audit entry (audit.ActionHoursChanged, reference "hours").
// Only once that is committed do Hours and Setting change and OnChange run.
// Input that cannot be saved gives field.Errors, with paths "weekly",
// "weekly.N.days", "weekly.N.from", "weekly.N.to", "closed", "closed.N.date"
// and "closed.N.note"; then, as on any error, nothing has changed.
func (s *Store) Set(in Setting, by string) (Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now() // under the lock: audit entries stay in time order
	st, h, err := check(in, now)
	if err != nil {
		return Setting{}, err
	}
	at := now.UTC()
	st.Source, st.UpdatedAt, st.UpdatedBy = SourceSaved, &at, by
	v, err := json.Marshal(saved{Always: st.Always, Weekly: st.Weekly, Closed: st.Closed, UpdatedAt: at, UpdatedBy: by})
	if err != nil {
		return Setting{}, fmt.Errorf("schedule: encoding the setting: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketSchedule).Put(keySetting, v); err != nil {
			return fmt.Errorf("writing bucket %q: %w", bucketSchedule, err)
		}
		if err := audit.Append(tx, now, by, audit.ActionHoursChanged, AuditReference); err != nil {
			return fmt.Errorf("recording the change in the audit trail: %w", err)
		}
		return nil
	})
	if err != nil {
		return Setting{}, fmt.Errorf("schedule: saving the opening hours: %w", err)
	}
	s.cur.Store(&snapshot{hours: h, setting: st})
	if s.o.OnChange != nil {
		s.o.OnChange(h)
	}
	s.o.Log.Info().Str("by", by).Bool("always", st.Always).Int("spans", len(st.Weekly)).
		Int("closed_days", len(st.Closed)).Msg("opening hours changed")
	return normal(st), nil
}

// check validates in as of now and returns it cleaned (trimmed, days in
// order, closures sorted, Weekly empty when Always) with its hours, or the
// field.Errors.
func check(in Setting, now time.Time) (Setting, hours.Hours, error) {
	e := field.Errors{}
	st := Setting{Always: in.Always, Weekly: []hours.Span{}}
	if !in.Always {
		st.Weekly = checkWeekly(e, in.Weekly)
	}
	st.Closed = checkClosed(e, in.Closed, now)
	if len(e) > 0 {
		return Setting{}, hours.Hours{}, e
	}
	h, err := build(st)
	if err != nil { // check let through what hours refuses: a bug here
		return Setting{}, hours.Hours{}, fmt.Errorf("schedule: checked hours refused: %w", err)
	}
	st.Closed = h.Closures()
	return normal(st), h, nil
}

// maxSpans is the most weekly spans (hours.FromSpans takes no more).
const maxSpans = 32

// The messages of Set, by what is wrong.
var (
	msgTooManySpans = field.Message{
		Sv: fmt.Sprintf("Högst %d öppettider. Slå ihop dagar som har samma tider.", maxSpans),
		En: fmt.Sprintf("At most %d opening times. Combine days that have the same times.", maxSpans)}
	msgNoDay   = field.Message{Sv: "Välj minst en dag.", En: "Choose at least one day."}
	msgBadDay  = field.Message{Sv: "Välj dagar från måndag till söndag.", En: "Choose days from Monday to Sunday."}
	msgTwice   = field.Message{Sv: "Välj varje dag bara en gång.", En: "Choose each day only once."}
	msgTime    = field.Message{Sv: "Skriv en tid som 09:00.", En: "Write a time such as 09:00."}
	msgFrom24  = field.Message{Sv: "Skriv 00:00 för midnatt när dagen börjar.", En: "Write 00:00 for midnight at the start of the day."}
	msgToAfter = field.Message{Sv: "Sluttiden måste vara efter starttiden.", En: "The closing time must be after the opening time."}

	msgTooManyClosed = field.Message{
		Sv: fmt.Sprintf("Högst %d stängda dagar. Ta bort dagar som har varit.", hours.MaxClosures),
		En: fmt.Sprintf("At most %d closed days. Remove days that have passed.", hours.MaxClosures)}
	msgDate    = field.Message{Sv: "Skriv ett datum som 2026-12-24.", En: "Write a date such as 2026-12-24."}
	msgTooFar  = field.Message{Sv: "Välj en dag högst två år fram.", En: "Choose a day at most two years ahead."}
	msgSameDay = field.Message{Sv: "Den dagen finns redan i listan.", En: "That day is already in the list."}
	msgLong    = field.Message{
		Sv: fmt.Sprintf("Högst %d tecken.", hours.MaxNote),
		En: fmt.Sprintf("At most %d characters.", hours.MaxNote)}
	// specNote words field.Text's message for control characters; the
	// length is checked with msgLong.
	specNote = field.Spec{What: field.Message{Sv: "anteckningen", En: "the note"}, Optional: true, Max: math.MaxInt}
)

// checkWeekly checks the spans and returns them cleaned.
func checkWeekly(e field.Errors, spans []hours.Span) []hours.Span {
	out := make([]hours.Span, 0, len(spans))
	if len(spans) > maxSpans {
		e.Add("weekly", msgTooManySpans)
		return out
	}
	for i, sp := range spans {
		p := fmt.Sprintf("weekly.%d.", i)
		c := hours.Span{Days: checkDays(e, p+"days", sp.Days), From: strings.TrimSpace(sp.From), To: strings.TrimSpace(sp.To)}
		from, fromOK := hours.Clock(c.From)
		to, toOK := hours.Clock(c.To)
		switch {
		case !fromOK:
			e.Add(p+"from", msgTime)
		case from == 24*60:
			e.Add(p+"from", msgFrom24)
			fromOK = false // nothing to compare the closing time with
		}
		switch {
		case !toOK:
			e.Add(p+"to", msgTime)
		case fromOK && to <= from:
			e.Add(p+"to", msgToAfter)
		}
		out = append(out, c)
	}
	return out
}

// checkDays checks a span's ISO weekdays and returns them in order.
func checkDays(e field.Errors, path string, days []int) []int {
	var seen [8]bool
	for _, d := range days {
		switch {
		case d < 1 || d > 7:
			e.Add(path, msgBadDay)
			return days
		case seen[d]:
			e.Add(path, msgTwice)
			return days
		}
		seen[d] = true
	}
	if len(days) == 0 {
		e.Add(path, msgNoDay)
	}
	out := make([]int, 0, len(days))
	for d := 1; d <= 7; d++ {
		if seen[d] {
			out = append(out, d)
		}
	}
	return out
}

// checkClosed checks the closed days as of now and returns them cleaned, in
// the order given. A day that has passed is fine; one more than YearsAhead
// years ahead (in Stockholm) is refused.
func checkClosed(e field.Errors, cs []hours.Closure, now time.Time) []hours.Closure {
	out := make([]hours.Closure, 0, len(cs))
	if len(cs) > hours.MaxClosures {
		e.Add("closed", msgTooManyClosed)
		return out
	}
	y, m, d := now.In(hours.Location()).Date()
	last := time.Date(y+YearsAhead, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		p := fmt.Sprintf("closed.%d.", i)
		date := strings.TrimSpace(c.Date)
		switch {
		case !hours.ValidDate(date):
			e.Add(p+"date", msgDate)
		case date > last:
			e.Add(p+"date", msgTooFar)
		case seen[date]:
			e.Add(p+"date", msgSameDay)
		}
		seen[date] = true
		note := field.Text(e, p+"note", c.Note, specNote)
		if utf8.RuneCountInString(note) > hours.MaxNote {
			e.Add(p+"note", msgLong)
		}
		out = append(out, hours.Closure{Date: date, Note: note})
	}
	return out
}

// normal returns a deep copy of st whose lists are never nil (the page
// gets arrays).
func normal(st Setting) Setting {
	weekly := make([]hours.Span, 0, len(st.Weekly))
	for _, sp := range st.Weekly {
		sp.Days = append([]int{}, sp.Days...)
		weekly = append(weekly, sp)
	}
	st.Weekly = weekly
	st.Closed = append([]hours.Closure{}, st.Closed...)
	if st.UpdatedAt != nil {
		at := *st.UpdatedAt
		st.UpdatedAt = &at
	}
	return st
}
