package stats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// ErrClosed is given to done by Add after Close.
var ErrClosed = errors.New("stats: tallies are closed")

// DayLayout is the layout of the day part of a tally key.
const DayLayout = "2006-01-02"

// The counter buckets. Keys are '|'-joined parts; values uint64 big-endian.
var (
	bucketTallies  = []byte("tallies")     // day|audience|topic: closed chats per chosen topic
	bucketFlow     = []byte("tally_flow")  // day|audience|queued|answered|abandoned
	bucketWaits    = []byte("tally_waits") // day|audience|wait bucket, for answered chats
	bucketHours    = []byte("tally_hours") // month|ISO weekday|hour: chats that joined the queue
	counterBuckets = [][]byte{bucketTallies, bucketFlow, bucketWaits, bucketHours}
)

// stockholm is the calendar the counters are kept in.
var stockholm = mustLoadLocation("Europe/Stockholm")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("stats: " + err.Error())
	}
	return loc
}

// idPattern is the shape of audience and topic ids. It keeps '|' out of the
// parts of a key, so a key splits back unambiguously.
var idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Tallies is the store of (day, audience, topic) counters. It is safe for
// concurrent use.
type Tallies struct {
	db  *bolt.DB
	log zerolog.Logger

	mu      sync.Mutex
	pending []tallyEntry
	closed  bool

	wake     chan struct{} // capacity 1: "there is something pending or we are closing"
	stopped  chan struct{} // closed when the writer goroutine has returned
	closeErr error         // error of the last batch written after Close began; read after stopped
}

// tallyEntry is one caller's increments, committed together.
type tallyEntry struct {
	incs []increment
	done func(error)
}

type increment struct {
	bucket []byte
	key    string
}

// Increment is one counter to raise by one: a bucket and a key. The
// functions below say which increments an event makes; Tallies writes them
// to this node's bbolt file, and in a cluster a chat node sends them to the
// store node, which applies them with ApplyIncrements.
type Increment struct {
	Bucket string `json:"b"`
	Key    string `json:"k"`
}

// ClosedIncrements are the increments of a chat closed with these topics.
func ClosedIncrements(day, audience string, topics []string) ([]Increment, error) {
	uniq, err := validateTally(day, audience, topics)
	if err != nil {
		return nil, err
	}
	out := make([]Increment, len(uniq))
	for i, topic := range uniq {
		out[i] = Increment{string(bucketTallies), tallyKey(day, audience, topic)}
	}
	return out, nil
}

// QueuedIncrements: a parent joined the queue (the day's flow and the hour
// of the week, per month). Nil for an invalid audience.
func QueuedIncrements(at time.Time, audience string) []Increment {
	if !idPattern.MatchString(audience) {
		return nil
	}
	at = at.In(stockholm)
	weekday := int(at.Weekday())
	if weekday == 0 {
		weekday = 7
	}
	return []Increment{
		{string(bucketFlow), tallyKey(at.Format(DayLayout), audience, "queued")},
		{string(bucketHours), fmt.Sprintf("%s|%d|%02d", at.Format("2006-01"), weekday, at.Hour())},
	}
}

// AnsweredIncrements: a counsellor took a chat after it waited so long.
func AnsweredIncrements(at time.Time, audience string, waited time.Duration) []Increment {
	if !idPattern.MatchString(audience) {
		return nil
	}
	day := at.In(stockholm).Format(DayLayout)
	return []Increment{
		{string(bucketFlow), tallyKey(day, audience, "answered")},
		{string(bucketWaits), tallyKey(day, audience, WaitBucket(waited))},
	}
}

// AbandonedIncrements: a parent left the queue before being answered.
func AbandonedIncrements(at time.Time, audience string) []Increment {
	if !idPattern.MatchString(audience) {
		return nil
	}
	return []Increment{{string(bucketFlow), tallyKey(at.In(stockholm).Format(DayLayout), audience, "abandoned")}}
}

func internal(incs []Increment) []increment {
	out := make([]increment, len(incs))
	for i, inc := range incs {
		out[i] = increment{[]byte(inc.Bucket), inc.Key}
	}
	return out
}

// OpenTallies makes sure the counter buckets exist and starts the writer
// goroutine. The caller keeps owning db and closes it after Close.
func OpenTallies(db *bolt.DB, log zerolog.Logger) (*Tallies, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range counterBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stats: create tallies bucket: %w", err)
	}
	t := &Tallies{
		db:      db,
		log:     log,
		wake:    make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
	go t.writer()
	return t, nil
}

