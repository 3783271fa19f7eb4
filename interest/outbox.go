package interest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"parentline/mail"
)

// mailJob is one mail in the transactional outbox: written in the same
// transaction as the records it confirms and deleted once a Mailer accepted
// it, so a confirmation is never lost (and, after a crash between sending
// and deleting, sent at most once more). It is the only place an e-mail
// address is kept in clear.
type mailJob struct {
	Kind     string    `json:"kind"` // the form's kind
	IDs      []string  `json:"ids"`  // the records it confirms
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"next_try"`
}

// Backoff after a failed delivery: 30 s, doubling, at most an hour.
const (
	retryFirst = 30 * time.Second
	retryMax   = time.Hour
)

// MailGiveUpAfter: Purge drops a mail not delivered this long after it was
// queued (with the address in it).
const MailGiveUpAfter = 7 * 24 * time.Hour

// deliverBatch bounds one DeliverMail run.
const deliverBatch = 100

func backoff(attempts int) time.Duration {
	d := retryFirst
	for i := 1; i < attempts && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// enqueue writes a mail job in this transaction.
func (t *txn) enqueue(kind string, ids []string, to, subject, text string) error {
	b := t.bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	t.mailed = true
	return putJSON(b, binary.BigEndian.AppendUint64(nil, seq), mailJob{Kind: kind, IDs: ids, To: []string{to},
		Subject: subject, Text: text, Created: t.now, NextTry: t.now})
}

// dropOrphanMail deletes the mail jobs whose records are all gone (the
// citizen withdrew before it was sent, or staff deleted them), and, when
// queuedBefore is not zero, those queued at or before it. It returns how
// many.
func (t *txn) dropOrphanMail(queuedBefore time.Time) (int, error) {
	b := t.bucket(bucketOutbox)
	records := t.bucket(bucketRecords)
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var j mailJob
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("reading a mail job: %w", err)
		}
		alive := false
		for _, id := range j.IDs {
			alive = alive || records.Get([]byte(id)) != nil
		}
		if !alive || (!queuedBefore.IsZero() && !j.Created.After(queuedBefore)) {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
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
// 100 per call, and deletes each job only once m accepted it; then, if it
// sent any, it overwrites the database file's free pages so that the
// addresses do not linger on disk. A failed mail is retried later with
// backoff; the failures are logged (kind, job, attempt; never an address or
// text) and returned joined. It returns how many were sent. One call runs
// at a time.
func (s *Store) DeliverMail(ctx context.Context, m mail.Mailer) (int, error) {
	if m == nil {
		return 0, errors.New("interest: no mailer")
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
			j, ok, err := getJSON[mailJob](b, key)
			if err != nil || !ok {
				return err
			}
			if sendErr == nil {
				return b.Delete(key)
			}
			j.Attempts++
			j.NextTry = t.now.Add(backoff(j.Attempts))
			return putJSON(b, key, j)
		})
		if sendErr != nil {
			s.log.Warn().Err(sendErr).Str("kind", d.job.Kind).Uint64("job", d.key).Int("attempt", d.job.Attempts+1).
				Msg("mail not accepted; will retry")
			errs = append(errs, fmt.Errorf("interest: mail %d (%s): %w", d.key, d.job.Kind, sendErr))
		} else {
			sent++
			s.log.Info().Str("kind", d.job.Kind).Strs("ids", d.job.IDs).Uint64("job", d.key).Msg("mail sent")
		}
		if err != nil {
			errs = append(errs, s.internal(err, "updating the outbox"))
		}
	}
	if sent > 0 {
		if _, err := s.scrubFreePages(); err != nil {
			errs = append(errs, s.internal(err, "scrubbing free pages"))
		}
	}
	return sent, errors.Join(errs...)
}
