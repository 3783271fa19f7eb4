package booking

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"parentline/mail"
)

// mailJob is one mail in the transactional outbox. It is written in the
// same transaction as the change it tells about and deleted only after a
// Mailer accepted it, so a mail is never lost (and, after a crash between
// sending and deleting, sent at most once more).
type mailJob struct {
	Kind      string    `json:"kind"` // invitation, pending, confirmation, released, cancelled, withdrawn, rebooked
	BookingID string    `json:"booking_id"`
	To        []string  `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	Created   time.Time `json:"created"`
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"next_try"`
}

// Backoff after a failed delivery: 30 s, doubling, at most an hour. A job is
// retried until it is sent or its booking is purged.
const (
	retryFirst = 30 * time.Second
	retryMax   = time.Hour
)

// deliverBatch bounds one DeliverMail run.
const deliverBatch = 100

func backoff(attempts int) time.Duration {
	d := retryFirst
	for i := 1; i < attempts && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// enqueue writes a mail job in this transaction and returns its key.
func (t *txn) enqueue(kind, bookingID string, to []string, subject, text string) (uint64, error) {
	b := t.bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(mailJob{Kind: kind, BookingID: bookingID, To: to, Subject: subject, Text: text,
		Created: t.now, NextTry: t.now})
	if err != nil {
		return 0, err
	}
	t.mailed = true
	return seq, b.Put(binary.BigEndian.AppendUint64(nil, seq), raw)
}

// count adds one to the anonymous count of (the month of at, form, outcome).
func (t *txn) count(at time.Time, form Form, o Outcome) error {
	b := t.bucket(bucketStats)
	key := []byte(at.In(t.s.opts.Location).Format("2006-01") + "|" + string(form) + "|" + string(o))
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n+1))
}

// PendingMail is how many mails wait in the outbox (for a health check or a
// metric).
func (s *Store) PendingMail() (int, error) {
	n := 0
	err := s.view(func(t *txn) error {
		n = t.bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// DeliverMail sends the outbox's due mails through m, oldest first, at most
// 100 per call, and deletes each job only once m accepted it. A failed mail
// is retried later with backoff; the failures are logged (kind, booking id,
// attempt; never an address or text) and returned joined. It returns how
// many were sent. One call runs at a time.
func (s *Store) DeliverMail(ctx context.Context, m mail.Mailer) (int, error) {
	if m == nil {
		return 0, errors.New("booking: no mailer")
	}
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()

	type due struct {
		key uint64
		job mailJob
	}
	var jobs []due
	err := s.view(func(t *txn) error {
		c := t.bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(jobs) < deliverBatch; k, v = c.Next() {
			var j mailJob
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("reading a mail job: %w", err)
			}
			if !j.NextTry.After(t.now) {
				jobs = append(jobs, due{binary.BigEndian.Uint64(k), j})
			}
		}
		return nil
	})
	if err != nil {
		return 0, s.internal(err, "reading the outbox")
	}

	sent := 0
	var errs []error
	for _, d := range jobs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		key := binary.BigEndian.AppendUint64(nil, d.key)
		var still bool // withdrawn or purged since it was read?
		if err := s.view(func(t *txn) error { still = t.bucket(bucketOutbox).Get(key) != nil; return nil }); err != nil {
			errs = append(errs, err)
			continue
		}
		if !still {
			continue
		}
		sendErr := m.Send(ctx, mail.Message{To: d.job.To, Subject: d.job.Subject, Text: d.job.Text})
		err := s.update(func(t *txn) error {
			b := t.bucket(bucketOutbox)
			raw := b.Get(key)
			if raw == nil {
				return nil
			}
			if sendErr == nil {
				return b.Delete(key)
			}
			var j mailJob
			if err := json.Unmarshal(raw, &j); err != nil {
				return err
			}
			j.Attempts++
			j.NextTry = t.now.Add(backoff(j.Attempts))
			raw, err := json.Marshal(j)
			if err != nil {
				return err
			}
			return b.Put(key, raw)
		})
		if sendErr != nil {
			s.log.Warn().Err(sendErr).Str("kind", d.job.Kind).Str("booking", d.job.BookingID).Uint64("job", d.key).
				Int("attempt", d.job.Attempts+1).Msg("mail not accepted; will retry")
			errs = append(errs, fmt.Errorf("booking: mail %d (%s): %w", d.key, d.job.Kind, sendErr))
		} else {
			sent++
			s.log.Info().Str("kind", d.job.Kind).Str("booking", d.job.BookingID).Uint64("job", d.key).Msg("mail sent")
		}
		if err != nil {
			errs = append(errs, s.internal(err, "updating the outbox"))
		}
	}
	return sent, errors.Join(errs...)
}
