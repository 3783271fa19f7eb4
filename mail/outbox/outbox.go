// Package outbox is a transactional mail outbox in a bbolt bucket: mail written in the same
// transaction as the change it confirms, and delivered and deleted once a mail.Mailer accepted it.
package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"

	"parentline/mail"
)

// Backoff after a failed delivery: RetryFirst, doubling, at most RetryMax.
const (
	RetryFirst = 30 * time.Second
	RetryMax   = time.Hour
)

// Batch bounds one Deliver run.
const Batch = 100

// Backoff is how long to wait before the next try of a job that failed
// attempts times (1, 2, …): 30 s, 1 min, 2 min, … at most an hour.
func Backoff(attempts int) time.Duration {
	d := RetryFirst
	for i := 1; i < attempts && d < RetryMax; i++ {
		d *= 2
	}
	return min(d, RetryMax)
}

// Job is one mail in the outbox, stored as JSON under its sequence number
// (Key). Its address and text are kept only until the mail is accepted
// (after a crash between sending and deleting it is sent at most once
// more), so neither is ever logged or put in an error.
type Job struct {
	Kind     string    `json:"kind"` // what the mail tells, e.g. "invitation"; logged
	Refs     []string  `json:"ids"`  // the ids of the records the mail is about; logged
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts,omitempty"` // failed deliveries so far
	NextTry  time.Time `json:"next_try"`           // not sent before; zero: at once
}

