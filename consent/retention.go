package consent

import (
	"context"
	"encoding/json"
	"parentline/audit"
	"time"

	bolt "go.etcd.io/bbolt"
)

// retentionUntil is when a finished case is due for deletion: the date set
// when it was forwarded, closed or withdrawn, or (for a record without one)
// its last change plus the retention period.
func (r caseRecord) retentionUntil(days int) time.Time {
	if r.RetentionUntil != nil {
		return *r.RetentionUntil
	}
	return r.Updated.AddDate(0, 0, days)
}

// finished reports whether the retention period runs for a case.
func (r caseRecord) finished() bool {
	return r.Status == StatusForwarded || r.Status == StatusClosed || r.Status == StatusWithdrawn
}

// Sweep deletes every case that is forwarded, closed or withdrawn and whose
// retention period has run out by now, each audited as "deleted" by
// "retention", all in one transaction. Cases still new or received are kept:
// the intake has not finished with them.
func (s *Service) Sweep(now time.Time) (deleted int, err error) {
	var refs []string
	err = s.opts.DB.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		var due []caseRecord
		err := b.ForEach(func(_, v []byte) error {
			var r caseRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.finished() && now.After(r.retentionUntil(s.opts.RetentionDays)) {
				due = append(due, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range due {
			if err := b.Delete([]byte(r.Reference)); err != nil {
				return err
			}
			if err := audit.Append(tx, now, audit.ActorRetention, audit.ActionDeleted, r.Reference); err != nil {
				return err
			}
			refs = append(refs, r.Reference)
		}
		return nil
	})
	if err != nil {
		return 0, s.internal(err, "deleting cases past retention")
	}
	for _, ref := range refs {
		s.opts.Log.Info().Str("reference", ref).Str("action", audit.ActionDeleted).Msg("case")
	}
	s.pruneAttempts(now)
	return len(refs), nil
}

// RunRetention sweeps at once and then every interval (daily if every is
// not positive) until ctx is done. Each run also logs the audit trail's
// head, which anchors the trail outside the database.
func (s *Service) RunRetention(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 24 * time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Sweep(s.opts.Now()); err == nil {
			seq, hash, herr := audit.Head(s.opts.DB)
			ev := s.opts.Log.Info().Int("deleted", n)
			if herr == nil {
				ev = ev.Uint64("audit_seq", seq).Str("audit_head", hash)
			}
			ev.Msg("case retention")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