// Add counts one chat for each distinct topic, on the given day (Europe/Stockholm,
// "2006-01-02") and audience. It never waits for the disk: the entry is queued
// and stored by the writer goroutine together with whatever else is pending.
//
// done (may be nil) is called exactly once: with nil only after the increments
// are committed, or with the reason they were not. For bad input and after
// Close it is called at once, on the caller's goroutine, before Add returns;
// otherwise it is called later on the writer goroutine, and must not block for
// long, since the next batch waits for it.
func (t *Tallies) Add(day, audience string, topics []string, done func(error)) {
	incs, err := ClosedIncrements(day, audience, topics)
	if err != nil {
		call(done, err)
		return
	}
	t.enqueue(tallyEntry{incs: internal(incs), done: done})
}

func (t *Tallies) enqueue(e tallyEntry) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		call(e.done, ErrClosed)
		return
	}
	t.pending = append(t.pending, e)
	t.mu.Unlock()
	t.signal()
}

// Queued counts a parent joining the queue: the day's flow and the hour of
// the week (per month) when parents write. It never waits for the disk.
func (t *Tallies) Queued(at time.Time, audience string) {
	if incs := QueuedIncrements(at, audience); incs != nil {
		t.enqueue(tallyEntry{incs: internal(incs)})
	}
}

// Answered counts a chat taken by a counsellor after waiting so long.
func (t *Tallies) Answered(at time.Time, audience string, waited time.Duration) {
	if incs := AnsweredIncrements(at, audience, waited); incs != nil {
		t.enqueue(tallyEntry{incs: internal(incs)})
	}
}

// Abandoned counts a parent who left the queue before being answered.
func (t *Tallies) Abandoned(at time.Time, audience string) {
	if incs := AbandonedIncrements(at, audience); incs != nil {
		t.enqueue(tallyEntry{incs: internal(incs)})
	}
}

// WaitBuckets are the wait-time classes, in order.
var WaitBuckets = []string{"lt1", "1to5", "5to15", "15to30", "gt30"}

// WaitBucket classifies a wait: under 1 minute, 1–5, 5–15, 15–30, over 30.
func WaitBucket(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "lt1"
	case d < 5*time.Minute:
		return "1to5"
	case d < 15*time.Minute:
		return "5to15"
	case d < 30*time.Minute:
		return "15to30"
	}
	return "gt30"
}

// Close stores everything still pending, waits for it and stops the writer.
// Later calls to Add give done ErrClosed. Close does not close the bbolt DB.
// It returns the storage error of the final batch, if any (those entries'
// done functions have been told as well). Calling Close again returns nil.
func (t *Tallies) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		<-t.stopped
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	t.signal()
	<-t.stopped
	return t.closeErr
}

func (t *Tallies) signal() {
	select {
	case t.wake <- struct{}{}:
	default: // a wake-up is already waiting; the writer will see our entry
	}
}

// writer takes all that is pending, writes it in one transaction and answers
// the done functions, until Close has been called and nothing is left.
func (t *Tallies) writer() {
	defer close(t.stopped)
	for {
		t.mu.Lock()
		batch := t.pending
		t.pending = nil
		closing := t.closed
		t.mu.Unlock()

		if len(batch) > 0 {
			err := t.write(batch)
			if err != nil {
				t.log.Error().Err(err).Int("entries", len(batch)).Msg("tally batch not stored")
			}
			if closing {
				t.closeErr = err
			}
			for _, e := range batch {
				call(e.done, err)
			}
			continue // more may have come in while we were writing
		}
		if closing {
			return
		}
		<-t.wake
	}
}

