// Package testmail is a recording mail.Mailer for the tests of the stores
// that send mail (kept apart from testkit, which package mail's tests use).
package testmail

import (
	"context"
	"errors"
	"slices"
	"sync"

	"parentline/mail"
)

// Mailer is a mail.Mailer that keeps what it accepts, for tests that look
// at the mails a store sent; FailNext makes it refuse the next mails as a
// busy SMTP server would. Its zero value accepts everything; it is safe for
// concurrent use.
type Mailer struct {
	mu   sync.Mutex
	sent []mail.Message
	fail int
}

// Send keeps msg, or refuses it while refusals are pending.
func (m *Mailer) Send(ctx context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return errors.New("mail: smtp: 451 try again later (example.se)")
	}
	m.sent = append(m.sent, msg)
	return nil
}

// FailNext makes the next n sends fail.
func (m *Mailer) FailNext(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = n
}

// Messages are the mails accepted so far, oldest first.
func (m *Mailer) Messages() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

// To returns the accepted mails addressed to addr.
func (m *Mailer) To(addr string) []mail.Message {
	var out []mail.Message
	for _, msg := range m.Messages() {
		if slices.Contains(msg.To, addr) {
			out = append(out, msg)
		}
	}
	return out
}
