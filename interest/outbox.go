package interest

import (
	"context"
	"time"

	"parentline/mail"
	"parentline/mail/outbox"
)

// The outbox (package mail/outbox) holds each confirmation from the
// transaction of the records it confirms until a Mailer accepted it, so a
// confirmation is never lost (and, after a crash between sending and
// deleting, sent at most once more). It is the only place an e-mail
// address is kept in clear.

// MailGiveUpAfter: Purge drops a mail not delivered this long after it was
// queued (with the address in it).
const MailGiveUpAfter = 7 * 24 * time.Hour

// enqueue writes a mail job in this transaction.
func (t *txn) enqueue(kind string, ids []string, to, subject, text string) error {
	if _, err := outbox.Enqueue(t.bucket(bucketOutbox), outbox.Job{Kind: kind, Refs: ids, To: []string{to},
		Subject: subject, Text: text, Created: t.now, NextTry: t.now}); err != nil {
		return err
	}
	t.mailed = true
	return nil
}

// dropOrphanMail deletes the mail jobs whose records are all gone (the
// citizen withdrew before it was sent, or staff deleted them), and, when
// queuedBefore is not zero, those queued at or before it. It returns how
// many.
func (t *txn) dropOrphanMail(queuedBefore time.Time) (int, error) {
	records := t.bucket(bucketRecords)
	return outbox.Drop(t.bucket(bucketOutbox), func(_ uint64, j outbox.Job) bool {
		return j.OrphanIn(records) || (!queuedBefore.IsZero() && !j.Created.After(queuedBefore))
	})
}

// PendingMail is how many mails wait in the outbox (for a health check or a
// metric).
func (s *Store) PendingMail() (int, error) {
	n := 0
	err := s.view(func(t *txn) error {
		n = outbox.Pending(t.bucket(bucketOutbox))
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
	return s.delivery.Deliver(ctx, m)
}