// write applies the batch in a single read-write transaction.
func (t *Tallies) write(batch []tallyEntry) error {
	type bk struct{ bucket, key string }
	counts := make(map[bk]uint64)
	for _, e := range batch {
		for _, inc := range e.incs {
			counts[bk{string(inc.bucket), inc.key}]++
		}
	}
	return t.db.Update(func(tx *bolt.Tx) error {
		for k, d := range counts {
			if err := raise(tx, []byte(k.bucket), k.key, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// raise adds d to one counter inside tx.
func raise(tx *bolt.Tx, bucket []byte, key string, d uint64) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return fmt.Errorf("stats: bucket %s missing", bucket)
	}
	n := d
	if v := b.Get([]byte(key)); len(v) == 8 {
		n += binary.BigEndian.Uint64(v)
	}
	// bbolt keeps a reference to the value until the commit, so every Put
	// needs its own buffer.
	return b.Put([]byte(key), binary.BigEndian.AppendUint64(make([]byte, 0, 8), n))
}

// incrementKey is the shape of every tally key: three parts of lower-case
// letters, digits, '_' and '-' (dates), split by '|'.
var incrementKey = regexp.MustCompile(`^[a-z0-9_-]{1,40}\|[a-z0-9_-]{1,40}\|[a-z0-9_-]{1,40}$`)

// ApplyIncrements raises each counter by one inside tx, the transaction of
// whoever applies them (the store node applying a chat node's tallies). It
// refuses increments for buckets that are not tally buckets or with keys
// that could not have been made by the functions above.
func ApplyIncrements(tx *bolt.Tx, incs []Increment) error {
	for _, inc := range incs {
		known := false
		for _, b := range counterBuckets {
			known = known || string(b) == inc.Bucket
		}
		if !known || !incrementKey.MatchString(inc.Key) {
			return fmt.Errorf("stats: not a tally increment: %q %q", inc.Bucket, inc.Key)
		}
		if _, err := tx.CreateBucketIfNotExists([]byte(inc.Bucket)); err != nil {
			return err
		}
		if err := raise(tx, []byte(inc.Bucket), inc.Key, 1); err != nil {
			return err
		}
	}
	return nil
}

// Count is the stored count for one (day, audience, topic); 0 if none.
// Entries still pending are not included.
func (t *Tallies) Count(day, audience, topic string) (uint64, error) {
	if _, err := validateTally(day, audience, []string{topic}); err != nil {
		return 0, err
	}
	var n uint64
	err := t.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		if b == nil {
			return errors.New("stats: tallies bucket missing")
		}
		if v := b.Get([]byte(tallyKey(day, audience, topic))); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n, err
}

// Each calls fn for every counter from fromDay to toDay inclusive, in key
// order (day, then audience, then topic). The rows are read first and fn is
// called after the read transaction has ended, so fn may take its time (write
// to a network connection). An error from fn stops Each and is returned.
func (t *Tallies) Each(fromDay, toDay string, fn func(day, audience, topic string, n uint64) error) error {
	if !validDay(fromDay) {
		return fmt.Errorf("stats: from day %q is not a date YYYY-MM-DD", fromDay)
	}
	if !validDay(toDay) {
		return fmt.Errorf("stats: to day %q is not a date YYYY-MM-DD", toDay)
	}
	type row struct {
		day, audience, topic string
		n                    uint64
	}
	var rows []row
	err := t.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		if b == nil {
			return errors.New("stats: tallies bucket missing")
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte(fromDay)); k != nil; k, v = c.Next() {
			parts := strings.Split(string(k), "|") // string() copies: k is only valid in the tx
			if len(parts) != 3 || len(v) != 8 {
				continue // not a tally key; nothing else is written here
			}
			if parts[0] > toDay {
				break
			}
			rows = append(rows, row{parts[0], parts[1], parts[2], binary.BigEndian.Uint64(v)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r.day, r.audience, r.topic, r.n); err != nil {
			return err
		}
	}
	return nil
}

func tallyKey(day, audience, topic string) string {
	return day + "|" + audience + "|" + topic
}

func validDay(day string) bool {
	d, err := time.Parse(DayLayout, day)
	return err == nil && d.Format(DayLayout) == day
}

// validateTally checks the input of Add and returns the topics without
// duplicates, in their first order.
func validateTally(day, audience string, topics []string) ([]string, error) {
	if !validDay(day) {
		return nil, fmt.Errorf("stats: day %q is not a date YYYY-MM-DD", day)
	}
	if !idPattern.MatchString(audience) {
		return nil, fmt.Errorf("stats: audience %q is not an id (a-z, 0-9, _; 1-40 characters)", audience)
	}
	if len(topics) == 0 {
		return nil, errors.New("stats: at least one topic is needed")
	}
	uniq := make([]string, 0, len(topics))
	for _, tp := range topics {
		if !idPattern.MatchString(tp) {
			return nil, fmt.Errorf("stats: topic %q is not an id (a-z, 0-9, _; 1-40 characters)", tp)
		}
		dup := false
		for _, u := range uniq {
			if u == tp {
				dup = true
				break
			}
		}
		if !dup {
			uniq = append(uniq, tp)
		}
	}
	return uniq, nil
}

func call(done func(error), err error) {
	if done != nil {
		done(err)
	}
}
