package booking

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	"parentline/internal/scrub"
	"parentline/mail/outbox"
)

// PurgeResult is what one Purge deleted.
type PurgeResult struct {
	Bookings      int // bookings whose personal data was deleted
	Slots         int // past slots deleted
	MailJobs      int // mail jobs of purged bookings, never sent
	ScrubbedPages int // free pages of the database file overwritten
}

// Purge deletes what retention allows no longer, in one transaction: every
// booking RetainFor (30 days) after its meeting (confirmed), its
// cancellation, or its release (declined, expired, refused) goes entirely:
// the record with names, address, e-mail, mobile, personnummer and
// signatures, its index entries, its token and its unsent mail jobs. Slots
// that ended RetainFor ago go too. What remains is the anonymous counts
// (Counts), which were written when each outcome happened.
//
// Deleting a key in bbolt leaves its old bytes in free pages of the file
// until they are reused, so Purge then overwrites every free page of the
// file through bbolt itself (filler written and deleted again; safe while
// others use the database). Pages still held by a read transaction open at
// that moment are overwritten on a later run.
//
// Holds past their deadline are expired first. Run calls Purge daily.
func (s *Store) Purge() (PurgeResult, error) {
	var res PurgeResult
	if _, err := s.ExpireHolds(); err != nil {
		return res, err
	}
	err := s.update(func(t *txn) error {
		res = PurgeResult{}
		retain := t.s.opts.RetainFor
		var due []bookingRecord
		err := t.eachBooking(func(rec bookingRecord) error {
			if pa := rec.purgeAfter(retain); !pa.IsZero() && !t.now.Before(pa) {
				due = append(due, rec)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, rec := range due {
			if err := t.purgeBooking(rec); err != nil {
				return err
			}
			res.Bookings++
		}

		// Slots that ended RetainFor ago and hold no live booking.
		var oldSlots []slotRecord
		err = t.eachSlot(time.Unix(0, 0), t.now.Add(-retain), func(r slotRecord) error {
			if r.end().Add(retain).After(t.now) {
				return nil
			}
			if r.BookingID != "" {
				if _, ok, err := t.booking(r.BookingID); err != nil || ok {
					return err
				}
			}
			oldSlots = append(oldSlots, r)
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range oldSlots {
			if err := t.bucket(bucketSlots).Delete([]byte(r.ID)); err != nil {
				return err
			}
			if err := t.bucket(bucketSlotTimes).Delete(slotTimeKey(r.Start, r.ID)); err != nil {
				return err
			}
			res.Slots++
		}

		// Whatever points at a booking that is gone.
		bookings := t.bucket(bucketBookings)
		res.MailJobs, err = outbox.Drop(t.bucket(bucketOutbox), func(_ uint64, j outbox.Job) bool {
			return j.OrphanIn(bookings)
		})
		if err != nil {
			return err
		}
		if _, err := t.deleteOrphans(bucketTokens, func(_, v []byte) (string, error) { return string(v), nil }); err != nil {
			return err
		}
		_, err = t.deleteOrphans(bucketPeople, func(k, _ []byte) (string, error) {
			if len(k) <= 32 {
				return "", nil
			}
			return string(k[32:]), nil
		})
		return err
	})
	if err != nil {
		return res, s.internal(err, "purging bookings")
	}
	res.ScrubbedPages, err = s.scrubFreePages()
	if err != nil {
		return res, s.internal(err, "scrubbing free pages")
	}
	s.log.Info().Int("bookings", res.Bookings).Int("slots", res.Slots).Int("mail_jobs", res.MailJobs).
		Int("scrubbed_pages", res.ScrubbedPages).Msg("booking retention")
	return res, nil
}

// purgeBooking deletes a booking and everything that points at it, except
// mail jobs (Purge drops those after).
func (t *txn) purgeBooking(rec bookingRecord) error {
	if err := t.unindexPerson(rec.Applicant.Personnummer, rec.ID); err != nil {
		return err
	}
	if rec.Co != nil {
		if err := t.unindexPerson(rec.Co.Personnummer, rec.ID); err != nil {
			return err
		}
	}
	if rec.TokenHash != nil {
		if err := t.bucket(bucketTokens).Delete(rec.TokenHash); err != nil {
			return err
		}
	}
	if err := t.bucket(bucketHolds).Delete(timeKey(rec.HoldUntil, rec.ID)); err != nil {
		return err
	}
	if slot, ok, err := t.slot(rec.Meeting.SlotID); err != nil {
		return err
	} else if ok && slot.BookingID == rec.ID {
		slot.BookingID = ""
		if err := t.putSlot(slot); err != nil {
			return err
		}
	}
	t.s.log.Info().Str("booking", rec.ID).Str("state", string(rec.State)).Msg("booking purged")
	return t.bucket(bucketBookings).Delete([]byte(rec.ID))
}

// deleteOrphans deletes the entries of bucket whose booking (as bookingOf
// reads it) no longer exists, and returns how many.
func (t *txn) deleteOrphans(bucket []byte, bookingOf func(k, v []byte) (string, error)) (int, error) {
	b := t.bucket(bucket)
	bookings := t.bucket(bucketBookings)
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		id, err := bookingOf(k, v)
		if err != nil {
			return err
		}
		if bookings.Get([]byte(id)) == nil {
			dead = append(dead, bytes.Clone(k))
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

// scrubFreePages overwrites the file's free pages (internal/scrub), so that
// what a purge deleted is gone from the file too.
func (s *Store) scrubFreePages() (int, error) {
	return scrub.FreePages(s.db, bucketScrub)
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

// Counts returns the anonymous counts of the calendar months (in
// Options.Location) from the month of from through the month of to, by
// month, form and outcome. Each outcome is counted in the month it happened
// (a booking confirmed in May and cancelled in June counts once in each);
// the counts outlive the purge and name no one.
func (s *Store) Counts(from, to time.Time) ([]Count, error) {
	lo := from.In(s.opts.Location).Format("2006-01")
	hi := to.In(s.opts.Location).Format("2006-01")
	out := []Count{}
	err := s.view(func(t *txn) error {
		return t.bucket(bucketStats).ForEach(func(k, v []byte) error {
			parts := strings.SplitN(string(k), "|", 3)
			if len(parts) != 3 || len(v) != 8 || parts[0] < lo || parts[0] > hi {
				return nil
			}
			out = append(out, Count{Month: parts[0], Form: Form(parts[1]), Outcome: Outcome(parts[2]),
				N: binary.BigEndian.Uint64(v)})
			return nil
		})
	})
	if err != nil {
		return nil, s.internal(err, "reading counts")
	}
	slices.SortFunc(out, func(a, b Count) int {
		return strings.Compare(a.Month+"|"+string(a.Form)+"|"+string(a.Outcome), b.Month+"|"+string(b.Form)+"|"+string(b.Outcome))
	})
	return out, nil
}

// Run runs the jobs until ctx is done: ExpireHolds every ExpireEvery
// (a minute), Purge every PurgeEvery (a day), and, with Options.Mailer,
// DeliverMail every MailEvery and at once after a change queued mail. Each
// runs once at the start. Failures are logged and retried at the next tick.
func (s *Store) Run(ctx context.Context) {
	expire := time.NewTicker(s.opts.ExpireEvery)
	defer expire.Stop()
	purge := time.NewTicker(s.opts.PurgeEvery)
	defer purge.Stop()
	mailTick := time.NewTicker(s.opts.MailEvery)
	defer mailTick.Stop()

	runExpire := func() {
		n, err := s.ExpireHolds()
		if err == nil && n > 0 {
			s.log.Info().Int("expired", n).Msg("holds released")
		}
		s.ran("expire", err)
	}
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

	runExpire()
	runPurge()
	runMail()
	for {
		select {
		case <-ctx.Done():
			return
		case <-expire.C:
			runExpire()
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
		s.log.Error().Err(err).Str("job", job).Msg("booking job failed")
	}
	if s.ranJob != nil {
		s.ranJob(job, err)
	}
}
