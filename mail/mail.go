// Package mail is sending e-mail over SMTP, and a development outbox.
//
// Parentline sends few mails and only notifications: the intake mailbox is told
// that a case exists and its reference (never its content), and citizens get
// booking links and confirmations. Every mail is plain UTF-8 text marked
// "Auto-Submitted: auto-generated" so that mail systems do not answer it.
//
// Two Mailers exist. SMTP sends through a real SMTP server with mandatory TLS
// by default. Outbox is for development and `make run`: it keeps the last mails
// in memory and shows them on a page (the server mounts it at /dev/outbox only
// when no SMTP server is configured), so nothing leaves the machine.
//
// Privacy: errors and log lines name the recipients' domains, never their
// addresses, and never contain a mail's text.
package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"unicode/utf8"
)

// Message is one plain-text mail.
type Message struct {
	To      []string // bare addresses: "intake@example.se", no display names
	Subject string   // one line
	Text    string   // the body, plain UTF-8 text
}

// Mailer sends a Message. Implementations are safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var (
	_ Mailer = (*SMTP)(nil)
	_ Mailer = (*Outbox)(nil)
)

// validate checks what both Mailers require of a Message. Its errors name no
// address and no text.
func (m Message) validate() error {
	if len(m.To) == 0 {
		return errors.New("message has no recipient")
	}
	for i, to := range m.To {
		if err := checkAddress(to); err != nil {
			return fmt.Errorf("recipient %d: %w", i+1, err)
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		return errors.New("message has no subject")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("subject contains a line break")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) {
		return errors.New("message is not valid UTF-8")
	}
	return nil
}

// checkAddress accepts a bare address (local@domain) and nothing else.
func checkAddress(s string) error {
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, "\r\n<>") {
		return errors.New("not a bare e-mail address")
	}
	return nil
}

// domainOf is the part of an address after its last '@', in lower case.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// recipientDomains lists the distinct domains of the recipients, comma-separated:
// what a log line or an error may say about who a mail was for.
func recipientDomains(to []string) string {
	var ds []string
	for _, a := range to {
		if d := domainOf(a); !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return strings.Join(ds, ",")
}
