package interest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/internal/scrub"
)

// Purge deletes, in one transaction, what retention allows no longer:
// every record past its DeleteAfter (StatusAt plus its status's RetainFor;
// whatever its consent), each audited "interest_purged" by "retention"
// with its id only; drafts DraftFor after their last save; mail whose
// records are gone or that was not delivered within MailGiveUpAfter; and
// index entries pointing at nothing. It returns how many records it
// deleted.
//
// Deleting a key in bbolt leaves its old bytes in free pages of the file
// until they are reused, so Purge then overwrites every free page of the
// file through bbolt itself (filler written and deleted again; safe while
// others use the database). Pages still held by a read transaction open
// at that moment are overwritten on a later run. Run calls Purge daily.
func (s *Store) Purge() (int, error) {
	var records, drafts, mails, orphans int
	err := s.update(func(t *txn) error {
		records, drafts, mails, orphans = 0, 0, 0, 0
		var due []storedRecord
		err := t.bucket(bucketRecords).ForEach(func(_, v []byte) error {
			var r storedRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			fi, ok := s.forms[r.Kind]
			if !ok {
				return nil // a form not configured now: kept until it is
			}
			if !t.now.Before(r.deleteAfter(fi)) {
				due = append(due, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range due {
			if err := t.deleteRecord(r); err != nil {
				return err
			}
			if err := audit.Append(t.tx, t.now, audit.ActorRetention, ActionPurged, r.ID); err != nil {
				return err
			}
			s.log.Info().Str("kind", r.Kind).Str("id", r.ID).Str("unit", r.Unit).Str("status", r.Status).Msg("registration purged")
			records++
		}

		// Drafts past their time.
		var old [][]byte
		err = t.bucket(bucketDrafts).ForEach(func(k, v []byte) error {
			var d storedDraft
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if !t.now.Before(d.SavedAt.Add(s.opts.DraftFor)) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := t.bucket(bucketDrafts).Delete(k); err != nil {
				return err
			}
		}
		drafts = len(old)

		if mails, err = t.dropOrphanMail(t.now.Add(-MailGiveUpAfter)); err != nil {
			return err
		}
		orphans, err = t.deleteOrphanIndex()
		return err
	})
	if err != nil {
		return 0, s.internal(err, "purging registrations")
	}
	scrubbed, err := s.scrubFreePages()
	if err != nil {
		return records, s.internal(err, "scrubbing free pages")
	}
	s.log.Info().Int("records", records).Int("drafts", drafts).Int("mails", mails).Int("index_entries", orphans).
		Int("scrubbed_pages", scrubbed).Msg("interest retention")
	return records, nil
}

// bucketKey is a key to delete from a bucket.
type bucketKey struct {
	b *bolt.Bucket
	k []byte
}

// deleteOrphanIndex deletes person and register-once entries whose record
// is gone (or no longer theirs), and returns how many.
func (t *txn) deleteOrphanIndex() (int, error) {
	records := t.bucket(bucketRecords)
	var dead []bucketKey
	people := t.bucket(bucketPeople)
	err := people.ForEach(func(k, _ []byte) error {
		if len(k) <= 32 {
			dead = append(dead, bucketKey{people, bytes.Clone(k)})
			return nil
		}
		r, ok, err := getJSON[storedRecord](records, k[32:])
		if err != nil {
			return err
		}
		if !ok || !bytes.Equal(r.Person, k[:32]) {
			dead = append(dead, bucketKey{people, bytes.Clone(k)})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	once := t.bucket(bucketOnce)
	err = once.ForEach(func(k, v []byte) error {
		r, ok, err := getJSON[storedRecord](records, v)
		if err != nil {
			return err
		}
		if !ok || !bytes.Equal(r.Once, k) {
			dead = append(dead, bucketKey{once, bytes.Clone(k)})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, d := range dead {
		if err := d.b.Delete(d.k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// scrubFreePages overwrites the file's free pages (internal/scrub), so that
// what a purge deleted is gone from the file too.
func (s *Store) scrubFreePages() (int, error) {
	return scrub.FreePages(s.db, bucketScrub)
}

// Run runs the jobs until ctx is done: Purge every PurgeEvery (a day) and,
// with Options.Mailer, DeliverMail every MailEvery and at once after a
// change queued mail. Each runs once at the start. Failures are logged and
// retried at the next tick.
func (s *Store) Run(ctx context.Context) {
	purge := time.NewTicker(s.opts.PurgeEvery)
	defer purge.Stop()
	mailTick := time.NewTicker(s.opts.MailEvery)
	defer mailTick.Stop()

	runPurge := func() {
		_, err := s.Purge()
		s.ran("purge", err)
	}
	runMail := func() {
		if s.opts.Mailer == nil {
			return
		}
		_, err := s.DeliverMail(ctx, s.opts.Mailer)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return
		}
		s.ran("mail", err)
	}

	runPurge()
	runMail()
	for {
		select {
		case <-ctx.Done():
			return
		case <-purge.C:
			runPurge()
		case <-mailTick.C:
			runMail()
		case <-s.wake:
			runMail()
		}
	}
}

// ran logs a job's failure (its own error already names what failed) and
// tells a test.
func (s *Store) ran(job string, err error) {
	if err != nil {
		s.log.Error().Err(err).Str("job", job).Msg("interest job failed")
	}
	if s.ranJob != nil {
		s.ranJob(job, err)
	}
}