// UnmarshalJSON reads a job, also as stored before this package: the
// booking outbox kept its one ref as "booking_id", which is merged into
// Refs.
func (j *Job) UnmarshalJSON(raw []byte) error {
	type plain Job // without this method
	var v struct {
		plain
		BookingID string `json:"booking_id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	*j = Job(v.plain)
	if v.BookingID != "" && !slices.Contains(j.Refs, v.BookingID) {
		j.Refs = append(j.Refs, v.BookingID)
	}
	return nil
}

// OrphanIn reports whether none of the job's Refs is a key of records:
// everything the mail is about is gone.
func (j Job) OrphanIn(records *bbolt.Bucket) bool {
	for _, id := range j.Refs {
		if records.Get([]byte(id)) != nil {
			return false
		}
	}
	return true
}

// Key is the bucket key of job seq: 8 bytes, big-endian, so that a cursor
// meets the jobs oldest first.
func Key(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// decode reads one entry of an outbox bucket.
func decode(k, v []byte) (uint64, Job, error) {
	var j Job
	if len(k) != 8 {
		return 0, j, fmt.Errorf("reading a mail job: a key of %d bytes", len(k))
	}
	if err := json.Unmarshal(v, &j); err != nil {
		return 0, j, fmt.Errorf("reading a mail job: %w", err)
	}
	return binary.BigEndian.Uint64(k), j, nil
}

// Enqueue writes j into the outbox bucket b (of a write transaction, the
// one of the change the mail tells about) under the bucket's next sequence
// number, and returns that number. The caller sets Created and NextTry.
func Enqueue(b *bbolt.Bucket, j Job) (uint64, error) {
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return 0, err
	}
	return seq, b.Put(Key(seq), raw)
}

// Withdraw deletes job seq from b if it is still there (not yet sent), and
// reports whether it was.
func Withdraw(b *bbolt.Bucket, seq uint64) (bool, error) {
	key := Key(seq)
	if b.Get(key) == nil {
		return false, nil
	}
	return true, b.Delete(key)
}

// Each calls fn with every job in b, oldest first, and stops at the first
// error. fn must not change b.
func Each(b *bbolt.Bucket, fn func(seq uint64, j Job) error) error {
	return b.ForEach(func(k, v []byte) error {
		seq, j, err := decode(k, v)
		if err != nil {
			return err
		}
		return fn(seq, j)
	})
}

// Drop deletes the jobs of b for which dead is true (e.g. whose records
// are all gone: Job.OrphanIn), and returns how many.
func Drop(b *bbolt.Bucket, dead func(seq uint64, j Job) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		seq, j, err := decode(k, v)
		if err != nil {
			return err
		}
		if dead(seq, j) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// Pending is how many jobs wait in b.
func Pending(b *bbolt.Bucket) int { return b.Stats().KeyN }

// Deliverer sends the jobs of one outbox bucket. Set its fields before the
// first Deliver and do not copy it after.
type Deliverer struct {
	DB     *bbolt.DB
	Bucket []byte // the outbox bucket; it must exist
	// Name, e.g. "booking", begins its errors and is the "outbox" field of
	// its log lines.
	Name string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log gets kind, refs, job number and attempt of each mail; never an
	// address or a text.
	Log zerolog.Logger
	// AfterSent, if set, runs after a Deliver that sent at least one mail
	// (still one at a time), e.g. to overwrite the free pages that held
	// the addresses. Its error is returned as it is, joined with the rest.
	AfterSent func() error

	mu sync.Mutex // one Deliver at a time
}

func (d *Deliverer) name() string {
	if d.Name == "" {
		return "outbox"
	}
	return d.Name
}

func (d *Deliverer) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d *Deliverer) bucket(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	b := tx.Bucket(d.Bucket)
	if b == nil {
		return nil, fmt.Errorf("no bucket %q", d.Bucket)
	}
	return b, nil
}

// internal logs a storage failure and returns it wrapped.
func (d *Deliverer) internal(err error, what string) error {
	d.Log.Error().Err(err).Str("outbox", d.name()).Msg(what)
	return fmt.Errorf("%s: %s: %w", d.name(), what, err)
}

// Deliver sends the due jobs (NextTry not after now) through m, oldest
// first, at most Batch per call, and deletes each only once m accepted it.
// A job deleted since it was read (withdrawn, purged) is not sent. A failed
// mail is retried after Backoff; the failures are logged (kind, refs, job,
// attempt; never an address or text) and returned joined. It returns how
// many were sent. One call runs at a time; then AfterSent, if any mail was
// sent.
func (d *Deliverer) Deliver(ctx context.Context, m mail.Mailer) (int, error) {
	if m == nil {
		return 0, errors.New(d.name() + ": no mailer")
	}
	d.mu.Lock()
	defer d.mu.Unlock()

	type due struct {
		seq uint64
		job Job
	}
	var jobs []due
	err := d.DB.View(func(tx *bbolt.Tx) error {
		b, err := d.bucket(tx)
		if err != nil {
			return err
		}
		now := d.now()
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(jobs) < Batch; k, v = c.Next() {
			seq, j, err := decode(k, v)
			if err != nil {
				return err
			}
			if !j.NextTry.After(now) {
				jobs = append(jobs, due{seq, j})
			}
		}
		return nil
	})
	if err != nil {
		return 0, d.internal(err, "reading the outbox")
	}

	sent := 0
	var errs []error
	for _, dj := range jobs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		key := Key(dj.seq)
		var still bool // withdrawn or purged since it was read?
		err := d.DB.View(func(tx *bbolt.Tx) error {
			b, err := d.bucket(tx)
			still = err == nil && b.Get(key) != nil
			return err
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !still {
			continue
		}
		sendErr := m.Send(ctx, mail.Message{To: dj.job.To, Subject: dj.job.Subject, Text: dj.job.Text})
		err = d.DB.Update(func(tx *bbolt.Tx) error {
			b, err := d.bucket(tx)
			if err != nil {
				return err
			}
			raw := b.Get(key)
			if raw == nil {
				return nil
			}
			if sendErr == nil {
				return b.Delete(key)
			}
			_, j, err := decode(key, raw)
			if err != nil {
				return err
			}
			j.Attempts++
			j.NextTry = d.now().Add(Backoff(j.Attempts))
			raw, err = json.Marshal(j)
			if err != nil {
				return err
			}
			return b.Put(key, raw)
		})
		if sendErr != nil {
			d.Log.Warn().Err(sendErr).Str("outbox", d.name()).Str("kind", dj.job.Kind).Strs("refs", dj.job.Refs).
				Uint64("job", dj.seq).Int("attempt", dj.job.Attempts+1).Msg("mail not accepted; will retry")
			errs = append(errs, fmt.Errorf("%s: mail %d (%s): %w", d.name(), dj.seq, dj.job.Kind, sendErr))
		} else {
			sent++
			d.Log.Info().Str("outbox", d.name()).Str("kind", dj.job.Kind).Strs("refs", dj.job.Refs).
				Uint64("job", dj.seq).Msg("mail sent")
		}
		if err != nil {
			errs = append(errs, d.internal(err, "updating the outbox"))
		}
	}
	if sent > 0 && d.AfterSent != nil {
		if err := d.AfterSent(); err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}
