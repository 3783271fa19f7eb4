package booking

import (
	"context"

	"parentline/mail"
	"parentline/mail/outbox"
)

// The outbox (package mail/outbox) holds each mail from the transaction of
// the change it tells about until a Mailer accepted it, so a mail is never
// lost (and, after a crash between sending and deleting, sent at most once
// more). A job is retried until it is sent or its booking is purged.

// enqueue writes a mail job about a booking in this transaction and returns
// its key.
func (t *txn) enqueue(kind, bookingID string, to []string, subject, text string) (uint64, error) {
	seq, err := outbox.Enqueue(t.bucket(bucketOutbox), outbox.Job{Kind: kind, Refs: []string{bookingID}, To: to,
		Subject: subject, Text: text, Created: t.now, NextTry: t.now})
	if err != nil {
		return 0, err
	}
	t.mailed = true
	return seq, nil
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
// 100 per call, and deletes each job only once m accepted it. A failed mail
// is retried later with backoff; the failures are logged (kind, booking id,
// attempt; never an address or text) and returned joined. It returns how
// many were sent. One call runs at a time.
func (s *Store) DeliverMail(ctx context.Context, m mail.Mailer) (int, error) {
	return s.delivery.Deliver(ctx, m)
}
